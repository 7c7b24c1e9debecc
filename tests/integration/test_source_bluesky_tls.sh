#!/usr/bin/env bash
# The bluesky_jetstream source over wss:// (the production default): the
# Jetstream fixture serves TLS with a throw-away certificate for
# "localhost". With ca_file naming that certificate every event arrives; a
# source that trusts only the system's CAs refuses the server (certificate
# verification is on), and so does one that trusts the certificate but
# reaches the server as 127.0.0.1, a name the certificate does not carry
# (host name verification is on). Both back off without submitting anything.
source "$(dirname "$0")/lib/harness.sh"
command -v openssl >/dev/null || h_fail "openssl is needed"

DATA="$RICOCHET_SOURCE_DIR/tests/fixtures/bluesky"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$H_DIR/key.pem" -out "$H_DIR/cert.pem" -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" 2>"$H_DIR/openssl.log" ||
  h_fail "openssl could not make a certificate: $(cat "$H_DIR/openssl.log")"

h_start_redis
h_start_broker
pf="$H_DIR/jetstream.port"
"$RICOCHET_BIN/jetstream_fixture" --events "$DATA/events.jsonl" --port-file "$pf" --log "$H_DIR/jetstream.jsonl" \
  --tls-cert "$H_DIR/cert.pem" --tls-key "$H_DIR/key.pem" >>"$H_DIR/jetstream.log" 2>&1 &
H_PIDS+=($!)
for _ in $(seq 1 200); do [ -s "$pf" ] && break; sleep 0.05; done
JS_PORT=$(cat "$pf" 2>/dev/null || true)
[ -n "$JS_PORT" ] || h_fail "jetstream_fixture did not start: $(tail -n 5 "$H_DIR/jetstream.log")"

h_write_config "$H_DIR/ricochet.yaml" </dev/null
h_config_section ingest "  sources:
    trusted:
      type: bluesky_jetstream
      base_url: wss://localhost:$JS_PORT
      ca_file: $H_DIR/cert.pem
      profile_lookup: false
    untrusted:
      type: bluesky_jetstream
      base_url: wss://localhost:$JS_PORT
      profile_lookup: false
      backoff_initial: 200ms
      backoff_max: 1s
    wrong_host:
      type: bluesky_jetstream
      base_url: wss://127.0.0.1:$JS_PORT
      ca_file: $H_DIR/cert.pem
      profile_lookup: false
      backoff_initial: 200ms
      backoff_max: 1s"
h_start_worker ingest
h_wait_ready ingest

# 8 of the 14 events are posts of app.bsky.feed.post, the one collection
# subscribed to by default (tests/fixtures/bluesky/README.md).
h_wait_metric ingest ricochet_ingest_posts_total 8 20
sleep 0.5
[ "$(h_metric ingest ricochet_ingest_posts_total)" = 8 ] || h_fail "posts_total $(h_metric ingest ricochet_ingest_posts_total), expected 8"
[ "$(h_metric ingest 'ricochet_ingest_source_events_total{source="trusted",event="connected"}')" = 1 ] ||
  h_fail "trusted: not connected once"
h_pass "wss:// with ca_file: every post arrives"

h_wait_metric ingest 'ricochet_ingest_source_failures_total{source="untrusted"}' 2 15
h_wait_metric ingest 'ricochet_ingest_source_failures_total{source="wrong_host"}' 2 15
for s in untrusted wrong_host; do
  [ "$(h_metric ingest "ricochet_ingest_source_events_total{source=\"$s\",event=\"connected\"}")" = 0 ] ||
    h_fail "$s: connected to a server whose certificate it cannot verify"
  [ "$(h_metric ingest "ricochet_ingest_source_payloads_total{source=\"$s\"}")" = 0 ] || h_fail "$s: submitted payloads"
done
[ "$(jq -s length "$H_DIR/jetstream.jsonl")" = 1 ] ||
  h_fail "a WebSocket besides the trusted one was opened: $(cat "$H_DIR/jetstream.jsonl")"
h_pass "wss:// to a server the system CAs do not vouch for, or under a name its certificate lacks: refused, retried"

h_stop_worker ingest
[ "$H_RC" = 0 ] || h_fail "ingest exited $H_RC on SIGTERM"
h_pass "SIGTERM: exit 0"
