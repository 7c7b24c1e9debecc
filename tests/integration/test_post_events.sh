#!/usr/bin/env bash
# Edits, deletes and reposts through all three workers (file mode): each
# keeps its event; a delete (no text, no author) and a repost are recorded
# by route as not_routed and open no ticket, while the edit is routed like
# a post — as a follow-up of the post's case; a bad event value is
# dead-lettered with the reason.
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"
cd "$H_DIR"

cat >events.yaml <<YAML
route:
  sinks:
    tickets:
      type: file
      path: $H_DIR/tickets.jsonl
  rules:
    - name: everything
      when:
        intent: [complaint, praise, question, request, other]
      actions:
        - sink: tickets
YAML
cat >in.jsonl <<'EOF2'
{"platform":"mastodon","id":"101","text":"My bag never arrived in Denver, third day now.","author":{"id":"7","handle":"ann"}}
{"platform":"mastodon","id":"101","event":"edit","text":"My bag never arrived in Denver, fourth day now!","author":{"id":"7","handle":"ann"}}
{"platform":"mastodon","id":"102","event":"delete"}
{"platform":"mastodon","id":"103","event":"repost","repost_of":"101","text":"My bag never arrived in Denver, third day now.","author":{"id":"8","handle":"bob"}}
{"platform":"mastodon","id":"104","event":"retracted","text":"x","author":{"id":"9"}}
EOF2

"$RICOCHET_BIN/ricochet-ingest" -c events.yaml --in in.jsonl --out posts.jsonl --dead-letter dl.jsonl 2>ingest.log ||
  h_fail "ingest failed: $(tail -3 ingest.log)"
# The edit shares the post's id: it is a new version, so the dedup window
# must not drop it.
[ "$(jq -r .event posts.jsonl | tr '\n' ' ')" = "post edit delete repost " ] ||
  h_fail "events after ingest: $(jq -c '[.id,.event]' posts.jsonl | tr '\n' ' ')"
jq -se 'map(select(.event=="delete")) | length==1 and .[0].text=="" and .[0].author.id=="" and .[0].id=="102"' posts.jsonl >/dev/null ||
  h_fail "delete tombstone: $(grep '"102"' posts.jsonl)"
jq -se 'map(select(.event=="repost")) | length==1 and .[0].repost_of=="101"' posts.jsonl >/dev/null || h_fail "repost lost repost_of"
grep -q 'event: \\"retracted\\" is not one of post, edit, delete, repost' dl.jsonl ||
  h_fail "bad event not dead-lettered with its reason: $(cat dl.jsonl)"
h_pass "ingest keeps edit, delete and repost as such; a bad event is dead-lettered with the reason"

"$RICOCHET_BIN/ricochet-enrich" -c events.yaml --in posts.jsonl --out enriched.jsonl 2>enrich.log ||
  h_fail "enrich failed: $(tail -3 enrich.log)"
[ "$(jq -r .post.event enriched.jsonl | tr '\n' ' ')" = "post edit delete repost " ] ||
  h_fail "events after enrich: $(jq -r .post.event enriched.jsonl | tr '\n' ' ')"
"$RICOCHET_BIN/ricochet-route" -c events.yaml --in enriched.jsonl --out actions.jsonl 2>route.log ||
  h_fail "route failed: $(tail -3 route.log)"
got=$(jq -r '[.post_id, .action, (.detail // "")] | join(":")' actions.jsonl | sort | tr '\n' ' ')
[ "$got" = "101:comment_added: 101:ticket_created: 102:not_routed:delete 103:not_routed:repost " ] ||
  h_fail "route actions: $got"
[ "$(wc -l <tickets.jsonl)" = 2 ] || h_fail "tickets file: $(cat tickets.jsonl)"
h_pass "route: the edit is a follow-up of the post's case; the delete and the repost are not routed"
