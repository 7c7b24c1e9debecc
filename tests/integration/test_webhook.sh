#!/usr/bin/env bash
# ricochet-ingest's webhook as a client sees it, with a shared HMAC secret:
# a request without or with a wrong signature is refused (401) and counted;
# a correctly signed one is accepted (202) and its post is on the posts
# topic; a body over ingest.http_max_body is refused (413) and counted; a
# body whose every line is malformed is refused (400) with the reason, and
# the lines are on the dead-letter topic; GET is not a webhook (405).
source "$(dirname "$0")/lib/harness.sh"

SECRET='s3cr3t-for-tests'
h_start_redis
h_start_broker
h_write_config "$H_DIR/ricochet.yaml" </dev/null
h_config_section ingest "  http_max_body: 1KiB
  webhook:
    hmac_secret: $SECRET"
h_start_workers ingest
URL="http://127.0.0.1:${H_PORT[ingest]}/ingest"

cat >"$H_DIR/post.jsonl" <<'EOF2'
{"platform":"x","id":"7001","text":"My flight to DEN is delayed again, nobody at the gate knows anything.","author":{"id":"u-7001","handle":"delayed_dan","followers":120},"created_at":"2026-11-21T10:00:00Z"}
EOF2

# No signature header.
code=$(h_http POST "$URL" --data-binary @"$H_DIR/post.jsonl" -H 'Content-Type: application/x-ndjson')
[ "$code" = 401 ] || h_fail "unsigned request answered $code: $(cat "$H_DIR/http.out")"
grep -q 'missing signature' "$H_DIR/http.out" || h_fail "401 body does not say why: $(cat "$H_DIR/http.out")"
h_pass "a request without a signature is refused with 401"

# A signature made with another secret, and one of another body.
code=$(h_post_webhook_signed "$H_DIR/post.jsonl" "not-$SECRET")
[ "$code" = 401 ] || h_fail "wrongly signed request answered $code: $(cat "$H_DIR/webhook.out")"
grep -q 'does not match' "$H_DIR/webhook.out" || h_fail "401 body does not say why: $(cat "$H_DIR/webhook.out")"
other_sig=$(printf 'another body' | openssl dgst -sha256 -hmac "$SECRET" | awk '{print $NF}')
code=$(h_http POST "$URL" --data-binary @"$H_DIR/post.jsonl" -H "X-Ricochet-Signature: sha256=$other_sig")
[ "$code" = 401 ] || h_fail "request signed for another body answered $code"
# The bare hex without the "sha256=" prefix is not the documented form.
code=$(h_http POST "$URL" --data-binary @"$H_DIR/post.jsonl" \
  -H "X-Ricochet-Signature: $(h_hmac_sha256 "$SECRET" "$H_DIR/post.jsonl")")
[ "$code" = 401 ] || h_fail "signature without sha256= prefix answered $code"
h_pass "wrong signatures are refused with 401"

# Nothing of the refused requests reached Kafka.
[ "$(h_metric ingest ricochet_ingest_posts_total)" = 0 ] || h_fail "a refused request produced a post"

# Correctly signed.
code=$(h_post_webhook_signed "$H_DIR/post.jsonl" "$SECRET")
[ "$code" = 202 ] || h_fail "signed request answered $code: $(cat "$H_DIR/webhook.out")"
grep -q '"accepted":1' "$H_DIR/webhook.out" || h_fail "signed request: $(cat "$H_DIR/webhook.out")"
h_consume ricochet.posts post 1 >"$H_DIR/posts.out"
grep -q '"id":"7001"' "$H_DIR/posts.out" || h_fail "the accepted post is not on ricochet.posts: $(cat "$H_DIR/posts.out")"
h_pass "a correctly signed request is accepted (202) and its post is on the posts topic"

rej=$(h_metric ingest 'ricochet_ingest_webhook_rejected_total{reason="signature"}')
[ "$rej" = 4 ] || h_fail "ricochet_ingest_webhook_rejected_total{reason=\"signature\"} = $rej, expected 4"
h_pass "ricochet_ingest_webhook_rejected_total counts the 4 refused requests"

# Over http_max_body (1 KiB): refused before the signature is even looked at.
{
  printf '{"platform":"x","id":"7002","text":"'
  head -c 3000 /dev/zero | tr '\0' 'a'
  printf '","author":{"id":"u-7002","handle":"big"},"created_at":"2026-11-21T10:00:00Z"}\n'
} >"$H_DIR/big.jsonl"
code=$(h_post_webhook_signed "$H_DIR/big.jsonl" "$SECRET")
[ "$code" = 413 ] || h_fail "oversized body answered $code: $(cat "$H_DIR/webhook.out")"
grep -q '1024' "$H_DIR/webhook.out" || h_fail "413 body does not state the limit: $(cat "$H_DIR/webhook.out")"
[ "$(h_metric ingest ricochet_ingest_http_body_too_large_total)" = 1 ] ||
  h_fail "ricochet_ingest_http_body_too_large_total = $(h_metric ingest ricochet_ingest_http_body_too_large_total)"
# Exactly at the limit is still fine (it is only bigger ones that are refused).
head -c 1024 /dev/zero | tr '\0' ' ' >"$H_DIR/at-limit.jsonl"
code=$(h_post_webhook_signed "$H_DIR/at-limit.jsonl" "$SECRET")
[ "$code" != 413 ] || h_fail "a body of exactly http_max_body was refused with 413"
h_pass "a body over ingest.http_max_body is refused with 413 and counted"

# Every line malformed: 400 with the reason; each line is a dead letter.
cat >"$H_DIR/bad.jsonl" <<'EOF2'
{"platform":"x","id":"7003","text":"unterminated
not json at all
{"platform":"x","id":"7004"}
EOF2
code=$(h_post_webhook_signed "$H_DIR/bad.jsonl" "$SECRET")
[ "$code" = 400 ] || h_fail "all-malformed body answered $code: $(cat "$H_DIR/webhook.out")"
grep -q '"dead_lettered":3' "$H_DIR/webhook.out" || h_fail "400 body: $(cat "$H_DIR/webhook.out")"
grep -q '"error":"line 1 was dead-lettered: .*invalid JSON' "$H_DIR/webhook.out" || h_fail "400 without the reason: $(cat "$H_DIR/webhook.out")"
h_pass "a body of only malformed lines is refused with 400: $(cat "$H_DIR/webhook.out")"
h_consume ricochet.dead-letter dead_letter 3 >"$H_DIR/dead.out"
[ "$(grep -c '"stage":"ingest"' "$H_DIR/dead.out")" = 3 ] || h_fail "expected 3 ingest dead letters: $(cat "$H_DIR/dead.out")"
grep -q 'unterminated' "$H_DIR/dead.out" || h_fail "dead letter lacks the original bytes"
grep -q 'not json at all' "$H_DIR/dead.out" || h_fail "dead letter lacks the original bytes"
grep '7004' "$H_DIR/dead.out" | grep -q '"error_class":"validation"' ||
  h_fail "a JSON object that is no post is not a validation dead letter: $(cat "$H_DIR/dead.out")"
grep 'not json' "$H_DIR/dead.out" | grep -q '"error_class":"parse"' ||
  h_fail "a line that is no JSON is not a parse dead letter: $(cat "$H_DIR/dead.out")"
grep 'not json' "$H_DIR/dead.out" | grep -q '"reason":"[^"]' || h_fail "dead letter without a reason"
h_pass "the malformed lines are on the dead-letter topic with stage, class, reason and bytes"

# Empty body: 400, nothing dead-lettered (there is nothing to keep).
: >"$H_DIR/empty.jsonl"
code=$(h_post_webhook_signed "$H_DIR/empty.jsonl" "$SECRET")
[ "$code" = 400 ] || h_fail "empty body answered $code: $(cat "$H_DIR/webhook.out")"
h_pass "an empty body is refused with 400"

# Not a POST.
code=$(h_http GET "$URL")
[ "$code" = 405 ] || h_fail "GET /ingest answered $code"
code=$(h_http PUT "$URL" --data-binary @"$H_DIR/post.jsonl")
[ "$code" = 405 ] || h_fail "PUT /ingest answered $code"
h_pass "GET and PUT on /ingest answer 405"

# The signature checks are still counted right and ingest still works.
rej=$(h_metric ingest 'ricochet_ingest_webhook_rejected_total{reason="signature"}')
[ "$rej" = 4 ] || h_fail "ricochet_ingest_webhook_rejected_total{reason=\"signature\"} = $rej, expected 4"
sed 's/"7001"/"7005"/' "$H_DIR/post.jsonl" >"$H_DIR/post2.jsonl"
code=$(h_post_webhook_signed "$H_DIR/post2.jsonl" "$SECRET")
[ "$code" = 202 ] || h_fail "a good request after the bad ones answered $code: $(cat "$H_DIR/webhook.out")"
[ "$(h_metric ingest ricochet_ingest_posts_total)" = 2 ] || h_fail "posts_total = $(h_metric ingest ricochet_ingest_posts_total)"
h_pass "a good request after all that is still accepted"

h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ricochet-ingest exited $H_RC on SIGTERM"
h_pass "ricochet-ingest exits 0 on SIGTERM"
