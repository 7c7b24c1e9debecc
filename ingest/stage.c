/*
 * ricochet-ingest: raw payloads in, normalised Posts out.
 *
 * Inputs are JSON Lines from a file/stdin (--in) or bodies POSTed to the
 * webhook. Each is normalised (normalise.c), checked against the dedup
 * window (one pipelined Redis round trip per batch: SET NX EX), and produced
 * to the posts topic keyed by platform:author_id, so one author's posts stay
 * in order on one partition. What cannot be parsed is dead-lettered.
 */
#include "ingest.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "normalise.h"
#include "parallel.h"
#include "redis.h"
#include "source.h"
#include "util.h"
#include "x_webhook.h"

#define OFF(f) offsetof(rc_ingest_conf_t, f)
static const rc_config_entry_t rc_ingest_table[] = {
    {"dedup_window", RC_CT_DURATION, "24h", 1000, 30LL * 86400 * 1000, NULL, OFF(dedup_window_ms), 0,
     "A repeat of the same platform:id within this window is dropped (counted)."},
    {"webhook.enabled", RC_CT_BOOL, "true", 0, 0, NULL, OFF(webhook_enabled), 0,
     "Serve POST <webhook.path> on the HTTP port."},
    {"webhook.path", RC_CT_STRING, "/ingest", 0, 0, NULL, OFF(webhook_path), 0, "Path of the webhook."},
    {"webhook.hmac_secret", RC_CT_STRING, NULL, 0, 0, NULL, OFF(webhook_secret), 0,
     "If set, requests must carry <signature_header>: sha256=<hex HMAC-SHA256 of the body>."},
    {"webhook.signature_header", RC_CT_STRING, "X-Ricochet-Signature", 0, 0, NULL, OFF(webhook_sig_header), 0,
     "Header holding the signature."},
    {"webhook.timeout", RC_CT_DURATION, "30s", 100, 600000, NULL, OFF(webhook_timeout_ms), 0,
     "How long a webhook request waits for Kafka to acknowledge its posts."},
    {"webhook.x_consumer_secret", RC_CT_STRING, NULL, 0, 0, NULL, OFF(webhook_x_secret), 0,
     "X app consumer secret: answers X's CRC check (GET <webhook.path>?crc_token=...) and requires "
     "x-twitter-webhooks-signature on every POST (docs/sources/x.md)."},
    {"sources", RC_CT_NODE, NULL, 0, 0, NULL, OFF(sources), 0,
     "Sources ingest reads from itself: a map of name -> {type: ..., ...} (docs/sources/)."},
    {"threads", RC_CT_INT, "0", 0, 256, NULL, OFF(threads), 0,
     "Threads that normalise a batch (0: one per CPU; 1: none besides the calling thread)."},
    RC_CONFIG_END};

typedef struct rc_ingest {
    const rc_ingest_conf_t *conf;
    rc_worker_t *w;
    /* The dedup store is used by the HTTP thread (webhook) and, with
     * ingest.input_topic, by the main thread at the same time: "mu" guards
     * both "redis" (one hiredis connection; interleaved pipelines would
     * read each other's replies) and "seen". */
    pthread_mutex_t mu;
    rc_redis_t *redis;
    json_t *seen;        /* without Redis: the process's own dedup set */
    rc_metric_t *m_dups, *m_dedup_errors, *m_posts, *m_webhook_rejected, *m_webhook_ok;
    rc_metric_t *m_reposts_linked;
    rc_sources_t *sources;
} rc_ingest_t;

static int rc_ingest_init(void **ctxp, rc_worker_t *w, const void *conf, char *errstr, size_t errstr_size) {
    rc_ingest_t *ig = calloc(1, sizeof(*ig));
    const rc_common_conf_t *cc = rc_worker_common(w);

    if (!ig) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    *ctxp = ig;
    pthread_mutex_init(&ig->mu, NULL);
    ig->conf = conf;
    ig->w = w;
    ig->m_dups = rc_worker_counter(w, "duplicates_total", NULL, "Posts dropped as repeats within the dedup window.");
    ig->m_dedup_errors = rc_worker_counter(w, "dedup_errors_total", NULL,
                                           "Batches whose dedup check failed (Redis down); posts passed on.");
    ig->m_posts = rc_worker_counter(w, "posts_total", NULL, "Posts normalised and produced.");
    ig->m_webhook_rejected =
        rc_worker_counter(w, "webhook_rejected_total", "reason=\"signature\"", "Webhook requests refused.");
    ig->m_webhook_ok = rc_worker_counter(w, "webhook_requests_total", NULL, "Webhook requests accepted.");
    ig->m_reposts_linked = rc_worker_counter(w, "reposts_linked_total", NULL,
                                             "Reposts of a post already seen: produced as a link (event repost) only.");
    if (!(ig->sources = rc_sources_new(w, ig->conf->sources, errstr, errstr_size)))
        return -1;
    if (cc->redis_url && rc_worker_checking(w)) {
        /* --check validates only; it connects to nothing. */
    } else if (cc->redis_url) {
        ig->redis = rc_redis_connect(cc->redis_url, cc->redis_timeout_ms, errstr, errstr_size);
        if (!ig->redis && !rc_worker_file_mode(w)) {
            rc_log_warn("%s (dedup will retry)", errstr);
        } else if (!ig->redis) {
            return -1;
        }
    } else {
        ig->seen = json_object();
    }
    return 0;
}

static void rc_ingest_destroy(void *ctx) {
    rc_ingest_t *ig = ctx;
    if (!ig)
        return;
    rc_sources_destroy(ig->sources);
    rc_redis_destroy(ig->redis);
    json_decref(ig->seen);
    pthread_mutex_destroy(&ig->mu);
    free(ig);
}

/* The dedup key of a post: platform and version (rc_post_version(): an
 * edit keeps its post's id but is news once). */
static char *rc_ingest_dedup_key(const json_t *post) {
    char *key = NULL, ver[512];
    if (asprintf(&key, "ricochet:dedup:%s:%s", json_string_value(json_object_get(post, "platform")),
                 rc_post_version(post, ver, sizeof(ver))) < 0)
        return NULL;
    return key;
}

/* Fills first[i] for each post: 1 = new, 0 = repeat. A record read from a
 * topic claims its key as "topic:partition:offset", so when it is read again
 * after a failure it finds its own claim and is not taken for a repeat.
 * A Redis failure lets the posts through (at-least-once downstream copes
 * with a repeat; losing posts because Redis blinked would be worse) and is
 * counted. */
static void rc_ingest_dedup(rc_ingest_t *ig, rc_input_t **in, json_t **posts, size_t n, int *first) {
    char **keys = calloc(n, sizeof(*keys)), **owners = calloc(n, sizeof(*owners));
    size_t m = 0, idx[n ? n : 1];
    int owned = n > 0 && in[0]->topic != NULL;
    char err[256];

    for (size_t i = 0; i < n; i++) {
        first[i] = 1;
        if (!posts[i] || !keys || !owners)
            continue;
        if (!(keys[m] = rc_ingest_dedup_key(posts[i])))
            continue;
        if (owned && asprintf(&owners[m], "%s:%d:%lld", in[i]->topic, (int)in[i]->partition,
                              (long long)in[i]->offset) < 0) {
            free(keys[m]);
            continue;
        }
        idx[m++] = i;
    }
    pthread_mutex_lock(&ig->mu);
    if (ig->seen) {
        for (size_t k = 0; k < m; k++) {
            if (json_object_get(ig->seen, keys[k]))
                first[idx[k]] = 0;
            else
                json_object_set_new(ig->seen, keys[k], json_true());
        }
    } else if (m) {
        int *fs = calloc(m, sizeof(*fs));
        const rc_common_conf_t *cc = rc_worker_common(ig->w);
        long ttl = ig->conf->dedup_window_ms / 1000;
        if (!ig->redis)
            ig->redis = rc_redis_connect(cc->redis_url, cc->redis_timeout_ms, err, sizeof(err));
        int rc = !fs || !ig->redis ? -1
                 : owned ? rc_redis_claim_owned_many(ig->redis, (const char *const *)keys,
                                                     (const char *const *)owners, m, ttl, fs, err, sizeof(err))
                         : rc_redis_claim_many(ig->redis, (const char *const *)keys, m, ttl, fs, err, sizeof(err));
        if (rc == 0) {
            for (size_t k = 0; k < m; k++)
                first[idx[k]] = fs[k];
        } else {
            rc_metric_inc(ig->m_dedup_errors, 1);
            rc_log_warn("dedup check failed, passing %zu post(s) on: %s", m, ig->redis ? err : "no redis");
        }
        free(fs);
    }
    pthread_mutex_unlock(&ig->mu);
    for (size_t k = 0; k < m; k++) {
        free(keys[k]);
        if (owners)
            free(owners[k]);
    }
    free(keys);
    free(owners);
}

/* A webhook post Kafka did not take: forget its dedup claim, so the
 * caller's retry (it was told 503) is not dropped as a repeat. */
static void rc_ingest_release(rc_ingest_t *ig, const rc_input_t *in) {
    char now[40], err[256];
    rc_now_rfc3339(now, sizeof(now));
    json_t *orig = NULL;
    json_t *post = rc_normalise_ex(in->data, in->len, now, RC_FMT_UNKNOWN, NULL, &orig, err, sizeof(err));
    for (int k = 0; k < 2; k++) {
        json_t *p = k ? orig : post;
        char *key = p ? rc_ingest_dedup_key(p) : NULL;
        if (key) {
            pthread_mutex_lock(&ig->mu);
            if (ig->seen)
                json_object_del(ig->seen, key);
            else if (ig->redis && rc_redis_del(ig->redis, key))
                rc_log_warn("could not release dedup key %s; a retry of that post will be taken for a repeat", key);
            pthread_mutex_unlock(&ig->mu);
        }
        free(key);
    }
    json_decref(orig);
    json_decref(post);
}

/* Normalising is pure and most of a record's cost, so a batch is split
 * between threads: each normalises a contiguous run of inputs into
 * posts[] and origs[] (a repost's embedded original), or the reason into
 * errs[] (malloc'd). Everything else (dead letters, the dedup round trip,
 * producing) stays on the calling thread, in input order. */
typedef struct {
    rc_input_t **in;
    json_t **posts, **origs;
    char **errs;
    const char *now;
} rc_ingest_norm_t;

static void rc_ingest_norm_run(void *arg, size_t from, size_t to) {
    rc_ingest_norm_t *job = arg;
    char err[512];

    for (size_t i = from; i < to; i++) {
        job->posts[i] = rc_normalise_ex(job->in[i]->data, job->in[i]->len, job->now, RC_FMT_UNKNOWN, NULL,
                                        &job->origs[i], err, sizeof(err));
        if (!job->posts[i] && !(job->errs[i] = strdup(err)))
            job->errs[i] = NULL; /* reported as "out of memory" by the caller */
    }
}

/* A thread normalises at least this many records of a batch (starting a
 * thread costs about as much as normalising a few). */
#define RC_INGEST_MIN_PER_THREAD 64

/* Normalises in[0..n) into posts/origs/errs (each n long), on
 * ingest.threads threads (0: one per CPU). */
static void rc_ingest_normalise_batch(rc_ingest_t *ig, rc_input_t **in, size_t n, json_t **posts, json_t **origs,
                                      char **errs, const char *now) {
    rc_ingest_norm_t job = {in, posts, origs, errs, now};
    rc_parallel_for(n, rc_parallel_threads(ig->conf->threads, 0, n, RC_INGEST_MIN_PER_THREAD), rc_ingest_norm_run,
                    &job);
}

/* Each input gives one Post, or two for a repost that embeds its original:
 * the original first (so a complaint first seen through a repost is not
 * lost), then the repost itself (event "repost", linked by repost_of). An
 * original already seen is not produced again: the repost is then only a
 * link (counted in reposts_linked_total). */
static int rc_ingest_process(void *ctx, rc_worker_t *w, rc_input_t **in, size_t n) {
    rc_ingest_t *ig = ctx;
    size_t cap = 2 * n, m = 0;
    json_t **posts = calloc(cap ? cap : 1, sizeof(*posts));
    rc_input_t **item_in = calloc(cap ? cap : 1, sizeof(*item_in));
    int *first = calloc(cap ? cap : 1, sizeof(*first)), *is_orig = calloc(cap ? cap : 1, sizeof(*is_orig));
    json_t **one = calloc(n ? 2 * n : 1, sizeof(*one)), **origs = one ? one + n : NULL;
    char **errs = calloc(n ? n : 1, sizeof(*errs));
    char now[40], err[512];
    int ret = -1;

    if (!posts || !item_in || !first || !is_orig || !one || !errs)
        goto out;
    rc_now_rfc3339(now, sizeof(now));
    rc_ingest_normalise_batch(ig, in, n, one, origs, errs, now);
    for (size_t i = 0; i < n; i++) {
        if (!one[i]) {
            snprintf(err, sizeof(err), "%s", errs[i] ? errs[i] : "out of memory");
            rc_worker_dead_letter(w, in[i], strstr(err, "JSON") ? "parse" : "validation", "%s", err);
            continue;
        }
        if (origs[i]) {
            posts[m] = origs[i];
            item_in[m] = in[i];
            is_orig[m++] = 1;
        }
        posts[m] = one[i];
        item_in[m++] = in[i];
    }
    rc_ingest_dedup(ig, item_in, posts, m, first);
    for (size_t k = 0; k < m; k++) {
        if (!first[k]) {
            rc_metric_inc(is_orig[k] ? ig->m_reposts_linked : ig->m_dups, 1);
            continue;
        }
        const json_t *author = json_object_get(posts[k], "author");
        char key[512];
        snprintf(key, sizeof(key), "%s:%s", json_string_value(json_object_get(posts[k], "platform")),
                 json_string_value(json_object_get(author, "id")));
        if (rc_worker_emit(w, item_in[k], RC_OUT_POSTS, key, posts[k], err, sizeof(err))) {
            rc_worker_dead_letter(w, item_in[k], "schema", "cannot produce post: %s", err);
            continue;
        }
        rc_metric_inc(ig->m_posts, 1);
    }
    ret = 0;
out:
    for (size_t k = 0; k < m; k++)
        json_decref(posts[k]);
    free(posts);
    for (size_t i = 0; errs && i < n; i++)
        free(errs[i]);
    free(errs);
    free(one);
    free(item_in);
    free(first);
    free(is_orig);
    return ret;
}

/* POST <webhook.path>: one JSON object, or JSON Lines. Answers once Kafka
 * has acknowledged every post (202), so a caller that gets 202 can forget
 * the request; 401 bad signature; 400 when nothing in it was usable; 503
 * when Kafka did not acknowledge in time (the caller should retry). */
static int rc_ingest_webhook(void *opaque, const rc_http_req_t *req, rc_http_reply_t *reply) {
    rc_ingest_t *ig = opaque;
    const rc_ingest_conf_t *c = ig->conf;
    rc_input_t *ins[256];
    size_t n = 0, accepted = 0, dups = 0, dead = 0, failed = 0;
    char first_reason[300] = "";
    rc_x_events_t xev = {0};
    int aa = 0;

    if (c->webhook_secret) {
        const char *sig = rc_http_req_header(req, c->webhook_sig_header);
        char want[80], hex[65];
        rc_hmac_sha256_hex(c->webhook_secret, strlen(c->webhook_secret), req->body, req->body_len, hex);
        snprintf(want, sizeof(want), "sha256=%s", hex);
        if (!sig || !rc_consttime_streq(sig, want)) {
            rc_metric_inc(ig->m_webhook_rejected, 1);
            reply->status = 401;
            reply->body = strdup(sig ? "{\"error\":\"signature does not match\"}"
                                     : "{\"error\":\"missing signature header\"}");
            return 0;
        }
    }
    if (c->webhook_x_secret &&
        !rc_x_signature_ok(c->webhook_x_secret, req->body, req->body_len,
                           rc_http_req_header(req, "x-twitter-webhooks-signature"))) {
        rc_metric_inc(ig->m_webhook_rejected, 1);
        reply->status = 401;
        reply->body = strdup("{\"error\":\"x-twitter-webhooks-signature missing or does not match\"}");
        return 0;
    }
    /* An X Account Activity delivery: one input per tweet event. */
    if ((aa = rc_x_activity_split(req->body, req->body_len, &xev)) < 0) {
        reply->status = 500;
        reply->body = strdup("{\"error\":\"out of memory\"}");
        return 0;
    }
    for (size_t i = 0; aa && i < xev.n && n < sizeof(ins) / sizeof(ins[0]); i++) {
        if (!(ins[n] = rc_worker_input_new_waiter(ig->w, xev.payloads[i], xev.lens[i])))
            break;
        n++;
    }
    if (aa && n < xev.n) {
        reply->status = 413;
        reply->body = strdup("{\"error\":\"at most 256 tweet events per request\"}");
        goto out;
    }
    /* Split into lines; each line is one input. */
    const char *p = aa ? req->body + req->body_len : req->body, *end = req->body + req->body_len;
    while (p < end && n < sizeof(ins) / sizeof(ins[0])) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *ls = p;
        p = nl ? nl + 1 : end;
        while (le > ls && (le[-1] == '\r' || le[-1] == ' '))
            le--;
        if (le == ls)
            continue;
        ins[n] = rc_worker_input_new_waiter(ig->w, ls, (size_t)(le - ls));
        if (!ins[n])
            break;
        n++;
    }
    if (p < end) {
        reply->status = 413;
        reply->body = strdup("{\"error\":\"at most 256 posts per request\"}");
        goto out;
    }
    if (n == 0 && aa) {
        /* Likes, follows, DMs: nothing to ingest, and X must not retry. */
        reply->status = 200;
        if (asprintf(&reply->body, "{\"accepted\":0,\"ignored\":%zu}", xev.ignored) < 0)
            reply->body = NULL;
        goto out;
    }
    if (n == 0) {
        reply->status = 400;
        reply->body = strdup("{\"error\":\"empty body\"}");
        goto out;
    }
    rc_worker_process_inputs(ig->w, ins, n);
    for (size_t i = 0; i < n; i++) {
        int rc = rc_worker_input_wait(ig->w, ins[i], c->webhook_timeout_ms);
        if (ins[i]->dead) {
            dead++;
            if (!first_reason[0])
                snprintf(first_reason, sizeof(first_reason), "line %zu was dead-lettered: %s", i + 1,
                         ins[i]->dead_reason);
        } else if (rc) {
            failed++;
            rc_ingest_release(ig, ins[i]);
        } else if (ins[i]->outputs == 0) {
            dups++;
        } else {
            accepted++;
        }
    }
    rc_metric_inc(ig->m_webhook_ok, 1);
    reply->status = failed ? 503 : (dead == n ? 400 : 202);
    if (aa && !failed)
        reply->status = 200; /* X retries anything but 200; a dead letter is kept, a retry would not help */
    json_t *o = json_pack("{s:i, s:i, s:i, s:i}", "accepted", (int)accepted, "duplicates", (int)dups,
                          "dead_lettered", (int)dead, "failed", (int)failed);
    if (dead == n)
        json_object_set_new(o, "error", json_string(first_reason));
    reply->body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
out:
    for (size_t i = 0; i < n; i++)
        rc_worker_input_free(ins[i]);
    rc_x_events_free(&xev);
    return 0;
}

/* GET <webhook.path>?crc_token=T: X's challenge-response check of the
 * webhook (x_webhook.h). */
static int rc_ingest_x_crc(void *opaque, const rc_http_req_t *req, rc_http_reply_t *reply) {
    rc_ingest_t *ig = opaque;
    const char *token = rc_http_req_query(req, "crc_token");

    if (!token || !*token) {
        reply->status = 400;
        reply->body = strdup("{\"error\":\"crc_token missing\"}");
        return 0;
    }
    reply->body = rc_x_crc_response(ig->conf->webhook_x_secret, token);
    reply->status = reply->body ? 200 : 500;
    return 0;
}

static void rc_ingest_routes(void *ctx, rc_worker_t *w, rc_http_server_t *srv) {
    rc_ingest_t *ig = ctx;
    if (ig->conf->webhook_enabled)
        rc_http_server_route(srv, "POST", ig->conf->webhook_path, rc_ingest_webhook, ig);
    if (ig->conf->webhook_enabled && ig->conf->webhook_x_secret)
        rc_http_server_route(srv, "GET", ig->conf->webhook_path, rc_ingest_x_crc, ig);
}

static int rc_ingest_start(void *ctx, rc_worker_t *w, char *errstr, size_t errstr_size) {
    rc_ingest_t *ig = ctx;
    return rc_sources_start(ig->sources, errstr, errstr_size);
}

static void rc_ingest_stop(void *ctx) {
    rc_ingest_t *ig = ctx;
    rc_sources_stop(ig->sources);
}

static void rc_ingest_summary(void *ctx, json_t *s) {
    rc_ingest_t *ig = ctx;
    json_object_set_new(s, "posts", json_integer((json_int_t)rc_metric_value(ig->m_posts)));
    json_object_set_new(s, "duplicates_dropped", json_integer((json_int_t)rc_metric_value(ig->m_dups)));
}

const rc_stage_t rc_stage_ingest = {
    .name = "ingest",
    .description = "Reads posts (sources, webhook, files), normalises and deduplicates them, produces Post records.",
    .default_http_port = 8081,
    .in_topic = NULL,
    .in_schema = RC_SCHEMA__CNT,
    .config = rc_ingest_table,
    .conf_size = sizeof(rc_ingest_conf_t),
    .init = rc_ingest_init,
    .process = rc_ingest_process,
    .http_routes = rc_ingest_routes,
    .summary = rc_ingest_summary,
    .start = rc_ingest_start,
    .stop = rc_ingest_stop,
    .config_reference = rc_sources_config_reference,
    .destroy = rc_ingest_destroy,
};
