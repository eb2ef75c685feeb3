#!/usr/bin/env python3
"""Writes the sample export Učne delavnice 2019–2023 in a Slovenian XML layout.

Reads the canonical XML export ../ucne-delavnice/export.xml (SPEC §3.1) and writes the same
records as Rules/profiles/si-legacy-xml.yaml describes them (SPEC §3.2):

- Slovenian element and attribute names in their own namespace (<operacija>, <udelezenci>,
  <udelezenec sifra="UD-000001">, <emso>…</emso>, <datum_rojstva>12.5.1970</datum_rojstva>);
- some fields as attributes of the entity element, some as the text of a child element, some as
  attributes of a child element (<financiranje skupaj="389.764,37" eu="311.811,52" …/>); the
  child elements that hold fields come before the nested records;
- decimal comma with a thousands dot (3360.00 -> 3.360,00), dates as 31.3.2022 or 27. 2. 2020,
  DA/NE for true/false, Slovenian code values (brezposeln, V/Z, Ž, DBO24 OŠ, …);
- one note element per participant (<opomba>) that the profile does not bind (extra: ignore).

Python 3, standard library only; deterministic: running it again reproduces the file byte for
byte. `--check` compares instead of writing and fails when a file differs. The records must read
back identical to the canonical export's, so expected-findings.tsv is a copy of the canonical one.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from esfdata import slovenian_decimal, write_outputs  # noqa: E402
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))
CANONICAL = os.path.join(HERE, "..", "ucne-delavnice", "export.xml")
MODEL = os.path.join(HERE, "..", "..", "Rules", "models", "esf-operation-v1.yaml")
CANONICAL_NS = "urn:esfcheck:export:1"
NAMESPACE = "urn:gov-si:esf:izvoz-operacije:1"

# entity (canonical element) -> (element, wrapper, [(field, XPath relative to the element)])
LAYOUT = {
    "operation": ("operacija", None, [
        ("id", "@sifra"), ("title", "naziv"), ("programme", "@op"), ("period", "obdobje"), ("fund", "@sklad"),
        ("priority_axis", "prednostna_os"), ("scheme", "shema"), ("start", "trajanje/@zacetek"), ("end", "trajanje/@konec"),
        ("total_eligible", "financiranje/@skupaj"), ("eu_contribution", "financiranje/@eu"),
        ("national_contribution", "financiranje/@nacionalno"), ("eu_rate", "financiranje/@stopnja_eu"),
        ("region_category", "kategorija_regije"), ("target_participants", "cilji/@udelezenci"),
        ("target_employment_rate", "cilji/@stopnja_zaposlenosti"),
        ("target_subsidised_employments", "cilji/@subvencionirane_zaposlitve"),
        ("report_type", "porocilo/@vrsta"), ("report_date", "porocilo/@datum")]),
    "provider": ("izvajalec", "izvajalci", [
        ("id", "@sifra"), ("name", "naziv"), ("tax_number", "davcna_stevilka"), ("registration_number", "maticna_stevilka"),
        ("status", "@status"), ("registered_on", "datum_vpisa"), ("region", "@regija")]),
    "participant": ("udelezenec", "udelezenci", [
        ("id", "@sifra"), ("emso", "emso"), ("name", "ime_priimek"), ("birth_date", "datum_rojstva"), ("gender", "@spol"),
        ("region", "@regija"), ("education_klasius", "izobrazba/@klasius"), ("education_isced", "izobrazba/@isced"),
        ("labour_status", "status"), ("registered_unemployed_since", "brezposeln_od"),
        ("entry_date", "vkljucitev/@od"), ("exit_date", "vkljucitev/@do"), ("criteria", "merila"),
        ("previous_employer_id", "prejsnja_zaposlitev/@delodajalec"),
        ("previous_employment_end", "prejsnja_zaposlitev/@konec")]),
    "training": ("usposabljanje", None, [
        ("provider_id", "@izvajalec"), ("start", "@zacetek"), ("end", "@konec"), ("months", "trajanje_mesecev"),
        ("amount", "znesek"), ("internal_mentor_hours_per_month", "ure/@notranji_mentor_mesecno"),
        ("external_mentor_hours", "ure/@zunanji_mentor"), ("job_coach_hours", "ure/@zaposlitveni_svetovalec")]),
    "employment": ("zaposlitev", None, [
        ("id", "@sifra"), ("employer_id", "@delodajalec"), ("start", "subvencija/@od"), ("end", "subvencija/@do"),
        ("weekly_hours", "tedenske_ure"), ("disabled_part_time", "invalid_krajsi_cas"),
        ("monthly_subsidy", "mesecna_subvencija"), ("extension_start", "podaljsanje/@od"),
        ("extension_end", "podaljsanje/@do")]),
    "follow_up": ("spremljanje", None, [
        ("employed_day30", "@zaposlen_30_dan"), ("employed_month12", "@zaposlen_12_mesecev")]),
    "expenditure": ("izdatek", "izdatki", [
        ("id", "@stevilka"), ("category", "vrsta"), ("participant_id", "@udelezenec"), ("incurred_on", "datum_nastanka"),
        ("paid_on", "datum_placila"), ("eligible", "zneski/@upraviceni"), ("eu", "zneski/@eu"),
        ("national", "zneski/@nacionalni"), ("vat", "zneski/@ddv"), ("vat_recoverable", "ddv_povracljiv"),
        ("invoice_number", "racun")]),
}

CODES = {
    ("operation", "region_category"): {"less_developed": "manj razvita", "transition": "v prehodu", "more_developed": "bolj razvita"},
    ("operation", "report_type"): {"interim": "vmesno", "final": "končno"},
    ("provider", "status"): {"social_enterprise": "socialno podjetje", "disability_company": "invalidsko podjetje",
                             "employment_centre": "zaposlitveni center", "other": "drugo"},
    ("provider", "region"): {"EAST": "V", "WEST": "Z"},
    ("participant", "gender"): {"F": "Ž", "M": "M", "X": "D"},
    ("participant", "region"): {"EAST": "V", "WEST": "Z"},
    ("participant", "labour_status"): {"unemployed": "brezposeln", "inactive": "neaktiven", "employed": "zaposlen"},
    ("participant", "criteria"): {"ltu24": "DBO24", "basic_education": "OŠ", "over55": "55+", "first_job_6m": "PZ6",
                                  "disability": "INV", "addiction": "ODV", "after_prison": "PPK", "roma": "ROM",
                                  "reactivated": "REA"},
    ("expenditure", "category"): {"unit_cost_training": "usposabljanje", "employment_subsidy": "subvencija zaposlitve",
                                  "staff": "stroški osebja", "indirect": "posredni stroški", "other": "drugo"},
}
NOTES = ["preverjeno na terenu", "izjava delodajalca", "podatek iz ZZZS"]


def field_types():
    """entity -> field -> type, read from the model file (its simple layout, no YAML library)."""
    types, entity = {}, None
    with open(MODEL, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"  - name: (\w+)", line)
            if m:
                entity = m.group(1)
                types[entity] = {}
                continue
            m = re.match(r"      (\w+): (?:\{ type: (\w+)|(\w+))", line)
            if m and entity:
                types[entity][m.group(1)] = m.group(2) or m.group(3)
    return types


def slovenian_date(iso, style):
    y, m, d = iso.split("-")
    return ("%d.%d.%s" if style == 0 else "%d. %d. %s") % (int(d), int(m), y)


class Writer:
    def __init__(self):
        self.types = field_types()
        self.lines = ['<?xml version="1.0" encoding="UTF-8"?>',
                      "<!-- Učne delavnice 2019–2023 in a Slovenian XML layout; written by generate.py, do not edit. -->"]
        self.count = 0

    def value(self, entity, field, raw):
        kind = self.types[entity][field]
        self.count += 1
        if kind == "date":
            return slovenian_date(raw, self.count % 2)
        if kind == "decimal":
            return slovenian_decimal(raw)
        if kind == "bool":
            return {"true": "DA", "false": "NE"}[raw]
        codes = CODES.get((entity, field))
        if codes:
            return " ".join(codes[v] for v in raw.split(" "))
        return raw

    def element(self, el, depth, index):
        entity = el.tag.split("}")[1]
        name, _, fields = LAYOUT[entity]
        attrs, children = [], {}
        for field, path in fields:
            raw = el.get(field, "")
            if raw == "":
                continue
            text = self.value(entity, field, raw)
            if path.startswith("@"):
                attrs.append((path[1:], text))
            elif "/@" in path:
                child, attr = path.split("/@")
                children.setdefault(child, [[], None])[0].append((attr, text))
            else:
                children.setdefault(path, [[], None])[1] = text
        pad = "  " * depth
        ns = ' xmlns="%s"' % NAMESPACE if depth == 0 else ""
        head = pad + "<" + name + ns + "".join(" %s=%s" % (a, quoteattr(v)) for a, v in attrs)
        nested = list(el)
        if not children and not nested:
            self.lines.append(head + "/>")
            return
        self.lines.append(head + ">")
        # child elements in layout order
        order = []
        for _, path in fields:
            c = path.split("/@")[0]
            if not c.startswith("@") and c in children and c not in order:
                order.append(c)
        for c in order:
            cattrs, text = children[c]
            open_tag = pad + "  <" + c + "".join(" %s=%s" % (a, quoteattr(v)) for a, v in cattrs)
            self.lines.append(open_tag + ("/>" if text is None else ">" + escape(text) + "</" + c + ">"))
        if entity == "participant":
            self.lines.append(pad + "  <opomba>" + NOTES[index % len(NOTES)] + "</opomba>")
        for child in nested:
            tag = child.tag.split("}")[1]
            if tag in LAYOUT:
                self.element(child, depth + 1, 0)
            else:  # a list wrapper: providers, participants, expenditures
                items = list(child)
                wrapper = LAYOUT[items[0].tag.split("}")[1]][1] if items else None
                if wrapper is None:
                    continue
                self.lines.append(pad + "  <" + wrapper + ">")
                for i, item in enumerate(items):
                    self.element(item, depth + 2, i)
                self.lines.append(pad + "  </" + wrapper + ">")
        self.lines.append(pad + "</" + name + ">")


def main():
    check = "--check" in sys.argv[1:]
    root = ET.parse(CANONICAL).getroot()
    assert root.tag == "{%s}operation" % CANONICAL_NS
    w = Writer()
    w.element(root, 0, 0)
    outputs = [("export.xml", ("\n".join(w.lines) + "\n").encode("utf-8"))]
    with open(os.path.join(HERE, "..", "ucne-delavnice", "expected-findings.tsv"), "rb") as f:
        outputs.append(("expected-findings.tsv", f.read()))
    # the same data, so the same indicator values (the oracle's, of the canonical export)
    with open(os.path.join(HERE, "..", "ucne-delavnice", "expected-indicators.tsv"), "rb") as f:
        outputs.append(("expected-indicators.tsv", f.read()))
    differ = write_outputs(HERE, outputs, check)
    if differ:
        print("differs from what generate.py writes: " + ", ".join(differ), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
