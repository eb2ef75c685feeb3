#!/usr/bin/env python3
"""The CI examples of docs/ci.md, read from their own files and run here (used by Scripts/test-ci-examples.sh).

Subcommands (each prints a JSON result on stdout, or exits 1 with the reason on stderr):

  syntax ROOT                      parse every example YAML file and check what the docs promise of it
  github WORKFLOW WORKSPACE LOGS   run the workflow's job as a runner would: its `run:` steps for real
                                   (bash -eo pipefail, env, GITHUB_PATH, RUNNER_TEMP), its `if:` conditions
                                   evaluated, actions/checkout and github/codeql-action/upload-sarif emulated
                                   (the SARIF file is validated against docs/sarif-schema-2.1.0.json)
  gitlab FILE JOB WORKSPACE LOGS   run the job's before_script and script lines in one shell, as a runner does,
                                   then collect its artifacts (when: always)
  junit FILE                       the JUnit report: well-formed, its counts consistent; the counts
  sarif FILE SCHEMA                the SARIF report valid against SCHEMA; its results (rule, file, line)
  included DOC FILE ...            each FILE appears verbatim in DOC (a fenced block), so the docs cannot drift

Needs PyYAML and jsonschema (the venv of Scripts/test-ci-examples.sh).
"""
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema
import yaml

# a step that blocks (a prompt, a hung command) fails the test instead of hanging CI
STEP_TIMEOUT = 300

def die(message):
    print(f"ci-examples: {message}", file=sys.stderr)
    sys.exit(1)


def load_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as error:
        die(f"{path}: {error}")


# ---------------------------------------------------------------- GitHub Actions expressions


class Expression:
    """The part of the GitHub Actions expression language the examples use: literals, contexts
    (steps.ID.outcome, env.NAME, secrets.NAME, runner.temp, github.workspace), the status functions,
    hashFiles, !, ==, !=, &&, || and parentheses. Anything else is an error, never a guess."""

    TOKEN = re.compile(r"\s*(?:(\d+)|'((?:[^']|'')*)'|(&&|\|\||==|!=|!|\(|\)|,)|([A-Za-z_][A-Za-z0-9_.-]*))")

    def __init__(self, text, context):
        self.tokens = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = self.TOKEN.match(text, pos)
            if not m or m.end() == pos:
                die(f"expression {text!r}: cannot read at {text[pos:]!r}")
            number, string, op, name = m.groups()
            if number is not None:
                self.tokens.append(("lit", int(number)))
            elif string is not None:
                self.tokens.append(("lit", string.replace("''", "'")))
            elif op is not None:
                self.tokens.append(("op", op))
            else:
                self.tokens.append(("name", name))
            pos = m.end()
        self.text = text
        self.context = context
        self.at = 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self, op=None):
        token = self.peek()
        if op is not None and token != ("op", op):
            die(f"expression {self.text!r}: expected {op!r}")
        self.at += 1
        return token

    def evaluate(self):
        value = self.either()
        if self.at != len(self.tokens):
            die(f"expression {self.text!r}: unexpected {self.peek()[1]!r}")
        return value

    def either(self):
        value = self.both()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.both()
            value = value if truthy(value) else right
        return value

    def both(self):
        value = self.compare()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.compare()
            value = right if truthy(value) else value
        return value

    def compare(self):
        value = self.unary()
        while self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            right = self.unary()
            equal = str(value).lower() == str(right).lower() if isinstance(value, str) and isinstance(right, str) else value == right
            value = equal if op == "==" else not equal
        return value

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        if self.peek() == ("op", "("):
            self.take()
            value = self.either()
            self.take(")")
            return value
        kind, value = self.take()
        if kind == "lit":
            return value
        if kind != "name":
            die(f"expression {self.text!r}: unexpected {value!r}")
        if value in ("true", "false"):
            return value == "true"
        if self.peek() == ("op", "("):
            self.take()
            args = []
            while self.peek() != ("op", ")"):
                args.append(self.either())
                if self.peek() == ("op", ","):
                    self.take()
            self.take(")")
            return self.call(value, args)
        return self.lookup(value)

    def call(self, name, args):
        status = self.context["status"]
        functions = {
            "always": lambda: True,
            "cancelled": lambda: False,
            "success": lambda: status == "success",
            "failure": lambda: status == "failure",
            "hashFiles": lambda *patterns: hash_files(self.context["workspace"], patterns),
        }
        if name not in functions:
            die(f"expression {self.text!r}: unknown function {name}()")
        return functions[name](*args)

    def lookup(self, name):
        parts = name.split(".")
        value = self.context["values"]
        for part in parts:
            if not isinstance(value, dict) or part not in value:
                die(f"expression {self.text!r}: unknown context {name}")
            value = value[part]
        return value


def truthy(value):
    return value not in (False, 0, "", None)


def hash_files(workspace, patterns):
    """hashFiles(): '' when no file matches, else a SHA-256 over the files' SHA-256 (as the runner does)."""
    files = sorted({p for pattern in patterns for p in glob.glob(os.path.join(workspace, pattern), recursive=True) if os.path.isfile(p)})
    if not files:
        return ""
    outer = hashlib.sha256()
    for path in files:
        with open(path, "rb") as f:
            outer.update(hashlib.sha256(f.read()).digest())
    return outer.hexdigest()


def interpolate(text, context):
    """A value with ${{ … }} expressions replaced by their values."""
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(Expression(m.group(1), context).evaluate()), str(text))


def condition(text, context):
    """A step's `if:` (with or without ${{ }}), or success() when it has none."""
    if text is None:
        text = "success()"
    text = str(text).strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    return truthy(Expression(text, context).evaluate())


# ---------------------------------------------------------------- GitHub Actions job


def run_github(workflow_path, workspace, logs):
    workflow = load_yaml(workflow_path)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "docs", "sarif-schema-2.1.0.json"), encoding="utf-8") as f:
        sarif_schema = json.load(f)
    jobs = workflow["jobs"]
    if len(jobs) != 1:
        die(f"{workflow_path}: expected one job, found {len(jobs)}")
    job_id, job = next(iter(jobs.items()))
    shell = (job.get("defaults") or {}).get("run", {}).get("shell", "bash")
    if shell != "bash":
        die(f"{workflow_path}: the job's shell is {shell}, expected bash")
    runner_temp = os.path.join(logs, "runner-temp")
    os.makedirs(runner_temp, exist_ok=True)
    files = {name: os.path.join(logs, name) for name in ("GITHUB_PATH", "GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
    for path in files.values():
        open(path, "w").close()
    env = dict(os.environ)
    env.update({"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace, "RUNNER_TEMP": runner_temp,
                "RUNNER_OS": "Linux", **files})
    context = {"workspace": workspace, "status": "success", "sarifSchema": sarif_schema,
               "values": {"secrets": {"ESFCHECK_RELEASES_TOKEN": "test-token", "GITHUB_TOKEN": "test-token"},
                          "runner": {"temp": runner_temp, "os": "Linux"},
                          "github": {"workspace": workspace}, "steps": {}, "env": {}}}
    for source in (workflow.get("env") or {}, job.get("env") or {}):
        for key, value in source.items():
            env[key] = interpolate(value, context)
            context["values"]["env"][key] = env[key]
    extra_path = []
    result = {"job": job_id, "steps": [], "uploads": []}
    for index, step in enumerate(job["steps"]):
        name = step.get("name") or step.get("uses") or f"step {index + 1}"
        record = {"name": name, "id": step.get("id")}
        if not condition(step.get("if"), context):
            record.update(outcome="skipped")
            result["steps"].append(record)
            if step.get("id"):
                context["values"]["steps"][step["id"]] = {"outcome": "skipped", "conclusion": "skipped"}
            continue
        step_env = dict(env)
        step_env["PATH"] = os.pathsep.join(extra_path + [env["PATH"]])
        for key, value in (step.get("env") or {}).items():
            step_env[key] = interpolate(value, context)
        if "run" in step:
            script = os.path.join(logs, f"step-{index + 1}.sh")
            with open(script, "w", encoding="utf-8") as f:
                f.write(step["run"])
            with open(os.path.join(logs, f"step-{index + 1}.out"), "wb") as out:
                status = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=workspace,
                                        env=step_env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                        timeout=STEP_TIMEOUT).returncode
            record.update(exitCode=status, log=os.path.join(logs, f"step-{index + 1}.out"))
        elif "uses" in step:
            status = emulate_action(step, workspace, context, result)
        else:
            die(f"{workflow_path}: step {name!r} has neither run nor uses")
        # what the step wrote for the next steps: PATH entries (first written first) and variables
        with open(files["GITHUB_PATH"], encoding="utf-8") as f:
            extra_path = [line.strip() for line in reversed(f.read().splitlines()) if line.strip()] + extra_path
        open(files["GITHUB_PATH"], "w").close()
        with open(files["GITHUB_ENV"], encoding="utf-8") as f:
            for line in f.read().splitlines():
                if "=" in line:
                    key, value = line.split("=", 1)
                    env[key] = value
        open(files["GITHUB_ENV"], "w").close()
        outcome = "success" if status == 0 else "failure"
        conclusion = "success" if step.get("continue-on-error") else outcome
        record.update(outcome=outcome, conclusion=conclusion)
        if step.get("id"):
            context["values"]["steps"][step["id"]] = {"outcome": outcome, "conclusion": conclusion}
        if conclusion == "failure":
            context["status"] = "failure"
        result["steps"].append(record)
    result["result"] = context["status"]
    return result


def emulate_action(step, workspace, context, result):
    """The actions a runner would download: checkout (the workspace already is the repository) and
    upload-sarif (the file must exist and be valid SARIF; what would be uploaded is recorded)."""
    uses = step["uses"]
    action, _, version = uses.partition("@")
    inputs = {key: interpolate(value, context) for key, value in (step.get("with") or {}).items()}
    if action == "actions/checkout":
        if not os.path.isdir(os.path.join(workspace, ".git")):
            die("actions/checkout: the workspace is not a git repository")
        return 0
    if action == "github/codeql-action/upload-sarif":
        path = os.path.join(workspace, inputs.get("sarif_file", "../results"))
        if not os.path.isfile(path):
            print(f"upload-sarif: {path} does not exist", file=sys.stderr)
            return 1
        results = sarif_results(path, context["sarifSchema"])
        result["uploads"].append({"sarif_file": inputs["sarif_file"], "category": inputs.get("category"),
                                  "version": version, "results": len(results)})
        return 0
    die(f"the action {uses} is not known to this test")


# ---------------------------------------------------------------- GitLab CI job


def run_gitlab(path, job_name, workspace, logs):
    config = load_yaml(path)
    job = config.get(job_name)
    if not isinstance(job, dict):
        die(f"{path}: no job {job_name}")
    env = dict(os.environ)
    env.update({"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": workspace, "CI_JOB_TOKEN": "test-job-token",
                "CI_API_V4_URL": "https://gitlab.invalid/api/v4", "CI_JOB_NAME": job_name})
    for source in (config.get("variables") or {}, job.get("variables") or {}):
        for key, value in source.items():
            env[key] = str(value["value"] if isinstance(value, dict) else value)
    lines = list(job.get("before_script") or []) + list(job.get("script") or [])
    # the runner runs the lines in one shell that stops at the first failing one
    script = os.path.join(logs, "job.sh")
    with open(script, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    log = os.path.join(logs, "job.out")
    with open(log, "wb") as out:
        status = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=workspace, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                timeout=STEP_TIMEOUT).returncode
    artifacts = job.get("artifacts") or {}
    when = artifacts.get("when", "on_success")
    collect = when == "always" or (when == "on_success") == (status == 0)
    collected = []
    if collect:
        junit = (artifacts.get("reports") or {}).get("junit") or []
        wanted = list(artifacts.get("paths") or []) + ([junit] if isinstance(junit, str) else list(junit))
        collected = sorted({p for pattern in wanted for p in glob.glob(os.path.join(workspace, pattern)) if os.path.isfile(p)})
    return {"job": job_name, "exitCode": status, "result": "success" if status == 0 else "failed", "log": log,
            "artifacts": [os.path.relpath(p, workspace) for p in collected]}


# ---------------------------------------------------------------- reports


def junit_counts(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        die(f"{path}: not well-formed XML: {error}")
    if root.tag != "testsuites":
        die(f"{path}: the root element is {root.tag}, expected testsuites")
    cases = root.findall("./testsuite/testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    for attribute, value in (("tests", len(cases)), ("failures", len(failed))):
        if int(root.get(attribute, "-1")) != value:
            die(f"{path}: testsuites {attribute}={root.get(attribute)}, but it holds {value}")
    return {"tests": len(cases), "failures": len(failed), "failureElements": sum(len(c.findall("failure")) for c in cases),
            "failedRules": sorted(c.get("name").split(" ")[0] for c in failed)}


def sarif_results(path, schema):
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError) as error:
        die(f"{path}: not JSON: {error}")
    try:
        jsonschema.validate(document, schema)
    except jsonschema.ValidationError as error:
        die(f"{path}: not valid SARIF 2.1.0: {error.message} at {list(error.absolute_path)}")
    results = []
    for run in document["runs"]:
        for r in run.get("results", []):
            place = r["locations"][0]["physicalLocation"]
            results.append({"rule": r["ruleId"], "file": place["artifactLocation"]["uri"],
                            "line": place.get("region", {}).get("startLine")})
    return results


# ---------------------------------------------------------------- the examples' syntax


def check_syntax(root):
    """Every example parses, and says what docs/ci.md promises of it."""
    problems = []
    workflow = load_yaml(os.path.join(root, "docs/examples/github-actions/esfcheck.yml"))
    job = next(iter(workflow["jobs"].values()))
    permissions = job.get("permissions") or {}
    if permissions.get("security-events") != "write":
        problems.append("the GitHub job lacks permissions: security-events: write")
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    if "actions/checkout@v6" not in uses:
        problems.append("the GitHub job does not check out with actions/checkout@v6")
    uploads = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    if len(uploads) != 1 or uploads[0]["uses"] != "github/codeql-action/upload-sarif@v4":
        problems.append("the GitHub job does not upload with github/codeql-action/upload-sarif@v4")
    else:
        upload = uploads[0]
        if not (upload.get("with") or {}).get("category"):
            problems.append("the SARIF upload has no category")
        if "cancelled()" not in str(upload.get("if")) and "always()" not in str(upload.get("if")):
            problems.append("the SARIF upload does not run after a failed check")
    checks = [s for s in steps if "--format sarif" in s.get("run", "")]
    if len(checks) != 1 or checks[0].get("continue-on-error"):
        problems.append("the check step must be one step that fails the job on its exit code (no continue-on-error)")
    gitlab = load_yaml(os.path.join(root, "docs/examples/gitlab/.gitlab-ci.yml"))
    artifacts = (gitlab.get("esfcheck") or {}).get("artifacts") or {}
    if artifacts.get("when") != "always" or (artifacts.get("reports") or {}).get("junit") != "esfcheck-junit.xml":
        problems.append("the GitLab job does not publish esfcheck-junit.xml with artifacts: when: always, reports: junit")
    hooks = load_yaml(os.path.join(root, ".pre-commit-hooks.yaml"))
    ids = [h.get("id") for h in hooks]
    if "esfcheck" not in ids:
        problems.append(".pre-commit-hooks.yaml has no hook esfcheck")
    for hook in hooks:
        if hook.get("language") in ("script", "unsupported_script") and not os.access(os.path.join(root, hook["entry"].split()[0]), os.X_OK):
            problems.append(f"the entry of hook {hook['id']} is not an executable file of the repository")
    if problems:
        die("; ".join(problems))
    return {"workflowSteps": len(steps), "gitlabJobs": [k for k, v in gitlab.items() if isinstance(v, dict) and "script" in v],
            "hooks": ids}


def check_included(doc, paths):
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            body = f.read()
        if not re.search(r"```[a-z]*\n" + re.escape(body) + r"```", text):
            die(f"{doc} does not show {path} verbatim in a fenced block")
    return {"included": paths}


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    command, args = argv[1], argv[2:]
    if command == "syntax" and len(args) == 1:
        result = check_syntax(args[0])
    elif command == "github" and len(args) == 3:
        result = run_github(*args)
    elif command == "gitlab" and len(args) == 4:
        result = run_gitlab(*args)
    elif command == "junit" and len(args) == 1:
        result = junit_counts(args[0])
    elif command == "sarif" and len(args) == 2:
        with open(args[1], encoding="utf-8") as f:
            result = sarif_results(args[0], json.load(f))
    elif command == "included" and len(args) >= 2:
        result = check_included(args[0], args[1:])
    else:
        die(f"unknown command or arguments: {' '.join(argv[1:])}")
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv)
