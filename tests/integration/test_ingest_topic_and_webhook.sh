#!/usr/bin/env bash
# ingest consuming raw payloads from ingest.input_topic (main thread) while
# the webhook (HTTP thread) takes posts too: both check the dedup window in
# Redis at the same time. Every post is produced once, none is taken for a
# repeat, and no dedup check fails.
source "$(dirname "$0")/lib/harness.sh"

h_start_redis
h_start_broker
h_write_config "$H_DIR/ricochet.yaml" </dev/null
h_config_section ingest "  input_topic: raw.in
  batch_size: 5"
h_start_workers ingest

N=1500
for i in $(seq 1 $N); do
  printf '{"platform":"generic","id":"k%d","text":"topic post %d","author":{"id":"ka%d","handle":"ku%d"}}\n' \
    "$i" "$i" "$i" "$i"
done >"$H_DIR/topic.jsonl"
for i in $(seq 1 $N); do
  printf '{"platform":"generic","id":"h%d","text":"webhook post %d","author":{"id":"ha%d","handle":"hu%d"}}\n' \
    "$i" "$i" "$i" "$i"
done >"$H_DIR/hook.jsonl"
split -l 5 "$H_DIR/hook.jsonl" "$H_DIR/hook."

"$RICOCHET_BIN/ricochet" produce -b "$H_BOOTSTRAP" -t raw.in --raw <"$H_DIR/topic.jsonl" 2>>"$H_DIR/produce.log" &
producer=$!
for c in "$H_DIR"/hook.*; do
  [ "$c" = "$H_DIR/hook.jsonl" ] && continue
  code=$(h_post_webhook "$c")
  [ "$code" = 202 ] || h_fail "webhook answered $code: $(cat "$H_DIR/webhook.out")"
done
wait "$producer" || h_fail "producing the raw records failed"
h_wait_metric ingest ricochet_ingest_posts_total $((2 * N)) 60
kill -0 "${H_PID[ingest]}" 2>/dev/null || h_fail "ingest exited"
[ "$(h_metric ingest ricochet_ingest_dedup_errors_total)" = 0 ] ||
  h_fail "$(h_metric ingest ricochet_ingest_dedup_errors_total) dedup check(s) failed"
[ "$(h_metric ingest ricochet_ingest_duplicates_total)" = 0 ] ||
  h_fail "$(h_metric ingest ricochet_ingest_duplicates_total) distinct post(s) taken for repeats"
[ "$(h_metric ingest ricochet_ingest_posts_total)" = $((2 * N)) ] ||
  h_fail "ingest produced $(h_metric ingest ricochet_ingest_posts_total) posts for $((2 * N))"
h_pass "$((2 * N)) posts from the topic and the webhook at once: each produced once, no dedup errors"
