#!/usr/bin/env bash
# Installs the Debian 12 packages ricochet needs for a purpose, only those
# missing. As root it runs apt-get; otherwise it prints the exact command and
# fails, so nothing is half set up.
#
#   scripts/deps.sh build   compilers, cmake and the -dev libraries
#   scripts/deps.sh demo    build + redis-server
#   scripts/deps.sh test    demo + valgrind, curl, jq, openssl, Request Tracker 5, Prometheus,
#                           clang and its sanitizer/libFuzzer runtimes (make test-fuzz)
set -euo pipefail

# libexttextcat-data: the language fingerprints ricochet-enrich reads at start-up.
build_pkgs=(gcc make cmake pkg-config librdkafka-dev libavro-dev libhiredis-dev libmicrohttpd-dev
            libyaml-dev libjansson-dev libjsmn-dev libcurl4-openssl-dev libssl-dev libcmocka-dev libwebsockets-dev
            libexttextcat-dev libexttextcat-data libpcre2-dev)
demo_pkgs=(redis-server)
# libclang-rt-14-dev holds the ASan/UBSan/libFuzzer runtimes for clang; clang-14
# only pulls it in as a Recommends, which --no-install-recommends skips.
test_pkgs=(valgrind curl jq openssl request-tracker5 rt5-db-sqlite rt5-standalone prometheus
           clang libclang-rt-14-dev)

case "${1:-build}" in
  build) want=("${build_pkgs[@]}") ;;
  demo)  want=("${build_pkgs[@]}" "${demo_pkgs[@]}") ;;
  test|bench) want=("${build_pkgs[@]}" "${demo_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 build|demo|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "ricochet needs these Debian packages; as root run:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; an old list may name versions
# that are gone, so refresh before installing.
apt-get update -q >/dev/null
# RT's packages ask debconf questions; the defaults are fine for a test box.
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
