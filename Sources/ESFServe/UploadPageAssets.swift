/// The upload page's stylesheet and script, inlined into the page (no external assets). The page's
/// Content-Security-Policy allows exactly these by their SHA-256 (`UploadPage.contentSecurityPolicy`).
enum UploadPageAssets {
    static let css = """
    :root { --fg: #1d2430; --muted: #5b6574; --line: #c9d0da; --bg: #ffffff; --panel: #f5f7fa; --accent: #1f4e9c;
      --error: #c62828; --review: #a15c00; --ok: #2e7d32; }
    * { box-sizing: border-box; }
    html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
      font-size: 15px; line-height: 1.45; color: var(--fg); background: var(--bg); }
    body { margin: 0 auto; max-width: 1220px; padding: 20px 24px 40px; }
    header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 8px 24px; }
    h1 { font-size: 1.5rem; margin: 0 0 6px; }
    .intro { color: var(--muted); margin: 0 0 14px; max-width: 60em; }
    .lang select { font: inherit; padding: 2px 6px; }
    form { margin: 0 0 10px; }
    .drop { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 16px; padding: 18px; border: 2px dashed var(--line);
      border-radius: 10px; background: var(--panel); }
    .drop.over { border-color: var(--accent); background: #e8eef9; }
    .drop label { font-weight: 600; }
    .drop .hint, #chosen { color: var(--muted); flex-basis: 100%; margin: 0; }
    input[type=file] { font: inherit; }
    button { font: inherit; padding: 5px 16px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
    button:disabled { opacity: 0.55; cursor: default; }
    button.link { background: none; color: var(--accent); border-color: var(--line); padding: 2px 10px; }
    :focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
    .state { display: flex; align-items: center; gap: 12px; min-height: 2em; }
    #status { font-weight: 600; }
    #status.reject { color: var(--error); } #status.review { color: var(--review); } #status.accept { color: var(--ok); }
    progress { width: 16em; }
    #problem { border: 2px solid var(--error); border-radius: 8px; background: #fdecea; padding: 10px 16px; margin: 8px 0; }
    #problem h2 { font-size: 1.1rem; margin: 0 0 4px; color: var(--error); }
    #problem p, #problem ul { margin: 4px 0; }
    #problem code { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
    #downloads { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 8px 0; }
    #report { display: block; width: 100%; height: 78vh; min-height: 480px; border: 1px solid var(--line); border-radius: 8px; }
    [hidden] { display: none !important; }
    """

    /// The script: the page's texts in every language (`words`), the file choice and drop, the upload
    /// with its progress, the report in a sandboxed `<iframe srcdoc>`, problem documents as messages,
    /// the downloads (the same files posted again with another `Accept`), and the language switch.
    static func js(words: String) -> String {
        script + "(" + words.replacingOccurrences(of: "<", with: "\\u003c") + ");"
    }

    static let script = """
    (function (words) {
      'use strict';
      var $ = function (id) { return document.getElementById(id); };
      var form = $('upload'), input = $('file'), drop = $('drop'), select = $('lang'), status = $('status'),
          progress = $('progress'), problem = $('problem'), result = $('result'), frame = $('report'),
          submit = $('submit'), chosenLine = $('chosen');
      var lang = words[document.documentElement.lang] ? document.documentElement.lang : 'en';
      var files = [];      // the files chosen or dropped
      var checked = null;  // the files of the report or problem shown, for the downloads and a language switch
      var shown = null;    // { html, verdict } of the report shown
      var failure = null;  // { status, doc } of the problem shown
      var state = null;    // the status line: [key, argument, argumentIsKey]
      var types = { html: 'text/html', json: 'application/json', sarif: 'application/sarif+json', csv: 'text/csv' };
      var names = { html: 'esfcheck-report.html', json: 'esfcheck-report.json', sarif: 'esfcheck-report.sarif', csv: 'esfcheck-findings.csv' };

      function t(key, arg) {
        var s = words[lang][key] || words.en[key] || key;
        return s.replace('{0}', arg === undefined || arg === null ? '' : String(arg));
      }
      function say(key, arg, argIsKey) {
        state = key ? [key, arg, argIsKey] : null;
        status.textContent = key ? t(key, argIsKey ? t(arg) : arg) : '';
        status.className = key === 'verdict' ? arg : '';
      }
      function render() {
        document.documentElement.lang = lang;
        Array.prototype.forEach.call(document.querySelectorAll('[data-t]'), function (el) { el.textContent = t(el.getAttribute('data-t')); });
        document.title = t('title');
        frame.title = t('report');
        select.value = lang;
        form.action = '/v1/check?lang=' + lang;
        if (state) { say(state[0], state[1], state[2]); }
        showChosen();
        if (failure) { showProblem(); }
      }
      function showChosen() {
        chosenLine.textContent = files.length ? t('chosen', files.map(function (f) { return f.name; }).join(', ')) : t('none');
      }
      function choose(list) {
        files = Array.prototype.slice.call(list || []);
        showChosen();
      }
      function busy(on) {
        submit.disabled = on;
        select.disabled = on;
        Array.prototype.forEach.call(document.querySelectorAll('#downloads button'), function (b) { b.disabled = on; });
        progress.hidden = !on;
        form.setAttribute('aria-busy', on ? 'true' : 'false');
      }
      function body(list) {
        var data = new FormData();
        list.forEach(function (f) { data.append('file', f, f.name); });
        return data;
      }
      // POST the files; `done(status, xhr)` once answered (status 0: the server could not be reached)
      function post(list, accept, responseType, done) {
        var xhr = new XMLHttpRequest();
        xhr.open('POST', '/v1/check?lang=' + encodeURIComponent(lang));
        xhr.setRequestHeader('Accept', accept);
        xhr.responseType = responseType;
        xhr.upload.onprogress = function (e) {
          if (e.lengthComputable && e.total > 0) {
            progress.value = Math.round(100 * e.loaded / e.total);
            say('uploading', progress.value);
          }
        };
        xhr.upload.onload = function () { progress.removeAttribute('value'); say('checking'); };
        xhr.onload = function () { done(xhr.status, xhr); };
        xhr.onerror = function () { done(0, xhr); };
        busy(true);
        progress.value = 0;
        say('uploading', 0);
        xhr.send(body(list));
      }
      function check(list) {
        if (!list.length) { say('none'); input.focus(); return; }
        checked = list;
        post(list, types.html, 'text', function (code, xhr) {
          busy(false);
          if (code === 200 || code === 406) {
            failure = null;
            problem.hidden = true;
            var verdict = (xhr.getResponseHeader('Esfcheck-Verdict') || '').toLowerCase();
            shown = { html: xhr.responseText, verdict: verdict };
            frame.srcdoc = xhr.responseText;
            result.hidden = false;
            say('verdict', verdict, true);
          } else {
            shown = null;
            result.hidden = true;
            frame.removeAttribute('srcdoc');
            failed(code, xhr.responseText);
          }
        });
      }
      function failed(code, text) {
        var doc = null;
        try { doc = JSON.parse(text); } catch (e) { doc = null; }
        failure = { status: code, doc: doc };
        say(null);
        showProblem();
      }
      function showProblem() {
        var code = failure.status, doc = failure.doc || {};
        var key = code === 0 ? 'eNetwork' : (['e400', 'e413', 'e415', 'e422', 'e503'].indexOf('e' + code) >= 0 ? 'e' + code : 'eOther');
        problem.textContent = '';
        var h = document.createElement('h2');
        h.textContent = t(key, code);
        problem.appendChild(h);
        // the server's detail is English: in another language it is shown only where the page has no
        // words of its own for the problem (a refused request names its reason)
        if (doc.detail && (lang === 'en' || key === 'e400' || key === 'eOther')) {
          var p = document.createElement('p');
          p.textContent = doc.detail;
          problem.appendChild(p);
        }
        if (doc.diagnostics && doc.diagnostics.length) {
          var intro = document.createElement('p');
          intro.textContent = t('diagnostics');
          problem.appendChild(intro);
          var ul = document.createElement('ul');
          doc.diagnostics.forEach(function (d) {
            var li = document.createElement('li');
            var where = [d.file, d.line, d.column].filter(function (x) { return x !== undefined && x !== null; }).join(':');
            if (where) {
              var c = document.createElement('code');
              c.textContent = where;
              li.appendChild(c);
              li.appendChild(document.createTextNode(' '));
            }
            li.appendChild(document.createTextNode(d.message || d.code || ''));
            ul.appendChild(li);
          });
          problem.appendChild(ul);
        }
        problem.hidden = false;
      }
      function save(blob, name) {
        var url = URL.createObjectURL(blob);
        var a = document.createElement('a');
        a.href = url;
        a.download = name;
        a.hidden = true;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      }
      function download(format) {
        if (!checked) { return; }
        if (format === 'html' && shown) { save(new Blob([shown.html], { type: types.html }), names.html); return; }
        post(checked, types[format], 'blob', function (code, xhr) {
          busy(false);
          if (code === 200 || code === 406) {
            save(xhr.response, names[format]);
            if (shown) { say('verdict', shown.verdict, true); }
          } else if (xhr.response && xhr.response.text) {
            xhr.response.text().then(function (text) { failed(code, text); });
          } else {
            failed(code, '');
          }
        });
      }

      input.addEventListener('change', function () { choose(input.files); });
      form.addEventListener('submit', function (e) { e.preventDefault(); check(files); });
      ['dragenter', 'dragover'].forEach(function (name) {
        drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add('over'); });
      });
      ['dragleave', 'drop'].forEach(function (name) {
        drop.addEventListener(name, function () { drop.classList.remove('over'); });
      });
      drop.addEventListener('drop', function (e) {
        e.preventDefault();
        if (!e.dataTransfer || !e.dataTransfer.files.length) { return; }
        try { input.files = e.dataTransfer.files; } catch (err) { /* an older browser: the list below still holds them */ }
        choose(e.dataTransfer.files);
        check(files);
      });
      select.addEventListener('change', function () {
        lang = words[select.value] ? select.value : 'en';
        render();
        // the report or problem shown is re-made in the new language
        if (checked && (shown || failure)) { check(checked); }
      });
      Array.prototype.forEach.call(document.querySelectorAll('#downloads button'), function (b) {
        b.addEventListener('click', function () { download(b.getAttribute('data-format')); });
      });
      choose(input.files);
      render();
    })
    """
}
