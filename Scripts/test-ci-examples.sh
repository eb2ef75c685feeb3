#!/usr/bin/env bash
# The CI examples test (run by .ci/run after Scripts/test-install.sh): every example of docs/ci.md is read
# from its own file and run for real here, on scratch git repositories of exports (the clean operation of
# Fixtures/clean in XML and as a CSV bundle, plus the sample export that rejects, or a malformed export),
# with the release tarball of Scripts/package.sh as what the examples install:
#
#   - the examples parse: PyYAML; the GitHub workflow and the GitLab file against the schemas that
#     check-jsonschema ships (no network), the hooks file with `pre-commit validate-manifest`; and each
#     example file is shown verbatim in docs/ci.md;
#   - the GitHub Actions workflow: its `run:` steps in bash as the runner runs them, its `if:` conditions
#     evaluated, checkout and upload-sarif emulated, `gh` served from the local tarball (Scripts/ci-examples.py):
#     the job passes on the clean exports, fails on a reject and on an unreadable export, and the SARIF
#     (valid against docs/sarif-schema-2.1.0.json) is uploaded after a reject but not when none was written;
#   - the GitLab CI job: its before_script and script lines in one shell, `curl` served from the tarball
#     and `apt-get` recorded, not run: the JUnit report is written and kept (artifacts: when: always);
#   - the pre-commit hook: `pre-commit try-repo` of this repository (the hooks file must be committed)
#     on a clean repository of exports (passes) and one with the sample (fails, the report shows why);
#   - the jq example on the sample's JSON report: its lines are the sample's expected findings.
#
# pre-commit, check-jsonschema, jsonschema and PyYAML are installed from PyPI into a venv, kept in
# .build/ci-examples-venv for the next run (set ESFCHECK_CI_VENV to use another folder). Needs python3 with
# venv, git and jq (.ci/run installs them when missing). The tarball: ESFCHECK_DIST names a folder holding
# one (.ci/run passes the one Scripts/test-install.sh made), else Scripts/package.sh makes it from the
# release build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# the reports' language and sort order do not depend on the caller's locale
export LC_ALL=C.UTF-8 LANG=C.UTF-8
fail() { echo "test-ci-examples: FAIL: $*" >&2; exit 1; }
note() { echo "== [${SECONDS}s] $*" >&2; }

command -v jq >/dev/null 2>&1 || fail "jq is not installed (.ci/run installs it: apt-get install jq)"
command -v git >/dev/null 2>&1 || fail "git is not installed"
for f in .pre-commit-hooks.yaml Scripts/pre-commit-esfcheck.sh; do
  git ls-files --error-unmatch "$f" >/dev/null 2>&1 \
    || fail "$f is not committed: pre-commit try-repo uses the repository's committed files (commit it first)"
done

# ---- the Python tools, from PyPI (pinned), in a venv kept between runs
pins=(pre-commit==4.7.0 check-jsonschema==0.39.0 jsonschema==4.26.0 PyYAML==6.0.4)
venv="${ESFCHECK_CI_VENV:-$root/.build/ci-examples-venv}"
if [ "$(cat "$venv/pins" 2>/dev/null)" != "${pins[*]}" ]; then
  note "installing ${pins[*]} into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" || fail "pip install ${pins[*]} failed"
  echo "${pins[*]}" > "$venv/pins"
fi
py="$venv/bin/python"
examples=(docs/examples/github-actions/esfcheck.yml docs/examples/gitlab/.gitlab-ci.yml .pre-commit-hooks.yaml
          docs/examples/pre-commit/.pre-commit-config.yaml docs/examples/scripts/esfcheck-errors.sh)

# ---- syntax: every example parses, matches its schema, says what the docs promise, and is in docs/ci.md
note "syntax of the examples"
"$py" Scripts/ci-examples.py syntax "$root" > "$tmp/syntax.json"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows docs/examples/github-actions/esfcheck.yml >&2 \
  || fail "the GitHub workflow does not match the workflow schema"
"$venv/bin/check-jsonschema" --builtin-schema vendor.gitlab-ci --data-transform gitlab-ci docs/examples/gitlab/.gitlab-ci.yml >&2 \
  || fail "the GitLab CI file does not match the GitLab CI schema"
"$venv/bin/pre-commit" validate-manifest .pre-commit-hooks.yaml || fail ".pre-commit-hooks.yaml is not a valid hooks manifest"
"$venv/bin/pre-commit" validate-config docs/examples/pre-commit/.pre-commit-config.yaml || fail "the example .pre-commit-config.yaml is not valid"
bash -n docs/examples/scripts/esfcheck-errors.sh || fail "the jq example is not valid bash"
"$py" Scripts/ci-examples.py included docs/ci.md "${examples[@]}" > /dev/null

# ---- the release tarball the examples install: the one Scripts/test-install.sh made (ESFCHECK_DIST, as .ci/run
# passes it), else made here with Scripts/package.sh (reuses the release build; no network)
if [ -n "${ESFCHECK_DIST:-}" ]; then
  note "the release tarball of $ESFCHECK_DIST"
  tarballs=("$ESFCHECK_DIST"/esfcheck-*-linux-*.tar.gz)
  [ ${#tarballs[@]} -eq 1 ] && [ -f "${tarballs[0]}" ] && [ -f "${tarballs[0]}.sha256" ] \
    || fail "ESFCHECK_DIST=$ESFCHECK_DIST does not hold one release tarball with its .sha256 file"
  mkdir "$tmp/dist"
  cp "${tarballs[0]}" "${tarballs[0]}.sha256" "$tmp/dist/"
  tarball="$tmp/dist/$(basename "${tarballs[0]}")"
else
  note "the release tarball (Scripts/package.sh)"
  Scripts/package.sh "$tmp/dist" > "$tmp/package.out"
  tarball="$(sed -n 1p "$tmp/package.out")"
fi
name="$(basename "$tarball" .tar.gz)"
version="${name#esfcheck-}"
version="${version%%-linux-*}"
export ESFCHECK_TEST_DIST="$tmp/dist" ESFCHECK_TEST_VERSION="$version"
mkdir "$tmp/installed"
tar -xzf "$tarball" -C "$tmp/installed"
installed_bin="$tmp/installed/$name/bin"

# stand-ins for what the examples fetch: the tarball from the local dist folder; apt-get only recorded
stubs="$tmp/stubs"
mkdir "$stubs"
cat > "$stubs/gh" <<'STUB'
#!/usr/bin/env bash
# stands in for `gh release download TAG --repo REPO --pattern NAME ... --dir DIR`: the local release assets
set -euo pipefail
[ "${1:-} ${2:-}" = "release download" ] || { echo "gh (test): unexpected command: $*" >&2; exit 1; }
tag="$3"; shift 3; dir=.; names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --repo) shift 2 ;;
    --pattern) names+=("$2"); shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "gh (test): unexpected option $1" >&2; exit 1 ;;
  esac
done
[ -n "${GH_TOKEN:-}" ] || { echo "gh (test): GH_TOKEN is not set" >&2; exit 1; }
[ "$tag" = "v$ESFCHECK_TEST_VERSION" ] || { echo "gh (test): release $tag not found: this esfcheck is v$ESFCHECK_TEST_VERSION" >&2; exit 1; }
for n in "${names[@]}"; do
  [ -f "$ESFCHECK_TEST_DIST/$n" ] || { echo "gh (test): release $tag has no asset $n" >&2; exit 1; }
  cp "$ESFCHECK_TEST_DIST/$n" "$dir/"
done
STUB
cat > "$stubs/curl" <<'STUB'
#!/usr/bin/env bash
# stands in for `curl … --header "JOB-TOKEN: …" --output FILE URL` on the generic package registry: the local assets
set -euo pipefail
output=""; url=""; token=""
while [ $# -gt 0 ]; do
  case "$1" in
    --output|-o) output="$2"; shift 2 ;;
    --header|-H) case "$2" in "JOB-TOKEN: "?*) token=1 ;; esac; shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
[ -n "$token" ] || { echo "curl (test): no JOB-TOKEN header" >&2; exit 1; }
prefix="$CI_API_V4_URL/projects/$ESFCHECK_PROJECT/packages/generic/esfcheck/$ESFCHECK_TEST_VERSION/"
case "$url" in "$prefix"*) ;; *) echo "curl (test): 404 $url (expected under $prefix)" >&2; exit 22 ;; esac
[ -f "$ESFCHECK_TEST_DIST/${url#"$prefix"}" ] || { echo "curl (test): 404 $url" >&2; exit 22; }
cp "$ESFCHECK_TEST_DIST/${url#"$prefix"}" "$output"
STUB
cat > "$stubs/apt-get" <<'STUB'
#!/usr/bin/env bash
# records what the example would install (the packages are those of this machine)
echo "apt-get $*" >> "$ESFCHECK_TEST_APT_LOG"
STUB
chmod +x "$stubs/gh" "$stubs/curl" "$stubs/apt-get"
export ESFCHECK_TEST_APT_LOG="$tmp/apt.log"
# the PATH of a runner: the stubs, then this machine's PATH without any esfcheck on it
runner_path="$stubs"
IFS=: read -r -a entries <<< "$PATH"
for d in "${entries[@]}"; do [ -n "$d" ] && [ ! -x "$d/esfcheck" ] && runner_path="$runner_path:$d"; done

export GIT_AUTHOR_NAME=esfcheck-test GIT_AUTHOR_EMAIL=test@esfcheck.invalid GIT_COMMITTER_NAME=esfcheck-test \
       GIT_COMMITTER_EMAIL=test@esfcheck.invalid GIT_CONFIG_NOSYSTEM=1 HOME="$tmp/home"
mkdir "$tmp/home"

# a scratch repository of exports: KIND clean (the clean operation as XML and as a CSV bundle), reject (and
# the sample export), broken (and an export that is not well-formed XML)
make_repo() { # DIR KIND
  local dir="$1"
  mkdir -p "$dir/exports"
  cp Fixtures/clean/export.xml "$dir/exports/ud-2019-clean.xml"
  cp -R Fixtures/clean/csv "$dir/exports/ud-2019-clean-csv"
  case "$2" in
    reject) cp Fixtures/ucne-delavnice/export.xml "$dir/exports/ud-2019.xml" ;;
    broken) printf '<operation id="UD-2019"><participants>\n' > "$dir/exports/broken.xml" ;;
  esac
  git -C "$dir" init -q -b main
  git -C "$dir" add -A
  git -C "$dir" commit -q -m "exports"
}

# what the sample must give: its expected findings (written by the fixture generator's independent oracle)
expected="Fixtures/ucne-delavnice/expected-findings.tsv"
expected_all="$(tail -n +2 "$expected" | wc -l)"
expected_errors="$(tail -n +2 "$expected" | awk -F'\t' '$3 == "error" || $3 == "fatal"' | wc -l)"
expected_warnings="$(tail -n +2 "$expected" | awk -F'\t' '$3 == "review" || $3 == "warning"' | wc -l)"
expected_rules="$(tail -n +2 "$expected" | cut -f1 | sort -u | wc -l)"
[ "$expected_all" -gt 0 ] && [ "$expected_errors" -gt 0 ] || fail "$expected lists no error finding"

# ---- GitHub Actions
github_job() { # KIND: runs the workflow's job on a scratch repository; the result in $tmp/github-KIND.json
  local kind="$1" ws="$tmp/github-$1"
  make_repo "$ws" "$kind"
  mkdir "$tmp/github-$kind-logs"
  PATH="$runner_path" "$py" Scripts/ci-examples.py github docs/examples/github-actions/esfcheck.yml "$ws" \
    "$tmp/github-$kind-logs" > "$tmp/github-$kind.json"
}
step() { # KIND STEP-NAME FIELD
  jq -r --arg n "$2" --arg f "$3" '.steps[] | select(.name == $n) | .[$f] // "none"' "$tmp/github-$1.json"
}
steplog() { jq -r --arg n "$2" '.steps[] | select(.name == $n) | .log' "$tmp/github-$1.json"; }
check_step="Check the exports"
upload_step="Upload the findings to code scanning"
annotate_step="Annotate the findings"

note "GitHub Actions: clean exports"
github_job clean
[ "$(jq -r .result "$tmp/github-clean.json")" = success ] || { cat "$tmp"/github-clean-logs/*.out >&2; fail "GitHub: the job failed on clean exports"; }
[ "$(step clean "Install esfcheck" outcome)" = success ] || fail "GitHub: the install step failed"
grep -q "^esfcheck $version" "$(steplog clean "Install esfcheck")" || fail "GitHub: the install step did not run the installed esfcheck"
[ "$(jq '.uploads | length' "$tmp/github-clean.json")" -eq 1 ] || fail "GitHub: the SARIF was not uploaded on clean exports"
[ "$(jq '.uploads[0].results' "$tmp/github-clean.json")" -eq 0 ] || fail "GitHub: the clean exports have findings in the SARIF"
[ "$(jq -r '.uploads[0].category' "$tmp/github-clean.json")" = esfcheck ] || fail "GitHub: the SARIF upload's category is not esfcheck"
! grep -q '^::' "$(steplog clean "$annotate_step")" || fail "GitHub: annotations on clean exports"

note "GitHub Actions: an export that rejects"
github_job reject
[ "$(jq -r .result "$tmp/github-reject.json")" = failure ] || fail "GitHub: the job passed although the sample rejects"
[ "$(step reject "$check_step" exitCode)" = 1 ] || fail "GitHub: the check step exited $(step reject "$check_step" exitCode), expected 1 (reject)"
[ "$(step reject "$upload_step" outcome)" = success ] || fail "GitHub: the SARIF was not uploaded after a reject"
"$py" Scripts/ci-examples.py sarif "$tmp/github-reject/esfcheck.sarif" docs/sarif-schema-2.1.0.json > "$tmp/sarif.json"
[ "$(jq 'length' "$tmp/sarif.json")" -eq "$expected_all" ] || fail "GitHub: the SARIF has $(jq length "$tmp/sarif.json") results, the sample $expected_all findings"
[ "$(jq '[.[] | select(.file == "exports/ud-2019.xml" and .line >= 1)] | length' "$tmp/sarif.json")" -eq "$expected_all" ] \
  || fail "GitHub: a SARIF result is not placed in exports/ud-2019.xml (relative to the repository root) with a line"
[ "$(step reject "$annotate_step" outcome)" = success ] || fail "GitHub: the annotation step failed after a reject"
annotations="$(steplog reject "$annotate_step")"
[ "$(grep -c '^::error file=exports/ud-2019.xml,' "$annotations")" -eq "$expected_errors" ] || fail "GitHub: expected $expected_errors error annotations: $(cat "$annotations")"
[ "$(grep -c '^::warning file=exports/ud-2019.xml' "$annotations")" -eq "$expected_warnings" ] || fail "GitHub: expected $expected_warnings warning annotations"

note "GitHub Actions: an export that cannot be read"
github_job broken
[ "$(jq -r .result "$tmp/github-broken.json")" = failure ] || fail "GitHub: the job passed on a malformed export"
[ "$(step broken "$check_step" exitCode)" = 3 ] || fail "GitHub: the check step exited $(step broken "$check_step" exitCode) on a malformed export, expected 3"
grep -q 'exports/broken.xml' "$(steplog broken "$check_step")" || fail "GitHub: the check step's log does not name the malformed export"
[ "$(step broken "$upload_step" outcome)" = skipped ] && [ "$(step broken "$annotate_step" outcome)" = skipped ] \
  || fail "GitHub: upload and annotations must be skipped when no SARIF was written"

# ---- GitLab CI
gitlab_job() { # KIND
  local kind="$1" ws="$tmp/gitlab-$1"
  make_repo "$ws" "$kind"
  mkdir "$tmp/gitlab-$kind-logs"
  PATH="$runner_path" "$py" Scripts/ci-examples.py gitlab docs/examples/gitlab/.gitlab-ci.yml esfcheck "$ws" \
    "$tmp/gitlab-$kind-logs" > "$tmp/gitlab-$kind.json"
}
note "GitLab CI: clean exports"
: > "$ESFCHECK_TEST_APT_LOG"
gitlab_job clean
[ "$(jq -r .exitCode "$tmp/gitlab-clean.json")" = 0 ] || { cat "$tmp/gitlab-clean-logs/job.out" >&2; fail "GitLab: the job failed on clean exports"; }
grep -q 'install .*libxml2' "$ESFCHECK_TEST_APT_LOG" || fail "GitLab: the job does not install libxml2"
[ "$(jq -r '.artifacts | join(",")' "$tmp/gitlab-clean.json")" = esfcheck-junit.xml ] || fail "GitLab: esfcheck-junit.xml is not kept"
"$py" Scripts/ci-examples.py junit "$tmp/gitlab-clean/esfcheck-junit.xml" > "$tmp/junit-clean.json"
[ "$(jq .failures "$tmp/junit-clean.json")" -eq 0 ] && [ "$(jq .tests "$tmp/junit-clean.json")" -gt 0 ] || fail "GitLab: the clean JUnit report has failures or no tests"

note "GitLab CI: an export that rejects"
gitlab_job reject
[ "$(jq -r .exitCode "$tmp/gitlab-reject.json")" = 1 ] || fail "GitLab: the job exited $(jq -r .exitCode "$tmp/gitlab-reject.json"), expected 1 (reject)"
[ "$(jq -r '.artifacts | join(",")' "$tmp/gitlab-reject.json")" = esfcheck-junit.xml ] || fail "GitLab: the JUnit report of a failed job is not kept"
"$py" Scripts/ci-examples.py junit "$tmp/gitlab-reject/esfcheck-junit.xml" > "$tmp/junit-reject.json"
[ "$(jq .failures "$tmp/junit-reject.json")" -eq "$expected_rules" ] || fail "GitLab: $(jq .failures "$tmp/junit-reject.json") failed test cases, the sample has findings of $expected_rules rules"
[ "$(jq .failureElements "$tmp/junit-reject.json")" -eq "$expected_all" ] || fail "GitLab: $(jq .failureElements "$tmp/junit-reject.json") failures, the sample has $expected_all findings"
[ "$(jq -r '.failedRules | join(" ")' "$tmp/junit-reject.json")" = "$(tail -n +2 "$expected" | cut -f1 | sort -u | tr '\n' ' ' | sed 's/ $//')" ] \
  || fail "GitLab: the failed test cases are not the sample's rules"

# ---- pre-commit
export PRE_COMMIT_HOME="$tmp/pre-commit-home"
precommit() { # KIND: try-repo of this repository on a scratch repository of exports; output in $tmp/pre-commit-KIND.out
  local kind="$1" status=0
  make_repo "$tmp/pre-commit-$kind" "$kind" >&2
  (cd "$tmp/pre-commit-$kind" && PATH="$installed_bin:$runner_path" timeout 300 "$venv/bin/pre-commit" try-repo "$root" esfcheck --all-files --color never < /dev/null) \
    > "$tmp/pre-commit-$kind.out" 2>&1 || status=$?
  echo "$status"
}
note "pre-commit try-repo: clean exports"
status="$(precommit clean)"
[ "$status" -eq 0 ] && grep -q '^esfcheck (ESF operation exports)\.*Passed' "$tmp/pre-commit-clean.out" \
  || { cat "$tmp/pre-commit-clean.out" >&2; fail "pre-commit: the hook did not pass on clean exports (exit $status)"; }
note "pre-commit try-repo: an export that rejects"
status="$(precommit reject)"
out="$tmp/pre-commit-reject.out"
[ "$status" -eq 1 ] && grep -q '^esfcheck (ESF operation exports)\.*Failed' "$out" || { cat "$out" >&2; fail "pre-commit: the hook did not fail on the sample (exit $status)"; }
grep -q '^verdict: reject' "$out" || fail "pre-commit: the output lacks the verdict"
grep -q 'exports/ud-2019.xml' "$out" && grep -q 'ESF-CF-001' "$out" || fail "pre-commit: the output does not show the sample's findings"
# nine files (two XML, seven CSV of one bundle) are three inputs: each bundle is read once
[ "$(grep -c '^checked ' "$out")" -eq 3 ] && grep -q '^checked exports/ud-2019-clean-csv (csv' "$out" \
  || { grep '^checked ' "$out" >&2; fail "pre-commit: the hook did not check the two XML exports and the bundle once each"; }

note "pre-commit run with the example .pre-commit-config.yaml (repo: this repository at HEAD)"
dir="$tmp/pre-commit-config"
make_repo "$dir" reject
# a CSV file outside exports/ that is no export: the example's files pattern leaves it out
printf 'not,an,export\n' > "$dir/notes.csv"
example=docs/examples/pre-commit/.pre-commit-config.yaml
grep -q '^    rev: v'"$version"'$' "$example" || fail "$example does not name the release v$version"
sed -e "s|^  - repo: https://github.com/your-org/esfcheck\$|  - repo: $root|" -e "s|^    rev: v$version\$|    rev: $(git rev-parse HEAD)|" \
  "$example" > "$dir/.pre-commit-config.yaml"
grep -q "repo: $root" "$dir/.pre-commit-config.yaml" || fail "$example: its repo line is not the one this test replaces"
git -C "$dir" add -A && git -C "$dir" commit -q -m "pre-commit config"
status=0
(cd "$dir" && PATH="$installed_bin:$runner_path" "$venv/bin/pre-commit" run --all-files --color never) > "$tmp/pre-commit-config.out" 2>&1 || status=$?
out="$tmp/pre-commit-config.out"
[ "$status" -eq 1 ] && grep -q '^verdict: reject' "$out" || { cat "$out" >&2; fail "pre-commit run: the example config did not stop the sample (exit $status)"; }
grep -q 'notes.csv' "$out" && fail "pre-commit run: the example config passed notes.csv, outside exports/"
# --fail-on review (the example's args) reaches esfcheck
grep -q '^fail-on: review (set on the command line)' "$out" || { cat "$out" >&2; fail "pre-commit run: the example's args did not reach esfcheck"; }
git -C "$dir" rm -q exports/ud-2019.xml && git -C "$dir" commit -q -m "without the sample"
status=0
(cd "$dir" && PATH="$installed_bin:$runner_path" "$venv/bin/pre-commit" run --all-files --color never) > "$out" 2>&1 || status=$?
[ "$status" -eq 0 ] || { cat "$out" >&2; fail "pre-commit run: the example config failed on clean exports (exit $status)"; }

# ---- the jq example
note "the jq example"
make_repo "$tmp/jq" reject
status=0
(cd "$tmp/jq" && PATH="$installed_bin:$runner_path" bash "$root/docs/examples/scripts/esfcheck-errors.sh" exports/*.xml exports/*/) \
  > "$tmp/jq.out" 2> "$tmp/jq.err" || status=$?
[ "$status" -eq 1 ] || { cat "$tmp/jq.err" >&2; fail "the jq example exited $status, expected 1 (reject)"; }
grep -q "^verdict: reject (0 fatal, $expected_errors error, " <<<"$(head -1 "$tmp/jq.out")" || fail "the jq example's first line: $(head -1 "$tmp/jq.out")"
tail -n +2 "$tmp/jq.out" | awk -F'\t' '{ print $1 "\t" $3 }' | sort > "$tmp/jq.found"
tail -n +2 "$expected" | awk -F'\t' '$3 == "error" || $3 == "fatal" { print $1 "\t" $2 }' | sort > "$tmp/jq.expected"
diff "$tmp/jq.expected" "$tmp/jq.found" >&2 || fail "the jq example's findings (rule, record) are not the sample's expected error findings"
if tail -n +2 "$tmp/jq.out" | cut -f2 | grep -v '^exports/ud-2019.xml:[0-9][0-9]*$' >&2; then fail "the jq example's places are not exports/ud-2019.xml:LINE"; fi
status=0
(cd "$tmp/jq" && PATH="$installed_bin:$runner_path" bash "$root/docs/examples/scripts/esfcheck-errors.sh" exports/missing.xml) \
  > "$tmp/jq-missing.out" 2> "$tmp/jq-missing.err" || status=$?
[ "$status" -ge 2 ] && grep -q 'missing.xml' "$tmp/jq-missing.err" || fail "the jq example on a missing export exited $status: $(cat "$tmp/jq-missing.err")"

echo "test-ci-examples: OK (GitHub Actions, GitLab CI, pre-commit, jq; esfcheck $version)" >&2
