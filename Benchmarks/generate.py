#!/usr/bin/env python3
"""Writes a synthetic Učne delavnice export of N participants (one training, one employment,
a follow-up and two expenditure lines each), clean for every rule of the esf-2014-2020 and
ucne-delavnice packs, as a CSV bundle and as canonical XML.

    Benchmarks/generate.py N OUTDIR      -> OUTDIR/csv/*.csv and OUTDIR/export.xml

Deterministic and streaming (constant memory), so 1,000,000 participants take about a minute.
"""
import datetime
import os
import sys

WEIGHTS = [7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]


def emso(birth, serial):
    """A valid EMŠO (mod-11 check digit, never the 'check 10' case) for a birth date and an even
    serial; the odd serial after it replaces it when its check value would be 10, so EMŠOs stay unique."""
    for s in (serial, serial + 1):
        base = "%02d%02d%03d50%03d" % (birth.day, birth.month, birth.year % 1000, s)
        k = 11 - sum(int(d) * w for d, w in zip(base, WEIGHTS)) % 11
        if k == 11:
            k = 0
        if k != 10:
            return base + str(k)
    raise ValueError("no valid EMŠO for %s serial %d" % (birth, serial))


def main():
    n = int(sys.argv[1])
    if n >= 5000000:
        sys.exit("at most 4,999,999 participants (EMŠO serials per birth date)")
    out = sys.argv[2]
    os.makedirs(os.path.join(out, "csv"), exist_ok=True)
    first_birth = datetime.date(1960, 1, 1)
    per = 7800  # 3360.00 training + 4440.00 subsidy, in euros
    total = "%d.00" % (per * n)
    eu = "%d.00" % (per * n * 4 // 5)
    national = "%d.00" % (per * n // 5)
    op = {
        "id": "UD-BENCH", "title": "Učne delavnice benchmark", "programme": "OP2014-2020", "period": "2014-2020",
        "fund": "ESF", "priority_axis": "9", "scheme": "ucne-delavnice", "start": "2019-01-01", "end": "2023-06-30",
        "total_eligible": total, "eu_contribution": eu, "national_contribution": national, "eu_rate": "0.80",
        "region_category": "", "target_participants": str(n), "target_employment_rate": "0.25",
        "target_subsidised_employments": str(n), "report_type": "final", "report_date": "2023-06-30",
    }
    provider = ["P001", "Socialno podjetje Korak so.p.", "56120346", "6418732", "social_enterprise", "2012-05-14", "EAST"]
    c = lambda name: open(os.path.join(out, "csv", name), "w", encoding="utf-8", newline="")
    with c("operation.csv") as f:
        f.write(",".join(op) + "\n" + ",".join(op.values()) + "\n")
    with c("providers.csv") as f:
        f.write("id,name,tax_number,registration_number,status,registered_on,region\n" + ",".join(provider) + "\n")
    xml = open(os.path.join(out, "export.xml"), "w", encoding="utf-8")
    xml.write('<?xml version="1.0" encoding="UTF-8"?>\n<operation xmlns="urn:esfcheck:export:1" '
              + " ".join('%s="%s"' % (k, v) for k, v in op.items() if v) + ">\n")
    xml.write('  <providers>\n    <provider id="P001" name="%s" tax_number="56120346" registration_number="6418732" '
              'status="social_enterprise" registered_on="2012-05-14" region="EAST"/>\n  </providers>\n  <participants>\n' % provider[1])
    fp, ft, fe, ff, fx = c("participants.csv"), c("trainings.csv"), c("employments.csv"), c("follow_ups.csv"), c("expenditures.csv")
    fp.write("id,emso,name,birth_date,gender,region,education_klasius,education_isced,labour_status,registered_unemployed_since,entry_date,exit_date,criteria,previous_employer_id,previous_employment_end\n")
    ft.write("participant_id,provider_id,start,end,months,amount,internal_mentor_hours_per_month,external_mentor_hours,job_coach_hours\n")
    fe.write("participant_id,id,employer_id,start,end,weekly_hours,disabled_part_time,monthly_subsidy,extension_start,extension_end\n")
    ff.write("participant_id,employed_day30,employed_month12\n")
    fx.write("id,category,participant_id,incurred_on,paid_on,eligible,eu,national,vat,vat_recoverable,invoice_number\n")
    expenditures = []
    for i in range(1, n + 1):
        pid = "UD-%07d" % i
        birth = first_birth + datetime.timedelta(days=i % 10000)
        e = emso(birth, 2 * (i // 10000))
        gender, region = ("F", "EAST") if i % 2 else ("M", "WEST")
        name = "Udeleženec %d" % i
        fp.write("%s,%s,%s,%s,%s,%s,14001,3,unemployed,2016-01-04,2019-03-01,2020-02-29,ltu24,,\n" % (pid, e, name, birth, gender, region))
        ft.write("%s,P001,2019-03-01,2019-08-31,6,3360.00,60,12,\n" % pid)
        fe.write("%s,%s-E1,P001,2019-09-01,2020-02-29,40,false,740.00,,\n" % (pid, pid))
        ff.write("%s,true,true\n" % pid)
        fx.write("X-%07d-T,unit_cost_training,%s,2019-08-31,2019-09-10,3360.00,2688.00,672.00,0.00,false,T/%07d\n" % (i, pid, i))
        fx.write("X-%07d-E,employment_subsidy,%s,2020-02-29,2020-03-10,4440.00,3552.00,888.00,0.00,false,E/%07d\n" % (i, pid, i))
        xml.write('    <participant id="%s" emso="%s" name="%s" birth_date="%s" gender="%s" region="%s" education_klasius="14001" '
                  'education_isced="3" labour_status="unemployed" registered_unemployed_since="2016-01-04" entry_date="2019-03-01" '
                  'exit_date="2020-02-29" criteria="ltu24">\n' % (pid, e, name, birth, gender, region))
        xml.write('      <training provider_id="P001" start="2019-03-01" end="2019-08-31" months="6" amount="3360.00" '
                  'internal_mentor_hours_per_month="60" external_mentor_hours="12"/>\n')
        xml.write('      <employment id="%s-E1" employer_id="P001" start="2019-09-01" end="2020-02-29" weekly_hours="40" '
                  'disabled_part_time="false" monthly_subsidy="740.00"/>\n' % pid)
        xml.write('      <follow_up employed_day30="true" employed_month12="true"/>\n    </participant>\n')
    xml.write("  </participants>\n  <expenditures>\n")
    for i in range(1, n + 1):
        pid = "UD-%07d" % i
        xml.write('    <expenditure id="X-%07d-T" category="unit_cost_training" participant_id="%s" incurred_on="2019-08-31" '
                  'paid_on="2019-09-10" eligible="3360.00" eu="2688.00" national="672.00" vat="0.00" vat_recoverable="false" '
                  'invoice_number="T/%07d"/>\n' % (i, pid, i))
        xml.write('    <expenditure id="X-%07d-E" category="employment_subsidy" participant_id="%s" incurred_on="2020-02-29" '
                  'paid_on="2020-03-10" eligible="4440.00" eu="3552.00" national="888.00" vat="0.00" vat_recoverable="false" '
                  'invoice_number="E/%07d"/>\n' % (i, pid, i))
    xml.write("  </expenditures>\n</operation>\n")
    for f in (fp, ft, fe, ff, fx, xml):
        f.close()


if __name__ == "__main__":
    main()
