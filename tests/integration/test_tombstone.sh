#!/usr/bin/env bash
# A record with a null value (a tombstone, e.g. from a compaction tool) on a
# consumed topic is dead-lettered like any other unusable input: the worker
# keeps running and the records after it are still processed (it must not
# become a poison pill that stops the worker on every restart).
source "$(dirname "$0")/lib/harness.sh"

h_start_redis
h_start_broker 1
h_write_ticket_config everything
h_start_workers enrich route

echo | "$RICOCHET_BIN/ricochet" produce -b "$H_BOOTSTRAP" -t ricochet.posts --null -k generic:t1 2>>"$H_DIR/produce.log"
echo | "$RICOCHET_BIN/ricochet" produce -b "$H_BOOTSTRAP" -t ricochet.enriched --null -k generic:t1 2>>"$H_DIR/produce.log"
h_wait_metric enrich 'ricochet_enrich_dead_letters_total{class="parse"}' 1 20
h_wait_metric route 'ricochet_route_dead_letters_total{class="parse"}' 1 20
h_pass "a tombstone is dead-lettered (class parse) by enrich and route"

dl=$(h_consume ricochet.dead-letter dead_letter 2 5000)
[ "$(grep -c '"reason":"empty record (null value)"' <<<"$dl")" = 2 ] || h_fail "dead letters: $dl"
h_pass "the dead letters say why"

# A post after the tombstone still gets through (same partition).

h_start_workers ingest
printf '{"platform":"generic","id":"t1","text":"my bag is lost","author":{"id":"t1","handle":"tee"}}\n' >"$H_DIR/p.jsonl"
[ "$(h_post_webhook "$H_DIR/p.jsonl")" = 202 ] || h_fail "webhook refused the post"
h_wait_until 30 "the post after the tombstone reached route" grep -q '"event":"ticket_opened"' "$TICKETS"
for s in enrich route; do kill -0 "${H_PID[$s]}" 2>/dev/null || h_fail "$s exited"; done
h_pass "the workers keep running and process what follows"
