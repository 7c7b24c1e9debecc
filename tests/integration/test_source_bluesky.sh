#!/usr/bin/env bash
# The bluesky_jetstream source against the Jetstream fixture
# (build/bin/jetstream_fixture, WebSocket) and the replay fixture serving
# app.bsky.actor.getProfile (tests/fixtures/bluesky/: events.jsonl follows
# Jetstream's README event examples and the app.bsky.feed.* lexicons,
# profiles.json the getProfile answer, see README.md there).
#
#   1. The first connection carries a malformed frame and an oversized one
#      and is cut after six frames: posts arrive with their profiles, edits,
#      deletes and reposts as such, the malformed frame and a bad event are
#      dead-lettered, the oversized frame is counted; the source reconnects
#      from the saved cursor (rewound by cursor_rewind) and what it sees
#      twice is dropped by dedup: every post once, none missing.
#   2. Each profile is fetched once per DID (Redis cache), whatever the
#      replays; a failed lookup (a 429) leaves the post with its DID as
#      handle, is not cached, and pauses lookups until the announced reset.
#   3. A restart resumes from the cursor in Redis, adds no post, and a
#      keyword source alongside takes only matching posts (and the repost of
#      one it took). SIGTERM ends the worker with status 0.
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"

DATA="$RICOCHET_SOURCE_DIR/tests/fixtures/bluesky"
T0=1725911160000000 # time_us of the first event in events.jsonl
ALICE=did:plc:a1ice2xyzq7kqh3yqjcxv5bm
BOB=did:plc:b0bbq4lrjsu3vw2mcdxu7nfe
CAROL=did:plc:car0lpw5tm7qj4rhdyv2gz6k
DAVE=did:plc:daveeg3vhfn6aqyl5ibxw7sm

# h_start_jetstream NAME ARGS...: a fixture on a free port; sets JS_PORT and
# JS_LOG (its connection log, $H_DIR/NAME.jsonl).
h_start_jetstream() {
  local name=$1 pf="$H_DIR/$1.port" i
  shift
  JS_LOG="$H_DIR/$name.jsonl"
  "$RICOCHET_BIN/jetstream_fixture" --events "$DATA/events.jsonl" --port-file "$pf" --log "$JS_LOG" "$@" \
    >>"$H_DIR/$name.log" 2>&1 &
  H_PIDS+=($!)
  for i in $(seq 1 200); do [ -s "$pf" ] && break; sleep 0.05; done
  JS_PORT=$(cat "$pf" 2>/dev/null || true)
  [ -n "$JS_PORT" ] || h_fail "jetstream_fixture did not start: $(tail -n 5 "$H_DIR/$name.log")"
}

source_yaml() { # source_yaml NAME PORT [EXTRA YAML, indented 6]
  cat <<YAML
    $1:
      type: bluesky_jetstream
      base_url: ws://127.0.0.1:$2
      profile_url: $H_REPLAY_URL
      wanted_collections: [app.bsky.feed.post, app.bsky.feed.repost]
      cursor_rewind: 2s
      backoff_initial: 200ms
      backoff_max: 1s
      rate: 100
      burst: 100
      max_body: 64KiB
${3:-}
YAML
}

write_config() { # write_config SOURCES_YAML
  h_write_config "$H_DIR/ricochet.yaml" </dev/null
  h_config_section ingest "  sources:
$1"
}

src_event() { h_metric ingest "ricochet_ingest_source_events_total{source=\"$1\",event=\"$2\"}"; }
event_is() { [ "$(src_event "$1" "$2")" = "$3" ]; }
cursor_is() { [ "$(redis-cli -p "$H_REDIS_PORT" GET "ricochet:cursor:$1")" = "$2" ]; }
conns_at_least() { [ "$(jq -s length "$1")" -ge "$2" ]; }
profile_requests() { # profile_requests DID -> getProfile requests for it
  jq -r --arg d "actor=${1//:/%3A}" 'select(.path == "/xrpc/app.bsky.actor.getProfile" and (.query | contains($d))) | .path' \
    "$H_REPLAY_LOG" | wc -l
}

h_start_redis
h_start_broker
h_start_replay "$DATA/profiles.json"
# Frames of the first connection: e1 e2 e3(identity) MALFORMED e4 OVERSIZED, then cut.
h_start_jetstream jetstream --malformed-after 3 --oversized-after 4 --oversized-bytes 300000 --drop-after 6
write_config "$(source_yaml bsky "$JS_PORT")"
h_start_worker ingest
h_wait_ready ingest

# ---- 1. posts, faults, the cut connection and the resume --------------------
# 14 events: 10 are Posts (e1 e2 e4 e5 e7 e8 e9 e12 e13, and e14 an edit of
# e2), e3/e11 are identity and account events, e6 a like (filtered out by
# Jetstream), e10 a post with a number for text.
h_wait_metric ingest ricochet_ingest_posts_total 10 30
h_wait_metric ingest 'ricochet_ingest_dead_letters_total{class="validation"}' 1 10
h_consume ricochet.posts post 20 6000 >"$H_DIR/posts.jsonl"
n=$(wc -l <"$H_DIR/posts.jsonl")
u=$(jq -r '.id + " " + .event' "$H_DIR/posts.jsonl" | sort -u | wc -l)
[ "$n" = 10 ] && [ "$u" = 10 ] || h_fail "expected 10 distinct posts once each, got $n records ($u distinct): $(jq -c '[.id,.event]' "$H_DIR/posts.jsonl")"
for r in 3l3qo2vuowo2a 3l3qo2vuowo2c 3l3qo2vuowo2d 3l3qo2vuowo2e 3l3qo2vuowo2g 3kold00000001 3kold00000002 \
  3l3qo2vuowo2k 3l3qo2vuowo2l; do
  grep -q "/$r\"" "$H_DIR/posts.jsonl" || h_fail "post $r missing (a gap)"
done
[ "$(jq -r .ingested_at "$H_DIR/posts.jsonl" | wc -l)" = 10 ] || h_fail "posts unreadable"
[ "$(h_metric ingest ricochet_ingest_duplicates_total)" -ge 2 ] ||
  h_fail "the replay after the cut should have met e2 and e4 again (duplicates_total $(h_metric ingest ricochet_ingest_duplicates_total))"
h_pass "10 posts once each across a cut connection (the replayed ones dropped as duplicates)"

post() { jq -c --arg id "$1" --arg ev "${2:-post}" 'select(.id == $id and .event == $ev)' "$H_DIR/posts.jsonl"; }
p=$(post "at://$ALICE/app.bsky.feed.post/3l3qo2vuowo2a")
jq -e '.platform == "bluesky" and .source_format == "bluesky" and .event == "post"
  and .author.id == "'$ALICE'" and .author.handle == "alice.bsky.social" and .author.name == "Alice Traveller"
  and .author.followers == 15230 and .author.verified == true
  and .text == "My flight was cancelled again @airline.bsky.social #delays"
  and .created_at == "2024-09-09T19:46:00Z" and .lang == "en"
  and .url == "https://bsky.app/profile/alice.bsky.social/post/3l3qo2vuowo2a"
  and .conversation_id == "at://'$ALICE'/app.bsky.feed.post/3l3qo2vuowo2a" and .in_reply_to == null
  and .mentions == ["airline.bsky.social"] and .hashtags == ["delays"]' <<<"$p" >/dev/null ||
  h_fail "alice's post: $p"
p=$(post "at://$BOB/app.bsky.feed.post/3l3qo2vuowo2c")
jq -e '.author.handle == "bob.example.com" and .author.name == null and .author.followers == 42
  and .author.verified == false
  and .in_reply_to == "at://'$ALICE'/app.bsky.feed.post/3l3qo2vuowo2a"
  and .conversation_id == "at://'$ALICE'/app.bsky.feed.post/3l3qo2vuowo2a"' <<<"$p" >/dev/null ||
  h_fail "bob's reply: $p"
p=$(post "at://$CAROL/app.bsky.feed.post/3l3qo2vuowo2e")
jq -e '.author.handle == "'$CAROL'" and .author.followers == 0 and .text == "Café ☕ luggage fees are absurd"
  and .lang == "fr"' <<<"$p" >/dev/null || h_fail "carol's post (failed lookup): $p"
p=$(post "at://$BOB/app.bsky.feed.repost/3l3qo2vuowo2g" repost)
jq -e '.event == "repost" and .repost_of == "at://'$ALICE'/app.bsky.feed.post/3l3qo2vuowo2a"
  and .author.handle == "bob.example.com" and .text == ""' <<<"$p" >/dev/null || h_fail "bob's repost: $p"
p=$(post "at://$DAVE/app.bsky.feed.post/3kold00000001" edit)
jq -e '.event == "edit" and .text == "edited: refund still pending" and .author.handle == "'$DAVE'"
  and .author.followers == 0' \
  <<<"$p" >/dev/null || h_fail "dave's edit: $p"
p=$(post "at://$DAVE/app.bsky.feed.post/3kold00000002" delete)
jq -e '.event == "delete" and .text == "" and .author.id == "'$DAVE'" and .created_at == "2024-09-09T19:46:08Z"' \
  <<<"$p" >/dev/null || h_fail "dave's delete: $p"
p=$(post "at://$BOB/app.bsky.feed.post/3l3qo2vuowo2k")
jq -e '.quote_of == "at://'$ALICE'/app.bsky.feed.post/3l3qo2vuowo2a"' <<<"$p" >/dev/null ||
  h_fail "bob's quote: $p"
p=$(post "at://$BOB/app.bsky.feed.post/3l3qo2vuowo2c" edit)
jq -e '.text == "Lost luggage in Denver, found after three days" and .edit_of == null' <<<"$p" >/dev/null ||
  h_fail "bob's edit of his reply (same id as the post): $p"
h_pass "fields: profile data, reply, quote, repost, edit, delete, facets; without a profile the DID is the handle"

h_consume ricochet.dead-letter dead_letter 5 6000 >"$H_DIR/dead.jsonl"
grep '"error_class":"parse"' "$H_DIR/dead.jsonl" | grep -q 'did:plc:broken' ||
  h_fail "the malformed frame is not a parse dead letter: $(cat "$H_DIR/dead.jsonl")"
grep '"error_class":"validation"' "$H_DIR/dead.jsonl" | grep -q 'bluesky: record.text: expected a string' ||
  h_fail "the bad event is not a validation dead letter naming the field: $(cat "$H_DIR/dead.jsonl")"
[ "$(wc -l <"$H_DIR/dead.jsonl")" = 2 ] || h_fail "expected 2 dead letters: $(cat "$H_DIR/dead.jsonl")"
[ "$(src_event bsky malformed)" = 1 ] || h_fail "malformed count $(src_event bsky malformed)"
[ "$(src_event bsky oversized)" = 1 ] || h_fail "oversized count $(src_event bsky oversized)"
[ "$(src_event bsky disconnect)" = 1 ] || h_fail "disconnect count $(src_event bsky disconnect)"
[ "$(src_event bsky identity)" -ge 1 ] && [ "$(src_event bsky account)" = 1 ] || h_fail "identity/account not counted"
h_pass "malformed frame and bad event dead-lettered, oversized frame counted and skipped"

# The second connection resumed from the cursor saved before the cut (e4,
# the last event acknowledged) rewound by 2 s, asking for both collections.
[ "$(jq -s length "$JS_LOG")" = 2 ] || h_fail "expected 2 connections: $(cat "$JS_LOG")"
q1=$(jq -rs '.[0].query' "$JS_LOG")
q2=$(jq -rs '.[1].query' "$JS_LOG")
[ "$q1" = "wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost" ] ||
  h_fail "first connection: $q1"
[ "$q2" = "wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost&cursor=$((T0 + 3000000 - 2000000))" ] ||
  h_fail "resume: expected cursor $((T0 + 1000000)) (e4 - 2 s): $q2"
h_wait_until 10 "cursor saved at the last event" cursor_is bsky $((T0 + 13000000))
h_pass "resumed after the cut from the saved cursor minus cursor_rewind"

# ---- 2. one profile lookup per DID; a 429 pauses lookups ---------------------
# carol's lookup answers 429 with ratelimit-remaining 0 and a reset a
# minute away: dave's events after it go without a lookup.
for d in $ALICE $BOB $CAROL; do
  [ "$(profile_requests "$d")" = 1 ] || h_fail "getProfile for $d asked $(profile_requests "$d") times"
done
[ "$(profile_requests $DAVE)" = 0 ] || h_fail "lookups went on during the rate-limit pause"
[ "$(jq -s length "$H_REPLAY_LOG")" = 3 ] || h_fail "expected 3 profile requests: $(cat "$H_REPLAY_LOG")"
[ "$(src_event bsky profile_skipped)" = 2 ] || h_fail "profile_skipped $(src_event bsky profile_skipped), expected 2 (e8, e10)"
redis-cli -p "$H_REDIS_PORT" GET "ricochet:bsky:profile:$ALICE" | jq -e '.followersCount == 15230' >/dev/null ||
  h_fail "alice's profile is not cached"
[ -z "$(redis-cli -p "$H_REDIS_PORT" GET "ricochet:bsky:profile:$CAROL")" ] || h_fail "a failed lookup was cached"
[ "$(src_event bsky profile_error)" = 1 ] || h_fail "profile_error count $(src_event bsky profile_error)"
h_pass "profiles looked up once per DID and cached in Redis; a 429 counted, not cached, and pausing lookups"

# ---- 3. restart: resume from Redis; a keyword source; a clean close ----------
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ingest exited $H_RC on SIGTERM"
JS1_PORT=$JS_PORT JS1_LOG=$JS_LOG
# A second instance that closes normally (status 1000) once it has sent
# everything, as Jetstream does when it restarts.
h_start_jetstream closing --close-after-all
write_config "$(source_yaml bsky "$JS1_PORT")
$(source_yaml kw "$JS1_PORT" '      keywords: [LUGGAGE]')
$(source_yaml closing "$JS_PORT" '      profile_lookup: false')"
h_start_worker ingest
h_wait_ready ingest
# kw sees all 14 events: e2, e5 and the edit e14 match "luggage" (any
# case), e13 reposts e2, which it took; the rest is filtered.
h_wait_metric ingest 'ricochet_ingest_source_payloads_total{source="kw"}' 4 20
h_wait_until 10 "kw filtered 7 events" event_is kw filtered 7
[ "$(h_metric ingest 'ricochet_ingest_source_payloads_total{source="kw"}')" = 4 ] ||
  h_fail "kw submitted $(h_metric ingest 'ricochet_ingest_source_payloads_total{source="kw"}') events, expected 4"
[ "$(redis-cli -p "$H_REDIS_PORT" EXISTS "ricochet:bsky:seen:at://$BOB/app.bsky.feed.post/3l3qo2vuowo2c")" = 1 ] ||
  h_fail "the keyword source did not remember the post it took"
h_pass "keyword source: took the 2 matching posts, an edit and the repost of one of them, filtered 7"

# bsky resumed from its cursor in Redis (e14) rewound by 2 s.
h_wait_until 10 "bsky reconnected" conns_at_least "$JS1_LOG" 4
qb=$(jq -rs 'map(select(.conn > 2 and (.query | contains("cursor=")))) | .[0].query' "$JS1_LOG")
[ "$qb" = "wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost&cursor=$((T0 + 11000000))" ] ||
  h_fail "restart: expected the cursor from Redis minus 2 s: $(cat "$JS1_LOG")"
# Cached profiles are not asked for again; the failed lookup (not cached)
# is retried when kw takes carol's post.
for d in $ALICE $BOB; do
  [ "$(profile_requests "$d")" = 1 ] || h_fail "after the restart getProfile for $d asked $(profile_requests "$d") times"
done
[ "$(profile_requests $CAROL)" = 2 ] || h_fail "the failed lookup of carol was not retried: $(profile_requests $CAROL)"
h_pass "restart resumed from the Redis cursor; cached profiles not asked for again"

# The closing instance: a normal close is no failure; the source comes back
# after backoff_initial from its saved cursor.
h_wait_until 15 "the closing source reconnected" conns_at_least "$JS_LOG" 2
[ "$(jq -rs '.[1].query' "$JS_LOG")" = \
  "wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost&cursor=$((T0 + 11000000))" ] ||
  h_fail "after a clean close: $(cat "$JS_LOG")"
[ "$(src_event closing server_close)" -ge 1 ] || h_fail "server_close not counted"
[ "$(h_metric ingest 'ricochet_ingest_source_failures_total{source="closing"}')" = 0 ] ||
  h_fail "a clean close was counted as a failure"
h_pass "a clean server close ends the run without a failure and resumes from the cursor"

# Every source met only posts already produced: nothing new on the topic.
[ "$(h_metric ingest ricochet_ingest_posts_total)" = 0 ] ||
  h_fail "the restart produced $(h_metric ingest ricochet_ingest_posts_total) posts again"
h_consume ricochet.posts post 30 6000 >"$H_DIR/posts2.jsonl"
[ "$(wc -l <"$H_DIR/posts2.jsonl")" = 10 ] || h_fail "posts after the restart: $(wc -l <"$H_DIR/posts2.jsonl")"
h_pass "no post repeated downstream after the restart"

h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ingest exited $H_RC on SIGTERM"
[ "$H_STOP_SECONDS" -le 10 ] || h_fail "SIGTERM took $H_STOP_SECONDS s"
h_pass "SIGTERM with three open WebSockets: exit 0 in $H_STOP_SECONDS s"
