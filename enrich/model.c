/*
 * The trainable classifier of enrich (model.h): feature hashing, softmax
 * regression trained with AdaGrad, and the model file.
 *
 * Weights are floats laid out bucket by bucket: row b holds the weights of
 * bucket b for every class of every head (8 floats, 32 bytes, for the two
 * heads), so one post's features touch one cache line each, whatever the
 * number of heads. At the default 2^18 buckets the table is 8 MiB.
 *
 * Features are streamed through a small fixed buffer ("sink") rather than
 * collected: prediction accumulates the class scores as the features come,
 * so it allocates nothing and has no limit on the text's length. Training
 * uses the same stream to store every example's features once.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"

/* ------------------------------------------------------------------ heads */

static const char *const intent_labels[] = {"complaint", "praise", "question", "request", "other"};
static const char *const sentiment_labels[] = {"negative", "neutral", "positive"};

static const struct {
    const char *name;
    const char *const *labels;
    size_t nlabels;
} heads[RC_MODEL_NHEADS] = {
    {"intent", intent_labels, sizeof(intent_labels) / sizeof(intent_labels[0])},
    {"sentiment", sentiment_labels, sizeof(sentiment_labels) / sizeof(sentiment_labels[0])},
};

/* The most classes a model can hold: every head's labels side by side.
 * In memory every bucket row has this many floats (32 bytes, half a cache
 * line, aligned) whatever the heads, so that the inner loop of prediction
 * is a fixed-width vector add; the file stores only the columns in use. */
#define MAX_COLS 8

/* A model file's weights must be within +-MAX_WEIGHT: trained weights stay
 * far below it (an AdaGrad step is at most lr, and lr at most MAX_LR), and
 * the bound keeps the sums of a crafted file's weights finite, so that
 * prediction never meets an infinity or a NaN. */
#define MAX_WEIGHT 1e6f
#define MAX_LR 10.0

int rc_model_head_index(const char *name) {
    for (int h = 0; name != NULL && h < RC_MODEL_NHEADS; h++) {
        if (strcmp(name, heads[h].name) == 0)
            return h;
    }
    return -1;
}

const char *rc_model_head_name(int h) {
    return h >= 0 && h < RC_MODEL_NHEADS ? heads[h].name : NULL;
}

const char *const *rc_model_head_labels(int h, size_t *n) {
    if (h < 0 || h >= RC_MODEL_NHEADS)
        return NULL;
    if (n != NULL)
        *n = heads[h].nlabels;
    return heads[h].labels;
}

int rc_model_label_index(int h, const char *label) {
    if (h < 0 || h >= RC_MODEL_NHEADS || label == NULL)
        return -1;
    for (size_t i = 0; i < heads[h].nlabels; i++) {
        if (strcmp(label, heads[h].labels[i]) == 0)
            return (int)i;
    }
    return -1;
}

struct rc_model {
    unsigned bits;
    uint32_t mask;
    size_t ncols;                 /* columns in use (every head's labels) */
    int has[RC_MODEL_NHEADS];     /* does the model have head h */
    size_t col0[RC_MODEL_NHEADS]; /* first column of head h */
    float bias[MAX_COLS];
    float *w; /* [2^bits][MAX_COLS], 64-byte aligned */
};

void rc_model_params_default(rc_model_params_t *p) {
    p->bits = RC_MODEL_DEFAULT_BITS;
    p->epochs = 10;
    p->seed = 1;
    p->lr = 0.2;
    p->l2 = 1e-5;
    p->heads = (1u << RC_MODEL_NHEADS) - 1;
}

void rc_model_destroy(rc_model_t *m) {
    if (m == NULL)
        return;
    free(m->w);
    free(m);
}

int rc_model_has_head(const rc_model_t *m, int h) {
    return m != NULL && h >= 0 && h < RC_MODEL_NHEADS && m->has[h];
}

const char *const *rc_model_labels(const rc_model_t *m, const char *head, size_t *n) {
    int h = rc_model_head_index(head);
    if (!rc_model_has_head(m, h))
        return NULL;
    return rc_model_head_labels(h, n);
}

unsigned rc_model_bits(const rc_model_t *m) {
    return m->bits;
}

/* Sets the head columns for the heads in "mask" and allocates the tables
 * (zeroed). Returns NULL when out of memory. */
static rc_model_t *model_alloc(unsigned bits, unsigned mask) {
    rc_model_t *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    m->bits = bits;
    m->mask = (uint32_t)((1u << bits) - 1);
    for (int h = 0; h < RC_MODEL_NHEADS; h++) {
        if (mask & (1u << h)) {
            m->has[h] = 1;
            m->col0[h] = m->ncols;
            m->ncols += heads[h].nlabels;
        }
    }
    size_t size = ((size_t)1 << bits) * MAX_COLS * sizeof(float);
    m->w = aligned_alloc(64, size);
    if (m->w == NULL) {
        rc_model_destroy(m);
        return NULL;
    }
    memset(m->w, 0, size);
    return m;
}

/* --------------------------------------------------------------- features */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* Distinguish the kinds of feature so that the word "can" and the
 * character trigram "can" land in different buckets. */
#define SEED_WORD 0x57a1c3e5d2b49f01ULL
#define SEED_BIGRAM 0x2f8e6b1d93c7a455ULL
#define SEED_CHAR 0x6c1b9e27f4d3a80bULL
#define SEED_CAPS 0x91d3f6a2c48e7b19ULL
#define HASH_START 0x3b7a9d1e5c2f4086ULL /* the "previous token" of the first one */

static inline uint64_t fnv_byte(uint64_t h, unsigned char c) {
    return (h ^ c) * FNV_PRIME;
}

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = fnv_byte(h, s[i]);
    return h;
}

/* MurmurHash3's 64-bit finaliser: FNV's low bits are weak on short keys and
 * the bucket is taken from the low bits, the sign from the top one. */
static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#define SINK_CAP 256

typedef struct sink {
    uint32_t mask;
    /* Prediction's weight rows: each is prefetched as its feature is
     * hashed, so that by the time the buffer is summed (up to SINK_CAP
     * features later) it is in cache. NULL when collecting. */
    const float *prefetch;
    size_t n;     /* features in buf */
    size_t total; /* features flushed before buf */
    void (*flush)(void *ctx, const uint32_t *f, size_t n);
    void *ctx;
    uint32_t buf[SINK_CAP];
} sink_t;

static inline void sink_push(sink_t *s, uint64_t h) {
    uint32_t bucket = (uint32_t)h & s->mask;
    if (s->prefetch != NULL)
        __builtin_prefetch(s->prefetch + (size_t)bucket * MAX_COLS);
    s->buf[s->n++] = bucket | ((uint32_t)(h >> 63) << 31);
    if (s->n == SINK_CAP) {
        s->flush(s->ctx, s->buf, s->n);
        s->total += s->n;
        s->n = 0;
    }
}

static void sink_finish(sink_t *s) {
    if (s->n > 0)
        s->flush(s->ctx, s->buf, s->n);
    s->total += s->n;
    s->n = 0;
}

/* Longer tokens are hashed on their first TOKEN_MAX bytes. */
#define TOKEN_MAX 48

typedef struct tokeniser {
    sink_t *sink;
    uint64_t prev; /* raw hash of the previous token */
} tokeniser_t;

/* Unigram, bigram with the previous token and, for words, the character
 * n-grams of " word ". */
static void emit_token(tokeniser_t *tk, const char *t, size_t len, int is_word) {
    uint64_t th = fnv(t, len, FNV_OFFSET);
    sink_push(tk->sink, mix64(th ^ SEED_WORD));
    sink_push(tk->sink, mix64((tk->prev * 0x9e3779b97f4a7c15ULL) ^ th ^ SEED_BIGRAM));
    tk->prev = th;
    if (!is_word)
        return;
    unsigned char pad[TOKEN_MAX + 2];
    size_t m = len + 2;
    pad[0] = ' ';
    memcpy(pad + 1, t, len);
    pad[len + 1] = ' ';
    for (size_t i = 0; i + 3 <= m; i++) {
        uint64_t h = fnv_byte(fnv_byte(FNV_OFFSET, pad[i]), pad[i + 1]);
        for (size_t n = 3; n <= 5 && i + n <= m; n++) {
            h = fnv_byte(h, pad[i + n - 1]);
            sink_push(tk->sink, mix64(h ^ SEED_CHAR));
        }
    }
}

static int is_space(unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' || c == '#' ||
           c == '_' || c == '\'' || c >= 0x80;
}

static int starts_url(const char *p) {
    char c = (char)(*p | 0x20);
    if (c != 'h' && c != 'w')
        return 0;
    return strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0 || strncasecmp(p, "www.", 4) == 0;
}

/* Ends the word being built in tok[0..*len): strips quotes around it, then
 * emits it and its ALL-CAPS marker. */
static void end_word(tokeniser_t *tk, char *tok, size_t *len, unsigned upper, unsigned lower) {
    size_t a = 0, b = *len;
    while (a < b && tok[a] == '\'')
        a++;
    while (b > a && tok[b - 1] == '\'')
        b--;
    if (b > a) {
        emit_token(tk, tok + a, b - a, 1);
        if (upper >= 3 && lower == 0)
            sink_push(tk->sink, mix64(SEED_CAPS));
    }
    *len = 0;
}

static void extract(const char *text, sink_t *sink) {
    tokeniser_t tk = {sink, HASH_START};
    char tok[TOKEN_MAX];
    size_t len = 0;
    unsigned upper = 0, lower = 0;
    const unsigned char *p = (const unsigned char *)(text != NULL ? text : "");

    for (;;) {
        unsigned char c = *p;
        if (c == '\0' || !is_word_byte(c)) {
            if (len > 0)
                end_word(&tk, tok, &len, upper, lower);
            upper = lower = 0;
            if (c == '\0')
                break;
            if (c == '?' || c == '!') {
                /* A run is one token: "?" or "??" (two or more). */
                size_t run = 0;
                while (p[run] == c)
                    run++;
                char t[2] = {(char)c, (char)c};
                emit_token(&tk, t, run > 1 ? 2 : 1, 0);
                p += run;
                continue;
            }
            p++;
            continue;
        }
        if (len == 0 && starts_url((const char *)p)) {
            while (*p != '\0' && !is_space(*p))
                p++;
            emit_token(&tk, "<url>", 5, 0);
            continue;
        }
        if (c >= 0xf0 && c <= 0xf4) {
            /* A four-byte sequence (emoji, mostly) is a token of its own. */
            if (len > 0)
                end_word(&tk, tok, &len, upper, lower);
            upper = lower = 0;
            size_t n = 1;
            while (n < 4 && p[n] >= 0x80 && p[n] <= 0xbf)
                n++;
            emit_token(&tk, (const char *)p, n, 0);
            p += n;
            continue;
        }
        if (c == 0xe2 && p[1] == 0x80 && p[2] == 0x99) {
            /* U+2019 is how phones write the apostrophe. */
            c = '\'';
            p += 2;
        } else if ((c == 0xef && p[1] == 0xb8 && p[2] == 0x8f) || (c == 0xe2 && p[1] == 0x80 && p[2] == 0x8d)) {
            /* Variation selector 16 and the zero-width joiner only shape
             * the emoji around them. */
            p += 3;
            continue;
        }
        if (c >= 'A' && c <= 'Z') {
            c = (unsigned char)(c + ('a' - 'A'));
            upper++;
        } else if (c >= 'a' && c <= 'z') {
            lower++;
        } else if (c >= '0' && c <= '9') {
            c = '0';
        }
        if (len < TOKEN_MAX)
            tok[len++] = (char)c;
        p++;
    }
    sink_finish(sink);
}

typedef struct collect {
    uint32_t *out;
    size_t cap, n;
} collect_t;

static void collect_flush(void *ctx, const uint32_t *f, size_t n) {
    collect_t *c = ctx;
    for (size_t i = 0; i < n; i++, c->n++) {
        if (c->n < c->cap)
            c->out[c->n] = f[i];
    }
}

size_t rc_model_features(const char *text, unsigned bits, uint32_t *out, size_t cap) {
    collect_t c = {out, cap, 0};
    sink_t s;
    if (bits < 1 || bits > 31)
        bits = RC_MODEL_DEFAULT_BITS;
    s.mask = (uint32_t)((1u << bits) - 1);
    s.n = s.total = 0;
    s.prefetch = NULL;
    s.flush = collect_flush;
    s.ctx = &c;
    extract(text, &s);
    return s.total;
}

/* ------------------------------------------------------------- prediction */

typedef struct scores {
    const float *w;
    float acc[MAX_COLS];
} scores_t;

/* The hot loop: a fixed-width multiply-add per feature, the sign taken
 * from a table rather than a branch (signs are coin flips, a branch would
 * be mispredicted half the time), and the sums kept in locals so that the
 * compiler can hold them in vector registers. */
static void scores_flush(void *ctx, const uint32_t *f, size_t n) {
    static const float sign[2] = {1.0f, -1.0f};
    scores_t *sc = ctx;
    float acc[MAX_COLS];
    memcpy(acc, sc->acc, sizeof(acc));
    for (size_t i = 0; i < n; i++) {
        const float *row = sc->w + (size_t)(f[i] & 0x7fffffffu) * MAX_COLS;
        const float sg = sign[f[i] >> 31];
        for (size_t c = 0; c < MAX_COLS; c++)
            acc[c] += sg * row[c];
    }
    memcpy(sc->acc, acc, sizeof(acc));
}

/* Features are scaled by 1/sqrt(count) so that a long post does not shout
 * down the bias; "z" gets bias + scale * sum for every column. */
static void model_scores(const rc_model_t *m, const char *text, double z[MAX_COLS]) {
    scores_t sc;
    sink_t s;
    sc.w = m->w;
    memset(sc.acc, 0, sizeof(sc.acc));
    s.mask = m->mask;
    s.n = s.total = 0;
    s.prefetch = m->w;
    s.flush = scores_flush;
    s.ctx = &sc;
    extract(text, &s);
    double scale = s.total > 0 ? 1.0 / sqrt((double)s.total) : 0.0;
    for (size_t c = 0; c < m->ncols; c++)
        z[c] = m->bias[c] + scale * sc.acc[c];
}

/* Softmax of z[0..n) into p; returns the arg max. */
static int softmax(const double *z, size_t n, double *p) {
    int best = 0;
    for (size_t c = 1; c < n; c++) {
        if (z[c] > z[best])
            best = (int)c;
    }
    double sum = 0;
    for (size_t c = 0; c < n; c++) {
        p[c] = exp(z[c] - z[best]);
        sum += p[c];
    }
    for (size_t c = 0; c < n; c++)
        p[c] /= sum;
    return best;
}

int rc_model_predict(const rc_model_t *m, const char *head, const char *text, double *probs_out, size_t nprobs) {
    int h = rc_model_head_index(head);
    double z[MAX_COLS], p[MAX_COLS];
    if (!rc_model_has_head(m, h))
        return -1;
    model_scores(m, text, z);
    size_t n = heads[h].nlabels;
    int best = softmax(z + m->col0[h], n, p);
    for (size_t c = 0; probs_out != NULL && c < n && c < nprobs; c++)
        probs_out[c] = p[c];
    return best;
}

void rc_model_predict_heads(const rc_model_t *m, const char *text, int best[RC_MODEL_NHEADS],
                            double prob[RC_MODEL_NHEADS]) {
    double z[MAX_COLS], p[MAX_COLS];
    model_scores(m, text, z);
    for (int h = 0; h < RC_MODEL_NHEADS; h++) {
        best[h] = -1;
        prob[h] = 0;
        if (!m->has[h])
            continue;
        best[h] = softmax(z + m->col0[h], heads[h].nlabels, p);
        prob[h] = p[best[h]];
    }
}

/* --------------------------------------------------------------- training */

/* Every example's features, stored one after the other. */
typedef struct featstore {
    uint32_t *f;
    size_t n, cap;
    int oom;
} featstore_t;

static void store_flush(void *ctx, const uint32_t *f, size_t n) {
    featstore_t *fs = ctx;
    if (fs->oom)
        return;
    if (fs->n + n > fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 65536;
        while (cap < fs->n + n)
            cap *= 2;
        uint32_t *nf = realloc(fs->f, cap * sizeof(*nf));
        if (nf == NULL) {
            fs->oom = 1;
            return;
        }
        fs->f = nf;
        fs->cap = cap;
    }
    memcpy(fs->f + fs->n, f, n * sizeof(*f));
    fs->n += n;
}

/* splitmix64: a small, well-mixed generator; the seed fixes the shuffle. */
static uint64_t rng_next(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rc_model_shuffle(size_t *v, size_t n, uint64_t *state) {
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(state) % i), t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* One AdaGrad step of head "h" on one example: softmax cross-entropy
 * gradient on the head's columns of every feature row, plus the L2 penalty
 * on the weights touched. */
static void train_step(rc_model_t *m, float *g2, float *g2b, int h, const uint32_t *f, size_t nf, int y,
                       const rc_model_params_t *p) {
    const size_t nc = heads[h].nlabels, o = m->col0[h];
    double scale = nf > 0 ? 1.0 / sqrt((double)nf) : 0.0;
    double z[MAX_COLS], prob[MAX_COLS];
    float acc[MAX_COLS] = {0};

    for (size_t i = 0; i < nf; i++) {
        const float *row = m->w + (size_t)(f[i] & 0x7fffffffu) * MAX_COLS + o;
        float sg = (f[i] >> 31) ? -1.0f : 1.0f;
        for (size_t c = 0; c < nc; c++)
            acc[c] += sg * row[c];
    }
    for (size_t c = 0; c < nc; c++)
        z[c] = m->bias[o + c] + scale * acc[c];
    softmax(z, nc, prob);

    const float lr = (float)p->lr, l2 = (float)p->l2;
    float g[MAX_COLS];
    for (size_t c = 0; c < nc; c++) {
        g[c] = (float)(prob[c] - ((int)c == y ? 1.0 : 0.0));
        float gb = g[c];
        g2b[o + c] += gb * gb;
        m->bias[o + c] -= lr * gb / sqrtf(g2b[o + c] + 1e-8f);
    }
    for (size_t i = 0; i < nf; i++) {
        size_t r = (size_t)(f[i] & 0x7fffffffu) * MAX_COLS + o;
        float *row = m->w + r, *acc2 = g2 + r;
        float sg = (float)((f[i] >> 31) ? -scale : scale);
        for (size_t c = 0; c < nc; c++) {
            float grad = g[c] * sg + l2 * row[c];
            acc2[c] += grad * grad;
            row[c] -= lr * grad / sqrtf(acc2[c] + 1e-8f);
        }
    }
}

rc_model_t *rc_model_train(const rc_model_example_t *ex, size_t n, const rc_model_params_t *p, char *errstr,
                           size_t errstr_size) {
    rc_model_t *m = NULL;
    featstore_t fs = {NULL, 0, 0, 0};
    size_t *off = NULL, *order = NULL, norder = 0;
    float *g2 = NULL, g2b[MAX_COLS] = {0};
    unsigned mask = 0;

    if (p->bits < RC_MODEL_MIN_BITS || p->bits > RC_MODEL_MAX_BITS) {
        snprintf(errstr, errstr_size, "bits must be %d..%d, not %u", RC_MODEL_MIN_BITS, RC_MODEL_MAX_BITS, p->bits);
        goto fail;
    }
    if (p->epochs < 1 || !(p->lr > 0 && p->lr <= MAX_LR) || !(p->l2 >= 0 && p->l2 <= 1)) {
        snprintf(errstr, errstr_size, "epochs must be >= 1, lr in (0, %g] and l2 in [0, 1]", MAX_LR);
        goto fail;
    }
    for (int h = 0; h < RC_MODEL_NHEADS; h++) {
        size_t count[MAX_COLS] = {0}, labelled = 0, classes = 0;
        if (!(p->heads & (1u << h)))
            continue;
        for (size_t i = 0; i < n; i++) {
            int y = ex[i].label[h];
            if (y < -1 || y >= (int)heads[h].nlabels) {
                snprintf(errstr, errstr_size, "example %zu: %s label %d out of range", i + 1, heads[h].name, y);
                goto fail;
            }
            if (y >= 0) {
                count[y]++;
                labelled++;
            }
        }
        for (size_t c = 0; c < heads[h].nlabels; c++)
            classes += count[c] > 0;
        if (labelled == 0)
            continue;
        if (classes < 2) {
            snprintf(errstr, errstr_size, "head %s: every labelled example has the same label; need at least two",
                     heads[h].name);
            goto fail;
        }
        mask |= 1u << h;
    }
    if (mask == 0) {
        snprintf(errstr, errstr_size, "no example has a label for a head to train");
        goto fail;
    }

    m = model_alloc(p->bits, mask);
    off = calloc(n + 1, sizeof(*off));
    order = calloc(n + 1, sizeof(*order));
    g2 = calloc((size_t)1 << p->bits, MAX_COLS * sizeof(float));
    if (m == NULL || off == NULL || order == NULL || g2 == NULL)
        goto oom;

    sink_t s;
    s.mask = m->mask;
    s.prefetch = NULL;
    s.flush = store_flush;
    s.ctx = &fs;
    for (size_t i = 0; i < n; i++) {
        off[i] = fs.n;
        s.n = s.total = 0;
        int any = 0;
        for (int h = 0; h < RC_MODEL_NHEADS; h++)
            any |= (mask & (1u << h)) && ex[i].label[h] >= 0;
        if (any) {
            extract(ex[i].text, &s);
            order[norder++] = i;
        }
        if (fs.oom)
            goto oom;
    }
    off[n] = fs.n; /* an example without a label adds no features: off[i] == off[i + 1] */

    uint64_t rng = p->seed;
    for (unsigned e = 0; e < p->epochs; e++) {
        rc_model_shuffle(order, norder, &rng);
        for (size_t k = 0; k < norder; k++) {
            size_t i = order[k];
            for (int h = 0; h < RC_MODEL_NHEADS; h++) {
                if ((mask & (1u << h)) && ex[i].label[h] >= 0)
                    train_step(m, g2, g2b, h, fs.f + off[i], off[i + 1] - off[i], ex[i].label[h], p);
            }
        }
    }
    goto out;
oom:
    snprintf(errstr, errstr_size, "out of memory training the model");
fail:
    rc_model_destroy(m);
    m = NULL;
out:
    free(fs.f);
    free(off);
    free(order);
    free(g2);
    return m;
}

/* ------------------------------------------------------------ model files */

/* docs/model.md describes this layout; every integer is little-endian. */
static const char file_magic[8] = {'R', 'C', 'M', 'O', 'D', 'E', 'L', '\0'};
#define FILE_VERSION 1
#define FEATURE_SCHEME 1
#define NAME_MAX_LEN 64

static void put_u32(unsigned char *b, uint32_t v) {
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16);
    b[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

typedef struct wfile {
    FILE *fp;
    uint64_t sum;
    int err;
} wfile_t;

static void w_bytes(wfile_t *w, const void *b, size_t n) {
    w->sum = fnv(b, n, w->sum);
    if (!w->err && fwrite(b, 1, n, w->fp) != n)
        w->err = errno ? errno : EIO;
}

static void w_u32(wfile_t *w, uint32_t v) {
    unsigned char b[4];
    put_u32(b, v);
    w_bytes(w, b, 4);
}

static void w_str(wfile_t *w, const char *s) {
    w_u32(w, (uint32_t)strlen(s));
    w_bytes(w, s, strlen(s));
}

/* Writes the first "ncols" floats of each of "rows" rows of MAX_COLS. */
static void w_rows(wfile_t *w, const float *f, size_t rows, size_t ncols) {
    unsigned char b[4096];
    const size_t per = sizeof(b) / (4 * ncols); /* rows per chunk */
    for (size_t r0 = 0; r0 < rows; r0 += per) {
        size_t k = rows - r0 < per ? rows - r0 : per;
        for (size_t i = 0; i < k; i++) {
            for (size_t c = 0; c < ncols; c++) {
                uint32_t u;
                memcpy(&u, &f[(r0 + i) * MAX_COLS + c], 4);
                put_u32(b + 4 * (i * ncols + c), u);
            }
        }
        w_bytes(w, b, 4 * ncols * k);
    }
}

int rc_model_save(const rc_model_t *m, const char *path, char *errstr, size_t errstr_size) {
    char tmp[4096];
    wfile_t w = {NULL, FNV_OFFSET, 0};
    uint32_t nheads = 0;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        snprintf(errstr, errstr_size, "%s: path too long", path);
        return -1;
    }
    w.fp = fopen(tmp, "wb");
    if (w.fp == NULL) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    for (int h = 0; h < RC_MODEL_NHEADS; h++)
        nheads += m->has[h] ? 1 : 0;
    w_bytes(&w, file_magic, sizeof(file_magic));
    w_u32(&w, FILE_VERSION);
    w_u32(&w, FEATURE_SCHEME);
    w_u32(&w, m->bits);
    w_u32(&w, nheads);
    for (int h = 0; h < RC_MODEL_NHEADS; h++) {
        if (!m->has[h])
            continue;
        w_str(&w, heads[h].name);
        w_u32(&w, (uint32_t)heads[h].nlabels);
        for (size_t c = 0; c < heads[h].nlabels; c++)
            w_str(&w, heads[h].labels[c]);
    }
    w_rows(&w, m->bias, 1, m->ncols);
    w_rows(&w, m->w, (size_t)1 << m->bits, m->ncols);
    unsigned char sum[8];
    uint64_t s = w.sum;
    for (int i = 0; i < 8; i++)
        sum[i] = (unsigned char)(s >> (8 * i));
    w_bytes(&w, sum, 8);
    if (fclose(w.fp) != 0 && !w.err)
        w.err = errno ? errno : EIO;
    if (w.err) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(w.err));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(errstr, errstr_size, "%s: rename from %s: %s", path, tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

typedef struct rfile {
    FILE *fp;
    uint64_t sum;
    long long pos, size;
} rfile_t;

/* Reads exactly n bytes into b; -1 at end of file. */
static int r_bytes(rfile_t *r, void *b, size_t n) {
    if (fread(b, 1, n, r->fp) != n)
        return -1;
    r->sum = fnv(b, n, r->sum);
    r->pos += (long long)n;
    return 0;
}

static int r_u32(rfile_t *r, uint32_t *v) {
    unsigned char b[4];
    if (r_bytes(r, b, 4) != 0)
        return -1;
    *v = get_u32(b);
    return 0;
}

/* A length-prefixed string of at most NAME_MAX_LEN bytes into buf. Returns
 * 0, -1 at end of file, -2 if too long. */
static int r_str(rfile_t *r, char *buf) {
    uint32_t len;
    if (r_u32(r, &len) != 0)
        return -1;
    if (len > NAME_MAX_LEN)
        return -2;
    if (r_bytes(r, buf, len) != 0)
        return -1;
    buf[len] = '\0';
    return 0;
}

/* Reads "rows" rows of "ncols" floats into the first columns of rows of
 * MAX_COLS; returns -1 at end of file. Sets *bad when one is not a number
 * within +-MAX_WEIGHT (reported after the checksum, which comes first). */
static int r_rows(rfile_t *r, float *f, size_t rows, size_t ncols, int *bad) {
    unsigned char b[4096];
    const size_t per = sizeof(b) / (4 * ncols);
    for (size_t r0 = 0; r0 < rows; r0 += per) {
        size_t k = rows - r0 < per ? rows - r0 : per;
        if (r_bytes(r, b, 4 * ncols * k) != 0)
            return -1;
        for (size_t i = 0; i < k; i++) {
            for (size_t c = 0; c < ncols; c++) {
                uint32_t u = get_u32(b + 4 * (i * ncols + c));
                float *x = &f[(r0 + i) * MAX_COLS + c];
                memcpy(x, &u, 4);
                if (!(fabsf(*x) <= MAX_WEIGHT))
                    *bad = 1;
            }
        }
    }
    return 0;
}

rc_model_t *rc_model_load(const char *path, char *errstr, size_t errstr_size) {
    rc_model_t *m = NULL;
    rfile_t r = {NULL, FNV_OFFSET, 0, 0};
    struct stat st;
    char magic[8], name[NAME_MAX_LEN + 1], label[NAME_MAX_LEN + 1];
    uint32_t version, scheme, bits, nheads;
    unsigned mask = 0;
    int rc;

    r.fp = fopen(path, "rb");
    if (r.fp == NULL) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(r.fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(errstr, errstr_size, "%s: not a regular file", path);
        goto fail;
    }
    r.size = (long long)st.st_size;
    if (r_bytes(&r, magic, sizeof(magic)) != 0 || memcmp(magic, file_magic, sizeof(magic)) != 0) {
        snprintf(errstr, errstr_size, "%s: not a ricochet model file (no RCMODEL magic at the start)", path);
        goto fail;
    }
    if (r_u32(&r, &version) != 0 || r_u32(&r, &scheme) != 0 || r_u32(&r, &bits) != 0 || r_u32(&r, &nheads) != 0)
        goto truncated;
    if (version != FILE_VERSION) {
        snprintf(errstr, errstr_size, "%s: model format version %u; this build reads version %d (retrain it)", path,
                 version, FILE_VERSION);
        goto fail;
    }
    if (scheme != FEATURE_SCHEME) {
        snprintf(errstr, errstr_size, "%s: feature scheme %u; this build computes scheme %d (retrain it)", path, scheme,
                 FEATURE_SCHEME);
        goto fail;
    }
    if (bits < RC_MODEL_MIN_BITS || bits > RC_MODEL_MAX_BITS || nheads < 1 || nheads > RC_MODEL_NHEADS) {
        snprintf(errstr, errstr_size, "%s: corrupt header (bits %u, heads %u)", path, bits, nheads);
        goto fail;
    }
    /* The heads are read twice: their names decide the column layout before
     * the tables can be allocated, so they are checked here first. */
    for (uint32_t i = 0; i < nheads; i++) {
        uint32_t nlabels;
        if ((rc = r_str(&r, name)) != 0) {
            if (rc == -1)
                goto truncated;
            snprintf(errstr, errstr_size, "%s: corrupt header (head name too long)", path);
            goto fail;
        }
        int h = rc_model_head_index(name);
        if (h < 0 || (mask & (1u << h))) {
            snprintf(errstr, errstr_size, "%s: %s head '%s' (this build knows intent and sentiment)", path,
                     h < 0 ? "unknown" : "repeated", name);
            goto fail;
        }
        /* Columns follow the build's head order, so a file must list its
         * heads in that order too. */
        if (mask >> h) {
            snprintf(errstr, errstr_size, "%s: heads out of order", path);
            goto fail;
        }
        mask |= 1u << h;
        if (r_u32(&r, &nlabels) != 0)
            goto truncated;
        int same = nlabels == heads[h].nlabels;
        for (uint32_t c = 0; same && c < nlabels; c++) {
            if ((rc = r_str(&r, label)) != 0) {
                if (rc == -1)
                    goto truncated;
                same = 0;
                break;
            }
            same = strcmp(label, heads[h].labels[c]) == 0;
        }
        if (!same) {
            snprintf(errstr, errstr_size, "%s: head %s has labels other than this build's", path, name);
            goto fail;
        }
    }
    m = model_alloc(bits, mask);
    if (m == NULL) {
        snprintf(errstr, errstr_size, "%s: out of memory for 2^%u buckets", path, bits);
        goto fail;
    }
    long long want = r.pos + 4LL * (long long)m->ncols * ((1LL << bits) + 1) + 8;
    if (r.size != want) {
        snprintf(errstr, errstr_size, "%s: %s: %lld bytes, a model of 2^%u buckets has %lld", path,
                 r.size < want ? "truncated" : "trailing bytes", r.size, bits, want);
        goto fail;
    }
    int bad = 0;
    if (r_rows(&r, m->bias, 1, m->ncols, &bad) != 0 || r_rows(&r, m->w, (size_t)1 << bits, m->ncols, &bad) != 0)
        goto truncated;
    uint64_t sum = r.sum;
    unsigned char sb[8];
    if (r_bytes(&r, sb, 8) != 0)
        goto truncated;
    uint64_t stored = 0;
    for (int i = 0; i < 8; i++)
        stored |= (uint64_t)sb[i] << (8 * i);
    if (stored != sum) {
        snprintf(errstr, errstr_size, "%s: checksum mismatch (the file is corrupt)", path);
        goto fail;
    }
    if (bad) {
        snprintf(errstr, errstr_size, "%s: a weight is not a number within +-%g (the file is corrupt)", path,
                 (double)MAX_WEIGHT);
        goto fail;
    }
    fclose(r.fp);
    return m;
truncated:
    snprintf(errstr, errstr_size, "%s: truncated (%lld bytes)", path, r.size);
fail:
    fclose(r.fp);
    rc_model_destroy(m);
    return NULL;
}
