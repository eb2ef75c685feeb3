#!/usr/bin/env python3
"""Drives headless Chromium against a running `esfcheck serve` through the DevTools protocol and checks
the upload page as a user would meet it (Scripts/test-page.sh starts the server and calls this).

    page_driver.py --url http://127.0.0.1:PORT --export Fixtures/ucne-delavnice/export.xml [--screenshot PNG]

Steps, each checked: the page in English (Accept-Language: en); the sample export uploaded through the
real file input; the verdict (reject) on the page and in the report inside its sandboxed frame, the
report's own script running there (its filter bar shown), and the finding of ESF-PD-002 with the masked
EMŠO; the switch to Slovenian re-renders the page and re-checks (the report in Slovenian); the JSON
download (the same file posted again) saved with the same verdict in Slovenian; a malformed XML shows
the 422 problem with the file and line; switching back to English shows that problem in English; the
sample dropped on the drop zone is checked. No
Content-Security-Policy violation nor script error may occur. Exit 0 when every check passed.
Needs websocket-client (PyPI); Chromium is Debian's `chromium`.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

TIMEOUT = 60.0


class Failure(Exception):
    pass


class Browser:
    """One headless Chromium with one page, driven over the DevTools protocol (flat sessions)."""

    def __init__(self, chromium, work):
        self.profile = os.path.join(work, "profile")
        # sandboxed frames stay in the page's process, so the page's session reaches the report's frame
        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
             "--force-device-scale-factor=1", "--disable-features=IsolateSandboxedIframes",
             "--disable-site-isolation-trials", "--remote-debugging-port=0",
             "--user-data-dir=" + self.profile, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "chromium.log"), "w"))
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + TIMEOUT
        while not os.path.exists(port_file) or len(open(port_file).read().split("\n")) < 2:
            if self.process.poll() is not None or time.time() > deadline:
                raise Failure("chromium did not start (see its log)")
            time.sleep(0.1)
        port, path = open(port_file).read().split("\n")[:2]
        self.ws = websocket.create_connection("ws://127.0.0.1:%s%s" % (port, path), timeout=TIMEOUT,
                                              suppress_origin=True)
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "DOM"):
            self.call(domain + ".enable", session=True)

    def call(self, method, session=False, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            answer = json.loads(self.ws.recv())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise Failure("%s: %s" % (method, answer["error"].get("message")))
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def evaluate(self, expression, context=None):
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if context is not None:
            params["contextId"] = context
        result = self.call("Runtime.evaluate", session=True, **params)
        if "exceptionDetails" in result:
            raise Failure("script error in %r: %s" % (expression, result["exceptionDetails"].get("text")))
        return result["result"].get("value")

    def wait(self, expression, what, context=None):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            value = self.evaluate(expression, context)
            if value:
                return value
            time.sleep(0.1)
        raise Failure("timed out waiting for " + what)

    def problems(self):
        """Script errors and policy violations reported so far (page and report frame)."""
        found = []
        for e in self.events:
            if e["method"] == "Runtime.exceptionThrown":
                found.append(e["params"]["exceptionDetails"].get("text", "exception"))
            elif e["method"] == "Log.entryAdded":
                entry = e["params"]["entry"]
                text = entry.get("text", "")
                # the browser logs every 4xx answer as a network error: the page handles 406 and 422
                # itself, and /favicon.ico is rightly 404; anything else (a policy violation) counts
                expected = entry.get("source") == "network" and text.startswith("Failed to load resource: the server responded")
                if entry.get("level") == "error" and not expected:
                    found.append(text)
            elif e["method"] == "Runtime.consoleAPICalled" and e["params"].get("type") == "error":
                found.append(" ".join(str(a.get("value")) for a in e["params"].get("args", [])))
        return found

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def check(condition, what):
    if not condition:
        raise Failure(what)
    print("page test: ok  " + what)


def report_context(browser):
    """An isolated script context in the report's frame (the iframe's document, whatever its origin)."""
    tree = browser.call("Page.getFrameTree", session=True)["frameTree"]
    children = tree.get("childFrames", [])
    if len(children) != 1:
        raise Failure("expected one report frame, found %d" % len(children))
    frame = children[0]["frame"]["id"]
    return browser.call("Page.createIsolatedWorld", session=True, frameId=frame, worldName="page-test")["executionContextId"]


def report_state(browser):
    """The report's language, verdict word, whether its script ran, and the text of ESF-PD-002's group."""
    deadline = time.time() + TIMEOUT
    while True:
        try:
            context = report_context(browser)
            state = browser.evaluate("""(function () {
                var word = document.querySelector('.verdict .word');
                var filters = document.getElementById('filters');
                var group = Array.prototype.filter.call(document.querySelectorAll('.rule-group'),
                    function (g) { return g.textContent.indexOf('ESF-PD-002') >= 0; })[0];
                return word && document.readyState === 'complete' ? { lang: document.documentElement.lang, verdict: word.textContent.trim(),
                                scripted: !!filters && !filters.hidden, group: group ? group.textContent : '' } : null;
            }())""", context)
            if state:
                return state
        except Failure:
            if time.time() > deadline:
                raise
        if time.time() > deadline:
            raise Failure("no report in the frame")
        time.sleep(0.2)


def choose(browser, path):
    document = browser.call("DOM.getDocument", session=True)["root"]["nodeId"]
    node = browser.call("DOM.querySelector", session=True, nodeId=document, selector="#file")["nodeId"]
    browser.call("DOM.setFileInputFiles", session=True, files=[os.path.abspath(path)], nodeId=node)
    browser.wait("document.getElementById('chosen').textContent.indexOf(%s) >= 0" % json.dumps(os.path.basename(path)),
                 "the chosen file's name on the page")


def switch(browser, language):
    browser.evaluate("(function () { var s = document.getElementById('lang'); s.value = %s;"
                     " s.dispatchEvent(new Event('change')); return true; }())" % json.dumps(language))


def status(browser):
    return browser.evaluate("document.getElementById('status').textContent")


def run(args, work):
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise Failure("chromium is not installed")
    browser = Browser(chromium, work)
    try:
        version = browser.call("Browser.getVersion")
        browser.call("Emulation.setUserAgentOverride", session=True, userAgent=version["userAgent"], acceptLanguage="en")
        browser.call("Emulation.setDeviceMetricsOverride", session=True, width=1280, height=1100, deviceScaleFactor=1, mobile=False)
        downloads = os.path.join(work, "downloads")
        os.mkdir(downloads)
        browser.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=downloads)

        browser.call("Page.navigate", session=True, url=args.url + "/")
        browser.wait("document.readyState === 'complete' && !!document.getElementById('file')", "the page")
        check(browser.evaluate("document.documentElement.lang") == "en", "the page is in English for Accept-Language: en")
        check(browser.evaluate("document.querySelector('h1').textContent") == "Check an ESF export", "the English heading")

        # the sample export, in English
        choose(browser, args.export)
        browser.evaluate("document.getElementById('submit').click(), true")
        browser.wait("document.getElementById('status').textContent.indexOf('Verdict') >= 0", "the English verdict")
        check(status(browser) == "Checked. Verdict: reject.", "the page says the verdict: %r" % status(browser))
        state = report_state(browser)
        check(state["lang"] == "en" and state["verdict"] == "reject", "the report in its frame: English, verdict reject")
        check(state["scripted"], "the report's own script runs in the sandboxed frame (its filters are shown)")
        check("ESF-PD-002" in state["group"] and "2810******229" in state["group"],
              "the finding of ESF-PD-002 shows the masked EMŠO 2810******229")
        check("2810970505229" not in state["group"], "the EMŠO is not shown in full")
        if args.screenshot:
            browser.evaluate("window.scrollTo(0, 0), true")
            shot = browser.call("Page.captureScreenshot", session=True, format="png")["data"]
            with open(args.screenshot, "wb") as f:
                f.write(base64.b64decode(shot))
            print("page test: screenshot -> " + args.screenshot)

        # the switch: the page's texts and the report in Slovenian
        switch(browser, "sl")
        browser.wait("document.getElementById('status').textContent.indexOf('Odločitev') >= 0", "the Slovenian verdict")
        check(browser.evaluate("document.documentElement.lang") == "sl", "the switch makes the page Slovenian")
        check(browser.evaluate("document.querySelector('h1').textContent") == "Preverjanje izvoza ESS", "the Slovenian heading")
        check(status(browser) == "Preverjeno. Odločitev: zavrnjeno.", "the page says the verdict in Slovenian: %r" % status(browser))
        state = report_state(browser)
        deadline = time.time() + TIMEOUT
        while state["lang"] != "sl" and time.time() < deadline:
            time.sleep(0.2)
            state = report_state(browser)
        check(state["lang"] == "sl" and state["verdict"] == "zavrnjeno", "the report in Slovenian, verdict zavrnjeno")
        check(state["scripted"] and "ESF-PD-002" in state["group"] and "2810******229" in state["group"],
              "the Slovenian report's ESF-PD-002 finding, EMŠO masked, script running")

        # the JSON download: the same file posted again with Accept: application/json, saved by the page
        browser.evaluate("document.querySelector('#downloads [data-format=json]').click(), true")
        saved = os.path.join(downloads, "esfcheck-report.json")
        deadline = time.time() + TIMEOUT
        while not os.path.exists(saved) and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
        check(os.path.exists(saved), "the JSON report is downloaded")
        with open(saved, encoding="utf-8") as f:
            document = json.load(f)
        check(document.get("verdict") == "reject" and document.get("language") == "sl",
              "the downloaded JSON report: verdict reject, in Slovenian")

        # a malformed XML: the 422 problem with file and line, in Slovenian, then in English
        broken = os.path.join(work, "broken.xml")
        with open(broken, "w", encoding="utf-8") as f:
            f.write("<?xml version=\"1.0\"?>\n<export>\n  <operation>\n</export>\n")
        choose(browser, broken)
        browser.evaluate("document.getElementById('submit').click(), true")
        browser.wait("!document.getElementById('problem').hidden", "the problem of the malformed XML")
        text = browser.evaluate("document.getElementById('problem').textContent")
        check("Naloženih datotek ni bilo mogoče prebrati kot izvoz." in text, "the 422 problem's heading in Slovenian")
        check("broken.xml:4:" in text, "the 422 diagnostic names the file and line (broken.xml:4): %r" % text)
        check("the upload could not be read" not in text and "diagnostics say" not in text,
              "the Slovenian problem holds no English sentence of the server's (its detail is not shown)")
        check(browser.evaluate("document.getElementById('result').hidden"), "no report is shown with the problem")
        switch(browser, "en")
        browser.wait("document.getElementById('problem').textContent.indexOf('could not be read') >= 0 && "
                     "!document.querySelector('form').getAttribute('aria-busy').match(/true/)", "the English problem")
        text = browser.evaluate("document.getElementById('problem').textContent")
        check("The upload could not be read as an export." in text and "broken.xml:4:" in text,
              "after the switch the problem is in English, with file and line")

        # the drop zone: the sample dropped on it is checked at once
        browser.evaluate("window.scrollTo(0, 0), true")
        box = browser.evaluate("(function () { var r = document.getElementById('drop').getBoundingClientRect();"
                               " return [r.left + r.width / 2, r.top + r.height - 8]; }())")
        data = {"items": [], "files": [os.path.abspath(args.export)], "dragOperationsMask": 1}
        for kind in ("dragEnter", "dragOver", "drop"):
            browser.call("Input.dispatchDragEvent", session=True, type=kind, x=box[0], y=box[1], data=data)
        browser.wait("document.getElementById('status').textContent.indexOf('Verdict') >= 0", "the verdict of the dropped file")
        check(status(browser) == "Checked. Verdict: reject." and browser.evaluate("document.getElementById('problem').hidden"),
              "a file dropped on the drop zone is checked: verdict reject, the problem gone")

        problems = browser.problems()
        check(not problems, "no script error or Content-Security-Policy violation%s" % (": %r" % problems if problems else ""))
    finally:
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--export", required=True)
    parser.add_argument("--screenshot")
    parser.add_argument("--chromium")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="esfcheck-page-test-")
    try:
        run(args, work)
    except Failure as e:
        print("page test: FAILED: %s" % e)
        log = os.path.join(work, "chromium.log")
        if os.path.exists(log):
            sys.stdout.write(open(log, encoding="utf-8", errors="replace").read()[-3000:])
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("page test: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
