#!/usr/bin/env bash
# The scripted HTTP replay fixture (build/bin/replay_fixture) that the
# source contract tests run against, driven with curl: responses served in
# order then repeated (or exhausted), query and header matching (401 with a
# JSON body), body_file, streams (lines at a pace, X keep-alives, SSE, a
# clean end, a cut connection, a held one), delays, placeholders, padding,
# the request log, and a clean SIGTERM with a stream still held.
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"

T0=$SECONDS
step() { h_pass "$* (t=$((SECONDS - T0)) s)"; }
ms_now() { date +%s%3N; }

D="$H_DIR/replay"
mkdir -p "$D/files"
# An X filtered-stream capture: three posts and a keep-alive (empty line).
cat >"$D/files/stream.jsonl" <<'EOF'
{"data":{"id":"1001","text":"first"},"matching_rules":[{"id":"r1","tag":"brand"}]}
{"data":{"id":"1002","text":"second"},"matching_rules":[{"id":"r1","tag":"brand"}]}

{"data":{"id":"1003","text":"third"},"matching_rules":[{"id":"r1","tag":"brand"}]}
EOF
printf '{"kind":"Listing","data":{"after":null,"children":[]}}\n\tbinary-ish: \001\002 end' >"$D/files/listing.json"

cat >"$D/script.json" <<'EOF'
[
  {"path": "/2/tweets/search/recent", "query_contains": ["since_id=123", "max_results=10"],
   "header_equals": {"Authorization": "Bearer T"},
   "responses": [{"json": {"meta": {"result_count": 0}}}]},
  {"path": "/2/tweets/search/recent", "header_equals": {"Authorization": "Bearer T"},
   "responses": [
     {"json": {"data": [{"id": "124", "text": "page one"}], "meta": {"newest_id": "124", "result_count": 1}},
      "headers": {"x-rate-limit-remaining": "1", "x-rate-limit-reset": "${now_epoch+900}"}},
     {"status": 429, "json": {"title": "Too Many Requests", "status": 429},
      "headers": {"x-rate-limit-remaining": "0", "x-rate-limit-reset": "${now_epoch+60}"}}
   ]},
  {"path": "/api/v1/timelines/public", "header_equals": {"Authorization": "Bearer M"},
   "unauthorized": {"json": {"error": "The access token is invalid"}},
   "repeat_last": false, "exhausted_status": 410,
   "responses": [{"body": "[{\"id\":\"1\"}]"}, {"body": "[]"}]},
  {"path": "/r/brand/new.json", "responses": [{"body_file": "files/listing.json",
                                               "headers": {"Content-Type": "application/json"}}]},
  {"method": "POST", "path": "/oauth/token", "responses": [{"status": 201, "body": "at ${now_epoch} +5=${now_epoch+5} -5=${now_epoch-5} ${other} ${now_epoch+}"}]},
  {"path": "/paced", "responses": [{"stream": [
     {"lines_file": "files/stream.jsonl", "repeat": 3, "delay_ms": 25}, {"data": "\r\n"}]}]},
  {"path": "/fast", "responses": [{"stream": [{"lines_file": "files/stream.jsonl", "repeat": 2000}]}]},
  {"path": "/sse", "responses": [{"headers": {"Content-Type": "text/event-stream"}, "stream": [
     {"data": ":thump\n"}, {"data": "event: update\ndata: {\"id\":\"7\"}\n\n"}, {"delay_ms": 50},
     {"data_file": "files/listing.json"}, {"close": true}, {"data": "never sent"}]}]},
  {"path": "/cut", "responses": [{"stream": [{"data": "{\"data\":{\"id\":\"1\"}}\r\n"}, {"abort": true},
     {"data": "never sent"}]}]},
  {"path": "/held", "responses": [{"stream": [{"data": "{\"data\":{\"id\":\"1\"}}\r\n"}, {"hold": true}]}]},
  {"path": "/slow", "responses": [{"delay_ms": 300, "body": "late"}, {"delay_ms": 5000, "body": "too late"}]},
  {"path": "/big", "responses": [{"body_size": 100000}]},
  {"path": "/endless", "responses": [{"stream": [{"lines_file": "files/stream.jsonl", "repeat": 1000000000}]}]}
]
EOF
h_start_replay "$D/script.json"
U=$H_REPLAY_URL
[ -f "$H_DIR/replay-1.log" ] || h_fail "the fixture's stderr is not in \$H_DIR/replay-1.log"
step "fixture up on port $H_REPLAY_PORT"

# ---- matching, order, repeat_last, exhaustion ------------------------------
code=$(h_http GET "$U/2/tweets/search/recent?query=brand")
[ "$code" = 401 ] || h_fail "no bearer token: got $code, want 401"
[ "$(jq -c . "$H_DIR/http.out")" = '{"title":"Unauthorized","status":401}' ] ||
  h_fail "default 401 body: $(cat "$H_DIR/http.out")"
code=$(h_http GET "$U/2/tweets/search/recent?query=brand" -H 'Authorization: Bearer wrong')
[ "$code" = 401 ] || h_fail "wrong bearer token: got $code, want 401"
code=$(h_http GET "$U/2/tweets/search/recent?query=brand&since_id=123&max_results=10" -H 'Authorization: Bearer T')
[ "$code" = 200 ] && [ "$(jq -r .meta.result_count "$H_DIR/http.out")" = 0 ] ||
  h_fail "query_contains route (the more specific, first) not taken: $code $(cat "$H_DIR/http.out")"
# Only one of the two substrings: falls through to the general route.
code=$(h_http GET "$U/2/tweets/search/recent?since_id=123" -H 'Authorization: Bearer T')
[ "$code" = 200 ] && [ "$(jq -r '.data[0].id' "$H_DIR/http.out")" = 124 ] ||
  h_fail "general route, first response: $code $(cat "$H_DIR/http.out")"
# The 401s and the other route did not use up the general route's responses:
# the next one is its second, then the second repeats.
for i in 1 2; do
  code=$(h_http GET "$U/2/tweets/search/recent?query=brand" -H 'Authorization: Bearer T')
  [ "$code" = 429 ] && [ "$(jq -r .title "$H_DIR/http.out")" = "Too Many Requests" ] ||
    h_fail "second response (call $i, repeat_last): $code $(cat "$H_DIR/http.out")"
done
step "header_equals (401 default body), query_contains, order and repeat_last"

code=$(h_http GET "$U/api/v1/timelines/public")
[ "$code" = 401 ] && [ "$(jq -r .error "$H_DIR/http.out")" = "The access token is invalid" ] ||
  h_fail "custom unauthorized response: $code $(cat "$H_DIR/http.out")"
got=""
for i in 1 2 3 4; do
  got+="$(h_http GET "$U/api/v1/timelines/public?limit=40" -H 'Authorization: Bearer M'):$(cat "$H_DIR/http.out") "
done
[ "$(jq -r .title "$H_DIR/http.out")" = Exhausted ] || h_fail "exhausted body: $(cat "$H_DIR/http.out")"
[ "$got" = "200:[{\"id\":\"1\"}] 200:[] 410:$(cat "$H_DIR/http.out") 410:$(cat "$H_DIR/http.out") " ] ||
  h_fail "repeat_last false + exhausted_status 410: $got"

code=$(h_http GET "$U/no/such/path?x=1")
[ "$code" = 404 ] && [ "$(jq -r .path "$H_DIR/http.out")" = /no/such/path ] ||
  h_fail "unmatched path: $code $(cat "$H_DIR/http.out")"
code=$(h_http POST "$U/r/brand/new.json")
[ "$code" = 404 ] || h_fail "a route is for its method only: POST to a GET route got $code"
step "custom unauthorized, exhausted_status, unmatched 404"

# ---- bodies ----------------------------------------------------------------
code=$(h_http GET "$U/r/brand/new.json")
[ "$code" = 200 ] && cmp -s "$H_DIR/http.out" "$D/files/listing.json" || h_fail "body_file not sent verbatim"
t=$(date +%s)
code=$(h_http POST "$U/oauth/token" --data-binary 'grant_type=client_credentials')
[ "$code" = 201 ] || h_fail "POST route: $code"
read -r _ a b c other bad <"$H_DIR/http.out" || true # (no final newline)
[ "$a" -ge "$t" ] && [ "$a" -le $((t + 2)) ] || h_fail "\${now_epoch} gave '$a' (now $t)"
[ "$b" = "+5=$((a + 5))" ] && [ "$c" = "-5=$((a - 5))" ] || h_fail "\${now_epoch+-N}: '$b' '$c' (now_epoch $a)"
[ "$other" = '${other}' ] && [ "$bad" = '${now_epoch+}' ] || h_fail "non-placeholders changed: '$other' '$bad'"
curl -s -D "$H_DIR/headers.out" -o /dev/null -H 'Authorization: Bearer T' "$U/2/tweets/search/recent"
reset=$(tr -d '\r' <"$H_DIR/headers.out" | sed -n 's/^x-rate-limit-reset: //Ip')
[ "$reset" -ge $((t + 60)) ] && [ "$reset" -le $((t + 62)) ] || h_fail "x-rate-limit-reset header '$reset', now $t"
grep -qi '^content-type: application/json' "$H_DIR/headers.out" || h_fail "json responses default to application/json"
code=$(h_http GET "$U/big")
[ "$code" = 200 ] && [ "$(wc -c <"$H_DIR/http.out")" = $((100000 + 11)) ] &&
  [ "$(jq -r '.data | length' "$H_DIR/http.out")" = 100000 ] && [ "$(jq -r '.data[0:3]' "$H_DIR/http.out")" = xxx ] ||
  h_fail "body_size 100000: $(head -c 40 "$H_DIR/http.out")..."
step "body_file, placeholders in body and headers, body_size"

# ---- streams ---------------------------------------------------------------
t=$(ms_now)
curl -s --max-time 10 -o "$H_DIR/paced.out" "$U/paced" || h_fail "paced stream: curl exit $?"
el=$(($(ms_now) - t))
# 4 lines x 3 repeats, 25 ms between lines: at least 11 gaps.
[ "$el" -ge 275 ] || h_fail "paced stream took $el ms, want >= 275"
[ "$(grep -c '^{"data"' "$H_DIR/paced.out")" = 9 ] || h_fail "paced stream: $(grep -c '^{"data"' "$H_DIR/paced.out") posts, want 9"
[ "$(grep -o '"id":"100[0-9]"' "$H_DIR/paced.out" | tr -d '\n')" = "$(printf '"id":"1001""id":"1002""id":"1003"%.0s' 1 2 3)" ] ||
  h_fail "paced stream out of order"
# Every line ends in CRLF; 3 blank lines from the file, 1 trailing keep-alive.
[ "$(grep -c $'\r$' "$H_DIR/paced.out")" = 13 ] && [ "$(wc -l <"$H_DIR/paced.out")" = 13 ] ||
  h_fail "paced stream: $(wc -l <"$H_DIR/paced.out") lines, $(grep -c $'\r$' "$H_DIR/paced.out") with CRLF, want 13"
[ "$(grep -c $'^\r$' "$H_DIR/paced.out")" = 4 ] || h_fail "keep-alive lines missing"
curl -s --max-time 10 -o "$H_DIR/fast.out" "$U/fast" || h_fail "fast stream: curl exit $?"
[ "$(grep -c '^{"data"' "$H_DIR/fast.out")" = 6000 ] && [ "$(wc -l <"$H_DIR/fast.out")" = 8000 ] ||
  h_fail "full-speed stream: $(grep -c '^{"data"' "$H_DIR/fast.out") posts, want 6000"
curl -s --max-time 10 -o "$H_DIR/sse.out" -D "$H_DIR/sse.headers" "$U/sse" || h_fail "sse stream: curl exit $?"
exp=$':thump\nevent: update\ndata: {"id":"7"}\n\n{"kind":"L'
[ "$(head -c ${#exp} "$H_DIR/sse.out")" = "$exp" ] ||
  h_fail "sse stream: $(head -c 60 "$H_DIR/sse.out" | od -c | head -3)"
grep -q 'never sent' "$H_DIR/sse.out" && h_fail "data after close was sent"
[ "$(tail -c 4 "$H_DIR/sse.out")" = " end" ] || h_fail "data_file not whole in stream"
grep -qi '^content-type: text/event-stream' "$H_DIR/sse.headers" || h_fail "stream headers"
grep -qi '^transfer-encoding: chunked' "$H_DIR/sse.headers" || h_fail "streams are chunked"
step "lines_file with repeat and delay, full speed, SSE data with newlines, close"

set +e
curl -s --max-time 10 -o "$H_DIR/cut.out" "$U/cut"
rc=$?
set -e
[ "$rc" = 18 ] || h_fail "abort: curl exit $rc, want 18 (partial transfer)"
[ "$(cat "$H_DIR/cut.out")" = '{"data":{"id":"1"}}'$'\r' ] || h_fail "abort: the data before the cut was not received"
t=$(ms_now)
set +e
curl -s --max-time 1 -o "$H_DIR/held.out" "$U/held"
rc=$?
set -e
el=$(($(ms_now) - t))
[ "$rc" = 28 ] && [ "$el" -ge 950 ] || h_fail "hold: curl exit $rc after $el ms, want 28 after 1 s"
grep -q '"id":"1"' "$H_DIR/held.out" || h_fail "hold: the data before the hold was not received"
# A client that gives up on a stream at full speed: MHD sees the send fail;
# no crash, no leak (the ASan build checks), and the next request is served.
set +e
curl -s --max-time 0.3 -o /dev/null "$U/endless"
rc=$?
set -e
[ "$rc" = 28 ] || h_fail "endless stream: curl exit $rc, want 28"
# Keep-alive: two requests on one connection, each with its own context.
n=$(curl -s --max-time 10 -w '%{num_connects} ' -o "$H_DIR/k1.out" "$U/r/brand/new.json" \
  -o "$H_DIR/k2.out" "$U/r/brand/new.json")
[ "$n" = "1 0 " ] && cmp -s "$H_DIR/k1.out" "$D/files/listing.json" && cmp -s "$H_DIR/k2.out" "$D/files/listing.json" ||
  h_fail "two requests on one connection: connects '$n'"
step "abort cuts the transfer (curl 18), hold keeps it open (curl 28), a client leaving mid-stream, keep-alive"

# ---- delays; a held stream blocks nobody -----------------------------------
curl -s --max-time 30 -o "$H_DIR/held2.out" "$U/held" &
HELD_CURL=$!
t=$(ms_now)
[ "$(h_http GET "$U/slow"):$(cat "$H_DIR/http.out")" = 200:late ] || h_fail "delayed response"
el=$(($(ms_now) - t))
[ "$el" -ge 290 ] && [ "$el" -lt 3000 ] || h_fail "delay_ms 300 answered after $el ms"
set +e
curl -s --max-time 0.5 -o /dev/null "$U/slow"
rc=$?
set -e
[ "$rc" = 28 ] || h_fail "delay_ms 5000 with --max-time 0.5: curl exit $rc, want 28"
step "delay_ms before answering, while another client holds a stream"

# ---- the request log --------------------------------------------------------
L=$H_REPLAY_LOG
[ "$(h_replay_count /2/tweets/search/recent)" = 7 ] || h_fail "h_replay_count search: $(h_replay_count /2/tweets/search/recent)"
[ "$(h_replay_count /held)" = 2 ] || h_fail "h_replay_count held: $(h_replay_count /held)"
[ "$(h_replay_count new.json)" = 4 ] || h_fail "h_replay_count new.json: $(h_replay_count new.json)"
[ "$(h_replay_count /nothing-like-this)" = 0 ] || h_fail "h_replay_count of an unseen path"
jq -e -s 'map(select(.path == "/2/tweets/search/recent" and (.query | contains("since_id=123"))
                    and .headers.authorization == "Bearer T")) | length == 2' "$L" >/dev/null ||
  h_fail "log: since_id and bearer token"
jq -e -s '[.[] | select(.path == "/2/tweets/search/recent") | [.route, .response, .status]]
          == [[1,null,401],[1,null,401],[0,0,200],[1,0,200],[1,1,429],[1,1,429],[1,1,429]]' "$L" >/dev/null ||
  h_fail "log: route/response/status of the search calls: $(jq -c -s '[.[] | select(.path == "/2/tweets/search/recent") | [.route, .response, .status]]' "$L")"
jq -e -s 'map(select(.path == "/no/such/path")) | .[0] | .route == null and .response == null and .status == 404
          and .query == "x=1" and .method == "GET"' "$L" >/dev/null || h_fail "log: unmatched request"
jq -e -s 'map(select(.path == "/oauth/token")) | .[0] | .method == "POST" and .body == "grant_type=client_credentials"
          and .headers["content-type"] == "application/x-www-form-urlencoded"' "$L" >/dev/null || h_fail "log: POST body"
jq -e -s 'map(select(.path == "/api/v1/timelines/public" and .status == 410)) | length == 2' "$L" >/dev/null ||
  h_fail "log: exhausted requests"
jq -e -s 'all(.[]; (.ts_ms | type) == "number" and (.headers | keys | all(. == ascii_downcase)))' "$L" >/dev/null ||
  h_fail "log: ts_ms and lower-case header names"
step "request log: $(wc -l <"$L") lines"

# ---- script errors ----------------------------------------------------------
echo '[{"path": "/x", "responses": [{"jsn": {}}]}]' >"$D/bad.json"
set +e
"$RICOCHET_BIN/replay_fixture" --script "$D/bad.json" --port-file "$D/bad.port" 2>"$H_DIR/replay-bad.log"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "routes\[0\].responses\[0\]: unknown key 'jsn'" "$H_DIR/replay-bad.log" ||
  h_fail "bad script: exit $rc, $(cat "$H_DIR/replay-bad.log")"
[ ! -e "$D/bad.port" ] || h_fail "bad script: a port file was written"
echo '[{"path": "/x", "responses": [{"body_file": "missing.json"}]}]' >"$D/bad2.json"
set +e
"$RICOCHET_BIN/replay_fixture" --script "$D/bad2.json" --port-file "$D/bad.port" 2>>"$H_DIR/replay-bad.log"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "$D/missing.json: No such file" "$H_DIR/replay-bad.log" ||
  h_fail "missing body_file: exit $rc, $(cat "$H_DIR/replay-bad.log")"
step "script errors say where"

# ---- SIGTERM with a stream still held ---------------------------------------
kill -0 "$HELD_CURL" 2>/dev/null || h_fail "the held stream ended early"
t=$(ms_now)
kill -TERM "$H_REPLAY_PID"
set +e
wait "$H_REPLAY_PID"
rc=$?
wait "$HELD_CURL"
crc=$?
set -e
el=$(($(ms_now) - t))
[ "$rc" = 0 ] || h_fail "SIGTERM: exit status $rc, want 0"
[ "$el" -lt 2000 ] || h_fail "SIGTERM with a held stream took $el ms"
[ "$crc" = 18 ] || h_fail "the held client saw curl exit $crc at shutdown, want 18 (cut)"
grep -q 'SIGTERM, stopping' "$H_DIR/replay-1.log" || h_fail "no stop line in the fixture's log"
step "SIGTERM: exit 0 in $el ms, the held client cut"
