import ESFCore

/// The stylesheet and script of the HTML report, inlined into every report (no network, no external
/// fonts). The report's Content-Security-Policy allows exactly these two by their SHA-256, so nothing
/// else can run or load, whatever a value of the input holds.
enum HTMLAssets {
    /// Screen and print styles. System fonts only; `@media print` hides the filters and shows every finding.
    static let css = """
    :root { --fg: #1d2430; --muted: #5b6574; --line: #d8dde5; --bg: #ffffff; --panel: #f5f7fa;
      --fatal: #7a1fa2; --error: #c62828; --review: #a15c00; --warning: #8a6d00; --info: #1565c0;
      --ok: #2e7d32; --eu: #1f4e9c; --national: #e0a800; }
    * { box-sizing: border-box; }
    html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
      font-size: 15px; line-height: 1.45; color: var(--fg); background: var(--bg); }
    body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; }
    h1 { font-size: 1.6rem; margin: 0 0 4px; }
    h2 { font-size: 1.25rem; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
    h3 { font-size: 1.05rem; margin: 0; }
    code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; font-size: 0.88em; }
    code { overflow-wrap: anywhere; }
    .subtitle { color: var(--muted); margin: 0 0 16px; }
    .verdict { display: flex; align-items: center; gap: 18px; padding: 14px 18px; border-radius: 8px; border: 2px solid; margin: 8px 0 4px; }
    .verdict .word { font-size: 1.7rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; }
    .verdict p { margin: 0; }
    .verdict-reject { border-color: var(--error); background: #fdecea; }
    .verdict-reject .word { color: var(--error); }
    .verdict-review { border-color: var(--review); background: #fff4e0; }
    .verdict-review .word { color: var(--review); }
    .verdict-accept { border-color: var(--ok); background: #e8f5e9; }
    .verdict-accept .word { color: var(--ok); }
    .counts { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0 0; padding: 0; list-style: none; }
    .counts li { border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; background: var(--panel); }
    .counts b { font-size: 1.1rem; }
    .note { color: var(--muted); }
    .warn { color: var(--error); font-weight: 600; }
    table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
    th, td { text-align: left; vertical-align: top; padding: 3px 8px; border-bottom: 1px solid var(--line); }
    table.records { width: auto; min-width: 50%; }
    td.nowrap { white-space: nowrap; }
    td.nowrap code { overflow-wrap: normal; }
    th { background: var(--panel); font-weight: 600; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    tr.has-findings td { background: #fff6f5; }
    tr.not-evaluated td { color: var(--muted); font-style: italic; }
    .sev { display: inline-block; min-width: 4.6em; text-align: center; padding: 1px 7px; border-radius: 4px;
      color: #fff; font-size: 0.8rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.03em; }
    .sev-fatal { background: var(--fatal); } .sev-error { background: var(--error); } .sev-review { background: var(--review); }
    .sev-warning { background: var(--warning); } .sev-info { background: var(--info); }
    .met-yes { color: var(--ok); font-weight: 600; } .met-no { color: var(--error); font-weight: 600; }
    .split { margin: 8px 0 16px; padding: 12px 16px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
    .split svg { display: block; width: 100%; height: 22px; margin: 8px 0; border-radius: 4px; }
    .split .eu { fill: var(--eu); } .split .national { fill: var(--national); }
    .split .legend { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0; }
    .swatch { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px; vertical-align: -0.1em; margin-right: 4px; }
    .swatch-eu { background: var(--eu); } .swatch-national { background: var(--national); }
    #filters { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px;
      padding: 10px 12px; margin: 0 0 12px; background: #eef2f7; border: 1px solid var(--line); border-radius: 8px; }
    #filters[hidden] { display: none; }
    #filters fieldset { border: 0; margin: 0; padding: 0; display: flex; gap: 10px; flex-wrap: wrap; }
    #filters legend { float: left; font-weight: 600; margin-right: 6px; }
    #filters label { white-space: nowrap; }
    #filters input[type=search] { min-width: 16em; padding: 3px 6px; font: inherit; }
    #filters select { font: inherit; padding: 2px 4px; }
    #filter-count { color: var(--muted); margin-left: auto; }
    .rule-group { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 14px; overflow: hidden; }
    .rule-group > header { padding: 10px 14px; background: var(--panel); border-bottom: 1px solid var(--line); }
    .rule-group > header h3 { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
    .rule-group .rule-title { font-weight: 600; }
    .rule-group .count { color: var(--muted); font-weight: 400; }
    .meta { margin: 6px 0 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
    .meta dt { color: var(--muted); }
    .meta dd { margin: 0; }
    .meta ul { margin: 0; padding-left: 1.1em; }
    details.finding { border-top: 1px solid var(--line); padding: 0 14px; }
    .rule-group > details.finding:first-of-type { border-top: 0; }
    details.finding > summary { cursor: pointer; padding: 8px 0; list-style-position: outside; margin-left: 1em; }
    details.finding > summary .key { font-weight: 600; margin-right: 6px; }
    details.finding > .body { padding: 0 0 10px 1em; }
    details.finding.waived, details.finding.baselined { opacity: 0.75; }
    .status { display: inline-block; border: 1px solid currentColor; border-radius: 3px; padding: 0 5px; font-size: 0.8em; text-transform: uppercase; }
    table.computation { width: auto; min-width: 50%; }
    table.computation td:first-child { color: var(--muted); }
    table.computation caption { text-align: left; padding: 0 0 2px; }
    .fingerprint { color: var(--muted); font-size: 0.8em; }
    #envelope table th[scope=row] { width: 14em; background: transparent; }
    .sha { font-size: 0.8em; overflow-wrap: anywhere; }
    footer { margin-top: 36px; color: var(--muted); font-size: 0.85rem; }
    @media print {
      html { font-size: 10.5pt; }
      body { max-width: none; padding: 0; }
      #filters, #filters[hidden] { display: none !important; }
      .finding[hidden], .rule-group[hidden] { display: block !important; }
      details.finding > summary { list-style: none; margin-left: 0; }
      .rule-group, details.finding, tr { break-inside: avoid; }
      h2 { break-after: avoid; }
      .verdict, .sev, tr.has-findings td, th, .split, .rule-group > header { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    }
    """

    /// The script of a report in `language`: the same code, the words it writes (how many findings are
    /// shown) from the catalogue.
    static func js(_ language: Language) -> String {
        switch language {
        case .en: return english
        case .sl: return slovenian
        }
    }

    static let english = script(ReportWords.en)
    static let slovenian = script(ReportWords.sl)

    /// `'showing ' + shown + ' of ' + findings.length + ' findings'`: the catalogue's `filterCount` as
    /// a JavaScript expression.
    static func countExpression(_ w: ReportWords) -> String {
        func quoted(_ s: String) -> String {
            "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        }
        let marker = "\u{1}"
        let parts = ReportWords.fill(w.filterCount, [marker + "shown" + marker, marker + "findings.length" + marker]).components(separatedBy: marker)
        // even parts are words, odd parts the script's variables
        return parts.enumerated().compactMap { i, part in
            i % 2 == 1 ? part : part.isEmpty ? nil : quoted(part)
        }.joined(separator: " + ")
    }

    /// The filters: shown only when the script runs (without it the report lists every finding, expanded);
    /// set from the address on load (`#severity=error,review&rule=ESF-CF-001&q=text`, or the same as a
    /// query) and written back to it; before printing every `details` element is opened.
    static func script(_ w: ReportWords) -> String {
        let countExpression = countExpression(w)
        return """
    (function () {
      'use strict';
      var bar = document.getElementById('filters');
      var findings = Array.prototype.slice.call(document.querySelectorAll('details.finding'));
      window.addEventListener('beforeprint', function () {
        Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
      });
      if (!bar || findings.length === 0) { return; }
      var groups = Array.prototype.slice.call(document.querySelectorAll('section.rule-group'));
      var boxes = Array.prototype.slice.call(bar.querySelectorAll('input[name=severity]'));
      var rule = document.getElementById('filter-rule');
      var text = document.getElementById('filter-text');
      var count = document.getElementById('filter-count');
      var haystack = findings.map(function (f) {
        var group = f.closest('section.rule-group');
        var header = group ? group.querySelector('header') : null;
        return ((header ? header.textContent : '') + ' ' + f.textContent).toLowerCase();
      });
      function apply(write) {
        var severities = {};
        boxes.forEach(function (b) { if (b.checked) { severities[b.value] = true; } });
        var r = rule.value;
        var q = text.value.trim().toLowerCase();
        var shown = 0;
        findings.forEach(function (f, i) {
          var keep = severities[f.getAttribute('data-severity')] === true
            && (r === '' || f.getAttribute('data-rule') === r)
            && (q === '' || haystack[i].indexOf(q) >= 0);
          f.hidden = !keep;
          if (keep) { shown += 1; }
        });
        groups.forEach(function (g) { g.hidden = g.querySelector('details.finding:not([hidden])') === null; });
        count.textContent = \(countExpression);
        if (write) {
          var parts = [];
          var all = boxes.every(function (b) { return b.checked; });
          if (!all) { parts.push('severity=' + boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; }).join(',')); }
          if (r !== '') { parts.push('rule=' + encodeURIComponent(r)); }
          if (q !== '') { parts.push('q=' + encodeURIComponent(text.value.trim())); }
          try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search); } catch (e) { }
        }
      }
      function fromAddress() {
        var params = new URLSearchParams(location.search);
        new URLSearchParams(location.hash.replace(/^#/, '')).forEach(function (v, k) { params.set(k, v); });
        var sev = params.get('severity');
        if (sev !== null) {
          var wanted = sev.toLowerCase().split(',');
          boxes.forEach(function (b) { b.checked = wanted.indexOf(b.value) >= 0; });
        }
        var r = params.get('rule');
        if (r !== null) {
          var known = Array.prototype.some.call(rule.options, function (o) { return o.value === r; });
          rule.value = known ? r : '';
        }
        var q = params.get('q');
        if (q !== null) { text.value = q; }
      }
      bar.hidden = false;
      // Enter in the text box filters; it never submits the form (nowhere to send it)
      bar.addEventListener('submit', function (e) { e.preventDefault(); });
      fromAddress();
      apply(false);
      boxes.forEach(function (b) { b.addEventListener('change', function () { apply(true); }); });
      rule.addEventListener('change', function () { apply(true); });
      text.addEventListener('input', function () { apply(true); });
      window.addEventListener('hashchange', function () { fromAddress(); apply(false); });
    })();
    """
    }
}
