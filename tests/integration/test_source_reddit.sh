#!/usr/bin/env bash
# The reddit source (ingest/sources/reddit.c) against a replay of Reddit's
# API (tests/fixtures/reddit/: listings, token, errors shaped like Reddit's;
# the README there names the documentation pages).
#
#   1. First polls: links, comments and search results arrive with all
#      their fields (edit, delete tombstone, crosspost as a repost plus its
#      original); the token is fetched once with basic auth; every request
#      carries the bearer token and the configured User-Agent; the second
#      poll asks before=<cursor>; more new links than "limit" are all
#      fetched by walking before=; a cursor whose comment was deleted falls
#      back to the plain listing by time; idle polls add nothing.
#   2. A restart resumes from the cursor in Redis: the first request is
#      before=<the saved mark>, nothing is fetched or produced twice.
#   3. Faults, each its own source: a 429 with X-Ratelimit-* waits for the
#      reset; a 401 refreshes the token once and succeeds; a 401 that stays
#      is one refresh per cycle, never a loop; a truncated page fails the
#      cycle and is fetched again from the same cursor; a page over
#      max_body is asked for again with a smaller limit; a 403 subreddit is
#      skipped while the others go on; a deleted mark with nothing newer is
#      moved to the newest listed item once, not checked again every cycle.
#   Each phase ends with SIGTERM, and the worker must exit 0.
source "$(dirname "$0")/lib/harness.sh"

FX="$RICOCHET_SOURCE_DIR/tests/fixtures/reddit"
UA="linux:io.ricochet.test:0.1 (by /u/ricochet_test)"
COMMON="      poll_interval: 1s
      rate: 50
      burst: 50
      backoff_initial: 100ms
      backoff_max: 1s"

h_start_redis
h_start_broker

# write_config SOURCES: a fresh config whose ingest.sources holds SOURCES.
write_config() {
  h_write_config "$H_DIR/ricochet.yaml" </dev/null
  h_config_section ingest "  sources:
$1"
}

# rd_source URL: the main source, pointed at the fixture at URL.
rd_source() {
  cat <<YAML
    rd:
      type: reddit
      base_url: $1
      token_url: $1/api/v1/access_token
      client_id: cid
      client_secret: csecret
      user_agent: "$UA"
      subreddits: [travel]
      comments: true
      search: ["delayed flight"]
      limit: 3
$COMMON
YAML
}

# reqs LOG JQ_FILTER: the number of logged requests the filter selects.
reqs() { jq -s "map(select($2)) | length" "$1"; }
# at_least LOG JQ_FILTER N: at least N such requests (for h_wait_until).
at_least() { [ "$(reqs "$1" "$2")" -ge "$3" ]; }
# cursor_is SOURCE KEY NAME: the saved cursor of SOURCE marks NAME for listing KEY.
cursor_is() { [ "$(redis-cli -p "$H_REDIS_PORT" get "ricochet:cursor:$1" | jq -r --arg k "$2" '.[$k].name')" = "$3" ]; }
# post ID: the consumed Post with that id (the first one).
post() { jq -c --arg id "$1" 'select(.id == $id)' "$H_DIR/posts.jsonl" | head -n 1; }
# check ID JQ_EXPR WHAT: the Post with ID satisfies JQ_EXPR.
check() {
  local p
  p=$(post "$1")
  [ -n "$p" ] || h_fail "no post $1 in: $(jq -c .id "$H_DIR/posts.jsonl" | tr '\n' ' ')"
  [ "$(jq "$2" <<<"$p")" = true ] || h_fail "$3: $p"
}

# ---- 1. first polls ----------------------------------------------------------
h_start_replay "$FX/script_main.json"
LOG1=$H_REPLAY_LOG
write_config "$(rd_source "$H_REPLAY_URL")"
h_start_workers ingest

# 8 links + 4 comments + 1 crosspost + its original.
h_wait_metric ingest ricochet_ingest_posts_total 14 20
# A third cycle has begun (its first request): by then the second is done.
h_wait_until 10 "a third poll" \
  at_least "$LOG1" '.path == "/r/travel/new" and (.query | contains("before=t3_1h2k3h"))' 1
h_wait_until 10 "the third poll's check of the plain listing" \
  at_least "$LOG1" '.path == "/r/travel/new" and .query == "limit=3"' 2
[ "$(h_metric ingest ricochet_ingest_posts_total)" = 14 ] || h_fail "idle polls produced more posts"
[ "$(h_metric ingest 'ricochet_ingest_source_failures_total{source="rd"}')" = 0 ] || h_fail "a poll cycle failed"

h_consume ricochet.posts post 14 >"$H_DIR/posts.jsonl"
[ "$(wc -l <"$H_DIR/posts.jsonl")" = 14 ] || h_fail "expected 14 posts: $(cat "$H_DIR/posts.jsonl")"
[ "$(jq -r .id "$H_DIR/posts.jsonl" | sort -u | wc -l)" = 14 ] || h_fail "a post came twice"
for id in t3_1h2k3a t3_1h2k3b t3_1h2k3c t3_1h2k3d t3_1h2k3e t3_1h2k3f t3_1h2k3g t3_1h2k3h; do
  [ -n "$(post $id)" ] || h_fail "link $id missing"
done
h_pass "8 links over 3 polls with limit 3 (one walk of two before= pages), each once"

check t3_1h2k3c '.platform == "reddit" and .source_format == "reddit" and .event == "post"
  and .author == {"id": "t2_8si64", "handle": "wanderer_42", "name": null, "followers": 0, "verified": false}
  and .text == "Lost luggage at FRA, airline not answering\n\nFlew with @SkyWays yesterday, bag never arrived & the hotline hangs up. Anyone else? #lostluggage"
  and .created_at == "2024-11-21T10:45:00Z" and .lang == null
  and .url == "https://www.reddit.com/r/travel/comments/1h2k3c/lost_luggage_at_fra_airline_not_answering/"
  and .in_reply_to == null and .conversation_id == "t3_1h2k3c"
  and .mentions == ["SkyWays"] and .hashtags == ["lostluggage"]
  and .metrics == {"likes": 12, "reposts": 0, "replies": 4, "quotes": 0}
  and .repost_of == null and .quote_of == null and .edit_of == null' "link fields"
check t3_1h2k3a '.text | startswith("Refund <still> pending")' "entities in a title are decoded"
check t3_1h2k3a '.mentions == ["SkyWays_Support", "ana_sofia"] and .metrics.likes == 0' "u/ mentions, negative score"
check t3_1h2k3b '.event == "edit"' "an edited link is an edit"
check t1_m0k2 '.event == "post" and .author.id == "t2_abc12" and .author.handle == "grumpy_flyer"
  and .text == "Same here, 3 hours on hold with u/SkyWays_Support >:( #fail"
  and .in_reply_to == "t3_1h2k3c" and .conversation_id == "t3_1h2k3c" and .created_at == "2024-11-21T10:45:50Z"
  and .url == "https://www.reddit.com/r/travel/comments/1h2k3c/lost_luggage_at_fra_airline_not_answering/m0k2/"
  and .mentions == ["SkyWays_Support"] and .hashtags == ["fail"] and .metrics.likes == 5' "comment fields"
check t1_m0k1 '.event == "delete" and .text == "" and .author.id == "" and .in_reply_to == "t1_m0k0"' \
  "a deleted comment is a tombstone"
check t3_1h2x9 '.event == "repost" and .repost_of == "t3_1h1o1" and .author.handle == "crosser"
  and (.text | startswith("Delayed flight 6h, airline refuses EU261\n\nSkyWays says \"extraordinary"))' \
  "a crosspost is a repost with the original's text"
check t3_1h1o1 '.event == "post" and .author.id == "t2_0r1g" and .metrics.replies == 96
  and .url == "https://www.reddit.com/r/flights/comments/1h1o1/delayed_flight_6h_airline_refuses_eu261/"' \
  "the crossposted original is its own post"
h_pass "links, comments, a tombstone, a crosspost and its original arrive with all fields"

# Token: one client_credentials grant with basic auth, then bearer on every call.
[ "$(reqs "$LOG1" '.path == "/api/v1/access_token"')" = 1 ] || h_fail "token fetched more than once"
t=$(jq -s -c 'map(select(.path == "/api/v1/access_token"))[0]' "$LOG1")
[ "$(jq -r '.method + " " + .body + " " + .headers["content-type"]' <<<"$t")" = \
  "POST grant_type=client_credentials application/x-www-form-urlencoded" ] || h_fail "token request: $t"
[ "$(reqs "$LOG1" '.path != "/api/v1/access_token" and .headers.authorization != "bearer tok-1"')" = 0 ] ||
  h_fail "a listing request without the bearer token"
[ "$(reqs "$LOG1" ".headers[\"user-agent\"] != \"$UA\"")" = 0 ] || h_fail "a request without the configured User-Agent"
h_pass "one token (basic auth, client_credentials); every request has the bearer token and the User-Agent"

# Cursor use: the first poll is plain, the second asks before=<newest seen>,
# and walks on from the full page's newest.
first=$(jq -s -r 'map(select(.path == "/r/travel/new"))[0].query' "$LOG1")
second=$(jq -s -r 'map(select(.path == "/r/travel/new"))[1].query' "$LOG1")
third=$(jq -s -r 'map(select(.path == "/r/travel/new"))[2].query' "$LOG1")
[ "$first" = "limit=3" ] && [ "$second" = "limit=3&before=t3_1h2k3c" ] && [ "$third" = "limit=3&before=t3_1h2k3f" ] ||
  h_fail "new-link requests: $first | $second | $third"
[ "$(jq -s -r 'map(select(.path == "/search"))[1].query' "$LOG1")" = \
  "q=delayed%20flight&sort=new&type=link&limit=3&before=t3_1h2x9" ] || h_fail "search: no before=<cursor>"
h_pass "the second poll sends before=<cursor>; a full page is followed by before=<its newest>"

# The comment the cursor named was deleted: before= came back empty, the
# plain listing lacked it, and the comments created since were taken.
check t1_m0k4 '.event == "edit" and .in_reply_to == "t1_m0k2"' "comment after the deleted cursor"
[ -n "$(post t1_m0k3)" ] || h_fail "t1_m0k3 (newer than the deleted cursor) missing"
[ "$(h_metric ingest 'ricochet_ingest_source_events_total{source="rd",event="cursor_gone"}')" = 1 ] ||
  h_fail "cursor_gone not counted once"
h_pass "a deleted cursor item: fallback to the plain listing by created_utc, nothing lost"

cursor=$(redis-cli -p "$H_REDIS_PORT" get ricochet:cursor:rd)
[ "$(jq -c . <<<"$cursor")" = '{"comments:travel":{"created_utc":1732186600,"name":"t1_m0k4"},"new:travel":{"created_utc":1732186400,"name":"t3_1h2k3h"},"search:delayed flight":{"created_utc":1732185990,"name":"t3_1h2x9"}}' ] ||
  h_fail "cursor in Redis: $cursor"
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
h_pass "the cursor in Redis holds each listing's newest; SIGTERM exits 0"

# ---- 2. restart ---------------------------------------------------------------
h_start_replay "$FX/script_restart.json"
LOG2=$H_REPLAY_LOG
write_config "$(rd_source "$H_REPLAY_URL")"
h_start_workers ingest
h_wait_metric ingest ricochet_ingest_posts_total 1 20
h_wait_until 10 "a poll after the restart's first" \
  at_least "$LOG2" '.path == "/r/travel/new" and (.query | contains("before=t3_1h2k3i"))' 1
h_wait_until 10 "the restart's second comment poll" at_least "$LOG2" '.path == "/r/travel/comments"' 4
[ "$(jq -s -r 'map(select(.path == "/r/travel/new"))[0].query' "$LOG2")" = "limit=3&before=t3_1h2k3h" ] ||
  h_fail "the restart did not resume from the saved cursor: $(jq -c .query "$LOG2" | head -n 3)"
[ "$(jq -s -r 'map(select(.path == "/r/travel/comments"))[0].query' "$LOG2")" = "limit=3&before=t1_m0k4" ] ||
  h_fail "comments did not resume from the saved cursor"
[ "$(h_metric ingest ricochet_ingest_posts_total)" = 1 ] || h_fail "the restart produced more than the one new link"
[ "$(h_metric ingest ricochet_ingest_duplicates_total)" = 0 ] || h_fail "the restart fetched old posts again"
[ "$(h_metric ingest 'ricochet_ingest_source_events_total{source="rd",event="cursor_gone"}')" = 0 ] ||
  h_fail "after the restart the comment cursor was not found"
h_consume ricochet.posts post 15 >"$H_DIR/posts.jsonl"
[ "$(jq -r .id "$H_DIR/posts.jsonl" | sort -u | wc -l)" = 15 ] || h_fail "not 15 distinct posts after the restart"
check t3_1h2k3i '.author.handle == "night_owl"' "the link after the restart"
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
h_pass "a restart resumes from the cursor (before=t3_1h2k3h first), no repeats, no gaps"

# ---- 3. faults ------------------------------------------------------------------
# Forget phases 1-2 (dedup keys, cursors): the fault sources reuse their items.
redis-cli -p "$H_REDIS_PORT" flushall >/dev/null
redis-cli -p "$H_REDIS_PORT" set ricochet:cursor:trunc \
  '{"new:trunc":{"name":"t3_1h2k3c","created_utc":1732185900}}' >/dev/null
# "gone": its mark (newer than anything listed) was deleted, nothing is new.
redis-cli -p "$H_REDIS_PORT" set ricochet:cursor:gone \
  '{"new:gone":{"name":"t3_zzdel","created_utc":1732186450}}' >/dev/null
h_start_replay "$FX/script_faults.json"
LOG3=$H_REPLAY_LOG
U=$H_REPLAY_URL
fault_source() { # NAME SUBREDDITS [EXTRA]
  cat <<YAML
    $1:
      type: reddit
      base_url: $U
      token_url: $U/tok/$1
      client_id: cid
      client_secret: csecret
      user_agent: "$UA"
      subreddits: $2
      limit: 3
$COMMON
${3:-}
YAML
}
write_config "$(fault_source rl '[rl429]')
$(fault_source auth '[auth401]')
$(fault_source auth2 '[auth401b]')
$(fault_source trunc '[trunc]')
$(fault_source gone '[gone]')
$(fault_source big '[big, private_sub]' '      max_body: 8KiB')"
h_start_workers ingest
# rl: 1, auth: 2, trunc: 3, big: the crosspost and its original.
h_wait_metric ingest ricochet_ingest_posts_total 8 25
h_wait_metric ingest 'ricochet_ingest_source_failures_total{source="auth2"}' 3 10

# 429: the next request waits for X-Ratelimit-Reset (3 s), not the backoff.
gap=$(jq -s 'map(select(.path == "/r/rl429/new")) | .[1].ts_ms - .[0].ts_ms' "$LOG3")
[ "$(jq -s -r 'map(select(.path == "/r/rl429/new"))[0].status' "$LOG3")" = 429 ] || h_fail "rl: no 429 first"
[ "$gap" -ge 2800 ] || h_fail "rl: retried $gap ms after the 429, before its X-Ratelimit-Reset of 3 s"
[ "$(h_metric ingest 'ricochet_ingest_source_failures_total{source="rl"}')" -ge 1 ] || h_fail "rl: 429 not a failure"
h_pass "429 with X-Ratelimit-Reset: 3 -> the next request $gap ms later"

# 401 once: a second token, the same request again, success.
[ "$(reqs "$LOG3" '.path == "/tok/auth"')" = 2 ] || h_fail "auth: $(reqs "$LOG3" '.path == "/tok/auth"') token requests"
[ "$(jq -s -c 'map(select(.path == "/r/auth401/new"))[0:2] | map(.status)' "$LOG3")" = "[401,200]" ] ||
  h_fail "auth: $(jq -s -c 'map(select(.path == "/r/auth401/new")) | map(.status)' "$LOG3")"
[ "$(h_metric ingest 'ricochet_ingest_source_events_total{source="auth",event="token_refresh"}')" = 1 ] ||
  h_fail "auth: token_refresh not counted once"
[ "$(h_metric ingest 'ricochet_ingest_source_failures_total{source="auth"}')" = 0 ] || h_fail "auth: a cycle failed"
# 401 for good: token, 401, token, 401 per cycle, then back off; never two
# listing requests on one token.
seq=$(jq -s -r 'map(select(.path == "/tok/auth2" or .path == "/r/auth401b/new") | .path[1:4]) | join(" ")' "$LOG3")
grep -qE '^(tok r/a ){3,}' <<<"$seq " || h_fail "auth2: request sequence $seq"
grep -q 'r/a r/a' <<<"$seq" && h_fail "auth2: two listing requests on one token: $seq"
[ "$(reqs "$LOG3" '.path == "/r/auth401b/new" and .status != 401')" = 0 ] || h_fail "auth2: not all 401"
h_pass "401: the token is refreshed once and the request retried; a lasting 401 fails the cycle"

# Truncated page: the cycle fails, the same before= is asked again, the
# items arrive once and the cursor moves past them.
[ "$(jq -s -c 'map(select(.path == "/r/trunc/new"))[0:3] | map(.query)' "$LOG3")" = \
  '["limit=3&before=t3_1h2k3c","limit=3&before=t3_1h2k3c","limit=3&before=t3_1h2k3f"]' ] ||
  h_fail "trunc: $(jq -s -c 'map(select(.path == "/r/trunc/new")) | map(.query)' "$LOG3")"
[ "$(h_metric ingest 'ricochet_ingest_source_events_total{source="trunc",event="malformed"}')" = 1 ] ||
  h_fail "trunc: malformed not counted"
[ "$(h_metric ingest 'ricochet_ingest_source_failures_total{source="trunc"}')" -ge 1 ] || h_fail "trunc: no failure"
h_wait_until 5 "trunc's cursor past its page" cursor_is trunc new:trunc t3_1h2k3f
h_pass "a truncated page fails the cycle; the retry uses the same cursor"

# Oversized page: asked for again with limit 1; the 403 subreddit skipped.
[ "$(jq -s -c 'map(select(.path == "/r/big/new"))[0:2] | map(.query)' "$LOG3")" = '["limit=3","limit=1"]' ] ||
  h_fail "big: $(jq -s -c 'map(select(.path == "/r/big/new")) | map(.query)' "$LOG3")"
[ "$(h_metric ingest 'ricochet_ingest_source_events_total{source="big",event="oversized"}')" -ge 1 ] ||
  h_fail "big: oversized not counted"
[ "$(h_metric ingest 'ricochet_ingest_source_events_total{source="big",event="listing_unavailable"}')" -ge 1 ] ||
  h_fail "big: the 403 subreddit not counted"
[ "$(h_metric ingest 'ricochet_ingest_source_failures_total{source="big"}')" = 0 ] ||
  h_fail "big: a 403 subreddit failed the whole cycle"
h_pass "a page over max_body is fetched again with a smaller limit; a 403 subreddit is skipped"

# A deleted mark with nothing newer: one fallback, then the mark rests on the
# newest listed item (keeping its time) and before= works again.
h_wait_until 10 "gone: a poll after the re-anchoring" \
  at_least "$LOG3" '.path == "/r/gone/new" and (.query | contains("before=t3_1h2k3h"))' 1
[ "$(jq -s -c 'map(select(.path == "/r/gone/new"))[0:3] | map(.query)' "$LOG3")" = \
  '["limit=3&before=t3_zzdel","limit=3","limit=3&before=t3_1h2k3h"]' ] ||
  h_fail "gone: $(jq -s -c 'map(select(.path == "/r/gone/new")) | map(.query)' "$LOG3")"
[ "$(h_metric ingest 'ricochet_ingest_source_events_total{source="gone",event="cursor_gone"}')" = 1 ] ||
  h_fail "gone: cursor_gone counted $(h_metric ingest 'ricochet_ingest_source_events_total{source="gone",event="cursor_gone"}') times"
[ "$(redis-cli -p "$H_REDIS_PORT" get ricochet:cursor:gone)" = '{"new:gone":{"created_utc":1732186450,"name":"t3_1h2k3h"}}' ] ||
  h_fail "gone: cursor $(redis-cli -p "$H_REDIS_PORT" get ricochet:cursor:gone)"
h_pass "a deleted mark with nothing newer moves to the newest listed item, once"

h_consume ricochet.posts post 23 >"$H_DIR/posts.jsonl"
for id in t3_1h2k3i t3_1h2k3g t3_1h2k3h t3_1h2k3d t3_1h2k3e t3_1h2k3f t3_1h2x9 t3_1h1o1; do
  [ "$(jq -r --arg id $id 'select(.id == $id) | .id' "$H_DIR/posts.jsonl" | wc -l)" = 2 ] ||
    h_fail "$id: not once in phase 3 (twice in all)"
done
[ "$(h_metric ingest ricochet_ingest_posts_total)" = 8 ] || h_fail "phase 3 produced $(h_metric ingest ricochet_ingest_posts_total)"
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
h_pass "every fault source delivered its items exactly once; SIGTERM exits 0"
