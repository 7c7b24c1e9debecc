#!/usr/bin/env bash
# The "file" source and the runner behind every source: posts of a JSON
# Lines file reach the posts topic; the cursor (byte offset) is saved in
# Redis once they are acknowledged; lines appended later are followed; a
# restarted worker resumes at the cursor (nothing produced twice); with two
# replicas only the lease holder reads, and when it stops the other takes
# over at the cursor; a malformed line is dead-lettered and the cursor
# still moves past it; --check rejects an unknown source type with
# file:line and a hint.
source "$(dirname "$0")/lib/harness.sh"

h_start_redis
h_start_broker
FEED=$H_DIR/feed.jsonl
mk() { # mk FROM TO: generic posts FROM..TO
  local i
  for i in $(seq "$1" "$2"); do
    printf '{"platform":"generic","id":"f%d","text":"post %d about the late train","author":{"id":"a%d","handle":"h%d"}}\n' \
      "$i" "$i" $((i % 7)) $((i % 7))
  done
}
mk 1 40 >"$FEED"
h_write_config "$H_DIR/ricochet.yaml" </dev/null
h_config_section ingest "  sources:
    backfill:
      type: file
      path: $FEED
      batch: 16
      poll_interval: 300ms
      lease_ttl: 3s"

# A typo in the type is a config error with file:line and a hint.
sed 's/type: file/type: fiel/' "$H_CONFIG" >"$H_DIR/bad.yaml"
set +e
out=$("$RICOCHET_BIN/ricochet-ingest" -c "$H_DIR/bad.yaml" --check 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || h_fail "--check accepted an unknown source type"
echo "$out" | grep -q "bad.yaml:[0-9]*:.*unknown source type 'fiel' (did you mean 'file'?)" ||
  h_fail "--check message: $out"
h_pass "--check names the bad source type with file:line and a hint"

h_start_workers ingest
h_wait_metric ingest 'ricochet_ingest_posts_total' 40
cursor() { redis-cli -p "$H_REDIS_PORT" GET ricochet:cursor:backfill; }
at_end() {
  local c s
  c=$(cursor); s=$(stat -c %s "$FEED")
  [ "$c" = "$s" ] && return 0
  echo "cursor $c, file size $s" >&2; return 1
}
h_wait_until 10 "cursor saved at the end of the file" at_end
[ "$(h_metric ingest 'ricochet_ingest_source_lease_held{source="backfill"}')" = 1 ] || h_fail "lease gauge not 1"
h_pass "40 posts produced, cursor = file size ($(cursor)), lease held"

# Appended lines are followed, a malformed one is dead-lettered, and the
# cursor moves past both.
{ mk 41 45; echo '{"platform":"generic","id":"broken"'; } >>"$FEED"
h_wait_metric ingest 'ricochet_ingest_posts_total' 45
h_wait_until 10 "cursor past the appended lines" at_end
dead_lettered() { [ "$(h_consume ricochet.dead-letter dead_letter 1 | wc -l)" -ge 1 ]; }
h_wait_until 15 "malformed line dead-lettered" dead_lettered
grep -q "dead-letter (parse) source backfill:" "$H_DIR/ingest.log" || h_fail "the dead letter's log line does not name the source"
h_pass "appended lines followed; the malformed one dead-lettered; cursor at the end"

# A second replica with the same config does not read while the first
# holds the lease.
cp "$H_CONFIG" "$H_DIR/replica.yaml"
P2=$(h_free_port)
sed -i "0,/http_port: ${H_PORT[ingest]}/s//http_port: $P2/" "$H_DIR/replica.yaml"
"$RICOCHET_BIN/ricochet-ingest" -c "$H_DIR/replica.yaml" >>"$H_DIR/replica.log" 2>&1 &
R2=$!
H_PIDS+=($R2)
m2() { curl -s "http://127.0.0.1:$P2/metrics" | awk -v k="$1" '$1==k {print $2; f=1} END {if(!f) print 0}'; }
m2_at_least() { [ "$(m2 "$1")" -ge "$2" ] 2>/dev/null; }
replica_ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/readyz")" = 200 ]; }
h_wait_until 20 "replica ready" replica_ready
sleep 1.5
[ "$(m2 'ricochet_ingest_source_lease_held{source="backfill"}')" = 0 ] || h_fail "second replica took a held lease"
[ "$(m2 'ricochet_ingest_source_payloads_total{source="backfill"}')" = 0 ] || h_fail "second replica read the file"
h_pass "a second replica waits while the first holds the lease"

# The first stops (hands the lease back); the second takes over at the
# cursor: only lines appended since are produced, none twice.
h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ingest exited $H_RC on SIGTERM"
mk 46 50 >>"$FEED"
h_wait_until 20 "replica takes the lease" m2_at_least 'ricochet_ingest_source_lease_held{source="backfill"}' 1
h_wait_until 20 "replica reads the new lines" m2_at_least ricochet_ingest_posts_total 5
sleep 1
[ "$(m2 'ricochet_ingest_posts_total')" = 5 ] || h_fail "replica produced $(m2 'ricochet_ingest_posts_total'), expected 5"
[ "$(m2 'ricochet_ingest_duplicates_total')" = 0 ] || h_fail "replica re-read lines before the cursor"
h_consume ricochet.posts post 51 >"$H_DIR/posts.jsonl"
dups=$(jq -r .id "$H_DIR/posts.jsonl" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || h_fail "$dups post ids produced twice"
total=$(wc -l <"$H_DIR/posts.jsonl")
[ "$total" = 50 ] || h_fail "posts topic holds $total posts, expected 50"
h_pass "the other replica took over at the cursor: 50 posts in all, none twice"
kill -TERM $R2
wait $R2 || h_fail "replica exit status $?"
