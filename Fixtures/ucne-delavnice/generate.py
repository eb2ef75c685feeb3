#!/usr/bin/env python3
"""Generate the bundled sample exports of esfcheck (Python 3 standard library only).

    python3 Fixtures/ucne-delavnice/generate.py            # regenerate
    python3 Fixtures/ucne-delavnice/generate.py --check    # compare with the files on disk (CI)

writes, deterministically (re-running reproduces byte-identical files):

    Fixtures/ucne-delavnice/   a Učne delavnice operation with planted violations
    Fixtures/clean/            a smaller scenario of the same operation with none

Each scenario folder gets `export.xml` (canonical XML, SPEC §3.1), `csv/` (the
CSV bundle of the same data), `expected-findings.tsv` (rule id, record key, severity),
`expected-indicators.tsv` (every indicator's exact value), `expected-coverage.tsv` (per rule:
evaluated, passed, failed, not applicable) and `README.md`, all computed by the oracle.

After writing, the script reads both forms back, checks that they hold the same
data, runs its own re-implementation of every rule of the packs `esf-2014-2020`
and `ucne-delavnice` (RULES.md) over it, and fails unless the findings are
exactly the planted ones. Money is `decimal.Decimal`, dates `datetime.date`.

The data builder, the writers, the readers and the rule re-implementation are
shared with the rule-family scenarios (`Fixtures/scenarios/generate.py`): they
live in `Fixtures/lib/esfdata.py`; this script holds the README text.
"""

import os
import sys

sys.dont_write_bytecode = True  # the Fixtures folder is bundled as a resource: no __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(FIXTURES, "lib"))

from esfdata import *  # noqa: E402,F401,F403  (the shared builder, writers, readers and rules)

# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------

PLANT_TEXT = {
    "ESF-CF-001": "the operation's `eu_contribution` is 0.02 above round(`total_eligible` × `eu_rate`, 2)",
    "ESF-CF-003": "`national_contribution` is total − the correct EU share, so EU + national is 0.02 above `total_eligible`",
    "ESF-CF-004": "an indirect-cost line with `eu` 0.02 above round(`eligible` × 0.80, 2) and `national` = eligible − the correct EU share: both parts of the rule fail, one finding",
    "ESF-EL-001": "a preparatory staff cost incurred on 30 December 2013, before the 2014–2023 eligibility window",
    "ESF-PD-002": "EMŠO with a wrong check digit (its date part still equals `birth_date`)",
    "ESF-PD-003": "a second, different person (own valid EMŠO, no training, employment or expenditure) keyed in with an id already used",
    "UD-TR-001": "the training ends one day after period_end(start, 6)",
    "UD-EM-002": "the subsidised period ends one day before period_end(start, 6)",
    "UD-EM-003": "the extension starts two weeks after the day following the subsidised period (an interruption)",
    "UD-EM-005": "a second subsidised employment (another employer) starts while the first is running",
    "UD-IND-001": "`target_participants` is 50, above the number of distinct participant ids",
}

PLANT_ORDER = ["ESF-CF-001", "ESF-CF-003", "ESF-CF-004", "ESF-EL-001", "ESF-PD-002", "ESF-PD-003",
               "UD-TR-001", "UD-EM-002", "UD-EM-003", "UD-EM-005", "UD-IND-001"]

SEVERITY = {r[0]: r[1] for r in RULES}


def boundary_rows(model, notes):
    """Clean records on the edge of a rule: each must pass."""
    rows = []
    by_n = {}
    for p in model["participants"]:
        by_n.setdefault(p["record"]["name"], p)

    def pick(name):
        return by_n.get(name)

    def add(rule_ids, key, what):
        rows.append("| %s | `%s` | %s |" % (", ".join(rule_ids), key, what))

    for name, rule_ids, what in [
        ("Nataša Kranjc", ["UD-TR-001", "UD-TR-006"], "training from 2019-08-31 ends 2020-02-29 (no 31 February: last day of the month, leap year)"),
        ("Matjaž Kovač", ["UD-TR-001", "UD-EM-003"], "training from 2020-08-31 ends 2021-02-28; extension 2021-09-01–2022-02-28"),
        ("Tjaša Čeh", ["UD-TR-001", "UD-EM-002", "UD-EM-003"], "training from 2020-01-31 ends 2020-07-30; employment 2020-07-31–2021-01-30, extension 2021-01-31–2021-07-30"),
        ("Boštjan Novak", ["UD-TG-002", "UD-TG-003"], "`ltu24` with `registered_unemployed_since` exactly 24 months before `entry_date`"),
        ("Vesna Zupančič", ["UD-TG-002", "UD-TG-003", "ESF-PD-005"], "`education_klasius` missing, `education_isced` 2: basic education through the ISCED fallback; PD-005 not applicable"),
        ("Marjeta Šinkovec", ["UD-TG-004"], "previously employed by the same employer until 2019-12-31, the day before add_months(start 2021-01-01, −12)"),
        ("Jure Škerjanc", ["UD-TG-004"], "previously employed by another provider than the employer"),
        ("Primož Zajc", ["UD-TG-002", "UD-TG-003"], "exactly 55 at entry: not over 55, `over55` not declared (qualifies by `ltu24`)"),
        ("Franc Jazbec", ["UD-TG-003"], "59 at entry with `over55` not declared: a criterion that holds need not be declared"),
        ("Barbara Kos", ["ESF-PD-004"], "born 29 February 1984 (age by add_months clamping)"),
        ("Petra Štrukelj", ["ESF-PD-004"], "18 at entry"),
        ("Simona Žnidaršič", ["UD-EM-004"], "`disabled_part_time` with 20 h/week and `disability` declared: subsidy 370.00"),
        ("Urška Božič", ["UD-EM-004"], "36 h/week: subsidy 666.00"),
        ("Mojca Žagar", ["UD-TR-003"], "provider P006 registered 2018-03-01, exactly 12 months before the training start 2019-03-01"),
        ("Maja Mlakar", ["UD-TR-004"], "exactly the minimum mentoring: 60 h/month internal, 12 h external"),
        ("Robert Hočevar", ["UD-FU-001"], "subsidised employment ends 2023-05-31: day 30 is the report date, the follow-up is present"),
        ("Tanja Jerše", ["UD-FU-001"], "subsidised employment ends 2023-06-15: day 30 is after the report date, no follow-up (not applicable)"),
    ]:
        p = pick(name)
        if p is None:
            continue
        keys = []
        for rid in rule_ids:
            if rid.startswith("UD-TR"):
                k = p["record"]["id"] + "/training"
            elif rid.startswith("UD-EM") or rid in ("UD-TG-004", "UD-FU-001"):
                k = p["employments"][0]["id"]
            else:
                k = p["record"]["id"]
            if k not in keys:
                keys.append(k)
        add(rule_ids, "`, `".join(keys), what)
    if "boundary-CF-004" in notes:
        n = notes["boundary-CF-004"]
        add(["ESF-CF-004"], n["key"], "tolerance is inclusive: " + n["value"] + " (EU off by exactly 0.01, passes)")
    staff = [x for x in model["expenditures"] if x["category"] in ("staff", "indirect") and x["invoice_number"] in ("PL-2019", "PL-2020")]
    if staff:
        add(["ESF-EL-004"], "`, `".join(x["id"] for x in staff),
            "a staff line and its flat-rate indirect line share the payroll reference as `invoice_number`: different category, no duplicate")
    no_inv = [x["id"] for x in model["expenditures"] if x["category"] == "indirect" and x["invoice_number"] is None]
    if no_inv:
        add(["ESF-EL-004"], "`, `".join(no_inv), "two indirect lines without `invoice_number` (and without `participant_id`): the invoice check applies only where an invoice number is present")
    other = [x["id"] for x in model["expenditures"] if x["vat_recoverable"]]
    if other:
        add(["ESF-EL-003"], "`, `".join(other), "`vat_recoverable` true with `vat` 0.00 (VAT kept out of the eligible amount)")
    return rows


def readme(scenario, model, expected, notes, stats):
    op = model["operation"]
    out = []
    if scenario == "ucne-delavnice":
        out.append("# Sample export: Učne delavnice 2019–2023 (with planted violations)")
    else:
        out.append("# Sample export: Učne delavnice 2019–2023, clean")
    out.append("")
    out.append("Generated by `Fixtures/ucne-delavnice/generate.py` (Python 3, standard library only; "
               "re-running it reproduces these files byte for byte). Do not edit by hand: change the "
               "generator and run it again. It ends with a self-check that reads both forms back, "
               "re-implements every rule of the packs `esf-2014-2020` and `ucne-delavnice` (RULES.md) "
               "and fails unless the findings are exactly those in `expected-findings.tsv`.")
    out.append("")
    out.append("## The operation")
    out.append("")
    out.append("`%s` — *%s*: the ZRSZ programme Učne delavnice (learning workshops) under OP 2014–2020, "
               "priority axis %s (social inclusion), scheme `%s`, fund %s at an EU rate of %s. Unemployed "
               "people who need in-depth treatment get six months of training with a social enterprise, "
               "disability company or employment centre (unit cost EUR 560.00 a month, EUR 3,360.00 per "
               "training), then a subsidised employment of six months (EUR 740.00 a month full-time, pro "
               "rata from 36 h/week, or from 20 h/week for a disabled person), which may be extended by a "
               "further six months without interruption. The operation runs %s–%s; this is the `%s` report "
               "of %s." % (op["id"], op["title"], op["priority_axis"], op["scheme"], op["fund"], op["eu_rate"],
                          op["start"], op["end"], op["report_type"], op["report_date"]))
    out.append("")
    out.append("| | |")
    out.append("|---|---|")
    out.append("| providers | %d (2 social enterprises, 2 disability companies, 2 employment centres; employers are among them) |" % len(model["providers"]))
    out.append("| participant records | %d (%d distinct ids) |" % (stats["records"], stats["distinct"]))
    out.append("| trainings | %d |" % sum(1 for p in model["participants"] if p["training"]))
    out.append("| subsidised employments | %d, of %d participants (%d extended) |" % (
        stats["employments"], stats["employed"],
        sum(1 for p in model["participants"] for e in p["employments"] if e["extension_start"])))
    out.append("| follow-ups | %d |" % sum(1 for p in model["participants"] if p["follow_up"]))
    out.append("| expenditure lines | %d, EUR %s eligible in total |" % (len(model["expenditures"]), stats["claimed"]))
    out.append("| operation totals | total_eligible %s, eu_contribution %s, national_contribution %s |" % (
        op["total_eligible"], op["eu_contribution"], op["national_contribution"]))
    out.append("| targets | %s participants, employment rate %s, %s subsidised employments |" % (
        op["target_participants"], op["target_employment_rate"], op["target_subsidised_employments"]))
    out.append("")
    out.append("Names, EMŠOs, tax and registration numbers are invented; the EMŠOs (region 50, never the "
               "check value 10), tax numbers and registration numbers carry valid check digits (ESF-DOMAIN "
               "§4.3)%s. The same data is given twice: `export.xml` (canonical XML, SPEC §3.1) and `csv/` "
               "(the CSV bundle, rows in XML document order); both must give the same findings." % (" except where a violation is planted" if expected else ""))
    out.append("")
    out.append("## Planted violations")
    out.append("")
    if not expected:
        out.append("None: every rule of `esf-2014-2020` and `ucne-delavnice` passes or is not applicable. "
                   "`expected-findings.tsv` holds only its header line.")
    else:
        out.append("Each gives exactly one finding; `expected-findings.tsv` lists them (rule id, record key).")
        out.append("")
        out.append("| rule | severity | record key | what is wrong | value |")
        out.append("|---|---|---|---|---|")
        for rid in PLANT_ORDER:
            n = notes[rid]
            out.append("| %s | %s | `%s` | %s | %s |" % (rid, SEVERITY[rid], n["key"], PLANT_TEXT[rid], n["value"]))
        out.append("")
        out.append("The second `%s` comes after `%s` in document order, so the finding is on the later "
                   "record. It has no nested records and no expenditure and entered on the same day as the first "
                   "(so a training joined to it would still start on or after its entry date); the first has a training "
                   "and its unit-cost line but no employment. So whichever of the two an implementation joins "
                   "the training and the expenditure to, UD-TR-*, UD-CL-001, UD-CL-002 (nothing claimed, "
                   "nothing allowed) and UD-EM-* find nothing more; UD-CL-003 expects the training line of "
                   "that id to be checked against the training that exists under it (the first participant's). "
                   "In the CSV bundle the nested rows of that id belong to the first participant. "
                   "UD-IND-002 (%d of %d participants employed, rate 0.25) and UD-IND-003 (%d employments, "
                   "target %s) pass." % (notes["ESF-PD-003"]["key"], "UD-%06d" % DUPLICATE["after"],
                                       stats["employed"], stats["distinct"], stats["employments"],
                                       op["target_subsidised_employments"]))
    out.append("")
    out.append("## Boundary cases that must pass")
    out.append("")
    out.append("| rule | record key | case |")
    out.append("|---|---|---|")
    out.extend(boundary_rows(model, notes))
    out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def generate(scenario):
    folder = os.path.join(FIXTURES, scenario)
    model, expected, notes, stats = build(scenario)
    write_scenario(folder, model, expected, readme(scenario, model, expected, notes, stats))
    # the oracle's indicator values and per-rule coverage, which the end-to-end tests compare
    write_file(os.path.join(folder, "expected-indicators.tsv"), indicators_tsv(model))
    write_file(os.path.join(folder, "expected-coverage.tsv"), coverage_tsv(run_rules(model)[1]))
    return folder, model, expected, stats


def self_check(folder, model, expected, stats):
    """Read both forms back, compare with the model, run the rules, compare with the expectations."""
    print("%s: %d participant records (%d ids), %d employments, %d expenditures, EUR %s claimed" % (
        os.path.relpath(folder, FIXTURES), stats["records"], stats["distinct"], stats["employments"],
        len(model["expenditures"]), stats["claimed"]))
    found = check_scenario(folder, model, expected, verbose=True)
    print("  self-check passed: %d finding(s), as expected" % sum(found.values()))


def main():
    set_check_mode("--check" in sys.argv[1:])
    for scenario in ("ucne-delavnice", "clean"):
        self_check(*generate(scenario))
    finish_check_mode()


if __name__ == "__main__":
    main()
