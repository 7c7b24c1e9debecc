/*
 * ricochet-route: EnrichedPosts in; tickets, comments, alerts and records
 * out; one Action record per decision on the actions topic.
 *
 * For each batch: match rules (rules.c); look up every (post, action) pair's
 * idempotency key and case window in one pipelined Redis round trip
 * (cases.c); call the sinks in order, retrying transient failures with
 * exponential backoff (honouring Retry-After); write the new idempotency
 * keys and case windows in one more round trip; emit Actions. A record's
 * offset is stored only when its Actions (and any dead letter) are
 * acknowledged, so a crash re-routes it, and the idempotency key then
 * suppresses the second ticket.
 *
 * Posts of one author share a Kafka key, so they reach one replica in order:
 * two replicas never race on one case.
 */
#include "route.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "log.h"
#include "redis.h"
#include "rules.h"
#include "util.h"

#define OFF(f) offsetof(rc_route_conf_t, f)
static const rc_config_entry_t rc_route_table[] = {
    {"case_window", RC_CT_DURATION, "24h", 1000, 365LL * 86400 * 1000, NULL, OFF(case_window_ms), 0,
     "A post from the same case within this window (extended by each follow-up) comments on the open ticket."},
    {"idempotency_window", RC_CT_DURATION, "7d", 1000, 365LL * 86400 * 1000, NULL, OFF(idempotency_window_ms), 0,
     "How long a handled post is remembered, so a redelivered record never acts twice."},
    {"retry.max_attempts", RC_CT_INT, "4", 1, 100, NULL, OFF(retry_max_attempts), 0,
     "Attempts per sink call before the post is dead-lettered."},
    {"retry.backoff", RC_CT_DURATION, "250ms", 1, 600000, NULL, OFF(retry_backoff_ms), 0,
     "First retry delay; doubles each attempt, with jitter."},
    {"retry.max_backoff", RC_CT_DURATION, "10s", 1, 3600000, NULL, OFF(retry_max_backoff_ms), 0,
     "Upper bound of one retry delay (also caps Retry-After)."},
    {"default_subject", RC_CT_STRING, "[{{intent}}] @{{post.author.handle}} on {{post.platform}}: {{text_short}}", 0,
     0, NULL, OFF(default_subject), 0, "Template for ticket subjects ({{dotted.path}} of the EnrichedPost)."},
    {"default_body", RC_CT_STRING,
     "{{text}}\n\n"
     "Author: {{post.author.name}} (@{{post.author.handle}}, {{post.author.followers}} followers)\n"
     "Post: {{post.url}}\nPlatform: {{post.platform}} id {{post.id}} at {{post.created_at}}\n"
     "Intent: {{intent}}; sentiment {{sentiment.label}} ({{sentiment.score}}); urgency {{urgency}} "
     "{{urgency_reasons}}\nEntities: {{entities}}\n",
     0, 0, NULL, OFF(default_body), 0, "Template for ticket bodies and comments."},
    {"sinks", RC_CT_NODE, NULL, 0, 0, NULL, OFF(sinks), 0,
     "Map of sink name -> {type: rt|file|kafka, ...the type's keys}."},
    {"rules", RC_CT_NODE, NULL, 0, 0, NULL, OFF(rules), 0, "Ordered list of rules (see docs/rules.md)."},
    RC_CONFIG_END};

typedef struct rc_route_sink {
    char *name;
    const rc_sink_ops_t *ops;
    void *conf;
    rc_config_entry_t *table; /* ops->config plus "type" */
    void *ctx;
    struct rc_sink_env env;
} rc_route_sink_t;

typedef struct rc_route {
    const rc_route_conf_t *conf;
    rc_worker_t *w;
    rc_route_sink_t *sinks;
    int nsinks;
    rc_rules_t *rules;
    rc_redis_t *redis;
    rc_cases_t *cases;
    rc_metric_t *m_tickets, *m_comments, *m_dups, *m_no_match, *m_failed, *m_retries, *m_produced;
    rc_metric_t *m_not_routed;
    rc_metric_t *m_sink_seconds;
    json_t *dry_cases;     /* --dry-run: the cases it would have opened */
    unsigned long dry_seq;
} rc_route_t;

static int rc_route_sink_exists(void *opaque, const char *name) {
    rc_route_t *rt = opaque;
    for (int i = 0; i < rt->nsinks; i++)
        if (!strcmp(rt->sinks[i].name, name))
            return 1;
    return 0;
}

static rc_route_sink_t *rc_route_sink_get(rc_route_t *rt, const char *name) {
    for (int i = 0; i < rt->nsinks; i++)
        if (!strcmp(rt->sinks[i].name, name))
            return &rt->sinks[i];
    return NULL;
}

/* A sink's table is its own keys plus "type", which is stored just past the
 * sink's conf struct so sink modules need not know about it. */
static int rc_route_sinks_init(rc_route_t *rt, char *errstr, size_t errstr_size) {
    const rc_config_t *cfg = rc_worker_config(rt->w);
    const rc_node_t *sinks = rt->conf->sinks;
    int n = 0;

    if (!sinks)
        return 0;
    if (sinks->type != RC_NODE_MAP) {
        char where[300];
        rc_config_where(cfg, sinks, where, sizeof(where));
        snprintf(errstr, errstr_size, "%skey 'route.sinks': must be a map of sink name -> settings", where);
        return -1;
    }
    for (const rc_node_t *c = sinks->child; c; c = c->next)
        n++;
    rt->sinks = calloc((size_t)n, sizeof(*rt->sinks));
    if (!rt->sinks)
        return -1;
    for (const rc_node_t *c = sinks->child; c; c = c->next) {
        rc_route_sink_t *s = &rt->sinks[rt->nsinks++];
        char where[300], section[300];
        const rc_node_t *type = rc_node_get(c, "type");
        rc_config_where(cfg, c, where, sizeof(where));
        s->name = strdup(c->key);
        if (c->type != RC_NODE_MAP || !type || !type->value) {
            snprintf(errstr, errstr_size, "%skey 'route.sinks.%s': needs 'type' (one of the sink types)", where,
                     c->key);
            return -1;
        }
        s->ops = rc_sink_find(type->value);
        if (!s->ops) {
            const char *names[32];
            int k = 0;
            for (; rc_sink_registry[k] && k < 31; k++)
                names[k] = rc_sink_registry[k]->type;
            names[k] = NULL;
            const char *hint = rc_did_you_mean(type->value, names);
            rc_config_where(cfg, type, where, sizeof(where));
            snprintf(errstr, errstr_size, "%skey 'route.sinks.%s.type': unknown sink type '%s'%s%s%s", where, c->key,
                     type->value, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
            return -1;
        }
        size_t nk = 0, csz = (s->ops->conf_size + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *);
        while (s->ops->config && s->ops->config[nk].name)
            nk++;
        s->table = calloc(nk + 2, sizeof(*s->table));
        s->conf = calloc(1, csz + sizeof(char *));
        if (!s->table || !s->conf)
            return -1;
        if (nk)
            memcpy(s->table, s->ops->config, nk * sizeof(*s->table));
        s->table[nk] = (rc_config_entry_t){"type", RC_CT_STRING, NULL, 0, 0, NULL, csz, 1, "Sink type."};
        snprintf(section, sizeof(section), "route.sinks.%s", c->key);
        if (rc_config_bind(cfg, section, s->table, s->conf, errstr, errstr_size))
            return -1;
        s->env.w = rt->w;
        s->env.name = s->name;
        /* --check and --dry-run touch no sink (not even to open a file):
         * binding above has validated its keys. */
        if (rc_worker_checking(rt->w) || rc_worker_dry_run(rt->w))
            continue;
        if (s->ops->init(&s->ctx, s->conf, &s->env, errstr, errstr_size))
            return -1;
    }
    return 0;
}

static void rc_route_destroy(void *ctx) {
    rc_route_t *rt = ctx;
    if (!rt)
        return;
    for (int i = 0; i < rt->nsinks; i++) {
        rc_route_sink_t *s = &rt->sinks[i];
        if (s->ops && s->ctx)
            s->ops->destroy(s->ctx);
        if (s->table) {
            rc_config_table_free(s->table, s->conf);
            free(s->table);
        }
        free(s->conf);
        free(s->name);
    }
    free(rt->sinks);
    rc_rules_destroy(rt->rules);
    rc_cases_destroy(rt->cases);
    json_decref(rt->dry_cases);
    rc_redis_destroy(rt->redis);
    free(rt);
}

static int rc_route_init(void **ctxp, rc_worker_t *w, const void *conf, char *errstr, size_t errstr_size) {
    rc_route_t *rt = calloc(1, sizeof(*rt));
    const rc_common_conf_t *cc = rc_worker_common(w);
    static const double buckets[] = {0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    if (!rt) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    *ctxp = rt;
    rt->conf = conf;
    rt->w = w;
    rt->dry_cases = json_object();
    rt->m_tickets = rc_worker_counter(w, "actions_total", "action=\"ticket_created\"", "Actions taken, by kind.");
    rt->m_comments = rc_worker_counter(w, "actions_total", "action=\"comment_added\"", "Actions taken, by kind.");
    rt->m_produced = rc_worker_counter(w, "actions_total", "action=\"produced\"", "Actions taken, by kind.");
    rt->m_dups = rc_worker_counter(w, "actions_total", "action=\"duplicate_suppressed\"", "Actions taken, by kind.");
    rt->m_no_match = rc_worker_counter(w, "actions_total", "action=\"no_match\"", "Actions taken, by kind.");
    rt->m_not_routed = rc_worker_counter(w, "actions_total", "action=\"not_routed\"", "Actions taken, by kind.");
    rt->m_failed = rc_worker_counter(w, "actions_total", "action=\"failed\"", "Actions taken, by kind.");
    rt->m_retries = rc_worker_counter(w, "sink_retries_total", NULL, "Sink calls retried after a transient failure.");
    rt->m_sink_seconds = rc_histogram("ricochet_route_sink_request_duration_seconds", NULL,
                                      "Time of one sink call (including retries).", buckets,
                                      sizeof(buckets) / sizeof(buckets[0]));
    if (rc_route_sinks_init(rt, errstr, errstr_size))
        return -1;
    rt->rules = rc_rules_parse(rc_worker_config(w), rt->conf->rules, rc_route_sink_exists, rt, errstr, errstr_size);
    if (!rt->rules)
        return -1;
    if (cc->redis_url && !rc_worker_checking(w)) {
        rt->redis = rc_redis_connect(cc->redis_url, cc->redis_timeout_ms, errstr, errstr_size);
        if (!rt->redis)
            return -1;
    } else if (!rc_worker_file_mode(w)) {
        rc_log_warn("no redis.url: case windows and idempotency keys live in this process only "
                    "(fine for one replica; run Redis for more)");
    }
    rt->cases = rc_cases_new(rt->redis, rt->conf->case_window_ms / 1000, rt->conf->idempotency_window_ms / 1000);
    return rt->cases ? 0 : -1;
}

/* One (post, action) pair of a batch. */
typedef struct rc_route_job {
    rc_input_t *in;
    const rc_rule_t *rule;
    const rc_rule_action_t *act;
    rc_route_sink_t *sink;
    rc_case_q_t q;
    char case_key[RC_CASE_KEY_MAX];
    char idem_value[300 + 256];
    char ext[256];
    int ok;
} rc_route_job_t;

static void rc_route_action(rc_route_t *rt, rc_input_t *in, const char *case_key, const char *rule, const char *sink,
                            const char *action, const char *status, const char *ext, const char *detail,
                            long latency_ms) {
    char at[40], err[512];
    const json_t *ep = in->record, *post = json_object_get(ep, "post");
    rc_now_rfc3339(at, sizeof(at));
    json_t *a = json_pack("{s:O, s:O, s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:O, s:O, s:I, s:s}", "post_id",
                          json_object_get(post, "id"), "platform", json_object_get(post, "platform"), "case_key",
                          case_key, "rule", rule ? json_string(rule) : json_null(), "sink",
                          sink ? json_string(sink) : json_null(), "action", action, "status", status, "external_id",
                          ext && *ext ? json_string(ext) : json_null(), "detail",
                          detail && *detail ? json_string(detail) : json_null(), "intent",
                          json_object_get(ep, "intent"), "urgency", json_object_get(ep, "urgency"), "latency_ms",
                          (json_int_t)latency_ms, "at", at);
    if (!a) {
        rc_worker_dead_letter(rt->w, in, "internal", "cannot build Action record");
        return;
    }
    if (rc_worker_emit(rt->w, in, RC_OUT_ACTIONS, case_key, a, err, sizeof(err)))
        rc_worker_dead_letter(rt->w, in, "internal", "cannot produce Action: %s", err);
    json_decref(a);
}

/* Calls the sink, retrying transient failures. Returns 0 on success, -1 on
 * a failure to dead-letter, 1 when shutdown interrupted the retries (the
 * post is then left for redelivery, not dead-lettered). */
static int rc_route_call(rc_route_t *rt, rc_route_job_t *j, int follow, const rc_sink_request_t *req,
                         rc_sink_result_t *res) {
    long backoff = rt->conf->retry_backoff_ms;
    for (long attempt = 1;; attempt++) {
        memset(res, 0, sizeof(*res));
        j->sink->env.current = j->in;
        int rc = follow ? j->sink->ops->follow_up(j->sink->ctx, j->q.value, req, res)
                        : j->sink->ops->open_case(j->sink->ctx, req, res);
        if (rc == 0)
            return 0;
        if (!res->retriable || attempt >= rt->conf->retry_max_attempts)
            return -1;
        if (rc_worker_stopping(rt->w))
            return 1;
        long delay = backoff + (backoff > 1 ? random() % (backoff / 2 + 1) : 0);
        if (res->retry_after_ms > delay)
            delay = res->retry_after_ms;
        if (delay > rt->conf->retry_max_backoff_ms)
            delay = rt->conf->retry_max_backoff_ms;
        rc_metric_inc(rt->m_retries, 1);
        rc_log_warn("sink %s: attempt %ld failed (%s); retrying in %ld ms", j->sink->name, attempt, res->detail,
                    delay);
        /* Sleep in slices so SIGTERM is not held up by a long Retry-After. */
        for (long slept = 0; slept < delay && !rc_worker_stopping(rt->w); slept += 50)
            usleep((useconds_t)(delay - slept < 50 ? delay - slept : 50) * 1000);
        if (rc_worker_stopping(rt->w))
            return 1;
        backoff = backoff * 2 > rt->conf->retry_max_backoff_ms ? rt->conf->retry_max_backoff_ms : backoff * 2;
    }
}

static int rc_route_process(void *ctx, rc_worker_t *w, rc_input_t **in, size_t n) {
    rc_route_t *rt = ctx;
    rc_route_job_t *jobs = NULL;
    rc_case_w_t *writes = NULL;
    size_t nj = 0, cap = n * 2 + 1, nw = 0;
    /* This batch's own idem/case updates. A dry run writes nothing to Redis,
     * so it keeps them for the whole run instead: a follow-up then shows as
     * the comment it would be. */
    json_t *local = rc_worker_dry_run(w) ? json_incref(rt->dry_cases) : json_object();
    char err[512];
    int ret = -1;

    jobs = calloc(cap, sizeof(*jobs));
    if (!jobs)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const json_t *post = json_object_get(in[i]->record, "post");
        char case_key[RC_CASE_KEY_MAX];
        int matched[16];
        /* A key cut short would merge distinct authors into one case (or
         * posts into one idempotency key): such a record is refused. */
        if ((size_t)snprintf(case_key, sizeof(case_key), "%s:%s",
                             json_string_value(json_object_get(post, "platform")),
                             json_string_value(json_object_get(json_object_get(post, "author"), "id"))) >=
            sizeof(case_key)) {
            rc_worker_dead_letter(w, in[i], "validation", "platform:author.id longer than %d bytes",
                                  RC_CASE_KEY_MAX - 1);
            continue;
        }
        /* A delete or a repost is no new case: it is recorded, not routed
         * (docs/post-formats.md). */
        const char *event = json_string_value(json_object_get(post, "event"));
        if (event && (strcmp(event, "delete") == 0 || strcmp(event, "repost") == 0)) {
            rc_metric_inc(rt->m_not_routed, 1);
            rc_route_action(rt, in[i], case_key, NULL, NULL, "not_routed", "ok", NULL, event, 0);
            continue;
        }
        int nm = rc_rules_match(rt->rules, in[i]->record, matched, 16);
        if (nm == 0) {
            rc_metric_inc(rt->m_no_match, 1);
            rc_route_action(rt, in[i], case_key, NULL, NULL, "no_match", "ok", NULL, NULL, 0);
            continue;
        }
        size_t first_job = nj;
        int too_long = 0;
        for (int m = 0; m < nm && !too_long; m++) {
            const rc_rule_t *rule = &rt->rules->rules[matched[m]];
            for (int a = 0; a < rule->nactions; a++) {
                if (nj == cap) {
                    cap *= 2;
                    rc_route_job_t *nj2 = realloc(jobs, cap * sizeof(*jobs));
                    if (!nj2)
                        goto out;
                    jobs = nj2;
                }
                rc_route_job_t *j = &jobs[nj++];
                memset(j, 0, sizeof(*j));
                j->in = in[i];
                j->rule = rule;
                j->act = &rule->actions[a];
                j->sink = rc_route_sink_get(rt, j->act->sink);
                snprintf(j->case_key, sizeof(j->case_key), "%s", case_key);
                char ver[512];
                if ((size_t)snprintf(j->q.idem_key, sizeof(j->q.idem_key), "ricochet:idem:%s:%s:%s:%s",
                                     j->sink->name, json_string_value(json_object_get(post, "platform")),
                                     rc_post_version(post, ver, sizeof(ver)),
                                     rule->name) >= sizeof(j->q.idem_key) ||
                    (size_t)snprintf(j->q.case_key, sizeof(j->q.case_key), "ricochet:case:%s:%s", j->sink->name,
                                     case_key) >= sizeof(j->q.case_key))
                    too_long = 1;
            }
        }
        if (too_long) {
            nj = first_job; /* none of its actions */
            rc_worker_dead_letter(w, in[i], "validation", "post id, sink or rule name too long for a Redis key");
        }
    }
    if (rt->cases && nj) {
        rc_case_q_t *qs = calloc(nj, sizeof(*qs));
        if (!qs)
            goto out;
        for (size_t k = 0; k < nj; k++)
            qs[k] = jobs[k].q;
        if (rc_cases_check(rt->cases, qs, nj, err, sizeof(err))) {
            /* Without the case store we cannot act exactly once: stop and
             * let the batch be redelivered. */
            rc_log_error("case lookup failed: %s", err);
            free(qs);
            goto out;
        }
        for (size_t k = 0; k < nj; k++)
            jobs[k].q = qs[k];
        free(qs);
    }
    writes = calloc(nj ? nj : 1, sizeof(*writes));
    if (!writes)
        goto out;
    for (size_t k = 0; k < nj; k++) {
        rc_route_job_t *j = &jobs[k];
        const json_t *ep = j->in->record;
        /* Updates made earlier in this same batch win over the lookup. */
        const char *ld = json_string_value(json_object_get(local, j->q.idem_key));
        const char *lc = json_string_value(json_object_get(local, j->q.case_key));
        if (ld) {
            j->q.state = RC_CASE_DUP;
            snprintf(j->q.value, sizeof(j->q.value), "%s", ld);
        } else if (lc && j->q.state != RC_CASE_DUP) {
            j->q.state = RC_CASE_FOLLOW;
            snprintf(j->q.value, sizeof(j->q.value), "%s", lc);
        }
        if (j->q.state == RC_CASE_DUP) {
            const char *bar = strchr(j->q.value, '|');
            rc_metric_inc(rt->m_dups, 1);
            rc_route_action(rt, j->in, j->case_key, j->rule->name, j->sink->name, "duplicate_suppressed", "ok",
                            bar ? bar + 1 : NULL, "already handled (redelivered or repeated record)", 0);
            continue;
        }
        if (rc_worker_stopping(w) && !rc_worker_dry_run(w) && !rc_worker_file_mode(w)) {
            /* SIGTERM: no new sink calls; the rest of the batch is read again
             * after the restart (its idempotency keys keep what was done). */
            rc_worker_input_defer(j->in);
            continue;
        }
        int follow = j->q.state == RC_CASE_FOLLOW && j->sink->ops->follow_up;
        const char *kind = !j->sink->ops->follow_up ? "produced" : follow ? "comment_added" : "ticket_created";
        if (rc_worker_dry_run(w)) {
            char would[64];
            snprintf(would, sizeof(would), "dry-run-%lu", ++rt->dry_seq);
            const char *ext = follow ? j->q.value : would;
            snprintf(j->idem_value, sizeof(j->idem_value), "%s|%s", kind, ext);
            json_object_set_new(local, j->q.idem_key, json_string(j->idem_value));
            if (j->sink->ops->follow_up)
                json_object_set_new(local, j->q.case_key, json_string(ext));
            rc_route_action(rt, j->in, j->case_key, j->rule->name, j->sink->name, kind, "dry_run", ext,
                            "dry run: sink not called", 0);
            continue;
        }
        char *subject = NULL, *body = NULL;
        if (!j->sink->ops->no_text) {
            subject = rc_template_render(j->act->subject ? j->act->subject : rt->conf->default_subject, ep);
            body = rc_template_render(j->act->body ? j->act->body : rt->conf->default_body, ep);
        }
        const json_t *post = json_object_get(ep, "post");
        rc_sink_request_t req = {j->case_key,
                                 subject ? subject : "",
                                 body ? body : "",
                                 (int)json_integer_value(json_object_get(ep, "urgency")),
                                 json_string_value(json_object_get(json_object_get(post, "author"), "handle")),
                                 j->q.idem_key,
                                 ep};
        rc_sink_result_t res;
        int64_t t0 = rc_mono_ms();
        int rc = rc_route_call(rt, j, follow, &req, &res);
        long lat = (long)(rc_mono_ms() - t0);
        rc_metric_observe(rt->m_sink_seconds, lat / 1000.0);
        free(subject);
        free(body);
        if (rc == 1) {
            rc_log_warn("sink %s: shutting down while retrying; post %s is left for redelivery", j->sink->name,
                        json_string_value(json_object_get(json_object_get(ep, "post"), "id")));
            rc_worker_input_defer(j->in);
            continue;
        }
        if (rc) {
            char detail[700], status[32] = "";
            if (res.http_status)
                snprintf(status, sizeof(status), " with HTTP %ld", res.http_status);
            snprintf(detail, sizeof(detail), "sink %s (%s) failed%s: %s", j->sink->name, j->sink->ops->type, status,
                     res.detail);
            rc_metric_inc(rt->m_failed, 1);
            rc_route_action(rt, j->in, j->case_key, j->rule->name, j->sink->name, "failed", "failed", NULL, detail,
                            lat);
            rc_worker_dead_letter(w, j->in, "sink", "%s", detail);
            continue;
        }
        if (!j->sink->ops->follow_up) {
            rc_metric_inc(rt->m_produced, 1);
        } else if (follow) {
            rc_metric_inc(rt->m_comments, 1);
        } else {
            rc_metric_inc(rt->m_tickets, 1);
        }
        const char *ext = follow ? j->q.value : res.external_id;
        snprintf(j->ext, sizeof(j->ext), "%s", ext);
        snprintf(j->idem_value, sizeof(j->idem_value), "%s|%s", kind, ext);
        json_object_set_new(local, j->q.idem_key, json_string(j->idem_value));
        if (j->ext[0])
            json_object_set_new(local, j->q.case_key, json_string(j->ext));
        writes[nw++] = (rc_case_w_t){j->q.idem_key, j->idem_value, j->q.case_key, j->ext};
        rc_route_action(rt, j->in, j->case_key, j->rule->name, j->sink->name, kind, "ok", ext, NULL, lat);
    }
    if (rt->cases && rc_cases_commit(rt->cases, writes, nw, err, sizeof(err))) {
        rc_log_error("case update failed: %s", err);
        goto out;
    }
    ret = 0;
out:
    json_decref(local);
    free(writes);
    free(jobs);
    return ret;
}

static void rc_route_summary(void *ctx, json_t *s) {
    rc_route_t *rt = ctx;
    json_object_set_new(s, "tickets_opened", json_integer((json_int_t)rc_metric_value(rt->m_tickets)));
    json_object_set_new(s, "comments_added", json_integer((json_int_t)rc_metric_value(rt->m_comments)));
    json_object_set_new(s, "produced", json_integer((json_int_t)rc_metric_value(rt->m_produced)));
    json_object_set_new(s, "duplicates_suppressed", json_integer((json_int_t)rc_metric_value(rt->m_dups)));
    json_object_set_new(s, "no_match", json_integer((json_int_t)rc_metric_value(rt->m_no_match)));
    json_object_set_new(s, "failed", json_integer((json_int_t)rc_metric_value(rt->m_failed)));
}

static void rc_route_config_reference(FILE *fp) {
    for (size_t i = 0; rc_sink_registry[i]; i++) {
        const rc_sink_ops_t *ops = rc_sink_registry[i];
        char section[64];
        fprintf(fp, "\nSink type `%s` (`route.sinks.<name>` with `type: %s`): %s\n\n", ops->type, ops->type,
                ops->desc ? ops->desc : "");
        snprintf(section, sizeof(section), "route.sinks.<name>");
        rc_config_table_print(fp, section, ops->config, 1);
    }
}

const rc_stage_t rc_stage_route = {
    .name = "route",
    .description = "Consumes EnrichedPosts, applies rules, opens tickets / comments / records, produces Actions.",
    .default_http_port = 8083,
    .in_topic = "enriched",
    .in_schema = RC_SCHEMA_ENRICHED_POST,
    .config = rc_route_table,
    .conf_size = sizeof(rc_route_conf_t),
    .init = rc_route_init,
    .process = rc_route_process,
    .summary = rc_route_summary,
    .config_reference = rc_route_config_reference,
    .destroy = rc_route_destroy,
};
