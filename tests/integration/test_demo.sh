#!/usr/bin/env bash
# `make demo`'s command: `ricochet dev` with the example config and the
# sample stream starts the broker, Redis and the three workers, feeds the
# stream through, prints a summary and exits 0. The summary's numbers are
# those of the sample (227 lines, 15 repeats, 6 malformed, 206 enriched), and
# the tickets file holds as many tickets and comments as it says.
source "$(dirname "$0")/lib/harness.sh"

DEMO="$H_DIR/demo"
cd "$RICOCHET_SOURCE_DIR"
t0=$(date +%s%3N)
set +e
timeout -k 5 110 "$RICOCHET_BIN/ricochet" dev -c examples/ricochet.yaml --feed examples/posts.jsonl --dir "$DEMO" \
  --timeout 90 >"$H_DIR/demo.out" 2>"$H_DIR/demo.log"
rc=$?
set -e
ms=$(($(date +%s%3N) - t0))
cat "$H_DIR/demo.out"
[ "$rc" = 0 ] || h_fail "ricochet dev exited $rc: $(cat "$H_DIR/demo.log")"
h_pass "ricochet dev --feed exited 0 after $ms ms"

# summary LABEL: the number after the label in the summary.
summary() {
  awk -v k="$1 " '{ l = $0; sub(/^ +/, "", l) }
                  index(l, k) == 1 { split(substr(l, length(k) + 1), a, " "); v = a[1] }
                  END { print (v ~ /^[0-9]+$/) ? v : "missing" }' "$H_DIR/demo.out"
}
[ "$(summary 'posts in (lines fed)')" = 227 ] || h_fail "posts in = $(summary 'posts in (lines fed)'), expected 227"
[ "$(summary 'duplicates dropped')" = 15 ] || h_fail "duplicates dropped = $(summary 'duplicates dropped'), expected 15"
[ "$(summary enriched)" = 206 ] || h_fail "enriched = $(summary enriched), expected 206"
[ "$(summary dead-lettered)" = 6 ] || h_fail "dead-lettered = $(summary dead-lettered), expected 6"
by_intent=0
for i in complaint praise question request other; do
  v=$(summary $i)
  [ "$v" != missing ] || h_fail "no '$i' line in the summary"
  by_intent=$((by_intent + v))
done
[ "$by_intent" = 206 ] || h_fail "the intents add up to $by_intent, not 206"
tickets=$(summary 'tickets opened')
comments=$(summary 'comments added')
[ "$tickets" != missing ] && [ "$tickets" -gt 0 ] || h_fail "tickets opened: $tickets"
[ "$comments" != missing ] && [ "$comments" -gt 0 ] || h_fail "comments added: $comments"
h_pass "summary: 227 in, 15 repeats, 206 enriched, 6 dead letters, $tickets tickets, $comments comments"

grep -q 'workers exited with 0/0/0' "$H_DIR/demo.out" || h_fail "a worker did not exit 0: $(grep 'workers exited' "$H_DIR/demo.out")"
h_pass "the three workers exited 0"

[ -f "$DEMO/tickets.jsonl" ] || h_fail "no tickets file in $DEMO"
grep -qF "$DEMO/tickets.jsonl" "$H_DIR/demo.out" || h_fail "the summary does not name the tickets file"
in_file=$(grep -c '"event":"ticket_opened"' "$DEMO/tickets.jsonl")
[ "$in_file" = "$tickets" ] || h_fail "the tickets file has $in_file ticket_opened lines, the summary says $tickets"
c_file=$(grep -c '"event":"comment_added"' "$DEMO/tickets.jsonl" || true)
[ "$c_file" = "$comments" ] || h_fail "the tickets file has $c_file comment_added lines, the summary says $comments"
h_pass "the tickets file has $in_file ticket_opened and $c_file comment_added lines, as the summary says"

# Nothing of the demo is left running: its broker, Redis and worker ports
# are closed.
ports=$(sed -n 's/.*broker [0-9.]*:\([0-9]*\), redis redis:\/\/[0-9.]*:\([0-9]*\), workers on ports \([0-9/]*\),.*/\1 \2 \3/p' \
  "$H_DIR/demo.log" | tr / ' ')
[ "$(wc -w <<<"$ports")" = 5 ] || h_fail "cannot read the demo's ports from: $(head -3 "$H_DIR/demo.log")"
for p in $ports; do
  h_wait_until 10 "port $p of the demo is still open" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null"
done
h_pass "nothing of the demo is left listening (ports $ports)"
