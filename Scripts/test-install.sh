#!/usr/bin/env bash
# The installation test (run by .ci/run): installs into a temporary prefix with Scripts/install.sh, moves
# the prefix elsewhere, makes the build folder's resource bundles unreachable, and runs the installed
# binary from an unrelated folder with an environment that holds no Swift toolchain; then makes the
# release tarball with Scripts/package.sh, checks its SHA-256 file, unpacks it and runs it the same way.
# One release build (install.sh); package.sh reuses it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
hidden_suffix=".hidden-by-test-install"

# the build folder's resource bundles are renamed while the installed binary runs, and restored on exit
# (also those an interrupted earlier run left renamed)
restore() {
  local b
  # a bundle rebuilt meanwhile under the original name is replaced (mv -T: never moved inside it)
  while IFS= read -r b; do rm -rf "${b%"$hidden_suffix"}"; mv -T "$b" "${b%"$hidden_suffix"}"; done \
    < <(find .build -maxdepth 3 -name "*$hidden_suffix" 2>/dev/null)
}
cleanup() { restore; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
restore

fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
# runs the installed binary with no toolchain on PATH and no library path: what a machine without Swift has
clean_env=(env -i "PATH=/usr/bin:/bin" "HOME=$tmp/home" "LANG=C.UTF-8")
mkdir -p "$tmp/home" "$tmp/elsewhere"

Scripts/install.sh "$tmp/prefix"
for f in bin/esfcheck share/esfcheck/Rules/models/esf-operation-v1.yaml share/esfcheck/Fixtures/ucne-delavnice/export.xml \
         share/bash-completion/completions/esfcheck share/zsh/site-functions/_esfcheck \
         share/fish/vendor_completions.d/esfcheck.fish share/man/man1/esfcheck.1 share/doc/esfcheck/LICENSE; do
  [ -s "$tmp/prefix/$f" ] || fail "the install lacks $f"
done
grep -q '^\.Dt ESFCHECK 1' "$tmp/prefix/share/man/man1/esfcheck.1" || fail "esfcheck.1 is not a man page"
grep -q 'verify' "$tmp/prefix/share/man/man1/esfcheck.1" || fail "esfcheck.1 does not document the subcommands"
grep -q 'schema' "$tmp/prefix/share/bash-completion/completions/esfcheck" || fail "the bash completion lacks the subcommands"
grep -q '^#compdef esfcheck' "$tmp/prefix/share/zsh/site-functions/_esfcheck" || fail "the zsh completion is not one"
grep -q "^complete -c 'esfcheck'" "$tmp/prefix/share/fish/vendor_completions.d/esfcheck.fish" || fail "the fish completion is not one"

echo "== ldd of the installed binary" >&2
ldd "$tmp/prefix/bin/esfcheck" >&2
# ldd's whole output first: `ldd | grep -q` under pipefail fails (or passes) when grep stops reading early
libraries="$(ldd "$tmp/prefix/bin/esfcheck")"
if grep -q 'libswift\|libFoundation\|libdispatch' <<<"$libraries"; then fail "the installed binary needs Swift libraries"; fi
grep -q 'libxml2' <<<"$libraries" || fail "the installed binary does not use the system libxml2"

# the prefix moved elsewhere, the build folder's resources out of reach
mv "$tmp/prefix" "$tmp/moved"
while IFS= read -r b; do mv "$b" "$b$hidden_suffix"; done < <(find .build -maxdepth 3 -name 'esfcheck_ESFResources.resources' -type d)
installed="$tmp/moved/bin/esfcheck"

check_installed() { # BINARY LABEL
  local exe="$1" label="$2" status out
  out="$(cd "$tmp/elsewhere" && "${clean_env[@]}" "$exe" --version)" || fail "$label: --version exited $?"
  printf '%s\n' "$out" >&2
  for p in esf-2014-2020 ucne-delavnice esf-2021-2027 ucne-delavnice-plus; do
    grep -q "^  $p " <<<"$out" || fail "$label: --version does not name the pack $p"
  done
  grep -q "^esfcheck [0-9]" <<<"$out" || fail "$label: --version does not start with the version"
  set +e
  (cd "$tmp/elsewhere" && "${clean_env[@]}" "$exe" check --deterministic) > "$tmp/sample.txt" 2> "$tmp/sample.err"
  status=$?
  set -e
  [ "$status" -eq 1 ] || { cat "$tmp/sample.err" >&2; fail "$label: the sample check exited $status, expected 1 (reject)"; }
  grep -q '(bundled) Fixtures/ucne-delavnice/export.xml' "$tmp/sample.txt" || fail "$label: the report does not name the bundled sample"
  grep -q 'esf-2014-2020' "$tmp/sample.txt" && grep -q 'ucne-delavnice' "$tmp/sample.txt" || fail "$label: the report does not name the packs"
  if grep -q '\.build\|Fatal error' "$tmp/sample.txt" "$tmp/sample.err"; then fail "$label: the run names the build folder or crashed"; fi
  tail -1 "$tmp/sample.txt" >&2
  # the same report as the golden one (run from the package root, as the golden tests do)
  (cd "$root" && "${clean_env[@]}" "$exe" check Fixtures/ucne-delavnice/export.xml --deterministic --format json) > "$tmp/sample.json" || true
  cmp -s "$tmp/sample.json" Fixtures/ucne-delavnice/golden/xml.json || fail "$label: the JSON report differs from Fixtures/ucne-delavnice/golden/xml.json"
  set +e
  (cd "$tmp/elsewhere" && "${clean_env[@]}" "$exe" chek) > /dev/null 2> "$tmp/chek.err"
  status=$?
  set -e
  [ "$status" -eq 2 ] && grep -q "did you mean 'check'" "$tmp/chek.err" || fail "$label: 'esfcheck chek' exited $status: $(cat "$tmp/chek.err")"
}
check_installed "$installed" "installed"

# a prefix without its resources: exit 2 naming the folders tried, never a crash
cp "$installed" "$tmp/elsewhere/esfcheck"
set +e
(cd "$tmp/elsewhere" && "${clean_env[@]}" ./esfcheck check) > /dev/null 2> "$tmp/missing.err"
status=$?
set -e
[ "$status" -eq 2 ] && grep -q "tried:" "$tmp/missing.err" && ! grep -q "Fatal error" "$tmp/missing.err" \
  || fail "a binary without its resources exited $status: $(cat "$tmp/missing.err")"
rm "$tmp/elsewhere/esfcheck"
restore

# the release tarball, built from the same release build
Scripts/package.sh "$tmp/dist" > "$tmp/package.out"
tarball="$(sed -n 1p "$tmp/package.out")"
case "$(basename "$tarball")" in esfcheck-*-linux-*.tar.gz) ;; *) fail "unexpected tarball name $tarball" ;; esac
(cd "$tmp/dist" && sha256sum -c "$(basename "$tarball").sha256") >&2 || fail "the SHA-256 file does not match"
mkdir "$tmp/unpacked"
tar -xzf "$tarball" -C "$tmp/unpacked"
top="$tmp/unpacked/$(basename "$tarball" .tar.gz)"
for f in bin/esfcheck README.md LICENSE share/esfcheck/Rules share/man/man1/esfcheck.1; do
  [ -e "$top/$f" ] || fail "the tarball lacks $f"
done
while IFS= read -r b; do mv "$b" "$b$hidden_suffix"; done < <(find .build -maxdepth 3 -name 'esfcheck_ESFResources.resources' -type d)
check_installed "$top/bin/esfcheck" "unpacked tarball"
restore
# kept for Scripts/test-ci-examples.sh when asked (.ci/run), so that it need not make the tarball again
if [ -n "${ESFCHECK_KEEP_DIST:-}" ]; then
  mkdir -p "$ESFCHECK_KEEP_DIST"
  cp "$tarball" "$tarball.sha256" "$ESFCHECK_KEEP_DIST/"
fi
echo "test-install: OK ($(basename "$tarball"))" >&2
