#!/usr/bin/env bash
# `npm run setup`: everything the synth and the tests need on a fresh machine, in one go.
#   1. Debian packages the tests use: buildah (the exporter image), openssl (test certificates),
#      graphviz (the fleet picture). Installed with apt-get when running as root; otherwise
#      the missing ones are named and the script stops.
#   2. Go on the PATH (/usr/local/go/bin if it is there and `go` is not).
#   3. `npm ci` (the package and its dev dependencies).
#   4. `npm run tools`: the upstream binaries at the versions lib/images.ts pins, built from
#      the Go module proxy into a cache outside the repository (972 s measured the first time
#      on 2 cores with empty Go caches, seconds afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
say() { printf 'setup: %s\n' "$*"; }

packages=(buildah openssl graphviz)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "missing Debian/Ubuntu packages: ${missing[*]}; install them (sudo apt-get install -y ${missing[*]}) and run npm run setup again"
    exit 1
  fi
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi

say "npm ci"
npm ci --no-audit --no-fund

say "the pinned upstream binaries (npm run tools)"
npm run --silent tools
