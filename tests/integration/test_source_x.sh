#!/usr/bin/env bash
# The X sources and the X webhook against the replay fixture
# (tests/fixtures/x/, shaped like the X API v2 and Account Activity docs):
#
#   x_stream: posts arrive with every Post field (reply, repost with its
#     original, quote, edit); keep-alives are counted; malformed, cut-off
#     and author-less lines are dead-lettered, an oversized one is counted
#     and skipped; a cut connection is reconnected with backfill_minutes,
#     the backfilled repeat is dropped by dedup; an operational-disconnect
#     line ends the connection (counted) and it reconnects again; a stream
#     that goes quiet past idle_timeout (keep-alives do not count as quiet)
#     is reconnected; SIGTERM with a held stream exits 0.
#   x_search: pages are followed within a cycle, the cursor is newest_id,
#     the next cycle sends since_id, a 429 waits until x-rate-limit-reset,
#     and after a restart the first request sends since_id again.
#   webhook.x_consumer_secret: GET ?crc_token answers X's CRC, a POST needs
#     a valid x-twitter-webhooks-signature, an Account Activity delivery is
#     split into one post per tweet event (a delete is a tombstone).
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"

T0=$SECONDS
step() { h_pass "$* (t=$((SECONDS - T0)) s)"; }
FIX="$RICOCHET_SOURCE_DIR/tests/fixtures/x"
export X_BEARER_TOKEN=test-bearer-token
ev() { h_metric ingest "ricochet_ingest_source_events_total{source=\"$1\",event=\"$2\"}"; }
# posts FILE ID JQ: the post with that id in FILE passes the jq filter.
post_is() { jq -e -s --arg id "$2" "map(select(.id == \$id)) | length == 1 and (.[0] | $3)" "$1" >/dev/null ||
  h_fail "post $2 is not as expected ($3): $(jq -c -s --arg id "$2" 'map(select(.id == $id))' "$1")"; }

h_start_redis
h_start_broker

# ---- x_stream ----------------------------------------------------------------
h_start_replay "$FIX/x-stream.json" "$FIX"
STREAM_LOG=$H_REPLAY_LOG
h_write_config "$H_DIR/ricochet.yaml" </dev/null
h_config_section ingest "  sources:
    xs:
      type: x_stream
      base_url: $H_REPLAY_URL
      bearer_token: \${X_BEARER_TOKEN}
      backfill_minutes: 2
      idle_timeout: 2s
      poll_interval: 200ms
      backoff_initial: 200ms
      backoff_max: 1s
      max_body: 8KiB"
h_start_workers ingest

h_wait_metric ingest ricochet_ingest_posts_total 7 20
h_consume ricochet.posts post 7 >"$H_DIR/stream-posts.jsonl"
[ "$(jq -s 'map(.id) | unique | length' "$H_DIR/stream-posts.jsonl")" = 7 ] ||
  h_fail "expected 7 distinct posts: $(jq -c -s 'map(.id)' "$H_DIR/stream-posts.jsonl")"
P="$H_DIR/stream-posts.jsonl"
post_is "$P" 1992000000000000101 '.platform == "x" and .event == "post" and .source_format == "x_v2"
  and .author.id == "1450022331" and .author.handle == "rmarsh_travels" and .author.name == "Ron Marsh"
  and .author.followers == 251340 and .author.verified == true
  and .text == "RUDEST AGENT IN DENVER. KIMBERLY S. GATE C39. NOT HAPPY @SWA. Bags & more #fail"
  and .created_at == "2026-11-21T08:01:02Z" and .lang == "en" and .conversation_id == "1992000000000000101"
  and .url == "https://x.com/rmarsh_travels/status/1992000000000000101"
  and .metrics == {"likes": 312, "reposts": 88, "replies": 41, "quotes": 19}
  and .mentions == ["SWA"] and .hashtags == ["fail"] and .repost_of == null and .quote_of == null'
post_is "$P" 1992000000000000102 '.in_reply_to == "1992000000000000101" and .conversation_id == "1992000000000000101"
  and .author.handle == "gate_watcher" and .mentions == ["rmarsh_travels", "SWA"]'
post_is "$P" 1992000000000000103 '.event == "repost" and .repost_of == "1992000000000000099"
  and .author.handle == "amplifier" and (.text | startswith("Third day without my suitcase"))'
post_is "$P" 1992000000000000099 '.event == "post" and .author.handle == "lost_bags_lisa"
  and .author.followers == 430 and .created_at == "2026-11-21T07:30:00Z" and .metrics.likes == 40'
post_is "$P" 1992000000000000104 '.quote_of == "1992000000000000101" and .event == "post"'
post_is "$P" 1992000000000000105 '.event == "edit" and .edit_of == "1992000000000000100" and .author.verified == false
  and .hashtags == ["stranded"]'
post_is "$P" 1992000000000000107 '.author.handle == "connecting_carl"'
step "stream posts arrive with every field: reply, repost (and its original), quote, edit"

# The cut connection was reconnected with backfill_minutes; the backfilled
# repeat of 105 was dropped by the dedup window.
h_wait_until 10 "the reconnection with backfill_minutes" \
  bash -c "[ \$(jq -s 'map(select(.query | contains(\"backfill_minutes=2\"))) | length' '$STREAM_LOG') -ge 1 ]"
first_q=$(jq -s -r '.[0].query' "$STREAM_LOG")
case "$first_q" in *backfill_minutes*) h_fail "the first connection asked for backfill: $first_q" ;; esac
case "$first_q" in *"tweet.fields=created_at,author_id,conversation_id,public_metrics,entities,lang,referenced_tweets,edit_history_tweet_ids,note_tweet"*"user.fields=username,name,verified,verified_type,public_metrics"*"expansions=author_id,referenced_tweets.id,referenced_tweets.id.author_id"*) ;;
  *) h_fail "the stream request lacks the default fields: $first_q" ;; esac
[ "$(jq -s 'map(select(.status == 410 or .status == 401)) | length' "$STREAM_LOG")" = 0 ] ||
  h_fail "a reconnection without backfill_minutes or without the bearer token: $(jq -c . "$STREAM_LOG")"
h_wait_metric ingest ricochet_ingest_duplicates_total 1 10
[ "$(ev xs disconnect)" -ge 1 ] || h_fail "the cut connection was not counted as a disconnect"
[ "$(ev xs backfill)" -ge 1 ] || h_fail "backfill not counted"
step "a cut connection reconnects with backfill_minutes=2 and the backfilled repeat is dropped"

# Keep-alives: 2 + 3 blank lines on the first connection, more later.
[ "$(ev xs heartbeat)" -ge 5 ] || h_fail "heartbeats counted: $(ev xs heartbeat)"
# Bad lines: two malformed (not JSON, cut) and one author-less tweet are
# dead-lettered with the line cut by the disconnection; the oversized line
# is counted and skipped.
[ "$(ev xs malformed)" = 2 ] || h_fail "malformed = $(ev xs malformed), expected 2"
[ "$(ev xs truncated)" = 1 ] || h_fail "truncated = $(ev xs truncated), expected 1"
[ "$(ev xs oversized)" = 1 ] || h_fail "oversized = $(ev xs oversized), expected 1"
h_consume ricochet.dead-letter dead_letter 4 >"$H_DIR/dead.jsonl"
[ "$(wc -l <"$H_DIR/dead.jsonl")" = 4 ] || h_fail "expected 4 dead letters: $(cat "$H_DIR/dead.jsonl")"
grep -q 'data.author_id missing' "$H_DIR/dead.jsonl" || h_fail "the author-less tweet's reason: $(cat "$H_DIR/dead.jsonl")"
[ "$(grep -c 'invalid JSON' "$H_DIR/dead.jsonl")" = 3 ] || h_fail "three lines are not JSON: $(cat "$H_DIR/dead.jsonl")"
grep -q 'cut off by the disconn' "$H_DIR/dead.jsonl" || h_fail "the line cut at the disconnection is not kept"
if grep -q 1992000000000000109 "$H_DIR/dead.jsonl" "$P"; then h_fail "the oversized line went somewhere"; fi
step "keep-alives counted; malformed/cut lines dead-lettered, the oversized one counted and skipped"

# The operational-disconnect line ended the second connection; the third
# gets keep-alives for ~3 s, then silence: idle_timeout (2 s) reconnects.
h_wait_until 10 "the operational disconnect to be counted" bash -c "[ \$(curl -s http://127.0.0.1:${H_PORT[ingest]}/metrics | grep -c 'event=\"stream_error\"') -ge 1 ]"
h_wait_metric ingest 'ricochet_ingest_source_failures_total{source="xs"}' 1 5
h_wait_until 15 "a reconnection after idle_timeout" bash -c "[ \$(jq -s 'length' '$STREAM_LOG') -ge 4 ]"
[ "$(ev xs idle_timeout)" -ge 1 ] || h_fail "idle_timeout not counted"
# Connection 3 received a keep-alive every second for ~3 s: longer than
# idle_timeout, and not ended for it until the keep-alives stopped.
gap=$(jq -s '.[3].ts_ms - .[2].ts_ms' "$STREAM_LOG")
[ "$gap" -ge 4500 ] || h_fail "connection 3 lasted $gap ms: keep-alives did not keep it open past idle_timeout"
step "an operational-disconnect line ends the connection; a quiet stream reconnects after idle_timeout ($gap ms)"

[ "$(redis-cli -p "$H_REDIS_PORT" GET ricochet:cursor:xs)" = 1992000000000000108 ] ||
  h_fail "stream cursor: $(redis-cli -p "$H_REDIS_PORT" GET ricochet:cursor:xs)"
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM with a held stream"
[ "$H_STOP_SECONDS" -le 5 ] || h_fail "stopping took $H_STOP_SECONDS s"
step "the newest tweet id seen (a dead-lettered one included) is the cursor; SIGTERM with a held stream exits 0"

# ---- x_search and the X webhook ------------------------------------------------
h_start_replay "$FIX/x-search.json" "$FIX"
SEARCH_LOG=$H_REPLAY_LOG
SECRET='x-consumer-secret-for-tests'
h_write_config "$H_DIR/ricochet2.yaml" </dev/null
h_config_section ingest "  webhook:
    x_consumer_secret: $SECRET
  sources:
    xq:
      type: x_search
      base_url: $H_REPLAY_URL
      bearer_token: \${X_BEARER_TOKEN}
      query: '@SWA -is:retweet'
      max_results: 10
      max_pages: 1
      poll_interval: 1s
      backoff_initial: 200ms"
POSTS0=$(jq -s length "$P")
h_start_workers ingest

# Cycle 1: page 1; max_pages 1 leaves page 2 to cycle 2, by its next_token
# and with no cursor written before it: cursor = page 1's newest_id.
h_wait_until 15 "the cursor from newest_id" \
  bash -c "[ \"\$(redis-cli -p $H_REDIS_PORT GET ricochet:cursor:xq)\" = 1992000000000000204 ]"
q1=$(jq -s -r '.[0].query' "$SEARCH_LOG")
case "$q1" in *"query=%40SWA%20-is%3Aretweet&max_results=10"*) ;; *) h_fail "first search query: $q1" ;; esac
case "$q1" in *since_id*) h_fail "the first search sent a since_id: $q1" ;; esac
q2=$(jq -s -r '.[1].query' "$SEARCH_LOG")
case "$q2" in *"pagination_token=b26v89c19zqg8o3fpzbkk4o5v6mq6gmq0f2sfn1mw3xal"*) ;; *) h_fail "second request: $q2" ;; esac
case "$q2" in *since_id*) h_fail "the backlog's second page sent a since_id: $q2" ;; esac
gap=$(jq -s '.[1].ts_ms - .[0].ts_ms' "$SEARCH_LOG")
[ "$gap" -ge 900 ] || h_fail "page 2 came $gap ms after page 1: not in the next cycle (max_pages 1)"
[ "$(ev xq backlog)" = 1 ] || h_fail "backlog counted $(ev xq backlog) times"
h_wait_metric ingest ricochet_ingest_posts_total 5 10
h_consume ricochet.posts post $((POSTS0 + 5)) >"$H_DIR/all-posts.jsonl"
S="$H_DIR/all-posts.jsonl"
post_is "$S" 1992000000000000204 '.author.handle == "on_hold_olivia" and .hashtags == ["customerservice"]
  and .metrics.likes == 25 and .conversation_id == "1992000000000000204" and .lang == "en"'
post_is "$S" 1992000000000000203 '.event == "repost" and .repost_of == "1992000000000000201"
  and .text == "@SWA my stroller came back in two pieces. Two. Pieces." and .author.handle == "rt_rita"'
post_is "$S" 1992000000000000201 '.author.handle == "baggage_bea" and .author.verified == true
  and .author.followers == 15800'
post_is "$S" 1992000000000000202 '.in_reply_to == "1992000000000000201"'
post_is "$S" 1992000000000000200 '.author.handle == "happy_hank"'
step "pages follow next_token (past max_pages in the next cycle); one post per tweet, the repost's original once; cursor = newest_id"

# Cycle 2 sends since_id and gets a 429 whose x-rate-limit-reset is 3 s
# away: the next request waits for it.
h_wait_until 15 "a request after the 429" bash -c "[ \$(jq -s 'map(select(.status == 200 and (.query | contains(\"since_id=1992000000000000204\")))) | length' '$SEARCH_LOG') -ge 1 ]"
t429=$(jq -s 'map(select(.status == 429)) | .[0].ts_ms' "$SEARCH_LOG")
tnext=$(jq -s --argjson t "$t429" 'map(select(.ts_ms > $t)) | .[0].ts_ms' "$SEARCH_LOG")
[ $((tnext - t429)) -ge 1900 ] || h_fail "the request after the 429 came $((tnext - t429)) ms later (reset was 3 s away)"
[ "$(ev xq rate_limited)" -ge 1 ] || h_fail "the 429 was not counted"
step "since_id on the next cycle; after a 429 the next request waits for the reset ($((tnext - t429)) ms)"

# The X webhook: CRC challenge.
URL="http://127.0.0.1:${H_PORT[ingest]}/ingest"
TOKEN='c3VjaCBhIGNyYyB0b2tlbg+/='
want="sha256=$(printf '%s' "$TOKEN" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64)"
code=$(h_http GET "$URL" --get --data-urlencode "crc_token=$TOKEN")
[ "$code" = 200 ] || h_fail "CRC answered $code: $(cat "$H_DIR/http.out")"
[ "$(jq -r .response_token "$H_DIR/http.out")" = "$want" ] ||
  h_fail "CRC response_token $(cat "$H_DIR/http.out"), expected $want"
code=$(h_http GET "$URL")
[ "$code" = 400 ] || h_fail "CRC without crc_token answered $code"
step "GET ?crc_token= answers the base64 HMAC-SHA256 under the consumer secret"

# Signed deliveries.
xsig() { printf 'sha256=%s' "$(openssl dgst -sha256 -hmac "$SECRET" -binary <"$1" | base64)"; }
code=$(h_http POST "$URL" --data-binary @"$FIX/activity-create.json" -H 'Content-Type: application/json')
[ "$code" = 401 ] || h_fail "unsigned delivery answered $code"
code=$(h_http POST "$URL" --data-binary @"$FIX/activity-create.json" -H "x-twitter-webhooks-signature: $(xsig "$FIX/activity-delete.json")")
[ "$code" = 401 ] || h_fail "delivery signed for another body answered $code"
code=$(h_http POST "$URL" --data-binary @"$FIX/activity-create.json" -H "x-twitter-webhooks-signature: $(xsig "$FIX/activity-create.json")")
[ "$code" = 200 ] || h_fail "signed delivery answered $code: $(cat "$H_DIR/http.out")"
jq -e '.accepted == 2 and .dead_lettered == 0' "$H_DIR/http.out" >/dev/null || h_fail "delivery: $(cat "$H_DIR/http.out")"
code=$(h_http POST "$URL" --data-binary @"$FIX/activity-delete.json" -H "x-twitter-webhooks-signature: $(xsig "$FIX/activity-delete.json")")
[ "$code" = 200 ] || h_fail "signed delete answered $code: $(cat "$H_DIR/http.out")"
h_consume ricochet.posts post $((POSTS0 + 8)) >"$S"
post_is "$S" 1992000000000000302 '.event == "repost" and .repost_of == "1992000000000000301"
  and .author.handle == "echo_echo" and .source_format == "x_activity"'
# 301 twice: the post (once, though it came also as the retweet's original),
# then its delete, a tombstone: the id, the author, the time, no text.
jq -e -s 'map(select(.id == "1992000000000000301")) | length == 2
  and (.[0] | .event == "post" and .author.handle == "ff_fay" and .created_at == "2026-11-21T10:00:00Z"
       and .hashtags == ["lostluggage"] and .mentions == ["SWA"])
  and (.[1] | .event == "delete" and .text == "" and .author.id == "5000000001"
       and .created_at == "2026-11-21T10:10:00Z")' "$S" >/dev/null ||
  h_fail "301 is not a post then a delete: $(jq -c -s 'map(select(.id == "1992000000000000301"))' "$S")"
step "signed Account Activity deliveries: 401 unsigned/mis-signed, 200 signed, tweet events and deletes are posts"

# Restart: the first search of the new process sends the saved since_id.
n_before=$(jq -s length "$SEARCH_LOG")
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
h_start_workers ingest
h_wait_until 15 "a search after the restart" bash -c "[ \$(jq -s length '$SEARCH_LOG') -gt $n_before ]"
qr=$(jq -s -r --argjson n "$n_before" '.[$n].query' "$SEARCH_LOG")
case "$qr" in *"since_id=1992000000000000204"*) ;; *) h_fail "first search after the restart: $qr" ;; esac
nosince() { jq -s 'map(select((.query | contains("since_id") | not) and (.query | contains("pagination_token") | not))) | length' "$SEARCH_LOG"; }
[ "$(nosince)" = 1 ] || h_fail "a search without since_id after the first cycle: $(jq -c . "$SEARCH_LOG")"
[ "$(jq -s 'map(select(.status == 401)) | length' "$SEARCH_LOG")" = 0 ] || h_fail "a search without the bearer token"
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
step "after a restart the first search sends since_id from the saved cursor"

# A cursor older than recent search's 7 days is refused with 400: the
# source searches once without since_id and the cursor comes back.
redis-cli -p "$H_REDIS_PORT" SET ricochet:cursor:xq 1900000000000000001 >/dev/null
h_start_workers ingest
h_wait_until 15 "a search without since_id after the 400" bash -c "[ \$(jq -s 'map(select((.query | contains(\"since_id\") | not) and (.query | contains(\"pagination_token\") | not))) | length' '$SEARCH_LOG') -ge 2 ]"
h_wait_metric ingest 'ricochet_ingest_source_events_total{source="xq",event="cursor_expired"}' 1 5
h_wait_until 15 "the cursor back at newest_id" \
  bash -c "[ \"\$(redis-cli -p $H_REDIS_PORT GET ricochet:cursor:xq)\" = 1992000000000000204 ]"
[ "$(jq -s 'map(select(.status == 400)) | length' "$SEARCH_LOG")" = 1 ] || h_fail "the expired since_id was sent more than once"
[ "$(h_metric ingest ricochet_ingest_posts_total)" = 0 ] || h_fail "the repeated search produced posts again"
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
step "a since_id refused as too old: one search without it, repeats dropped, cursor restored"
