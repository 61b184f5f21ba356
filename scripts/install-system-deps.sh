#!/usr/bin/env bash
# Installs the Debian packages ringkit needs, skipping what is present.
# Idempotent; used by .ci/run and by the README's quick start.
set -euo pipefail

# clang-format: `npm run lint` checks C++ formatting with it.
# cmake, g++: the native addons (cmake-js) and the C++ stress tests under ThreadSanitizer.
# pkg-config, libbpf-dev: bpf-ringbuf's addon links libbpf; bpftool: its tests check what is attached;
# clang: "npm run build:bpf" recompiles the BPF programs (their objects are committed).
# chromium: apps/demo's browser test drives it headless through playwright-core (no browser download).
# systemtap-sdt-dev: <sys/sdt.h>, for bpf-ringbuf's USDT attach test (its target binary has a probe).
# prometheus: @ringkit/otel's tests start a real server that scrapes the exported metrics.
PACKAGES=(clang-format cmake g++ pkg-config libbpf-dev bpftool clang chromium systemtap-sdt-dev prometheus)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${PACKAGES[*]})"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
  command -v sudo >/dev/null || {
    echo "ringkit needs these Debian packages: ${missing[*]}; run this script as root (or install them with apt-get)." >&2
    exit 1
  }
else
  SUDO=
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
