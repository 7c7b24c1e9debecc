/*
 * Fast JSON for the workers' hot paths, with jansson's results.
 *
 * Reading: rc_payload_parse() builds the tree json_loadb() would, from
 * jsmn's tokens (about 2.5x cheaper), handing anything unusual to
 * json_loadb. Writing: rc_json_dump_append() writes the bytes json_dumps()
 * would in compact form, straight into a buffer (json_dumps goes through a
 * callback and a string buffer per piece: ~100 instructions a byte).
 *
 * Pure code, no I/O and no globals: safe on any number of threads, each
 * with its own buffers.
 */
#ifndef RC_JSON_FAST_H
#define RC_JSON_FAST_H

#include <jansson.h>
#include <stddef.h>

/* Parses JSON text exactly as json_loadb(buf, len, JSON_DECODE_ANY, jerr)
 * does (same tree, same errors), usually ~2.5x faster: a jsmn fast path
 * that hands anything unusual to json_loadb (tests/unit/test_payload_parse.c
 * pins the equivalence). Returns a new reference, or NULL with jerr filled
 * (jerr may be NULL). rc_payload_parse_fast() is the fast path alone: NULL
 * when it gave up (it only ever answers for a top-level object). */
json_t *rc_payload_parse(const char *buf, size_t len, json_error_t *jerr);
json_t *rc_payload_parse_fast(const char *buf, size_t len);

/* A growable byte buffer; zero-initialise it, and free "buf" when done. */
typedef struct rc_jbuf {
    char *buf;
    size_t len, cap;
} rc_jbuf_t;

/* Appends "json" (borrowed) to "b" as
 * json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(p))
 * writes it (object keys in insertion order, as jansson 2.14 always keeps
 * them), without a terminating NUL. "real_precision" is 1..30, or 0 for
 * jansson's default of 17 digits. Returns 0, or -1 when jansson would fail
 * too (a string that is not valid UTF-8, nesting deeper than 2048) or when
 * out of memory; "b" then holds what it held before.
 * tests/unit/test_json_fast.c pins the bytes against json_dumps(). */
int rc_json_dump_append(rc_jbuf_t *b, const json_t *json, int real_precision);

#endif
