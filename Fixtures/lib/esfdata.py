"""Shared code of the esfcheck fixture generators (Python 3 standard library only).

One copy of: the date, money and identifier helpers; the canonical model (SPEC §3.1);
the data builder of the Učne delavnice sample operation (and of a 2021–2027 Učne
delavnice plus operation); the XML and CSV writers and readers; and an independent
re-implementation of every rule of the packs `esf-2014-2020` and `ucne-delavnice`
and of the provisional 2021–2027 packs `esf-2021-2027` and `ucne-delavnice-plus`,
chosen by the operation's period and scheme (RULES.md, with the rule YAML as the
truth where RULES.md is ambiguous). Used by

    Fixtures/ucne-delavnice/generate.py   the sample and the clean operation
    Fixtures/scenarios/generate.py        one scenario per rule family

Money is `decimal.Decimal`, dates `datetime.date`. Findings are multisets of
(rule id, record key): a duplicate is reported once per occurrence after the
first (SPEC §6), so the same pair can occur more than once.
"""

import collections
import csv
import datetime
import io
import os
import sys
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal

FIXTURES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS = "urn:esfcheck:export:1"

D = datetime.date.fromisoformat
ONE_DAY = datetime.timedelta(days=1)
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------
# Date and money helpers (SPEC §4 semantics)
# ---------------------------------------------------------------------------

def days_in_month(y, m):
    if m == 12:
        return 31
    return (datetime.date(y, m + 1, 1) - ONE_DAY).day


def _shift(d, n):
    y, m = divmod(d.month - 1 + n, 12)
    return d.year + y, m + 1


def add_months(d, n):
    """add_months with end-of-month clamping (2021-01-31 + 1 = 2021-02-28)."""
    y, m = _shift(d, n)
    return datetime.date(y, m, min(d.day, days_in_month(y, m)))


def period_end(start, n):
    """Last day of a period of n months starting on `start` (included)."""
    y, m = _shift(start, n)
    if start.day <= days_in_month(y, m):
        return datetime.date(y, m, start.day) - ONE_DAY
    return datetime.date(y, m, days_in_month(y, m))


def months_between(a, b):
    """Largest n with add_months(a, n) <= b."""
    n = (b.year - a.year) * 12 + b.month - a.month
    while add_months(a, n) > b:
        n -= 1
    while add_months(a, n + 1) <= b:
        n += 1
    return n


def age_at(birth, d):
    return months_between(birth, d) // 12


def round2(x):
    """Half away from zero to 2 places (decimal's ROUND_HALF_UP is away from zero)."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------
# Slovenian identifiers (ESF-DOMAIN §4.3)
# ---------------------------------------------------------------------------

EMSO_WEIGHTS = (7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def emso_check_value(first12):
    """(-S) mod 11; 10 is the never-issued case, 0..9 are the check digit."""
    s = sum(int(c) * w for c, w in zip(first12, EMSO_WEIGHTS))
    return (-s) % 11


def emso_date(emso):
    dd, mm, yyy = int(emso[0:2]), int(emso[2:4]), int(emso[4:7])
    year = 2000 + yyy if yyy < 800 else 1000 + yyy
    try:
        return datetime.date(year, mm, dd)
    except ValueError:
        return None


def emso_valid(emso, check_10_valid=False):
    if len(emso) != 13 or not emso.isdigit():
        return False
    k = emso_check_value(emso[:12])
    if k == 10 and not check_10_valid:
        return False
    return k % 10 == int(emso[12]) and emso_date(emso) is not None


def make_emso(birth, serial):
    """A valid EMŠO for `birth`, region 50, first serial >= `serial` not in the 10 case."""
    while True:
        first12 = "%02d%02d%03d50%03d" % (birth.day, birth.month, birth.year % 1000, serial)
        k = emso_check_value(first12)
        if k != 10:
            return first12 + str(k)
        serial += 1


def tax_check(first7):
    s = sum((8 - i) * int(c) for i, c in enumerate(first7))
    c = 11 - s % 11
    if c == 11:
        return None
    return 0 if c == 10 else c


def tax_number_valid(t):
    if len(t) != 8 or not t.isdigit() or t[0] == "0":
        return False
    c = tax_check(t[:7])
    return c is not None and c == int(t[7])


def make_tax_number(first7):
    n = int(first7)
    while tax_check(str(n)) is None:
        n += 1
    return str(n) + str(tax_check(str(n)))


def registration_check(first6):
    s = sum((7 - i) * int(c) for i, c in enumerate(first6))
    r = (-s) % 11
    return None if r == 0 else r % 10


def registration_number_valid(r):
    if len(r) not in (7, 10) or not r.isdigit():
        return False
    c = registration_check(r[:6])
    return c is not None and c == int(r[6])


def make_registration_number(first6):
    n = int(first6)
    while registration_check(str(n)) is None:
        n += 1
    return str(n) + str(registration_check(str(n)))


# Test vectors of ESF-DOMAIN §4.3.
assert emso_valid("0101006500006") and not emso_valid("0101006500007")
assert all(tax_number_valid(t) for t in ("50223054", "98511734", "48944882", "95606599"))
assert not tax_number_valid("50223055")


# ---------------------------------------------------------------------------
# The canonical model: logical fields in SPEC §3.1 order, with their types
# ---------------------------------------------------------------------------

OPERATION_FIELDS = [
    ("id", "string"), ("title", "string"), ("programme", "string"), ("period", "string"),
    ("fund", "string"), ("priority_axis", "string"), ("scheme", "string"),
    ("start", "date"), ("end", "date"), ("total_eligible", "decimal"), ("total_cost", "decimal"),
    ("eu_contribution", "decimal"), ("national_contribution", "decimal"),
    ("eu_rate", "decimal"), ("region_category", "string"), ("target_participants", "int"),
    ("target_employment_rate", "decimal"), ("target_subsidised_employments", "int"),
    ("report_type", "string"), ("report_date", "date"),
]
PROVIDER_FIELDS = [
    ("id", "string"), ("name", "string"), ("tax_number", "string"),
    ("registration_number", "string"), ("status", "string"), ("registered_on", "date"),
    ("region", "string"),
]
PARTICIPANT_FIELDS = [
    ("id", "string"), ("emso", "string"), ("name", "string"), ("birth_date", "date"),
    ("gender", "string"), ("region", "string"), ("education_klasius", "string"),
    ("education_isced", "int"), ("labour_status", "string"),
    ("registered_unemployed_since", "date"), ("entry_date", "date"), ("exit_date", "date"),
    ("criteria", "set"), ("previous_employer_id", "string"),
    ("previous_employment_end", "date"),
]
TRAINING_FIELDS = [
    ("provider_id", "string"), ("start", "date"), ("end", "date"), ("months", "int"),
    ("amount", "decimal"), ("internal_mentor_hours_per_month", "int"),
    ("external_mentor_hours", "int"), ("job_coach_hours", "int"),
]
EMPLOYMENT_FIELDS = [
    ("id", "string"), ("employer_id", "string"), ("start", "date"), ("end", "date"),
    ("weekly_hours", "int"), ("disabled_part_time", "bool"), ("monthly_subsidy", "decimal"),
    ("extension_start", "date"), ("extension_end", "date"),
]
FOLLOW_UP_FIELDS = [("employed_day30", "bool"), ("employed_month12", "bool")]
EXPENDITURE_FIELDS = [
    ("id", "string"), ("category", "string"), ("participant_id", "string"),
    ("incurred_on", "date"), ("paid_on", "date"), ("eligible", "decimal"), ("eu", "decimal"),
    ("national", "decimal"), ("vat", "decimal"), ("vat_recoverable", "bool"),
    ("invoice_number", "string"),
]


def to_text(value, typ):
    if typ == "date":
        return value.isoformat()
    if typ == "bool":
        return "true" if value else "false"
    if typ == "set":
        return " ".join(value)
    if typ == "decimal":
        assert isinstance(value, Decimal) and value.as_tuple().exponent <= 0
        return format(value, "f")
    return str(value)


def from_text(text, typ):
    if text is None or text == "":
        return None
    if typ == "date":
        return D(text)
    if typ == "bool":
        assert text in ("true", "false"), text
        return text == "true"
    if typ == "set":
        return tuple(text.split(" "))
    if typ == "decimal":
        return Decimal(text)
    if typ == "int":
        return int(text)
    return text


def record(fields, **values):
    """A record with every field of the entity, None where missing."""
    unknown = set(values) - {f for f, _ in fields}
    assert not unknown, unknown
    return {f: values.get(f) for f, _ in fields}


# ---------------------------------------------------------------------------
# Scenario data
# ---------------------------------------------------------------------------

OPERATION_BASE = dict(
    id="UD-2019",
    title="Učne delavnice 2019–2023",
    programme="OP2014-2020",
    period="2014-2020",
    fund="ESF",
    priority_axis="9",
    scheme="ucne-delavnice",
    start=D("2019-01-01"),
    end=D("2023-06-30"),
    # The operation's approved eligible budget; the claims stay below it.
    total_eligible=Decimal("389764.37"),
    eu_rate=Decimal("0.80"),
    report_type="final",
    report_date=D("2023-06-30"),
)
# region_category is optional and left out: the operation covers both
# cohesion regions (East: less developed, West: more developed).

UNIT_COST = Decimal("560.00")
FULL_TIME_SUBSIDY = Decimal("740.00")

# (id, name, status, registered_on, region, tax number seed, registration seed)
PROVIDERS = [
    ("P001", 'Socialno podjetje "Korak", so.p.', "social_enterprise", "2012-05-14", "EAST", "5612034", "641873"),
    ("P002", "Zaposlitveni center Šentjur d.o.o.", "employment_centre", "2016-09-01", "EAST", "8830215", "725519"),
    ("P003", "Invalidsko podjetje Žarek d.o.o.", "disability_company", "2003-02-10", "WEST", "2745190", "177402"),
    ("P004", "Zadruga Čebelica, z.o.o., so.p.", "social_enterprise", "2015-11-20", "WEST", "6109477", "699120"),
    ("P005", "Zavod Ključ, zaposlitveni center", "employment_centre", "2017-06-05", "EAST", "9301562", "731088"),
    # Registered exactly 12 months before its first training (2019-03-01): a boundary that passes UD-TR-003.
    ("P006", "Posavsko invalidsko podjetje Iskra d.o.o.", "disability_company", "2018-03-01", "EAST", "4481906", "745263"),
]


def E(employer, hours=40, disabled_part_time=False, extended=False):
    return dict(employer=employer, hours=hours, disabled_part_time=disabled_part_time, extended=extended)


def P(n, name, gender, birth, region, klasius, isced, criteria, rus, start, provider,
      emp=None, entry_before=0, prev=None, fu=None, plant=None):
    """One participant of the main scenario, numbered n in entry order.

    rus: registered_unemployed_since; start: training start; entry_before: days
    between entry_date and training start; prev: (previous employer, end);
    fu: (employed_day30, employed_month12), used where a follow-up is due;
    plant: the violation planted on this participant in the main scenario.
    """
    return dict(n=n, name=name, gender=gender, birth=D(birth), region=region, klasius=klasius,
                isced=isced, criteria=tuple(criteria.split()) or None, rus=D(rus), start=D(start),
                provider=provider, emp=emp, entry_before=entry_before,
                prev=None if prev is None else (prev[0], D(prev[1])), fu=fu, plant=plant)


PARTICIPANTS = [
    P(1, "Ana Kovačič", "F", "1972-05-12", "EAST", "12001", 2, "ltu24 basic_education", "2015-09-01", "2019-02-01", "P001", E("P001"), fu=(True, True)),
    P(2, "Stanko Režek", "M", "1959-04-12", "EAST", "14001", 3, "over55", "2018-06-18", "2019-02-01", "P003", E("P003"), fu=(True, True)),
    P(3, "Mojca Žagar", "F", "1985-11-23", "EAST", "14001", 3, "disability", "2017-10-02", "2019-03-01", "P006", E("P006", extended=True), fu=(True, True)),
    # registered unemployed exactly 24 months before entry: ltu24 holds (boundary)
    P(4, "Boštjan Novak", "M", "1978-02-28", "EAST", "15001", 3, "ltu24", "2017-04-15", "2019-04-15", "P002"),
    P(5, "Špela Horvat", "F", "1990-07-19", "EAST", "11002", 1, "basic_education roma", "2018-11-05", "2019-05-06", "P004", E("P004", hours=36), entry_before=7, fu=(True, True)),
    P(6, "Rok Petrič", "M", "1998-03-09", "EAST", "14001", 3, "first_job_6m", "2018-09-17", "2019-06-03", "P005"),
    # training from 31 August: ends 29 February 2020
    P(7, "Nataša Kranjc", "F", "1967-08-30", "WEST", "13001", 3, "ltu24", "2016-01-11", "2019-08-31", "P001", E("P001"), fu=(False, False)),
    P(8, "Janez Krajnc", "M", "1964-01-15", "EAST", "12001", 2, "basic_education ltu24", "2014-03-03", "2019-09-02", "P003", E("P003", extended=True), fu=(True, True), plant="UD-EM-003"),
    # KLASIUS missing: basic education shown by ISCED 2 (UD-TG-002 fallback)
    P(9, "Vesna Zupančič", "F", "1981-06-04", "EAST", None, 2, "basic_education", "2019-03-25", "2019-10-01", "P002", entry_before=14),
    P(10, "Dušan Kolar", "M", "1961-10-21", "WEST", "14001", 3, "over55 ltu24", "2016-05-09", "2019-11-04", "P004", E("P004"), fu=(True, False)),
    # training from 2020-01-31 ends 2020-07-30; employment from 2020-07-31, extension from 2021-01-31
    P(11, "Tjaša Čeh", "F", "1993-01-31", "EAST", "15001", 3, "addiction", "2019-02-11", "2020-01-31", "P005", E("P005", extended=True), fu=(True, True)),
    P(12, "Gašper Černe", "M", "1987-12-03", "EAST", "11001", 1, "basic_education", "2018-04-16", "2020-02-03", "P001"),
    P(13, "Darja Potočnik", "F", "1976-09-14", "WEST", "14001", 3, "ltu24", "2017-06-19", "2020-03-01", "P002", E("P002"), fu=(True, True), plant="UD-TR-001"),
    P(14, "Aleš Turk", "M", "1983-05-27", "EAST", "13001", 3, "after_prison", "2019-07-08", "2020-06-01", "P006"),
    # previously employed by P003 until the day before the 12-month window of the new employment (boundary)
    P(15, "Marjeta Šinkovec", "F", "1974-03-08", "WEST", "12001", 2, "basic_education", "2020-01-02", "2020-07-01", "P003", E("P003"), prev=("P003", "2019-12-31"), fu=(True, True)),
    # training from 31 August 2020: ends 28 February 2021
    P(16, "Matjaž Kovač", "M", "1969-07-07", "EAST", "14001", 3, "ltu24", "2017-02-20", "2020-08-31", "P004", E("P004", extended=True), fu=(True, True)),
    P(17, "Jasmina Hudorovac", "F", "1995-02-17", "EAST", "11001", 1, "roma basic_education", "2019-05-13", "2020-09-01", "P001", E("P001"), fu=(False, False)),
    # exactly 55 at entry: not "older than 55", so over55 is not declared
    P(18, "Primož Zajc", "M", "1965-10-05", "EAST", "14001", 3, "ltu24", "2018-01-08", "2020-10-05", "P005"),
    P(19, "Urška Božič", "F", "2000-08-11", "WEST", "15001", 3, "first_job_6m", "2019-11-18", "2020-11-02", "P002", E("P002", hours=36), fu=(True, False)),
    P(20, "Miha Jereb", "M", "1979-04-30", "EAST", "12001", 2, "basic_education ltu24", "2015-12-07", "2021-01-04", "P006", E("P006", extended=True), fu=(True, True)),
    P(21, "Irena Golob", "F", "1960-12-02", "WEST", "14001", 3, "over55", "2020-03-16", "2021-02-01", "P003"),
    P(22, "Tomaž Pečnik", "M", "1988-06-21", "EAST", "13001", 3, "ltu24", "2018-09-03", "2021-03-01", "P001", E("P001"), fu=(True, True), plant="UD-EM-005"),
    # part-time for a disabled person: 20 h/week, EUR 370.00 a month
    P(23, "Simona Žnidaršič", "F", "1982-09-09", "EAST", "14001", 3, "disability", "2020-06-08", "2021-04-06", "P004", E("P004", hours=20, disabled_part_time=True), fu=(True, True)),
    P(24, "Damjan Kuhar", "M", "1975-11-16", "EAST", "15001", 3, "addiction", "2020-01-20", "2021-05-03", "P005"),
    # born on 29 February
    P(25, "Barbara Kos", "F", "1984-02-29", "WEST", "12001", 2, "basic_education", "2020-10-12", "2021-06-01", "P002", E("P002"), fu=(False, False), plant="UD-EM-002"),
    P(26, "Luka Bizjak", "M", "1997-05-05", "EAST", "14001", 3, "reactivated", "2021-01-18", "2021-07-05", "P006"),
    P(27, "Katja Hribar", "F", "1970-10-28", "EAST", "11002", 1, "basic_education ltu24", "2016-08-29", "2021-09-01", "P001", E("P001"), fu=(True, True), plant="ESF-PD-002"),
    # previously employed by another provider (P005): UD-TG-004 does not apply
    P(28, "Jure Škerjanc", "M", "1980-03-13", "WEST", "14001", 3, "ltu24", "2019-07-01", "2021-10-04", "P003", E("P003"), prev=("P005", "2019-06-30"), fu=(True, False)),
    P(29, "Andreja Babič", "F", "1991-12-12", "EAST", "12001", 2, "roma basic_education", "2021-03-22", "2021-11-02", "P004"),
    # 59 at entry but over55 not declared: an undeclared criterion that holds is fine
    P(30, "Franc Jazbec", "M", "1962-07-25", "EAST", "13001", 3, "ltu24", "2019-02-04", "2021-12-01", "P005", E("P005", hours=36), fu=(True, True)),
    # 18 at entry
    P(31, "Petra Štrukelj", "F", "2003-12-20", "WEST", "15001", 3, "first_job_6m", "2021-06-28", "2022-01-10", "P002"),
    P(32, "Marko Čuk", "M", "1977-01-09", "EAST", "14001", 3, "addiction ltu24", "2019-11-25", "2022-02-01", "P006", E("P006"), fu=(False, False)),
    P(33, "Alenka Kočevar", "F", "1986-04-03", "EAST", "16101", 5, "disability", "2021-02-15", "2022-03-01", "P001", E("P001"), fu=(True, True)),
    P(34, "Bojan Šket", "M", "1958-09-19", "WEST", "12001", 2, "over55 basic_education", "2021-05-10", "2022-04-04", "P003"),
    P(35, "Nevenka Lešnik", "F", "1973-06-06", "EAST", "14001", 3, "addiction", "2021-09-06", "2022-05-02", "P004"),
    # subsidised employment ends 2023-05-31: day 30 is the report date, so the follow-up is due (boundary)
    P(36, "Robert Hočevar", "M", "1989-08-08", "EAST", "13001", 3, "ltu24", "2019-10-07", "2022-06-01", "P002", E("P002"), fu=(True, True)),
    # subsidised employment ends 2023-06-15: day 30 falls after the report date, no follow-up yet
    P(37, "Tanja Jerše", "F", "1994-10-17", "WEST", "12001", 2, "basic_education", "2021-12-13", "2022-06-16", "P005", E("P005")),
    P(38, "Dejan Brajdič", "M", "2001-04-24", "EAST", "11001", 1, "roma first_job_6m basic_education", "2021-08-02", "2022-09-01", "P001"),
    # exactly the minimum mentoring hours (60 internal, 12 external)
    P(39, "Maja Mlakar", "F", "1968-02-14", "EAST", "14001", 3, "reactivated", "2022-03-07", "2022-10-03", "P003"),
    P(40, "Žiga Šuštar", "M", "1992-11-30", "WEST", "13001", 3, "after_prison", "2022-01-17", "2022-11-07", "P004"),
]

# ESF-PD-003: a different person keyed in later under the id of participant 12.
# She entered on the same day as participant 12 and withdrew before any training.
DUPLICATE = dict(of=12, after=25, name="Jožica Vidmar", gender="F", birth=D("1979-08-16"),
                 region="EAST", klasius="12001", isced=2, criteria=("ltu24", "basic_education"),
                 rus=D("2017-11-06"), exit_date=D("2020-02-14"))

# The clean scenario: 12 participants of the table above, with the boundary cases.
CLEAN_PICK = [3, 4, 7, 9, 11, 15, 16, 19, 23, 36, 37, 39]

# Staff costs of the project office per year (real costs, no participant),
# with indirect costs at the 15 % flat rate on them (Reg. 1303/2013 Art. 68(1)(b)).
STAFF = [
    # (incurred_on, paid_on, eligible, payroll reference)
    ("2019-12-31", "2020-01-15", "18432.57", "PL-2019"),
    ("2020-12-31", "2021-01-15", "24871.36", "PL-2020"),
    ("2021-12-31", "2022-01-14", "26104.93", "PL-2021"),
    ("2022-12-31", "2023-01-13", "25318.48", "PL-2022"),
]
INDIRECT_RATE = Decimal("0.15")

# ESF-EL-001: a preparatory staff cost incurred before the eligibility window.
EARLY_STAFF = ("2013-12-30", "2014-01-10", "1846.20", "PL-2013-12")
# A publicity cost with recoverable VAT left out of the eligible amount.
OTHER = ("2019-03-15", "2019-03-29", "1250.00", "2019-0312")


def mentor_hours(n):
    return 60 + (n * 7) % 21, 12 + (n * 5) % 13


def split(eligible, rate):
    """The EU and national parts of an eligible amount at the operation's rate (ESF-CF-004)."""
    eu = round2(eligible * rate)
    return eu, eligible - eu


def employment_claim(pid, e):
    """The subsidy line claimed for employment e: every delivered month, incurred on its last day."""
    last = e["extension_end"] or e["end"]
    months = min(months_between(e["start"], last + ONE_DAY), 12)
    return dict(category="employment_subsidy", participant_id=pid, incurred_on=last,
                paid_on=last + datetime.timedelta(days=10), eligible=e["monthly_subsidy"] * months,
                invoice_number="ZZ-" + e["id"])


def build(scenario, specs=None, operation=None):
    """Return (model, expected findings, notes, stats) for scenario 'ucne-delavnice' or 'clean'.

    Any other scenario is built like 'clean' (no planted violation) from `specs`
    (participant specs made with P(), in entry order) and the operation fields
    `operation` on top of OPERATION_BASE; its targets are met exactly.
    """
    planted = scenario == "ucne-delavnice"
    if specs is None:
        specs = PARTICIPANTS if planted else [s for s in PARTICIPANTS if s["n"] in CLEAN_PICK]
    assert planted or all(s["plant"] is None for s in specs)
    expected = set()
    notes = {}  # plant -> dict of details for the README

    op = dict(OPERATION_BASE)
    op.update(operation or {})
    providers = []
    for pid, name, status, reg, region, tax_seed, reg_seed in PROVIDERS:
        providers.append(record(PROVIDER_FIELDS, id=pid, name=name,
                                tax_number=make_tax_number(tax_seed),
                                registration_number=make_registration_number(reg_seed),
                                status=status, registered_on=D(reg), region=region))

    participants = []
    lines = []  # expenditure lines before ids are given: dicts without id
    serial = {"M": 101, "F": 503}

    def next_serial(gender):
        s = serial[gender]
        serial[gender] += 37
        return s % 500 + (500 if gender == "F" else 0)

    invoice_seq = {}
    for pos, s in enumerate(specs, start=1):
        pid = "UD-%06d" % pos
        start = s["start"]
        entry = start - datetime.timedelta(days=s["entry_before"])
        emso = make_emso(s["birth"], next_serial(s["gender"]))
        if planted and s["plant"] == "ESF-PD-002":
            good = emso
            emso = emso[:12] + str((int(emso[12]) + 1) % 10)
            expected.add(("ESF-PD-002", pid))
            notes["ESF-PD-002"] = dict(key=pid, value="emso %s (check digit %s, correct %s)" % (emso, emso[12], good[12]))

        # training
        t_end = period_end(start, 6)
        if planted and s["plant"] == "UD-TR-001":
            t_end = t_end + ONE_DAY
            expected.add(("UD-TR-001", pid + "/training"))
            notes["UD-TR-001"] = dict(key=pid + "/training", value="start %s, end %s, period_end %s" % (start, t_end, period_end(start, 6)))
        internal, external = mentor_hours(s["n"])
        training = record(TRAINING_FIELDS, provider_id=s["provider"], start=start, end=t_end, months=6,
                          amount=UNIT_COST * 6, internal_mentor_hours_per_month=internal,
                          external_mentor_hours=external)
        year = t_end.year
        invoice_seq[(s["provider"], year)] = invoice_seq.get((s["provider"], year), 0) + 1
        lines.append(dict(category="unit_cost_training", participant_id=pid, incurred_on=t_end,
                          paid_on=t_end + datetime.timedelta(days=12), eligible=training["amount"],
                          invoice_number="%s/%d/%03d" % (s["provider"], year, invoice_seq[(s["provider"], year)])))

        # employments
        employments = []
        if s["emp"]:
            em = s["emp"]
            e_start = t_end + ONE_DAY
            e_end = period_end(e_start, 6)
            if planted and s["plant"] == "UD-EM-002":
                e_end = e_end - ONE_DAY
            hours = em["hours"]
            e = record(EMPLOYMENT_FIELDS, id=pid + "-E1", employer_id=em["employer"], start=e_start,
                       end=e_end, weekly_hours=hours, disabled_part_time=em["disabled_part_time"],
                       monthly_subsidy=round2(FULL_TIME_SUBSIDY * min(hours, 40) / 40))
            if planted and s["plant"] == "UD-EM-002":
                expected.add(("UD-EM-002", e["id"]))
                notes["UD-EM-002"] = dict(key=e["id"], value="start %s, end %s, period_end %s" % (e_start, e_end, period_end(e_start, 6)))
            if em["extended"]:
                x_start = e_end + ONE_DAY
                if planted and s["plant"] == "UD-EM-003":
                    x_start = x_start + datetime.timedelta(days=14)
                    expected.add(("UD-EM-003", e["id"]))
                    notes["UD-EM-003"] = dict(key=e["id"], value="end %s, extension_start %s (should be %s), extension_end %s" % (e_end, x_start, e_end + ONE_DAY, period_end(x_start, 6)))
                e["extension_start"] = x_start
                e["extension_end"] = period_end(x_start, 6)
            employments.append(e)
            if planted and s["plant"] == "UD-EM-005":
                e2_start = add_months(e_start, 3)
                e2 = record(EMPLOYMENT_FIELDS, id=pid + "-E2", employer_id="P005", start=e2_start,
                            end=period_end(e2_start, 6), weekly_hours=40, disabled_part_time=False,
                            monthly_subsidy=FULL_TIME_SUBSIDY)
                employments.append(e2)
                expected.add(("UD-EM-005", e2["id"]))
                notes["UD-EM-005"] = dict(key=e2["id"], value="%s–%s overlaps %s %s–%s" % (e2["start"], e2["end"], e["id"], e["start"], e["end"]))
        for e in employments:
            lines.append(employment_claim(pid, e))

        last_day = max([t_end] + [e["extension_end"] or e["end"] for e in employments])
        follow_up = None
        if employments and any((e["extension_end"] or e["end"]) + datetime.timedelta(days=30) <= op["report_date"] for e in employments):
            day30, month12 = s["fu"]
            follow_up = record(FOLLOW_UP_FIELDS, employed_day30=day30,
                               employed_month12=month12 if add_months(last_day, 12) <= op["report_date"] else None)

        participants.append(dict(
            record=record(PARTICIPANT_FIELDS, id=pid, emso=emso, name=s["name"], birth_date=s["birth"],
                          gender=s["gender"], region=s["region"], education_klasius=s["klasius"],
                          education_isced=s["isced"], labour_status="unemployed",
                          registered_unemployed_since=s["rus"], entry_date=entry, exit_date=last_day,
                          criteria=s["criteria"],
                          previous_employer_id=s["prev"][0] if s["prev"] else None,
                          previous_employment_end=s["prev"][1] if s["prev"] else None),
            training=training, employments=employments, follow_up=follow_up))

        if planted and s["n"] == DUPLICATE["after"]:
            dup = DUPLICATE
            orig = next(p for p in participants if p["record"]["id"] == "UD-%06d" % dup["of"])["record"]
            participants.append(dict(
                record=record(PARTICIPANT_FIELDS, id=orig["id"], emso=make_emso(dup["birth"], next_serial(dup["gender"])),
                              name=dup["name"], birth_date=dup["birth"], gender=dup["gender"],
                              region=dup["region"], education_klasius=dup["klasius"],
                              education_isced=dup["isced"], labour_status="unemployed",
                              registered_unemployed_since=dup["rus"], entry_date=orig["entry_date"],
                              exit_date=dup["exit_date"], criteria=dup["criteria"]),
                training=None, employments=[], follow_up=None))
            expected.add(("ESF-PD-003", orig["id"]))
            notes["ESF-PD-003"] = dict(key=orig["id"], value="second participant %s (%s) with the id of %s" % (orig["id"], dup["name"], orig["name"]))

    # staff, indirect and other lines (no participant)
    for i, (inc, paid, amount, ref) in enumerate(STAFF):
        staff = Decimal(amount)
        lines.append(dict(category="staff", incurred_on=D(inc), paid_on=D(paid), eligible=staff,
                          invoice_number=ref, tag="staff-%d" % i))
        # the first two flat-rate lines cite the payroll they are computed on
        # (same invoice_number, other category); the later two have none
        lines.append(dict(category="indirect", incurred_on=D(inc), paid_on=D(paid),
                          eligible=round2(staff * INDIRECT_RATE),
                          invoice_number=ref if i < 2 else None, tag="indirect-%d" % i))
    inc, paid, amount, ref = OTHER
    lines.append(dict(category="other", incurred_on=D(inc), paid_on=D(paid), eligible=Decimal(amount),
                      vat_recoverable=True, invoice_number=ref))
    if planted:
        inc, paid, amount, ref = EARLY_STAFF
        lines.append(dict(category="staff", incurred_on=D(inc), paid_on=D(paid), eligible=Decimal(amount),
                          invoice_number=ref, tag="early"))

    rank = {"unit_cost_training": 0, "employment_subsidy": 1, "staff": 2, "indirect": 3, "other": 4}
    lines.sort(key=lambda l: (l["incurred_on"], rank[l["category"]], l.get("participant_id") or "", l.get("invoice_number") or ""))
    expenditures = []
    rate = op["eu_rate"]
    for i, l in enumerate(lines, start=1):
        eligible = l["eligible"]
        eu, national = split(eligible, rate)
        x = record(EXPENDITURE_FIELDS, id="X-%06d" % i, category=l["category"],
                   participant_id=l.get("participant_id"), incurred_on=l["incurred_on"],
                   paid_on=l["paid_on"], eligible=eligible, eu=eu, national=national,
                   vat=Decimal("0.00"), vat_recoverable=l.get("vat_recoverable", False),
                   invoice_number=l.get("invoice_number"))
        tag = l.get("tag")
        if tag == "staff-3":
            # tolerance boundary: eu 0.01 above round(eligible × rate, 2), national = eligible − eu: passes
            x["eu"] = eu + CENT
            x["national"] = eligible - x["eu"]
            notes["boundary-CF-004"] = dict(key=x["id"], value="eligible %s, eu %s (correct %s), national %s" % (eligible, x["eu"], eu, x["national"]))
        if planted and tag == "indirect-2":
            x["eu"] = eu + CENT * 2
            x["national"] = eligible - eu
            expected.add(("ESF-CF-004", x["id"]))
            notes["ESF-CF-004"] = dict(key=x["id"], value="eligible %s, eu %s (correct %s), national %s: eu + national = %s" % (eligible, x["eu"], eu, x["national"], x["eu"] + x["national"]))
        if planted and tag == "early":
            expected.add(("ESF-EL-001", x["id"]))
            notes["ESF-EL-001"] = dict(key=x["id"], value="incurred_on %s, paid_on %s" % (x["incurred_on"], x["paid_on"]))
        expenditures.append(x)

    # operation totals and targets
    total = op["total_eligible"]
    claimed = sum(x["eligible"] for x in expenditures)
    assert claimed <= total, (claimed, total)
    eu_total = round2(total * rate)
    op["eu_contribution"] = eu_total
    op["national_contribution"] = total - eu_total
    distinct = len({p["record"]["id"] for p in participants})
    n_employments = sum(len(p["employments"]) for p in participants)
    if planted:
        op["eu_contribution"] = eu_total + CENT * 2
        expected.add(("ESF-CF-001", op["id"]))
        expected.add(("ESF-CF-003", op["id"]))
        notes["ESF-CF-001"] = dict(key=op["id"], value="eu_contribution %s, round(%s × %s, 2) = %s" % (op["eu_contribution"], total, rate, eu_total))
        notes["ESF-CF-003"] = dict(key=op["id"], value="%s + %s = %s ≠ total_eligible %s" % (op["eu_contribution"], op["national_contribution"], op["eu_contribution"] + op["national_contribution"], total))
        op["target_participants"] = 50
        expected.add(("UD-IND-001", op["id"]))
        notes["UD-IND-001"] = dict(key=op["id"], value="%d distinct participant ids, target 50" % distinct)
        op["target_subsidised_employments"] = 20
    else:
        op["target_participants"] = distinct
        op["target_subsidised_employments"] = 6
    op["target_employment_rate"] = Decimal("0.25")
    operation = record(OPERATION_FIELDS, **op)
    model = dict(operation=operation, providers=providers, participants=participants, expenditures=expenditures)
    stats = dict(claimed=claimed, distinct=distinct, records=len(participants), employments=n_employments,
                 employed=len({p["record"]["id"] for p in participants if p["employments"]}))
    return model, expected, notes, stats


# ---------------------------------------------------------------------------
# Scenario data, programme period 2021–2027: Učne delavnice plus (provisional packs)
# ---------------------------------------------------------------------------

# An operation of the 2021–2027 programme, checked by the provisional packs `esf-2021-2027`
# and `ucne-delavnice-plus` (selected by `period` and `scheme`). Its approved budget is one
# cent under EUR 5 million, the threshold from which recoverable VAT is ineligible
# (ESF21-EL-003). priority_axis is left out: the programme's priority is not settled here.
OPERATION_PLUS = dict(
    id="UDP-2023",
    title="Učne delavnice plus 2023–2027",
    programme="PEKP2021-2027",
    period="2021-2027",
    fund="ESF+",
    scheme="ucne-delavnice-plus",
    start=D("2023-01-01"),
    end=D("2027-12-31"),
    total_eligible=Decimal("4999999.99"),
    eu_rate=Decimal("0.85"),
    region_category="less_developed",
    report_type="interim",
    report_date=D("2027-06-30"),
)

# The provisional parameters of ucne-delavnice-plus (RULES.md, "Packs for 2021–2027").
TRAINING_MONTHS_PLUS = 4
SUBSIDY_MONTHS_PLUS = 12

# Staff costs of the project office per year, with indirect costs at 15 % of them.
STAFF_PLUS = [
    ("2023-12-31", "2024-01-15", "21480.62", "PL-2023"),
    ("2024-12-31", "2025-01-15", "23107.45", "PL-2024"),
    ("2025-12-31", "2026-01-15", "23955.18", "PL-2025"),
    ("2026-12-31", "2027-01-15", "24612.09", "PL-2026"),
]
# A publicity cost whose recoverable VAT (22.00) is included in the eligible amount:
# eligible in an operation under EUR 5 million (Reg. 2021/1060 Art. 64(1)(c)).
OTHER_PLUS = dict(incurred_on="2023-02-15", paid_on="2023-03-01", eligible="122.00", vat="22.00",
                  invoice_number="2023-0215")


def make_providers():
    return [record(PROVIDER_FIELDS, id=pid, name=name, tax_number=make_tax_number(tax_seed),
                   registration_number=make_registration_number(reg_seed), status=status,
                   registered_on=D(reg), region=region)
            for pid, name, status, reg, region, tax_seed, reg_seed in PROVIDERS]


def coach_hours(n):
    """(internal mentor hours a month, job coach hours) of participant spec n."""
    return 60 + (n * 7) % 21, 12 + (n * 5) % 13


def training_claim_plus(pid, t, seq):
    """The unit-cost line of training t: months × unit cost, incurred on its last day.
    seq: a dict counting invoices per (provider, year)."""
    year = t["end"].year
    seq[(t["provider_id"], year)] = seq.get((t["provider_id"], year), 0) + 1
    return dict(category="unit_cost_training", participant_id=pid, incurred_on=t["end"],
                paid_on=t["end"] + datetime.timedelta(days=12), eligible=t["amount"],
                invoice_number="%s/%d/%03d" % (t["provider_id"], year, seq[(t["provider_id"], year)]))


def employment_claim_plus(pid, e, report_date):
    """The subsidy line of employment e in a report of `report_date`: every month delivered by
    then (at most SUBSIDY_MONTHS_PLUS), incurred on the employment's last day, or on the report
    date while it still runs; paid ten days later, but not after the report date."""
    last = e["extension_end"] or e["end"]
    until = min(last, report_date)
    months = min(months_between(e["start"], until + ONE_DAY), SUBSIDY_MONTHS_PLUS)
    return dict(category="employment_subsidy", participant_id=pid, incurred_on=until,
                paid_on=min(until + datetime.timedelta(days=10), report_date),
                eligible=e["monthly_subsidy"] * months, invoice_number="ZZ-" + e["id"])


def finish_expenditures(lines, rate):
    """Sort the lines (as build() does), give them ids and split them at the operation's rate."""
    rank = {"unit_cost_training": 0, "employment_subsidy": 1, "staff": 2, "indirect": 3, "other": 4}
    lines.sort(key=lambda l: (l["incurred_on"], rank[l["category"]], l.get("participant_id") or "", l.get("invoice_number") or ""))
    out = []
    for i, l in enumerate(lines, start=1):
        eu, national = split(l["eligible"], rate)
        out.append(record(EXPENDITURE_FIELDS, id="X-%06d" % i, category=l["category"],
                          participant_id=l.get("participant_id"), incurred_on=l["incurred_on"],
                          paid_on=l["paid_on"], eligible=l["eligible"], eu=eu, national=national,
                          vat=l.get("vat", Decimal("0.00")), vat_recoverable=l.get("vat_recoverable", False),
                          invoice_number=l.get("invoice_number")))
    return out


def build_plus(specs, operation=None):
    """The model of a clean Učne delavnice plus operation (OPERATION_PLUS, updated with `operation`)
    from participant specs made with P() (in entry order): 4-month trainings at 560.00 a month with
    mentor and job coach hours (no external mentor), 12-month subsidised employments without
    extension, claims up to the report date, follow-ups where due; targets met exactly. A spec may
    carry `emp_start` (the employment's start, default the day after the training)."""
    op = dict(OPERATION_PLUS)
    op.update(operation or {})
    rd, rate = op["report_date"], op["eu_rate"]
    participants, lines, seq = [], [], {}
    serial = {"M": 211, "F": 617}

    def next_serial(gender):
        s = serial[gender]
        serial[gender] += 41
        return s % 500 + (500 if gender == "F" else 0)

    for pos, s in enumerate(specs, start=1):
        assert s["plant"] is None and s["prev"] is None
        pid = "UDP-%06d" % pos
        start = s["start"]
        entry = start - datetime.timedelta(days=s["entry_before"])
        t_end = period_end(start, TRAINING_MONTHS_PLUS)
        internal, coach = coach_hours(s["n"])
        training = record(TRAINING_FIELDS, provider_id=s["provider"], start=start, end=t_end,
                          months=TRAINING_MONTHS_PLUS, amount=UNIT_COST * TRAINING_MONTHS_PLUS,
                          internal_mentor_hours_per_month=internal, job_coach_hours=coach)
        lines.append(training_claim_plus(pid, training, seq))
        employments = []
        if s["emp"]:
            em = s["emp"]
            assert not em["extended"], "no extension in Učne delavnice plus"
            e_start = s.get("emp_start") or t_end + ONE_DAY
            e = record(EMPLOYMENT_FIELDS, id=pid + "-E1", employer_id=em["employer"], start=e_start,
                       end=period_end(e_start, SUBSIDY_MONTHS_PLUS), weekly_hours=em["hours"],
                       disabled_part_time=em["disabled_part_time"],
                       monthly_subsidy=round2(FULL_TIME_SUBSIDY * min(em["hours"], 40) / 40))
            employments.append(e)
            lines.append(employment_claim_plus(pid, e, rd))
        last_day = max([t_end] + [e["end"] for e in employments])
        follow_up = None
        if any(e["end"] + datetime.timedelta(days=30) <= rd for e in employments):
            day30, month12 = s["fu"]
            follow_up = record(FOLLOW_UP_FIELDS, employed_day30=day30,
                               employed_month12=month12 if add_months(last_day, 12) <= rd else None)
        participants.append(dict(
            record=record(PARTICIPANT_FIELDS, id=pid, emso=make_emso(s["birth"], next_serial(s["gender"])),
                          name=s["name"], birth_date=s["birth"], gender=s["gender"], region=s["region"],
                          education_klasius=s["klasius"], education_isced=s["isced"],
                          labour_status="unemployed", registered_unemployed_since=s["rus"],
                          entry_date=entry, exit_date=last_day if last_day <= rd else None,
                          criteria=s["criteria"]),
            training=training, employments=employments, follow_up=follow_up))

    for inc, paid, amount, ref in STAFF_PLUS:
        staff = Decimal(amount)
        lines.append(dict(category="staff", incurred_on=D(inc), paid_on=D(paid), eligible=staff, invoice_number=ref))
        lines.append(dict(category="indirect", incurred_on=D(inc), paid_on=D(paid),
                          eligible=round2(staff * INDIRECT_RATE), invoice_number=ref))
    o = OTHER_PLUS
    lines.append(dict(category="other", incurred_on=D(o["incurred_on"]), paid_on=D(o["paid_on"]),
                      eligible=Decimal(o["eligible"]), vat=Decimal(o["vat"]), vat_recoverable=True,
                      invoice_number=o["invoice_number"]))
    expenditures = finish_expenditures(lines, rate)

    total = op["total_eligible"]
    assert sum(x["eligible"] for x in expenditures) <= total
    op["eu_contribution"] = round2(total * rate)
    op["national_contribution"] = total - op["eu_contribution"]
    op["target_participants"] = len({p["record"]["id"] for p in participants})
    op["target_employment_rate"] = Decimal("0.25")
    op["target_subsidised_employments"] = sum(len(p["employments"]) for p in participants)
    return dict(operation=record(OPERATION_FIELDS, **op), providers=make_providers(),
                participants=participants, expenditures=expenditures)


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

def xml_attr(value):
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;"))


def xml_attrs(rec, fields):
    out = []
    for f, typ in fields:
        v = rec[f]
        if v is None:
            continue
        out.append(' %s="%s"' % (f, xml_attr(to_text(v, typ))))
    return "".join(out)


def write_xml(model):
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    out.append('<operation xmlns="%s"%s>' % (NS, xml_attrs(model["operation"], OPERATION_FIELDS)))
    out.append("  <providers>")
    for p in model["providers"]:
        out.append("    <provider%s/>" % xml_attrs(p, PROVIDER_FIELDS))
    out.append("  </providers>")
    out.append("  <participants>")
    for p in model["participants"]:
        attrs = xml_attrs(p["record"], PARTICIPANT_FIELDS)
        children = []
        if p["training"]:
            children.append("      <training%s/>" % xml_attrs(p["training"], TRAINING_FIELDS))
        for e in p["employments"]:
            children.append("      <employment%s/>" % xml_attrs(e, EMPLOYMENT_FIELDS))
        if p["follow_up"]:
            children.append("      <follow_up%s/>" % xml_attrs(p["follow_up"], FOLLOW_UP_FIELDS))
        if children:
            out.append("    <participant%s>" % attrs)
            out.extend(children)
            out.append("    </participant>")
        else:
            out.append("    <participant%s/>" % attrs)
    out.append("  </participants>")
    out.append("  <expenditures>")
    for x in model["expenditures"]:
        out.append("    <expenditure%s/>" % xml_attrs(x, EXPENDITURE_FIELDS))
    out.append("  </expenditures>")
    out.append("</operation>")
    return "\n".join(out) + "\n"


def csv_text(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def csv_row(rec, fields):
    return ["" if rec[f] is None else to_text(rec[f], t) for f, t in fields]


def write_csv(model):
    pid_field = [("participant_id", "string")]
    files = {}
    files["operation.csv"] = csv_text([f for f, _ in OPERATION_FIELDS], [csv_row(model["operation"], OPERATION_FIELDS)])
    files["providers.csv"] = csv_text([f for f, _ in PROVIDER_FIELDS], [csv_row(p, PROVIDER_FIELDS) for p in model["providers"]])
    files["participants.csv"] = csv_text([f for f, _ in PARTICIPANT_FIELDS], [csv_row(p["record"], PARTICIPANT_FIELDS) for p in model["participants"]])
    nested = {"trainings.csv": (TRAINING_FIELDS, []), "employments.csv": (EMPLOYMENT_FIELDS, []), "follow_ups.csv": (FOLLOW_UP_FIELDS, [])}
    for p in model["participants"]:
        pid = p["record"]["id"]
        if p["training"]:
            nested["trainings.csv"][1].append([pid] + csv_row(p["training"], TRAINING_FIELDS))
        for e in p["employments"]:
            nested["employments.csv"][1].append([pid] + csv_row(e, EMPLOYMENT_FIELDS))
        if p["follow_up"]:
            nested["follow_ups.csv"][1].append([pid] + csv_row(p["follow_up"], FOLLOW_UP_FIELDS))
    for name, (fields, rows) in nested.items():
        files[name] = csv_text([f for f, _ in pid_field + fields], rows)
    files["expenditures.csv"] = csv_text([f for f, _ in EXPENDITURE_FIELDS], [csv_row(x, EXPENDITURE_FIELDS) for x in model["expenditures"]])
    return files


def expected_tsv(expected, op):
    """`expected` is a set or a Counter of (rule id, record key); a pair found n times gives n lines,
    each with the severity the oracle gives the finding in the operation `op` (severity_of)."""
    rows = sorted(collections.Counter(expected).elements(), key=lambda rk: (rk[0].encode("utf-8"), rk[1].encode("utf-8")))
    return "rule_id\trecord_key\tseverity\n" + "".join("%s\t%s\t%s\n" % (r, k, severity_of(r, op)) for r, k in rows)


def slovenian_decimal(text):
    """A canonical decimal in Slovenian notation: 3360.00 -> 3.360,00; 0.80 -> 0,80; -1234.5 -> -1.234,5."""
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("+-").partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + ("," + fraction if fraction else "")


def write_outputs(folder, outputs, check):
    """Writes each (name, bytes) of `outputs` into `folder`, or with `check` only compares them
    with the files there; returns the names that differ (always empty when writing)."""
    differ = []
    for name, data in outputs:
        path = os.path.join(folder, name)
        if check:
            with open(path, "rb") as f:
                if f.read() != data:
                    differ.append(name)
        else:
            with open(path, "wb") as f:
                f.write(data)
    return differ


# --check: the generators compare what they would write with the files on disk instead of
# writing (set_check_mode); every file that differs or is missing is collected in DIFFERENT.
CHECK_MODE = False
DIFFERENT = []


def set_check_mode(on):
    global CHECK_MODE
    CHECK_MODE = bool(on)


def write_file(path, text):
    if CHECK_MODE:
        try:
            with open(path, encoding="utf-8", newline="") as f:
                same = f.read() == text
        except OSError:
            same = False
        if not same:
            DIFFERENT.append(os.path.relpath(path, FIXTURES))
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def finish_check_mode():
    """In --check mode: exit 1 naming every generated file that differs from the one on disk."""
    if not CHECK_MODE:
        return
    if DIFFERENT:
        for name in DIFFERENT:
            print("differs from what the generator writes: Fixtures/%s" % name, file=sys.stderr)
        raise SystemExit("--check failed: %d file(s) differ (hand-edited, or the generator drifted); "
                         "run the generator without --check to regenerate" % len(DIFFERENT))
    print("--check passed: every generated file is byte-identical")


# ---------------------------------------------------------------------------
# Readers (used by the self-check: both forms must give the same model)
# ---------------------------------------------------------------------------

def read_xml(path):
    q = lambda tag: "{%s}%s" % (NS, tag)

    def rec(el, fields):
        known = {f for f, _ in fields}
        assert set(el.attrib) <= known, (el.tag, set(el.attrib) - known)
        for v in el.attrib.values():
            assert v != "", "empty attribute in %s" % el.tag
        return {f: from_text(el.attrib.get(f), t) for f, t in fields}

    root = ET.parse(path).getroot()
    assert root.tag == q("operation")
    model = dict(operation=rec(root, OPERATION_FIELDS), providers=[], participants=[], expenditures=[])
    assert [c.tag for c in root] == [q("providers"), q("participants"), q("expenditures")]
    for el in root.find(q("providers")):
        assert el.tag == q("provider")
        model["providers"].append(rec(el, PROVIDER_FIELDS))
    for el in root.find(q("participants")):
        assert el.tag == q("participant")
        p = dict(record=rec(el, PARTICIPANT_FIELDS), training=None, employments=[], follow_up=None)
        order = [c.tag for c in el]
        assert order == sorted(order, key=[q("training"), q("employment"), q("follow_up")].index)
        for c in el:
            if c.tag == q("training"):
                assert p["training"] is None
                p["training"] = rec(c, TRAINING_FIELDS)
            elif c.tag == q("employment"):
                p["employments"].append(rec(c, EMPLOYMENT_FIELDS))
            elif c.tag == q("follow_up"):
                assert p["follow_up"] is None
                p["follow_up"] = rec(c, FOLLOW_UP_FIELDS)
            else:
                raise AssertionError(c.tag)
        model["participants"].append(p)
    for el in root.find(q("expenditures")):
        assert el.tag == q("expenditure")
        model["expenditures"].append(rec(el, EXPENDITURE_FIELDS))
    return model


def read_csv_bundle(folder):
    def rows(name, fields):
        with open(os.path.join(folder, name), encoding="utf-8", newline="") as f:
            data = f.read()
        assert not data.startswith("\ufeff") and "\r" not in data
        reader = csv.reader(io.StringIO(data))
        header = next(reader)
        assert header == [f for f, _ in fields], (name, header)
        out = []
        for r in reader:
            assert len(r) == len(fields), (name, r)
            out.append({f: from_text(v, t) for (f, t), v in zip(fields, r)})
        return out

    pid_field = [("participant_id", "string")]
    model = dict(operation=None, providers=rows("providers.csv", PROVIDER_FIELDS), participants=[],
                 expenditures=rows("expenditures.csv", EXPENDITURE_FIELDS))
    ops = rows("operation.csv", OPERATION_FIELDS)
    assert len(ops) == 1
    model["operation"] = ops[0]
    first = {}
    for r in rows("participants.csv", PARTICIPANT_FIELDS):
        p = dict(record=r, training=None, employments=[], follow_up=None)
        first.setdefault(r["id"], p)  # nested rows join the first participant with the id
        model["participants"].append(p)

    def nested(name, fields):
        for r in rows(name, pid_field + fields):
            pid = r.pop("participant_id")
            yield first[pid], r

    for p, r in nested("trainings.csv", TRAINING_FIELDS):
        assert p["training"] is None
        p["training"] = r
    for p, r in nested("employments.csv", EMPLOYMENT_FIELDS):
        p["employments"].append(r)
    for p, r in nested("follow_ups.csv", FOLLOW_UP_FIELDS):
        assert p["follow_up"] is None
        p["follow_up"] = r
    return model


# ---------------------------------------------------------------------------
# Independent re-implementation of the rules of RULES.md
# ---------------------------------------------------------------------------

PARAMS = dict(
    # esf-2014-2020
    max_eu_rate=Decimal("0.80"), eligible_from=D("2014-01-01"), eligible_to=D("2023-12-31"),
    tolerance=Decimal("0.01"), min_age=15, max_age=100, emso_check_10_valid=False,
    # ucne-delavnice
    training_months=6, subsidy_months=6, extension_months=6, training_unit_cost=Decimal("560.00"),
    subsidy_full_time_monthly=Decimal("740.00"), full_time_hours=40, min_weekly_hours=36,
    min_weekly_hours_disabled=20, ltu_months=24, over_age=55, same_employer_months=12,
    provider_registered_months=12, basic_education_codes=["11001", "11002", "11003", "11099", "12001"],
    eligible_provider_status=["social_enterprise", "disability_company", "employment_centre"],
    min_internal_mentor_hours=60, min_external_mentor_hours=12, follow_up_days=30,
)


def and3(*xs):
    """Three-valued and: False wins, then None (unknown), else True."""
    if any(x is False for x in xs):
        return False
    if any(x is None for x in xs):
        return None
    return True


def cmp(a, op, b):
    """A comparison with a null operand is unknown."""
    if a is None or b is None:
        return None
    return {"<=": a <= b, ">=": a >= b, "<": a < b, ">": a > b, "==": a == b}[op]


def approx(a, b):
    if a is None or b is None:
        return None
    return abs(a - b) <= PARAMS["tolerance"]


def band_klasius(code):
    lvl = int(code[:2])
    return "0-2" if lvl <= 12 else ("3-4" if lvl <= 15 else "5-8")


def band_isced(level):
    return "0-2" if level <= 2 else ("3-4" if level <= 4 else "5-8")


def ltu(p):
    rus, entry = p["registered_unemployed_since"], p["entry_date"]
    if rus is None or entry is None:
        return None
    return rus <= add_months(entry, -PARAMS["ltu_months"])


def basic_education(p):
    if p["education_klasius"] is not None:
        return p["education_klasius"] in PARAMS["basic_education_codes"]
    if p["education_isced"] is not None:
        return p["education_isced"] <= 2
    return None


def over55(p):
    if p["birth_date"] is None or p["entry_date"] is None:
        return None
    return age_at(p["birth_date"], p["entry_date"]) > PARAMS["over_age"]


def unemployed_6m(p):
    rus, entry = p["registered_unemployed_since"], p["entry_date"]
    if rus is None or entry is None:
        return None
    return rus <= add_months(entry, -6)


DECLARED_ONLY = ["first_job_6m", "disability", "addiction", "after_prison", "roma", "reactivated"]

RULES = []  # (rule_id, severity, scope, function): the packs esf-2014-2020 and ucne-delavnice
RULES_2021_OWN = []  # the rules the 2021–2027 packs define themselves (in place of excluded ones)


def rule(rule_id, severity, scope, into=None):
    def deco(fn):
        (RULES if into is None else into).append((rule_id, severity, scope, fn))
        return fn
    return deco


# --- pack esf-2014-2020 ----------------------------------------------------

@rule("ESF-CF-001", "error", "operation")
def _(op, ctx):
    if op["total_eligible"] is None or op["eu_rate"] is None:
        return None
    return approx(op["eu_contribution"], round2(op["total_eligible"] * op["eu_rate"]))


@rule("ESF-CF-002", "error", "operation")
def _(op, ctx):
    return cmp(op["eu_rate"], "<=", PARAMS["max_eu_rate"])


@rule("ESF-CF-003", "error", "operation")
def _(op, ctx):
    if op["eu_contribution"] is None or op["national_contribution"] is None:
        return None
    return approx(op["eu_contribution"] + op["national_contribution"], op["total_eligible"])


@rule("ESF-CF-004", "error", "expenditure")
def _(x, ctx):
    rate = ctx.op["eu_rate"]
    c1 = None if None in (x["eu"], x["national"]) else approx(x["eu"] + x["national"], x["eligible"])
    c2 = None if None in (x["eligible"], rate) else approx(x["eu"], round2(x["eligible"] * rate))
    return and3(c1, c2)


@rule("ESF-CF-005", "error", "aggregate")
def _(ctx):
    total = sum((x["eligible"] for x in ctx.expenditures if x["eligible"] is not None), Decimal("0.00"))
    op = ctx.op
    c1 = cmp(total, "<=", None if op["total_eligible"] is None else op["total_eligible"] + PARAMS["tolerance"])
    c2 = None if op["eu_rate"] is None or op["eu_contribution"] is None else round2(total * op["eu_rate"]) <= op["eu_contribution"] + PARAMS["tolerance"]
    return [] if and3(c1, c2) is not False else [op["id"]]


def in_window(d):
    return d is not None and PARAMS["eligible_from"] <= d <= PARAMS["eligible_to"]


@rule("ESF-EL-001", "error", "expenditure")
def _(x, ctx):
    return in_window(x["incurred_on"]) and in_window(x["paid_on"])  # missing fails


@rule("ESF-EL-002", "review", "expenditure")
def _(x, ctx):
    return cmp(x["paid_on"], ">=", x["incurred_on"])


@rule("ESF-EL-003", "error", "expenditure")
def _(x, ctx):
    if not (x["vat_recoverable"] or False):
        return None  # when: recoverable VAT only (a missing boolean counts as false)
    return cmp(x["vat"], "==", Decimal("0"))


@rule("ESF-EL-004", "error", "aggregate")
def _(ctx):
    bad, ids, keys = [], set(), set()
    for x in ctx.expenditures:
        dup = x["id"] in ids
        ids.add(x["id"])
        if x["invoice_number"] is not None:
            k = (x["invoice_number"], x["category"], x["participant_id"])  # None == None
            dup = dup or k in keys
            keys.add(k)
        if dup:
            bad.append(x["id"])
    return bad


@rule("ESF-EL-005", "error", "expenditure")
def _(x, ctx):
    rd = ctx.op["report_date"]
    return and3(cmp(x["incurred_on"], "<=", rd), cmp(x["paid_on"], "<=", rd))


@rule("ESF-PD-001", "warning", "participant")
def _(p, ctx):
    r = p["record"]
    return (r["gender"] is not None and r["labour_status"] is not None and r["birth_date"] is not None
            and (r["education_isced"] is not None or r["education_klasius"] is not None))


@rule("ESF-PD-002", "error", "participant")
def _(p, ctx):
    emso = p["record"]["emso"]
    if emso is None:
        return None
    if not emso_valid(emso, PARAMS["emso_check_10_valid"]):
        return False
    return cmp(emso_date(emso), "==", p["record"]["birth_date"])


@rule("ESF-PD-003", "error", "aggregate")
def _(ctx):
    seen, bad = set(), []
    for p in ctx.participants:
        i = p["record"]["id"]
        if i in seen:
            bad.append(i)
        seen.add(i)
    return bad


@rule("ESF-PD-006", "error", "aggregate")
def _(ctx):
    seen, bad = set(), []
    for p in ctx.participants:
        e = p["record"]["emso"]
        if e is None:
            continue
        if e in seen:
            bad.append(p["record"]["id"])
        seen.add(e)
    return bad


@rule("ESF-PD-004", "error", "participant")
def _(p, ctx):
    r = p["record"]
    b, entry = r["birth_date"], r["entry_date"]
    age = None if b is None or entry is None else age_at(b, entry)
    return and3(cmp(b, "<=", entry),
                None if age is None else PARAMS["min_age"] <= age <= PARAMS["max_age"],
                True if r["exit_date"] is None else cmp(r["exit_date"], ">=", entry))


@rule("ESF-PD-005", "warning", "participant")
def _(p, ctx):
    r = p["record"]
    if r["education_isced"] is None or r["education_klasius"] is None:
        return None
    return band_isced(r["education_isced"]) == band_klasius(r["education_klasius"])


@rule("ESF-REF-001", "error", "participant.employment")
def _(p, e, ctx):
    return e["employer_id"] in ctx.provider_by_id if e["employer_id"] is not None else None


@rule("ESF-REF-002", "error", "participant.training")
def _(p, t, ctx):
    return t["provider_id"] in ctx.provider_by_id if t["provider_id"] is not None else None


@rule("ESF-REF-003", "error", "expenditure")
def _(x, ctx):
    return x["participant_id"] in ctx.participant_ids if x["participant_id"] is not None else None  # when: present


# --- pack ucne-delavnice ---------------------------------------------------

@rule("UD-TG-001", "error", "participant")
def _(p, ctx):
    r = p["record"]
    return (r["labour_status"] == "unemployed" and r["registered_unemployed_since"] is not None
            and r["entry_date"] is not None and r["registered_unemployed_since"] <= r["entry_date"])


@rule("UD-TG-002", "error", "participant")
def _(p, ctx):
    r = p["record"]
    declared = set(r["criteria"] or ())
    return bool(ltu(r) or basic_education(r) or over55(r) or declared & set(DECLARED_ONLY))


@rule("UD-TG-003", "error", "participant")
def _(p, ctx):
    r = p["record"]
    checks = {"ltu24": ltu, "basic_education": basic_education, "over55": over55,
              "first_job_6m": unemployed_6m, "after_prison": unemployed_6m}
    if not r["criteria"]:
        return None  # when: criteria declared
    return all(checks[c](r) is True for c in (r["criteria"] or ()) if c in checks)  # missing fails


@rule("UD-TG-004", "error", "participant.employment")
def _(p, e, ctx):
    r = p["record"]
    if r["previous_employer_id"] is None or r["previous_employment_end"] is None:
        return None  # when: both previous-employment fields recorded
    if e["employer_id"] is None:
        return None
    if r["previous_employer_id"] != e["employer_id"]:
        return True
    if r["previous_employment_end"] is None or e["start"] is None:
        return None
    return not (r["previous_employment_end"] >= add_months(e["start"], -PARAMS["same_employer_months"]))


@rule("UD-TR-001", "error", "participant.training")
def _(p, t, ctx):
    pe = None if t["start"] is None else period_end(t["start"], PARAMS["training_months"])
    return and3(cmp(t["end"], "<=", pe), cmp(t["months"], "<=", PARAMS["training_months"]))


@rule("UD-TR-002", "error", "participant.training")
def _(p, t, ctx):
    if t["months"] is None:
        return None
    return approx(t["amount"], t["months"] * PARAMS["training_unit_cost"])


@rule("UD-TR-003", "error", "participant.training")
def _(p, t, ctx):
    # an unknown or missing provider fails; so do a missing status, registration date or start (YAML `?? false`)
    prov = ctx.provider_by_id.get(t["provider_id"])
    if prov is None or t["start"] is None or prov["registered_on"] is None:
        return False
    return (prov["status"] in PARAMS["eligible_provider_status"]
            and prov["registered_on"] <= add_months(t["start"], -PARAMS["provider_registered_months"]))


@rule("UD-TR-004", "review", "participant.training")
def _(p, t, ctx):
    i, x = t["internal_mentor_hours_per_month"], t["external_mentor_hours"]
    return (i is not None and i >= PARAMS["min_internal_mentor_hours"]
            and x is not None and x >= PARAMS["min_external_mentor_hours"])


@rule("UD-TR-005", "error", "participant.training")
def _(p, t, ctx):
    return cmp(t["start"], ">=", p["record"]["entry_date"])


@rule("UD-TR-006", "error", "participant.training")
def _(p, t, ctx):
    if None in (t["months"], t["start"], t["end"]):
        return None
    return t["months"] <= months_between(t["start"], t["end"] + ONE_DAY)


@rule("UD-TR-007", "error", "participant.training")
def _(p, t, ctx):
    lo = max(ctx.op["start"], PARAMS["eligible_from"])
    hi = min(ctx.op["end"], PARAMS["eligible_to"])
    return t["start"] is not None and t["end"] is not None and t["start"] >= lo and t["end"] <= hi


@rule("UD-EM-001", "error", "participant.employment")
def _(p, e, ctx):
    # a missing training (or a missing date) fails: `(start > training.end) ?? false`
    if p["training"] is None:
        return False
    return cmp(e["start"], ">", p["training"]["end"]) or False


@rule("UD-EM-002", "error", "participant.employment")
def _(p, e, ctx):
    if e["start"] is None:
        return None
    return cmp(e["end"], "==", period_end(e["start"], PARAMS["subsidy_months"]))


@rule("UD-EM-003", "error", "participant.employment")
def _(p, e, ctx):
    xs, xe = e["extension_start"], e["extension_end"]
    if xs is None and xe is None:
        return None  # when: not extended, not applicable
    if xs is None or xe is None:
        return False  # extended, but one of the two dates is missing: cannot be shown (architecture.md)
    c1 = None if e["end"] is None else xs == e["end"] + ONE_DAY
    c2 = xe <= period_end(xs, PARAMS["extension_months"])
    return and3(c1, c2)


@rule("UD-EM-004", "error", "participant.employment")
def _(p, e, ctx):
    # the lower minimum applies when disabled_part_time is set and the participant declared disability
    disabled = bool(e["disabled_part_time"]) and "disability" in (p["record"]["criteria"] or ())
    minimum = PARAMS["min_weekly_hours_disabled"] if disabled else PARAMS["min_weekly_hours"]
    h = e["weekly_hours"]
    if h is None:
        return None
    expected = round2(PARAMS["subsidy_full_time_monthly"] * min(h, PARAMS["full_time_hours"]) / PARAMS["full_time_hours"])
    return and3(h >= minimum, approx(e["monthly_subsidy"], expected))


@rule("UD-EM-005", "error", "aggregate")
def _(ctx):
    earlier, bad = {}, []
    for p in ctx.participants:
        for e in p["employments"]:
            lo, hi = e["start"], e["extension_end"] or e["end"]
            prev = earlier.setdefault(p["record"]["id"], [])
            if lo is None or hi is None:
                continue  # an interval with a missing end overlaps nothing here
            if any(lo <= h and l <= hi for l, h in prev):
                bad.append(e["id"])
            prev.append((lo, hi))
    return bad


@rule("UD-EM-007", "error", "participant.employment")
def _(p, e, ctx):
    lo = max(ctx.op["start"], PARAMS["eligible_from"])
    hi = min(ctx.op["end"], PARAMS["eligible_to"])
    last = e["extension_end"] or e["end"]
    return e["start"] is not None and last is not None and e["start"] >= lo and last <= hi


@rule("UD-IND-001", "review", "aggregate")
def _(ctx):
    return [] if len(ctx.participant_ids) >= ctx.op["target_participants"] else [ctx.op["id"]]


@rule("UD-IND-002", "review", "aggregate")
def _(ctx):
    employed = {p["record"]["id"] for p in ctx.participants if p["employments"]}
    ok = len(employed) >= ctx.op["target_employment_rate"] * len(ctx.participant_ids)
    return [] if ok else [ctx.op["id"]]


@rule("UD-IND-003", "review", "aggregate")
def _(ctx):
    n = sum(len(p["employments"]) for p in ctx.participants)
    return [] if n >= ctx.op["target_subsidised_employments"] else [ctx.op["id"]]


def claimed(ctx, pid, category):
    return sum((x["eligible"] for x in ctx.expenditures
                if x["participant_id"] == pid and x["category"] == category and x["eligible"] is not None),
               Decimal("0.00"))


@rule("UD-CL-001", "error", "participant.training")
def _(p, t, ctx):
    if t["amount"] is None:
        return None
    return claimed(ctx, p["record"]["id"], "unit_cost_training") <= t["amount"] + PARAMS["tolerance"]


@rule("UD-CL-002", "error", "participant")
def _(p, ctx):
    cap = Decimal("0.00")
    for e in p["employments"]:
        last = e["extension_end"] or e["end"]
        if e["monthly_subsidy"] is None or e["start"] is None or last is None:
            continue
        months = min(months_between(e["start"], last + ONE_DAY), PARAMS["subsidy_months"] + PARAMS["extension_months"])
        cap += e["monthly_subsidy"] * months
    return claimed(ctx, p["record"]["id"], "employment_subsidy") <= cap + PARAMS["tolerance"]


@rule("UD-CL-003", "error", "expenditure")
def _(x, ctx):
    if x["category"] not in ("unit_cost_training", "employment_subsidy"):
        return None  # when: unit-cost lines only
    if x["participant_id"] is None:
        return False  # missing fails
    d = x["incurred_on"]
    if d is None:
        return None  # RULES.md: missing fails only for participant_id; ESF-EL-001 reports the missing date
    same = [p for p in ctx.participants if p["record"]["id"] == x["participant_id"]]
    if x["category"] == "unit_cost_training":
        spans = [(p["training"]["start"], p["training"]["end"]) for p in same if p["training"]]
    else:
        spans = [(e["start"], e["extension_end"] or e["end"]) for p in same for e in p["employments"]]
    return any(lo <= d <= hi for lo, hi in spans if lo is not None and hi is not None)


@rule("UD-FU-001", "warning", "participant.employment")
def _(p, e, ctx):
    last = e["extension_end"] or e["end"]
    if last is None:
        return None
    if last + datetime.timedelta(days=PARAMS["follow_up_days"]) > ctx.op["report_date"]:
        return None  # when: not applicable
    return p["follow_up"] is not None and p["follow_up"]["employed_day30"] is not None


# --- packs esf-2021-2027 and ucne-delavnice-plus (provisional) ------------
#
# RULES.md "Packs for 2021–2027": the rules above under the ids ESF21-… and UDP-…, run with the
# 2021–2027 parameters (PARAMS_2021), except ESF-CF-002, ESF-EL-003, UD-EM-003 and UD-TR-004,
# which are replaced by the three rules below (Rules/esf-2021-2027/co-financing.yaml,
# Rules/ucne-delavnice-plus/training.yaml).

PARAMS_2014 = PARAMS
PARAMS_2021 = dict(
    PARAMS_2014,
    # esf-2021-2027
    eligible_from=D("2021-01-01"), eligible_to=D("2029-12-31"),
    max_eu_rate_less_developed=Decimal("0.85"), max_eu_rate_transition=Decimal("0.60"),
    max_eu_rate_more_developed=Decimal("0.40"), vat_ineligible_from_total=Decimal("5000000.00"),
    # ucne-delavnice-plus (eligible_from and eligible_to are the same as above)
    training_months=4, subsidy_months=12, extension_months=0, min_job_coach_hours=12,
)
# Inherited by the packs but used only by the excluded rules: left out, so that a rule that
# still used them would fail loudly here.
del PARAMS_2021["max_eu_rate"], PARAMS_2021["min_external_mentor_hours"]


@rule("ESF21-CF-002", "error", "operation", into=RULES_2021_OWN)
def _(op, ctx):
    # RULES.md: a missing region_category fails; a missing eu_rate is not applicable (the
    # catalogue's convention: a rule on a missing value is not applicable unless it says
    # "missing fails"). Any other category than less developed or transition gets the
    # more-developed cap (the YAML's conditional).
    rc, rate = op["region_category"], op["eu_rate"]
    if rc is None:
        return False
    if rate is None:
        return None
    cap = {"less_developed": PARAMS["max_eu_rate_less_developed"],
           "transition": PARAMS["max_eu_rate_transition"]}.get(rc, PARAMS["max_eu_rate_more_developed"])
    return rate <= cap


@rule("ESF21-EL-003", "error", "expenditure", into=RULES_2021_OWN)
def _(x, ctx):
    # when: recoverable VAT in an operation whose total cost including VAT is at least EUR 5
    # million (RULES.md; Reg. 2021/1060 Art. 64(1)(c)). Without total_cost, total_eligible is a
    # lower bound of it (the eligible cost is part of the total cost), so an operation whose
    # eligible total alone reaches the threshold is in; with neither: not applicable.
    op = ctx.op
    total = op["total_cost"] if op["total_cost"] is not None else op["total_eligible"]
    if not (x["vat_recoverable"] or False) or total is None or total < PARAMS["vat_ineligible_from_total"]:
        return None
    return cmp(x["vat"], "==", Decimal("0"))


@rule("UDP-TR-004", "review", "participant.training", into=RULES_2021_OWN)
def _(p, t, ctx):
    # missing fails: internal mentor hours as before, job coach hours instead of external mentor hours
    i, j = t["internal_mentor_hours_per_month"], t["job_coach_hours"]
    return (i is not None and i >= PARAMS["min_internal_mentor_hours"]
            and j is not None and j >= PARAMS["min_job_coach_hours"])


def derived_rules(prefix_from, prefix_to, base_ids, exclude, own_prefix):
    """The rules of a pack that extends another: renamed, minus the excluded, plus its own."""
    by_id = {r[0]: r for r in RULES}
    out = []
    for rid in base_ids:
        if rid in exclude:
            continue
        _, severity, scope, fn = by_id[rid]
        out.append((prefix_to + rid[len(prefix_from):], severity, scope, fn))
    out.extend(r for r in RULES_2021_OWN if r[0].startswith(own_prefix))
    return out


def rules_for(op):
    """(pack ids, rules, parameters) for an operation, chosen like the packs' selectors:
    esf-2014-2020 {period 2014-2020} + ucne-delavnice {period 2014-2020, scheme ucne-delavnice},
    esf-2021-2027 {period 2021-2027} + ucne-delavnice-plus {period 2021-2027, scheme ucne-delavnice-plus}.
    Anything not of 2021–2027 gets both 2014–2020 packs, as every scenario before them did."""
    if op["period"] != "2021-2027":
        return ["esf-2014-2020", "ucne-delavnice"], RULES, PARAMS_2014
    packs = ["esf-2021-2027"]
    rules = derived_rules("ESF-", "ESF21-", RULE_IDS["esf-2014-2020"], ("ESF-CF-002", "ESF-EL-003"), "ESF21-")
    if op["scheme"] == "ucne-delavnice-plus":
        packs.append("ucne-delavnice-plus")
        rules = rules + derived_rules("UD-", "UDP-", RULE_IDS["ucne-delavnice"], ("UD-EM-003", "UD-TR-004"), "UDP-")
    return packs, rules, PARAMS_2021


class Ctx:
    def __init__(self, model):
        self.op = model["operation"]
        self.participants = model["participants"]
        self.expenditures = model["expenditures"]
        self.provider_by_id = {p["id"]: p for p in model["providers"]}
        self.participant_ids = {p["record"]["id"] for p in self.participants}


def run_rules(model):
    """Return (Counter of (rule_id, record_key), coverage per rule) of the packs the operation
    selects (rules_for), each rule run with those packs' parameters."""
    global PARAMS
    _packs, rules, params = rules_for(model["operation"])
    saved, PARAMS = PARAMS, params  # the rule functions read the module's PARAMS
    try:
        return _run_rules(model, rules)
    finally:
        PARAMS = saved


# Aggregate rules that report one finding per offending record (RULES.md: "one finding per
# occurrence after the first", "per employment that overlaps"), by rule-id suffix: their coverage
# counts every record of that entity once (passed or failed), like a record rule's.
KEYED_AGGREGATES = {"EL-004": "expenditure", "PD-003": "participant", "PD-006": "participant", "EM-005": "employment"}


def _run_rules(model, rules):
    ctx = Ctx(model)
    findings, coverage = collections.Counter(), {}
    for rule_id, _severity, scope, fn in rules:
        cov = coverage.setdefault(rule_id, [0, 0, 0, 0])  # evaluated, passed, failed, not applicable

        def tally(result, key):
            cov[0] += 1  # evaluated: every record the rule looked at, applicable or not
            if result is None:
                cov[3] += 1
                return
            if result:
                cov[1] += 1
            else:
                cov[2] += 1
                findings[(rule_id, key)] += 1

        if scope == "operation":
            tally(fn(ctx.op, ctx), ctx.op["id"])
        elif scope == "provider":
            for pr in model["providers"]:
                tally(fn(pr, ctx), pr["id"])
        elif scope == "participant":
            for p in ctx.participants:
                tally(fn(p, ctx), p["record"]["id"])
        elif scope == "participant.training":
            for p in ctx.participants:
                if p["training"]:
                    tally(fn(p, p["training"], ctx), p["record"]["id"] + "/training")
        elif scope == "participant.employment":
            for p in ctx.participants:
                for e in p["employments"]:
                    tally(fn(p, e, ctx), e["id"])
        elif scope == "expenditure":
            for x in ctx.expenditures:
                tally(fn(x, ctx), x["id"])
        elif scope == "aggregate":
            bad = fn(ctx)
            per = KEYED_AGGREGATES.get(rule_id[rule_id.index("-") + 1:])
            if per is None:
                # one verdict on the whole operation
                cov[0] += 1
                cov[2 if bad else 1] += 1
            else:
                # a finding per offending record: each record of that entity passes or fails once
                n = {"expenditure": len(ctx.expenditures), "participant": len(ctx.participants),
                     "employment": sum(len(p["employments"]) for p in ctx.participants)}[per]
                cov[0] += n
                cov[1] += n - len(bad)
                cov[2] += len(bad)
            for key in bad:
                findings[(rule_id, key)] += 1
        else:
            raise AssertionError(scope)
    return findings, coverage


RULE_IDS = {
    "esf-2014-2020": ["ESF-CF-001", "ESF-CF-002", "ESF-CF-003", "ESF-CF-004", "ESF-CF-005",
                      "ESF-EL-001", "ESF-EL-002", "ESF-EL-003", "ESF-EL-004", "ESF-EL-005",
                      "ESF-PD-001", "ESF-PD-002", "ESF-PD-003", "ESF-PD-006", "ESF-PD-004",
                      "ESF-PD-005", "ESF-REF-001", "ESF-REF-002", "ESF-REF-003"],
    "ucne-delavnice": ["UD-TG-001", "UD-TG-002", "UD-TG-003", "UD-TG-004", "UD-TR-001", "UD-TR-002",
                       "UD-TR-003", "UD-TR-004", "UD-TR-005", "UD-TR-006", "UD-TR-007", "UD-EM-001",
                       "UD-EM-002", "UD-EM-003", "UD-EM-004", "UD-EM-005", "UD-EM-007", "UD-IND-001",
                       "UD-IND-002", "UD-IND-003", "UD-CL-001", "UD-CL-002", "UD-CL-003", "UD-FU-001"],
}
assert sorted(r[0] for r in RULES) == sorted(sum(RULE_IDS.values(), [])), "every rule of both packs is implemented once"

# The rule ids of the 2021–2027 packs (`esfcheck rules list --pack esf-2021-2027 --pack ucne-delavnice-plus`).
RULE_IDS_2021 = {
    "esf-2021-2027": ["ESF21-CF-001", "ESF21-CF-002", "ESF21-CF-003", "ESF21-CF-004", "ESF21-CF-005",
                      "ESF21-EL-001", "ESF21-EL-002", "ESF21-EL-003", "ESF21-EL-004", "ESF21-EL-005",
                      "ESF21-PD-001", "ESF21-PD-002", "ESF21-PD-003", "ESF21-PD-004", "ESF21-PD-005",
                      "ESF21-PD-006", "ESF21-REF-001", "ESF21-REF-002", "ESF21-REF-003"],
    "ucne-delavnice-plus": ["UDP-CL-001", "UDP-CL-002", "UDP-CL-003", "UDP-EM-001", "UDP-EM-002", "UDP-EM-004",
                            "UDP-EM-005", "UDP-EM-007", "UDP-FU-001", "UDP-IND-001", "UDP-IND-002", "UDP-IND-003",
                            "UDP-TG-001", "UDP-TG-002", "UDP-TG-003", "UDP-TG-004", "UDP-TR-001", "UDP-TR-002",
                            "UDP-TR-003", "UDP-TR-004", "UDP-TR-005", "UDP-TR-006", "UDP-TR-007"],
}
RULES_2021 = rules_for(dict(period="2021-2027", scheme="ucne-delavnice-plus"))[1]
assert sorted(r[0] for r in RULES_2021) == sorted(sum(RULE_IDS_2021.values(), [])), "every rule of the 2021–2027 packs once"

# Rules graded by the report type (RULES.md: "review (final) / warning (interim)": a missed
# target is for a person to judge at the end, a warning along the way; a missing report_type
# gets the final severity).
GRADED = {"UD-IND-001", "UD-IND-002", "UD-IND-003", "UDP-IND-001", "UDP-IND-002", "UDP-IND-003"}
SEVERITY_OF_RULE = {r[0]: r[1] for r in RULES + RULES_2021}


def severity_of(rule_id, op):
    """The severity of a finding of `rule_id` in the operation `op`, as RULES.md grades it."""
    if rule_id in GRADED:
        return "warning" if op["report_type"] == "interim" else "review"
    return SEVERITY_OF_RULE[rule_id]


def verdict_of(severities):
    """SPEC §2 with the default --fail-on error: reject (exit 1) on a fatal or error finding,
    else review (exit 0) on a review finding, else accept (exit 0)."""
    severities = set(severities)
    if severities & {"fatal", "error"}:
        return "reject"
    return "review" if "review" in severities else "accept"


# ---------------------------------------------------------------------------
# Indicator values (RULES.md, "Indicator values"), re-implemented
# ---------------------------------------------------------------------------
#
# Shares are exact fractions. "Participants" are distinct participant ids; the four shares over the
# participants (ltu, basic education, over 50, over 55) count participant records, numerator and
# denominator alike, as the packs define them today (issue 9 item 1 changes that definition to
# distinct ids: change it here and in the packs together, then regenerate).

INDICATOR_OLDER_AGE = 50


def indicators(model):
    """{indicator id: value} of the packs esf-2014-2020 and ucne-delavnice: int counts, Decimal
    amounts, fractions.Fraction shares (None when the denominator is 0).

    A participant is a distinct participant id, with the fields of its first record in file
    order (a repeated id counts once); the follow-up of a participant id is its first follow-up
    record. Employments and expenditure lines each count. Shares of participants divide by the
    participant count."""
    from fractions import Fraction
    first = {}
    follow_up = {}
    for p in model["participants"]:
        pid = p["record"]["id"]
        first.setdefault(pid, p["record"])
        if p["follow_up"] is not None:
            follow_up.setdefault(pid, p["follow_up"])
    ps = list(first.values())
    n = len(ps)
    xs = model["expenditures"]
    count = lambda pred: sum(1 for r in ps if pred(r))

    def share(num, den):
        return Fraction(num) / Fraction(den) if den else None

    def sum_of(field):
        return sum((x[field] for x in xs if x[field] is not None), Decimal("0.00"))

    employed = {p["record"]["id"] for p in model["participants"] if p["employments"]}
    fus = list(follow_up.values())
    d30 = [f["employed_day30"] for f in fus if f["employed_day30"] is not None]
    m12 = [f["employed_month12"] for f in fus if f["employed_month12"] is not None]
    old = lambda r, age: r["birth_date"] is not None and r["entry_date"] is not None and age_at(r["birth_date"], r["entry_date"]) > age
    eu, national = sum_of("eu"), sum_of("national")
    return {
        "participants": n,
        "participants_east": count(lambda r: r["region"] == "EAST"),
        "participants_west": count(lambda r: r["region"] == "WEST"),
        "participants_region_not_recorded": count(lambda r: r["region"] is None),
        "participants_women": count(lambda r: r["gender"] == "F"),
        "participants_men": count(lambda r: r["gender"] == "M"),
        "participants_other_gender": count(lambda r: r["gender"] == "X"),
        "participants_gender_not_recorded": count(lambda r: r["gender"] is None),
        "eligible_claimed": sum_of("eligible"),
        "eu_claimed": eu,
        "national_claimed": national,
        "eu_share": share(eu, eu + national) if eu + national else None,
        "ltu_share": share(count(lambda r: ltu(r) is True), n),
        "basic_education_share": share(count(lambda r: basic_education(r) is True), n),
        "over_50_share": share(count(lambda r: old(r, INDICATOR_OLDER_AGE)), n),
        "over_55_share": share(count(lambda r: old(r, PARAMS_2014["over_age"])), n),
        "subsidised_employments": sum(len(p["employments"]) for p in model["participants"]),
        "employment_rate": share(len(employed), n),
        "employed_day30": share(sum(1 for v in d30 if v), len(d30)),
        "employed_month12": share(sum(1 for v in m12 if v), len(m12)),
    }


def indicators_tsv(model):
    """expected-indicators.tsv: id and exact value (a share as numerator/denominator, an amount
    with two decimals, a count; `-` when it cannot be computed), sorted by id."""
    from fractions import Fraction
    rows = []
    for k, v in sorted(indicators(model).items()):
        if v is None:
            text = "-"
        elif isinstance(v, Fraction):
            text = "%d/%d" % (v.numerator, v.denominator)
        else:
            text = str(v)
        rows.append("%s\t%s\n" % (k, text))
    return "indicator\tvalue\n" + "".join(rows)


def coverage_tsv(coverage):
    """expected-coverage.tsv: per rule (in pack order) evaluated (every record looked at, so
    evaluated = passed + failed + not applicable), passed, failed, not applicable."""
    return "rule_id\tevaluated\tpassed\tfailed\tnot_applicable\n" + "".join(
        "%s\t%d\t%d\t%d\t%d\n" % (rid, *cov) for rid, cov in coverage.items())


# ---------------------------------------------------------------------------
# Writing a scenario folder and checking it
# ---------------------------------------------------------------------------

def write_scenario(folder, model, expected, readme_text):
    """export.xml, csv/ (7 files), expected-findings.tsv and README.md of one scenario."""
    write_file(os.path.join(folder, "export.xml"), write_xml(model))
    for name, text in write_csv(model).items():
        write_file(os.path.join(folder, "csv", name), text)
    write_file(os.path.join(folder, "expected-findings.tsv"), expected_tsv(expected, model["operation"]))
    write_file(os.path.join(folder, "README.md"), readme_text)


def read_expected(folder, op):
    """The Counter of (rule id, record key) lines of a folder's expected-findings.tsv; each line's
    severity must be the one the oracle gives the finding in the operation `op`."""
    with open(os.path.join(folder, "expected-findings.tsv"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0] == "rule_id\trecord_key\tseverity", "expected-findings.tsv header"
    rows = [l.split("\t") for l in lines[1:]]
    assert all(len(r) == 3 for r in rows), "three columns"
    assert rows == sorted(rows, key=lambda r: (r[0].encode("utf-8"), r[1].encode("utf-8"))), "sorted"
    for r, k, sev in rows:
        assert sev == severity_of(r, op), "severity of %s %s: %s in the file, %s by the oracle" % (r, k, sev, severity_of(r, op))
    return collections.Counter((r, k) for r, k, _ in rows)


def check_scenario(folder, model, expected, verbose=False, label=None):
    """Read both forms back, compare them with the model, run the rules on each and compare the
    findings with `expected` and with the folder's expected-findings.tsv. Returns the findings."""
    expected = collections.Counter(expected)
    from_xml = read_xml(os.path.join(folder, "export.xml"))
    from_csv = read_csv_bundle(os.path.join(folder, "csv"))
    assert from_xml == model, "export.xml does not read back as the generated data"
    assert from_csv == model, "the CSV bundle does not read back as the generated data"
    assert read_expected(folder, model["operation"]) == expected, "expected-findings.tsv differs from the planted findings"

    # Sanity of the generated identifiers (EMŠOs with a planted ESF-PD-002 finding excepted).
    for pr in model["providers"]:
        assert tax_number_valid(pr["tax_number"]) and registration_number_valid(pr["registration_number"])
    for p in model["participants"]:
        r = p["record"]
        if r["emso"] is not None and not {("ESF-PD-002", r["id"]), ("ESF21-PD-002", r["id"])} & set(expected):
            assert emso_valid(r["emso"]) and emso_date(r["emso"]) == r["birth_date"], r["id"]

    found, coverage = run_rules(from_xml)
    found_csv, _ = run_rules(from_csv)
    assert found == found_csv
    label = label or os.path.relpath(folder, FIXTURES)
    if verbose:
        print("  %-11s %9s %6s %6s %6s" % ("rule", "evaluated", "passed", "failed", "n/a"))
        for rid in coverage:  # in rule order
            ev, ok, bad, na = coverage[rid]
            print("  %-11s %9d %6d %6d %6d" % (rid, ev, ok, bad, na))
        for rk in sorted(found.elements()):
            print("  finding %s %s" % rk)
    if found != expected:
        print("  MISSING: %s" % sorted((expected - found).elements()), file=sys.stderr)
        print("  UNEXPECTED: %s" % sorted((found - expected).elements()), file=sys.stderr)
        raise SystemExit("self-check failed for %s" % label)
    return found
