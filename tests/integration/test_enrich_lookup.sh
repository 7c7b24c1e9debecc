#!/usr/bin/env bash
# The customer lookup (enrich.lookup) end to end: ricochet-enrich against
# the embedded broker, a real redis-server, and the replay fixture as the
# CRM (GET /customers/<platform>/<handle>).
#   (a) a gold tier from the CRM lands in the EnrichedPost and its urgency
#       reasons;
#   (b) the author's next post is answered from Redis (no new request);
#   (d) 500 and malformed JSON are "unavailable"; 404 is "not_found" and
#       cached;
#   (e) with Redis stopped, lookups are still answered (by the CRM);
#   (c) a CRM that holds requests past the timeout: the posts still come
#       out, quickly, marked "unavailable"; after failure_threshold failures
#       the breaker opens and the CRM is asked no more.
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"

# ---- the CRM -----------------------------------------------------------------
# One route per customer; the slow ones answer after 20 s (the lookup's
# timeout is 300 ms).
slow_routes=""
for i in 1 2 3 4 5 6 7 8; do
  slow_routes+="{\"path\": \"/customers/generic/slow_$i\", \"responses\": [{\"delay_ms\": 20000, \"json\": {\"loyalty\": {\"tier\": \"gold\"}}}]},"
done
cat >"$H_DIR/crm.json" <<JSON
[
  {"path": "/customers/generic/gold_ann", "header_equals": {"Authorization": "Bearer crm-token"},
   "responses": [{"json": {"loyalty": {"tier": "gold", "since": 2019}, "segment": "frequent flyer"}}]},
  {"path": "/customers/generic/gold_fay", "responses": [{"json": {"loyalty": {"tier": "gold"}}}]},
  {"path": "/customers/generic/nobody", "responses": [{"status": 404, "json": {"error": "no such customer"}}]},
  {"path": "/customers/generic/err_500", "responses": [{"status": 500, "json": {"error": "down"}}]},
  {"path": "/customers/generic/garbled", "responses": [{"body": "{\"loyalty\": {\"tier\": ",
   "headers": {"Content-Type": "application/json"}}]},
  $slow_routes
  {"path": "/customers/generic/plain_pat", "responses": [{"json": {"loyalty": {"tier": "silver"}}}]}
]
JSON
h_start_replay "$H_DIR/crm.json"
CRM_LOG=$H_REPLAY_LOG

h_start_redis
REDIS_PID=${H_PIDS[-1]}
h_start_broker
h_write_config "$H_DIR/ricochet.yaml" </dev/null
h_config_section enrich "  lookup:
    url: \"$H_REPLAY_URL/customers/{{platform}}/{{handle}}\"
    headers:
      Authorization: \"Bearer \${CRM_TOKEN}\"
    timeout: 300ms
    fields:
      tier: \$.loyalty.tier
      member_since: loyalty.since
      segment: segment
    breaker:
      failure_threshold: 3
      open_for: 10m"
export CRM_TOKEN=crm-token
h_start_workers enrich

# ---- helpers -----------------------------------------------------------------
: >"$H_DIR/ingest.yaml"
N=0 # posts sent so far
# send HANDLE TEXT...: one generic post per "HANDLE|TEXT" argument,
# normalised by ricochet-ingest in file mode and produced to the posts topic.
send() {
  local f="$H_DIR/batch-$N.jsonl" arg
  : >"$f"
  for arg in "$@"; do
    N=$((N + 1))
    jq -cn --arg id "p$N" --arg h "${arg%%|*}" --arg t "${arg#*|}" \
      '{id: $id, text: $t, author: {id: ("a-" + $h), handle: $h, followers: 250000}}' >>"$f"
  done
  "$RICOCHET_BIN/ricochet-ingest" -c "$H_DIR/ingest.yaml" --in "$f" --out "$f.posts" 2>>"$H_DIR/ingest-file.log" ||
    h_fail "ricochet-ingest --in $f failed"
  "$RICOCHET_BIN/ricochet" produce -b "$H_BOOTSTRAP" -t ricochet.posts -s post <"$f.posts" 2>>"$H_DIR/produce.log" ||
    h_fail "produce failed"
}
# got: every EnrichedPost so far into $H_DIR/enriched.jsonl once there are $N.
got() {
  local i
  for i in $(seq 1 10); do
    h_consume ricochet.enriched enriched "$N" 6000 >"$H_DIR/enriched.jsonl"
    [ "$(wc -l <"$H_DIR/enriched.jsonl")" -ge "$N" ] && return 0
  done
  h_fail "only $(wc -l <"$H_DIR/enriched.jsonl") of $N enriched posts came out"
}
# of ID: the EnrichedPost of post ID.
of() { jq -c --arg id "$1" 'select(.post.id == $id)' "$H_DIR/enriched.jsonl"; }
crm_count() { h_replay_count /customers/ "$CRM_LOG"; }
m() { h_metric enrich "ricochet_enrich_lookup_total{result=\"$1\"}"; }

SEED="RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA."

# ---- (a) the tier reaches the record and urgency -----------------------------
send "gold_ann|$SEED" "plain_pat|$SEED"
got
ann=$(of p1)
[ "$(jq -r .customer.status <<<"$ann")" = ok ] || h_fail "(a) customer: $(jq -c .customer <<<"$ann")"
[ "$(jq -r .customer.tier <<<"$ann")" = gold ] || h_fail "(a) tier: $(jq -c .customer <<<"$ann")"
[ "$(jq -r .customer.attributes.member_since <<<"$ann")" = 2019 ] || h_fail "(a) attributes: $(jq -c .customer <<<"$ann")"
[ "$(jq -r .customer.attributes.segment <<<"$ann")" = "frequent flyer" ] || h_fail "(a) attributes: $(jq -c .customer <<<"$ann")"
jq -e '.urgency_reasons | index("customer_tier:gold")' <<<"$ann" >/dev/null ||
  h_fail "(a) no customer_tier:gold in $(jq -c .urgency_reasons <<<"$ann")"
pat=$(of p2)
jq -e '.urgency_reasons | index("customer_tier:silver")' <<<"$pat" >/dev/null ||
  h_fail "(a) no customer_tier:silver in $(jq -c .urgency_reasons <<<"$pat")"
[ "$(jq .urgency <<<"$ann")" -gt "$(jq .urgency <<<"$pat")" ] ||
  h_fail "(a) gold ($(jq .urgency <<<"$ann")) is not above silver ($(jq .urgency <<<"$pat"))"
[ "$(crm_count)" = 2 ] || h_fail "(a) the CRM got $(crm_count) requests, expected 2"
# The token came from the environment through the config.
[ "$(jq -r 'select(.path == "/customers/generic/gold_ann") | .status' "$CRM_LOG" | head -1)" = 200 ] ||
  h_fail "(a) the CRM refused the Authorization header: $(cat "$CRM_LOG")"
redis-cli -p "$H_REDIS_PORT" GET ricochet:customer:generic:gold_ann | jq -e '.tier == "gold"' >/dev/null ||
  h_fail "(a) not cached: $(redis-cli -p "$H_REDIS_PORT" GET ricochet:customer:generic:gold_ann)"
h_pass "(a) gold tier from the CRM in customer.tier, attributes mapped, urgency reason customer_tier:gold"

# ---- (b) a cache hit ---------------------------------------------------------
hits=$(m hit)
send "gold_ann|my bag is lost again" "Gold_Ann|still no bag"
got
[ "$(crm_count)" = 2 ] || h_fail "(b) the CRM was asked again: $(crm_count) requests"
for id in p3 p4; do
  [ "$(of $id | jq -r .customer.tier)" = gold ] || h_fail "(b) $id: $(of $id | jq -c .customer)"
done
[ "$(m hit)" -ge $((hits + 2)) ] || h_fail "(b) hits $(m hit), expected >= $((hits + 2))"
h_pass "(b) the same author's next posts come from Redis (CRM requests stay at 2)"

# ---- (d) 500, malformed, 404 -------------------------------------------------
send "err_500|where is my refund" "garbled|where is my refund" "nobody|where is my refund"
got
for id in p5 p6; do
  [ "$(of $id | jq -r .customer.status)" = unavailable ] || h_fail "(d) $id: $(of $id | jq -c .customer)"
  of $id | jq -e '.urgency_reasons | map(select(startswith("customer_tier") or startswith("lookup"))) | length == 0' \
    >/dev/null || h_fail "(d) $id: $(of $id | jq -c .urgency_reasons)"
done
[ "$(of p7 | jq -r .customer.status)" = not_found ] || h_fail "(d) p7: $(of p7 | jq -c .customer)"
[ "$(h_metric enrich 'ricochet_enrich_lookup_errors_total{reason="status"}')" -ge 1 ] || h_fail "(d) 500 not counted"
[ "$(h_metric enrich 'ricochet_enrich_lookup_errors_total{reason="malformed"}')" -ge 1 ] ||
  h_fail "(d) malformed answer not counted"
grep -q 'customer lookup failed (malformed)' "$H_DIR/enrich.log" || h_fail "(d) malformed answer not logged"
before=$(crm_count)
send "nobody|hello again"
got
[ "$(of p8 | jq -r .customer.status)" = not_found ] || h_fail "(d) p8: $(of p8 | jq -c .customer)"
[ "$(crm_count)" = "$before" ] || h_fail "(d) not_found was not cached: $(crm_count) requests, expected $before"
ttl=$(redis-cli -p "$H_REDIS_PORT" PTTL ricochet:customer:generic:nobody)
[ "$ttl" -gt 0 ] && [ "$ttl" -le 600000 ] || h_fail "(d) not_found PTTL $ttl, expected <= 10 min"
h_pass "(d) 500 and malformed JSON -> unavailable (counted, logged); 404 -> not_found, cached for 10 min"

# ---- (e) Redis stopped -------------------------------------------------------
kill -TERM "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
before=$(crm_count)
cache_errors=$(h_metric enrich ricochet_enrich_lookup_cache_errors_total)
send "gold_fay|my flight is cancelled" "gold_ann|and my bag is gone"
got
for id in p9 p10; do
  [ "$(of $id | jq -r .customer.tier)" = gold ] || h_fail "(e) $id: $(of $id | jq -c .customer)"
done
[ "$(crm_count)" = $((before + 2)) ] || h_fail "(e) CRM requests $(crm_count), expected $((before + 2))"
[ "$(h_metric enrich ricochet_enrich_lookup_cache_errors_total)" -gt "$cache_errors" ] ||
  h_fail "(e) going without Redis was not counted"
h_pass "(e) with Redis stopped the CRM is asked directly (counted) and the tiers still arrive"

# ---- (c) a CRM that holds requests past the timeout -----------------------------
open_before=$(m breaker_open)
before=$(crm_count)
t0=$(date +%s%3N)
send "slow_1|where is my bag" "slow_2|where is my bag" "slow_3|where is my bag" "slow_4|where is my bag"
got
ms=$(($(date +%s%3N) - t0))
for id in p11 p12 p13 p14; do
  [ "$(of $id | jq -r .customer.status)" = unavailable ] || h_fail "(c) $id: $(of $id | jq -c .customer)"
done
# The CRM answers after 20 s; the posts must not wait for it.
[ "$ms" -lt 8000 ] || h_fail "(c) the posts took $ms ms to come out"
[ "$(h_metric enrich 'ricochet_enrich_lookup_errors_total{reason="timeout"}')" -ge 3 ] || h_fail "(c) timeouts not counted"
asked=$(($(crm_count) - before))
[ "$asked" -ge 3 ] || h_fail "(c) only $asked slow requests"
# Three failures opened the breaker: the next authors are not asked.
before=$(crm_count)
t0=$(date +%s%3N)
send "slow_5|hello" "slow_6|hello" "slow_7|hello" "slow_8|hello" "gold_fay|hello"
got
ms2=$(($(date +%s%3N) - t0))
[ "$(crm_count)" = "$before" ] || h_fail "(c) the breaker let $(( $(crm_count) - before )) requests through"
for id in p15 p16 p17 p18; do
  [ "$(of $id | jq -r .customer.status)" = unavailable ] || h_fail "(c) $id: $(of $id | jq -c .customer)"
done
[ "$(m breaker_open)" -ge $((open_before + 4)) ] || h_fail "(c) breaker_open $(m breaker_open), expected >= $((open_before + 4))"
[ "$(h_metric enrich ricochet_enrich_lookup_breaker_state)" = 1 ] || h_fail "(c) breaker state gauge not 1"
# The worker's own clock: no batch took longer than 0.5 s (timeout 300 ms).
batches=$(h_metric enrich ricochet_enrich_batch_duration_seconds_count)
quick=$(h_metric enrich 'ricochet_enrich_batch_duration_seconds_bucket{le="0.5"}')
[ "$batches" -gt 0 ] && [ "$quick" = "$batches" ] || h_fail "(c) $quick of $batches batches took <= 0.5 s"
h_pass "(c) slow CRM (answers after 20 s): every one of $batches batches <= 0.5 s, posts marked unavailable (4 posts out in $ms ms end to end); breaker open after 3 failures: no requests, $ms2 ms for 5 posts"

# Every post came out once.
[ "$(jq -r .post.id "$H_DIR/enriched.jsonl" | sort -u | wc -l)" = "$N" ] || h_fail "posts missing or repeated"
h_pass "all $N posts enriched"
