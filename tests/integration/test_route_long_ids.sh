#!/usr/bin/env bash
# Two authors whose ids are long (ingest accepts up to 256 bytes) and differ
# only at the end are two cases: route must not cut the case key short and
# turn the second author's post into a comment on the first one's ticket.
source "$(dirname "$0")/lib/harness.sh"

long=$(printf 'a%.0s' $(seq 1 250))
printf '{"platform":"generic","id":"l1","text":"my bag is lost","author":{"id":"%s-one","handle":"one"}}\n' "$long" \
  >"$H_DIR/posts.jsonl"
printf '{"platform":"generic","id":"l2","text":"my bag is lost too","author":{"id":"%s-two","handle":"two"}}\n' "$long" \
  >>"$H_DIR/posts.jsonl"
cat >"$H_DIR/ricochet.yaml" <<YAML
route:
  sinks:
    tickets:
      type: file
      path: $H_DIR/tickets.jsonl
  rules:
    - name: everything
      actions:
        - sink: tickets
YAML
"$RICOCHET_BIN/ricochet-ingest" -c "$H_DIR/ricochet.yaml" --in "$H_DIR/posts.jsonl" --out "$H_DIR/p.jsonl" 2>>"$H_DIR/run.log"
"$RICOCHET_BIN/ricochet-enrich" -c "$H_DIR/ricochet.yaml" --in "$H_DIR/p.jsonl" --out "$H_DIR/e.jsonl" 2>>"$H_DIR/run.log"
[ "$(wc -l <"$H_DIR/e.jsonl")" = 2 ] || h_fail "expected 2 enriched posts"
"$RICOCHET_BIN/ricochet-route" -c "$H_DIR/ricochet.yaml" --in "$H_DIR/e.jsonl" --out "$H_DIR/a.jsonl" 2>>"$H_DIR/run.log"
n=$(grep -c '"action":"ticket_created"' "$H_DIR/a.jsonl" || true)
[ "$n" = 2 ] || h_fail "$n ticket(s) for two authors: $(cut -c1-200 "$H_DIR/a.jsonl")"
grep -q -- "-two\"" "$H_DIR/a.jsonl" || h_fail "the Action's case_key lost the end of the author id"
h_pass "two authors with long ids are two cases"
