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

int rc_cases_check(rc_cases_t *c, rc_case_q_t *qs, size_t n, char *errstr, size_t errstr_size) {
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
    for (int attempt = 0; attempt < 2; attempt++) {
        redisReply **reps = calloc(n, sizeof(*reps));
        int noscript = 0, ret = 0;
        if (!reps || rc_cases_load(c, errstr, errstr_size)) {
            free(reps);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            const char *argv[] = {"EVALSHA", rc_case_check_script.sha, "2", qs[i].idem_key, qs[i].case_key};
            if (rc_redis_pipeline_append(c->redis, 5, argv)) {
                snprintf(errstr, errstr_size, "redis: cannot queue case lookup");
                c->loaded = 0;
                free(reps);
                return -1;
            }
        }
        if (rc_redis_pipeline_exec(c->redis, n, reps, errstr, errstr_size)) {
            /* The connection broke: the next batch may reach a restarted
             * server without our scripts, so load them again first (this
             * also reports why a reconnect fails, in words). */
            c->loaded = 0;
            free(reps);
            return -1;
        }
        for (size_t i = 0; i < n && !ret; i++) {
            redisReply *r = reps[i];
            if (r->type == REDIS_REPLY_ERROR) {
                noscript = !strncmp(r->str, "NOSCRIPT", 8);
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
        }
        for (size_t i = 0; i < n; i++)
            freeReplyObject(reps[i]);
        free(reps);
        if (ret == 0)
            return 0;
        if (!noscript)
            return -1;
        c->loaded = 0; /* the server lost its scripts (restart, SCRIPT FLUSH) */
    }
    return -1;
}

int rc_cases_commit(rc_cases_t *c, const rc_case_w_t *ws, size_t n, char *errstr, size_t errstr_size) {
    char idem_ttl[24], case_ttl[24];

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
    snprintf(idem_ttl, sizeof(idem_ttl), "%ld", c->idem_window_s);
    snprintf(case_ttl, sizeof(case_ttl), "%ld", c->case_window_s);
    /* Like the check, a NOSCRIPT (scripts flushed or the server restarted
     * since they were loaded) reloads them and runs the batch once more;
     * the script only SETs, so running it twice is harmless. */
    for (int attempt = 0; attempt < 2; attempt++) {
        redisReply **reps = calloc(n, sizeof(*reps));
        int noscript = 0, ret = 0;
        if (!reps || rc_cases_load(c, errstr, errstr_size)) {
            free(reps);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            const char *argv[] = {"EVALSHA", rc_case_commit_script.sha, "2", ws[i].idem_key, ws[i].case_key,
                                  ws[i].idem_value, idem_ttl, ws[i].case_value ? ws[i].case_value : "", case_ttl};
            if (rc_redis_pipeline_append(c->redis, 9, argv)) {
                snprintf(errstr, errstr_size, "redis: cannot queue case update");
                c->loaded = 0;
                free(reps);
                return -1;
            }
        }
        if (rc_redis_pipeline_exec(c->redis, n, reps, errstr, errstr_size)) {
            c->loaded = 0;
            free(reps);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (reps[i]->type == REDIS_REPLY_ERROR && !ret) {
                noscript = !strncmp(reps[i]->str, "NOSCRIPT", 8);
                snprintf(errstr, errstr_size, "redis case update: %s", reps[i]->str);
                ret = -1;
            }
            freeReplyObject(reps[i]);
        }
        free(reps);
        if (ret == 0)
            return 0;
        if (!noscript)
            return -1;
        c->loaded = 0;
    }
    return -1;
}
