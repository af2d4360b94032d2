#!/usr/bin/env bash
# Installs the Debian packages ZActor needs, when they are missing.
# usage: scripts/ensure-deps.sh [--with-clang] [--with-coverage]
#   --with-clang     what ./run-tests needs besides the build: clang and its
#                    sanitizer runtimes, clang-format (ctest format), doxygen
#                    (ctest api_reference) and abigail-tools (ctest abi_check)
#   --with-coverage  gcovr, for scripts/coverage
set -euo pipefail
packages=(gcc g++ make cmake flex bison pkg-config libhwloc-dev libxxhash-dev libzmq3-dev spin)
for arg in "$@"; do
  case $arg in
    --with-clang) packages+=(clang libclang-rt-14-dev clang-format doxygen abigail-tools) ;;
    --with-coverage) packages+=(gcovr) ;;
    *) echo "ensure-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ZActor needs these Debian packages: ${missing[*]}" >&2
  echo "run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "== installing ${missing[*]} (apt-get; log in /tmp/zactor-apt.log)"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } \
    >/tmp/zactor-apt.log 2>&1; then
  cat /tmp/zactor-apt.log >&2
  echo "apt-get failed to install: ${missing[*]}" >&2
  exit 1
fi
