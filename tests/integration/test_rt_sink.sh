#!/usr/bin/env bash
# The "rt" sink against a real Request Tracker 5 on loopback: creates a
# ticket, checks it through REST2 (subject, queue, priority, requestor), adds
# a comment and finds it in the ticket's history, and checks that a wrong
# password, a missing queue and a missing ticket fail without retry.
# The checks themselves are in rt_sink_live.c.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${RICOCHET_BIN:-$here/../../build/bin}
live=$bin/rt_sink_live
if [ ! -x "$live" ]; then
    echo "test_rt_sink: $live is not built" >&2
    exit 1
fi

# shellcheck source=tests/integration/lib/rt5.sh
. "$here/lib/rt5.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ricochet-rt.XXXXXX")
cleanup() {
    rt5_stop
    rm -rf "$tmp"
}
trap cleanup EXIT

rt5_install_if_missing
rt5_start "$tmp/rt"

# RICOCHET_VALGRIND=1 runs the check under valgrind (leaks and memory errors
# fail the test).
if [ -n "${RICOCHET_VALGRIND:-}" ]; then
    valgrind --leak-check=full --error-exitcode=3 "$live"
else
    "$live"
fi
