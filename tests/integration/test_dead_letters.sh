#!/usr/bin/env bash
# Bad input of every kind, at every stage, with the three workers running:
# each is counted, and is on the dead-letter topic with the stage, the error
# class, a reason and the original bytes; no worker crashes, and a good post
# sent after all of it still becomes a ticket.
#   ingest: a line that is not JSON (parse), JSON that is no post
#           (validation), bytes that are not UTF-8 (kept base64-encoded)
#   enrich: raw garbage and an empty value on ricochet.posts (not an Avro
#           Post frame)
#   route:  a valid Avro Post on ricochet.enriched (the wrong schema)
source "$(dirname "$0")/lib/harness.sh"

h_start_redis
h_start_broker
h_write_ticket_config complaint
h_start_workers ingest enrich route
P() { "$RICOCHET_BIN/ricochet" produce -b "$H_BOOTSTRAP" "$@" 2>>"$H_DIR/produce.log"; }
alive() { for s in ingest enrich route; do kill -0 "${H_PID[$s]}" 2>/dev/null || h_fail "ricochet-$s died"; done; }

# ---- ingest ----------------------------------------------------------------
{
  echo '{"platform":"x","id":"8001","text":"no closing quote'
  echo '{"platform":"x","id":"8002"}'
  printf '{"platform":"x","id":"8003","text":"caf\xe9 \xff\xfe"}\n'
} >"$H_DIR/bad-ingest.jsonl"
code=$(h_post_webhook "$H_DIR/bad-ingest.jsonl")
[ "$code" = 400 ] || h_fail "webhook answered $code: $(cat "$H_DIR/webhook.out")"
grep -q '"dead_lettered":3' "$H_DIR/webhook.out" || h_fail "webhook: $(cat "$H_DIR/webhook.out")"

# ---- enrich: bytes that are no Avro frame, and an empty value ---------------
printf 'this is not avro at all\n' | P -t ricochet.posts --raw -k x:garbage
printf '\n' | P -t ricochet.posts --raw -k x:empty
h_wait_metric enrich ricochet_enrich_records_in_total 2

# ---- route: a valid Post, on the enriched topic -----------------------------
echo '{"platform":"x","id":"8010","text":"a post where an enriched post belongs","author":{"id":"u-wrong","handle":"wrong"},"created_at":"2026-11-21T10:00:00Z"}' |
  "$RICOCHET_BIN/ricochet-ingest" --in - --out "$H_DIR/post.json" 2>>"$H_DIR/file-ingest.log"
[ -s "$H_DIR/post.json" ] || h_fail "could not make a Post with ricochet-ingest --in"
P -t ricochet.enriched -s post -k x:u-wrong <"$H_DIR/post.json" || h_fail "could not produce the Post"
h_wait_metric route ricochet_route_records_in_total 1

# ---- what the dead-letter topic holds --------------------------------------
h_consume ricochet.dead-letter dead_letter 6 >"$H_DIR/dead.jsonl"
dl() { grep -F "$1" "$H_DIR/dead.jsonl" || h_fail "no dead letter with $1: $(cat "$H_DIR/dead.jsonl")"; }
[ "$(wc -l <"$H_DIR/dead.jsonl")" = 6 ] || h_fail "expected 6 dead letters: $(cat "$H_DIR/dead.jsonl")"

d=$(dl 'no closing quote')
grep -q '"stage":"ingest"' <<<"$d" && grep -q '"error_class":"parse"' <<<"$d" && grep -q '"reason":"[^"]*JSON' <<<"$d" ||
  h_fail "malformed JSON: $d"
d=$(dl '8002')
grep -q '"stage":"ingest"' <<<"$d" && grep -q '"error_class":"validation"' <<<"$d" || h_fail "JSON that is no post: $d"
d=$(dl '"payload_encoding":"base64"')
grep -q '"stage":"ingest"' <<<"$d" || h_fail "non-UTF-8 line: $d"
want_b64=$(sed -n 3p "$H_DIR/bad-ingest.jsonl" | tr -d '\n' | base64 -w0)
grep -qF "\"payload\":\"$want_b64\"" <<<"$d" || h_fail "non-UTF-8 line: payload is not its bytes in base64: $d"
h_pass "ingest: malformed JSON (parse), no post (validation), non-UTF-8 (base64 payload) are dead letters"

d=$(dl 'this is not avro at all')
grep -q '"stage":"enrich"' <<<"$d" && grep -q '"error_class":"schema"' <<<"$d" || h_fail "garbage on posts: $d"
grep -q '"topic":"ricochet.posts"' <<<"$d" && grep -q '"offset":[0-9]' <<<"$d" || h_fail "garbage: no topic/offset: $d"
grep -qi '"reason":"[^"]*\(frame\|magic\|header\)' <<<"$d" || h_fail "garbage: the reason does not mention the frame: $d"
d=$(grep '"stage":"enrich"' "$H_DIR/dead.jsonl" | grep '"payload":""') || h_fail "no dead letter for the empty value"
grep -q '"reason":"[^"]' <<<"$d" || h_fail "empty value: no reason: $d"
h_pass "enrich: garbage and an empty value on the posts topic are dead letters: $(sed 's/.*"reason":"\([^"]*\)".*/\1/' <<<"$d")"

d=$(dl '"stage":"route"')
grep -q '"error_class":"schema"' <<<"$d" || h_fail "Post on enriched: $d"
grep -qi '"reason":"[^"]*\(fingerprint\|schema\)' <<<"$d" || h_fail "Post on enriched: reason names neither: $d"
grep -q '"topic":"ricochet.enriched"' <<<"$d" || h_fail "Post on enriched: no topic: $d"
# Avro binary is not UTF-8 text: the original bytes are kept base64-encoded.
grep -q '"payload_encoding":"base64"' <<<"$d" || h_fail "Post on enriched: payload not base64: $d"
sed 's/.*"payload":"\([^"]*\)".*/\1/' <<<"$d" | base64 -d | grep -aq 'an enriched post belongs' ||
  h_fail "Post on enriched: the payload is not the original record: $d"
h_pass "route: a Post on the enriched topic is a schema dead letter: $(sed 's/.*"reason":"\([^"]*\)".*/\1/' <<<"$d")"

# ---- counted ---------------------------------------------------------------
m() { h_metric "$1" "ricochet_$1_dead_letters_total{class=\"$2\"}"; }
[ "$(m ingest parse)" = 2 ] || h_fail "ingest parse dead letters = $(m ingest parse), expected 2"
[ "$(m ingest validation)" = 1 ] || h_fail "ingest validation dead letters = $(m ingest validation), expected 1"
enrich_total=$(($(m enrich schema) + $(m enrich parse)))
[ "$(m enrich schema)" -ge 1 ] || h_fail "ricochet_enrich_dead_letters_total{class=\"schema\"} = $(m enrich schema)"
[ "$enrich_total" = 2 ] || h_fail "enrich dead letters = $enrich_total, expected 2"
[ "$(m route schema)" = 1 ] || h_fail "ricochet_route_dead_letters_total{class=\"schema\"} = $(m route schema)"
h_pass "counted: ingest parse 2 validation 1, enrich schema $(m enrich schema) parse $(m enrich parse), route schema 1"
alive
[ -s "$TICKETS" ] && h_fail "bad input opened a ticket: $(cat "$TICKETS")"

# ---- and a good post still goes all the way through ------------------------
cat >"$H_DIR/good.jsonl" <<'EOF2'
{"platform":"x","id":"8100","text":"RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA.","author":{"id":"u-angry","handle":"frequentflyer","followers":250000},"created_at":"2026-11-21T10:00:00Z"}
EOF2
code=$(h_post_webhook "$H_DIR/good.jsonl")
[ "$code" = 202 ] || h_fail "good post: webhook answered $code: $(cat "$H_DIR/webhook.out")"
h_wait_metric route 'ricochet_route_actions_total{action="ticket_created"}' 1
grep '"event":"ticket_opened"' "$TICKETS" | grep -q '"post_id":"8100"' || h_fail "no ticket for the good post: $(cat "$TICKETS")"
alive
h_pass "a good post after all the bad input still opens a ticket"

for s in ingest enrich route; do
  h_stop_worker $s
  [ "$H_RC" = 0 ] || h_fail "ricochet-$s exited $H_RC on SIGTERM"
done
h_pass "all workers exit 0 on SIGTERM"
