/* Small helpers shared by every module: time, encodings, signatures. */
#ifndef RC_UTIL_H
#define RC_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Current UTC time as "2026-11-22T06:38:31.123Z" into buf (>= 32 bytes). */
void rc_now_rfc3339(char *buf, size_t buf_size);
/* Monotonic milliseconds, for latencies and deadlines. */
int64_t rc_mono_ms(void);
/* Parses an RFC 3339 time ("2026-11-22T06:38:31Z", "...31.123Z",
 * "...31+01:00") into Unix seconds (fractions dropped). Returns 0, or -1
 * when "s" is not such a time. Pure. */
int rc_rfc3339_epoch(const char *s, int64_t *out);
/* Decodes the UTF-8 sequence at "p" (before "end") into *cp and returns its
 * length, or 0 when the lead byte or a continuation byte is wrong or the
 * sequence is cut off. Structural only: overlong forms and surrogates are
 * decoded (rc_utf8_valid() rejects them). */
size_t rc_utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp);
/* Non-zero when buf[0..len) is valid UTF-8 without NUL bytes. */
int rc_utf8_valid(const char *buf, size_t len);
/* Non-zero when every byte of buf[0..len) is ASCII (below 0x80), so the
 * bytes are valid UTF-8 (NUL included) without a closer look: eight bytes
 * at a time. */
int rc_ascii_only(const void *buf, size_t len);
/* Base64 of buf, malloc'd, NUL-terminated; caller frees. */
char *rc_base64(const void *buf, size_t len);
/* Lower-case hex HMAC-SHA256 of msg with key into out (>= 65 bytes). */
void rc_hmac_sha256_hex(const char *key, size_t key_len, const void *msg, size_t msg_len, char *out);
/* Constant-time comparison of two NUL-terminated strings. */
int rc_consttime_streq(const char *a, const char *b);

/* A post's version for dedup and idempotency keys (post: a Post object,
 * borrowed): its id, or for an edit (same id, new text) "id:edit:<64-bit
 * FNV-1a of the text in hex>" and for a delete "id:delete", so an edit is
 * news once and a redelivered edit is still a repeat. Returns buf. */
struct json_t;
const char *rc_post_version(const struct json_t *post, char *buf, size_t buf_size);

#endif
