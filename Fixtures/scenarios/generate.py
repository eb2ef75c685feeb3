#!/usr/bin/env python3
"""Generate one fixture scenario per rule family (Python 3 standard library only).

    python3 Fixtures/scenarios/generate.py            # regenerate
    python3 Fixtures/scenarios/generate.py --check    # compare with the files on disk (CI)

writes, deterministically (re-running reproduces byte-identical files), one folder
per rule family under `Fixtures/scenarios/`:

    co-financing       ESF-CF-001..005
    eligibility        ESF-EL-001..005, ESF-REF-003
    participant-data   ESF-PD-001..006, ESF-REF-001, ESF-REF-002
    target-group       UD-TG-001..004
    training           UD-TR-001..007, UD-CL-001
    employment         UD-EM-001..005, UD-EM-007, UD-CL-002, UD-CL-003
    indicators         UD-IND-001..003 (an interim report: severity warning)
    follow-up          UD-FU-001
    plus-2021-2027     the provisional 2021–2027 packs esf-2021-2027 and ucne-delavnice-plus:
                       ESF21-CF-002, UDP-TR-001, UDP-TR-004, UDP-EM-002, UDP-EM-007 (its own
                       Učne delavnice plus operation, not the clean 2014–2020 one)
    plus-2021-2027-rules  the same operation (final report): every other rule of those packs,
                       so that each of their 42 rules is violated at least once

Each starts from the clean operation of `Fixtures/clean/` (built by the same code,
`Fixtures/lib/esfdata.py`), adds a few participants where the family needs them,
and plants at least one violation of every rule of its family, next to boundary
cases that must pass. Each folder gets `export.xml`, `csv/`, `expected-findings.tsv`,
`expected-indicators.tsv` (the oracle's indicator values) and `README.md`. After writing, the script reads both forms back and runs the
shared Python re-implementation of every rule of both packs over them; it fails
unless the findings are exactly the planted ones (and no rule of another family
fires). `check-all.sh` runs the real binary over every scenario.
"""

import collections
import copy
import datetime
import os
import sys

sys.dont_write_bytecode = True  # the Fixtures folder is bundled as a resource: no __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))

import esfdata as ed  # noqa: E402
from esfdata import D, ONE_DAY, CENT, Decimal, E, P, add_months, period_end, months_between  # noqa: E402

DAYS = datetime.timedelta

FAMILIES = {
    "co-financing": ["ESF-CF-001", "ESF-CF-002", "ESF-CF-003", "ESF-CF-004", "ESF-CF-005"],
    "eligibility": ["ESF-EL-001", "ESF-EL-002", "ESF-EL-003", "ESF-EL-004", "ESF-EL-005", "ESF-REF-003"],
    "participant-data": ["ESF-PD-001", "ESF-PD-002", "ESF-PD-003", "ESF-PD-004", "ESF-PD-005", "ESF-PD-006",
                         "ESF-REF-001", "ESF-REF-002"],
    "target-group": ["UD-TG-001", "UD-TG-002", "UD-TG-003", "UD-TG-004"],
    "training": ["UD-TR-001", "UD-TR-002", "UD-TR-003", "UD-TR-004", "UD-TR-005", "UD-TR-006", "UD-TR-007",
                 "UD-CL-001"],
    "employment": ["UD-EM-001", "UD-EM-002", "UD-EM-003", "UD-EM-004", "UD-EM-005", "UD-EM-007", "UD-CL-002",
                   "UD-CL-003"],
    "indicators": ["UD-IND-001", "UD-IND-002", "UD-IND-003"],
    "follow-up": ["UD-FU-001"],
    "plus-2021-2027": ["ESF21-CF-002", "UDP-TR-001", "UDP-TR-004", "UDP-EM-002", "UDP-EM-007"],
    "plus-2021-2027-rules": ["ESF21-CF-001", "ESF21-CF-003", "ESF21-CF-004", "ESF21-CF-005",
                             "ESF21-EL-001", "ESF21-EL-002", "ESF21-EL-003", "ESF21-EL-004", "ESF21-EL-005",
                             "ESF21-PD-001", "ESF21-PD-002", "ESF21-PD-003", "ESF21-PD-004", "ESF21-PD-005",
                             "ESF21-PD-006", "ESF21-REF-001", "ESF21-REF-002", "ESF21-REF-003",
                             "UDP-TG-001", "UDP-TG-002", "UDP-TG-003", "UDP-TG-004",
                             "UDP-TR-002", "UDP-TR-003", "UDP-TR-005", "UDP-TR-006", "UDP-TR-007",
                             "UDP-EM-001", "UDP-EM-004", "UDP-EM-005", "UDP-FU-001",
                             "UDP-IND-001", "UDP-IND-002", "UDP-IND-003", "UDP-CL-001", "UDP-CL-002", "UDP-CL-003"],
}
SEVERITY = {r[0]: r[1] for r in ed.RULES + ed.RULES_2021}
TARGET_RULES = {"UD-IND-001", "UD-IND-002", "UD-IND-003", "UDP-IND-001", "UDP-IND-002", "UDP-IND-003"}


# ---------------------------------------------------------------------------
# A scenario: the clean operation plus extra participants, then planted changes
# ---------------------------------------------------------------------------

class Scenario:
    def __init__(self, family, title, extra_specs=(), operation=None, model=None):
        self.family, self.title = family, title
        if model is None:
            clean = [s for s in ed.PARTICIPANTS if s["n"] in ed.CLEAN_PICK]
            # entry order: by training start (the clean picks are already in that order)
            specs = sorted(clean + list(extra_specs), key=lambda s: (s["start"], s["n"]))
            self.n_extra = len(extra_specs)
            self.model, _, _, _ = ed.build(family, specs=specs, operation=operation)
        else:
            self.n_extra = 0  # a model of its own, not the clean operation
            self.model = model
        self.op = self.model["operation"]
        self.intro = None  # README: what the scenario starts from (default: the clean operation)
        self.rules_label = "Rules of this family"
        self.expected = collections.Counter()
        self.plants = []   # (rule, key, what is wrong, boundary tested)
        self.passes = []   # (rules, keys, case)
        self.notes = []
        self.fixed_targets = False
        self.fixed_totals = False

    # --- lookups -----------------------------------------------------------

    def people(self, name):
        found = [p for p in self.model["participants"] if p["record"]["name"] == name]
        assert found, name
        return found

    def person(self, name):
        found = self.people(name)
        assert len(found) == 1, name
        return found[0]

    def pid(self, name):
        return self.person(name)["record"]["id"]

    def tkey(self, name):
        return self.pid(name) + "/training"

    def lines(self, pid, category=None):
        return [x for x in self.model["expenditures"]
                if x["participant_id"] == pid and (category is None or x["category"] == category)]

    def line(self, pid, category):
        found = self.lines(pid, category)
        assert len(found) == 1, (pid, category)
        return found[0]

    def line_by_invoice(self, invoice):
        found = [x for x in self.model["expenditures"] if x["invoice_number"] == invoice]
        assert len(found) == 1, invoice
        return found[0]

    # --- changes -------------------------------------------------------------

    def resplit(self, x):
        x["eu"], x["national"] = ed.split(x["eligible"], self.op["eu_rate"])

    def add_line(self, category, incurred_on, paid_on, eligible, participant_id=None, invoice_number=None,
                 vat=Decimal("0.00"), vat_recoverable=False, id=None):
        xs = self.model["expenditures"]
        next_id = "X-%06d" % (1 + max(int(l["id"][2:]) for l in xs))
        x = ed.record(ed.EXPENDITURE_FIELDS, id=id or next_id, category=category,
                      participant_id=participant_id, incurred_on=incurred_on, paid_on=paid_on,
                      eligible=Decimal(eligible), vat=vat, vat_recoverable=vat_recoverable,
                      invoice_number=invoice_number)
        self.resplit(x)
        xs.append(x)
        return x

    def drop_lines(self, pid, category):
        before = len(self.model["expenditures"])
        self.model["expenditures"] = [x for x in self.model["expenditures"]
                                      if not (x["participant_id"] == pid and x["category"] == category)]
        assert len(self.model["expenditures"]) < before

    def employment_claim(self, p, e, paid_by=None):
        """Re-derive the subsidy line of employment e from its (changed) dates and subsidy."""
        x = self.line_by_invoice("ZZ-" + e["id"])
        c = ed.employment_claim(p["record"]["id"], e)
        x.update(incurred_on=c["incurred_on"], paid_on=c["paid_on"], eligible=c["eligible"])
        if paid_by is not None:
            x["paid_on"] = min(x["paid_on"], paid_by)
        self.resplit(x)
        return x

    def add_employment(self, p, suffix, employer, start, hours=40):
        e = ed.record(ed.EMPLOYMENT_FIELDS, id=p["record"]["id"] + suffix, employer_id=employer, start=start,
                      end=period_end(start, 6), weekly_hours=hours, disabled_part_time=False,
                      monthly_subsidy=ed.round2(ed.FULL_TIME_SUBSIDY * min(hours, 40) / 40))
        p["employments"].append(e)
        c = ed.employment_claim(p["record"]["id"], e)
        self.add_line(c["category"], c["incurred_on"], c["paid_on"], c["eligible"], c["participant_id"],
                      c["invoice_number"])
        return e

    def extra_participant(self, after_id, name, gender, birth, emso, klasius, isced, criteria, rus, entry,
                          exit_date, pid=None):
        """A participant record without nested records, inserted after the record `after_id`
        (or at the end), with the id `pid` (or the next free one)."""
        ps = self.model["participants"]
        pid = pid or "UD-%06d" % (len({p["record"]["id"] for p in ps}) + 1)
        rec = ed.record(ed.PARTICIPANT_FIELDS, id=pid, emso=emso, name=name, birth_date=D(birth), gender=gender,
                        region="EAST", education_klasius=klasius, education_isced=isced,
                        labour_status="unemployed", registered_unemployed_since=D(rus), entry_date=entry,
                        exit_date=exit_date, criteria=tuple(criteria.split()))
        at = len(ps) if after_id is None else 1 + max(i for i, p in enumerate(ps) if p["record"]["id"] == after_id)
        ps.insert(at, dict(record=rec, training=None, employments=[], follow_up=None))
        return rec

    # --- documentation -------------------------------------------------------

    def plant(self, rule, key, what, boundary=""):
        self.expected[(rule, key)] += 1
        self.plants.append((rule, key, what, boundary))

    def passes_(self, rules, keys, case):
        self.passes.append((rules, keys if isinstance(keys, list) else [keys], case))

    def note(self, text):
        self.notes.append(text)

    # --- finishing -----------------------------------------------------------

    def finish(self):
        m = self.model
        ids = {p["record"]["id"] for p in m["participants"]}
        if not self.fixed_targets:
            self.op["target_participants"] = len(ids)
        claimed = sum(x["eligible"] for x in m["expenditures"])
        if not self.fixed_totals:
            assert claimed <= self.op["total_eligible"]
        planted_rules = {r for r, _ in self.expected}
        own = set(FAMILIES[self.family])
        assert own <= planted_rules, ("every rule of the family has a finding", own - planted_rules)
        # nothing outside the family, except the findings documented as unavoidable
        self.stats = dict(
            participants=len(m["participants"]), ids=len(ids), extra=self.n_extra,
            trainings=sum(1 for p in m["participants"] if p["training"]),
            employments=sum(len(p["employments"]) for p in m["participants"]),
            employed=len({p["record"]["id"] for p in m["participants"] if p["employments"]}),
            follow_ups=sum(1 for p in m["participants"] if p["follow_up"]),
            lines=len(m["expenditures"]), claimed=claimed)
        return self


def new_emso(birth, serial):
    return ed.make_emso(D(birth) if isinstance(birth, str) else birth, serial)


def emso_check_10(birth):
    """An EMŠO whose check value is 10 (never issued; fails unless emso_check_10_valid)."""
    for serial in range(900, 1000):
        first12 = "%02d%02d%03d50%03d" % (birth.day, birth.month, birth.year % 1000, serial)
        if ed.emso_check_value(first12) == 10:
            return first12 + "0"
    raise AssertionError("no serial with check value 10")


# ---------------------------------------------------------------------------
# co-financing: ESF-CF-001..005
# ---------------------------------------------------------------------------

def co_financing():
    s = Scenario("co-financing", "Co-financing: the EU rate, the operation's totals and the split of each line",
                 operation=dict(eu_rate=Decimal("0.85")))
    op = s.op
    rate = op["eu_rate"]
    s.plant("ESF-CF-002", op["id"], "`eu_rate` is 0.85, above `max_eu_rate` 0.80 (every expenditure line is split at 0.85, the operation's own rate, so ESF-CF-004 fails only where planted)",
            "0.80 itself passes: every other scenario")

    # ESF-CF-004: the split of each line, at the operation's rate 0.85
    x = s.line(s.pid("Boštjan Novak"), "unit_cost_training")
    good = ed.round2(x["eligible"] * rate)
    x["eu"], x["national"] = good + 2 * CENT, x["eligible"] - good - 2 * CENT
    s.plant("ESF-CF-004", x["id"], "training line: eligible %s, `eu` %s is 0.02 above round(%s × 0.85, 2) = %s; `national` %s keeps the sum exact" % (
        x["eligible"], x["eu"], x["eligible"], good, x["national"]), "EU share off by 0.02 fails")
    x = [l for l in s.model["expenditures"] if l["invoice_number"] == "PL-2019" and l["category"] == "staff"][0]
    x["national"] += 2 * CENT
    s.plant("ESF-CF-004", x["id"], "staff line: `eu` %s is right, `national` %s makes `eu` + `national` = %s, 0.02 above `eligible` %s" % (
        x["eu"], x["national"], x["eu"] + x["national"], x["eligible"]), "sum off by 0.02 fails")
    x = [l for l in s.model["expenditures"] if l["invoice_number"] == "PL-2020" and l["category"] == "indirect"][0]
    x["national"] += CENT
    s.passes_(["ESF-CF-004"], x["id"], "indirect line: `eu` + `national` = %s, 0.01 above `eligible` %s: passes (tolerance inclusive)" % (x["eu"] + x["national"], x["eligible"]))
    x = [l for l in s.model["expenditures"] if l["invoice_number"] == "PL-2022" and l["category"] == "staff"][0]
    s.passes_(["ESF-CF-004"], x["id"], "staff line: `eu` %s is 0.01 above round(%s × 0.85, 2) = %s, `national` = eligible − eu: passes" % (x["eu"], x["eligible"], ed.round2(x["eligible"] * rate)))
    x = s.line(s.pid("Mojca Žagar"), "employment_subsidy")
    x["eu"] -= CENT
    x["national"] += CENT
    s.passes_(["ESF-CF-004"], x["id"], "subsidy line: `eu` %s is 0.01 below round(%s × 0.85, 2), `national` %s: passes" % (x["eu"], x["eligible"], x["national"]))

    # operation totals
    claimed = sum(l["eligible"] for l in s.model["expenditures"])
    total = claimed - 2 * CENT
    eu_ok = ed.round2(total * rate)
    op["total_eligible"] = total
    op["eu_contribution"] = eu_ok + 2 * CENT
    op["national_contribution"] = total - eu_ok
    s.fixed_totals = True
    s.plant("ESF-CF-001", op["id"], "`eu_contribution` %s is 0.02 above round(%s × 0.85, 2) = %s" % (op["eu_contribution"], total, eu_ok),
            "off by 0.02 fails (0.01 passes: scenario `eligibility`)")
    s.plant("ESF-CF-003", op["id"], "`eu_contribution` %s + `national_contribution` %s = %s, 0.02 above `total_eligible` %s" % (
        op["eu_contribution"], op["national_contribution"], op["eu_contribution"] + op["national_contribution"], total),
        "off by 0.02 fails (0.01 passes: scenario `eligibility`)")
    s.plant("ESF-CF-005", op["id"], "the %d expenditure lines claim %s eligible, 0.02 above `total_eligible` %s (their EU share round(%s × 0.85, 2) = %s stays within `eu_contribution` + 0.01)" % (
        len(s.model["expenditures"]), claimed, total, claimed, ed.round2(claimed * rate)),
        "claims 0.02 above the total fail (0.01 above passes: scenario `eligibility`)")
    s.note("One operation per export: ESF-CF-001, -002, -003 and -005 can give one finding each here, so their "
           "passing side at the tolerance is in scenario `eligibility` (an operation whose `eu_contribution` is 0.01 "
           "above the rate's share, whose EU + national is 0.01 above the total, and whose claims are 0.01 above the "
           "total), and `eu_rate` 0.80 passes ESF-CF-002 in every other scenario.")
    s.note("`total_eligible` is set to the sum of the claims minus 0.02, so the approved budget is exactly what "
           "ESF-CF-005 measures against.")
    return s.finish()


# ---------------------------------------------------------------------------
# eligibility: ESF-EL-001..005, ESF-REF-003
# ---------------------------------------------------------------------------

def eligibility():
    s = Scenario("eligibility", "Eligibility of expenditure: dates, VAT, double claims, the participant referred to")
    # ESF-EL-001
    x = s.add_line("staff", D("2013-12-30"), D("2014-01-10"), "1846.20", invoice_number="PL-2013-12")
    s.plant("ESF-EL-001", x["id"], "preparatory staff cost incurred 2013-12-30, paid 2014-01-10: incurred before `eligible_from` 2014-01-01", "incurred two days before the window fails")
    x = s.add_line("other", D("2022-09-15"), None, "480.00", invoice_number="2022-0915")
    s.plant("ESF-EL-001", x["id"], "`paid_on` missing (incurred 2022-09-15)", "missing fails; ESF-EL-002 and ESF-EL-005 are not applicable to it")
    x = s.add_line("staff", D("2014-01-01"), D("2014-01-15"), "1210.40", invoice_number="PL-2014-01")
    s.passes_(["ESF-EL-001"], x["id"], "incurred exactly on `eligible_from` 2014-01-01: passes (window closed at both ends)")
    # ESF-EL-002
    x = s.add_line("other", D("2021-03-15"), D("2021-03-10"), "615.00", invoice_number="2021-0310")
    s.plant("ESF-EL-002", x["id"], "paid 2021-03-10, five days before it was incurred 2021-03-15 (an advance)", "paid before incurred fails")
    x = s.add_line("other", D("2021-05-20"), D("2021-05-20"), "212.50", invoice_number="2021-0520")
    s.passes_(["ESF-EL-002"], x["id"], "paid on the day it was incurred: passes")
    # ESF-EL-003
    x = s.add_line("other", D("2020-10-05"), D("2020-10-19"), "122.00", invoice_number="2020-1005",
                   vat=Decimal("22.00"), vat_recoverable=True)
    s.plant("ESF-EL-003", x["id"], "`vat_recoverable` true and `vat` 22.00 included in `eligible` 122.00", "")
    x = s.add_line("other", D("2020-11-09"), D("2020-11-20"), "244.00", invoice_number="2020-1109",
                   vat=Decimal("44.00"), vat_recoverable=False)
    s.passes_(["ESF-EL-003"], x["id"], "`vat` 44.00 with `vat_recoverable` false: VAT that cannot be recovered is eligible")
    x = s.add_line("other", D("2020-12-01"), D("2020-12-10"), "61.00", invoice_number="2020-1201",
                   vat=Decimal("11.00"), vat_recoverable=None)
    s.passes_(["ESF-EL-003"], x["id"], "`vat` 11.00 with `vat_recoverable` missing: a missing boolean counts as false, passes")
    s.passes_(["ESF-EL-003"], s.line_by_invoice("2019-0312")["id"], "`vat_recoverable` true with `vat` 0.00: passes")
    # ESF-EL-004
    first = s.add_line("other", D("2021-06-14"), D("2021-06-28"), "95.00", invoice_number="2021-0614")
    dup_id = first["id"]
    s.add_line("other", D("2021-07-12"), D("2021-07-26"), "140.00", invoice_number="2021-0712", id=dup_id)
    s.add_line("other", D("2021-08-09"), D("2021-08-23"), "75.00", invoice_number="2021-0809", id=dup_id)
    s.plant("ESF-EL-004", dup_id, "three lines with id %s (three different invoices): second occurrence" % dup_id, "a duplicate is reported once per occurrence after the first")
    s.plant("ESF-EL-004", dup_id, "three lines with id %s: third occurrence" % dup_id, "… so three occurrences give two findings")
    orig = s.line_by_invoice("2019-0312")
    x = s.add_line("other", D("2019-03-15"), D("2019-03-29"), "1250.00", invoice_number="2019-0312",
                   vat_recoverable=True)
    s.plant("ESF-EL-004", x["id"], "the publicity invoice 2019-0312 (`other`, no participant) of %s claimed again under a new id" % orig["id"],
            "a missing `participant_id` equals another missing one")
    a = s.line(s.pid("Boštjan Novak"), "unit_cost_training")
    b = s.line(s.pid("Vesna Zupančič"), "unit_cost_training")
    b["invoice_number"] = a["invoice_number"]
    s.passes_(["ESF-EL-004"], [a["id"], b["id"]], "one collective invoice %s of provider P002 for two trainees: same invoice and category, different `participant_id`: not a duplicate" % a["invoice_number"])
    # ESF-EL-005
    x = s.add_line("staff", D("2023-06-30"), D("2023-06-30"), "2110.35", invoice_number="PL-2023-06")
    s.passes_(["ESF-EL-005"], x["id"], "June 2023 payroll incurred and paid on the report date 2023-06-30: passes")
    x = s.add_line("other", D("2023-06-30"), D("2023-07-05"), "86.40", invoice_number="2023-0630")
    s.plant("ESF-EL-005", x["id"], "incurred on the report date 2023-06-30 but paid 2023-07-05, after it", "paid after the report date fails")
    # ESF-REF-003
    x = s.add_line("other", D("2022-03-14"), D("2022-03-25"), "38.60", participant_id="UD-000099", invoice_number="PN-2022-03")
    s.plant("ESF-REF-003", x["id"], "travel reimbursement (`other`) for participant UD-000099, who is not in the export", "")
    pid = s.pid("Nataša Kranjc")
    x = s.add_line("other", D("2019-10-14"), D("2019-10-25"), "42.20", participant_id=pid, invoice_number="PN-2019-10")
    s.passes_(["ESF-REF-003"], x["id"], "travel reimbursement for participant %s, who exists: passes" % pid)

    # the operation-level tolerance boundaries of ESF-CF-001, -003, -005 (they fail in scenario co-financing)
    op = s.op
    claimed = sum(l["eligible"] for l in s.model["expenditures"])
    total = claimed - CENT
    eu_ok = ed.round2(total * op["eu_rate"])
    op["total_eligible"], op["eu_contribution"], op["national_contribution"] = total, eu_ok + CENT, total - eu_ok
    s.fixed_totals = True
    s.passes_(["ESF-CF-001", "ESF-CF-003", "ESF-CF-005"], op["id"],
              "the operation at the tolerance: claims %s are 0.01 above `total_eligible` %s; `eu_contribution` %s is 0.01 above round(%s × 0.80, 2) = %s; EU + national = %s, 0.01 above the total: all pass" % (
                  claimed, total, op["eu_contribution"], total, eu_ok, op["eu_contribution"] + op["national_contribution"]))
    return s.finish()


# ---------------------------------------------------------------------------
# participant-data: ESF-PD-001..006, ESF-REF-001, ESF-REF-002
# ---------------------------------------------------------------------------

def participant_data():
    extra = [
        # 14 at entry: turns 15 the day after
        P(41, "Nik Hribar", "M", "2006-09-02", "EAST", "11001", 1, "roma", "2021-03-01", "2021-09-01", "P001"),
        # 15 on the day of entry
        P(42, "Lana Kralj", "F", "2006-10-04", "EAST", "11001", 1, "roma", "2021-04-06", "2021-10-04", "P002"),
        # the same person as Boštjan Novak, entered again in 2022 under a new id
        P(43, "Boštjan Novak", "M", "1978-02-28", "EAST", "15001", 3, "ltu24", "2017-04-15", "2022-03-01", "P005"),
    ]
    s = Scenario("participant-data", "Participant data: completeness, EMŠO, uniqueness, dates, education, references", extra)
    # ESF-PD-001
    p = s.person("Maja Mlakar")["record"]
    p["education_klasius"] = p["education_isced"] = None
    s.plant("ESF-PD-001", p["id"], "neither `education_isced` nor `education_klasius`", "missing fails")
    p = s.person("Robert Hočevar")["record"]
    p["gender"] = p["region"] = None
    s.plant("ESF-PD-001", p["id"], "`gender` missing (and `region`, which no rule requires: the indicators count him under region not recorded)", "missing fails")
    s.passes_(["ESF-PD-001", "ESF-PD-005"], s.pid("Vesna Zupančič"), "`education_klasius` missing, `education_isced` 2: complete (one of the two suffices); ESF-PD-005 not applicable")
    # ESF-PD-002
    p = s.person("Nataša Kranjc")["record"]
    good = p["emso"]
    p["emso"] = good[:12] + str((int(good[12]) + 1) % 10)
    s.plant("ESF-PD-002", p["id"], "EMŠO check digit %s, the right one is %s (the date part equals `birth_date`)" % (p["emso"][12], good[12]), "")
    p = s.person("Marjeta Šinkovec")["record"]
    p["emso"] = emso_check_10(p["birth_date"])
    s.plant("ESF-PD-002", p["id"], "EMŠO whose check value is 10 (written as check digit 0): never issued", "`emso_check_10_valid` false")
    p = s.person("Simona Žnidaršič")["record"]
    p["emso"] = new_emso(p["birth_date"] + DAYS(days=10), 611)
    s.plant("ESF-PD-002", p["id"], "a valid EMŠO of 19 September 1982, `birth_date` 1982-09-09", "the date must equal `birth_date`")
    s.passes_(["ESF-PD-002"], s.pid("Urška Božič"), "born 2000-08-11: EMŠO year digits 000 read as 2000")
    # ESF-PD-004
    p = s.person("Nik Hribar")["record"]
    s.plant("ESF-PD-004", p["id"], "born 2006-09-02, entered 2021-09-01: 14 at entry (turns 15 the next day)", "`min_age` 15 inclusive")
    s.passes_(["ESF-PD-004"], s.pid("Lana Kralj"), "born 2006-10-04, entered 2021-10-04: exactly 15 at entry, passes")
    p = s.person("Urška Božič")["record"]
    p["exit_date"] = p["entry_date"] - ONE_DAY
    s.plant("ESF-PD-004", p["id"], "`exit_date` %s, the day before `entry_date` %s" % (p["exit_date"], p["entry_date"]), "exit one day before entry fails")
    # ESF-PD-005
    p = s.person("Tanja Jerše")["record"]
    p["education_isced"] = 4
    s.plant("ESF-PD-005", p["id"], "ISCED 4 (band 3-4) with KLASIUS 12001 (band 0-2)", "")
    # ESF-PD-006: the same EMŠO on three participants
    first, second = s.people("Boštjan Novak")
    second["record"]["emso"] = first["record"]["emso"]
    s.plant("ESF-PD-006", second["record"]["id"], "Boštjan Novak (%s) entered again in 2022 under a new id, with his training" % first["record"]["id"],
            "one finding per participant whose EMŠO appeared earlier")
    third = s.extra_participant(None, "Boštjan Novak", "M", "1978-02-28", first["record"]["emso"], "15001", 3, "ltu24",
                                "2017-04-15", D("2023-02-01"), D("2023-02-01"))
    s.plant("ESF-PD-006", third["id"], "… and a third time in 2023 (no training, withdrew on the day of entry)", "… so three records give two findings")
    # ESF-PD-003: two other persons keyed in under the id of Vesna Zupančič (no EMŠO, no nested records)
    v = s.person("Vesna Zupančič")
    vid, entry = v["record"]["id"], v["record"]["entry_date"]
    s.extra_participant(s.pid("Matjaž Kovač"), "Katarina Mlinar", "F", "1975-05-30", None, "11002", 1, "basic_education",
                        "2018-03-12", entry, entry, pid=vid)
    s.extra_participant(None, "Drago Pavlin", "M", "1963-11-11", None, "12001", 2, "basic_education ltu24",
                        "2016-06-06", entry, entry, pid=vid)
    s.plant("ESF-PD-003", vid, "a second person (Katarina Mlinar) keyed in under the id of Vesna Zupančič", "one finding per occurrence after the first")
    s.plant("ESF-PD-003", vid, "a third person (Drago Pavlin) under the same id", "… so three records give two findings")
    s.passes_(["ESF-PD-002", "ESF-PD-006"], vid + " (2nd, 3rd)", "no EMŠO: ESF-PD-002 not applicable, and two missing EMŠOs are not the same person")
    s.passes_(["ESF-PD-004"], vid + " (2nd, 3rd)", "`exit_date` equal to `entry_date` (withdrew on the day of entry): passes")
    s.note("The two records that share the id of %s have no training, employment, follow-up or expenditure and "
           "entered on the same day as she did, so whichever record an implementation joins her training and her "
           "unit-cost line to, UD-TR-005, UD-CL-001, UD-CL-002 and UD-CL-003 find nothing. In the CSV bundle her "
           "training row carries the shared id." % vid)
    # ESF-REF-001, ESF-REF-002
    e = s.person("Tjaša Čeh")["employments"][0]
    e["employer_id"] = "P099"
    s.plant("ESF-REF-001", e["id"], "`employer_id` P099 is not among the providers", "")
    p = s.person("Matjaž Kovač")
    p["training"]["provider_id"] = "P077"
    s.plant("ESF-REF-002", s.tkey("Matjaž Kovač"), "training `provider_id` P077 is not among the providers", "")
    s.plant("UD-TR-003", s.tkey("Matjaž Kovač"), "the same unknown provider P077: its status and registration cannot be shown",
            "unavoidable: RULES.md says an unknown provider fails UD-TR-003 too")
    return s.finish()


# ---------------------------------------------------------------------------
# target-group: UD-TG-001..004
# ---------------------------------------------------------------------------

def target_group():
    extra = [
        # exactly 55 at entry, no criterion declared, no other criterion holds
        P(41, "Ivan Rupnik", "M", "1966-03-01", "EAST", "14001", 3, "", "2020-09-14", "2021-03-01", "P001"),
        # exactly 55 at entry, over55 declared (ltu24 holds)
        P(42, "Anton Majcen", "M", "1966-05-03", "WEST", "14001", 3, "over55 ltu24", "2018-02-05", "2021-05-03", "P003"),
        # 56th birthday on the day of entry, over55 declared and nothing else
        P(43, "Milena Bregar", "F", "1965-06-01", "EAST", "14001", 3, "over55", "2020-11-09", "2021-06-01", "P002"),
        # registered one day short of 24 months, nothing declared
        P(44, "Gregor Zorko", "M", "1981-04-12", "EAST", "15001", 3, "", "2019-09-02", "2021-09-01", "P004"),
        # ltu24 declared one day short of 24 months (basic education holds)
        P(45, "Sonja Ribič", "F", "1979-01-20", "EAST", "12001", 2, "ltu24 basic_education", "2019-10-05", "2021-10-04", "P005"),
        # basic_education declared with upper-secondary KLASIUS (ltu24 holds)
        P(46, "Peter Gorenc", "M", "1972-07-15", "WEST", "15001", 3, "basic_education ltu24", "2018-05-07", "2022-01-10", "P001"),
        # first_job_6m declared, registered one day short of 6 months
        P(47, "Klemen Zadnik", "M", "1999-03-03", "EAST", "14001", 3, "first_job_6m", "2021-08-02", "2022-02-01", "P002"),
    ]
    s = Scenario("target-group", "Target group: registered unemployment, the criteria, the previous employer", extra)
    # UD-TG-001
    p = s.person("Maja Mlakar")["record"]
    p["labour_status"] = "inactive"
    s.plant("UD-TG-001", p["id"], "`labour_status` inactive at entry", "")
    p = s.person("Simona Žnidaršič")["record"]
    p["registered_unemployed_since"] = p["entry_date"] + ONE_DAY
    s.plant("UD-TG-001", p["id"], "registered unemployed %s, the day after entry %s" % (p["registered_unemployed_since"], p["entry_date"]), "one day after entry fails")
    p = s.person("Mojca Žagar")["record"]
    p["registered_unemployed_since"] = None
    s.plant("UD-TG-001", p["id"], "`registered_unemployed_since` missing (criterion `disability` needs no date)", "missing fails")
    p = s.person("Tjaša Čeh")["record"]
    p["registered_unemployed_since"] = p["entry_date"]
    s.passes_(["UD-TG-001"], p["id"], "registered unemployed on the day of entry %s: passes" % p["entry_date"])
    # UD-TG-002
    s.plant("UD-TG-002", s.pid("Ivan Rupnik"), "exactly 55 at entry (born 1966-03-01, entered 2021-03-01), KLASIUS 14001, registered unemployed since 2020-09-14, nothing declared", "55 is not over 55")
    s.plant("UD-TG-002", s.pid("Gregor Zorko"), "registered 2019-09-02, one day short of 24 months before entry 2021-09-01; KLASIUS 15001, 40 years old, nothing declared", "LTU one day short fails")
    s.passes_(["UD-TG-002", "UD-TG-003"], s.pid("Boštjan Novak"), "`ltu24`: registered exactly 24 months before entry: passes")
    s.passes_(["UD-TG-002", "UD-TG-003"], s.pid("Vesna Zupančič"), "`basic_education` with KLASIUS missing and ISCED 2 (the ISCED fallback): passes")
    # UD-TG-003
    s.plant("UD-TG-003", s.pid("Anton Majcen"), "`over55` declared, exactly 55 at entry (born 1966-05-03, entered 2021-05-03)", "age exactly 55 is not over 55")
    s.passes_(["UD-TG-002", "UD-TG-003"], s.pid("Milena Bregar"), "`over55` declared, 56th birthday on the day of entry 2021-06-01: passes (and is her only criterion)")
    s.plant("UD-TG-003", s.pid("Sonja Ribič"), "`ltu24` declared, registered 2019-10-05, one day short of 24 months before entry 2021-10-04", "one day short fails")
    s.plant("UD-TG-003", s.pid("Peter Gorenc"), "`basic_education` declared, KLASIUS 15001 (upper secondary)", "KLASIUS takes precedence over ISCED")
    s.plant("UD-TG-003", s.pid("Klemen Zadnik"), "`first_job_6m` declared, registered 2021-08-02, one day short of 6 months before entry 2022-02-01", "one day short fails")
    p = s.person("Vesna Zupančič")["record"]
    p["criteria"] = p["criteria"] + ("after_prison",)
    p["registered_unemployed_since"] = add_months(p["entry_date"], -6)
    s.passes_(["UD-TG-003"], p["id"], "`after_prison` declared, registered %s, exactly 6 months before entry %s: passes" % (p["registered_unemployed_since"], p["entry_date"]))
    # UD-TG-004
    p = s.person("Nataša Kranjc")
    e = p["employments"][0]
    p["record"]["previous_employer_id"] = e["employer_id"]
    p["record"]["previous_employment_end"] = add_months(e["start"], -12)
    s.plant("UD-TG-004", e["id"], "previously employed by the employer %s until %s, exactly 12 months before the start %s" % (
        e["employer_id"], p["record"]["previous_employment_end"], e["start"]), "exactly 12 months before fails (inclusive)")
    p = s.person("Matjaž Kovač")
    e = p["employments"][0]
    p["record"]["previous_employer_id"] = e["employer_id"]
    p["record"]["previous_employment_end"] = D("2020-06-30")
    s.plant("UD-TG-004", e["id"], "previously employed by %s until 2020-06-30, 8 months before the start %s" % (e["employer_id"], e["start"]), "")
    s.passes_(["UD-TG-004"], s.person("Marjeta Šinkovec")["employments"][0]["id"], "previously employed by the same employer until 2019-12-31, the day before add_months(start 2021-01-01, −12): passes")
    p = s.person("Robert Hočevar")
    p["record"]["previous_employer_id"], p["record"]["previous_employment_end"] = "P005", D("2022-05-31")
    s.passes_(["UD-TG-004"], p["employments"][0]["id"], "previously employed until 2022-05-31 by P005, another provider than the employer P002: passes")
    return s.finish()


# ---------------------------------------------------------------------------
# training: UD-TR-001..007, UD-CL-001
# ---------------------------------------------------------------------------

def training():
    extra = [
        # starts before the operation (2019-01-01)
        P(41, "Rudi Kokalj", "M", "1976-04-22", "EAST", "14001", 3, "ltu24", "2016-03-14", "2018-12-03", "P003"),
        # P006 registered 2018-03-01: one day short of 12 months before this start
        P(42, "Aljaž Pintar", "M", "1990-05-17", "EAST", "13001", 3, "addiction", "2018-06-11", "2019-02-28", "P006"),
        # 2019-09-01 + 6 months ends 2020-02-29
        P(43, "Igor Mavrič", "M", "1971-11-05", "WEST", "14001", 3, "ltu24", "2016-10-03", "2019-09-01", "P001"),
        # from 29 February: ends 2020-08-28
        P(44, "Leon Vidic", "M", "1984-12-09", "EAST", "11002", 1, "basic_education", "2019-05-20", "2020-02-29", "P005"),
        P(45, "Eva Kastelic", "F", "1992-03-26", "EAST", "12001", 2, "roma", "2019-08-05", "2020-02-29", "P004"),
        # ends on the operation's end
        P(46, "Tina Oblak", "F", "1987-07-14", "EAST", "14001", 3, "reactivated", "2022-09-12", "2023-01-01", "P001"),
        # ends after the operation's end
        P(47, "Lara Kunej", "F", "1996-01-28", "WEST", "14001", 3, "first_job_6m", "2022-05-16", "2023-01-09", "P002"),
        # end not recorded
        P(48, "Jan Kotnik", "M", "1983-10-02", "EAST", "13001", 3, "after_prison", "2022-06-27", "2023-02-06", "P005"),
    ]
    s = Scenario("training", "Training: duration, amount, provider, mentoring, dates, claims", extra)
    m = s.model
    m["providers"].append(ed.record(ed.PROVIDER_FIELDS, id="P007", name="Gradbeništvo Kovač d.o.o.",
                                    tax_number=ed.make_tax_number("7734105"),
                                    registration_number=ed.make_registration_number("588214"),
                                    status="other", registered_on=D("2009-04-01"), region="EAST"))

    def retime_training_line(name, end):
        x = s.line(s.pid(name), "unit_cost_training")
        x["incurred_on"], x["paid_on"] = end, end + DAYS(days=12)
        return x

    # UD-TR-001
    t = s.person("Eva Kastelic")["training"]
    t["end"] = t["end"] + ONE_DAY
    retime_training_line("Eva Kastelic", t["end"])
    s.plant("UD-TR-001", s.tkey("Eva Kastelic"), "from 2020-02-29 to 2020-08-29, one day after period_end(2020-02-29, 6) = 2020-08-28", "29 February start: one day late fails")
    s.passes_(["UD-TR-001", "UD-TR-006"], s.tkey("Leon Vidic"), "from 2020-02-29 to 2020-08-28 (six months from 29 February): passes")
    s.passes_(["UD-TR-001", "UD-TR-006"], s.tkey("Igor Mavrič"), "from 2019-09-01 to 2020-02-29 (leap year): passes")
    s.passes_(["UD-TR-001", "UD-TR-006"], s.tkey("Nataša Kranjc"), "from 2019-08-31 to 2020-02-29 (31 August start, no 31 February: last day of the month): passes")
    s.passes_(["UD-TR-001", "UD-TR-006"], s.tkey("Matjaž Kovač"), "from 2020-08-31 to 2021-02-28 (31 August start, not a leap year): passes")
    p = s.person("Boštjan Novak")
    t = p["training"]
    t["months"], t["end"], t["amount"] = 7, period_end(t["start"], 7), ed.UNIT_COST * 7
    x = retime_training_line("Boštjan Novak", t["end"])
    x["eligible"] = t["amount"]
    s.resplit(x)
    p["record"]["exit_date"] = t["end"]
    s.plant("UD-TR-001", s.tkey("Boštjan Novak"), "a seven-month training: `months` 7, %s – %s, amount 3920.00 (delivered and claimed in full)" % (t["start"], t["end"]), "`months` above `training_months` fails")
    # UD-TR-002
    t = s.person("Vesna Zupančič")["training"]
    t["amount"] = Decimal("3360.02")
    s.plant("UD-TR-002", s.tkey("Vesna Zupančič"), "`amount` 3360.02 for 6 months at 560.00 (3360.00); the claim is 3360.00", "off by 0.02 fails")
    t = s.person("Maja Mlakar")["training"]
    t["amount"] = Decimal("3360.01")
    s.passes_(["UD-TR-002"], s.tkey("Maja Mlakar"), "`amount` 3360.01 for 6 months: off by 0.01, passes")
    # UD-TR-003
    s.person("Robert Hočevar")["training"]["provider_id"] = "P007"
    s.plant("UD-TR-003", s.tkey("Robert Hočevar"), "provider P007 has status `other` (a construction company, registered 2009)", "")
    s.plant("UD-TR-003", s.tkey("Aljaž Pintar"), "provider P006 registered 2018-03-01, training from 2019-02-28: add_months(start, −12) = 2018-02-28 is before the registration", "one day short of 12 months fails")
    s.passes_(["UD-TR-003"], s.tkey("Mojca Žagar"), "provider P006 registered 2018-03-01, exactly 12 months before the start 2019-03-01: passes")
    # UD-TR-004
    s.person("Marjeta Šinkovec")["training"]["internal_mentor_hours_per_month"] = 59
    s.plant("UD-TR-004", s.tkey("Marjeta Šinkovec"), "internal mentor 59 h/month", "one hour below 60 fails")
    s.person("Simona Žnidaršič")["training"]["external_mentor_hours"] = None
    s.plant("UD-TR-004", s.tkey("Simona Žnidaršič"), "external mentor hours missing", "missing fails")
    s.passes_(["UD-TR-004"], s.tkey("Maja Mlakar"), "exactly the minimum: 60 h/month internal, 12 h external: passes")
    # UD-TR-005
    p = s.person("Tanja Jerše")
    p["record"]["entry_date"] = p["training"]["start"] + ONE_DAY
    s.plant("UD-TR-005", s.tkey("Tanja Jerše"), "training from %s, the day before the entry date %s" % (p["training"]["start"], p["record"]["entry_date"]), "one day early fails")
    s.passes_(["UD-TR-005"], s.tkey("Vesna Zupančič"), "training starting 14 days after entry; every other training starts on the entry day: passes")
    # UD-TR-006
    t = s.person("Urška Božič")["training"]
    t["end"] = t["end"] - ONE_DAY
    retime_training_line("Urška Božič", t["end"])
    s.plant("UD-TR-006", s.tkey("Urška Božič"), "`months` 6 declared for %s – %s: months_between(start, end + 1 day) = %d" % (
        t["start"], t["end"], months_between(t["start"], t["end"] + ONE_DAY)), "one day short of six months fails")
    # UD-TR-007
    s.plant("UD-TR-007", s.tkey("Rudi Kokalj"), "training from 2018-12-03, before the operation's start 2019-01-01", "")
    p = s.person("Lara Kunej")
    s.drop_lines(p["record"]["id"], "unit_cost_training")
    p["record"]["exit_date"] = None
    s.plant("UD-TR-007", s.tkey("Lara Kunej"), "training %s – %s ends after the operation's end 2023-06-30 (not yet claimed)" % (p["training"]["start"], p["training"]["end"]), "")
    p = s.person("Jan Kotnik")
    p["training"]["end"] = None
    s.drop_lines(p["record"]["id"], "unit_cost_training")
    p["record"]["exit_date"] = None
    s.plant("UD-TR-007", s.tkey("Jan Kotnik"), "training from 2023-02-06, `end` missing (not yet claimed); UD-TR-001 and UD-TR-006 are not applicable", "missing fails")
    x = s.line(s.pid("Tina Oblak"), "unit_cost_training")
    x["paid_on"] = s.op["report_date"]
    s.passes_(["UD-TR-007"], s.tkey("Tina Oblak"), "training 2023-01-01 – 2023-06-30 ends on the operation's end (claimed and paid on 2023-06-30): passes")
    # UD-CL-001
    pid = s.pid("Mojca Žagar")
    s.add_line("unit_cost_training", D("2019-08-31"), D("2019-09-12"), "560.00", participant_id=pid, invoice_number="P006/2019/017")
    s.plant("UD-CL-001", s.tkey("Mojca Žagar"), "a second unit-cost line of 560.00 (a seventh month) on top of 3360.00: 3920.00 claimed, the training allows 3360.00", "")
    x = s.line(s.pid("Matjaž Kovač"), "unit_cost_training")
    x["eligible"] = Decimal("3360.01")
    s.resplit(x)
    s.passes_(["UD-CL-001"], s.tkey("Matjaž Kovač"), "3360.01 claimed for a training of 3360.00: within the tolerance, passes")
    s.passes_(["UD-CL-001"], [s.tkey("Lara Kunej"), s.tkey("Jan Kotnik")], "nothing claimed yet: passes")
    return s.finish()


# ---------------------------------------------------------------------------
# employment: UD-EM-001..005, UD-EM-007, UD-CL-002, UD-CL-003
# ---------------------------------------------------------------------------

def employment():
    extra = [
        # training ends 2020-02-28; employment from 29 February, extended
        P(41, "Borut Kranjec", "M", "1980-06-18", "EAST", "14001", 3, "ltu24", "2016-11-21", "2019-08-29", "P002", E("P002", extended=True), fu=(True, True)),
        # training from 29 February; employment from 2020-08-29 ends 2021-02-28
        P(42, "Sabina Cvetko", "F", "1986-09-30", "EAST", "13001", 3, "addiction", "2019-04-08", "2020-02-29", "P005", E("P005"), fu=(True, True)),
        P(43, "Urban Smrekar", "M", "1985-04-04", "WEST", "14001", 3, "after_prison", "2020-05-11", "2021-02-01", "P003", E("P003"), fu=(True, True)),
        P(44, "Darko Kern", "M", "1977-12-12", "EAST", "14001", 3, "ltu24", "2018-01-15", "2021-06-01", "P001", E("P001"), fu=(True, False)),
        P(45, "Zoran Kos", "M", "1974-08-23", "EAST", "14001", 3, "ltu24", "2017-05-22", "2021-09-01", "P004", E("P004", hours=20, disabled_part_time=True), fu=(True, False)),
        P(46, "Tilen Žibert", "M", "1988-01-19", "EAST", "13001", 3, "disability", "2020-02-03", "2021-11-02", "P002", E("P002"), fu=(True, False)),
        P(47, "Vid Lesjak", "M", "1991-10-10", "EAST", "11001", 1, "roma", "2021-03-01", "2022-01-03", "P005", E("P005", extended=True)),
        P(48, "Metka Rozman", "F", "1983-02-07", "WEST", "12001", 2, "basic_education", "2021-10-04", "2022-07-01", "P003", E("P003")),
        P(49, "Ajda Pogačar", "F", "1995-05-05", "EAST", "14001", 3, "first_job_6m", "2022-01-10", "2022-09-01", "P001", E("P001")),
    ]
    s = Scenario("employment", "Subsidised employment: after the training, six months, extension, hours and subsidy, overlaps, claims", extra)
    rd = s.op["report_date"]

    def emp(name, i=0):
        return s.person(name), s.person(name)["employments"][i]

    # UD-EM-001
    p, e = emp("Robert Hočevar")
    p["training"] = None
    s.drop_lines(p["record"]["id"], "unit_cost_training")
    s.plant("UD-EM-001", e["id"], "a subsidised employment of a participant without a training", "a missing training fails")
    p, e = emp("Urška Božič")
    e["start"] = p["training"]["end"]
    e["end"] = period_end(e["start"], 6)
    s.employment_claim(p, e)
    s.plant("UD-EM-001", e["id"], "starts %s, the training's last day" % e["start"], "start = training end fails (must be after)")
    s.passes_(["UD-EM-001"], "every other employment", "starts the day after the training ends: passes")
    # UD-EM-002
    p, e = emp("Marjeta Šinkovec")
    e["end"] = e["end"] - ONE_DAY
    s.employment_claim(p, e)
    s.plant("UD-EM-002", e["id"], "%s – %s: one day before period_end(%s, 6) = %s (5 months claimed)" % (e["start"], e["end"], e["start"], e["end"] + ONE_DAY), "one day early fails")
    p, e = emp("Nataša Kranjc")
    e["end"] = e["end"] + ONE_DAY
    s.employment_claim(p, e)
    s.plant("UD-EM-002", e["id"], "%s – %s: one day after period_end(%s, 6) = %s" % (e["start"], e["end"], e["start"], e["end"] - ONE_DAY), "one day late fails")
    s.passes_(["UD-EM-002"], s.person("Metka Rozman")["employments"][0]["id"], "2023-01-01 – 2023-06-30, exactly period_end(2023-01-01, 6): passes (as does every employment not listed above)")
    s.passes_(["UD-EM-002", "UD-EM-003"], s.person("Borut Kranjec")["employments"][0]["id"], "from 29 February 2020 to 2020-08-28; extension from 2020-08-29 (end + 1 day) to 2021-02-28 (no 29 February 2021): passes")
    s.passes_(["UD-EM-002"], s.person("Sabina Cvetko")["employments"][0]["id"], "2020-08-29 – 2021-02-28 (no 29 February 2021: last day of the month): passes")
    # UD-EM-003
    p, e = emp("Mojca Žagar")
    e["extension_start"] = e["end"] + DAYS(days=2)
    e["extension_end"] = period_end(e["extension_start"], 6)
    s.employment_claim(p, e)
    s.plant("UD-EM-003", e["id"], "subsidised period ends %s, the extension starts %s (end + 2 days) and runs to %s" % (e["end"], e["extension_start"], e["extension_end"]), "end + 2 days fails (end + 1 passes)")
    p, e = emp("Tjaša Čeh")
    e["extension_end"] = e["extension_end"] + ONE_DAY
    s.employment_claim(p, e)
    s.plant("UD-EM-003", e["id"], "extension %s – %s: one day after period_end(%s, 6) = %s" % (e["extension_start"], e["extension_end"], e["extension_start"], e["extension_end"] - ONE_DAY), "one day too long fails")
    p, e = emp("Matjaž Kovač")
    e["extension_start"] = None
    s.plant("UD-EM-003", e["id"], "`extension_end` %s without `extension_start`" % e["extension_end"], "an extension date without the other fails (docs/architecture.md: UD-EM-003 applies when either is present, then needs both)")
    # UD-EM-004
    p, e = emp("Tanja Jerše")
    e["weekly_hours"], e["monthly_subsidy"] = 35, Decimal("647.50")
    s.employment_claim(p, e)
    s.plant("UD-EM-004", e["id"], "35 h/week (subsidy 647.50, pro rata): below 36 h", "one hour below the minimum fails")
    p, e = emp("Darko Kern")
    e["monthly_subsidy"] = Decimal("740.02")
    s.employment_claim(p, e)
    s.plant("UD-EM-004", e["id"], "40 h/week, `monthly_subsidy` 740.02", "off by 0.02 fails")
    p, e = emp("Metka Rozman")
    e["monthly_subsidy"] = Decimal("740.01")
    x = s.employment_claim(p, e, paid_by=rd)
    s.passes_(["UD-EM-004"], e["id"], "40 h/week, `monthly_subsidy` 740.01: off by 0.01, passes")
    s.plant("UD-EM-004", s.person("Zoran Kos")["employments"][0]["id"], "`disabled_part_time` with 20 h/week (subsidy 370.00), but `disability` is not among his criteria (`ltu24`)", "")
    s.passes_(["UD-EM-004"], s.person("Simona Žnidaršič")["employments"][0]["id"], "`disabled_part_time` 20 h/week with `disability` declared, subsidy 370.00: passes")
    s.passes_(["UD-EM-004"], s.person("Urška Božič")["employments"][0]["id"], "36 h/week, subsidy 666.00: passes")
    # UD-EM-005
    p, e = emp("Simona Žnidaršič")
    e2 = s.add_employment(p, "-E2", "P001", D("2022-01-10"))
    s.plant("UD-EM-005", e2["id"], "second subsidised employment %s – %s while the first (%s – %s) runs" % (e2["start"], e2["end"], e["start"], e["end"]), "")
    p, e = emp("Borut Kranjec")
    e2 = s.add_employment(p, "-E2", "P004", e["extension_end"])
    s.plant("UD-EM-005", e2["id"], "second employment from %s, the last day of the first's extension" % e2["start"], "closed intervals, `extension_end ?? end`: one shared day fails")
    p, e = emp("Sabina Cvetko")
    e2 = s.add_employment(p, "-E2", "P001", e["end"] + ONE_DAY)
    s.passes_(["UD-EM-005"], e2["id"], "second employment from %s, the day after the first ends: passes" % e2["start"])
    # UD-EM-007
    p, e = emp("Vid Lesjak")
    x = s.line_by_invoice("ZZ-" + e["id"])
    x["incurred_on"] = x["paid_on"] = rd
    x["eligible"] = e["monthly_subsidy"] * months_between(e["start"], rd + ONE_DAY)
    s.resplit(x)
    s.plant("UD-EM-007", e["id"], "extension %s – %s ends after the operation's end 2023-06-30 (the months to the report date are claimed)" % (e["extension_start"], e["extension_end"]), "`extension_end ?? end`")
    p, e = emp("Ajda Pogačar")
    x = s.line_by_invoice("ZZ-" + e["id"])
    x["incurred_on"] = x["paid_on"] = rd
    x["eligible"] = e["monthly_subsidy"] * months_between(e["start"], rd + ONE_DAY)
    s.resplit(x)
    s.plant("UD-EM-007", e["id"], "subsidised %s – %s ends after the operation's end (4 months claimed to the report date)" % (e["start"], e["end"]), "")
    p, e = emp("Tilen Žibert")
    e["end"] = None
    s.drop_lines(p["record"]["id"], "employment_subsidy")
    s.plant("UD-EM-007", e["id"], "`end` missing (nothing claimed); UD-EM-002 and UD-FU-001 are not applicable", "missing fails")
    s.passes_(["UD-EM-007"], s.person("Metka Rozman")["employments"][0]["id"], "2023-01-01 – 2023-06-30 ends on the operation's end: passes")
    # UD-CL-002
    p, e = emp("Sabina Cvetko", 1)
    s.add_line("employment_subsidy", D("2021-08-31"), D("2021-09-10"), "740.00", participant_id=p["record"]["id"], invoice_number="ZZ-%s-X" % e["id"])
    s.plant("UD-CL-002", p["record"]["id"], "two employments allow 2 × 6 × 740.00 = 8880.00; 9620.00 claimed (a month claimed twice)", "")
    p, e = emp("Metka Rozman")
    x = s.line_by_invoice("ZZ-" + e["id"])
    x["eligible"] += CENT
    s.resplit(x)
    s.passes_(["UD-CL-002"], p["record"]["id"], "%s claimed, the employment allows 6 × 740.01 = 4440.06: within the tolerance, passes" % x["eligible"])
    # UD-CL-003
    p = s.person("Vesna Zupančič")
    x = s.line(p["record"]["id"], "unit_cost_training")
    x["incurred_on"] = p["training"]["end"] + ONE_DAY
    s.plant("UD-CL-003", x["id"], "training unit cost incurred %s, the day after the training ended" % x["incurred_on"], "one day after fails")
    x = s.add_line("employment_subsidy", D("2021-06-30"), D("2021-07-10"), "740.00", invoice_number="ZZ-2021-06")
    s.plant("UD-CL-003", x["id"], "a subsidy line without `participant_id` (ESF-REF-003 is not applicable to it)", "missing fails")
    p, e = emp("Urban Smrekar")
    x = s.line_by_invoice("ZZ-" + e["id"])
    x["incurred_on"] = e["start"] - ONE_DAY
    s.plant("UD-CL-003", x["id"], "subsidy line dated %s, the day before the employment starts" % x["incurred_on"], "one day before fails")
    s.passes_(["UD-CL-003"], "every training and subsidy line of the clean operation", "incurred on the last day of the training or of the (extended) employment: passes")
    return s.finish()


# ---------------------------------------------------------------------------
# indicators: UD-IND-001..003
# ---------------------------------------------------------------------------

def indicators():
    s = Scenario("indicators", "Indicators: the operation's targets, in an interim report",
                 operation=dict(report_type="interim"))
    p = s.person("Nataša Kranjc")
    e = p["employments"][0]
    e2 = s.add_employment(p, "-E2", "P003", e["end"] + ONE_DAY)
    m = s.model
    ids = {q["record"]["id"] for q in m["participants"]}
    employed = {q["record"]["id"] for q in m["participants"] if q["employments"]}
    n_emp = sum(len(q["employments"]) for q in m["participants"])
    op = s.op
    op["target_participants"] = len(ids) + 1
    op["target_employment_rate"] = Decimal("0.80")
    op["target_subsidised_employments"] = n_emp + 1
    s.fixed_targets = True
    s.plant("UD-IND-001", op["id"], "%d distinct participants, `target_participants` %d (severity warning: `report_type` interim)" % (len(ids), op["target_participants"]), "one short fails")
    s.plant("UD-IND-002", op["id"], "%d of %d participants employed, below 0.80 × %d = %s" % (
        len(employed), len(ids), len(ids), Decimal("0.80") * len(ids)),
        "participants are counted once: %s has two employments, so %d employments would have met the rate" % (p["record"]["id"], n_emp))
    s.plant("UD-IND-003", op["id"], "%d subsidised employments, `target_subsidised_employments` %d" % (n_emp, op["target_subsidised_employments"]), "one short fails")
    s.passes_(["UD-EM-005"], e2["id"], "second employment of %s from %s, the day after the first ends: no overlap" % (p["record"]["id"], e2["start"]))
    s.note("Every other scenario (and `Fixtures/clean`) meets `target_participants` exactly (= the number of distinct "
           "ids): that is the passing side of UD-IND-001. Its `report_type` is `final`, so the severity there would be "
           "`review`; here it is `warning`.")
    return s.finish()


# ---------------------------------------------------------------------------
# follow-up: UD-FU-001
# ---------------------------------------------------------------------------

def follow_up():
    extra = [
        # subsidised employment ends 2023-06-01: day 30 falls after the report date
        P(41, "Sara Lipovšek", "F", "1990-03-15", "EAST", "11001", 1, "roma", "2021-11-08", "2022-06-02", "P001", E("P001")),
        # subsidised period ends 2022-12-31, its extension 2023-06-30
        P(42, "Gorazd Vrhovnik", "M", "1970-09-09", "EAST", "14001", 3, "ltu24", "2019-06-03", "2022-01-01", "P004", E("P004", extended=True)),
    ]
    s = Scenario("follow-up", "Follow-up: the day-30 status once it is due", extra)
    rd = s.op["report_date"]
    p = s.person("Robert Hočevar")
    p["follow_up"] = None
    e = p["employments"][0]
    s.plant("UD-FU-001", e["id"], "subsidised employment ended %s; day 30 is the report date %s and no follow-up is recorded" % (e["end"], rd), "due on the report date itself fails")
    p = s.person("Marjeta Šinkovec")
    p["follow_up"]["employed_day30"] = None
    e = p["employments"][0]
    s.plant("UD-FU-001", e["id"], "employment ended %s; the follow-up records `employed_month12` but not `employed_day30`" % e["end"], "a follow-up without the day-30 status fails")
    p = s.person("Sara Lipovšek")
    s.passes_(["UD-FU-001"], p["employments"][0]["id"], "ended 2023-06-01: day 30 is 2023-07-01, after the report date; no follow-up, not applicable")
    p = s.person("Gorazd Vrhovnik")
    e = p["employments"][0]
    x = s.line_by_invoice("ZZ-" + e["id"])
    x["paid_on"] = rd
    s.passes_(["UD-FU-001", "UD-EM-007"], e["id"], "subsidised period ended %s (day 30 long past), but its extension ends %s, on the operation's end: the follow-up is due from the extension's end, not applicable" % (e["end"], e["extension_end"]))
    s.passes_(["UD-FU-001"], s.person("Nataša Kranjc")["employments"][0]["id"], "`employed_day30` false is recorded: passes")
    return s.finish()


# ---------------------------------------------------------------------------
# plus-2021-2027: the provisional packs esf-2021-2027 and ucne-delavnice-plus
# ---------------------------------------------------------------------------

PLUS_SPECS = [
    # the training starts on the operation's first day
    P(1, "Lucija Zorman", "F", "1990-04-11", "WEST", "12001", 2, "basic_education", "2022-06-13", "2023-01-01", "P003", E("P003"), fu=(True, True)),
    P(2, "Andrej Pirc", "M", "1968-11-22", "WEST", "14001", 3, "ltu24", "2020-09-14", "2023-03-06", "P004", E("P004"), fu=(True, False)),
    # training 2023-04-30 – 2023-08-29; the subsidised employment starts on 31 August
    dict(P(3, "Helena Vovk", "F", "1979-08-31", "WEST", "13001", 3, "addiction", "2022-11-07", "2023-04-30", "P001", E("P001"), fu=(True, True)),
         emp_start=D("2023-08-31")),
    P(4, "Blaž Kovačević", "M", "2001-02-14", "WEST", "11001", 1, "first_job_6m basic_education", "2022-10-03", "2023-06-05", "P002"),
    P(5, "Nina Bergant", "F", "1985-03-03", "EAST", "14001", 3, "disability", "2022-02-21", "2023-09-04", "P006", E("P006", hours=36), fu=(True, True)),
    # training from 29 October ends 2024-02-28, the employment from 29 February 2024 ends 2025-02-28
    P(6, "Marko Zupan", "M", "1976-06-06", "WEST", "15001", 3, "ltu24", "2021-05-10", "2023-10-29", "P003", E("P003"), fu=(True, True)),
    # training from 31 October ends 2024-02-29 (leap year), the employment from 1 March 2024 ends 2025-02-28
    P(7, "Teja Furlan", "F", "1994-12-24", "WEST", "12001", 2, "basic_education", "2023-02-06", "2023-10-31", "P004", E("P004"), fu=(False, False)),
    P(8, "Rok Medved", "M", "1972-09-17", "WEST", "14001", 3, "ltu24", "2019-04-01", "2024-01-08", "P001"),
    # training 2024-04-30 – 2024-08-29; the subsidised employment starts on 31 August
    dict(P(9, "Klara Jamnik", "F", "1988-07-07", "WEST", "13001", 3, "after_prison", "2023-08-21", "2024-04-30", "P002", E("P002"), fu=(True, True)),
         emp_start=D("2024-08-31")),
    # training from 31 October ends 2025-02-28 (not a leap year)
    P(10, "Sebastjan Debeljak", "M", "1963-05-20", "WEST", "14001", 3, "over55", "2024-03-04", "2024-10-31", "P003", E("P003"), fu=(True, True)),
    P(11, "Eva Kralj", "F", "1997-10-10", "WEST", "15001", 3, "reactivated", "2024-05-13", "2025-01-06", "P004"),
    # the employment ends 2027-05-31: day 30 is the report date, so the follow-up is due
    P(12, "Ivana Petek", "F", "1981-01-29", "EAST", "12001", 2, "basic_education ltu24", "2023-11-06", "2026-02-01", "P005", E("P005"), fu=(True, None)),
    # the employment 2027-01-01 – 2027-12-31 ends on the operation's end (running at the report date)
    P(13, "Luka Rupar", "M", "1999-09-09", "WEST", "14001", 3, "first_job_6m", "2025-12-01", "2026-09-01", "P003", E("P003")),
    # the employment 2027-02-01 – 2028-01-31 runs past the operation's end
    P(14, "Maša Kos", "F", "1992-02-02", "WEST", "11002", 1, "basic_education", "2026-03-02", "2026-10-01", "P004", E("P004")),
]


def plus_2021_2027():
    model = ed.build_plus(PLUS_SPECS, operation=dict(region_category="more_developed"))
    s = Scenario("plus-2021-2027", "Učne delavnice plus, programme period 2021–2027 (provisional packs)", model=model)
    op = s.op
    rd = op["report_date"]
    s.rules_label = ("Rules with planted findings (packs `esf-2021-2027` and `ucne-delavnice-plus`, both "
                     "provisional; every other ESF21-… and UDP-… rule passes or is not applicable)")
    s.intro = (
        "An operation of its own, not the clean 2014–2020 one: `%s` (%s), programme `%s`, period `%s`, fund `%s`, "
        "scheme `%s`, %s – %s, `%s` report of %s. An export with `period` 2021-2027 and `scheme` "
        "ucne-delavnice-plus gets the packs `esf-2021-2027` and `ucne-delavnice-plus`, both marked provisional "
        "(in their pack.yaml and in every report): the 2014–2020 rules under the ids ESF21-… and UDP-… with the "
        "2021–2027 parameters (eligibility 2021-01-01 – 2029-12-31; trainings of at most 4 months at 560.00 a "
        "month; subsidised employments of exactly 12 months, no extension rule), ESF21-CF-002 (a cap per category "
        "of region), ESF21-EL-003 (recoverable VAT ineligible only from EUR 5 million) and UDP-TR-004 (job coach "
        "hours instead of external mentor hours). %d participants, each with a 4-month training and most with a "
        "12-month subsidised employment; then the changes below are planted. Both forms hold the same data: "
        "`export.xml` and `csv/`." % (
            op["id"], op["title"], op["programme"], op["period"], op["fund"], op["scheme"], op["start"], op["end"],
            op["report_type"], rd, len(model["participants"])))

    def training_line(p):
        t = p["training"]
        x = s.line(p["record"]["id"], "unit_cost_training")
        x.update(incurred_on=t["end"], paid_on=t["end"] + DAYS(days=12), eligible=t["amount"])
        s.resplit(x)
        p["record"]["exit_date"] = max([t["end"]] + [e["end"] for e in p["employments"]])
        return x

    def subsidy_line(p, e):
        x = s.line_by_invoice("ZZ-" + e["id"])
        c = ed.employment_claim_plus(p["record"]["id"], e, rd)
        x.update(incurred_on=c["incurred_on"], paid_on=c["paid_on"], eligible=c["eligible"])
        s.resplit(x)
        p["record"]["exit_date"] = max([p["training"]["end"]] + [f["end"] for f in p["employments"]])
        return x

    # ESF21-CF-002 (and the co-financing rules that must still pass)
    s.plant("ESF21-CF-002", op["id"], "`region_category` more_developed with `eu_rate` 0.85: the more-developed cap is 0.40 "
            "(0.85 is the less-developed cap)", "the cap is chosen by `region_category`")
    s.passes_(["ESF21-CF-001", "ESF21-CF-003"], op["id"], "`eu_contribution` %s = round(%s × 0.85, 2), `national_contribution` %s: "
              "the operation's own rate, even above its cap, gives the EU share" % (op["eu_contribution"], op["total_eligible"], op["national_contribution"]))
    s.passes_(["ESF21-CF-004"], "every expenditure line", "split at the operation's rate 0.85: `eu` = round(`eligible` × 0.85, 2), `national` = the rest")
    # ESF21-EL-003 and ESF21-EL-001
    x = s.line_by_invoice(ed.OTHER_PLUS["invoice_number"])
    s.passes_(["ESF21-EL-003"], x["id"], "publicity cost of %s with `vat` %s included and `vat_recoverable` true: not applicable, the "
              "operation has no `total_cost` and its `total_eligible` %s is one cent under EUR 5 million (ESF-EL-003 of 2014–2020 would fail it)" % (
                  x["eligible"], x["vat"], op["total_eligible"]))
    s.passes_(["ESF21-EL-001"], "every line dated 2024 or later", "within the 2021–2029 window (the 2014–2020 window ends 2023-12-31)")

    # UDP-TR-001
    p = s.person("Rok Medved")
    t = p["training"]
    t["months"], t["end"], t["amount"] = 5, period_end(t["start"], 5), ed.UNIT_COST * 5
    training_line(p)
    s.plant("UDP-TR-001", s.tkey("Rok Medved"), "a five-month training (the 2014–2020 length was 6): `months` 5, %s – %s, amount %s, "
            "delivered and claimed in full (UDP-TR-002, UDP-TR-006 and UDP-CL-001 pass)" % (t["start"], t["end"], t["amount"]),
            "`months` above `training_months` 4")
    p = s.person("Eva Kralj")
    t = p["training"]
    t["end"] = t["end"] + ONE_DAY
    training_line(p)
    s.plant("UDP-TR-001", s.tkey("Eva Kralj"), "`months` 4, %s – %s: one day after period_end(%s, 4) = %s" % (
        t["start"], t["end"], t["start"], t["end"] - ONE_DAY), "one day late fails")
    s.passes_(["UDP-TR-001", "UDP-TR-002", "UDP-TR-006"], "every other training", "exactly 4 months, period_end(start, 4), amount 4 × 560.00 = 2240.00: passes")
    for name in ("Marko Zupan", "Teja Furlan", "Sebastjan Debeljak"):
        t = s.person(name)["training"]
        s.passes_(["UDP-TR-001", "UDP-TR-006"], s.tkey(name), "%s – %s: passes" % (t["start"], t["end"]))
    s.passes_(["UDP-TR-007"], s.tkey("Lucija Zorman"), "training from %s, the operation's first day: passes" % op["start"])

    # UDP-TR-004
    t = s.person("Blaž Kovačević")["training"]
    t["job_coach_hours"] = 11
    s.plant("UDP-TR-004", s.tkey("Blaž Kovačević"), "job coach 11 h (internal mentor %d h/month)" % t["internal_mentor_hours_per_month"], "one hour below 12 fails")
    t = s.person("Sebastjan Debeljak")["training"]
    t["job_coach_hours"], t["external_mentor_hours"] = None, 14
    s.plant("UDP-TR-004", s.tkey("Sebastjan Debeljak"), "no job coach hours, only 14 external mentor hours (the 2014–2020 field)", "missing fails; external mentor hours do not count")
    t = s.person("Nina Bergant")["training"]
    t["internal_mentor_hours_per_month"], t["job_coach_hours"] = 60, 12
    s.passes_(["UDP-TR-004"], s.tkey("Nina Bergant"), "exactly the minimum: internal mentor 60 h/month, job coach 12 h: passes")
    s.passes_(["UDP-TR-004"], "every other training", "no `external_mentor_hours` (the 2014–2020 UD-TR-004 would fail them all): not needed")

    # UDP-EM-002
    p = s.person("Andrej Pirc")
    e = p["employments"][0]
    e["end"] = period_end(e["start"], 6)
    subsidy_line(p, e)
    s.plant("UDP-EM-002", e["id"], "a six-month subsidised period %s – %s (the 2014–2020 rule, 6 × 740.00 claimed): period_end(%s, 12) = %s" % (
        e["start"], e["end"], e["start"], period_end(e["start"], 12)), "the old length now fails")
    p = s.person("Klara Jamnik")
    e = p["employments"][0]
    e["end"] = e["end"] + ONE_DAY
    x = subsidy_line(p, e)
    s.plant("UDP-EM-002", e["id"], "%s – %s, the last day of August a year later; period_end(%s, 12) = %s (12 × 740.00 = %s claimed)" % (
        e["start"], e["end"], e["start"], e["end"] - ONE_DAY, x["eligible"]), "31 August + 12 months: one day late fails")
    e = s.person("Helena Vovk")["employments"][0]
    s.passes_(["UDP-EM-002"], e["id"], "%s – %s: a 12-month period from 31 August ends on 30 August (the day before 31 August a year later): passes" % (e["start"], e["end"]))
    for name in ("Marko Zupan", "Teja Furlan"):
        e = s.person(name)["employments"][0]
        s.passes_(["UDP-EM-002"], e["id"], "%s – %s: passes" % (e["start"], e["end"]))
    s.passes_(["UDP-CL-002"], "every employment", "the monthly subsidy × the months delivered by the report date (12 for a finished 12-month period) claimed: within `subsidy_months` 12 + `extension_months` 0, passes")

    # UDP-EM-007
    e = s.person("Maša Kos")["employments"][0]
    x = s.line_by_invoice("ZZ-" + e["id"])
    s.plant("UDP-EM-007", e["id"], "subsidised %s – %s ends after the operation's end %s (%s, %d months, claimed to the report date)" % (
        e["start"], e["end"], op["end"], x["eligible"], months_between(e["start"], rd + ONE_DAY)), "")
    e = s.person("Luka Rupar")["employments"][0]
    s.passes_(["UDP-EM-007"], e["id"], "%s – %s ends on the operation's end: passes" % (e["start"], e["end"]))

    # UDP-FU-001
    e = s.person("Ivana Petek")["employments"][0]
    s.passes_(["UDP-FU-001"], e["id"], "ended %s: day 30 is the report date %s, the follow-up is recorded: passes" % (e["end"], rd))

    s.note("One operation per export: ESF21-CF-002 can give one finding here. Its passing side is the rule's own "
           "examples (`esfcheck verify`) and the same data with `region_category` less_developed, where 0.85 is exactly "
           "the cap (checked with the binary on a temporary copy: the only difference is the ESF21-CF-002 finding).")
    s.note("ESF21-EL-003 gives no finding in an operation under EUR 5 million: this export has no `total_cost`, so "
           "its `total_eligible` (a lower bound of the total cost) decides. Its failing side is in scenario "
           "`plus-2021-2027-rules` (`total_cost` 5,000,000.00) and the rule's examples.")
    s.note("Periods follow RULES.md: period_end(S, N) is the day before the same date N months later, or the last day "
           "of that month when it has no such date. So 2023-08-31 + 12 months ends 2024-08-30 (31 August 2024 exists), "
           "2024-02-29 + 12 months ends 2025-02-28 (no 29 February 2025), as does 2024-03-01 + 12 months; "
           "2023-10-31 + 4 months ends 2024-02-29 and 2024-10-31 + 4 months 2025-02-28.")
    s.note("Helena Vovk's and Klara Jamnik's trainings end on 29 August (no 4-month training from a start date ends "
           "on 30 August), so their employments start on 31 August, one day later than usual; UDP-EM-001 only needs "
           "the employment to start after the training.")
    s.note("Employments still running at the report date claim the months delivered by then, incurred and paid on "
           "the report date; participants who have not left by the report date have no `exit_date`.")
    return s.finish()


# ---------------------------------------------------------------------------
# plus-2021-2027-rules: every other rule of the 2021–2027 packs, violated at least once
# ---------------------------------------------------------------------------

def plus_2021_2027_rules():
    specs = [sp for sp in PLUS_SPECS if sp["n"] != 14]  # Maša Kos's employment runs past the operation (plus-2021-2027)
    model = ed.build_plus(specs, operation=dict(report_type="final"))
    s = Scenario("plus-2021-2027-rules", "Učne delavnice plus: every rule of the 2021–2027 packs not violated in `plus-2021-2027`", model=model)
    op = s.op
    rd = op["report_date"]
    s.rules_label = ("Rules with planted findings (packs `esf-2021-2027` and `ucne-delavnice-plus`, provisional; with "
                     "`plus-2021-2027` every one of their 42 rules is violated at least once)")
    s.intro = (
        "The Učne delavnice plus operation of `plus-2021-2027` (`%s`, %s – %s, region `%s`, EU rate %s), its first "
        "13 participants, and a `final` report of %s (so UDP-IND-001..003 are `review`); one or two changes per rule "
        "are planted, each on its own record where it can be. It exists so that every rule the 2021–2027 packs "
        "inherit from 2014–2020 is violated under the 2021–2027 parameters at least once (RULES.md, \"Packs for "
        "2021–2027\"). Both forms hold the same data: `export.xml` and `csv/`." % (
            op["id"], op["start"], op["end"], op["region_category"], op["eu_rate"], rd))

    def retime_training(p):
        t = p["training"]
        x = s.line(p["record"]["id"], "unit_cost_training")
        x.update(incurred_on=t["end"], paid_on=t["end"] + DAYS(days=12))
        s.resplit(x)
        return x

    def retime_subsidy(p, e):
        x = s.line_by_invoice("ZZ-" + e["id"])
        c = ed.employment_claim_plus(p["record"]["id"], e, rd)
        x.update(incurred_on=c["incurred_on"], paid_on=c["paid_on"], eligible=c["eligible"])
        s.resplit(x)
        return x

    # --- participants: ESF21-PD-*, UDP-TG-*
    p = s.person("Andrej Pirc")["record"]
    p["gender"] = None
    s.plant("ESF21-PD-001", p["id"], "`gender` missing (the other indicator fields are present)", "missing fails")
    lucija = s.person("Lucija Zorman")
    lucija["record"]["education_isced"] = 3
    s.plant("ESF21-PD-005", lucija["record"]["id"], "KLASIUS 12001 (band 0-2) with ISCED 3 (band 3-4)", "")
    seb = s.person("Sebastjan Debeljak")["record"]
    seb["exit_date"] = seb["entry_date"] - ONE_DAY
    s.plant("ESF21-PD-004", seb["id"], "left %s, the day before entry %s" % (seb["exit_date"], seb["entry_date"]), "one day before entry fails")
    x1 = s.extra_participant(None, "Jure Golob", "M", "1970-04-08", None, "14001", 3, "ltu24", "2021-02-01",
                             D("2025-03-03"), None, pid="UDP-000014")
    good = new_emso(x1["birth_date"], 233)
    x1["emso"] = good[:12] + str((int(good[12]) + 1) % 10)
    s.plant("ESF21-PD-002", x1["id"], "an extra participant (no training): EMŠO check digit %s, the right one is %s" % (x1["emso"][12], good[12]), "")
    andrej = s.person("Andrej Pirc")["record"]
    x2 = s.extra_participant(None, "Andrej Pirc", "M", andrej["birth_date"].isoformat(), andrej["emso"], "14001", 3, "ltu24",
                             "2020-09-14", D("2025-04-07"), None, pid="UDP-000015")
    s.plant("ESF21-PD-006", x2["id"], "the same EMŠO as %s (the same person entered again under a new id)" % andrej["id"], "")
    blaz = s.pid("Blaž Kovačević")
    x3 = s.extra_participant(blaz, "Petra Blatnik", "F", "1996-05-17", new_emso("1996-05-17", 744), "11002", 1,
                             "basic_education", "2022-01-10", D("2023-06-05"), None, pid=blaz)
    s.plant("ESF21-PD-003", blaz, "a second, different person keyed in with Blaž Kovačević's id %s (no training, employment or expenditure)" % blaz,
            "the second occurrence is the finding")
    p = s.person("Rok Medved")["record"]
    p["labour_status"] = "employed"
    s.plant("UDP-TG-001", p["id"], "`labour_status` employed at entry", "")
    p = s.person("Eva Kralj")["record"]
    p["criteria"] = None
    s.plant("UDP-TG-002", p["id"], "KLASIUS 15001, 27 at entry, registered since %s (under 24 months), no criterion declared" % p["registered_unemployed_since"], "")
    p = s.person("Ivana Petek")["record"]
    p["registered_unemployed_since"] = D("2024-02-02")
    s.plant("UDP-TG-003", p["id"], "`ltu24` declared, registered 2024-02-02, one day short of 24 months before entry 2026-02-01 (basic education holds, so UDP-TG-002 passes)", "one day short fails")
    klara = s.person("Klara Jamnik")
    e = klara["employments"][0]
    klara["record"]["previous_employer_id"] = e["employer_id"]
    klara["record"]["previous_employment_end"] = add_months(e["start"], -12)
    s.plant("UDP-TG-004", e["id"], "previously employed by the same employer %s until %s, exactly add_months(start %s, −12)" % (
        e["employer_id"], klara["record"]["previous_employment_end"], e["start"]), "the boundary day fails")

    # --- trainings: UDP-TR-*, ESF21-REF-002
    t = s.person("Sebastjan Debeljak")["training"]
    t["amount"] = t["amount"] + ed.UNIT_COST
    s.plant("UDP-TR-002", s.tkey("Sebastjan Debeljak"), "`amount` %s for `months` 4 (4 × 560.00 = 2240.00); the 2240.00 claimed stays within it" % t["amount"], "")
    luka = s.person("Luka Rupar")
    luka["training"]["provider_id"] = "P099"
    s.plant("ESF21-REF-002", s.tkey("Luka Rupar"), "`provider_id` P099 is no provider", "")
    s.plant("UDP-TR-003", s.tkey("Luka Rupar"), "the unknown provider P099 has no status (RULES.md: an unknown provider fails here too)", "")
    nina = s.person("Nina Bergant")
    nina["record"]["entry_date"] = nina["training"]["start"] + ONE_DAY
    s.plant("UDP-TR-005", s.tkey("Nina Bergant"), "training from %s, the day before entry %s" % (nina["training"]["start"], nina["record"]["entry_date"]), "one day early fails")
    rok = s.person("Rok Medved")
    t = rok["training"]
    t["end"] = period_end(t["start"], 3)
    retime_training(rok)
    rok["record"]["exit_date"] = t["end"]
    s.plant("UDP-TR-006", s.tkey("Rok Medved"), "`months` 4 but %s – %s is 3 months (the line is dated on the new end)" % (t["start"], t["end"]), "")
    t = lucija["training"]
    t["start"] = D("2022-12-01")
    t["end"] = period_end(t["start"], 4)
    lucija["record"]["entry_date"] = t["start"]
    retime_training(lucija)
    s.plant("UDP-TR-007", s.tkey("Lucija Zorman"), "training %s – %s starts before the operation's start %s (entry moved with it)" % (t["start"], t["end"], op["start"]), "")

    # --- employments: UDP-EM-*, ESF21-REF-001, UDP-FU-001
    teja = s.person("Teja Furlan")
    e = teja["employments"][0]
    e["start"] = teja["training"]["end"]
    e["end"] = period_end(e["start"], 12)
    retime_subsidy(teja, e)
    s.plant("UDP-EM-001", e["id"], "subsidised from %s, the training's last day (it must start after it); %s + 12 months still ends %s" % (e["start"], e["start"], e["end"]), "the same day fails")
    e = s.people("Andrej Pirc")[0]["employments"][0]
    e["weekly_hours"] = 30
    s.plant("UDP-EM-004", e["id"], "30 hours a week without `disabled_part_time` (at least 36), subsidy still 740.00", "")
    helena = s.person("Helena Vovk")
    e1 = helena["employments"][0]
    start2 = add_months(e1["start"], 6)
    e2 = ed.record(ed.EMPLOYMENT_FIELDS, id=helena["record"]["id"] + "-E2", employer_id="P004", start=start2,
                   end=period_end(start2, 12), weekly_hours=40, disabled_part_time=False, monthly_subsidy=ed.FULL_TIME_SUBSIDY)
    helena["employments"].append(e2)
    s.plant("UDP-EM-005", e2["id"], "a second subsidised employment %s – %s (employer P004) starts while %s (%s – %s) runs; nothing is claimed for it" % (
        e2["start"], e2["end"], e1["id"], e1["start"], e1["end"]), "")
    e = luka["employments"][0]
    e["employer_id"] = "P098"
    s.plant("ESF21-REF-001", e["id"], "`employer_id` P098 is no provider", "")
    marko = s.person("Marko Zupan")
    marko["follow_up"] = None
    e = marko["employments"][0]
    s.plant("UDP-FU-001", e["id"], "ended %s, day 30 long before the report date %s, no follow-up recorded" % (e["end"], rd), "")

    # --- expenditures: ESF21-EL-*, ESF21-CF-004, ESF21-REF-003, UDP-CL-*
    x = s.add_line("staff", D("2020-12-31"), D("2021-01-15"), "1520.00", invoice_number="PL-2020-12")
    s.plant("ESF21-EL-001", x["id"], "preparatory staff cost incurred 2020-12-31, the day before `eligible_from` 2021-01-01 (inside the 2014–2020 window)", "one day early fails")
    x = s.add_line("other", D("2025-03-15"), D("2025-03-10"), "310.00", invoice_number="2025-0315")
    s.plant("ESF21-EL-002", x["id"], "paid 2025-03-10, before it was incurred 2025-03-15", "")
    x = s.line_by_invoice(ed.OTHER_PLUS["invoice_number"])
    op["total_cost"] = Decimal("5000000.00")
    s.plant("ESF21-EL-003", x["id"], "`vat` %s included with `vat_recoverable` true, in an operation whose `total_cost` is 5000000.00 "
            "(its `total_eligible` is far lower: the total cost including VAT decides)" % x["vat"], "exactly EUR 5 million applies")
    first = s.add_line("other", D("2025-06-02"), D("2025-06-16"), "180.00", invoice_number="2025-0602")
    s.add_line("other", D("2025-07-01"), D("2025-07-15"), "95.00", invoice_number="2025-0701", id=first["id"])
    s.plant("ESF21-EL-004", first["id"], "two lines with id %s (different invoices): the second" % first["id"], "")
    x = s.add_line("other", D("2027-07-01"), D("2027-07-02"), "75.00", invoice_number="2027-0701")
    s.plant("ESF21-EL-005", x["id"], "incurred 2027-07-01, the day after the report date %s" % rd, "one day late fails")
    x = [l for l in s.model["expenditures"] if l["invoice_number"] == "PL-2025" and l["category"] == "staff"][0]
    x["eu"] += 2 * CENT
    x["national"] -= 2 * CENT
    s.plant("ESF21-CF-004", x["id"], "staff line: `eu` %s is 0.02 above round(%s × 0.85, 2), `national` keeps the sum" % (x["eu"], x["eligible"]), "")
    x = s.add_line("other", D("2025-09-01"), D("2025-09-15"), "60.00", participant_id="UDP-000099", invoice_number="2025-0901")
    s.plant("ESF21-REF-003", x["id"], "`participant_id` UDP-000099 is no participant (category other)", "")
    x = s.add_line("unit_cost_training", D("2024-05-07"), D("2024-05-20"), "560.00", invoice_number="P001/2024/099")
    s.plant("UDP-CL-003", x["id"], "a training unit-cost line without `participant_id`", "missing fails")
    pid = s.pid("Nina Bergant")
    x = s.add_line("unit_cost_training", D("2023-12-31"), D("2024-01-12"), "560.00", participant_id=pid, invoice_number="P006/2023/099")
    s.plant("UDP-CL-001", pid + "/training", "a fifth month (560.00) claimed on top of the 2240.00 of a 4-month training", "")
    k = klara["record"]["id"]
    x = s.add_line("employment_subsidy", D("2025-08-29"), D("2025-09-08"), "740.00", participant_id=k, invoice_number="ZZ-%s-E1-X" % k)
    s.plant("UDP-CL-002", k, "a 13th month of subsidy (740.00) claimed for a 12-month employment", "")
    x = s.line(s.pid("Eva Kralj"), "unit_cost_training")
    x["incurred_on"] = None
    s.plant("ESF21-EL-001", x["id"], "Eva Kralj's training line without `incurred_on` (paid %s)" % x["paid_on"], "missing fails here; UDP-CL-003 is not applicable to it (RULES.md: missing fails only for `participant_id`)")

    # --- the operation: ESF21-CF-001, -003, -005 and the targets UDP-IND-001..003
    claimed = sum(l["eligible"] for l in s.model["expenditures"])
    total = claimed - 2 * CENT
    rate = op["eu_rate"]
    eu_ok = ed.round2(total * rate)
    op["total_eligible"], op["eu_contribution"], op["national_contribution"] = total, eu_ok + 2 * CENT, total - eu_ok
    s.fixed_totals = True
    s.plant("ESF21-CF-001", op["id"], "`eu_contribution` %s is 0.02 above round(%s × 0.85, 2) = %s" % (op["eu_contribution"], total, eu_ok), "")
    s.plant("ESF21-CF-003", op["id"], "`eu_contribution` + `national_contribution` = %s, 0.02 above `total_eligible` %s" % (
        op["eu_contribution"] + op["national_contribution"], total), "")
    s.plant("ESF21-CF-005", op["id"], "the lines claim %s, 0.02 above `total_eligible` %s" % (claimed, total), "")
    ids = {p["record"]["id"] for p in s.model["participants"]}
    employed = {p["record"]["id"] for p in s.model["participants"] if p["employments"]}
    n_emp = sum(len(p["employments"]) for p in s.model["participants"])
    op["target_participants"] = len(ids) + 1
    op["target_employment_rate"] = Decimal("0.75")
    op["target_subsidised_employments"] = n_emp + 1
    s.fixed_targets = True
    s.plant("UDP-IND-001", op["id"], "%d distinct participant ids, target %d" % (len(ids), len(ids) + 1), "one short fails")
    s.plant("UDP-IND-002", op["id"], "%d of %d participants employed, target rate 0.75" % (len(employed), len(ids)), "")
    s.plant("UDP-IND-003", op["id"], "%d subsidised employments, target %d" % (n_emp, n_emp + 1), "one short fails")
    s.note("Coverage, not boundaries: the boundary cases of these rules are in the 2014–2020 scenarios and in the rules' "
           "own examples, which `esfcheck verify` also runs with the 2021–2027 packs' parameters (docs/rules-notes.md).")
    return s.finish()


# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------

def severity(rule, op):
    return ed.severity_of(rule, op)  # the oracle grades UD-IND-* by the report type


def readme(s):
    op, st = s.op, s.stats
    out = ["# Scenario `%s` — %s" % (s.family, s.title), ""]
    out.append("Generated by `Fixtures/scenarios/generate.py` (Python 3, standard library only; the data builder, "
               "writers and rule re-implementation are `Fixtures/lib/esfdata.py`). Do not edit by hand. "
               "%s: %s." % (s.rules_label, ", ".join(FAMILIES[s.family])))
    out.append("")
    if s.intro:
        out.append(s.intro)
    else:
        base = "the clean operation of `Fixtures/clean/` (12 participants, clean for every rule of both packs)"
        if st["extra"]:
            base += " plus %d participants built the same way for the cases below" % st["extra"]
        out.append("It starts from %s; then the changes below are planted. `%s`, `%s` report of %s, EU rate %s. "
                   "Both forms hold the same data: `export.xml` and `csv/`." % (
                       base, op["id"], op["report_type"], op["report_date"], op["eu_rate"]))
    out.append("")
    out.append("| | |")
    out.append("|---|---|")
    out.append("| participant records | %d (%d distinct ids) |" % (st["participants"], st["ids"]))
    out.append("| trainings, employments, follow-ups | %d, %d (of %d participants), %d |" % (st["trainings"], st["employments"], st["employed"], st["follow_ups"]))
    out.append("| expenditure lines | %d, EUR %s eligible |" % (st["lines"], st["claimed"]))
    out.append("| operation | total_eligible %s, eu_contribution %s, national_contribution %s |" % (op["total_eligible"], op["eu_contribution"], op["national_contribution"]))
    if op["period"] == "2021-2027":
        out.append("| period, scheme, region | %s, %s, %s (EU rate %s) |" % (op["period"], op["scheme"], op["region_category"], op["eu_rate"]))
        out.append("| total cost including VAT | %s |" % (op["total_cost"] if op["total_cost"] is not None else "not given (`total_eligible` is its lower bound for ESF21-EL-003)"))
    out.append("| targets | %s participants, employment rate %s, %s subsidised employments |" % (op["target_participants"], op["target_employment_rate"], op["target_subsidised_employments"]))
    out.append("")
    n = sum(s.expected.values())
    out.append("## Planted violations: %d findings" % n)
    out.append("")
    out.append("`expected-findings.tsv` lists exactly these (rule id, record key, severity), sorted; a pair that occurs twice is listed twice.")
    out.append("")
    out.append("| rule | severity | record key | what is wrong | boundary tested |")
    out.append("|---|---|---|---|---|")
    order = {r: i for i, r in enumerate(FAMILIES[s.family])}
    for rule, key, what, boundary in sorted(s.plants, key=lambda p: (order.get(p[0], 99), p[0])):
        out.append("| %s | %s | `%s` | %s | %s |" % (rule, severity(rule, op), key, what, boundary or "—"))
    out.append("")
    if s.passes:
        out.append("## Boundary cases that must pass")
        out.append("")
        out.append("| rule | record key | case |")
        out.append("|---|---|---|")
        for rules, keys, case in s.passes:
            ks = ", ".join(k if " " in k and not k.startswith("UD-") else "`%s`" % k for k in keys)
            out.append("| %s | %s | %s |" % (", ".join(rules), ks, case))
        out.append("")
    if s.notes:
        out.append("## Notes")
        out.append("")
        for t in s.notes:
            out.append("- " + t)
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

BUILDERS = [co_financing, eligibility, participant_data, target_group, training, employment, indicators, follow_up,
            plus_2021_2027, plus_2021_2027_rules]


def index(rows):
    out = ["# Rule-family scenarios", ""]
    out.append("One export per rule family, each the clean operation of `Fixtures/clean/` (plus a few participants) "
               "with at least one planted violation of every rule of the family and the boundary cases around it; "
               "each folder's README lists them. Generated by `generate.py` (shared code: `../lib/esfdata.py`), "
               "which also checks every scenario with its own Python re-implementation of all rules of both packs.")
    out.append("")
    out.append("`plus-2021-2027` and `plus-2021-2027-rules` are the exception: their own Učne delavnice plus operation "
               "of the 2021–2027 programme, checked by the provisional packs `esf-2021-2027` and `ucne-delavnice-plus` "
               "(and the Python re-implementation of those); between them every one of those packs' 42 rules is "
               "violated at least once.")
    out.append("")
    out.append("`expected-findings.tsv` has three columns: rule id, record key and the finding's severity, all from "
               "the Python oracle (`../lib/esfdata.py`, which grades UD-IND-*/UDP-IND-* by the report type itself); "
               "the end-to-end test derives the expected verdict and exit code from it. `.ci/run` runs every "
               "generator with `--check`, so a hand-edited expected file or a drifted generator fails CI. "
               "`expected-indicators.tsv` holds the oracle's value of every indicator (a share as a fraction, `-` when it "
               "cannot be computed); the end-to-end tests compare it and check that the indicators add up.")
    out.append("")
    out.append("    python3 Fixtures/scenarios/generate.py             # regenerate (byte-identical) and self-check")
    out.append("    python3 Fixtures/scenarios/generate.py --check     # self-check and compare with the files on disk (CI)")
    out.append("    Fixtures/scenarios/check-all.sh [path/to/esfcheck]  # run the binary on both forms and diff")
    out.append("")
    out.append("| scenario | rules | findings | participant records |")
    out.append("|---|---|---|---|")
    for family, n, participants, outside in rows:
        rules = ", ".join(FAMILIES[family]) + (" (+ %s, unavoidable)" % ", ".join(outside) if outside else "")
        out.append("| [`%s`](%s/README.md) | %s | %d | %d |" % (family, family, rules, n, participants))
    out.append("")
    return "\n".join(out)


def main():
    ed.set_check_mode("--check" in sys.argv[1:])
    total, rows = 0, []
    for make in BUILDERS:
        s = make()
        folder = os.path.join(HERE, s.family)
        ed.write_scenario(folder, s.model, s.expected, readme(s))
        # the oracle's indicator values: the end-to-end tests compare them and check their identities
        ed.write_file(os.path.join(folder, "expected-indicators.tsv"), ed.indicators_tsv(s.model))
        found = ed.check_scenario(folder, s.model, s.expected)
        outside = sorted({r for r, _ in found} - set(FAMILIES[s.family]))
        n = sum(found.values())
        total += n
        rows.append((s.family, n, s.stats["participants"], outside))
        print("%-17s %3d finding(s), %2d participants, %2d lines%s" % (
            s.family, n, s.stats["participants"], s.stats["lines"],
            "; also " + ", ".join(outside) + " (documented)" if outside else ""))
    ed.write_file(os.path.join(HERE, "README.md"), index(rows))
    print("self-check passed: %d findings in %d scenarios" % (total, len(BUILDERS)))
    ed.finish_check_mode()


if __name__ == "__main__":
    main()
