#!/usr/bin/env python3
"""Writes the sample export Učne delavnice 2019–2023 in the Slovenian legacy CSV layout.

Reads the canonical CSV bundle ../ucne-delavnice/csv (SPEC §3.1) and writes the same
records as Rules/profiles/si-legacy-csv.yaml describes them (SPEC §3.2, ESF-DOMAIN §4.3):

- Windows-1250 bytes, no BOM, CRLF line ends, ';' between cells;
- Slovenian file names and column headers, columns in another order than the canonical one,
  and one extra column per file that the profile does not bind (it is skipped);
- decimal comma, with a thousands dot on amounts of 1000 or more (3360.00 -> 3.360,00);
- dates in three spellings, chosen by row and column: 31.3.2022, 27. 2. 2020, 01.02.2019;
- DA/NE (and da/ne in spremljanje.csv) for true/false;
- Slovenian code values (brezposeln, V/Z, Ž, DBO24 OŠ, socialno podjetje, …).

Python 3, standard library only; deterministic: running it again reproduces the files byte for
byte. `--check` compares instead of writing and fails when a file differs. The records must read
back identical to the canonical bundle's (ProfileTests checks this with the Swift reader), so
expected-findings.tsv is a copy of the canonical one.
"""

import csv
import io
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from esfdata import slovenian_decimal, write_outputs  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CANONICAL = os.path.join(HERE, "..", "ucne-delavnice", "csv")

MUNICIPALITIES = ["Šentjur", "Črnomelj", "Žalec", "Celje", "Škofja Loka", "Murska Sobota", "Kočevje", "Ljubljana"]
WORKPLACES = ["pomočnik v kuhinji", "čistilec", "skladiščnik", "šivilja", "vzdrževalec", "vrtnar", "prodajalec"]
NOTES = ["", "preverjeno na terenu", "izjava delodajalca", "", "podatek iz ZZZS (zdravstveno zavarovanje)"]

# canonical file -> (Slovenian file, [(header, field)] in file order, extra column (header, value(row index, record)),
#                    {field: {canonical code: written code}}, (true word, false word))
LAYOUT = {
    "operation.csv": (
        "operacija.csv",
        [("Šifra operacije", "id"), ("Naziv operacije", "title"), ("Operativni program", "programme"),
         ("Programsko obdobje", "period"), ("Sklad", "fund"), ("Prednostna os", "priority_axis"), ("Shema", "scheme"),
         ("Začetek operacije", "start"), ("Konec operacije", "end"), ("Skupaj upravičeni stroški", "total_eligible"),
         ("Prispevek EU", "eu_contribution"), ("Nacionalni prispevek", "national_contribution"),
         ("Stopnja sofinanciranja EU", "eu_rate"), ("Kategorija regije", "region_category"),
         ("Ciljno število udeležencev", "target_participants"), ("Ciljna stopnja zaposlenosti", "target_employment_rate"),
         ("Ciljno število subvencioniranih zaposlitev", "target_subsidised_employments"),
         ("Vrsta poročila", "report_type"), ("Datum poročila", "report_date")],
        ("Skrbnik operacije", lambda i, r: "Mojca Žagar, Zavod RS za zaposlovanje"),
        {"region_category": {"less_developed": "manj razvita", "transition": "v prehodu", "more_developed": "bolj razvita"},
         "report_type": {"interim": "vmesno", "final": "končno"}},
        ("DA", "NE"),
    ),
    "providers.csv": (
        "izvajalci.csv",
        [("Šifra izvajalca", "id"), ("Naziv izvajalca", "name"), ("Davčna številka", "tax_number"),
         ("Matična številka", "registration_number"), ("Status", "status"),
         ("Datum vpisa v register", "registered_on"), ("Regija", "region")],
        ("Naslov", lambda i, r: "Cesta %d, %s" % (3 + 7 * i, MUNICIPALITIES[i % len(MUNICIPALITIES)])),
        {"status": {"social_enterprise": "socialno podjetje", "disability_company": "invalidsko podjetje",
                    "employment_centre": "zaposlitveni center", "other": "drugo"},
         "region": {"EAST": "V", "WEST": "Z"}},
        ("DA", "NE"),
    ),
    "participants.csv": (
        "udelezenci.csv",
        [("Šifra udeleženca", "id"), ("Ime in priimek", "name"), ("EMŠO", "emso"), ("Datum rojstva", "birth_date"),
         ("Spol", "gender"), ("Regija", "region"), ("Občina stalnega prebivališča", None),
         ("KLASIUS-SRV", "education_klasius"), ("ISCED", "education_isced"), ("Status", "labour_status"),
         ("V evidenci brezposelnih od", "registered_unemployed_since"), ("Datum vključitve", "entry_date"),
         ("Datum izstopa", "exit_date"), ("Merila", "criteria"), ("Prejšnji delodajalec", "previous_employer_id"),
         ("Konec prejšnje zaposlitve", "previous_employment_end")],
        ("Občina stalnega prebivališča", lambda i, r: MUNICIPALITIES[(i * 3) % len(MUNICIPALITIES)]),
        {"gender": {"F": "Ž", "M": "M", "X": "D"},
         "region": {"EAST": "V", "WEST": "Z"},
         "labour_status": {"unemployed": "brezposeln", "inactive": "neaktiven", "employed": "zaposlen"},
         "criteria": {"ltu24": "DBO24", "basic_education": "OŠ", "over55": "55+", "first_job_6m": "PZ6",
                      "disability": "INV", "addiction": "ODV", "after_prison": "PPK", "roma": "ROM",
                      "reactivated": "REA"}},
        ("DA", "NE"),
    ),
    "trainings.csv": (
        "usposabljanja.csv",
        [("Šifra udeleženca", "participant_id"), ("Izvajalec", "provider_id"), ("Začetek usposabljanja", "start"),
         ("Konec usposabljanja", "end"), ("Trajanje (meseci)", "months"), ("Znesek", "amount"),
         ("Ure notranjega mentorja na mesec", "internal_mentor_hours_per_month"),
         ("Ure zunanjega mentorja", "external_mentor_hours"), ("Ure zaposlitvenega svetovalca", "job_coach_hours"),
         ("Delovno področje", None)],
        ("Delovno področje", lambda i, r: WORKPLACES[i % len(WORKPLACES)]),
        {},
        ("DA", "NE"),
    ),
    "employments.csv": (
        "zaposlitve.csv",
        [("Šifra udeleženca", "participant_id"), ("Šifra zaposlitve", "id"), ("Delovno mesto", None),
         ("Delodajalec", "employer_id"), ("Začetek subvencije", "start"), ("Konec subvencije", "end"),
         ("Tedenske ure", "weekly_hours"), ("Invalid s krajšim delovnim časom", "disabled_part_time"),
         ("Mesečna subvencija", "monthly_subsidy"), ("Začetek podaljšanja", "extension_start"),
         ("Konec podaljšanja", "extension_end")],
        ("Delovno mesto", lambda i, r: WORKPLACES[(i + 2) % len(WORKPLACES)]),
        {},
        ("DA", "NE"),
    ),
    "follow_ups.csv": (
        "spremljanje.csv",
        [("Šifra udeleženca", "participant_id"), ("Zaposlen 30. dan", "employed_day30"),
         ("Zaposlen po 12 mesecih", "employed_month12")],
        ("Opomba", lambda i, r: NOTES[i % len(NOTES)]),
        {},
        ("da", "ne"),
    ),
    "expenditures.csv": (
        "izdatki.csv",
        [("Številka izdatka", "id"), ("Vrsta stroška", "category"), ("Šifra udeleženca", "participant_id"),
         ("Opis", None), ("Datum nastanka", "incurred_on"), ("Datum plačila", "paid_on"),
         ("Upravičeni stroški", "eligible"), ("Delež EU", "eu"), ("Nacionalni delež", "national"), ("DDV", "vat"),
         ("DDV povračljiv", "vat_recoverable"), ("Številka računa", "invoice_number")],
        ("Opis", lambda i, r: {"unit_cost_training": "usposabljanje; standardni strošek na enoto",
                               "employment_subsidy": "subvencija za zaposlitev",
                               "staff": "plače osebja", "indirect": "posredni stroški (pavšal)",
                               "other": "drugi stroški"}.get(r["category"], "")),
        {"category": {"unit_cost_training": "usposabljanje", "employment_subsidy": "subvencija zaposlitve",
                      "staff": "stroški osebja", "indirect": "posredni stroški", "other": "drugo"}},
        ("DA", "NE"),
    ),
}

# Field types of the model (Rules/models/esf-operation-v1.yaml) that change spelling.
DATES = {"start", "end", "report_date", "registered_on", "birth_date", "registered_unemployed_since", "entry_date",
         "exit_date", "previous_employment_end", "extension_start", "extension_end", "incurred_on", "paid_on"}
DECIMALS = {"total_eligible", "eu_contribution", "national_contribution", "eu_rate", "target_employment_rate",
            "amount", "monthly_subsidy", "eligible", "eu", "national", "vat"}
BOOLS = {"disabled_part_time", "employed_day30", "employed_month12", "vat_recoverable"}


def slovenian_date(iso, style):
    """2022-03-31 -> 31.3.2022 (style 0), 31. 3. 2022 (style 1) or 31.03.2022 (style 2)."""
    y, m, d = iso.split("-")
    if style == 0:
        return "%d.%d.%s" % (int(d), int(m), y)
    if style == 1:
        return "%d. %d. %s" % (int(d), int(m), y)
    return "%s.%s.%s" % (d, m, y)


def convert(name):
    """The bytes of one Slovenian file, from the canonical file `name`."""
    si_name, columns, extra, codes, (yes, no) = LAYOUT[name]
    with open(os.path.join(CANONICAL, name), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    headers = [h for h, _ in columns]
    if extra[0] not in headers:
        headers.append(extra[0])
    writer.writerow(headers)
    for i, row in enumerate(rows):
        cells = []
        for k, header in enumerate(headers):
            field = dict(columns).get(header)
            if field is None:
                cells.append(extra[1](i, row))
                continue
            value = row[field]
            if value == "":
                cells.append("")
            elif field in DATES:
                cells.append(slovenian_date(value, (i + k) % 3))
            elif field in DECIMALS:
                cells.append(slovenian_decimal(value))
            elif field in BOOLS:
                cells.append({"true": yes, "false": no}[value])
            elif field in codes:
                cells.append(" ".join(codes[field][v] for v in value.split(" ")))
            else:
                cells.append(value)
        writer.writerow(cells)
    return si_name, out.getvalue().encode("cp1250")


def main():
    check = "--check" in sys.argv[1:]
    outputs = [convert(name) for name in LAYOUT]
    with open(os.path.join(HERE, "..", "ucne-delavnice", "expected-findings.tsv"), "rb") as f:
        outputs.append(("expected-findings.tsv", f.read()))
    # the same data, so the same indicator values (the oracle's, of the canonical export)
    with open(os.path.join(HERE, "..", "ucne-delavnice", "expected-indicators.tsv"), "rb") as f:
        outputs.append(("expected-indicators.tsv", f.read()))
    for _, data in outputs:
        assert not data.startswith(b"\xef\xbb\xbf"), "a Windows-1250 file has no BOM"
    differ = write_outputs(HERE, outputs, check)
    # The bytes that tell Windows-1250 from ISO-8859-2 (š 0x9A, ž 0x9E, Š 0x8A, Ž 0x8E) are all used.
    everything = b"".join(data for _, data in outputs)
    for byte in (0x8A, 0x8E, 0x9A, 0x9E, 0xE8):
        assert bytes([byte]) in everything, "byte 0x%02X is not used" % byte
    if differ:
        sys.exit("differs from the generator's output: " + ", ".join(differ))


if __name__ == "__main__":
    main()
