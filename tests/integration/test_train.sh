#!/usr/bin/env bash
# ricochet train on a small labelled file: it cross-validates (printing the
# macro-F1 of each head), writes a model the same seed reproduces byte for
# byte, and ricochet-enrich in file mode loads it: with mode replace every
# post's intent and sentiment label are the model's, with combine at
# min_confidence 1 the built-in labels stay. A bad line stops training with
# FILE:LINE and exit 1; a bad model file stops enrich (and --check) with the
# path and the reason.
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"

DATA="$RICOCHET_SOURCE_DIR/tests/data/model/labelled.jsonl"
RC="$RICOCHET_BIN/ricochet"
cd "$H_DIR"

# Training: exit 0, a table per head, a model file.
"$RC" train --in "$DATA" --out model.bin --folds 5 >train.out 2>train.log || h_fail "ricochet train exited $?"
for head in intent sentiment; do
  grep -qE "^  $head macro-F1 [01]\.[0-9]{3}" train.out || h_fail "no $head macro-F1 line: $(cat train.out)"
done
for label in complaint praise question request other negative neutral positive; do
  grep -qE "^  $label +[01]\.[0-9]{3} +[01]\.[0-9]{3} +[01]\.[0-9]{3} +[0-9]+$" train.out ||
    h_fail "no precision/recall/F1 row for $label: $(cat train.out)"
done
[ -s model.bin ] || h_fail "no model file written"
"$RC" train --in "$DATA" --out model2.bin --folds 0 >/dev/null 2>train2.log || h_fail "second training failed"
cmp -s model.bin model2.bin || h_fail "the same data and seed gave a different model file"
"$RC" train --in "$DATA" --out model3.bin --folds 0 --seed 2 >/dev/null 2>train3.log || h_fail "seed 2 failed"
cmp -s model.bin model3.bin && h_fail "another seed gave the same model file"
h_pass "train: 5-fold table and macro-F1 for intent and sentiment; the same seed writes the same $(stat -c %s model.bin)-byte file"

# Posts from the same texts (generic form through ingest's file mode).
jq -c '{id: ("t" + (input_line_number | tostring)), platform: "generic", author: {handle: "tester"}, text}' "$DATA" \
  >generic.jsonl
"$RICOCHET_BIN/ricochet-ingest" --in generic.jsonl --out posts.jsonl 2>ingest.log || h_fail "ingest exited $?"
n=$(wc -l <posts.jsonl)
[ "$n" = "$(grep -c . "$DATA")" ] || h_fail "ingest made $n posts from $(grep -c . "$DATA") lines"

"$RICOCHET_BIN/ricochet-enrich" --in posts.jsonl --out rules.jsonl 2>rules.log || h_fail "enrich without a model exited $?"
[ "$(jq -s 'map(select(.model != null)) | length' rules.jsonl)" = 0 ] || h_fail "model is not null without a model"

cat >replace.yaml <<YAML
enrich:
  model:
    path: $H_DIR/model.bin
    mode: replace
YAML
"$RICOCHET_BIN/ricochet-enrich" -c replace.yaml --check >check.log 2>&1 || h_fail "--check with a good model: $(cat check.log)"
"$RICOCHET_BIN/ricochet-enrich" -c replace.yaml --in posts.jsonl --out - >replace.jsonl 2>replace.log ||
  h_fail "enrich with the model exited $?"
[ "$(wc -l <replace.jsonl)" = "$n" ] || h_fail "enrich with the model wrote $(wc -l <replace.jsonl) of $n records"
bad=$(jq -c 'select(.model == null or .intent != .model.intent or .sentiment.label != .model.sentiment
                    or .model.intent_confidence <= 0 or .model.intent_confidence > 1) | .post.id' replace.jsonl)
[ -z "$bad" ] || h_fail "replace: intent/sentiment not the model's for $bad"
# The model fits its own training lines, the rules do not: the intents
# follow the labels far more often with the model than without.
agree() { jq -r '.intent' "$1" | paste -d' ' - <(jq -r .intent "$DATA") | awk '$1 == $2' | wc -l; }
with_model=$(agree replace.jsonl)
rules=$(agree rules.jsonl)
[ "$with_model" -ge $((n * 9 / 10)) ] || h_fail "replace: only $with_model of $n intents match the training labels"
[ "$with_model" -gt "$rules" ] || h_fail "replace: $with_model intents match the labels, the rules alone $rules"
changed=$(paste -d' ' <(jq -r .intent rules.jsonl) <(jq -r .intent replace.jsonl) | awk '$1 != $2' | wc -l)
[ "$changed" -gt 0 ] || h_fail "replace changed no intent"
h_pass "enrich mode replace: every intent and sentiment label is the model's ($with_model of $n intents match the labels, rules alone $rules; $changed changed)"

cat >combine.yaml <<YAML
enrich:
  model:
    path: $H_DIR/model.bin
    min_confidence: 1
YAML
"$RICOCHET_BIN/ricochet-enrich" -c combine.yaml --in posts.jsonl --out combine.jsonl 2>combine.log ||
  h_fail "enrich combine exited $?"
[ "$(jq -r '[.intent, .sentiment.label] | @tsv' combine.jsonl)" = "$(jq -r '[.intent, .sentiment.label] | @tsv' rules.jsonl)" ] ||
  h_fail "combine at min_confidence 1 changed a built-in label"
[ "$(jq -s 'map(select(.model.intent == null)) | length' combine.jsonl)" = 0 ] || h_fail "combine did not record the model"
h_pass "enrich mode combine at min_confidence 1: the built-in labels stay, the model's answer is recorded"

# A bad model file stops enrich at start, and --check, with path and reason.
head -c 1000 model.bin >cut.bin
sed "s#$H_DIR/model.bin#$H_DIR/cut.bin#" replace.yaml >cut.yaml
rc=0
"$RICOCHET_BIN/ricochet-enrich" -c cut.yaml --check >cutcheck.log 2>&1 || rc=$?
[ "$rc" != 0 ] || h_fail "--check accepted a truncated model"
grep -q "$H_DIR/cut.bin: truncated" cutcheck.log || h_fail "--check did not say why: $(cat cutcheck.log)"
rc=0
"$RICOCHET_BIN/ricochet-enrich" -c cut.yaml --in posts.jsonl --out cut.jsonl 2>cutrun.log || rc=$?
[ "$rc" != 0 ] || h_fail "enrich ran with a truncated model"
grep -q "$H_DIR/cut.bin: truncated" cutrun.log || h_fail "enrich did not say why: $(cat cutrun.log)"
[ ! -s cut.jsonl ] || h_fail "enrich wrote records with a bad model"
h_pass "a truncated model stops enrich and --check (exit $rc) naming the file and the reason"

# Bad data: FILE:LINE and exit 1. Bad usage: exit 2.
{ head -n 2 "$DATA"; echo '{"text": "where is my bag", "intent": "complain"}'; tail -n 3 "$DATA"; } >badlabel.jsonl
rc=0
"$RC" train --in badlabel.jsonl --out bad.bin >/dev/null 2>badlabel.log || rc=$?
[ "$rc" = 1 ] || h_fail "a bad label exited $rc, expected 1"
grep -q 'badlabel.jsonl:3: intent "complain" is not one of complaint praise question request other' badlabel.log ||
  h_fail "no FILE:LINE for the bad label: $(cat badlabel.log)"
[ ! -e bad.bin ] || h_fail "a model was written despite the bad line"
{ head -n 4 "$DATA"; echo '{"text": "half a line'; } >badjson.jsonl
rc=0
"$RC" train --in badjson.jsonl >/dev/null 2>badjson.log || rc=$?
[ "$rc" = 1 ] && grep -q 'badjson.jsonl:5: not JSON' badjson.log || h_fail "bad JSON: exit $rc, $(cat badjson.log)"
rc=0
"$RC" train --in missing.jsonl >/dev/null 2>missing.log || rc=$?
[ "$rc" = 1 ] || h_fail "a missing file exited $rc"
for args in "" "--in $DATA --folds 1" "--in $DATA --bits 40" "--in $DATA --head topic" "--in $DATA --bogus"; do
  rc=0
  # shellcheck disable=SC2086
  "$RC" train $args >/dev/null 2>usage.log || rc=$?
  [ "$rc" = 2 ] || h_fail "'ricochet train $args' exited $rc, expected 2"
done
h_pass "a bad label or bad JSON exits 1 with FILE:LINE; bad options exit 2"
