#!/usr/bin/env python3
"""Compares the findings of an `esfcheck check --format json` report with the injected counts
of Benchmarks/generate.py: per rule id, the number of findings must be equal.

    compare_findings.py REPORT.json expected-counts.tsv LABEL

When expected-findings.tsv (rule id, record key) lies beside expected-counts.tsv, the findings must
also be those records: the same (rule id, record key) pairs, as often.

Prints one line: "LABEL: findings equal expected-counts.tsv (…)" and exits 0, or
"LABEL: MISMATCH with the injected violations: …" with every rule whose count differs (expected,
found, and a few record keys of the surplus), or a few missing and unexpected record keys, and
exits 1. A report that lists fewer findings than it counts (--max-findings) or that cannot be read
is a mismatch too: the check could not be done.
"""
import collections
import json
import os
import sys


def main():
    report_path, expected_path, label = sys.argv[1:4]
    expected = collections.Counter()
    with open(expected_path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0] == "rule_id\tcount", expected_path
    for line in lines[1:]:
        rule_id, count = line.split("\t")
        expected[rule_id] = int(count)
    try:
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        findings = report["findings"]
        counted = sum(report["counts"].values())
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("%s: MISMATCH: the report cannot be read (%s)" % (label, e))
        return 1
    found = collections.Counter(f["ruleID"] for f in findings)
    keys = collections.defaultdict(list)
    for f in findings:
        if len(keys[f["ruleID"]]) < 3:
            keys[f["ruleID"]].append(f.get("recordKey", "?"))
    problems = []
    if counted != len(findings):
        problems.append("the report lists %d of %d findings (raise --max-findings)" % (len(findings), counted))
    for rule_id in sorted(set(expected) | set(found)):
        if expected[rule_id] != found[rule_id]:
            problems.append("%s expected %d, found %d%s" % (
                rule_id, expected[rule_id], found[rule_id],
                " (e.g. %s)" % ", ".join(keys[rule_id]) if found[rule_id] > expected[rule_id] else ""))
    keys_path = os.path.join(os.path.dirname(expected_path), "expected-findings.tsv")
    with_keys = os.path.exists(keys_path)
    if with_keys and not problems:
        with open(keys_path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        assert lines[0] == "rule_id\trecord_key", keys_path
        expected_keys = collections.Counter(tuple(line.split("\t")) for line in lines[1:])
        found_keys = collections.Counter((f["ruleID"], f.get("recordKey", "?")) for f in findings)
        missing, unexpected = expected_keys - found_keys, found_keys - expected_keys
        if missing or unexpected:
            problems.append("record keys differ: %d missing (e.g. %s), %d unexpected (e.g. %s)" % (
                sum(missing.values()), ", ".join("%s %s" % k for k in sorted(missing)[:3]),
                sum(unexpected.values()), ", ".join("%s %s" % k for k in sorted(unexpected)[:3])))
    if problems:
        print("%s: MISMATCH with the injected violations: %s" % (label, "; ".join(problems)))
        return 1
    print("%s: findings equal expected-counts.tsv (%d rules, %d findings%s)" % (
        label, len(expected), sum(expected.values()), ", record keys too" if with_keys else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
