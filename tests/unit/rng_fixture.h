/* A small deterministic generator (xorshift64*) for the randomised unit
 * tests: the same sequence on every run, so a failure reproduces. Define
 * RC_TEST_RNG_SEED before including to pick another sequence. Header-only. */
#ifndef RC_TEST_RNG_FIXTURE_H
#define RC_TEST_RNG_FIXTURE_H

#include <stdint.h>

#ifndef RC_TEST_RNG_SEED
#define RC_TEST_RNG_SEED 0x9E3779B97F4A7C15ULL
#endif

static uint64_t rng = RC_TEST_RNG_SEED;

static __attribute__((unused)) uint64_t rnd(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

/* 0 .. n-1 */
static __attribute__((unused)) unsigned below(unsigned n) {
    return (unsigned)(rnd() % n);
}

#endif
