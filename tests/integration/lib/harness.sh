# Sourceable helpers for integration tests: a private redis-server, the
# embedded broker (`ricochet dev --broker-only`) and the workers as real
# processes, all on loopback in one temporary directory that is removed
# (and every process stopped) when the test exits.
#
#   source "$(dirname "$0")/lib/harness.sh"
#   h_start_redis; h_start_broker
#   h_write_config "$H_DIR/ricochet.yaml" <<YAML ... YAML   (may use $H_BOOTSTRAP, $H_REDIS_URL)
#   h_start_worker ingest; h_wait_ready ingest
#   h_post_webhook FILE; h_consume TOPIC SCHEMA COUNT
set -euo pipefail

: "${RICOCHET_BIN:?RICOCHET_BIN must point at build/bin}"
: "${RICOCHET_SOURCE_DIR:?RICOCHET_SOURCE_DIR must point at the source tree}"

H_DIR=$(mktemp -d /tmp/ricochet-test.XXXXXX)
H_PIDS=()
declare -gA H_PORT H_PID

h_cleanup() {
  local rc=$?
  # Newest first: workers stop before the broker and Redis they use.
  local i pid
  for ((i=${#H_PIDS[@]}-1; i>=0; i--)); do
    pid=${H_PIDS[$i]}
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  for pid in "${H_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # Under a sanitizer build a report in any process's log fails the test,
  # even from a process whose exit status nobody checked.
  if grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$H_DIR"/*.log >/dev/null 2>&1; then
    echo "FAIL: sanitizer report in $(grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$H_DIR"/*.log | tr '\n' ' ')" >&2
    [ "$rc" = 0 ] && rc=1
  fi
  if [ "$rc" != 0 ]; then
    echo "--- test failed (exit $rc); logs in $H_DIR:" >&2
    for f in "$H_DIR"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 40 "$f" >&2; }; done
  fi
  [ "$rc" = 0 ] && rm -rf "$H_DIR"
  return $rc
}
trap h_cleanup EXIT

h_fail() { echo "FAIL: $*" >&2; exit 1; }
h_pass() { echo "ok: $*"; }

h_free_port() {
  # perl-base is on every Debian system (python3 need not be); port 0 lets
  # the kernel pick a free one.
  perl -MIO::Socket::INET -e \
    'my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0) or die "$!\n"; print $s->sockport, "\n"'
}

h_start_redis() {
  local port; port=$(h_free_port)
  redis-server --port "$port" --bind 127.0.0.1 --dir "$H_DIR" --save "" --appendonly no \
    >"$H_DIR/redis.log" 2>&1 &
  H_PIDS+=($!)
  for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  redis-cli -p "$port" ping >/dev/null || h_fail "redis-server did not start"
  H_REDIS_PORT=$port
  H_REDIS_URL="redis://127.0.0.1:$port"
}

h_start_broker() {
  local cfg="$H_DIR/broker.yaml"
  : >"$cfg"
  # stdin is a FIFO kept open here, so h_broker_cmd can inject faults.
  mkfifo "$H_DIR/broker.ctl"
  exec {H_BROKER_CTL}<>"$H_DIR/broker.ctl"
  "$RICOCHET_BIN/ricochet" dev --broker-only -c "$cfg" --partitions "${1:-4}" <"$H_DIR/broker.ctl" \
    >"$H_DIR/broker.out" 2>"$H_DIR/broker.log" &
  H_BROKER_PID=$!
  H_PIDS+=($H_BROKER_PID)
  for _ in $(seq 1 100); do grep -q bootstrap.servers "$H_DIR/broker.out" 2>/dev/null && break; sleep 0.05; done
  H_BOOTSTRAP=$(sed -n 's/^bootstrap.servers=//p' "$H_DIR/broker.out")
  [ -n "$H_BOOTSTRAP" ] || h_fail "embedded broker did not start"
}

# h_broker_cmd "broker down": a fault-injection command (see `ricochet dev
# --help`); fails unless the broker answers "ok".
h_broker_cmd() {
  local before; before=$(wc -l <"$H_DIR/broker.out")
  echo "$*" >&"$H_BROKER_CTL"
  for _ in $(seq 1 100); do [ "$(wc -l <"$H_DIR/broker.out")" -gt "$before" ] && break; sleep 0.05; done
  [ "$(tail -n 1 "$H_DIR/broker.out")" = ok ] || h_fail "broker command '$*': $(tail -n 1 "$H_DIR/broker.out")"
}

# h_readyz STAGE: the HTTP status of /readyz.
h_readyz() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${H_PORT[$1]}/readyz"; }

# h_write_config FILE: a config for the workers; stdin is appended (route
# rules, sinks...). Ports are free ones.
h_write_config() {
  local f=$1
  H_PORT[ingest]=$(h_free_port); H_PORT[enrich]=$(h_free_port); H_PORT[route]=$(h_free_port)
  cat >"$f" <<YAML
log:
  level: ${H_LOG_LEVEL:-info}
kafka:
  bootstrap.servers: $H_BOOTSTRAP
  # The embedded broker forgets a member that left only when its session
  # times out; a short one lets a restarted worker rejoin quickly.
  session.timeout.ms: 6000
  heartbeat.interval.ms: 500
redis:
  url: $H_REDIS_URL
ingest:
  http_port: ${H_PORT[ingest]}
enrich:
  http_port: ${H_PORT[enrich]}
route:
  http_port: ${H_PORT[route]}
YAML
  # Merge the caller's extra route/ingest keys: they are given indented
  # under a marker so one file holds everything.
  cat >>"$f"
  H_CONFIG=$f
}

h_start_worker() {
  local stage=$1
  "$RICOCHET_BIN/ricochet-$stage" -c "$H_CONFIG" >>"$H_DIR/$stage.log" 2>&1 &
  H_PID[$stage]=$!
  H_PIDS+=($!)
}

h_wait_ready() {
  local stage=$1 i
  for i in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${H_PORT[$stage]}/readyz")" = 200 ] && return 0
    kill -0 "${H_PID[$stage]}" 2>/dev/null || h_fail "ricochet-$stage exited early"
    sleep 0.1
  done
  h_fail "ricochet-$stage not ready after 30 s"
}

# h_stop_worker STAGE: SIGTERM, wait, and return its exit code in H_RC.
h_stop_worker() {
  local stage=$1
  local pid=${H_PID[$stage]}
  kill -TERM "$pid"
  local t0=$SECONDS
  set +e
  wait "$pid"
  H_RC=$?
  set -e
  H_STOP_SECONDS=$((SECONDS - t0))
}

h_post_webhook() {
  curl -s -o "$H_DIR/webhook.out" -w '%{http_code}' -X POST --data-binary @"$1" \
    -H 'Content-Type: application/x-ndjson' "http://127.0.0.1:${H_PORT[ingest]}/ingest"
}

# h_consume TOPIC SCHEMA COUNT [IDLE_MS]: JSON lines of the topic on stdout.
h_consume() {
  "$RICOCHET_BIN/ricochet" consume -b "$H_BOOTSTRAP" -t "$1" -s "$2" -n "$3" -i "${4:-5000}" 2>>"$H_DIR/consume.log"
}

h_metric() { # h_metric STAGE 'name{labels}' -> value (0 if absent)
  curl -s "http://127.0.0.1:${H_PORT[$1]}/metrics" | awk -v k="$2" '$1==k {print $2; f=1} END {if(!f) print 0}'
}

# h_wait_metric STAGE SERIES VALUE [SECONDS]: until the series reaches VALUE.
h_wait_metric() {
  local i v
  for i in $(seq 1 $((${4:-30} * 10))); do
    v=$(h_metric "$1" "$2")
    [ "${v%.*}" -ge "$3" ] 2>/dev/null && return 0
    sleep 0.1
  done
  h_fail "$1 $2 = $v, expected >= $3"
}

# ---- added helpers (webhook, dead letters, RT, Prometheus, file mode) ------

# h_wait_until SECONDS WHAT CMD...: run CMD every 0.2 s until it succeeds;
# fail the test with WHAT after SECONDS.
h_wait_until() {
  local secs=$1 what=$2 i
  shift 2
  for i in $(seq 1 $((secs * 5))); do
    "$@" && return 0
    sleep 0.2
  done
  h_fail "$what (not after $secs s)"
}

# h_config_section SECTION LINES: insert LINES (YAML, already indented two
# spaces) under the top-level SECTION of $H_CONFIG, e.g.
#   h_config_section ingest "  http_max_body: 1KiB"
# (h_write_config's stdin always lands under route:, the last section.)
h_config_section() {
  local sec=$1 lines=$2 f=${3:-$H_CONFIG}
  grep -q "^$sec:\$" "$f" || h_fail "h_config_section: no top-level '$sec:' in $f"
  awk -v sec="$sec:" -v lines="$lines" '{ print } $0 == sec { print lines }' "$f" >"$f.tmp"
  mv "$f.tmp" "$f"
}

# h_http METHOD URL [CURL ARGS...]: the status code on stdout, the body in
# $H_DIR/http.out.
h_http() {
  local method=$1 url=$2
  shift 2
  curl -s --max-time 30 -o "$H_DIR/http.out" -w '%{http_code}' -X "$method" "$@" "$url"
}

# h_hmac_sha256 SECRET FILE: lowercase hex HMAC-SHA256 of FILE's bytes.
h_hmac_sha256() {
  openssl dgst -sha256 -hmac "$1" <"$2" | awk '{print $NF}'
}

# h_post_webhook_signed FILE SECRET [HEADER]: like h_post_webhook, with
# HEADER (default X-Ricochet-Signature): sha256=<hex HMAC of the body>.
h_post_webhook_signed() {
  local sig
  sig=$(h_hmac_sha256 "$2" "$1")
  curl -s --max-time 60 -o "$H_DIR/webhook.out" -w '%{http_code}' -X POST --data-binary @"$1" \
    -H 'Content-Type: application/x-ndjson' -H "${3:-X-Ricochet-Signature}: sha256=$sig" \
    "http://127.0.0.1:${H_PORT[ingest]}/ingest"
}

# h_write_ticket_config RULE [EXTRA]: the usual test config — route with one
# file sink "tickets" at $TICKETS and one rule: RULE is an intent (the rule
# takes only posts of that intent) or "everything". EXTRA: more route keys,
# YAML indented two spaces.
h_write_ticket_config() {
  local when=""
  TICKETS="$H_DIR/tickets.jsonl"
  [ "$1" = everything ] || when=$'      when:\n        intent: '"$1"
  h_write_config "$H_DIR/ricochet.yaml" <<YAML
${2:-}
  sinks:
    tickets:
      type: file
      path: $TICKETS
  rules:
    - name: $1
$when
      actions:
        - sink: tickets
YAML
}

# h_start_workers STAGE...: start each, then wait until each is ready.
h_start_workers() {
  local s
  for s in "$@"; do h_start_worker "$s"; done
  for s in "$@"; do h_wait_ready "$s"; done
}

# h_prometheus_install_if_missing: Debian's prometheus (with promtool);
# needs root or password-less sudo, like rt5_install_if_missing.
h_prometheus_install_if_missing() {
  local sudo=""
  command -v prometheus >/dev/null && command -v promtool >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || h_fail "prometheus is not installed and we are not root"
    sudo="sudo -n"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >&2 ||
    { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update >&2 &&
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >&2; } ||
    h_fail "cannot install prometheus"
  command -v prometheus >/dev/null && command -v promtool >/dev/null || h_fail "prometheus/promtool still missing"
}

# h_start_prometheus STAGE...: a private Prometheus scraping each STAGE's
# /metrics every second (job "ricochet-<stage>"); sets H_PROM_URL and waits
# until it is ready. Stopped with the rest at exit.
h_start_prometheus() {
  local port s cfg="$H_DIR/prometheus.yml"
  port=$(h_free_port)
  {
    echo "global:"
    echo "  scrape_interval: 1s"
    echo "  evaluation_interval: 1s"
    echo "scrape_configs:"
    for s in "$@"; do
      echo "  - job_name: ricochet-$s"
      echo "    static_configs:"
      echo "      - targets: ['127.0.0.1:${H_PORT[$s]}']"
    done
  } >"$cfg"
  promtool check config "$cfg" >"$H_DIR/promtool-config.log" 2>&1 ||
    h_fail "promtool rejects $cfg: $(cat "$H_DIR/promtool-config.log")"
  prometheus --config.file="$cfg" --storage.tsdb.path="$H_DIR/prom" \
    --web.listen-address="127.0.0.1:$port" >"$H_DIR/prometheus.log" 2>&1 &
  H_PROM_PID=$!
  H_PIDS+=($H_PROM_PID)
  H_PROM_URL="http://127.0.0.1:$port"
  local i
  for i in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$H_PROM_URL/-/ready")" = 200 ] && return 0
    kill -0 "$H_PROM_PID" 2>/dev/null || h_fail "prometheus exited early"
    sleep 0.1
  done
  h_fail "prometheus not ready after 30 s"
}

# h_prom_query EXPR: the JSON answer of /api/v1/query.
h_prom_query() {
  curl -s --max-time 10 -G "$H_PROM_URL/api/v1/query" --data-urlencode "query=$1"
}

# h_start_rt5: a private Request Tracker 5 (lib/rt5.sh) in $H_DIR/rt,
# installed first if missing; exports RT5_URL, RT5_USER, RT5_PASSWORD.
# It is stopped at exit, before the rest, and its log shown on failure.
h_start_rt5() {
  # shellcheck source=tests/integration/lib/rt5.sh
  . "$RICOCHET_SOURCE_DIR/tests/integration/lib/rt5.sh"
  rt5_install_if_missing || h_fail "Request Tracker 5 is not installed and cannot be"
  trap _h_rt5_exit EXIT
  rt5_start "$H_DIR/rt" >>"$H_DIR/rt5.log" 2>&1 || h_fail "RT 5 did not start: $(tail -20 "$H_DIR/rt5.log")"
}
_h_rt5_exit() {
  local rc=$?
  if [ "$rc" != 0 ] && [ -n "${RT5_LOG:-}" ] && [ -f "$RT5_LOG" ]; then
    echo "== RT 5 server log $RT5_LOG" >&2
    tail -n 40 "$RT5_LOG" >&2
  fi
  rt5_stop
  (exit "$rc")
  h_cleanup
}

# h_rt PATH [CURL ARGS...]: RT's REST2 answer (JSON) for a GET of PATH
# under /REST/2.0, e.g. h_rt /tickets -G --data-urlencode "query=Queue='General'".
h_rt() {
  local path=$1
  shift
  curl -s --max-time 30 -u "$RT5_USER:$RT5_PASSWORD" "$@" "$RT5_URL/REST/2.0$path"
}

# ---- the scripted HTTP replay fixture (tests/fixtures/README.md) -----------

# h_start_replay SCRIPT [DIR]: build/bin/replay_fixture serving SCRIPT on a
# free port, body/data/lines files relative to DIR (default: the script's
# directory). Sets H_REPLAY_PORT, H_REPLAY_URL (http://127.0.0.1:PORT),
# H_REPLAY_LOG (its request log, $H_DIR/replay-N.jsonl) and H_REPLAY_PID;
# its stderr goes to $H_DIR/replay-N.log (scanned for sanitizer reports).
# Each call starts another fixture (N = 1, 2, ...); all stop at exit.
H_REPLAY_N=0
h_start_replay() {
  local script=$1 dir=${2:-$(dirname "$1")} n pf i
  H_REPLAY_N=$((H_REPLAY_N + 1))
  n=$H_REPLAY_N
  pf="$H_DIR/replay-$n.port"
  H_REPLAY_LOG="$H_DIR/replay-$n.jsonl"
  "$RICOCHET_BIN/replay_fixture" --script "$script" --dir "$dir" --port-file "$pf" --log "$H_REPLAY_LOG" \
    >>"$H_DIR/replay-$n.log" 2>&1 &
  H_REPLAY_PID=$!
  H_PIDS+=($H_REPLAY_PID)
  for i in $(seq 1 200); do
    [ -s "$pf" ] && break
    kill -0 "$H_REPLAY_PID" 2>/dev/null || h_fail "replay_fixture exited: $(tail -n 5 "$H_DIR/replay-$n.log")"
    sleep 0.05
  done
  H_REPLAY_PORT=$(cat "$pf" 2>/dev/null || true)
  [ -n "$H_REPLAY_PORT" ] || h_fail "replay_fixture did not start in 10 s"
  H_REPLAY_URL="http://127.0.0.1:$H_REPLAY_PORT"
}

# h_replay_count PATH_SUBSTRING [LOG]: how many requests the fixture logged
# (in LOG, default the last started one's) whose path contains the string.
h_replay_count() {
  local log=${2:-$H_REPLAY_LOG}
  [ -s "$log" ] || { echo 0; return 0; }
  jq -r --arg s "$1" 'select(.path | contains($s)) | .path' "$log" | wc -l
}
