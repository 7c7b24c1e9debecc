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

/* "n" decimal digits at "s" into *v; -1 when one is not a digit. */
static int rc_digits(const char *s, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil): no timegm(), no TZ environment. */
static int64_t rc_days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int rc_rfc3339_epoch(const char *s, int64_t *out) {
    int Y, M, D, h, mi, sec, oh = 0, om = 0, sign = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (s == NULL || strnlen(s, 20) < 20 || rc_digits(s, 4, &Y) || s[4] != '-' || rc_digits(s + 5, 2, &M) ||
        s[7] != '-' || rc_digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        rc_digits(s + 11, 2, &h) || s[13] != ':' || rc_digits(s + 14, 2, &mi) || s[16] != ':' ||
        rc_digits(s + 17, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || mi > 59 || sec > 60)
        return -1;
    if (M == 2 && D == 29 && !(Y % 4 == 0 && (Y % 100 != 0 || Y % 400 == 0)))
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        if (strnlen(p, 6) < 6 || rc_digits(p + 1, 2, &oh) || p[3] != ':' || rc_digits(p + 4, 2, &om) || oh > 23 ||
            om > 59)
            return -1;
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    *out = rc_days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec) -
           sign * (oh * 3600 + om * 60);
    return 0;
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
