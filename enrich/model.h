/*
 * A trainable text classifier for enrich: hashed word and character n-grams
 * fed to one multinomial logistic regression (softmax) per "head".
 *
 * Heads are fixed by this build: "intent" (complaint, praise, question,
 * request, other) and "sentiment" (negative, neutral, positive), the label
 * sets of the built-in analysers, so a model's answer can stand in for
 * theirs. A model holds one or both heads.
 *
 * Features (scheme 1, see docs/model.md): the text lower-cased (ASCII),
 * digits folded to '0', URLs folded to one token, '?' and '!' runs and emoji
 * as tokens of their own; then per token its word unigram, the bigram with
 * the token before (the first token pairs with a start marker), the
 * character 3-, 4- and 5-grams of the word padded with a space each side
 * (" cancel " gives " ca", "can", ... "el "), and one marker per ALL-CAPS
 * word. Each feature is hashed into one of 2^bits buckets with a sign (the
 * hashing trick); all heads share the buckets, a bucket holding one weight
 * per class of every head, so a prediction costs one cache line per feature.
 *
 * Everything here is pure code except rc_model_save() and rc_model_load(),
 * the only functions that touch files.
 *
 * Thread locality: a rc_model_t is read-only after training or loading and
 * may be shared by threads; rc_model_predict*() allocate nothing.
 */
#ifndef RC_MODEL_H
#define RC_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* The heads, in the order of rc_model_example_t.label[] and of
 * rc_model_predict_heads()' outputs. */
enum { RC_MODEL_HEAD_INTENT = 0, RC_MODEL_HEAD_SENTIMENT = 1, RC_MODEL_NHEADS = 2 };

#define RC_MODEL_MIN_BITS 8
#define RC_MODEL_MAX_BITS 24
#define RC_MODEL_DEFAULT_BITS 18

typedef struct rc_model rc_model_t;

/* One labelled text. label[h] is an index into rc_model_head_labels(h), or
 * -1 when the text has no label for head h (it then does not train h). */
typedef struct rc_model_example {
    const char *text; /* UTF-8, borrowed */
    int label[RC_MODEL_NHEADS];
} rc_model_example_t;

typedef struct rc_model_params {
    unsigned bits;   /* 2^bits hash buckets, RC_MODEL_MIN_BITS..RC_MODEL_MAX_BITS */
    unsigned epochs; /* passes over the examples, >= 1 */
    uint64_t seed;   /* the order of the examples in each pass */
    double lr;       /* AdaGrad base learning rate, > 0 */
    double l2;       /* L2 penalty per update on the weights touched, >= 0 */
    unsigned heads;  /* bit mask (1 << RC_MODEL_HEAD_*) of the heads to train */
} rc_model_params_t;

/* The defaults: 18 bits, 10 epochs, seed 1, lr 0.2, l2 1e-5, both heads. */
void rc_model_params_default(rc_model_params_t *p);

/* Head index of "name" ("intent", "sentiment"), or -1. */
int rc_model_head_index(const char *name);
/* Name of head "h" (static), or NULL if out of range. */
const char *rc_model_head_name(int h);
/* The label names of head "h" (static, in index order) with their count in
 * *n; NULL if "h" is out of range. */
const char *const *rc_model_head_labels(int h, size_t *n);
/* Index of "label" in head "h"'s labels, or -1. */
int rc_model_label_index(int h, const char *label);

/* Trains a model on the "n" examples (borrowed). A head is trained when it
 * is in p->heads and at least one example has a label for it; a head whose
 * labelled examples all carry the same label is an error, as is a model
 * with no head to train. Deterministic for the same examples, order and
 * params. Returns a new model (the caller owns it: rc_model_destroy()), or
 * NULL with the reason in errstr. */
rc_model_t *rc_model_train(const rc_model_example_t *ex, size_t n, const rc_model_params_t *p, char *errstr,
                           size_t errstr_size);

void rc_model_destroy(rc_model_t *m); /* safe on NULL */

/* Does the model have head "h"? */
int rc_model_has_head(const rc_model_t *m, int h);
/* The labels of "head" (a name) if the model has that head, with their
 * count in *n (may be NULL); else NULL. Static strings. */
const char *const *rc_model_labels(const rc_model_t *m, const char *head, size_t *n);
/* 2^bits of the model. */
unsigned rc_model_bits(const rc_model_t *m);

/* Classifies "text" (UTF-8, borrowed; NULL counts as empty) for the head
 * named "head". Writes the class probabilities to probs_out (up to "nprobs"
 * of them, in label order; probs_out may be NULL) and returns the index of
 * the most probable label, or -1 if the model has no such head. */
int rc_model_predict(const rc_model_t *m, const char *head, const char *text, double *probs_out, size_t nprobs);

/* Classifies "text" for every head at once (the features are computed
 * once): best[h] is the most probable label of head h and prob[h] its
 * probability, or -1 and 0 for a head the model lacks. */
void rc_model_predict_heads(const rc_model_t *m, const char *text, int best[RC_MODEL_NHEADS],
                            double prob[RC_MODEL_NHEADS]);

/* Shuffles v[0..n) (Fisher-Yates with splitmix64 from *state, which it
 * advances): the order training visits the examples in, also used by
 * ricochet train to deal its folds, so one seed fixes both. */
void rc_model_shuffle(size_t *v, size_t n, uint64_t *state);

/* The hashed features of "text" for 2^bits buckets: each is a bucket index
 * with the sign in bit 31 (set = negative). Writes the first "cap" to "out"
 * and returns how many there are in all (which may exceed "cap"). For tests
 * and tools; prediction does not go through here. */
size_t rc_model_features(const char *text, unsigned bits, uint32_t *out, size_t cap);

/* Writes the model to "path" (through "path.tmp" and a rename, so a reader
 * never sees half a file). Returns 0, or -1 with the reason in errstr. */
int rc_model_save(const rc_model_t *m, const char *path, char *errstr, size_t errstr_size);

/* Reads a model written by rc_model_save(). A file that is not a model,
 * from another format version, truncated, extended or corrupted (checksum)
 * is refused with the reason in errstr ("path: reason"). The caller owns
 * the result. */
rc_model_t *rc_model_load(const char *path, char *errstr, size_t errstr_size);

#endif
