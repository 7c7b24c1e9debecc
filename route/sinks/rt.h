/*
 * The Request Tracker sink ("type: rt"): one RT ticket per case, one
 * comment per follow-up, over RT 5's REST2 API.
 *
 * This header exposes the sink's conf struct and its pure request/response
 * helpers so they can be unit-tested without a server; route itself only
 * needs rc_sink_rt from route/sinks/registry.c.
 *
 * The shapes below were checked against RT 5.0.3 (Debian 12) with
 * tests/integration/lib/rt5.sh and RT::REST2's documentation:
 *
 *   POST /REST/2.0/ticket            application/json
 *     {"Queue": "General", "Subject": "...", "Content": "...",
 *      "ContentType": "text/plain", "Priority": 100, "Requestor": "a@b"}
 *     -> 201 {"id": "12", "type": "ticket", "_url": ".../ticket/12"}
 *   POST /REST/2.0/ticket/12/comment application/json
 *     {"Subject": "...", "Content": "...", "ContentType": "text/plain"}
 *     -> 201 ["Comments added"]     (text/plain bodies are accepted too)
 *   errors -> 4xx/5xx {"message": "Unauthorized"} (401 for bad credentials,
 *     403 "No permission to create tickets in the queue 'X'" for a queue
 *     that does not exist or is not writable, 400 for bad input).
 *
 * Thread locality: as every sink, a context is used by one thread.
 */
#ifndef RC_SINK_RT_H
#define RC_SINK_RT_H

#include <jansson.h>
#include <stddef.h>

#include "config.h"
#include "sink.h"

/* Bound from route.sinks.<name> by rc_sink_rt_config; strings are owned by
 * the struct (rc_config_table_free()). */
typedef struct rc_sink_rt_conf {
    char *url;              /* RT's web root, e.g. https://rt.example.com or .../rt */
    char *user;             /* basic auth; both or neither with password */
    char *password;
    char *token;            /* RT auth token ("Authorization: token ..."), instead of user/password */
    char *queue;            /* queue name; NULL means "General" */
    long timeout_ms;        /* whole request; <= 0 means 10 s */
    int priority_from_urgency; /* send Priority mapped from the request's 0..100 */
    char *requestor_domain; /* when set, the author handle becomes requestor <handle>@<domain> */
} rc_sink_rt_conf_t;

extern const rc_config_entry_t rc_sink_rt_config[];
extern const rc_sink_ops_t rc_sink_rt;

/* RT subjects are a varchar(200) column: longer ones are cut. */
#define RC_RT_SUBJECT_MAX_CHARS 200

/* Maps urgency 0..100 onto RT 5's default priority labels (%PriorityAsString
 * Default => {Low => 0, Medium => 50, High => 100}, where a ticket shows the
 * highest label whose number is <= its priority):
 *   urgency  0..33  -> 0   (Low)
 *   urgency 34..66  -> 50  (Medium)
 *   urgency 67..100 -> 100 (High)
 * Passing urgency through unchanged would show 99 as "Medium". Values
 * outside 0..100 are clamped first. Pure. */
int rc_rt_priority_from_urgency(int urgency);

/* The requestor address for an author "handle" under "domain": leading '@'s
 * are dropped, letters are lower-cased, '@' (as in Mastodon's
 * user@instance) becomes '.', anything outside [a-z0-9._+-] becomes '_', and
 * leading/trailing dots are trimmed: "@Bob@mastodon.social" with
 * "social.invalid" gives "bob.mastodon.social@social.invalid". RT only keeps
 * requestors that are e-mail addresses (a bare handle is dropped silently)
 * and mails them on create, which is why a handle is never sent as-is.
 * Returns 0 with the address in "out", or -1 when there is none (NULL or
 * empty handle or domain, or it does not fit). Pure. */
int rc_rt_requestor_address(const char *handle, const char *domain, char *out, size_t out_size);

/* The JSON body of POST /REST/2.0/ticket for "req" under "conf". Returns a
 * new object the caller owns (json_decref()), or NULL on allocation failure.
 * Invalid UTF-8 in the request is replaced with U+FFFD rather than refused.
 * Pure. */
json_t *rc_rt_ticket_body(const rc_sink_rt_conf_t *conf, const rc_sink_request_t *req);

/* The JSON body of POST /REST/2.0/ticket/<id>/comment. An empty body falls
 * back to the subject (RT refuses a comment with no content). Caller owns
 * the result. Pure. */
json_t *rc_rt_comment_body(const rc_sink_request_t *req);

/* Parses RT's 201 answer to a create ({"id": "123", ...}; the id may also be
 * a JSON number) into "id". Returns 0, or -1 with errstr when the body is not
 * JSON, has no numeric id or the id does not fit. Pure. */
int rc_rt_parse_created(const char *body, size_t len, char *id, size_t id_size, char *errstr, size_t errstr_size);

/* RT's reason for a failed request, for rc_sink_result_t.detail: the
 * "message" of a JSON error object, the strings of a JSON array joined with
 * "; ", or else the body's text with whitespace runs collapsed; always cut
 * (on a UTF-8 boundary) to fit "out". Empty body gives "". Pure. */
void rc_rt_error_detail(const char *body, size_t len, char *out, size_t out_size);

/* The REST2 API root for RT's web root "base": trailing slashes and a
 * trailing "/REST/2.0" are dropped and "/REST/2.0" appended, so both
 * "https://h/rt/" and "https://h/rt/REST/2.0" give "https://h/rt/REST/2.0".
 * Returns 0, or -1 when "base" is not an http(s) URL or "out" is too small.
 * Pure. */
int rc_rt_api_root(const char *base, char *out, size_t out_size);

/* Whether "id" is a ticket number (1..18 digits), so it can go into a URL
 * path as it is. Pure. */
int rc_rt_ticket_id_valid(const char *id);

#endif
