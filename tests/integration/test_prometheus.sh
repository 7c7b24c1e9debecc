#!/usr/bin/env bash
# The workers' /metrics as Prometheus itself sees it: `promtool check
# metrics` accepts each worker's exposition (before and after traffic, when
# more label values exist), and a real Prometheus (Debian's) scraping the
# three workers every second finds all three targets up and the records
# counted by ingest.
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"
h_prometheus_install_if_missing

h_start_redis
h_start_broker
h_write_config "$H_DIR/ricochet.yaml" <<YAML
  sinks:
    tickets:
      type: file
      path: $H_DIR/tickets.jsonl
  rules:
    - name: complaint
      when:
        intent: complaint
      actions:
        - sink: tickets
YAML
h_start_workers ingest enrich route

check_metrics() { # check_metrics WHEN
  local s
  for s in ingest enrich route; do
    curl -s --max-time 10 "http://127.0.0.1:${H_PORT[$s]}/metrics" >"$H_DIR/metrics-$s-$1.txt"
    grep -q "^ricochet_${s}_records_in_total " "$H_DIR/metrics-$s-$1.txt" || h_fail "$s /metrics has no records_in_total"
    promtool check metrics <"$H_DIR/metrics-$s-$1.txt" >"$H_DIR/promtool-$s-$1.log" 2>&1 ||
      h_fail "promtool check metrics on ricochet-$s ($1): $(cat "$H_DIR/promtool-$s-$1.log")"
  done
}
check_metrics idle
h_pass "promtool check metrics accepts the three workers' /metrics at start"

h_start_prometheus ingest enrich route
t0=$(date +%s%3N)

# All three targets up.
targets_up() {
  h_prom_query 'up' >"$H_DIR/up.json"
  [ "$(jq '[.data.result[] | select(.metric.job | startswith("ricochet-")) | select(.value[1] == "1")] | length' \
    "$H_DIR/up.json" 2>/dev/null)" = 3 ]
}
h_wait_until 30 "not all three workers are up in Prometheus: $(cat "$H_DIR/up.json" 2>/dev/null)" targets_up
h_pass "Prometheus scrapes all three workers: up == 1 for each ($(($(date +%s%3N) - t0)) ms)"

# Traffic: a complaint (a ticket), praise, and a malformed line.
cat >"$H_DIR/posts.jsonl" <<'EOF2'
{"platform":"x","id":"9501","text":"RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.","author":{"id":"u-angry","handle":"frequentflyer","followers":250000},"created_at":"2026-11-21T10:00:00Z"}
{"platform":"x","id":"9502","text":"Who rocks Denver? Cindy rocks @SWA.","author":{"id":"u-happy","handle":"cindyfan","followers":300},"created_at":"2026-11-21T10:01:00Z"}
{"platform":"x","id":"9503","text":"broken
EOF2
code=$(h_post_webhook "$H_DIR/posts.jsonl")
[ "$code" = 202 ] || h_fail "webhook answered $code: $(cat "$H_DIR/webhook.out")"
h_wait_metric route ricochet_route_records_in_total 2
check_metrics busy
h_pass "promtool check metrics still accepts them after traffic (dead letters, actions, histograms)"

# Prometheus has scraped the counters: ingest took in 3 records, route 2.
t0=$(date +%s%3N)
value_is() { # value_is EXPR VALUE
  h_prom_query "$1" >"$H_DIR/q.json"
  [ "$(jq -r '.data.result[0].value[1] // empty' "$H_DIR/q.json" 2>/dev/null)" = "$2" ]
}
h_wait_until 30 "ricochet_ingest_records_in_total is not 3 in Prometheus: $(cat "$H_DIR/q.json" 2>/dev/null)" \
  value_is 'ricochet_ingest_records_in_total{job="ricochet-ingest"}' 3
h_wait_until 30 "route's records_in is not 2 in Prometheus: $(cat "$H_DIR/q.json" 2>/dev/null)" \
  value_is 'ricochet_route_records_in_total' 2
h_wait_until 30 "the ticket is not counted in Prometheus: $(cat "$H_DIR/q.json" 2>/dev/null)" \
  value_is 'ricochet_route_actions_total{action="ticket_created"}' 1
h_wait_until 30 "the dead letter is not counted in Prometheus: $(cat "$H_DIR/q.json" 2>/dev/null)" \
  value_is 'sum(ricochet_ingest_dead_letters_total)' 1
h_pass "Prometheus has the samples: ingest records_in 3, route records_in 2, 1 ticket, 1 dead letter ($(($(date +%s%3N) - t0)) ms)"

# A histogram works in PromQL too.
h_wait_until 30 "no batch duration histogram in Prometheus: $(cat "$H_DIR/q.json" 2>/dev/null)" \
  bash -c "curl -s -G '$H_PROM_URL/api/v1/query' --data-urlencode 'query=histogram_quantile(0.5, sum by (le) (ricochet_enrich_batch_duration_seconds_bucket))' >'$H_DIR/q.json'; jq -e '.data.result[0].value[1] | tonumber >= 0' '$H_DIR/q.json' >/dev/null 2>&1"
h_pass "histogram_quantile over ricochet_enrich_batch_duration_seconds_bucket answers"

# The shipped alert rules are valid and behave as their unit tests say; and
# on this real scrape, RicochetDeadLetters is pending/firing for the ingest
# dead letter (its expression has a result).
(cd "$RICOCHET_SOURCE_DIR/deploy/prometheus" && promtool check rules ricochet-rules.yml >"$H_DIR/rules.out" 2>&1 &&
  promtool test rules ricochet-rules.test.yml >>"$H_DIR/rules.out" 2>&1) ||
  h_fail "deploy/prometheus rules: $(cat "$H_DIR/rules.out")"
h_wait_until 30 "the dead-letter alert expression has no result" \
  bash -c "curl -s -G '$H_PROM_URL/api/v1/query' --data-urlencode 'query=sum by (job, class) (increase({__name__=~\"ricochet_.+_dead_letters_total\"}[10m])) > 0' >'$H_DIR/q.json'; jq -e '.data.result | length >= 1' '$H_DIR/q.json' >/dev/null 2>&1"
h_pass "deploy/prometheus/ricochet-rules.yml passes promtool; its dead-letter expression fires on real data"
