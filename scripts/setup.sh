#!/usr/bin/env bash
# Installs what webrnn needs on a fresh Debian/Ubuntu machine without a GPU: a software Vulkan
# driver (Mesa lavapipe, 25.x from bookworm-backports on Debian 12), Chromium for the browser
# tier of the tests (which `npm test` runs; --no-browser skips it), and the npm packages from the
# lockfile. Node itself (^20.19 or >=22.12) must be there already.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

want_browser=1
for a in "$@"; do [ "$a" = "--no-browser" ] && want_browser=0; done

# package.json's engines: require('webrnn') needs require(esm), unflagged from Node 20.19 and 22.12.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' 2>/dev/null; then
  echo "setup.sh: webrnn needs Node ^20.19 or >=22.12 (found: $(node --version 2>/dev/null || echo none)); install it, e.g. from https://nodejs.org" >&2
  exit 1
fi

mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }

if command -v apt-get >/dev/null; then
  pkgs=()
  v=$(mesa_version)
  if [ -z "$v" ] || dpkg --compare-versions "$v" lt 24; then pkgs+=(mesa-vulkan-drivers); fi
  if [ $want_browser = 1 ] && ! command -v chromium >/dev/null; then pkgs+=(chromium); fi
  if [ ${#pkgs[@]} -gt 0 ]; then
    if grep -qs bookworm /etc/os-release && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
      echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
    fi
    $SUDO apt-get update -qq
    if grep -qs bookworm /etc/os-release; then
      $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers
    fi
    $SUDO apt-get install -y -qq "${pkgs[@]}"
  fi
fi

# npm ci also builds dist/ (package.json's prepare: bundles and declarations).
# playwright (vitest's browser provider) drives the system Chromium: never let it fetch a browser.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
