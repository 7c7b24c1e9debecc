#!/usr/bin/env bash
# The whole pipeline into a real Request Tracker 5: the three workers, route's
# sink of type "rt" pointing at RT on loopback. A complaint becomes exactly
# one RT ticket with the subject of the rule's template, the same author's
# follow-up a Comment in that ticket's history, and praise no ticket. All
# checked through RT's own REST2 API, not through ricochet's view of it.
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"

h_start_rt5
h_pass "RT 5 at $RT5_URL"
h_start_redis
h_start_broker
h_write_config "$H_DIR/ricochet.yaml" <<YAML
  sinks:
    rt:
      type: rt
      url: $RT5_URL
      user: $RT5_USER
      password: $RT5_PASSWORD
      queue: General
      timeout: 30s
  rules:
    - name: complaint
      when:
        intent: complaint
      actions:
        - sink: rt
          subject: "ricochet complaint from @{{post.author.handle}} ({{post.platform}} {{post.id}})"
YAML
h_start_workers ingest enrich route

# tickets_in_queue: how many tickets the General queue has, from RT.
tickets_in_queue() {
  h_rt /tickets -G --data-urlencode "query=Queue = 'General'" --data-urlencode per_page=100 >"$H_DIR/rt-tickets.json"
  jq -er '.total // .count' "$H_DIR/rt-tickets.json" 2>/dev/null || h_fail "RT tickets search: $(cat "$H_DIR/rt-tickets.json")"
}
before=$(tickets_in_queue)
h_pass "RT's General queue has $before ticket(s) before"

cat >"$H_DIR/complaint.jsonl" <<'EOF2'
{"platform":"x","id":"9101","text":"RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.","author":{"id":"u-angry","handle":"frequentflyer","followers":250000},"created_at":"2026-11-21T10:00:00Z"}
EOF2
code=$(h_post_webhook "$H_DIR/complaint.jsonl")
[ "$code" = 202 ] || h_fail "webhook answered $code: $(cat "$H_DIR/webhook.out")"
h_wait_metric route 'ricochet_route_actions_total{action="ticket_created"}' 1 60
h_consume ricochet.actions action 1 >"$H_DIR/actions1.jsonl"
ticket=$(jq -r 'select(.post_id == "9101" and .action == "ticket_created") | .external_id' "$H_DIR/actions1.jsonl")
[[ "$ticket" =~ ^[0-9]+$ ]] || h_fail "no RT ticket id in the Action: $(cat "$H_DIR/actions1.jsonl")"
h_rt "/ticket/$ticket" >"$H_DIR/ticket.json"
subject=$(jq -r .Subject "$H_DIR/ticket.json")
[ "$subject" = "ricochet complaint from @frequentflyer (x 9101)" ] || h_fail "ticket $ticket subject: '$subject'"
queue=$(jq -r '.Queue.id // .Queue' "$H_DIR/ticket.json")
h_rt "/queue/$queue" | jq -e '.Name == "General"' >/dev/null || h_fail "ticket $ticket is not in General"
h_pass "the complaint is RT ticket $ticket, subject '$subject', in queue General"

# Praise and the follow-up: praise from another author, then the angry
# author's follow-up, in one request.
cat >"$H_DIR/more.jsonl" <<'EOF2'
{"platform":"x","id":"9103","text":"Who rocks Denver? Cindy rocks @SWA.","author":{"id":"u-happy","handle":"cindyfan","followers":300},"created_at":"2026-11-21T10:01:00Z"}
{"platform":"x","id":"9102","text":"@SWA still waiting at gate C39, my bag never arrived and nobody will help. Terrible service.","author":{"id":"u-angry","handle":"frequentflyer","followers":250000},"created_at":"2026-11-21T10:05:00Z"}
EOF2
code=$(h_post_webhook "$H_DIR/more.jsonl")
[ "$code" = 202 ] || h_fail "webhook answered $code: $(cat "$H_DIR/webhook.out")"
grep -q '"accepted":2' "$H_DIR/webhook.out" || h_fail "webhook: $(cat "$H_DIR/webhook.out")"
h_wait_metric route ricochet_route_records_in_total 3 60
h_wait_metric route 'ricochet_route_actions_total{action="comment_added"}' 1 60
h_consume ricochet.actions action 3 >"$H_DIR/actions.jsonl"
jq -se --arg t "$ticket" 'any(.[]; .post_id == "9102" and .action == "comment_added" and .external_id == $t)' \
  "$H_DIR/actions.jsonl" >/dev/null || h_fail "the follow-up is not a comment on $ticket: $(cat "$H_DIR/actions.jsonl")"
jq -se 'any(.[]; .post_id == "9103" and .action == "no_match")' "$H_DIR/actions.jsonl" >/dev/null ||
  h_fail "praise is not no_match: $(cat "$H_DIR/actions.jsonl")"

# RT's side: still exactly one new ticket, and the comment in its history.
after=$(tickets_in_queue)
[ "$after" = $((before + 1)) ] || h_fail "RT has $after ticket(s) in General, expected $((before + 1)): $(cat "$H_DIR/rt-tickets.json")"
h_rt /tickets -G --data-urlencode "query=Subject LIKE 'frequentflyer'" >"$H_DIR/rt-by-subject.json"
[ "$(jq -r '.total // .count' "$H_DIR/rt-by-subject.json")" = 1 ] || h_fail "not one ticket for the author: $(cat "$H_DIR/rt-by-subject.json")"
h_rt /tickets -G --data-urlencode "query=Subject LIKE 'cindyfan'" >"$H_DIR/rt-praise.json"
[ "$(jq -r '.total // .count' "$H_DIR/rt-praise.json")" = 0 ] || h_fail "praise made a ticket: $(cat "$H_DIR/rt-praise.json")"
h_pass "RT has exactly one new ticket ($before -> $after); praise created none"

h_rt "/ticket/$ticket/history" -G --data-urlencode fields=Type --data-urlencode per_page=100 >"$H_DIR/history.json"
found=0
for tx in $(jq -r '.items[] | select(.Type == "Comment") | .id' "$H_DIR/history.json"); do
  h_rt "/transaction/$tx/attachments" -G --data-urlencode fields=Content >"$H_DIR/tx-$tx.json"
  # REST2 may hand Content over as it is or base64-encoded.
  for c in $(jq -r '.items[].Content // empty | @base64' "$H_DIR/tx-$tx.json"); do
    text=$(base64 -d <<<"$c")
    decoded=$(base64 -d <<<"$text" 2>/dev/null || true)
    if grep -q 'my bag never arrived' <<<"$text$decoded"; then found=1; fi
  done
done
[ "$found" = 1 ] || h_fail "no Comment with the follow-up's text in ticket $ticket's history: $(jq -c '[.items[] | .Type]' "$H_DIR/history.json")"
ncomments=$(jq '[.items[] | select(.Type == "Comment")] | length' "$H_DIR/history.json")
[ "$ncomments" = 1 ] || h_fail "ticket $ticket has $ncomments Comments, expected 1"
h_pass "ticket $ticket's history has the follow-up as its one Comment"

for s in ingest enrich route; do
  h_stop_worker $s
  [ "$H_RC" = 0 ] || h_fail "ricochet-$s exited $H_RC on SIGTERM"
done
h_pass "all workers exit 0 on SIGTERM"
