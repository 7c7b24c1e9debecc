#!/usr/bin/env bash
# The three workers with schema_registry.url set, against the fixture
# registry (build/bin/schema_registry_fixture) as a process: records travel
# in Confluent wire format, every topic's schema is registered under
# <topic>-value, and a registry outage neither loses nor dead-letters a
# good record.
#
# The outage part follows common/worker.c: schemas are cached for the life
# of a process, so a warm pipeline never notices an outage; a worker that
# needs the registry during one (here: just restarted, caches empty) retries
# 5 times (sleeping 1+2+3+4 s), then stops with exit status 1 without
# committing, and the record is processed once the worker is restarted with
# the registry back.
source "$(dirname "$0")/lib/harness.sh"

T0=$SECONDS
step() { h_pass "$* (t=$((SECONDS - T0)) s)"; }

h_start_redis
h_start_broker
"$RICOCHET_BIN/schema_registry_fixture" --port 0 >"$H_DIR/registry.out" 2>"$H_DIR/registry.log" &
H_PIDS+=($!)
for _ in $(seq 1 100); do grep -q '^listening on' "$H_DIR/registry.out" 2>/dev/null && break; sleep 0.05; done
SR=$(sed -n 's/^listening on \(127\.0\.0\.1:[0-9]*\)$/http:\/\/\1/p' "$H_DIR/registry.out")
[ -n "$SR" ] || h_fail "the fixture registry did not start"

sr_stat() { # sr_stat NAME -> the fixture's counter
    curl -s "$SR/_fixture/stats" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
sr_outage() { # sr_outage SECONDS (0 ends it)
    curl -s -o /dev/null -X POST "$SR/_fixture/outage?seconds=$1"
}

TICKETS="$H_DIR/tickets.jsonl"
# route's keys first (the harness appends stdin under route:), then the
# top-level schema_registry section.
h_write_config "$H_DIR/ricochet.yaml" <<YAML
  sinks:
    tickets:
      type: file
      path: $TICKETS
  rules:
    - name: complaint
      when:
        intent: complaint
      actions:
        - sink: tickets
schema_registry:
  url: $SR
YAML
for s in ingest enrich route; do h_start_worker $s; done
for s in ingest enrich route; do h_wait_ready $s; done
step "registry at $SR, workers ready"

# ---- the pipeline through the registry -------------------------------------
cat >"$H_DIR/posts.jsonl" <<'EOF2'
{"platform":"x","id":"9001","text":"RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.","author":{"id":"u-angry","handle":"frequentflyer","followers":250000},"created_at":"2026-11-21T10:00:00Z"}
{"platform":"x","id":"9003","text":"Who rocks Denver? Cindy rocks @SWA.","author":{"id":"u-happy","handle":"cindyfan","followers":300},"created_at":"2026-11-21T10:01:00Z"}
EOF2
code=$(h_post_webhook "$H_DIR/posts.jsonl")
[ "$code" = 202 ] || h_fail "webhook answered $code: $(cat "$H_DIR/webhook.out")"
grep -q '"accepted":2' "$H_DIR/webhook.out" || h_fail "webhook: $(cat "$H_DIR/webhook.out")"
h_wait_metric route ricochet_route_records_in_total 2
[ "$(grep -c '"event":"ticket_opened"' "$TICKETS")" = 1 ] || h_fail "expected one ticket: $(cat "$TICKETS")"
grep '"event":"ticket_opened"' "$TICKETS" | grep -q '"post_id":"9001"' || h_fail "the ticket is not for the complaint"
step "the complaint opened one ticket with Avro records framed for the registry"

subjects=$(curl -s "$SR/subjects")
for t in posts enriched actions; do
    echo "$subjects" | grep -q "\"ricochet.$t-value\"" || h_fail "subject ricochet.$t-value not registered: $subjects"
    [ "$(curl -s "$SR/subjects/ricochet.$t-value/versions")" = "[1]" ] ||
        h_fail "ricochet.$t-value should have exactly one version"
done
echo "$subjects" | grep -q 'dead-letter' && h_fail "a dead-letter schema was registered: $subjects"
step "GET /subjects lists the three topics' <topic>-value subjects, one version each"

# Raw values: magic byte 0x00, a 4-byte big-endian schema id, then Avro.
"$RICOCHET_BIN/ricochet" consume -b "$H_BOOTSTRAP" -t ricochet.posts --hex -n 2 -i 5000 \
    >"$H_DIR/posts.hex" 2>>"$H_DIR/consume.log"
[ "$(wc -l <"$H_DIR/posts.hex")" = 2 ] || h_fail "expected 2 raw posts: $(cat "$H_DIR/posts.hex")"
while read -r line; do
    hex=${line//\"/}
    [ "${hex:0:2}" = 00 ] || h_fail "a post does not start with the magic byte 0x00: ${hex:0:20}"
    id=$((16#${hex:2:8}))
    body=$(curl -s -w ' %{http_code}' "$SR/schemas/ids/$id")
    [ "${body##* }" = 200 ] || h_fail "schema id $id of a post is unknown to the registry: $body"
    echo "$body" | grep -q '\\"name\\": *\\"Post\\"' || h_fail "schema id $id is not the Post schema: $body"
done <"$H_DIR/posts.hex"
step "records on ricochet.posts are 0x00 + schema id $id, which the registry serves as Post"

"$RICOCHET_BIN/ricochet" consume -b "$H_BOOTSTRAP" -t ricochet.actions -s action -r "$SR" -n 2 -i 5000 \
    >"$H_DIR/actions.jsonl" 2>>"$H_DIR/consume.log"
grep '"post_id":"9001"' "$H_DIR/actions.jsonl" | grep -q '"action":"ticket_created"' ||
    h_fail "no ticket_created Action decoded: $(cat "$H_DIR/actions.jsonl")"
grep '"post_id":"9003"' "$H_DIR/actions.jsonl" | grep -q '"action":"no_match"' ||
    h_fail "no no_match Action decoded: $(cat "$H_DIR/actions.jsonl")"
step "ricochet consume -r decodes the Actions"

# ---- an outage with warm caches --------------------------------------------
sr_outage 600
before=$(sr_stat requests)
cat >"$H_DIR/warm.jsonl" <<'EOF2'
{"platform":"x","id":"9005","text":"Smooth boarding in Austin today, thanks @SWA.","author":{"id":"u-warm","handle":"warmfan","followers":10},"created_at":"2026-11-21T10:10:00Z"}
EOF2
code=$(h_post_webhook "$H_DIR/warm.jsonl")
[ "$code" = 202 ] || h_fail "webhook during the outage answered $code: $(cat "$H_DIR/webhook.out")"
h_wait_metric route ricochet_route_records_in_total 3
[ "$(sr_stat requests)" = "$before" ] || h_fail "a warm pipeline called the registry ($before -> $(sr_stat requests))"
step "during an outage a warm pipeline carries a post end to end without one registry call"

# ---- an outage with cold caches --------------------------------------------
# enrich restarted during the outage: it cannot fetch the writer schema of
# the next post.
h_stop_worker enrich
[ "$H_RC" = 0 ] || h_fail "ricochet-enrich exited $H_RC on SIGTERM"
h_start_worker enrich
ENRICH_COLD=${H_PID[enrich]}
h_wait_ready enrich
cat >"$H_DIR/cold-enrich.jsonl" <<'EOF2'
{"platform":"x","id":"9006","text":"Flight 1234 cancelled AGAIN and nobody at the desk will help. Worst service ever @SWA.","author":{"id":"u-cold","handle":"stranded","followers":5000},"created_at":"2026-11-21T10:20:00Z"}
EOF2
code=$(h_post_webhook "$H_DIR/cold-enrich.jsonl")
[ "$code" = 202 ] || h_fail "webhook (warm ingest) answered $code: $(cat "$H_DIR/webhook.out")"

# ingest restarted during the outage: it cannot register the Post schema.
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
h_start_worker ingest
INGEST_COLD=${H_PID[ingest]}
h_wait_ready ingest
cat >"$H_DIR/cold-ingest.jsonl" <<'EOF2'
{"platform":"x","id":"9007","text":"Still no refund after three weeks. Terrible customer service @SWA.","author":{"id":"u-refund","handle":"waiting","followers":80},"created_at":"2026-11-21T10:21:00Z"}
EOF2
t_cold=$SECONDS
code=$(h_post_webhook "$H_DIR/cold-ingest.jsonl")
[ "$code" = 503 ] || h_fail "webhook (cold ingest, registry down) answered $code, not 503: $(cat "$H_DIR/webhook.out")"
grep -q '"failed":1' "$H_DIR/webhook.out" || h_fail "webhook: $(cat "$H_DIR/webhook.out")"
grep -q '"dead_lettered":0' "$H_DIR/webhook.out" || h_fail "webhook dead-lettered a good post: $(cat "$H_DIR/webhook.out")"
step "cold ingest: after $((SECONDS - t_cold)) s of retries the webhook answers 503 (retry later), no dead letter"

# Both cold workers stop with exit status 1 once their retries are spent.
wait_exit() { # wait_exit PID STAGE: its exit status in H_RC
    local i
    for i in $(seq 1 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$1" 2>/dev/null && h_fail "ricochet-$2 still running during the outage"
    set +e
    wait "$1"
    H_RC=$?
    set -e
}
wait_exit "$ENRICH_COLD" enrich
[ "$H_RC" = 1 ] || h_fail "cold ricochet-enrich exited $H_RC during the outage, expected 1"
grep -q 'schema registry unavailable.*stopping without committing' "$H_DIR/enrich.log" ||
    h_fail "enrich did not say why it stopped"
wait_exit "$INGEST_COLD" ingest
[ "$H_RC" = 1 ] || h_fail "cold ricochet-ingest exited $H_RC during the outage, expected 1"
[ "$(sr_stat unavailable)" -ge 10 ] || h_fail "expected >= 10 refused registry calls, got $(sr_stat unavailable)"
if grep -q 'dead-letter (' "$H_DIR/ingest.log" "$H_DIR/enrich.log" "$H_DIR/route.log"; then
    h_fail "a good record was dead-lettered: $(grep -h 'dead-letter (' "$H_DIR"/*.log)"
fi
step "cold enrich and ingest retried, then stopped with exit 1 and dead-lettered nothing"

# ---- the registry is back ----------------------------------------------------
sr_outage 0
# ingest released the dedup claim of the post it could not produce, so the
# caller's retry is not dropped as a repeat.
[ "$(redis-cli -p "$H_REDIS_PORT" EXISTS ricochet:dedup:x:9007)" = 0 ] ||
    h_fail "ingest kept the dedup claim of the post it failed to produce"
h_start_worker ingest
h_start_worker enrich
h_wait_ready ingest
h_wait_ready enrich
code=$(h_post_webhook "$H_DIR/cold-ingest.jsonl")
[ "$code" = 202 ] && grep -q '"accepted":1' "$H_DIR/webhook.out" ||
    h_fail "the retried post was not accepted ($code): $(cat "$H_DIR/webhook.out")"
h_wait_metric route ricochet_route_records_in_total 5 40
# One Action per record route took in; stop reading once they are all there.
n=$(h_metric route ricochet_route_records_in_total)
"$RICOCHET_BIN/ricochet" consume -b "$H_BOOTSTRAP" -t ricochet.actions -s action -r "$SR" -n "${n%.*}" -i 5000 \
    >"$H_DIR/actions-all.jsonl" 2>>"$H_DIR/consume.log"
for id in 9001 9003 9005 9006 9007; do
    grep -q "\"post_id\":\"$id\"" "$H_DIR/actions-all.jsonl" || h_fail "post $id never reached route"
done
step "with the registry back and the workers restarted, posts 9006 and 9007 reach route"

for s in ingest enrich route; do
    [ "$(h_metric $s "ricochet_${s}_dead_letters_total{class=\"schema\"}")" = 0 ] ||
        h_fail "ricochet-$s counted a schema dead letter"
done
"$RICOCHET_BIN/ricochet" consume -b "$H_BOOTSTRAP" -t ricochet.dead-letter --hex -n 1 -i 1500 \
    >"$H_DIR/dead.hex" 2>>"$H_DIR/consume.log"
[ ! -s "$H_DIR/dead.hex" ] || h_fail "the dead-letter topic is not empty: $(cat "$H_DIR/dead.hex")"
step "no dead letters at all: the dead-letter topic is empty, class=schema counts 0"

for s in ingest enrich route; do
    h_stop_worker $s
    [ "$H_RC" = 0 ] || h_fail "ricochet-$s exited $H_RC on SIGTERM"
done
step "all workers exit 0 on SIGTERM"
