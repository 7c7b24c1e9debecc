#!/usr/bin/env bash
# SIGTERM while route is retrying a sink that does not answer: route stops
# retrying at once, exits 0 within seconds, dead-letters nothing (it is not
# the post's fault) and commits nothing past the post; restarted with a
# working sink, route opens the post's ticket.
source "$(dirname "$0")/lib/harness.sh"

h_start_redis
h_start_broker
DEAD_PORT=$(h_free_port) # nothing listens there: connection refused, retriable
TICKETS="$H_DIR/tickets.jsonl"
h_write_config "$H_DIR/ricochet.yaml" <<YAML
  retry:
    max_attempts: 100
    backoff: 2s
    max_backoff: 30s
  sinks:
    tickets:
      type: rt
      url: http://127.0.0.1:$DEAD_PORT
      user: root
      password: password
  rules:
    - name: everything
      actions:
        - sink: tickets
YAML
for s in ingest enrich route; do h_start_worker $s; done
for s in ingest enrich route; do h_wait_ready $s; done

printf '{"platform":"generic","id":"r1","text":"my bag is lost","author":{"id":"ra","handle":"rb"}}\n' >"$H_DIR/p.jsonl"
[ "$(h_post_webhook "$H_DIR/p.jsonl")" = 202 ] || h_fail "webhook refused the post"
h_wait_metric route ricochet_route_sink_retries_total 1 30
h_pass "route is retrying the unreachable sink"

h_stop_worker route
[ "$H_RC" = 0 ] || h_fail "route exited $H_RC on SIGTERM while retrying"
[ "$H_STOP_SECONDS" -le 5 ] || h_fail "route took ${H_STOP_SECONDS}s to stop while retrying"
grep -q 'left for redelivery' "$H_DIR/route.log" || h_fail "route did not say it left the post for redelivery"
grep -q '"dead-letter' "$H_DIR/route.log" && h_fail "route dead-lettered a post because of its own shutdown"
h_pass "SIGTERM stops the retries: route exits 0 in ${H_STOP_SECONDS}s, dead-letters nothing"

# The same route with a working sink: the post comes back and gets its ticket.
sed -e "s#type: rt#type: file#" -e "s#url: http://127.0.0.1:$DEAD_PORT#path: $TICKETS#" \
    -e '/user: root/d' -e '/password: password/d' "$H_DIR/ricochet.yaml" >"$H_DIR/fixed.yaml"
H_CONFIG="$H_DIR/fixed.yaml"
h_start_worker route
h_wait_ready route
h_wait_until 30 "the post never reached the working sink" grep -q '"post_id":"r1"' "$TICKETS"
[ "$(grep -c '"event":"ticket_opened"' "$TICKETS")" = 1 ] || h_fail "expected one ticket: $(cat "$TICKETS")"
h_pass "after the restart the post is routed again and opens its ticket"
