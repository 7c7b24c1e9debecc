#!/usr/bin/env bash
# --check: 0 for a valid config; non-zero with file:line, the key and a hint
# for a typo, a bad value, an unknown kafka property or a bad rule.
source "$(dirname "$0")/lib/harness.sh"

for s in ingest enrich route; do
  RICOCHET_DEV_DIR="$H_DIR" "$RICOCHET_BIN/ricochet-$s" -c "$RICOCHET_SOURCE_DIR/examples/ricochet.yaml" --check \
    2>"$H_DIR/check.err" || h_fail "ricochet-$s --check rejected the example config: $(cat "$H_DIR/check.err")"
done
h_pass "the example config is valid for every worker"

expect_error() { # expect_error STAGE PATTERN <config
  local stage=$1 pattern=$2 f="$H_DIR/bad.yaml"
  cat >"$f"
  if "$RICOCHET_BIN/ricochet-$stage" -c "$f" --check 2>"$H_DIR/check.err"; then
    h_fail "ricochet-$stage --check accepted: $(cat "$f")"
  fi
  grep -qE "$pattern" "$H_DIR/check.err" || h_fail "expected /$pattern/, got: $(cat "$H_DIR/check.err")"
}

expect_error ingest "bad.yaml:4: .*'ingest.dedup_windw'.*did you mean 'ingest.dedup_window'" <<'YAML'
log:
  level: info
ingest:
  dedup_windw: 1h
YAML
h_pass "a misspelt key is reported with file:line and a hint"

expect_error enrich "bad.yaml:2: .*kafka.bootstrap.servrs" <<'YAML'
kafka:
  bootstrap.servrs: localhost:9092
YAML
h_pass "an unknown librdkafka property is reported with its line"

expect_error route "bad.yaml:4: .*no sink named 'tickts'" <<'YAML'
route:
  rules:
    - actions:
        - sink: tickts
YAML
h_pass "a rule naming an unknown sink is reported with its line"

expect_error route "bad.yaml:[0-9]+: .*unknown sink type 'flie'.*did you mean 'file'" <<'YAML'
route:
  sinks:
    t:
      type: flie
      path: /tmp/x
YAML
h_pass "an unknown sink type is reported with a hint"

expect_error ingest "bad.yaml:2: .*RICOCHET_SURELY_UNSET" <<'YAML'
redis:
  url: ${RICOCHET_SURELY_UNSET}
YAML
h_pass "an unset environment variable is reported with its line"

expect_error route "bad.yaml:3: .*intent.*'complain'" <<'YAML'
route:
  rules:
    - when: {intent: complain}
      actions: [{sink: x}]
  sinks: {x: {type: file, path: /tmp/x}}
YAML
h_pass "an unknown intent in a rule is reported"

expect_error enrich "bad.yaml:5: key 'enrich.entities.references\[0\].pattern': bad regular expression at offset 10: missing closing parenthesis" <<'YAML'
enrich:
  entities:
    references:
      - kind: ticket
        pattern: 'TCK-(\d{6}'
YAML
printf 'city\tspringfield\tSpringfield\tUS\ncity\tshelbyville\n' >"$H_DIR/places.tsv"
expect_error enrich "$H_DIR/places.tsv:2: expected 4 or 5 tab-separated fields" <<YAML
enrich:
  entities:
    gazetteer_extra: $H_DIR/places.tsv
YAML
h_pass "enrich: a bad reference pattern and a bad gazetteer line are reported with file:line"

"$RICOCHET_BIN/ricochet-route" --version >"$H_DIR/out.txt"
grep -q '^ricochet-route ' "$H_DIR/out.txt" || h_fail "--version"
"$RICOCHET_BIN/ricochet-route" --help >"$H_DIR/out.txt"
grep -q 'route.case_window' "$H_DIR/out.txt" || h_fail "--help lists no config keys"
h_pass "--version and --help"

# docs/config-reference.md is generated from the same tables; it must match.
bash "$RICOCHET_SOURCE_DIR/scripts/gen-config-reference.sh" "$RICOCHET_BIN" >"$H_DIR/ref.md"
diff -u "$RICOCHET_SOURCE_DIR/docs/config-reference.md" "$H_DIR/ref.md" >"$H_DIR/ref.diff" ||
  h_fail "docs/config-reference.md is stale; run scripts/gen-config-reference.sh build/bin > docs/config-reference.md: $(head -20 "$H_DIR/ref.diff")"
h_pass "docs/config-reference.md matches the config tables"
