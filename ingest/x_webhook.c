/*
 * X Account Activity webhooks: CRC answer, signature check, and the split of
 * one delivery into one input per tweet event (x_webhook.h). Pure code.
 */
#include "x_webhook.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* "sha256=" + base64 of HMAC-SHA256(secret, msg), malloc'd. */
static char *x_sig(const char *secret, const void *msg, size_t len) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char *b64, *out = NULL;

    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, len, md, &md_len))
        return NULL;
    if (!(b64 = rc_base64(md, md_len)))
        return NULL;
    if (asprintf(&out, "sha256=%s", b64) < 0)
        out = NULL;
    free(b64);
    return out;
}

char *rc_x_crc_response(const char *consumer_secret, const char *crc_token) {
    char *sig = x_sig(consumer_secret, crc_token, strlen(crc_token)), *body = NULL;
    json_t *o;

    if (!sig)
        return NULL;
    /* jansson writes the JSON; the token is base64, but quoting is its job. */
    if ((o = json_pack("{s:s}", "response_token", sig)))
        body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(sig);
    return body;
}

int rc_x_signature_ok(const char *consumer_secret, const char *body, size_t len, const char *header_value) {
    char *want;
    int ok;

    if (!header_value || !(want = x_sig(consumer_secret, body, len)))
        return 0;
    ok = rc_consttime_streq(header_value, want);
    free(want);
    return ok;
}

void rc_x_events_free(rc_x_events_t *ev) {
    if (!ev)
        return;
    for (size_t i = 0; i < ev->n; i++)
        free(ev->payloads[i]);
    free(ev->payloads);
    free(ev->lens);
    memset(ev, 0, sizeof(*ev));
}

/* Appends {"for_user_id": user, "<kind>": [event]} to "out" (with "event"
 * as it is when "wrap" is 0). */
static int x_add(rc_x_events_t *out, const json_t *user, const char *kind, json_t *event, int wrap) {
    json_t *o = wrap ? json_pack("{s:O, s:[O]}", "for_user_id", user, kind, event)
                     : json_pack("{s:O, s:O}", "for_user_id", user, kind, event);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    char **np;
    size_t *nl;

    json_decref(o);
    if (!s)
        return -1;
    np = realloc(out->payloads, (out->n + 1) * sizeof(*np));
    if (np)
        out->payloads = np;
    nl = realloc(out->lens, (out->n + 1) * sizeof(*nl));
    if (nl)
        out->lens = nl;
    if (!np || !nl) {
        free(s);
        return -1;
    }
    out->payloads[out->n] = s;
    out->lens[out->n++] = strlen(s);
    return 0;
}

int rc_x_activity_split(const char *body, size_t len, rc_x_events_t *out) {
    static const char *const kinds[] = {"tweet_create_events", "tweet_delete_events"};
    const char *key;
    json_t *root, *user, *v;
    int rc = 1;

    memset(out, 0, sizeof(*out));
    /* Cheap look first: most bodies are posts or JSON Lines. */
    if (!body || (!memmem(body, len, "\"for_user_id\"", 13) && !memmem(body, len, "\"user_event\"", 12)))
        return 0;
    root = json_loadb(body, len, 0, NULL);
    user = json_object_get(root, "for_user_id");
    if (!json_is_object(root) || (!user && !json_object_get(root, "user_event"))) {
        json_decref(root);
        return 0;
    }
    if (!user) {
        /* A revoke (user_event) names no for_user_id and has no posts. */
        out->ignored = 1;
        json_decref(root);
        return 1;
    }
    json_object_foreach(root, key, v) {
        int known = 0;
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
            size_t i;
            json_t *ev;
            if (strcmp(key, kinds[k]) != 0)
                continue;
            known = 1;
            if (!json_is_array(v)) {
                /* Not what X sends; pass it whole so it is dead-lettered
                 * with the format's reason rather than silently dropped. */
                if (x_add(out, user, kinds[k], v, 0) != 0)
                    rc = -1;
                continue;
            }
            json_array_foreach(v, i, ev) {
                if (rc == 1 && x_add(out, user, kinds[k], ev, 1) != 0)
                    rc = -1;
            }
        }
        if (!known && strlen(key) > 7 && strcmp(key + strlen(key) - 7, "_events") == 0)
            out->ignored += json_is_array(v) ? json_array_size(v) : 1;
    }
    json_decref(root);
    if (rc < 0)
        rc_x_events_free(out);
    return rc;
}
