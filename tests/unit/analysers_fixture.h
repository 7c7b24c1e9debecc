/* Shared by the analyser tests: one rc_analysers_t per test group ("an"),
 * built by setup() and freed by teardown(). Header-only; include once per
 * test file. */
#ifndef RC_TEST_ANALYSERS_FIXTURE_H
#define RC_TEST_ANALYSERS_FIXTURE_H

#include <stdio.h>

#include "analyse.h"

static rc_analysers_t *an;

static int setup(void **state) {
    char errstr[256];
    an = rc_analysers_new(NULL, errstr, sizeof(errstr));
    if (an == NULL) {
        fprintf(stderr, "rc_analysers_new: %s\n", errstr);
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    rc_analysers_destroy(an);
    return 0;
}

#endif
