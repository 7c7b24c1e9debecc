#!/usr/bin/env bash
# SIGTERM while outputs cannot be acknowledged still ends the worker within
# 10 s (shutdown_timeout is 8 s): a consuming worker whose produce requests
# keep failing exits 1 without committing (its inputs are redelivered and
# reach route after a restart), and ingest answers a webhook request that
# is waiting for an unreachable broker with 503 rather than holding the
# process up for the whole webhook.timeout.
source "$(dirname "$0")/lib/harness.sh"

h_start_redis
h_start_broker 1
h_write_ticket_config everything
h_start_workers ingest

for i in $(seq 1 20); do
  printf '{"platform":"generic","id":"s%d","text":"stuck post %d","author":{"id":"sa%d","handle":"su%d"}}\n' \
    "$i" "$i" "$i" "$i"
done >"$H_DIR/posts.jsonl"
[ "$(h_post_webhook "$H_DIR/posts.jsonl")" = 202 ] || h_fail "webhook refused the posts"

# Every Produce request fails (retriably) for the next ~30 s: enrich's
# outputs stay unacknowledged.
for _ in 1 2 3 4 5; do h_broker_cmd error Produce 64 NOT_ENOUGH_REPLICAS; done
h_start_workers enrich
h_wait_metric enrich ricochet_enrich_records_in_total 20 30
h_stop_worker enrich
[ "$H_STOP_SECONDS" -le 10 ] || h_fail "enrich took ${H_STOP_SECONDS}s to stop with unacknowledged outputs"
[ "$H_RC" = 1 ] || h_fail "enrich exited $H_RC with unacknowledged outputs (expected 1)"
h_pass "enrich stopped in ${H_STOP_SECONDS}s with exit 1 while its outputs were unacknowledged"

# A webhook request waiting for a broker that is down, then SIGTERM.
h_broker_cmd broker down
printf '{"platform":"generic","id":"w1","text":"waiting post","author":{"id":"wa1","handle":"wu1"}}\n' \
  >"$H_DIR/one.jsonl"
h_post_webhook "$H_DIR/one.jsonl" >"$H_DIR/code.txt" &
feeder=$!
sleep 2
kill -0 "$feeder" 2>/dev/null || h_fail "webhook answered while the broker was down: $(cat "$H_DIR/code.txt")"
h_stop_worker ingest
[ "$H_STOP_SECONDS" -le 10 ] || h_fail "ingest took ${H_STOP_SECONDS}s to stop with a webhook request waiting"
wait "$feeder" || true
[ "$(cat "$H_DIR/code.txt")" = 503 ] || h_fail "the waiting webhook request got $(cat "$H_DIR/code.txt"), expected 503"
h_pass "ingest stopped in ${H_STOP_SECONDS}s and told the waiting webhook caller 503"

# Nothing lost: after the broker is back, the 20 posts reach route.
h_broker_cmd broker up
h_start_workers enrich route
h_wait_until 60 "all 20 posts reached route" \
  bash -c "[ \"\$(grep -c '\"event\":\"ticket_opened\"' '$TICKETS' 2>/dev/null)\" -ge 20 ]"
h_pass "after a restart the 20 posts reached route"
