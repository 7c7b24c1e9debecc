/*
 * libFuzzer entry point for the whole analyser chain of ricochet-enrich:
 * every analyser in enrich/analysers/registry.c, in order, as rc_analyse()
 * runs them for each post, and the EnrichedPost it builds.
 *
 * Built as fuzz_analyse by -DRICOCHET_FUZZ=ON and run as the ctest test
 * fuzz.analyse (make test-fuzz); seeds in tests/fuzz/corpus/analyse/, see
 * docs/fuzzing.md.
 * fuzz-max-len: 2048 (posts are short; long inputs only slow the search)
 *
 * Input: one byte of flags, then the post text (any bytes: a record from
 * Kafka is not UTF-8-checked before enrich sees it).
 *   bit 0-1  post.lang: none, "en", "es", a malformed tag
 *   bit 2-3  author followers: 0, 5,000, 2,000,000, a negative number
 *   bit 4    verified author
 *   bit 5    metrics large (a viral post)
 *   bit 6    customer lookup result given (tier "gold")
 *   bit 7    created_at malformed
 * Checked besides crashes, leaks and UB: the output is a valid
 * EnrichedPost (it encodes with the Avro schema), urgency is 0..100, the
 * sentiment score -1..1 with a known label, the intent one of the five,
 * every urgency reason and entity a string, and redacted_text is valid
 * UTF-8 whenever the text was.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "serde.h"

static rc_analysers_t *an;
static rc_serde_t *serde;

static int valid_utf8(const char *s, size_t len) {
    json_t *j = json_stringn(s, len); /* jansson validates UTF-8 */
    json_decref(j);
    return j != NULL;
}

static void check_strings(const json_t *arr) {
    size_t i;
    const json_t *v;
    if (!json_is_array(arr))
        abort();
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[512];
    if (an == NULL) {
        an = rc_analysers_new(NULL, err, sizeof(err));
        serde = rc_serde_new(NULL, err, sizeof(err));
        if (an == NULL || serde == NULL)
            abort();
    }
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    static const char *const langs[] = {NULL, "en", "es", "e\xff-"};
    static const json_int_t followers[] = {0, 5000, 2000000, -7};
    json_int_t m = (flags & 0x20) ? 100000 : 1;

    json_t *post = json_pack("{s:s, s:s, s:{s:s, s:s, s:n, s:I, s:b}, s:s, s:o, s:n, s:n, s:n, s:[], s:[], "
                             "s:{s:I, s:I, s:I, s:I}, s:s, s:s, s:s}",
                             "id", "1", "platform", "x", "author", "id", "9", "handle", "fz", "name", "followers",
                             followers[(flags >> 2) & 3], "verified", (flags & 0x10) != 0, "created_at",
                             (flags & 0x80) ? "not a time" : "2026-11-22T06:38:00Z", "lang",
                             langs[flags & 3] ? json_stringn_nocheck(langs[flags & 3], strlen(langs[flags & 3]))
                                              : json_null(),
                             "url", "in_reply_to", "conversation_id", "mentions", "hashtags", "metrics", "likes", m,
                             "reposts", m, "replies", m, "quotes", m, "source_format", "x_v2", "ingested_at",
                             "2026-11-22T06:38:01Z", "event", "post");
    if (post == NULL)
        abort();
    json_object_set_new(post, "text", json_stringn_nocheck(text, len));

    static const char *const tier_attrs = "{\"since\": \"2019\"}";
    json_t *attrs = json_loads(tier_attrs, 0, NULL);
    rc_customer_t customer = {"ok", "gold", attrs};
    json_t *e = rc_analyse_customer(an, post, (flags & 0x40) ? &customer : NULL, "2026-11-22T06:40:00Z", err,
                                    sizeof(err));
    if (e == NULL)
        abort(); /* a post with a text is always analysable */

    json_int_t u = json_integer_value(json_object_get(e, "urgency"));
    const json_t *s = json_object_get(e, "sentiment");
    double score = json_real_value(json_object_get(s, "score"));
    const char *label = json_string_value(json_object_get(s, "label"));
    const char *intent = json_string_value(json_object_get(e, "intent"));
    if (u < 0 || u > 100 || !isfinite(score) || score < -1.0 || score > 1.0 || label == NULL || intent == NULL)
        abort();
    if (strcmp(label, "negative") && strcmp(label, "neutral") && strcmp(label, "positive"))
        abort();
    if (strcmp(intent, "complaint") && strcmp(intent, "praise") && strcmp(intent, "question") &&
        strcmp(intent, "request") && strcmp(intent, "other"))
        abort();
    check_strings(json_object_get(e, "urgency_reasons"));
    check_strings(json_object_get(e, "redactions"));
    const json_t *ents = json_object_get(e, "entities");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)ents, k, v) {
        if (strcmp(k, "references") != 0)
            check_strings(v);
    }
    const json_t *rt = json_object_get(e, "redacted_text");
    if (!json_is_string(rt))
        abort();
    if (valid_utf8(text, len) && !valid_utf8(json_string_value(rt), json_string_length(rt)))
        abort();
    /* The record must be a valid EnrichedPost whenever its strings are
     * UTF-8 (the Avro writer checks every field against the schema). */
    if (valid_utf8(text, len)) {
        void *buf = NULL;
        size_t blen = 0;
        if (rc_serde_encode(serde, RC_SCHEMA_ENRICHED_POST, NULL, e, &buf, &blen, err, sizeof(err)) != 0)
            abort();
        free(buf);
    }
    json_decref(e);
    json_decref(attrs);
    json_decref(post);
    return 0;
}
