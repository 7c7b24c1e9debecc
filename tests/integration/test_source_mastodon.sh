#!/usr/bin/env bash
# The Mastodon sources against the replay fixture (tests/fixtures/mastodon/,
# payloads shaped like docs.joinmastodon.org's examples), one ingest running
# both:
#   mastodon_stream (hashtag "refund"): posts, a reblog (repost + original),
#     an edit and a delete of posts already produced arrive as such; heartbeats, a malformed and an
#     oversized event are counted (the malformed one dead-lettered); the
#     server cuts the stream mid-event; the reconnection first polls the
#     hashtag timeline from the newest id seen (min_id, two pages), which
#     brings the cut post and what came while the stream was down.
#   mastodon_poll (#delays, mentions, list 3): each timeline pages forward
#     from its own since-id (min_id), a burst of more than "limit" is read
#     whole, a 429 with X-RateLimit-Reset (ISO 8601) holds the next request
#     until the reset.
#   Restart: both resume from the cursors in Redis (no request without
#   min_id, no post twice); SIGTERM exits 0 while the stream is held open.
#   --check refuses configs that cannot work (missing token, tag, timelines).
source "$(dirname "$0")/lib/harness.sh"

FIX="$RICOCHET_SOURCE_DIR/tests/fixtures/mastodon"
export MASTO_TOKEN=T0k3n
export LC_ALL=C

h_start_redis
h_start_broker
# The 429's X-RateLimit-Reset: an ISO 8601 time 12 s from now (Mastodon's
# form, which the fixture's ${now_epoch} placeholders cannot write).
reset_epoch=$(($(date +%s) + 12))
reset_iso=$(date -u -d "@$reset_epoch" +%Y-%m-%dT%H:%M:%S.000Z)
sed "s/@RESET_ISO@/$reset_iso/" "$FIX/replay.json" >"$H_DIR/replay.json"
h_start_replay "$H_DIR/replay.json" "$FIX"

h_write_config "$H_DIR/ricochet.yaml" </dev/null
h_config_section ingest "  sources:
    mstream:
      type: mastodon_stream
      base_url: $H_REPLAY_URL/
      access_token: \${MASTO_TOKEN}
      stream: hashtag
      tag: '#refund'
      limit: 2
      max_body: 16KiB
      idle_timeout: 30s
      backoff_initial: 200ms
      rate: 50
      burst: 50
    mpoll:
      type: mastodon_poll
      base_url: $H_REPLAY_URL
      access_token: \${MASTO_TOKEN}
      hashtags: ['#delays']
      notifications: true
      lists: ['3']
      limit: 2
      poll_interval: 1s
      backoff_initial: 200ms
      rate: 50
      burst: 50"
# --check refuses what cannot work, with file:line and the reason.
check_says() { # SOURCE_YAML EXPECTED_SUBSTRING
  printf 'kafka:\n  bootstrap.servers: 127.0.0.1:1\ningest:\n  sources:\n    m:\n%s\n' "$1" >"$H_DIR/bad.yaml"
  local out rc
  set +e
  out=$("$RICOCHET_BIN/ricochet-ingest" -c "$H_DIR/bad.yaml" --check 2>&1)
  rc=$?
  set -e
  [ $rc -ne 0 ] || h_fail "--check accepted: $1"
  echo "$out" | grep -qF "bad.yaml:5: key 'ingest.sources.m': $2" || h_fail "--check said: $out (wanted: $2)"
}
check_says "      type: mastodon_poll
      notifications: true" "notifications need access_token"
check_says "      type: mastodon_poll" "nothing to poll: set at least one of hashtags, notifications, lists"
check_says "      type: mastodon_stream
      stream: hashtag" "stream 'hashtag' needs tag"
check_says "      type: mastodon_stream
      stream: list
      list: '42'" "stream 'list' needs access_token"
check_says "      type: mastodon_poll
      hashtags: [refund, '#Refund']" "hashtags: '#Refund' is listed twice"
"$RICOCHET_BIN/ricochet-ingest" -c "$H_CONFIG" --check >/dev/null 2>&1 || h_fail "--check refused the test's own config"
h_pass "--check refuses missing tokens, tags and timelines, and repeated hashtags"

h_start_workers ingest

ev() { h_metric ingest "ricochet_ingest_source_events_total{source=\"$1\",event=\"$2\"}"; }
# Requests of the fixture's log as "path?query" lines, in order.
requests() { jq -r '.path + "?" + .query' "$H_REPLAY_LOG"; }

# ---- mastodon_stream -------------------------------------------------------
h_wait_metric ingest 'ricochet_ingest_source_events_total{source="mstream",event="gap_fill"}' 1 20
ev_ge() { [ "$(ev "$1" "$2")" -ge "$3" ]; }
h_wait_until 20 "the heartbeats of both stream connections" ev_ge mstream heartbeat 5

# The first connection had no cursor: no gap fill before it. The second
# was preceded by the fill from 1002 (the newest id of the first), two
# pages of limit 2 (min_id=1002, then 1004).
requests | grep -E '^/api/v1/(streaming/hashtag|timelines/tag/refund)' >"$H_DIR/stream_reqs.txt"
first_four=$(head -n 4 "$H_DIR/stream_reqs.txt" | tr '\n' ' ')
[ "$first_four" = "/api/v1/streaming/hashtag?tag=refund /api/v1/timelines/tag/refund?limit=2&min_id=1002 /api/v1/timelines/tag/refund?limit=2&min_id=1004 /api/v1/streaming/hashtag?tag=refund " ] ||
  h_fail "stream requests: $first_four"
h_pass "the reconnection first polled the hashtag timeline forward from the newest id seen (two pages)"

jq -e 'select(.path == "/api/v1/streaming/hashtag") | .headers.authorization == "Bearer T0k3n"
       and (.headers.accept | contains("text/event-stream"))' "$H_REPLAY_LOG" >/dev/null ||
  h_fail "the stream request lacks the bearer token or Accept: text/event-stream"
[ "$(ev mstream heartbeat)" = 5 ] || h_fail "heartbeats = $(ev mstream heartbeat), expected 5 (:) and four :thump)"
[ "$(ev mstream reconnect)" = 1 ] || h_fail "reconnects = $(ev mstream reconnect), expected 1"
[ "$(ev mstream oversized)" = 1 ] || h_fail "oversized = $(ev mstream oversized), expected 1"
[ "$(ev mstream malformed)" = 1 ] || h_fail "malformed = $(ev mstream malformed), expected 1"
[ "$(ev mstream edit)" = 1 ] || h_fail "edits = $(ev mstream edit), expected 1"
[ "$(ev mstream delete)" = 1 ] || h_fail "deletes = $(ev mstream delete), expected 1"
h_pass "heartbeats, the reconnect, the oversized and the malformed event are counted"

# ---- mastodon_poll ---------------------------------------------------------
# Wait for the request after the 429 (the third min_id=2005 one).
n_req() { [ "$(jq -r --arg q "$1" 'select(.query | contains($q)) | .status' "$H_REPLAY_LOG" | wc -l)" -ge "$2" ]; }
h_wait_until 30 "the request after the 429" n_req min_id=2005 3
requests | grep '^/api/v1/timelines/tag/delays' | head -n 4 | tr '\n' ' ' >"$H_DIR/delays.txt"
[ "$(cat "$H_DIR/delays.txt")" = "/api/v1/timelines/tag/delays?limit=2 /api/v1/timelines/tag/delays?limit=2&min_id=2002 /api/v1/timelines/tag/delays?limit=2&min_id=2004 /api/v1/timelines/tag/delays?limit=2&min_id=2005 " ] ||
  h_fail "hashtag polls: $(cat "$H_DIR/delays.txt")"
h_pass "the hashtag timeline is paged forward with min_id until a short page (a burst over the limit is read whole)"
requests | grep -q '^/api/v1/notifications?types%5B%5D=mention&limit=2&min_id=3002$' ||
  h_fail "mentions were not polled from their own cursor 3002: $(requests | grep notifications)"
requests | grep -q '^/api/v1/timelines/list/3?limit=2&min_id=2201$' ||
  h_fail "list 3 was not polled from its own cursor 2201: $(requests | grep list)"
h_pass "mentions and the list each resume from their own since-id"

t429=$(jq -r 'select(.status == 429) | .ts_ms' "$H_REPLAY_LOG" | head -n 1)
[ -n "$t429" ] || h_fail "no 429 was served"
tnext=$(jq -r --argjson t "$t429" 'select(.ts_ms > $t and (.path | startswith("/api/v1/streaming") | not)
        and (.path | startswith("/api/v1/timelines/tag/refund") | not)) | .ts_ms' "$H_REPLAY_LOG" | head -n 1)
# ISO times have whole seconds here; allow the clock's rounding.
[ "$tnext" -ge $((reset_epoch * 1000 - 1000)) ] ||
  h_fail "mpoll asked again $((tnext - t429)) ms after the 429, before its X-RateLimit-Reset ($((reset_epoch * 1000 - t429)) ms)"
h_pass "after a 429 mpoll waited $((tnext - t429)) ms, until X-RateLimit-Reset"

# ---- what reached the posts topic -----------------------------------------
h_wait_metric ingest ricochet_ingest_posts_total 17 20
h_consume ricochet.posts post 17 >"$H_DIR/posts.jsonl"
# post ID [EVENT]: that record (EVENT default post).
post() { jq -c --arg id "$1" --arg ev "${2:-post}" 'select(.id == $id and .event == $ev)' "$H_DIR/posts.jsonl"; }
ids() { jq -r '.id + ":" + .event' "$1" | sort | tr '\n' ' '; }
[ "$(ids "$H_DIR/posts.jsonl")" = "1001:edit 1001:post 1002:delete 1002:repost 1003:post 1004:post 1005:post 1006:post 2001:post 2002:post 2003:post 2004:post 2005:post 2101:post 2102:post 2201:post 900:post " ] ||
  h_fail "posts: $(ids "$H_DIR/posts.jsonl")"
[ "$(post 1001 | jq -r '[.event, .platform, .text, .author.handle, (.hashtags | join(","))] | join("|")')" = \
  "post|mastodon|my bag never showed up at DEN|ann|refund" ] || h_fail "1001: $(post 1001)"
[ "$(post 1002 repost | jq -r '[.event, .repost_of, .author.handle, .text] | join("|")')" = \
  "repost|900|cat|six hours on the tarmac, no water" ] || h_fail "1002: $(post 1002 repost)"
[ "$(post 900 | jq -r '[.event, .author.handle] | join("|")')" = "post|bob" ] || h_fail "900: $(post 900)"
[ "$(post 1001 edit | jq -r '[.id, .text] | join("|")')" = "1001|my bag never showed up at DEN (update: found in Dallas)" ] ||
  h_fail "the edit of 1001: $(post 1001 edit)"
[ "$(post 1002 delete | jq -r '[.platform, .text, .repost_of // "-"] | join("|")')" = "mastodon||-" ] ||
  h_fail "the delete of 1002: $(post 1002 delete)"
[ "$(post 2102 | jq -r '[.text, (.mentions | join(","))] | join("|")')" = "@support charged twice for one bag|support" ] ||
  h_fail "2102: $(post 2102)"
h_pass "posts, the reblog (repost + its original), and the edit and delete of posts already produced arrive as such; mentions give their status"

h_consume ricochet.dead-letter dead_letter 1 >"$H_DIR/dead.jsonl"
grep -q '1098' "$H_DIR/dead.jsonl" || h_fail "the malformed update is not dead-lettered: $(cat "$H_DIR/dead.jsonl")"
h_pass "the malformed update is on the dead-letter topic"

# ---- restart: resume from the cursors ----------------------------------------
n_before=$(wc -l <"$H_REPLAY_LOG")
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
[ "$H_STOP_SECONDS" -le 10 ] || h_fail "ricochet-ingest took $H_STOP_SECONDS s to stop"
cur_stream=$(redis-cli -p "$H_REDIS_PORT" GET ricochet:cursor:mstream)
cur_poll=$(redis-cli -p "$H_REDIS_PORT" GET ricochet:cursor:mpoll)
[ "$cur_stream" = '{"tag:refund":"1006"}' ] || h_fail "mstream cursor: $cur_stream"
[ "$cur_poll" = '{"list:3":"2201","notif":"3002","tag:delays":"2005"}' ] || h_fail "mpoll cursor: $cur_poll"
h_pass "SIGTERM exits 0 with the stream open; the cursors hold one newest id per timeline"

h_start_workers ingest
h_wait_metric ingest ricochet_ingest_posts_total 1 20
polled_after() {
  [ "$(tail -n +$((n_before + 1)) "$H_REPLAY_LOG" | jq -r 'select(.path | test("delays|notifications|list")) | .path' |
    sort -u | wc -l)" -ge 3 ]
}
h_wait_until 20 "mpoll polls all three timelines after the restart" polled_after
after=$(tail -n +$((n_before + 1)) "$H_REPLAY_LOG" | jq -r 'select(.path | startswith("/api/v1/streaming") | not) | .path + "?" + .query')
echo "$after" | grep -v 'min_id=' && h_fail "a request after the restart did not resume from a cursor"
echo "$after" | grep -q '^/api/v1/timelines/tag/refund?limit=2&min_id=1006$' || h_fail "no gap fill from 1006: $after"
echo "$after" | grep -q '^/api/v1/timelines/tag/delays?limit=2&min_id=2005$' || h_fail "#delays not resumed: $after"
h_pass "after the restart every timeline resumes from its cursor (the stream's gap fill from 1006)"

sleep 1
[ "$(h_metric ingest ricochet_ingest_posts_total)" = 1 ] ||
  h_fail "posts after the restart: $(h_metric ingest ricochet_ingest_posts_total), expected only 1007"
[ "$(h_metric ingest ricochet_ingest_duplicates_total)" = 0 ] ||
  h_fail "the restart fetched $(h_metric ingest ricochet_ingest_duplicates_total) post(s) again"
h_consume ricochet.posts post 18 >"$H_DIR/posts2.jsonl"
[ "$(jq -r 'select(.id == "1007") | .id' "$H_DIR/posts2.jsonl" | wc -l)" = 1 ] || h_fail "1007 not produced exactly once"
[ "$(jq -r '.id + ":" + .event' "$H_DIR/posts2.jsonl" | sort | uniq -d | wc -l)" = 0 ] || h_fail "a post was produced twice"
h_pass "the post made while ingest was down arrives once; nothing is repeated"

h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
