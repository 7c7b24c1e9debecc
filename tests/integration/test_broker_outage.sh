#!/usr/bin/env bash
# Broker faults, injected into the embedded broker: the broker goes down
# mid-stream (readiness says so; ingest's webhook waits for Kafka rather than
# answering 202 early) and failed Produce and Fetch requests are retried;
# after the broker is back every post reaches route exactly once.
source "$(dirname "$0")/lib/harness.sh"

h_start_redis
h_start_broker
h_write_ticket_config everything
h_start_workers ingest enrich route

post_batch() { # post_batch FIRST LAST
  for i in $(seq "$1" "$2"); do
    printf '{"platform":"generic","id":"o%d","text":"outage post %d, my flight was cancelled","author":{"id":"oa%d","handle":"ou%d"}}\n' \
      "$i" "$i" "$i" "$i"
  done >"$H_DIR/batch.jsonl"
  h_post_webhook "$H_DIR/batch.jsonl"
}

[ "$(post_batch 1 50)" = 202 ] || h_fail "first batch refused"
h_wait_metric route ricochet_route_records_in_total 50
h_pass "50 posts through before the outage"

h_broker_cmd broker down
for i in $(seq 1 100); do [ "$(h_readyz enrich)" = 503 ] && break; sleep 0.1; done
[ "$(h_readyz enrich)" = 503 ] || h_fail "enrich still ready with the broker down"
h_pass "readiness turns 503 when the broker is down"

# A webhook request during the outage: answered only once Kafka acknowledged.
post_batch 51 100 >"$H_DIR/code.txt" &
feeder=$!
sleep 3
kill -0 "$feeder" 2>/dev/null || h_fail "webhook answered while the broker was down: $(cat "$H_DIR/code.txt")"
# The waiting request holds its own connection thread only: /metrics and
# /readyz still answer at once.
code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${H_PORT[ingest]}/metrics")
[ "$code" = 200 ] || h_fail "ingest /metrics answered $code while a webhook request waited"
code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${H_PORT[ingest]}/readyz")
[ "$code" = 503 ] || h_fail "ingest /readyz answered $code while the broker was down"
h_pass "while a webhook request waits for Kafka, /metrics and /readyz still answer"
h_broker_cmd broker up
wait "$feeder"
[ "$(cat "$H_DIR/code.txt")" = 202 ] || h_fail "webhook answered $(cat "$H_DIR/code.txt") after the outage"
h_pass "the webhook waited for the broker and then answered 202"

# Transient request errors: retried by the idempotent producer and the consumer.
h_broker_cmd error Produce 5 NOT_LEADER_FOR_PARTITION
h_broker_cmd error Fetch 5 NOT_LEADER_FOR_PARTITION
[ "$(post_batch 101 150)" = 202 ] || h_fail "third batch refused"

for i in $(seq 1 600); do
  n=$(grep -c '"event":"ticket_opened"' "$TICKETS" 2>/dev/null || true)
  [ "${n:-0}" -ge 150 ] && break
  sleep 0.1
done
opened=$(grep -c '"event":"ticket_opened"' "$TICKETS")
distinct=$(grep '"event":"ticket_opened"' "$TICKETS" | sed 's/.*"post_id":"\([^"]*\)".*/\1/' | sort -u | wc -l)
[ "$distinct" = 150 ] || h_fail "$distinct of 150 posts reached route"
[ "$opened" = 150 ] || h_fail "$opened tickets for 150 posts"
h_pass "after the outage and the request errors all 150 posts reached route, one ticket each"
for s in enrich route; do [ "$(h_readyz $s)" = 200 ] || h_fail "$s not ready again"; done
h_pass "readiness is back to 200"
