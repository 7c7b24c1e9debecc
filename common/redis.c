#include "redis.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "log.h"

struct rc_redis {
    redisContext *c;
    char host[260];
    int port;
    char password[256];
    int db;
    struct timeval tv;
};

static int rc_redis_parse_url(rc_redis_t *r, const char *url, char *errstr, size_t errstr_size) {
    const char *p = url;
    char hostport[256];

    r->port = 6379;
    if (!strncmp(p, "redis://", 8))
        p += 8;
    else if (strstr(p, "://")) {
        snprintf(errstr, errstr_size, "redis.url '%s': only redis:// URLs are supported", url);
        return -1;
    }
    const char *at = strrchr(p, '@');
    if (at) {
        /* redis://[user]:password@host — the user part is ignored for Redis < 6 auth. */
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p;
        snprintf(r->password, sizeof(r->password), "%.*s", (int)(at - pw), pw);
        p = at + 1;
    }
    const char *slash = strchr(p, '/');
    snprintf(hostport, sizeof(hostport), "%.*s", slash ? (int)(slash - p) : (int)strlen(p), p);
    if (slash && slash[1]) {
        char *end;
        /* Range-checked as a long: "/4294967297" must not wrap to db 1. */
        long db = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || db < 0 || db > 1000000) {
            snprintf(errstr, errstr_size, "redis.url '%s': database must be a number", url);
            return -1;
        }
        r->db = (int)db;
    }
    char *colon = strrchr(hostport, ':');
    if (colon) {
        char *end;
        *colon = '\0';
        long port = strtol(colon + 1, &end, 10);
        if (*end || port <= 0 || port > 65535) {
            snprintf(errstr, errstr_size, "redis.url '%s': bad port", url);
            return -1;
        }
        r->port = (int)port;
    }
    snprintf(r->host, sizeof(r->host), "%s", hostport[0] ? hostport : "127.0.0.1");
    return 0;
}

/* A connection whose AUTH or SELECT failed must not be kept: the next call
 * would find it healthy and run its commands unauthenticated or in database
 * 0. Dropping it makes the next call try the whole handshake again. */
static int rc_redis_drop(rc_redis_t *r) {
    redisFree(r->c);
    r->c = NULL;
    return -1;
}

static int rc_redis_open(rc_redis_t *r, char *errstr, size_t errstr_size) {
    redisReply *rep;

    if (r->c)
        redisFree(r->c);
    r->c = redisConnectWithTimeout(r->host, r->port, r->tv);
    if (!r->c || r->c->err) {
        snprintf(errstr, errstr_size, "redis %s:%d: %s", r->host, r->port, r->c ? r->c->errstr : "out of memory");
        if (r->c)
            redisFree(r->c);
        r->c = NULL;
        return -1;
    }
    redisSetTimeout(r->c, r->tv);
    if (r->password[0]) {
        rep = redisCommand(r->c, "AUTH %s", r->password);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            snprintf(errstr, errstr_size, "redis AUTH: %s", rep ? rep->str : r->c->errstr);
            freeReplyObject(rep);
            return rc_redis_drop(r);
        }
        freeReplyObject(rep);
    }
    if (r->db) {
        rep = redisCommand(r->c, "SELECT %d", r->db);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            snprintf(errstr, errstr_size, "redis SELECT %d: %s", r->db, rep ? rep->str : r->c->errstr);
            freeReplyObject(rep);
            return rc_redis_drop(r);
        }
        freeReplyObject(rep);
    }
    return 0;
}

rc_redis_t *rc_redis_connect(const char *url, long timeout_ms, char *errstr, size_t errstr_size) {
    rc_redis_t *r = calloc(1, sizeof(*r));

    if (!r) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (timeout_ms <= 0)
        timeout_ms = 2000;
    r->tv.tv_sec = timeout_ms / 1000;
    r->tv.tv_usec = (timeout_ms % 1000) * 1000;
    if (rc_redis_parse_url(r, url, errstr, errstr_size) || rc_redis_open(r, errstr, errstr_size)) {
        rc_redis_destroy(r);
        return NULL;
    }
    return r;
}

void rc_redis_destroy(rc_redis_t *r) {
    if (!r)
        return;
    if (r->c)
        redisFree(r->c);
    free(r);
}

/* A broken connection (server restarted, idle timeout) gets one reconnect
 * before the call fails; the caller decides about retrying further. */
static int rc_redis_ensure(rc_redis_t *r, char *errstr, size_t errstr_size) {
    if (r->c && !r->c->err)
        return 0;
    rc_log_warn("redis connection lost (%s); reconnecting", r->c ? r->c->errstr : "not connected");
    return rc_redis_open(r, errstr, errstr_size);
}

redisReply *rc_redis_command(rc_redis_t *r, int argc, const char **argv, char *errstr, size_t errstr_size) {
    redisReply *rep;

    for (int attempt = 0; attempt < 2; attempt++) {
        if (rc_redis_ensure(r, errstr, errstr_size))
            return NULL;
        rep = redisCommandArgv(r->c, argc, argv, NULL);
        if (rep)
            break;
    }
    if (!rep) {
        snprintf(errstr, errstr_size, "redis %s: %s", argv[0], r->c ? r->c->errstr : "not connected");
        return NULL;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, errstr_size, "redis %s: %s", argv[0], rep->str);
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
}

int rc_redis_ping(rc_redis_t *r) {
    char err[256];
    const char *argv[] = {"PING"};
    redisReply *rep = rc_redis_command(r, 1, argv, err, sizeof(err));
    int ok = rep && rep->type == REDIS_REPLY_STATUS && !strcmp(rep->str, "PONG");
    freeReplyObject(rep);
    return ok ? 0 : -1;
}

int rc_redis_claim_many(rc_redis_t *r, const char *const *keys, size_t n, long ttl_s, int *first_seen, char *errstr,
                        size_t errstr_size) {
    char ttl[32];
    size_t i;

    snprintf(ttl, sizeof(ttl), "%ld", ttl_s > 0 ? ttl_s : 1);
    if (rc_redis_ensure(r, errstr, errstr_size))
        return -1;
    /* Pipeline: queue every SET, then read every reply. */
    for (i = 0; i < n; i++) {
        const char *argv[] = {"SET", keys[i], "1", "NX", "EX", ttl};
        if (redisAppendCommandArgv(r->c, 6, argv, NULL) != REDIS_OK)
            goto fail;
    }
    for (i = 0; i < n; i++) {
        redisReply *rep = NULL;
        if (redisGetReply(r->c, (void **)&rep) != REDIS_OK || !rep)
            goto fail;
        if (rep->type == REDIS_REPLY_ERROR) {
            snprintf(errstr, errstr_size, "redis SET NX: %s", rep->str);
            freeReplyObject(rep);
            /* Drain the rest so the connection stays in step. */
            for (i++; i < n; i++) {
                if (redisGetReply(r->c, (void **)&rep) != REDIS_OK)
                    break;
                freeReplyObject(rep);
            }
            return -1;
        }
        first_seen[i] = rep->type == REDIS_REPLY_STATUS; /* "OK"; nil when it existed */
        freeReplyObject(rep);
    }
    return 0;
fail:
    snprintf(errstr, errstr_size, "redis pipeline: %s", r->c->errstr);
    /* The connection is out of step now; drop it so the next call reconnects. */
    redisFree(r->c);
    r->c = NULL;
    return -1;
}

static rc_redis_script_t rc_claim_owned_script = {
    "local v = redis.call('GET', KEYS[1])\n"
    "if not v then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1 end\n"
    "if v == ARGV[1] then return 1 end\n"
    "return 0\n",
    ""};

int rc_redis_claim_owned_many(rc_redis_t *r, const char *const *keys, const char *const *owners, size_t n,
                              long ttl_s, int *first_seen, char *errstr, size_t errstr_size) {
    char ttl[32];
    redisReply **reps;
    int ret = -1;

    if (!n)
        return 0;
    snprintf(ttl, sizeof(ttl), "%ld", ttl_s > 0 ? ttl_s : 1);
    /* Loaded on every call: cheap, and survives a server restart. */
    if (rc_redis_script_load(r, &rc_claim_owned_script, errstr, errstr_size))
        return -1;
    reps = calloc(n, sizeof(*reps));
    if (!reps)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *argv[] = {"EVALSHA", rc_claim_owned_script.sha, "1", keys[i], owners[i], ttl};
        if (rc_redis_pipeline_append(r, 6, argv)) {
            snprintf(errstr, errstr_size, "redis: cannot queue claim");
            goto out;
        }
    }
    if (rc_redis_pipeline_exec(r, n, reps, errstr, errstr_size))
        goto out;
    ret = 0;
    for (size_t i = 0; i < n; i++) {
        if (reps[i]->type != REDIS_REPLY_INTEGER) {
            snprintf(errstr, errstr_size, "redis claim: %s", reps[i]->type == REDIS_REPLY_ERROR ? reps[i]->str : "bad reply");
            ret = -1;
        } else {
            first_seen[i] = reps[i]->integer == 1;
        }
    }
out:
    for (size_t i = 0; i < n; i++)
        freeReplyObject(reps[i]);
    free(reps);
    return ret;
}

int rc_redis_del(rc_redis_t *r, const char *key) {
    char err[256];
    const char *argv[] = {"DEL", key};
    redisReply *rep = rc_redis_command(r, 2, argv, err, sizeof(err));
    freeReplyObject(rep);
    return rep ? 0 : -1;
}

redisReply *rc_redis_eval(rc_redis_t *r, rc_redis_script_t *s, int nkeys, int argc, const char **argv, char *errstr,
                          size_t errstr_size) {
    const char *av[32];
    char nk[16];
    redisReply *rep;

    if (argc + 3 > 32) {
        snprintf(errstr, errstr_size, "redis eval: too many arguments");
        return NULL;
    }
    if (!s->sha[0]) {
        unsigned char md[SHA_DIGEST_LENGTH];
        SHA1((const unsigned char *)s->src, strlen(s->src), md);
        for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
            sprintf(s->sha + 2 * i, "%02x", md[i]);
    }
    snprintf(nk, sizeof(nk), "%d", nkeys);
    av[0] = "EVALSHA";
    av[1] = s->sha;
    av[2] = nk;
    for (int i = 0; i < argc; i++)
        av[3 + i] = argv[i];
    rep = rc_redis_command(r, argc + 3, av, errstr, errstr_size);
    if (!rep && strstr(errstr, "NOSCRIPT")) {
        /* First run on this server (or after SCRIPT FLUSH): EVAL loads it. */
        av[0] = "EVAL";
        av[1] = s->src;
        rep = rc_redis_command(r, argc + 3, av, errstr, errstr_size);
    }
    return rep;
}

int rc_redis_pipeline_append(rc_redis_t *r, int argc, const char **argv) {
    char err[256];
    if (rc_redis_ensure(r, err, sizeof(err)))
        return -1;
    return redisAppendCommandArgv(r->c, argc, argv, NULL) == REDIS_OK ? 0 : -1;
}

int rc_redis_pipeline_exec(rc_redis_t *r, size_t n, redisReply **replies, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < n; i++)
        replies[i] = NULL;
    if (!r->c) {
        snprintf(errstr, errstr_size, "redis: not connected");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (redisGetReply(r->c, (void **)&replies[i]) != REDIS_OK || !replies[i]) {
            snprintf(errstr, errstr_size, "redis pipeline: %s", r->c->errstr);
            for (size_t k = 0; k < i; k++) {
                freeReplyObject(replies[k]);
                replies[k] = NULL;
            }
            redisFree(r->c);
            r->c = NULL;
            return -1;
        }
    }
    return 0;
}

int rc_redis_script_load(rc_redis_t *r, rc_redis_script_t *s, char *errstr, size_t errstr_size) {
    const char *argv[] = {"SCRIPT", "LOAD", s->src};
    redisReply *rep = rc_redis_command(r, 3, argv, errstr, errstr_size);
    if (!rep)
        return -1;
    if (rep->type == REDIS_REPLY_STRING)
        snprintf(s->sha, sizeof(s->sha), "%s", rep->str);
    freeReplyObject(rep);
    return 0;
}

/* A token bucket in one hash {tokens, ts}, refilled from the server's own
 * clock (TIME), so replicas with skewed clocks still share one rate.
 * Returns 0 when a token was taken, else the ms until one is due. */
static rc_redis_script_t rc_bucket_script = {
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local rate = tonumber(ARGV[1]) / 1000\n"
    "local burst = tonumber(ARGV[2])\n"
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')\n"
    "local tokens = tonumber(b[1]) or burst\n"
    "local ts = tonumber(b[2]) or now\n"
    "if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate) end\n"
    "local wait = 0\n"
    "if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end\n"
    "redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))\n"
    "redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 60000)\n"
    "return wait\n",
    ""};

int rc_redis_bucket_take(rc_redis_t *r, const char *key, double rate_per_s, long burst, long *wait_ms, char *errstr,
                         size_t errstr_size) {
    char rate[32], b[32];
    const char *argv[3] = {key, rate, b};
    redisReply *rep;

    *wait_ms = 0;
    snprintf(rate, sizeof(rate), "%.6f", rate_per_s);
    snprintf(b, sizeof(b), "%ld", burst < 1 ? 1 : burst);
    rep = rc_redis_eval(r, &rc_bucket_script, 1, 3, argv, errstr, errstr_size);
    if (!rep)
        return -1;
    if (rep->type != REDIS_REPLY_INTEGER) {
        snprintf(errstr, errstr_size, "token bucket: unexpected reply type %d", rep->type);
        freeReplyObject(rep);
        return -1;
    }
    *wait_ms = (long)rep->integer;
    freeReplyObject(rep);
    return 0;
}

/* Leases: SET NX PX to take, compare-and-PEXPIRE to renew, compare-and-DEL
 * to give back, so a replica never extends or drops another's lease. */
static rc_redis_script_t rc_lease_script = {
    "local cur = redis.call('GET', KEYS[1])\n"
    "if not cur then\n"
    "  if ARGV[2] ~= '0' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end\n"
    "  return 1\n"
    "end\n"
    "if cur == ARGV[1] then\n"
    "  if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\n"
    "  return 1\n"
    "end\n"
    "return 0\n",
    ""};

int rc_redis_lease(rc_redis_t *r, const char *key, const char *owner, long ttl_ms, char *errstr, size_t errstr_size) {
    char ttl[32];
    const char *argv[3] = {key, owner, ttl};
    redisReply *rep;
    int held;

    snprintf(ttl, sizeof(ttl), "%ld", ttl_ms < 0 ? 0 : ttl_ms);
    rep = rc_redis_eval(r, &rc_lease_script, 1, 3, argv, errstr, errstr_size);
    if (!rep)
        return -1;
    held = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
    freeReplyObject(rep);
    return held;
}
