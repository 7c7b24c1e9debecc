#!/usr/bin/env bash
# Privacy and language end to end in file mode: ricochet-enrich writes
# redacted_text with the email, phone and card replaced while post.text keeps
# them; the ticket route writes through a `file` sink shows only the
# redacted text (subject and body); an untagged German post is labelled
# "de" by detection and left neutral / other, a platform-tagged one "fr"
# likewise; and a bad enrich.language / enrich.privacy value fails --check
# with file:line.
source "$(dirname "$0")/lib/harness.sh"
command -v jq >/dev/null || h_fail "jq is needed"
cd "$H_DIR"

cat >cfg.yaml <<YAML
enrich:
  privacy:
    replacement:
      card: "[card number]"
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

# Generic posts (docs/post-formats.md), normalised by ingest as in production.
cat >in.jsonl <<'JSONL'
{"id": "p1", "text": "@SWA refund still missing! Reach me at jane.doe@example.com or +1 555 123 4567, card 4111 1111 1111 1111 was charged twice for order #55812 on flight 1234", "author": {"id": "u1", "handle": "jane"}, "lang": "en"}
{"id": "p2", "text": "@Lufthansa Mein Koffer ist seit drei Tagen verschwunden und niemand antwortet, das ist schrecklich", "author": {"id": "u2", "handle": "klaus"}}
{"id": "p3", "text": "Vol annulé sans explication, service client horrible", "author": {"id": "u3", "handle": "marie"}, "lang": "fr"}
JSONL
"$RICOCHET_BIN/ricochet-ingest" -c cfg.yaml --in in.jsonl --out posts.jsonl 2>ingest.log || h_fail "ingest exited $?"
[ "$(wc -l <posts.jsonl)" = 3 ] || h_fail "expected 3 posts: $(cat posts.jsonl)"

"$RICOCHET_BIN/ricochet-enrich" -c cfg.yaml --in posts.jsonl --out - 2>enrich.log >enriched.jsonl ||
  h_fail "enrich exited $?"
[ "$(wc -l <enriched.jsonl)" = 3 ] || h_fail "expected 3 enriched records: $(cat enriched.jsonl)"

p1=$(jq -c 'select(.post.id == "p1")' enriched.jsonl)
red=$(jq -r .redacted_text <<<"$p1")
want='@SWA refund still missing! Reach me at [email] or [phone], card [card number] was charged twice for order #55812 on flight 1234'
[ "$red" = "$want" ] || h_fail "redacted_text is \"$red\", expected \"$want\""
[ "$(jq -c .redactions <<<"$p1")" = '["email","phone","card"]' ] || h_fail "redactions: $(jq -c .redactions <<<"$p1")"
orig=$(jq -r .post.text <<<"$p1")
for s in jane.doe@example.com "+1 555 123 4567" "4111 1111 1111 1111"; do
  [[ "$orig" == *"$s"* ]] || h_fail "post.text lost \"$s\": $orig"
done
h_pass "enrich: redacted_text has [email], [phone], [card number]; post.text keeps the original"

p2=$(jq -c 'select(.post.id == "p2")' enriched.jsonl)
[ "$(jq -r '[.language, .language_source, .sentiment.label, .intent] | join(" ")' <<<"$p2")" = "de detected neutral other" ] ||
  h_fail "German post: $(jq -c '{language, language_source, sentiment, intent}' <<<"$p2")"
p3=$(jq -c 'select(.post.id == "p3")' enriched.jsonl)
[ "$(jq -r '[.language, .language_source, .sentiment.label, .intent] | join(" ")' <<<"$p3")" = "fr platform neutral other" ] ||
  h_fail "French post: $(jq -c '{language, language_source, sentiment, intent}' <<<"$p3")"
[ "$(jq -r '[.language_source, .intent] | join(" ")' <<<"$p1")" = "platform complaint" ] ||
  h_fail "p1: $(jq -c '{language_source, intent}' <<<"$p1")"
h_pass "language: untagged German detected as de, tagged French fr; both neutral / other, not read as English"

"$RICOCHET_BIN/ricochet-route" -c cfg.yaml --in enriched.jsonl --out actions.jsonl 2>route.log || h_fail "route exited $?"
[ "$(grep -c '"event":"ticket_opened"' tickets.jsonl)" = 3 ] || h_fail "expected 3 tickets: $(cat tickets.jsonl)"
t1=$(jq -c 'select(.post_id == "p1")' tickets.jsonl)
[ -n "$t1" ] || h_fail "no ticket for p1: $(cat tickets.jsonl)"
for s in jane.doe@example.com "555 123 4567" "4111 1111 1111 1111" "4111"; do
  ! grep -qF -- "$s" <<<"$t1" || h_fail "the ticket shows \"$s\": $t1"
done
body=$(jq -r .body <<<"$t1")
subject=$(jq -r .subject <<<"$t1")
[[ "$body" == *"Reach me at [email] or [phone], card [card number]"* ]] || h_fail "ticket body: $body"
[[ "$subject" == *"Reach me at [email] or [phone]"* ]] || h_fail "ticket subject: $subject"
h_pass "route: the file sink's ticket shows only the redacted text (no address, phone or card)"

printf 'enrich:\n  language:\n    languages: [en, klingon]\n' >bad1.yaml
printf 'enrich:\n  privacy:\n    phone_min_digits: 2\n' >bad2.yaml
out=$("$RICOCHET_BIN/ricochet-enrich" -c bad1.yaml --check 2>&1) && h_fail "--check accepted languages: [en, klingon]"
[[ "$out" == *"bad1.yaml:2:"*"klingon"* ]] || h_fail "--check said: $out"
out=$("$RICOCHET_BIN/ricochet-enrich" -c bad2.yaml --check 2>&1) && h_fail "--check accepted phone_min_digits: 2"
[[ "$out" == *"bad2.yaml:3:"*"phone_min_digits"* ]] || h_fail "--check said: $out"
h_pass "--check: bad enrich.language and enrich.privacy values fail with file:line"
