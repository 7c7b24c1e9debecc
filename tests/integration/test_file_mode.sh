#!/usr/bin/env bash
# The three workers in file mode (--in/--out, JSON Lines) on the sample
# stream: the counts add up (227 lines = 206 posts + 15 repeats + 6 dead
# letters), every enriched record has the documented fields, Kafka is never
# contacted even though the config names a broker, --dry-run decides but
# calls no sink, and '-' reads stdin / writes stdout with the same result.
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"

SAMPLE="$RICOCHET_SOURCE_DIR/examples/posts.jsonl"
[ "$(grep -c . "$SAMPLE")" = 227 ] || h_fail "examples/posts.jsonl no longer has 227 lines; update this test"
cd "$H_DIR"

# A "broker" that only records whether anyone connects to it: if file mode
# contacted Kafka, it would show up here.
TRAP_PORT=$(h_free_port)
perl -MIO::Socket::INET -e '
my $s = IO::Socket::INET->new(Listen => 16, LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], ReuseAddr => 1)
  or die "listen: $!\n";
while (my $c = $s->accept) {
  open(my $log, ">>", $ARGV[1]) or die "$ARGV[1]: $!\n";
  printf $log "connection from %s:%d\n", $c->peerhost, $c->peerport;
  close $log;
  close $c;
}
' "$TRAP_PORT" "$H_DIR/kafka-contacts.log" 2>"$H_DIR/trap.log" &
H_PIDS+=($!)
h_wait_until 10 "the connection recorder did not listen" bash -c "exec 3<>/dev/tcp/127.0.0.1/$TRAP_PORT" 2>/dev/null
# Our own probe must be recorded (that shows the recorder works); then forget it.
h_wait_until 10 "the connection recorder did not record a connection" test -s "$H_DIR/kafka-contacts.log"
rm -f "$H_DIR/kafka-contacts.log"

cat >"$H_DIR/file.yaml" <<YAML
kafka:
  bootstrap.servers: 127.0.0.1:$TRAP_PORT
route:
  sinks:
    tickets:
      type: file
      path: $H_DIR/tickets.jsonl
  rules:
    - name: complaint
      when:
        intent: complaint
      actions:
        - sink: tickets
YAML

t0=$(date +%s%3N)
"$RICOCHET_BIN/ricochet-ingest" -c file.yaml --in "$SAMPLE" --out posts.jsonl --dead-letter dl.jsonl 2>ingest.log ||
  h_fail "ricochet-ingest --in exited $?"
"$RICOCHET_BIN/ricochet-enrich" -c file.yaml --in posts.jsonl --out enriched.jsonl 2>enrich.log ||
  h_fail "ricochet-enrich --in exited $?"
"$RICOCHET_BIN/ricochet-route" -c file.yaml --in enriched.jsonl --out actions.jsonl 2>route.log ||
  h_fail "ricochet-route --in exited $?"
ms=$(($(date +%s%3N) - t0))

[ "$(wc -l <posts.jsonl)" = 206 ] || h_fail "posts.jsonl has $(wc -l <posts.jsonl) lines, expected 206"
[ "$(wc -l <dl.jsonl)" = 6 ] || h_fail "dl.jsonl has $(wc -l <dl.jsonl) lines, expected 6"
grep -qE 'duplicates_dropped[\\]?":15[,}]' ingest.log || h_fail "ingest summary: $(grep summary ingest.log)"
[ "$(jq -s 'map(select(.stage == "ingest" and (.reason | length) > 0 and (.payload | length) > 0)) | length' dl.jsonl)" = 6 ] ||
  h_fail "dead letters lack stage/reason/payload: $(cat dl.jsonl)"
[ "$(jq -r .id posts.jsonl | sort | uniq -d | wc -l)" = 0 ] || h_fail "posts.jsonl has repeated ids"
h_pass "ingest: 227 lines -> 206 posts, 15 repeats dropped, 6 dead letters with stage, reason and bytes"

[ "$(wc -l <enriched.jsonl)" = 206 ] || h_fail "enriched.jsonl has $(wc -l <enriched.jsonl) lines, expected 206"
bad=$(jq -c 'select((.sentiment | type) != "object" or (.sentiment.score | type) != "number"
                    or ([.sentiment.label] | inside(["negative","neutral","positive"]) | not)
                    or ([.intent] | inside(["complaint","praise","question","request","other"]) | not)
                    or (.urgency | type) != "number" or .urgency < 0 or .urgency > 100
                    or (.entities | type) != "object" or (.language | type) != "string"
                    or (.post.id | type) != "string") | .post.id' enriched.jsonl)
[ -z "$bad" ] || h_fail "enriched records without sentiment/intent/urgency/entities/language: $bad"
[ "$(jq -r .post.id enriched.jsonl | sort)" = "$(jq -r .id posts.jsonl | sort)" ] || h_fail "enriched ids differ from posts"
h_pass "enrich: 206 records, each with sentiment, intent, urgency, entities and language"

complaints=$(jq -s 'map(select(.intent == "complaint")) | length' enriched.jsonl)
[ "$complaints" -gt 0 ] || h_fail "no complaint in the sample?"
opened=$(grep -c '"event":"ticket_opened"' tickets.jsonl)
commented=$(grep -c '"event":"comment_added"' tickets.jsonl || true)
[ "$((opened + commented))" = "$complaints" ] || h_fail "$complaints complaints but $opened tickets + $commented comments"
[ "$(jq -s 'map(select(.action == "ticket_created")) | length' actions.jsonl)" = "$opened" ] ||
  h_fail "Actions and tickets file disagree on tickets opened"
[ "$(jq -s 'map(select(.action == "no_match")) | length' actions.jsonl)" = $((206 - complaints)) ] ||
  h_fail "expected $((206 - complaints)) no_match Actions"
[ "$(jq -s 'map(select(.status != "ok")) | length' actions.jsonl)" = 0 ] || h_fail "an Action is not ok"
h_pass "route: $complaints complaints -> $opened tickets + $commented comments; the rest no_match"

[ ! -s kafka-contacts.log ] || h_fail "file mode contacted the configured broker: $(cat kafka-contacts.log)"
h_pass "Kafka was never contacted (the configured bootstrap saw no connection); all three took $ms ms"

# --dry-run: decide, call no sink.
rm -f tickets.jsonl
"$RICOCHET_BIN/ricochet-route" -c file.yaml --dry-run --in enriched.jsonl --out dry.jsonl 2>dry.log ||
  h_fail "ricochet-route --dry-run exited $?"
[ ! -s tickets.jsonl ] || h_fail "--dry-run wrote tickets: $(head -3 tickets.jsonl)"
[ "$(jq -s 'map(select(.status == "dry_run")) | length' dry.jsonl)" = "$complaints" ] ||
  h_fail "expected $complaints dry_run Actions: $(jq -c '{action,status}' dry.jsonl | sort | uniq -c)"
# A dry run remembers the cases it would open (in memory, never in Redis),
# so it makes the same decisions as the real run: as many would-be tickets
# and comments, the comments on the would-be ticket of their case.
dry_opened=$(jq -s 'map(select(.status == "dry_run" and .action == "ticket_created")) | length' dry.jsonl)
dry_comments=$(jq -s 'map(select(.status == "dry_run" and .action == "comment_added")) | length' dry.jsonl)
real_comments=$(jq -s 'map(select(.action == "comment_added")) | length' actions.jsonl)
[ "$dry_opened" = "$opened" ] || h_fail "--dry-run would open $dry_opened tickets, the real run opened $opened"
[ "$dry_comments" = "$real_comments" ] || h_fail "--dry-run would add $dry_comments comments, the real run $real_comments"
[ "$(jq -s 'map(select(.status == "dry_run" and (.external_id // "" | startswith("dry-run-") | not))) | length' dry.jsonl)" = 0 ] ||
  h_fail "a dry-run Action lacks its would-be ticket id"
h_pass "--dry-run: $complaints Actions with status dry_run, no sink called (no tickets file)"

# stdin/stdout with '-': one pipe, the same outcome.
rm -f tickets.jsonl
"$RICOCHET_BIN/ricochet-ingest" -c file.yaml --in - --out - <"$SAMPLE" 2>pipe-ingest.log |
  "$RICOCHET_BIN/ricochet-enrich" -c file.yaml --in - --out - 2>pipe-enrich.log |
  "$RICOCHET_BIN/ricochet-route" -c file.yaml --in - --out - 2>pipe-route.log >pipe-actions.jsonl ||
  h_fail "the stdin/stdout pipe failed"
[ "$(wc -l <pipe-actions.jsonl)" = "$(wc -l <actions.jsonl)" ] ||
  h_fail "the pipe made $(wc -l <pipe-actions.jsonl) Actions, the files $(wc -l <actions.jsonl)"
[ "$(jq -r '[.post_id, .action] | @tsv' pipe-actions.jsonl | sort)" = "$(jq -r '[.post_id, .action] | @tsv' actions.jsonl | sort)" ] ||
  h_fail "the pipe decided differently from the files"
[ "$(grep -c '"event":"ticket_opened"' tickets.jsonl)" = "$opened" ] || h_fail "the pipe opened a different number of tickets"
[ ! -s kafka-contacts.log ] || h_fail "the pipe contacted the configured broker: $(cat kafka-contacts.log)"
h_pass "'-' for stdin/stdout: the same $(wc -l <actions.jsonl) Actions through one pipe"

# A config that names an unreachable broker and no config at all both work.
"$RICOCHET_BIN/ricochet-enrich" --in posts.jsonl --out enriched2.jsonl 2>enrich2.log || h_fail "enrich without -c failed"
[ "$(wc -l <enriched2.jsonl)" = 206 ] || h_fail "enrich without -c: $(wc -l <enriched2.jsonl) lines"
h_pass "file mode needs no config"

# log.level is honoured: at warn, the info summary line is not written, the
# dead letters' warnings are.
printf 'log:\n  level: warn\n' >warn.yaml
"$RICOCHET_BIN/ricochet-ingest" -c warn.yaml --in "$SAMPLE" --out /dev/null 2>warn.log || h_fail "ingest at warn failed"
grep -q '"level":"info"' warn.log && h_fail "log.level warn still writes info lines: $(grep -m1 '"level":"info"' warn.log)"
[ "$(grep -c '"level":"warn".*dead-letter' warn.log)" = 6 ] || h_fail "log.level warn: expected 6 dead-letter warnings"
h_pass "log.level: warn drops info lines and keeps warnings"
