#!/usr/bin/env bash
# The three workers as processes on the embedded broker and a real
# redis-server: a complaint becomes exactly one ticket, its follow-up a
# comment on that ticket, praise no ticket, a malformed post a dead letter,
# and a redelivered enriched record no second ticket.
source "$(dirname "$0")/lib/harness.sh"

h_start_redis
h_start_broker
h_write_ticket_config complaint
h_start_workers ingest enrich route

cat >"$H_DIR/posts.jsonl" <<'EOF2'
{"platform":"x","id":"9001","text":"RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.","author":{"id":"u-angry","handle":"frequentflyer","followers":250000},"created_at":"2026-11-21T10:00:00Z"}
{"platform":"x","id":"9003","text":"Who rocks Denver? Cindy rocks @SWA.","author":{"id":"u-happy","handle":"cindyfan","followers":300},"created_at":"2026-11-21T10:01:00Z"}
{"platform":"x","id":"9004","text":"this line is broken
EOF2
code=$(h_post_webhook "$H_DIR/posts.jsonl")
[ "$code" = 202 ] || h_fail "webhook answered $code: $(cat "$H_DIR/webhook.out")"
grep -q '"accepted":2' "$H_DIR/webhook.out" || h_fail "webhook: $(cat "$H_DIR/webhook.out")"
grep -q '"dead_lettered":1' "$H_DIR/webhook.out" || h_fail "webhook: $(cat "$H_DIR/webhook.out")"
h_pass "webhook accepted 2 posts and dead-lettered the malformed one"

# Wait for route to have decided on both posts.
h_wait_metric route ricochet_route_records_in_total 2
[ "$(grep -c '"event":"ticket_opened"' "$TICKETS")" = 1 ] || h_fail "expected one ticket: $(cat "$TICKETS")"
grep '"event":"ticket_opened"' "$TICKETS" | grep -q '"post_id":"9001"' || h_fail "the ticket is not for the complaint"
grep -q '"post_id":"9003"' "$TICKETS" && h_fail "praise opened a ticket"
h_pass "the complaint opened exactly one ticket; praise opened none"

# The follow-up from the same author, within the case window.
cat >"$H_DIR/followup.jsonl" <<'EOF2'
{"platform":"x","id":"9002","text":"@SWA still waiting at gate C39, my bag never arrived and nobody will help. Terrible service.","author":{"id":"u-angry","handle":"frequentflyer","followers":250000},"created_at":"2026-11-21T10:05:00Z"}
EOF2
code=$(h_post_webhook "$H_DIR/followup.jsonl")
[ "$code" = 202 ] || h_fail "webhook answered $code"
h_wait_metric route ricochet_route_records_in_total 3
ticket=$(grep '"event":"ticket_opened"' "$TICKETS" | sed 's/.*"ticket":"\([^"]*\)".*/\1/')
[ "$(grep -c '"event":"ticket_opened"' "$TICKETS")" = 1 ] || h_fail "the follow-up opened a second ticket"
grep '"event":"comment_added"' "$TICKETS" | grep -q "\"ticket\":\"$ticket\"" || h_fail "no comment on $ticket: $(cat "$TICKETS")"
h_pass "the follow-up became a comment on ticket $ticket"

# The same post again through the webhook: dropped by ingest's dedup window.
code=$(h_post_webhook "$H_DIR/followup.jsonl")
grep -q '"duplicates":1' "$H_DIR/webhook.out" || h_fail "repeat not dropped: $(cat "$H_DIR/webhook.out")"
h_pass "a repeated post is dropped by the dedup window"

# More than 256 posts in one request: refused whole with 413, nothing leaked
# (under the sanitizer build, LeakSanitizer checks ingest's exit).
for i in $(seq 1 257); do printf '{"platform":"x","id":"big%d","text":"t","author":{"id":"b"}}\n' "$i"; done >"$H_DIR/big.jsonl"
code=$(h_post_webhook "$H_DIR/big.jsonl")
[ "$code" = 413 ] || h_fail "257 posts in one request answered $code"
grep -q 'at most 256' "$H_DIR/webhook.out" || h_fail "413 without the reason: $(cat "$H_DIR/webhook.out")"
h_pass "a request of more than 256 posts is refused with 413"

# Redelivery: the complaint's enriched record produced again to the
# enriched topic (as after a crash before the offset commit).
h_consume ricochet.enriched enriched 3 >"$H_DIR/enriched.jsonl"
grep '"id":"9001"' "$H_DIR/enriched.jsonl" | head -1 >"$H_DIR/redeliver.jsonl"
[ -s "$H_DIR/redeliver.jsonl" ] || h_fail "complaint not found on the enriched topic"
"$RICOCHET_BIN/ricochet" produce -b "$H_BOOTSTRAP" -t ricochet.enriched -s enriched -k x:u-angry \
  <"$H_DIR/redeliver.jsonl" 2>>"$H_DIR/consume.log"
h_wait_metric route 'ricochet_route_actions_total{action="duplicate_suppressed"}' 1
[ "$(grep -c '"event":"ticket_opened"' "$TICKETS")" = 1 ] || h_fail "redelivery opened a second ticket"
h_pass "a redelivered record is suppressed, still one ticket"

# Audit trail and dead letters on their topics.
h_consume ricochet.actions action 4 >"$H_DIR/actions.jsonl"
grep -q '"action":"ticket_created"' "$H_DIR/actions.jsonl" || h_fail "no ticket_created Action"
grep -q '"action":"comment_added"' "$H_DIR/actions.jsonl" || h_fail "no comment_added Action"
grep '"post_id":"9003"' "$H_DIR/actions.jsonl" | grep -q '"action":"no_match"' || h_fail "praise has no no_match Action"
grep -q '"action":"duplicate_suppressed"' "$H_DIR/actions.jsonl" || h_fail "no duplicate_suppressed Action"
h_consume ricochet.dead-letter dead_letter 1 >"$H_DIR/dead.jsonl"
grep -q '"stage":"ingest"' "$H_DIR/dead.jsonl" || h_fail "no dead letter from ingest: $(cat "$H_DIR/dead.jsonl")"
grep -q 'this line is broken' "$H_DIR/dead.jsonl" || h_fail "dead letter lacks the original bytes"
h_pass "Actions and the dead letter are on their topics"

for s in ingest enrich route; do
  h_stop_worker $s
  [ "$H_RC" = 0 ] || h_fail "ricochet-$s exited $H_RC on SIGTERM"
done
h_pass "all workers exit 0 on SIGTERM"
