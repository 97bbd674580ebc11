#!/usr/bin/env bash
# Installs what sonde needs on Debian 12 (as root) and builds it. Idempotent: a second run only
# rebuilds. `--test` also installs the real servers and tools the tests drive.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

build_packages=(clang-16 llvm-16 libbpf-dev libelf-dev zlib1g-dev bpftool make g++ python3 pkg-config)
test_packages=(nginx curl prometheus libbpf-tools iproute2 procps apache2-utils wrk util-linux
  openssl wget redis-server redis-tools python3-redis memcached postgresql postgresql-contrib mariadb-server mariadb-client dnsmasq-base dnsutils chromium)

want=("${build_packages[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${test_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages: ${missing[*]} — run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "bootstrap: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

if [ ! -f build/Release/sonde_native.node ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund >&2
fi
npm run build >&2
