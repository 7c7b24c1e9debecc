#include "util.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

void rc_now_rfc3339(char *buf, size_t buf_size) {
    struct timeval tv;
    struct tm tm;
    char tmp[32];

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, buf_size, "%s.%03dZ", tmp, (int)(tv.tv_usec / 1000));
}

int64_t rc_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t rc_utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp) {
    uint32_t c;
    size_t n;

    if (p >= end)
        return 0;
    c = p[0];
    if (c < 0x80)
        n = 1;
    else if ((c & 0xE0) == 0xC0)
        n = 2, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        n = 3, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        n = 4, c &= 0x07;
    else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    *cp = c;
    return n;
}

int rc_utf8_valid(const char *buf, size_t len) {
    const unsigned char *p = (const unsigned char *)buf, *end = p + len;

    while (p < end) {
        uint32_t cp;
        size_t n = rc_utf8_decode(p, end, &cp);
        /* NUL, overlong forms, surrogates and values past U+10FFFF are invalid. */
        if (n == 0 || cp == 0 || (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n;
    }
    return 1;
}

int rc_ascii_only(const void *buf, size_t len) {
    const unsigned char *p = buf;
    uint64_t acc = 0, w;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    for (; i < len; i++)
        acc |= p[i];
    return (acc & 0x8080808080808080ULL) == 0;
}

char *rc_base64(const void *buf, size_t len) {
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
    return out;
}

void rc_hmac_sha256_hex(const char *key, size_t key_len, const void *msg, size_t msg_len, char *out) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, md, &md_len);
    for (unsigned int i = 0; i < md_len; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
    out[2 * md_len] = '\0';
}

int rc_consttime_streq(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

const char *rc_post_version(const json_t *post, char *buf, size_t buf_size) {
    const char *event = json_string_value(json_object_get(post, "event"));
    const char *id = json_string_value(json_object_get(post, "id"));

    if (event && strcmp(event, "edit") == 0) {
        /* FNV-1a: stable across processes and releases, unlike a seeded hash. */
        uint64_t h = 14695981039346656037ULL;
        for (const unsigned char *p = (const unsigned char *)json_string_value(json_object_get(post, "text"));
             p && *p; p++)
            h = (h ^ *p) * 1099511628211ULL;
        snprintf(buf, buf_size, "%s:edit:%016llx", id ? id : "", (unsigned long long)h);
    } else if (event && strcmp(event, "delete") == 0) {
        snprintf(buf, buf_size, "%s:delete", id ? id : "");
    } else {
        snprintf(buf, buf_size, "%s", id ? id : "");
    }
    return buf;
}
