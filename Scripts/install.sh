#!/usr/bin/env bash
# Builds a release esfcheck and installs it with everything it needs into PREFIX (default ~/.local):
#
#   PREFIX/bin/esfcheck                                   the binary (Swift runtime linked statically)
#   PREFIX/share/esfcheck/Rules, PREFIX/share/esfcheck/Fixtures
#                                                         built-in packs, data model, profiles, sample
#   PREFIX/share/bash-completion/completions/esfcheck     bash completion
#   PREFIX/share/zsh/site-functions/_esfcheck             zsh completion
#   PREFIX/share/fish/vendor_completions.d/esfcheck.fish  fish completion
#   PREFIX/share/man/man1/esfcheck.1                      man page
#   PREFIX/share/doc/esfcheck/                            README.md, LICENSE, docs/
#
# The installed binary needs neither this folder, nor its build folder, nor a Swift toolchain: only
# glibc and libxml2 (the system library). Usage: Scripts/install.sh [PREFIX]
set -euo pipefail

usage() { echo "usage: Scripts/install.sh [PREFIX]   (default PREFIX: ~/.local)" >&2; exit 2; }
[ $# -le 1 ] || usage
case "${1:-}" in -h|--help) usage ;; esac
prefix="${1:-$HOME/.local}"
[ -n "$prefix" ] || usage
# the prefix is resolved from the caller's working folder, before moving to the package root
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# the man page, generated from the argument parser by swift-argument-parser's GenerateManual plugin.
# The plugin builds the package's products first and reads the help of the esfcheck it built: in debug
# mode here (the same help text), because a release build without --static-swift-stdlib would compile
# every module again, and the static build below again after it
echo "== generating the man page (swift package plugin generate-manual)" >&2
rm -rf .build/plugins/GenerateManual/outputs
swift package plugin generate-manual --configuration debug >&2
manual="$(find .build/plugins/GenerateManual/outputs -name esfcheck.1 -type f -print -quit 2>/dev/null || true)"
[ -n "$manual" ] && [ -s "$manual" ] || { echo "install: the man page was not generated (esfcheck.1 not found under .build/plugins)" >&2; exit 1; }
tmpman="$(mktemp)"
cp "$manual" "$tmpman"
trap 'rm -f "$tmpman"' EXIT

echo "== building esfcheck (release, Swift runtime linked statically)" >&2
swift build -c release --static-swift-stdlib --product esfcheck >&2
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
exe="$bin/esfcheck"
resources="$bin/esfcheck_ESFResources.resources"
[ -x "$exe" ] || { echo "install: $exe was not built" >&2; exit 1; }
[ -d "$resources/Rules" ] || { echo "install: $resources/Rules is missing" >&2; exit 1; }

# no Swift library may be needed at run time: the binary must work where no toolchain is installed
if command -v ldd >/dev/null 2>&1; then
  # (ldd's whole output first: `ldd | grep -q` under pipefail fails when grep stops reading early)
  if grep -q 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime' <<<"$(ldd "$exe")"; then
    echo "install: $exe still needs Swift runtime libraries:" >&2
    ldd "$exe" | grep 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime' >&2
    exit 1
  fi
fi

echo "== installing into $prefix" >&2
mkdir -p "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
         "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d" "$prefix/share/doc/esfcheck"
# resources: replaced as a whole, so that no file of an earlier version (a removed rule file) stays behind
rm -rf "$prefix/share/esfcheck.new"
mkdir -p "$prefix/share/esfcheck.new"
cp -R "$resources/Rules" "$resources/Fixtures" "$prefix/share/esfcheck.new/"
rm -rf "$prefix/share/esfcheck"
mv "$prefix/share/esfcheck.new" "$prefix/share/esfcheck"
# the binary: copied beside, then renamed over the old one (a running esfcheck keeps its file)
install -m 0755 "$exe" "$prefix/bin/.esfcheck.new"
mv -f "$prefix/bin/.esfcheck.new" "$prefix/bin/esfcheck"
installed="$prefix/bin/esfcheck"
"$installed" --generate-completion-script bash > "$prefix/share/bash-completion/completions/esfcheck"
"$installed" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_esfcheck"
"$installed" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/esfcheck.fish"
install -m 0644 "$tmpman" "$prefix/share/man/man1/esfcheck.1"
install -m 0644 README.md LICENSE "$prefix/share/doc/esfcheck/"
rm -rf "$prefix/share/doc/esfcheck/docs"
cp -R docs "$prefix/share/doc/esfcheck/docs"

# the installed binary finds its packs from where it is installed
"$installed" --version >&2
echo "installed $installed" >&2
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "note: $prefix/bin is not on PATH" >&2 ;; esac
