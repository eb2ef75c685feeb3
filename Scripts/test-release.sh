#!/usr/bin/env bash
# The release steps (run by `.ci/run --full`): the release build and the README's first command on the
# bundled sample (exit 1, verdict reject); the installation test (Scripts/test-install.sh: install.sh
# into a temporary prefix, the installed binary run from elsewhere, the release tarball); the examples
# of docs/ci.md (Scripts/test-ci-examples.sh) installing that tarball. About twelve minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

note() { echo "== [${SECONDS}s] $*"; }
dist="$(mktemp -d)"
out="$(mktemp)"
trap 'rm -rf "$dist" "$out"' EXIT

# the README's first command: the sample check rejects the sample (exit 1 is the expected verdict)
note "the README's first command"
set +e
swift build -c release --static-swift-stdlib --product esfcheck && .build/release/esfcheck check --deterministic > "$out"
status=$?
set -e
tail -1 "$out"
[ "$status" -eq 1 ] || { echo "test-release: expected exit 1 (reject) on the sample, got $status"; exit 1; }
grep -q '^verdict: reject' "$out" || { echo "test-release: the sample check wrote no reject verdict"; exit 1; }

# the installation, reusing the release build above; the tarball is kept for the CI examples
note "the installation test"
ESFCHECK_KEEP_DIST="$dist" Scripts/test-install.sh

# the examples of docs/ci.md (GitHub Actions, GitLab CI, the pre-commit hook, jq) on scratch
# repositories of exports, installing the release tarball the installation test made
note "the CI examples"
ESFCHECK_DIST="$dist" Scripts/test-ci-examples.sh
note "test-release: OK"
