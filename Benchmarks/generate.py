#!/usr/bin/env python3
"""Writes a synthetic Učne delavnice export of N participants (one training, one employment,
a follow-up and two expenditure lines each) for the benchmark, in three forms holding the same
records:

    OUTDIR/csv/*.csv          the canonical CSV bundle (SPEC §3.1)
    OUTDIR/export.xml         the canonical XML export
    OUTDIR/si-csv/*.csv       the Slovenian legacy CSV layout (Rules/profiles/si-legacy-csv.yaml:
                              Windows-1250, ';', CRLF, Slovenian file names, headers and codes,
                              decimal comma with a thousands dot, d.M.yyyy dates, DA/NE)
    OUTDIR/expected-counts.tsv   rule id and number of findings the export must give
    OUTDIR/expected-findings.tsv rule id and record key of each of those findings
    OUTDIR/records.tsv           entity and number of records (for records/s)

    Benchmarks/generate.py N OUTDIR [--no-si] [--self-check]

The data is clean for every rule of the packs esf-2014-2020 and ucne-delavnice except for
violations injected on purpose: participant i (1-based) breaks the first rule of INJECTED whose
period divides i, by a change that breaks that rule and no other (see INJECTED), and the
operation's national contribution is 0.02 too high (ESF-CF-003, once). The generator counts
what it injects and writes the counts to expected-counts.tsv; Benchmarks/run.sh compares them
with the findings of every run.

`--self-check` (small N only: the oracle is quadratic) runs the independent re-implementation
of the rules in Fixtures/lib/esfdata.py on the records of the canonical CSV bundle (after checking
that the XML reads back as the same records) and fails unless its findings are exactly
expected-counts.tsv and expected-findings.tsv.

Deterministic (the same N gives the same bytes) and streaming (constant memory): 1,000,000
participants took 72 s of CPU for all three forms on the shared 2-core machine.
"""
import collections
import datetime
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Fixtures")
sys.dont_write_bytecode = True  # no __pycache__ in Fixtures/, which SwiftPM copies as a resource
sys.path.insert(0, os.path.join(FIXTURES, "lib"))
import esfdata  # noqa: E402  (make_emso, slovenian_decimal, the rule oracle)


def _si_layout():
    """The Slovenian layout of the fixture generator (file names, headers in file order, extra
    columns, code translations, date spellings), imported rather than copied."""
    path = os.path.join(FIXTURES, "ucne-delavnice-si", "generate.py")
    spec = importlib.util.spec_from_file_location("si_fixture_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SI = _si_layout()

FIRST_BIRTH = datetime.date(1960, 1, 1)
PER_PARTICIPANT = 7800  # 3360.00 training + 4440.00 subsidy, in euros

# (rule id, period): participant i breaks the first rule whose period divides i. Each change
# breaks its rule and no other (checked against Fixtures/lib/esfdata.py with --self-check):
INJECTED = [
    # training ends 2019-09-01, one day after its six-month window; the employment moves one day
    # later (2019-09-02 .. 2020-03-01) so that UD-EM-001/002 and the claims still hold
    ("UD-TR-001", 101),
    ("UD-TR-002", 211),   # training amount 3360.02 instead of 6 × 560.00
    ("UD-TR-004", 307),   # 59 internal mentor hours a month instead of 60 (review)
    ("UD-TG-001", 401),   # labour status inactive (not registered unemployed)
    ("UD-TG-003", 503),   # declares basic_education with KLASIUS 14001 (not basic)
    ("UD-EM-004", 601),   # monthly subsidy 740.02 for 40 hours (the cap 6 × 740.02 still covers the claim)
    ("UD-FU-001", 701),   # no follow-up record (warning)
    ("ESF-PD-002", 809),  # EMŠO with a wrong check digit
    ("ESF-PD-005", 907),  # ISCED 1 (band 0-2) with KLASIUS 14001 (band 3-4): the levels disagree (warning)
    ("ESF-PD-006", 1009), # the EMŠO and birth date of participant i-1 (the same person twice)
    ("ESF-CF-004", 1103), # training expenditure: national 672.02, EU + national 0.02 above eligible
    ("ESF-EL-002", 1201), # subsidy expenditure paid 2020-02-28, the day before it was incurred (review)
    ("ESF-EL-003", 1301), # training expenditure with 22.00 VAT marked recoverable
    ("ESF-EL-004", 1409), # subsidy expenditure with the id of the participant's training line
]
OPERATION_INJECTED = "ESF-CF-003"  # the operation's national contribution is 0.02 too high
OPERATION_ID = "UD-BENCH"

# The record key of each injected finding (SPEC §6), from the participant number.
RECORD_KEY = {
    "UD-TR-001": "UD-%07d/training", "UD-TR-002": "UD-%07d/training", "UD-TR-004": "UD-%07d/training",
    "UD-TG-001": "UD-%07d", "UD-TG-003": "UD-%07d", "ESF-PD-002": "UD-%07d", "ESF-PD-005": "UD-%07d",
    "ESF-PD-006": "UD-%07d", "UD-EM-004": "UD-%07d-E1", "UD-FU-001": "UD-%07d-E1",
    "ESF-CF-004": "X-%07d-T", "ESF-EL-003": "X-%07d-T", "ESF-EL-002": "X-%07d-E",
    "ESF-EL-004": "X-%07d-T",  # the repeated id
}
assert set(RECORD_KEY) == {r for r, _ in INJECTED}
EMSO_CHANGES = {"ESF-PD-002", "ESF-PD-006"}


def violation(i):
    """The rule participant i breaks, or None."""
    for rule_id, period in INJECTED:
        if i % period == 0:
            # a duplicate of participant i-1 needs i-1's own EMŠO and birth date
            if rule_id == "ESF-PD-006" and violation(i - 1) in EMSO_CHANGES:
                continue
            return rule_id
    return None


def birth_and_emso(i):
    """Participant i's unchanged birth date and EMŠO (unique: the birth date repeats every 10,000
    participants, the serial grows with i // 10000)."""
    birth = FIRST_BIRTH + datetime.timedelta(days=i % 10000)
    return birth, esfdata.make_emso(birth, 2 * (i // 10000))


OPERATION_HEADER = ["id", "title", "programme", "period", "fund", "priority_axis", "scheme", "start", "end",
                    "total_eligible", "eu_contribution", "national_contribution", "eu_rate", "region_category",
                    "target_participants", "target_employment_rate", "target_subsidised_employments",
                    "report_type", "report_date"]
PROVIDER_HEADER = ["id", "name", "tax_number", "registration_number", "status", "registered_on", "region"]
PARTICIPANT_HEADER = ["id", "emso", "name", "birth_date", "gender", "region", "education_klasius", "education_isced",
                      "labour_status", "registered_unemployed_since", "entry_date", "exit_date", "criteria",
                      "previous_employer_id", "previous_employment_end"]
TRAINING_HEADER = ["participant_id", "provider_id", "start", "end", "months", "amount",
                   "internal_mentor_hours_per_month", "external_mentor_hours", "job_coach_hours"]
EMPLOYMENT_HEADER = ["participant_id", "id", "employer_id", "start", "end", "weekly_hours", "disabled_part_time",
                     "monthly_subsidy", "extension_start", "extension_end"]
FOLLOW_UP_HEADER = ["participant_id", "employed_day30", "employed_month12"]
EXPENDITURE_HEADER = ["id", "category", "participant_id", "incurred_on", "paid_on", "eligible", "eu", "national",
                      "vat", "vat_recoverable", "invoice_number"]

# canonical file, header, XML element
FILES = {
    "operation": ("operation.csv", OPERATION_HEADER),
    "provider": ("providers.csv", PROVIDER_HEADER),
    "participant": ("participants.csv", PARTICIPANT_HEADER),
    "training": ("trainings.csv", TRAINING_HEADER),
    "employment": ("employments.csv", EMPLOYMENT_HEADER),
    "follow_up": ("follow_ups.csv", FOLLOW_UP_HEADER),
    "expenditure": ("expenditures.csv", EXPENDITURE_HEADER),
}


def participant_rows(i):
    """(violation, participant, training, employment, follow-up or None, [2 expenditures]) of
    participant i, each a list of canonical cell texts in the canonical CSV column order."""
    v = violation(i)
    pid = "UD-%07d" % i
    birth, emso = birth_and_emso(i - 1 if v == "ESF-PD-006" else i)
    if v == "ESF-PD-002":
        emso = emso[:12] + str((int(emso[12]) + 1) % 10)
    gender, region = ("F", "EAST") if i % 2 else ("M", "WEST")
    isced = "1" if v == "ESF-PD-005" else "3"
    participant = [pid, emso, "Udeleženec %d" % i, birth.isoformat(), gender, region, "14001", isced,
                   "inactive" if v == "UD-TG-001" else "unemployed", "2016-01-04", "2019-03-01", "2020-02-29",
                   "ltu24 basic_education" if v == "UD-TG-003" else "ltu24", "", ""]
    training = [pid, "P001", "2019-03-01", "2019-09-01" if v == "UD-TR-001" else "2019-08-31", "6",
                "3360.02" if v == "UD-TR-002" else "3360.00", "59" if v == "UD-TR-004" else "60", "12", ""]
    start, end = ("2019-09-02", "2020-03-01") if v == "UD-TR-001" else ("2019-09-01", "2020-02-29")
    employment = [pid, pid + "-E1", "P001", start, end, "40", "false", "740.02" if v == "UD-EM-004" else "740.00", "", ""]
    follow_up = None if v == "UD-FU-001" else [pid, "true", "true"]
    return v, participant, training, employment, follow_up, expenditure_rows(i, v)


def expenditure_rows(i, v):
    """The two expenditure lines of participant i, who breaks rule v (or None)."""
    pid = "UD-%07d" % i
    t = ["X-%07d-T" % i, "unit_cost_training", pid, "2019-08-31", "2019-09-10", "3360.00", "2688.00",
         "672.02" if v == "ESF-CF-004" else "672.00", "22.00" if v == "ESF-EL-003" else "0.00",
         "true" if v == "ESF-EL-003" else "false", "T/%07d" % i]
    e = ["X-%07d-%s" % (i, "T" if v == "ESF-EL-004" else "E"), "employment_subsidy", pid, "2020-02-29",
         "2020-02-28" if v == "ESF-EL-002" else "2020-03-10", "4440.00", "3552.00", "888.00", "0.00", "false",
         "E/%07d" % i]
    return [t, e]


# --- writers ----------------------------------------------------------------

class Memo(dict):
    """A dict that computes a missing value once with `fn` (the few distinct cell values)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        value = self[key] = self.fn(key)
        return value


class SiWriter:
    """One file of the Slovenian layout, written row by row from canonical rows. The column plan
    (file name, headers in file order, the extra column, code translations, date spellings) is the
    fixture generator's LAYOUT; it is compiled into one expression per row, since a per-cell loop
    would make the generator three times slower."""

    def __init__(self, folder, canonical_name, header):
        si_name, columns, extra, codes, (yes, no) = SI.LAYOUT[canonical_name]
        headers = [h for h, _ in columns]
        if extra[0] not in headers:
            headers.append(extra[0])
        fields = dict(columns)
        index = {f: j for j, f in enumerate(header)}
        env = {"Q": quote, "EX": extra[1], "V": lambda row: RowView(index, row),
               "DT": Memo(lambda key: SI.slovenian_date(*key) if key[0] else ""),
               "DEC": Memo(lambda v: esfdata.slovenian_decimal(v) if v else ""),
               "B": {"true": yes, "false": no, "": ""}}
        try:  # only the expenditures' extra column reads the record: the others get None
            extra[1](0, None)
            record = "None"
        except TypeError:
            record = "V(row)"
        cells = []
        for k, h in enumerate(headers):
            field = fields.get(h)
            if field is None:
                cells.append("Q(EX(i, %s))" % record)
                continue
            j = index[field]
            if field in SI.DATES:  # the spelling depends on row and column, as in the fixture
                cells.append("DT[(row[%d], (i + %d) %% 3)]" % (j, k))
            elif field in SI.DECIMALS:
                cells.append("DEC[row[%d]]" % j)
            elif field in SI.BOOLS:
                cells.append("B[row[%d]]" % j)
            elif field in codes:
                env["C%d" % k] = Memo(lambda v, t=codes[field]: " ".join(t[c] for c in v.split(" ")) if v else "")
                cells.append("C%d[row[%d]]" % (k, j))
            else:
                cells.append("Q(row[%d])" % j)
        source = "lambda row, i: ';'.join((%s,)) + '\\r\\n'" % ", ".join(cells)
        self.quoted = eval(source, env)  # noqa: S307
        # the usual case: no canonical cell holds ';' or '"', so only the extra column is quoted
        self.plain = eval(source.replace("Q(EX(i, %s))" % record, "QX[EX(i, %s)]" % record).replace("Q(row[", "(row["), dict(env, QX=Memo(quote)))  # noqa: S307
        self.row = 0
        self.out = Buffered(os.path.join(folder, si_name), "cp1250")
        self.out.write(";".join(quote(h) for h in headers) + "\r\n")

    def write(self, row, canonical_line):
        """`canonical_line` is the row as the canonical CSV writes it (',' between the cells)."""
        if ";" in canonical_line or '"' in canonical_line:
            self.out.write(self.quoted(row, self.row))
        else:
            self.out.write(self.plain(row, self.row))
        self.row += 1

    def close(self):
        self.out.close()


class RowView:
    """A canonical row seen as a record (field -> text), for the extra columns' value functions."""

    def __init__(self, index, row):
        self.index, self.row = index, row

    def __getitem__(self, field):
        return self.row[self.index[field]]

    def get(self, field, default=None):
        return self.row[self.index[field]] if field in self.index else default


class Buffered:
    """A text file written in batches of lines (one write call per 4096 lines)."""

    def __init__(self, path, encoding):
        self.f = open(path, "w", encoding=encoding, newline="")
        self.lines = []

    def write(self, text):
        self.lines.append(text)
        if len(self.lines) >= 4096:
            self.f.write("".join(self.lines))
            self.lines = []

    def close(self):
        self.f.write("".join(self.lines))
        self.f.close()


def quote(text):
    """A cell as csv.QUOTE_MINIMAL writes it with ';' and '"'."""
    if ";" in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def xml_writer(tag, header, skip_participant_id=False):
    """A function from a canonical row to the start of its XML element ('<tag a="…" …'), empty
    cells left out; compiled like SiWriter's rows. Values are not escaped: the generator's texts
    hold no '&', '<' or '"' (asserted for the constant ones)."""
    parts = [repr("<" + tag)]
    for j, f in enumerate(header):
        if skip_participant_id and f == "participant_id":
            continue
        parts.append("""(' %s="' + row[%d] + '"' if row[%d] else '')""" % (f, j, j))
    return eval("lambda row: " + " + ".join(parts))  # noqa: S307


XML_PARTICIPANT = xml_writer("participant", PARTICIPANT_HEADER)
XML_TRAINING = xml_writer("training", TRAINING_HEADER, True)
XML_EMPLOYMENT = xml_writer("employment", EMPLOYMENT_HEADER, True)
XML_FOLLOW_UP = xml_writer("follow_up", FOLLOW_UP_HEADER, True)
XML_EXPENDITURE = xml_writer("expenditure", EXPENDITURE_HEADER)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    if len(args) != 2 or flags - {"--no-si", "--self-check"}:
        sys.exit("usage: Benchmarks/generate.py N OUTDIR [--no-si] [--self-check]")
    n = int(args[0])
    if not 1 <= n < 5000000:
        sys.exit("N must be 1 .. 4,999,999 participants (EMŠO serials per birth date)")
    out = args[1]
    with_si = "--no-si" not in flags
    for sub in ("csv", "si-csv") if with_si else ("csv",):
        os.makedirs(os.path.join(out, sub), exist_ok=True)

    total = PER_PARTICIPANT * n
    operation = [OPERATION_ID, "Učne delavnice benchmark", "OP2014-2020", "2014-2020", "ESF", "9", "ucne-delavnice",
                 "2019-01-01", "2023-06-30", "%d.00" % total, "%d.00" % (total * 4 // 5),
                 "%d.02" % (total // 5),  # ESF-CF-003: EU + national is 0.02 above the eligible total
                 "0.80", "", str(n), "0.25", str(n), "final", "2023-06-30"]
    provider = ["P001", "Socialno podjetje Korak so.p.", "56120346", "6418732", "social_enterprise", "2012-05-14", "EAST"]
    for cell in operation + provider:
        assert not set(cell) & set('&<>",;'), cell  # written unescaped below

    csv_files, si_files = {}, {}
    for entity, (name, header) in FILES.items():
        csv_files[entity] = Buffered(os.path.join(out, "csv", name), "utf-8")
        csv_files[entity].write(",".join(header) + "\n")
        if with_si:
            si_files[entity] = SiWriter(os.path.join(out, "si-csv"), name, header)

    def emit(entity, row):
        line = ",".join(row) + "\n"
        csv_files[entity].write(line)
        if with_si:
            si_files[entity].write(row, line)

    records = collections.Counter()
    counts = collections.Counter({OPERATION_INJECTED: 1})
    keys = Buffered(os.path.join(out, "expected-findings.tsv"), "utf-8")
    keys.write("rule_id\trecord_key\n%s\t%s\n" % (OPERATION_INJECTED, OPERATION_ID))
    emit("operation", operation)
    emit("provider", provider)
    records["operation"] += 1
    records["provider"] += 1
    xml = Buffered(os.path.join(out, "export.xml"), "utf-8")
    xml.write('<?xml version="1.0" encoding="UTF-8"?>\n' + xml_writer('operation xmlns="urn:esfcheck:export:1"', OPERATION_HEADER)(operation)
              + ">\n  <providers>\n    " + xml_writer("provider", PROVIDER_HEADER)(provider) + "/>\n  </providers>\n  <participants>\n")
    for i in range(1, n + 1):
        v, participant, training, employment, follow_up, expenditures = participant_rows(i)
        if v is not None:
            counts[v] += 1
            keys.write("%s\t%s\n" % (v, RECORD_KEY[v] % i))
        emit("participant", participant)
        emit("training", training)
        emit("employment", employment)
        records["participant"] += 1
        records["training"] += 1
        records["employment"] += 1
        xml.write("    " + XML_PARTICIPANT(participant) + ">\n      "
                  + XML_TRAINING(training) + "/>\n      "
                  + XML_EMPLOYMENT(employment) + "/>\n")
        if follow_up is not None:
            emit("follow_up", follow_up)
            records["follow_up"] += 1
            xml.write("      " + XML_FOLLOW_UP(follow_up) + "/>\n")
        xml.write("    </participant>\n")
        for x in expenditures:
            emit("expenditure", x)
            records["expenditure"] += 1
    xml.write("  </participants>\n  <expenditures>\n")
    # The XML lists the expenditures after all participants: a second pass over the same rows.
    for i in range(1, n + 1):
        for x in expenditure_rows(i, violation(i)):
            xml.write("    " + XML_EXPENDITURE(x) + "/>\n")
    xml.write("  </expenditures>\n</operation>\n")
    xml.close()
    keys.close()
    for f in csv_files.values():
        f.close()
    for f in si_files.values():
        f.close()

    with open(os.path.join(out, "expected-counts.tsv"), "w", encoding="utf-8") as f:
        f.write("rule_id\tcount\n" + "".join("%s\t%d\n" % (r, c) for r, c in sorted(counts.items())))
    with open(os.path.join(out, "records.tsv"), "w", encoding="utf-8") as f:
        f.write("entity\trecords\n" + "".join("%s\t%d\n" % (e, c) for e, c in records.items())
                + "total\t%d\n" % sum(records.values()))

    if "--self-check" in flags:
        self_check(out, counts)


def self_check(out, counts):
    """The independent rule implementation of the fixtures must find exactly the injected counts,
    on the CSV bundle and on the XML (which must also read back as the same records)."""
    if int(open(os.path.join(out, "records.tsv")).read().split("participant\t")[1].split()[0]) > 20000:
        sys.exit("--self-check is for small N (the oracle is quadratic)")
    model = esfdata.read_csv_bundle(os.path.join(out, "csv"))
    assert esfdata.read_xml(os.path.join(out, "export.xml")) == model, "export.xml and csv/ hold different records"
    found, _ = esfdata.run_rules(model)
    per_rule = collections.Counter()
    for (rule_id, _key), c in found.items():
        per_rule[rule_id] += c
    if per_rule != counts:
        sys.exit("self-check failed: oracle %s, injected %s" % (sorted(per_rule.items()), sorted(counts.items())))
    with open(os.path.join(out, "expected-findings.tsv"), encoding="utf-8") as f:
        expected_keys = collections.Counter(tuple(line.split("\t")) for line in f.read().splitlines()[1:])
    if found != expected_keys:
        sys.exit("self-check failed: the oracle's record keys differ from expected-findings.tsv: missing %s, unexpected %s"
                 % (sorted((expected_keys - found).elements())[:5], sorted((found - expected_keys).elements())[:5]))
    print("self-check: the rule oracle of Fixtures/lib/esfdata.py finds exactly the injected counts "
          "(%d findings)" % sum(counts.values()), file=sys.stderr)


if __name__ == "__main__":
    main()
