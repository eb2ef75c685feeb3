#!/usr/bin/env python3
"""Writes the sample export Učne delavnice 2019–2023 as Excel workbooks (.xlsx), and hostile ones.

Reads the CSV bundles ../ucne-delavnice/csv (canonical) and ../ucne-delavnice-si (the Slovenian
legacy layout, Windows-1250) and writes one workbook each, one sheet per CSV file (the sheet is
named as the file without .csv), with the cells typed as Excel writes them:

- text in the shared strings table, every fifth text cell an inline string instead, one rich
  text item (two runs) and a cell with a formula's cached string result (t="str");
- numbers as number cells, their text kept digit for digit (a few in exponent notation:
  1846.20 written 1.84620E+3), booleans as boolean cells;
- dates as serial numbers with a date style: the canonical workbook with the built-in format 14,
  the Slovenian one with a custom format d.m.yyyy on every other date (the rest stay text, read
  through the profile's date patterns), and every other decimal as a number cell (the rest stay
  text such as 3.360,00); ucne-delavnice-1904.xlsx is the canonical workbook in
  the 1904 date system (date1904="1", every serial 1462 days smaller);
- the Slovenian workbook has two title rows above each sheet's header, the operation's sheet is
  named Operacija, and a sheet of notes (Navodila) is read by no entity: si-legacy-xlsx.yaml,
  written here from Rules/profiles/si-legacy-csv.yaml, reads it (header_row: 3, sheet: Operacija).

Standard library only (zipfile and hand-written XML); deterministic: fixed timestamps and part
order. `--check` compares each workbook's parts (names and inflated bytes, so that another zlib
does not matter) with the files there and fails when one differs. `--hostile DIR` writes the
workbooks the end-to-end tests feed to esfcheck: one of edge cases that must still be read, and
hostile ones (a zip bomb, a header that lies about
its size, too many parts, a legacy .xls, not a zip, no workbook part, a missing shared string, a
bad cell reference, an error cell, malformed sheet XML, a DOCTYPE, a macro-enabled workbook).
"""

import csv
import datetime
import io
import os
import re
import struct
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CANONICAL = os.path.join(HERE, "..", "ucne-delavnice", "csv")
SLOVENIAN = os.path.join(HERE, "..", "ucne-delavnice-si")
STAMP = (2024, 1, 1, 0, 0, 0)

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
SI_DATE = re.compile(r"^(\d{1,2})\. ?(\d{1,2})\. ?(\d{4})$")
PLAIN_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")
SI_DECIMAL = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$")


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def column_letters(n):
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def serial(day, date1904):
    """The Excel serial of a datetime.date (1900 system with its 29 February 1900, or 1904)."""
    if date1904:
        return (day - datetime.date(1904, 1, 1)).days
    return (day - datetime.date(1899, 12, 30)).days


class Workbook:
    """Sheets of typed cells, written as an .xlsx package."""

    def __init__(self, date1904=False):
        self.date1904 = date1904
        self.sheets = []  # (name, rows: list of (row number, [(column, cell xml)]))
        self.strings = []
        self.string_index = {}
        self.text_cells = 0

    def shared(self, text):
        if text not in self.string_index:
            self.string_index[text] = len(self.strings)
            self.strings.append(esc_t(text))
        return self.string_index[text]

    def text_cell(self, ref, text):
        self.text_cells += 1
        if self.text_cells % 5 == 0:
            return '<c r="%s" t="inlineStr"><is>%s</is></c>' % (ref, esc_t(text))
        return '<c r="%s" t="s"><v>%d</v></c>' % (ref, self.shared(text))

    def add_sheet(self, name, rows):
        self.sheets.append((name, rows))

    def parts(self):
        """(part name, bytes) in package order."""
        out = []
        overrides = "".join(
            '<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % (i + 1)
            for i in range(len(self.sheets)))
        out.append(("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    + overrides + '</Types>'))
        out.append(("_rels/.rels",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Relationships xmlns="%s"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>' % PKG_REL_NS))
        sheets = "".join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (esc(name), i + 1, i + 1) for i, (name, _) in enumerate(self.sheets))
        out.append(("xl/workbook.xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<workbook xmlns="%s" xmlns:r="%s"><workbookPr%s/><sheets>%s</sheets></workbook>'
                    % (NS, REL_NS, ' date1904="1"' if self.date1904 else "", sheets)))
        n = len(self.sheets)
        rels = "".join('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, i + 1) for i in range(n))
        rels += '<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' % (n + 1)
        rels += '<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/>' % (n + 2)
        out.append(("xl/_rels/workbook.xml.rels",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="%s">%s</Relationships>' % (PKG_REL_NS, rels)))
        # styles: 0 general, 1 built-in date (14), 2 custom d.m.yyyy (164), 3 a number format with a
        # quoted "d" and a [Red] section that is no date
        out.append(("xl/styles.xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<styleSheet xmlns="%s"><numFmts count="2"><numFmt numFmtId="164" formatCode="d.m.yyyy"/>'
                    '<numFmt numFmtId="165" formatCode="#,##0.00\\ &quot;din&quot;;[Red]\\-#,##0.00"/></numFmts>'
                    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
                    '<borders count="1"><border/></borders>'
                    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
                    '</styleSheet>' % NS))
        for i, (name, rows) in enumerate(self.sheets):
            body = "".join('<row r="%d">%s</row>' % (r, "".join(cells)) for r, cells in rows)
            out.append(("xl/worksheets/sheet%d.xml" % (i + 1),
                        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        '<worksheet xmlns="%s" xmlns:r="%s"><sheetData>%s</sheetData></worksheet>' % (NS, REL_NS, body)))
        items = "".join("<si>%s</si>" % s for s in self.strings)
        out.append(("xl/sharedStrings.xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>' % (NS, len(self.strings), len(self.strings), items)))
        return [(name, data.encode("utf-8")) for name, data in out]


def esc_t(text):
    """A <t> element; leading or trailing spaces kept with xml:space."""
    if text != text.strip() or "\n" in text:
        return '<t xml:space="preserve">%s</t>' % esc(text)
    return "<t>%s</t>" % esc(text)


def package(parts):
    """The bytes of a ZIP archive of `parts`, deflated, with fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def read_csv(path, encoding="utf-8", delimiter=","):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


def canonical_workbook(date1904):
    book = Workbook(date1904)
    exponent_written = 0
    for file in ["operation.csv", "providers.csv", "participants.csv", "trainings.csv", "employments.csv",
                 "follow_ups.csv", "expenditures.csv"]:
        rows = read_csv(os.path.join(CANONICAL, file))
        out = []
        for r, row in enumerate(rows, start=1):
            cells = []
            for c, value in enumerate(row, start=1):
                ref = "%s%d" % (column_letters(c), r)
                if value == "":
                    continue
                m = ISO_DATE.match(value)
                if r > 1 and m:
                    day = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                    cells.append('<c r="%s" s="1"><v>%d</v></c>' % (ref, serial(day, date1904)))
                elif r > 1 and value in ("true", "false"):
                    cells.append('<c r="%s" t="b"><v>%d</v></c>' % (ref, 1 if value == "true" else 0))
                elif r > 1 and PLAIN_NUMBER.match(value) and len(value.replace("-", "").replace(".", "")) <= 15:
                    if "." in value and value.lstrip("-").split(".")[0] not in ("0",) and len(value.split(".")[0]) == 4 and exponent_written < 5:
                        # 1846.20 as 1.84620E+3: exact in the reader, never through a binary double
                        whole, frac = value.lstrip("-").split(".")
                        text = ("-" if value.startswith("-") else "") + whole[0] + "." + whole[1:] + frac + "E+3"
                        exponent_written += 1
                    else:
                        text = value
                    style = ' s="3"' if r % 7 == 0 else ""
                    cells.append('<c r="%s"%s><v>%s</v></c>' % (ref, style, text))
                elif r > 1 and file == "operation.csv" and c == 2:
                    # the title as rich text: two runs joined
                    half = len(value) // 2
                    book.strings.append('<r><t xml:space="preserve">%s</t></r><r><rPr><b/></rPr><t xml:space="preserve">%s</t></r>'
                                        % (esc(value[:half]), esc(value[half:])))
                    cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, len(book.strings) - 1))
                elif r > 1 and file == "operation.csv" and c == 3:
                    cells.append('<c r="%s" t="str"><f>"%s"</f><v>%s</v></c>' % (ref, esc(value), esc(value)))
                else:
                    cells.append(book.text_cell(ref, value))
            out.append((r, cells))
        book.add_sheet(file[:-4], out)
    return book


def slovenian_workbook():
    book = Workbook()
    names = ["operacija.csv", "izvajalci.csv", "udelezenci.csv", "usposabljanja.csv", "zaposlitve.csv",
             "spremljanje.csv", "izdatki.csv"]
    dates = 0
    numbers = 0
    for file in names:
        rows = read_csv(os.path.join(SLOVENIAN, file), encoding="cp1250", delimiter=";")
        out = [(1, [book.text_cell("A1", "Operacija UD-2019: " + file[:-4])]),
               (2, [book.text_cell("A2", "izvoz iz informacijskega sistema")])]
        for r, row in enumerate(rows, start=3):
            cells = []
            for c, value in enumerate(row, start=1):
                ref = "%s%d" % (column_letters(c), r)
                if value == "":
                    continue
                m = SI_DATE.match(value)
                if r > 3 and m:
                    try:
                        day = datetime.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
                    except ValueError:
                        day = None
                    dates += 1
                    if day is not None and dates % 2 == 0:
                        cells.append('<c r="%s" s="2"><v>%d</v></c>' % (ref, serial(day, False)))
                        continue
                elif r > 3 and SI_DECIMAL.match(value):
                    numbers += 1
                    if numbers % 2 == 0:
                        cells.append('<c r="%s"><v>%s</v></c>' % (ref, value.replace(".", "").replace(",", ".")))
                        continue
                cells.append(book.text_cell(ref, value))
            out.append((r, cells))
        book.add_sheet("Operacija" if file == "operacija.csv" else file[:-4], out)
    book.add_sheet("Navodila", [(1, [book.text_cell("A1", "Ta list ni del izvoza.")])])
    return book


def slovenian_profile():
    """Rules/profiles/si-legacy-csv.yaml as a profile of the Slovenian workbook: the same bindings,
    header_row: 3 (two title rows above each header) and the operation's sheet named Operacija."""
    with open(os.path.join(HERE, "..", "..", "Rules", "profiles", "si-legacy-csv.yaml"), encoding="utf-8") as f:
        text = f.read()
    body = text[text.index("id: si-legacy-csv"):]
    body = body.replace("id: si-legacy-csv", "id: si-legacy-xlsx", 1)
    body = body.replace("title: Slovenian legacy CSV export (Windows-1250, ';', decimal comma)",
                        "title: Slovenian legacy export as an Excel workbook (two title rows per sheet)", 1)
    body = body.replace("extra_columns: ignore\n", "extra_columns: ignore\nheader_row: 3\n", 1)
    body = body.replace("    file: operacija.csv\n", "    file: operacija.csv\n    sheet: Operacija\n", 1)
    assert "header_row: 3" in body and "sheet: Operacija" in body
    header = ("# Written by generate.py from Rules/profiles/si-legacy-csv.yaml: the Slovenian legacy layout\n"
              "# as an Excel workbook (ucne-delavnice-si.xlsx), read one sheet per file.\n")
    return header + body


def workbooks():
    return [
        ("ucne-delavnice.xlsx", canonical_workbook(False).parts()),
        ("ucne-delavnice-1904.xlsx", canonical_workbook(True).parts()),
        ("ucne-delavnice-si.xlsx", slovenian_workbook().parts()),
    ]


OTHER_SHEETS = ["providers", "participants", "trainings", "employments", "follow_ups", "expenditures"]


def minimal(sheet_xml, strings=None, extra=()):
    """A workbook of the bundle's seven sheets: 'operation' with `sheet_xml` (its sheetData content,
    or the whole part as bytes), read first, and the others with a header row only."""
    sheets = '<sheet name="operation" sheetId="1" r:id="rId1"/>' + "".join(
        '<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (name, i + 2, i + 3) for i, name in enumerate(OTHER_SHEETS))
    rels = "".join('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>'
                   % (i + 3, i + 2) for i in range(len(OTHER_SHEETS)))
    others = [("xl/worksheets/sheet%d.xml" % (i + 2),
               ('<?xml version="1.0"?><worksheet xmlns="%s"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row></sheetData></worksheet>' % NS).encode())
              for i in range(len(OTHER_SHEETS))]
    parts = [
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("_rels/.rels", ('<?xml version="1.0"?><Relationships xmlns="%s"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>' % PKG_REL_NS).encode()),
        ("xl/workbook.xml", ('<?xml version="1.0"?><workbook xmlns="%s" xmlns:r="%s"><sheets>%s</sheets></workbook>' % (NS, REL_NS, sheets)).encode()),
        ("xl/_rels/workbook.xml.rels", ('<?xml version="1.0"?><Relationships xmlns="%s"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>%s%s</Relationships>'
                                        % (PKG_REL_NS, rels, '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>' if strings is not None else "")).encode()),
        ("xl/worksheets/sheet1.xml", sheet_xml if isinstance(sheet_xml, bytes) else
         ('<?xml version="1.0"?><worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (NS, sheet_xml)).encode()),
    ]
    parts += others
    if strings is not None:
        parts.append(("xl/sharedStrings.xml", ('<?xml version="1.0"?><sst xmlns="%s">%s</sst>' % (NS, "".join("<si><t>%s</t></si>" % esc(s) for s in strings))).encode()))
    return package(parts + list(extra))


def lie_about_size(data, part, declared):
    """`data` with the uncompressed size of `part` rewritten as `declared` in its local and central headers."""
    out = bytearray(data)
    name = part.encode()
    i = out.find(b"PK\x03\x04")
    while i >= 0:
        n, m = struct.unpack_from("<HH", out, i + 26)
        if bytes(out[i + 30:i + 30 + n]) == name:
            struct.pack_into("<I", out, i + 22, declared)
        i = out.find(b"PK\x03\x04", i + 4)
    i = out.find(b"PK\x01\x02")
    while i >= 0:
        n = struct.unpack_from("<H", out, i + 28)[0]
        if bytes(out[i + 46:i + 46 + n]) == name:
            struct.pack_into("<I", out, i + 24, declared)
        i = out.find(b"PK\x01\x02", i + 4)
    return bytes(out)


def edge_cases():
    """The canonical workbook with what Excel may write and the reader must still place: a row and
    cells without their reference, a date serial 60 (Excel's 29 February 1900) in a birth date, a
    date-time serial, a value beyond the header (a ragged row), and empty rows after the last."""
    parts = dict(canonical_workbook(False).parts())
    order = [name for name, _ in canonical_workbook(False).parts()]

    def edit(part, old, new, regex=False):
        text = parts[part].decode()
        changed = re.sub(old, new, text, count=1) if regex else text.replace(old, new, 1)
        assert changed != text, (part, old)
        parts[part] = changed.encode()

    edit("xl/worksheets/sheet1.xml", '<row r="2"><c r="A2"', "<row><c")
    edit("xl/worksheets/sheet1.xml", '<c r="B2"', "<c")
    edit("xl/worksheets/sheet3.xml", r'<c r="D2" s="1"><v>\d+</v>', '<c r="D2" s="1"><v>60</v>', regex=True)
    edit("xl/worksheets/sheet3.xml", r'(<c r="K3" s="1"><v>\d+)', r"\1.75", regex=True)
    edit("xl/worksheets/sheet6.xml", r'(<row r="2">.*?)</row>', r'\1<c r="E2" t="inlineStr"><is><t>extra</t></is></c></row>', regex=True)
    edit("xl/worksheets/sheet7.xml", "</sheetData>", '<row r="900"/><row r="901"><c r="B901" t="inlineStr"><is><t></t></is></c></row></sheetData>')
    return package([(name, parts[name]) for name in order])


def hostile():
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
    bomb_sheet = ('<?xml version="1.0"?><worksheet xmlns="%s"><sheetData>' % NS).encode() + b" " * (64 << 20) + b"</sheetData></worksheet>"
    bomb = minimal(bomb_sheet)
    many = package([("part%05d.xml" % i, b"") for i in range(10001)])
    extra = canonical_workbook(False)
    extra.add_sheet("notes", [(1, [extra.text_cell("A1", "not part of the export")])])
    return [
        ("edge-cases.xlsx", edge_cases()),
        ("extra-sheet.xlsx", package(extra.parts())),
        ("bomb.xlsx", bomb),
        ("lying-header.xlsx", lie_about_size(bomb, "xl/worksheets/sheet1.xml", 1000)),
        ("too-many-parts.xlsx", many),
        ("legacy.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
        ("renamed-legacy.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
        ("not-a-zip.xlsx", b"id,title\nUD-2019,Delavnice\n"),
        ("no-workbook.xlsx", package([("readme.txt", b"not a workbook")])),
        ("missing-shared-string.xlsx", minimal(header + '<row r="2"><c r="A2" t="s"><v>7</v></c></row>', strings=["id"])),
        ("bad-cell-ref.xlsx", minimal(header + '<row r="2"><c r="2A" t="inlineStr"><is><t>UD-2019</t></is></c></row>')),
        ("error-cell.xlsx", minimal(header + '<row r="2"><c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>')),
        ("malformed-sheet.xlsx", minimal(('<?xml version="1.0"?>\n<worksheet xmlns="%s">\n<sheetData>\n%s\n<row r="2"><c r="A2"><v>1</v></row>\n</sheetData></worksheet>' % (NS, header)).encode())),
        ("doctype.xlsx", minimal(('<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (NS, header)).encode())),
        ("macros.xlsm", minimal(header)),
        # a second copy of a part under an alias of its name: which one Excel shows is not certain
        ("duplicate-part.xlsx", package(parts_of(minimal(header)) + [("xl/./worksheets/sheet1.xml", ('<?xml version="1.0"?><worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (NS, header)).encode())])),
    ]


def parts_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def main():
    args = sys.argv[1:]
    if args[:1] == ["--hostile"] and len(args) == 2:
        os.makedirs(args[1], exist_ok=True)
        for name, data in hostile():
            with open(os.path.join(args[1], name), "wb") as f:
                f.write(data)
        return
    check = "--check" in args
    differ = []
    for name, parts in workbooks():
        path = os.path.join(HERE, name)
        if check:
            try:
                with open(path, "rb") as f:
                    if parts_of(f.read()) != parts:
                        differ.append(name)
            except (OSError, zipfile.BadZipFile):
                differ.append(name)
        else:
            with open(path, "wb") as f:
                f.write(package(parts))
    profile = slovenian_profile().encode("utf-8")
    path = os.path.join(HERE, "si-legacy-xlsx.yaml")
    if check:
        try:
            with open(path, "rb") as f:
                if f.read() != profile:
                    differ.append("si-legacy-xlsx.yaml")
        except OSError:
            differ.append("si-legacy-xlsx.yaml")
    else:
        with open(path, "wb") as f:
            f.write(profile)
    if differ:
        sys.exit("differs from the generator's output: " + ", ".join(differ))


if __name__ == "__main__":
    main()
