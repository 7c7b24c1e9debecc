#include "cases.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct rc_cases {
    rc_redis_t *redis;
    long case_window_s, idem_window_s;
    json_t *mem; /* in-process table when there is no Redis: key -> [value, expiry in rc_mono_ms()] */
    size_t mem_writes;
    int loaded;
};

/* The in-process table keeps Redis's semantics, windows included: an entry
 * expires after its window (a follow-up days later opens a new case, as it
 * would with Redis), and expired entries are swept now and then so a long
 * file-mode backfill does not grow without bound. */
static const char *rc_cases_mem_get(rc_cases_t *c, const char *key, int64_t now) {
    json_t *e = json_object_get(c->mem, key);
    if (!e)
        return NULL;
    if (json_integer_value(json_array_get(e, 1)) <= now) {
        json_object_del(c->mem, key);
        return NULL;
    }
    return json_string_value(json_array_get(e, 0));
}

static void rc_cases_mem_set(rc_cases_t *c, const char *key, const char *value, long window_s, int64_t now) {
    json_object_set_new(c->mem, key, json_pack("[s,I]", value ? value : "", (json_int_t)(now + window_s * 1000)));
    if (++c->mem_writes % 4096 == 0) {
        const char *k;
        json_t *e, *tmp;
        json_object_foreach_safe(c->mem, tmp, k, e) {
            if (json_integer_value(json_array_get(e, 1)) <= now)
                json_object_del(c->mem, k);
        }
    }
}

/* Reads the idempotency key first: a post already handled is a duplicate
 * even if its case has since closed. */
static rc_redis_script_t rc_case_check_script = {
    "local d = redis.call('GET', KEYS[1])\n"
    "if d then return {'dup', d} end\n"
    "local c = redis.call('GET', KEYS[2])\n"
    "if c then return {'follow', c} end\n"
    "return {'new', ''}\n",
    ""};

static rc_redis_script_t rc_case_commit_script = {
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])\n"
    "if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4]) end\n"
    "return 1\n",
    ""};

rc_cases_t *rc_cases_new(rc_redis_t *redis, long case_window_s, long idem_window_s) {
    rc_cases_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->redis = redis;
    c->case_window_s = case_window_s > 0 ? case_window_s : 1;
    c->idem_window_s = idem_window_s > 0 ? idem_window_s : 1;
    if (!redis)
        c->mem = json_object();
    return c;
}

void rc_cases_destroy(rc_cases_t *c) {
    if (!c)
        return;
    json_decref(c->mem);
    free(c);
}

static int rc_cases_load(rc_cases_t *c, char *errstr, size_t errstr_size) {
    if (c->loaded)
        return 0;
    if (rc_redis_script_load(c->redis, &rc_case_check_script, errstr, errstr_size) ||
        rc_redis_script_load(c->redis, &rc_case_commit_script, errstr, errstr_size))
        return -1;
    c->loaded = 1;
    return 0;
}

/* Fills "argv" (at most 9 strings) for item "i" of a batch; returns argc. */
typedef int (*rc_cases_argv_fn)(const void *ctx, size_t i, const char **argv);

/* Runs one EVALSHA per item in one pipelined round trip and returns the
 * replies in "reps" (caller frees each). A NOSCRIPT reply (the server was
 * restarted or its scripts flushed since we loaded them) reloads the
 * scripts and runs the batch once more: both scripts may safely run twice
 * (one only reads, the other only SETs). A broken connection also makes
 * the next call load the scripts first. */
static int rc_cases_run(rc_cases_t *c, size_t n, rc_cases_argv_fn fill, const void *ctx, const char *what,
                        redisReply **reps, char *errstr, size_t errstr_size) {
    for (int attempt = 0; attempt < 2; attempt++) {
        int noscript = 0;
        if (rc_cases_load(c, errstr, errstr_size))
            return -1;
        for (size_t i = 0; i < n; i++) {
            const char *argv[9];
            int argc = fill(ctx, i, argv);
            if (rc_redis_pipeline_append(c->redis, argc, argv)) {
                snprintf(errstr, errstr_size, "redis: cannot queue %s", what);
                c->loaded = 0;
                return -1;
            }
        }
        if (rc_redis_pipeline_exec(c->redis, n, reps, errstr, errstr_size)) {
            c->loaded = 0;
            return -1;
        }
        for (size_t i = 0; i < n && !noscript; i++)
            noscript = reps[i]->type == REDIS_REPLY_ERROR && !strncmp(reps[i]->str, "NOSCRIPT", 8);
        if (!noscript || attempt == 1)
            return 0;
        for (size_t i = 0; i < n; i++) {
            freeReplyObject(reps[i]);
            reps[i] = NULL;
        }
        c->loaded = 0;
    }
    return -1;
}

static int rc_cases_check_argv(const void *ctx, size_t i, const char **argv) {
    const rc_case_q_t *q = &((const rc_case_q_t *)ctx)[i];
    argv[0] = "EVALSHA", argv[1] = rc_case_check_script.sha, argv[2] = "2";
    argv[3] = q->idem_key, argv[4] = q->case_key;
    return 5;
}

typedef struct {
    const rc_case_w_t *ws;
    char idem_ttl[24], case_ttl[24];
} rc_cases_commit_ctx_t;

static int rc_cases_commit_argv(const void *ctx, size_t i, const char **argv) {
    const rc_cases_commit_ctx_t *cc = ctx;
    const rc_case_w_t *w = &cc->ws[i];
    argv[0] = "EVALSHA", argv[1] = rc_case_commit_script.sha, argv[2] = "2";
    argv[3] = w->idem_key, argv[4] = w->case_key, argv[5] = w->idem_value, argv[6] = cc->idem_ttl;
    argv[7] = w->case_value ? w->case_value : "", argv[8] = cc->case_ttl;
    return 9;
}

int rc_cases_check(rc_cases_t *c, rc_case_q_t *qs, size_t n, char *errstr, size_t errstr_size) {
    int ret = 0;

    if (!n)
        return 0;
    if (c->mem) {
        int64_t now = rc_mono_ms();
        for (size_t i = 0; i < n; i++) {
            const char *d = rc_cases_mem_get(c, qs[i].idem_key, now);
            const char *f = d ? NULL : rc_cases_mem_get(c, qs[i].case_key, now);
            qs[i].state = d ? RC_CASE_DUP : f ? RC_CASE_FOLLOW : RC_CASE_NEW;
            snprintf(qs[i].value, sizeof(qs[i].value), "%s", d ? d : f ? f : "");
        }
        return 0;
    }
    redisReply **reps = calloc(n, sizeof(*reps));
    if (!reps)
        return -1;
    if (rc_cases_run(c, n, rc_cases_check_argv, qs, "case lookup", reps, errstr, errstr_size)) {
        free(reps);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        redisReply *r = reps[i];
        if (ret) {
            /* already failed: only free */
        } else if (r->type == REDIS_REPLY_ERROR) {
            snprintf(errstr, errstr_size, "redis case lookup: %s", r->str);
            ret = -1;
        } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
            const char *st = r->element[0]->str;
            qs[i].state = !strcmp(st, "dup") ? RC_CASE_DUP : !strcmp(st, "follow") ? RC_CASE_FOLLOW : RC_CASE_NEW;
            snprintf(qs[i].value, sizeof(qs[i].value), "%s", r->element[1]->str ? r->element[1]->str : "");
        } else {
            snprintf(errstr, errstr_size, "redis case lookup: unexpected reply type %d", r->type);
            ret = -1;
        }
        freeReplyObject(r);
    }
    free(reps);
    return ret;
}

int rc_cases_commit(rc_cases_t *c, const rc_case_w_t *ws, size_t n, char *errstr, size_t errstr_size) {
    rc_cases_commit_ctx_t cc = {ws, "", ""};
    int ret = 0;

    if (!n)
        return 0;
    if (c->mem) {
        int64_t now = rc_mono_ms();
        for (size_t i = 0; i < n; i++) {
            rc_cases_mem_set(c, ws[i].idem_key, ws[i].idem_value, c->idem_window_s, now);
            if (ws[i].case_value && ws[i].case_value[0])
                rc_cases_mem_set(c, ws[i].case_key, ws[i].case_value, c->case_window_s, now);
        }
        return 0;
    }
    snprintf(cc.idem_ttl, sizeof(cc.idem_ttl), "%ld", c->idem_window_s);
    snprintf(cc.case_ttl, sizeof(cc.case_ttl), "%ld", c->case_window_s);
    redisReply **reps = calloc(n, sizeof(*reps));
    if (!reps)
        return -1;
    if (rc_cases_run(c, n, rc_cases_commit_argv, &cc, "case update", reps, errstr, errstr_size)) {
        free(reps);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (reps[i]->type == REDIS_REPLY_ERROR && !ret) {
            snprintf(errstr, errstr_size, "redis case update: %s", reps[i]->str);
            ret = -1;
        }
        freeReplyObject(reps[i]);
    }
    free(reps);
    return ret;
}
