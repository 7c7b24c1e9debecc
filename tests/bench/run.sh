#!/usr/bin/env bash
# make bench: throughput and memory of each stage against a passthrough.
#
#   bash tests/bench/run.sh [BUILD_DIR]        (make bench runs it with "build")
#
# One embedded broker (`ricochet dev --broker-only`, BENCH_PARTITIONS
# partitions per topic) and one redis-server, in a temporary directory that
# is removed on exit. For each stage, in pipeline order:
#   1. the passthrough (bench_passthrough: consume + produce the same bytes,
#      same client settings as the workers, its own consumer group) copies
#      the stage's input topic; its rate (best of two) is the ceiling;
#   2. the worker starts in its own consumer group on the same preloaded
#      input, and bench_meter times it from its /metrics: from the first
#      record taken in (group join not counted) to every output of the N
#      inputs acknowledged (in_flight back to 0);
#   3. its peak RSS (VmHWM) is read, and it is stopped with SIGTERM.
# Inputs: ingest reads BENCH_N raw payloads (bench_gen: X API v2 and the
# generic form) from bench.raw (ingest.input_topic); enrich reads the Posts
# ingest produced; route reads the EnrichedPosts enrich produced, with rules
# that open file tickets for complaints, questions and requests, produce
# praise to a Kafka topic, and match nothing for the rest (Redis case
# lookups for every matched post).
#
# Prints one line per stage:
#   BENCH stage=<s> msgs=<N> msgs_per_s=<X> passthrough_msgs_per_s=<Y> ratio=<X/Y> rss_mb=<M> cpu_us_per_msg=<C>
# (C: the worker's CPU time, all threads, per record, while it was timed)
# and, without Kafka, enrich in file mode over the same posts and the analysers
# alone (rc_analyse() over posts parsed beforehand, bench_enrich_cpu):
#   BENCH stage=enrich-file msgs=<N> msgs_per_s=<X> cpu_msgs_per_s=<C>
#   BENCH stage=analysers msgs=<N> msgs_per_s=<X>
# Exits non-zero if a run failed (not when a target is missed; the targets,
# ratio >= 0.5 (enrich 0.6), rss_mb <= 64 and the analysers >= 100k posts/s,
# are for a human or CI to judge; docs/bench.md has where they stand).
#
# BENCH_KAFKA_EXTRA adds lines under the workers' kafka: section, e.g.
# "  queued.max.messages.kbytes: 16384" to try a smaller prefetch queue.
# BENCH_ENRICH_EXTRA does the same under enrich:, e.g. "  threads: 1".
# BENCH_PERF_DIR=DIR records each worker with `perf record --call-graph
# dwarf` while it is measured, into DIR/<stage>.perf.data (then
# `perf report -i ...`); the numbers of such a run are lower than usual.
#
# BENCH_STAGES (default: all of ingest enrich route ingest-stream enrich-file
# analysers intent-eval model-cv) picks what to measure, e.g.
# "enrich enrich-file analysers"; enrich needs ingest's Posts and route
# enrich's output, so those stages still run (unmeasured) when a later one is
# asked for.
#
# BENCH_N (default 50000) must fit the embedded broker's ~5 MiB per
# partition: 50,000 raw payloads are ~26 MB, under 2 MiB a partition at 16.
set -euo pipefail

BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
export RICOCHET_BIN=$BUILD/bin RICOCHET_SOURCE_DIR=$SRC
N=${BENCH_N:-50000}
PARTITIONS=${BENCH_PARTITIONS:-16}
TIMEOUT=${BENCH_TIMEOUT:-120}
STAGES=${BENCH_STAGES:-ingest enrich route ingest-stream enrich-file analysers intent-eval model-cv}
want() { [[ " $STAGES " == *" $1 "* ]]; }

for b in ricochet ricochet-ingest ricochet-enrich ricochet-route bench_gen bench_load bench_passthrough bench_meter \
         bench_stream_passthrough replay_fixture bench_enrich_cpu; do
  [ -x "$RICOCHET_BIN/$b" ] || { echo "bench: $RICOCHET_BIN/$b missing (run make build)" >&2; exit 1; }
done

# Temp dir, cleanup of every process on exit, free ports, redis-server.
source "$SRC/tests/integration/lib/harness.sh"

# The broker creates every topic it is told about with $PARTITIONS
# partitions: the four pipeline topics and the topics of kafka sinks listed
# in its config, which is where the bench's own topics are named (a topic
# created on first use would get the broker's default of 4).
BENCH_TOPICS=(bench.raw bench.praise bench.pass.raw bench.pass.posts bench.pass.enriched bench.pass.stream)
{
  echo "route:"
  echo "  sinks:"
  for t in "${BENCH_TOPICS[@]}"; do
    printf '    %s:\n      type: kafka\n      topic: %s\n' "${t//./-}" "$t"
  done
} >"$H_DIR/broker.yaml"
"$RICOCHET_BIN/ricochet" dev --broker-only -c "$H_DIR/broker.yaml" --dir "$H_DIR/dev" --partitions "$PARTITIONS" \
  >"$H_DIR/broker.out" 2>"$H_DIR/broker.log" &
H_BROKER_PID=$!
H_PIDS+=($H_BROKER_PID)
for _ in $(seq 1 100); do grep -q bootstrap.servers "$H_DIR/broker.out" 2>/dev/null && break; sleep 0.05; done
H_BOOTSTRAP=$(sed -n 's/^bootstrap.servers=//p' "$H_DIR/broker.out")
[ -n "$H_BOOTSTRAP" ] || h_fail "embedded broker did not start"
h_start_redis

H_PORT[ingest]=$(h_free_port); H_PORT[enrich]=$(h_free_port); H_PORT[route]=$(h_free_port)
H_CONFIG=$H_DIR/ricochet.yaml
cat >"$H_CONFIG" <<YAML
log:
  level: info
kafka:
  bootstrap.servers: $H_BOOTSTRAP
  session.timeout.ms: 6000
  heartbeat.interval.ms: 500
${BENCH_KAFKA_EXTRA:-}
redis:
  url: $H_REDIS_URL
ingest:
  http_port: ${H_PORT[ingest]}
  group_id: bench-ingest
  input_topic: bench.raw
enrich:
  http_port: ${H_PORT[enrich]}
  group_id: bench-enrich
${BENCH_ENRICH_EXTRA:-}
route:
  http_port: ${H_PORT[route]}
  group_id: bench-route
  sinks:
    tickets:
      type: file
      path: $H_DIR/tickets.jsonl
    praise-topic:
      type: kafka
      topic: bench.praise
  rules:
    - name: complaint
      when:
        intent: complaint
      actions:
        - sink: tickets
          subject: "[complaint u{{urgency}}] @{{post.author.handle}}: {{text_short}}"
    - name: needs-answer
      when:
        intent: [request, question]
      actions:
        - sink: tickets
    - name: praise
      when:
        intent: praise
      actions:
        - sink: praise-topic
YAML
"$RICOCHET_BIN/ricochet-route" -c "$H_CONFIG" --check 2>"$H_DIR/check.log" || h_fail "bench config: $(cat "$H_DIR/check.log")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
kv() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; } # kv KEY "k=v k=v" -> v

# passthrough IN_TOPIC OUT_TOPIC -> msgs/s, the best of two runs (each in
# a new consumer group; a run takes well under a second after the group
# join, so a moment of load from elsewhere on the machine weighs a lot).
passthrough() {
  local out best=0 r i
  for i in 1 2; do
    out=$("$RICOCHET_BIN/bench_passthrough" -b "$H_BOOTSTRAP" -t "$1" -o "$2" -n "$N" -g "bench-pass-$1-$i" \
      -T "$TIMEOUT" 2>>"$H_DIR/passthrough.log") || h_fail "passthrough of $1 failed (see passthrough.log)"
    echo "bench: passthrough $1 (run $i): $out" >&2
    r=$(kv msgs_per_s "$out")
    [ "$r" -gt "$best" ] && best=$r
  done
  echo "$best"
}

# stage STAGE PASSTHROUGH_RATE [quiet]: start the worker, time N records, print
# BENCH (not with "quiet": a stage run only for its output, for the next).
stage() {
  local s=$1 pt=$2 quiet=${3:-} out rate cpu hwm perf_pid=
  h_start_worker "$s"
  if [ -n "${BENCH_PERF_DIR:-}" ]; then
    mkdir -p "$BENCH_PERF_DIR"
    perf record -q -e cpu-clock --call-graph dwarf,16384 -F 999 -p "${H_PID[$s]}" -o "$BENCH_PERF_DIR/$s.perf.data" 2>>"$H_DIR/perf.log" &
    perf_pid=$!
  fi
  out=$("$RICOCHET_BIN/bench_meter" -u "http://127.0.0.1:${H_PORT[$s]}/metrics" -s "$s" -n "$N" -T "$TIMEOUT" \
    -p "${H_PID[$s]}" 2>>"$H_DIR/meter.log") ||
    h_fail "ricochet-$s did not carry $N records through (see meter.log, $s.log)"
  echo "bench: ricochet-$s: $out" >&2
  rate=$(kv msgs_per_s "$out")
  cpu=$(kv cpu_us_per_msg "$out")
  hwm=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/${H_PID[$s]}/status")
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
  fi
  h_stop_worker "$s"
  [ "$H_RC" = 0 ] || h_fail "ricochet-$s exited $H_RC on SIGTERM"
  [ -n "$quiet" ] ||
    echo "BENCH stage=$s msgs=$N msgs_per_s=$rate passthrough_msgs_per_s=$pt ratio=$(ratio "$rate" "$pt")" \
      "rss_mb=$hwm cpu_us_per_msg=${cpu:-?}"
}

# Inputs: N raw payloads on bench.raw.
"$RICOCHET_BIN/bench_gen" -n "$N" >"$H_DIR/raw.jsonl"
"$RICOCHET_BIN/bench_load" -b "$H_BOOTSTRAP" -t bench.raw <"$H_DIR/raw.jsonl" 2>>"$H_DIR/load.log" ||
  h_fail "could not load bench.raw"

# A stage measured or needed for a later one's input: its passthrough only
# when measured.
run_stage() { # run_stage STAGE IN_TOPIC PASS_TOPIC
  if want "$1"; then
    stage "$1" "$(passthrough "$2" "$3")"
  else
    stage "$1" 0 quiet
  fi
}
if want ingest || want enrich || want route; then run_stage ingest bench.raw bench.pass.raw; fi
if want enrich || want route; then run_stage enrich ricochet.posts bench.pass.posts; fi
if want route; then run_stage route ricochet.enriched bench.pass.enriched; fi

# Ingest from a source: the X filtered stream (x_stream) read from the
# replay fixture at full speed, against bench_stream_passthrough reading the
# same stream and producing each line unchanged. The dedup window is
# emptied first: the stream carries posts ingest has already seen above.
if want ingest-stream; then
  "$RICOCHET_BIN/bench_gen" -n "$N" -x 100 -s 7 | grep . >"$H_DIR/stream.jsonl"
  cat >"$H_DIR/stream-script.json" <<JSON
[{"path": "/2/tweets/search/stream",
  "responses": [{"status": 200, "headers": {"Content-Type": "application/json"},
                 "stream": [{"lines_file": "$H_DIR/stream.jsonl"}, {"hold": true}]}]}]
JSON
  h_start_replay "$H_DIR/stream-script.json" "$H_DIR"
  best=0
  for i in 1 2; do
    out=$("$RICOCHET_BIN/bench_stream_passthrough" -u "$H_REPLAY_URL/2/tweets/search/stream" -b "$H_BOOTSTRAP" \
      -o bench.pass.stream -n "$N" -T "$TIMEOUT" 2>>"$H_DIR/passthrough.log") ||
      h_fail "stream passthrough failed (see passthrough.log)"
    echo "bench: stream passthrough (run $i): $out" >&2
    r=$(kv msgs_per_s "$out")
    [ "$r" -gt "$best" ] && best=$r
  done
  redis-cli -p "$H_REDIS_PORT" FLUSHALL >/dev/null
  sed -e '/^  input_topic: bench.raw$/d' "$H_CONFIG" >"$H_DIR/stream.yaml"
  h_config_section ingest "  sources:
    bench-x:
      type: x_stream
      base_url: $H_REPLAY_URL
      bearer_token: bench
      max_in_flight: 20000" "$H_DIR/stream.yaml"
  H_CONFIG_MAIN=$H_CONFIG
  H_CONFIG=$H_DIR/stream.yaml
  stage ingest "$best" | sed 's/^BENCH stage=ingest /BENCH stage=ingest-stream /'
  H_CONFIG=$H_CONFIG_MAIN
fi

# Enrich in file mode over the same kind of posts (ingest's file mode makes
# them), less the start-up (data files, lexicons) measured with an empty
# input: msgs_per_s on wall-clock time as before, cpu_msgs_per_s on the
# process's user + system time (steadier on a shared machine).
if want enrich-file || want analysers; then
  "$RICOCHET_BIN/ricochet-ingest" --in "$H_DIR/raw.jsonl" --out "$H_DIR/posts.jsonl" 2>>"$H_DIR/file.log"
fi
if want enrich-file; then
  : >"$H_DIR/empty.jsonl"
  TIMEFORMAT='%3R %3U %3S'
  { time "$RICOCHET_BIN/ricochet-enrich" --in "$H_DIR/empty.jsonl" --out /dev/null 2>>"$H_DIR/file.log"; } \
    2>"$H_DIR/time.empty"
  { time "$RICOCHET_BIN/ricochet-enrich" --in "$H_DIR/posts.jsonl" --out /dev/null 2>>"$H_DIR/file.log"; } \
    2>"$H_DIR/time.posts"
  read -r er eu es <"$H_DIR/time.empty"
  read -r fr fu fs <"$H_DIR/time.posts"
  awk -v n="$N" -v er="$er" -v e="$eu" -v es="$es" -v fr="$fr" -v f="$fu" -v fs="$fs" 'BEGIN {
    e += es; f += fs
    printf "BENCH stage=enrich-file msgs=%d msgs_per_s=%.0f cpu_msgs_per_s=%.0f\n", n,
      (fr > er ? n / (fr - er) : 0), (f > e ? n / (f - e) : 0) }'
fi

# The analysers alone (bench_enrich_cpu): rc_analyse() over the posts,
# parsed once beforehand; on CPU time, one thread.
if want analysers; then
  "$RICOCHET_BIN/bench_enrich_cpu" -p analysers -r 3 "$H_DIR/posts.jsonl" | grep '^BENCH'
fi

# Intent and sentiment against the hand-labelled development set
# (tests/data/devset/, docs/bench.md): per-class precision/recall/F1, macro
# F1, accuracy and the confusion matrix per split (tune, holdout, all), and
# the two analysers' CPU cost per post. Files only, no broker.
if want intent-eval; then
  [ -x "$RICOCHET_BIN/bench_intent_eval" ] || h_fail "$RICOCHET_BIN/bench_intent_eval missing (run make build)"
  "$RICOCHET_BIN/bench_intent_eval" --time 20 "$SRC"/tests/data/devset/*.jsonl ||
    h_fail "bench_intent_eval failed"
fi

# The trainable model on the same development set: ricochet train's 5-fold
# cross-validated macro-F1 per head (docs/model.md), next to the built-in
# rules' scores on the same lines, and the prediction speed of the model
# trained on all of it (bench_model).
if want model-cv; then
  cat "$SRC"/tests/data/devset/*.jsonl >"$H_DIR/devset.jsonl"
  "$RICOCHET_BIN/ricochet" train --in "$H_DIR/devset.jsonl" --folds 5 --out "$H_DIR/dev.model" \
    >"$H_DIR/train.out" 2>&1 || { cat "$H_DIR/train.out" >&2; h_fail "ricochet train failed"; }
  awk '/^  (intent|sentiment) macro-F1/ { printf "BENCH eval=model-cv head=%s folds=5 macro_f1=%s accuracy=%s\n", $1, $3, $5 }
       /built-in rules on the same lines/ { printf "BENCH eval=rules head=%s macro_f1=%s accuracy=%s\n", $7, $9, $11 }' \
    "$H_DIR/train.out"
  "$RICOCHET_BIN/bench_model" "$H_DIR/dev.model" "$H_DIR/devset.jsonl" | sed -n 's/^MODEL phase=heads /BENCH eval=model-speed /p'
fi
