/*
 * common/offsets.c: which consumed offsets may be stored. The guarantee
 * under test: the stored offset never passes a record that is not finished
 * with DONE, whatever order records finish in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "offsets.h"

typedef struct {
    rc_offset_node_t node; /* first, as in the worker */
    int id;
} rec_t;

static int freed;
static void free_rec(rc_offset_node_t *n) {
    freed++;
    free(n);
}

static rec_t *push(rc_offsets_t *o, int32_t partition, int64_t offset) {
    rec_t *r = calloc(1, sizeof(*r));
    rc_offsets_push(o, &r->node, partition, offset);
    return r;
}

/* The single offset to store now for "partition", or -1. */
static int64_t take_for(rc_offsets_t *o, int32_t partition) {
    int32_t p;
    int64_t off, found = -1;
    while (rc_offsets_take(o, &p, &off))
        if (p == partition)
            found = off;
    return found;
}

static int setup(void **state) {
    freed = 0;
    return 0;
}

static void test_in_order_completion_stores_after_the_last_record(void **state) {
    rc_offsets_t o;
    rc_offsets_init(&o, free_rec);
    rc_offsets_assign(&o, 0);
    rec_t *a = push(&o, 0, 10), *b = push(&o, 0, 11);
    rc_offsets_finish(&o, &a->node, RC_OFFSET_DONE);
    assert_int_equal(take_for(&o, 0), 11);
    rc_offsets_finish(&o, &b->node, RC_OFFSET_DONE);
    assert_int_equal(take_for(&o, 0), 12);
    assert_int_equal(take_for(&o, 0), -1); /* taken once */
    assert_int_equal(freed, 2);
    rc_offsets_clear(&o);
}

static void test_out_of_order_completion_never_passes_a_pending_record(void **state) {
    rc_offsets_t o;
    rc_offsets_init(&o, free_rec);
    rc_offsets_assign(&o, 0);
    rec_t *a = push(&o, 0, 5), *b = push(&o, 0, 6), *c = push(&o, 0, 7);
    rc_offsets_finish(&o, &c->node, RC_OFFSET_DONE);
    rc_offsets_finish(&o, &b->node, RC_OFFSET_DONE);
    assert_int_equal(take_for(&o, 0), -1); /* 5 is still pending */
    assert_int_equal(freed, 0);
    rc_offsets_finish(&o, &a->node, RC_OFFSET_DONE);
    assert_int_equal(take_for(&o, 0), 8); /* all three at once */
    assert_int_equal(freed, 3);
    rc_offsets_clear(&o);
}

static void test_a_failed_record_blocks_its_partition_but_not_others(void **state) {
    rc_offsets_t o;
    rc_offsets_init(&o, free_rec);
    rc_offsets_assign(&o, 0);
    rc_offsets_assign(&o, 3);
    rec_t *a = push(&o, 0, 1), *b = push(&o, 0, 2), *x = push(&o, 3, 40);
    rc_offsets_finish(&o, &a->node, RC_OFFSET_FAILED);
    rc_offsets_finish(&o, &b->node, RC_OFFSET_DONE);
    rc_offsets_finish(&o, &x->node, RC_OFFSET_DONE);
    assert_int_equal(take_for(&o, 0), -1); /* 1 must be read again, and so 2 with it */
    int32_t p;
    int64_t off;
    assert_int_equal(rc_offsets_take(&o, &p, &off), 0);
    rc_offsets_clear(&o); /* frees the blocked ones */
    assert_int_equal(freed, 3);
}

static void test_partition_three_is_independent_of_a_blocked_zero(void **state) {
    rc_offsets_t o;
    rc_offsets_init(&o, free_rec);
    rc_offsets_assign(&o, 0);
    rc_offsets_assign(&o, 3);
    rec_t *a = push(&o, 0, 1), *x = push(&o, 3, 40);
    rc_offsets_finish(&o, &x->node, RC_OFFSET_DONE);
    int32_t p = -1;
    int64_t off = -1;
    assert_int_equal(rc_offsets_take(&o, &p, &off), 1);
    assert_int_equal(p, 3);
    assert_int_equal(off, 41);
    rc_offsets_finish(&o, &a->node, RC_OFFSET_DONE);
    assert_int_equal(take_for(&o, 0), 2);
    rc_offsets_clear(&o);
}

static void test_a_deferred_record_blocks_like_a_failed_one(void **state) {
    rc_offsets_t o;
    rc_offsets_init(&o, free_rec);
    rc_offsets_assign(&o, 1);
    rec_t *a = push(&o, 1, 100), *b = push(&o, 1, 101), *c = push(&o, 1, 102);
    rc_offsets_finish(&o, &a->node, RC_OFFSET_DONE);
    rc_offsets_finish(&o, &b->node, RC_OFFSET_DEFERRED);
    rc_offsets_finish(&o, &c->node, RC_OFFSET_DONE);
    assert_int_equal(take_for(&o, 1), 101); /* up to the deferred one, not past it */
    rc_offsets_clear(&o);
    assert_int_equal(freed, 3);
}

static void test_revoke_frees_finished_and_detaches_pending_until_their_last_report(void **state) {
    rc_offsets_t o;
    rc_offsets_init(&o, free_rec);
    rc_offsets_assign(&o, 2);
    rec_t *a = push(&o, 2, 7), *b = push(&o, 2, 8);
    rc_offsets_finish(&o, &b->node, RC_OFFSET_DONE); /* finished, but behind pending 7 */
    rc_offsets_revoke(&o, 2);
    assert_int_equal(freed, 1);      /* b went with the partition */
    assert_null(a->node.part);       /* a is detached, still alive */
    rc_offsets_finish(&o, &a->node, RC_OFFSET_DONE); /* its late delivery report */
    assert_int_equal(freed, 2);
    assert_int_equal(take_for(&o, 2), -1); /* no longer ours: nothing to store */
    rc_offsets_clear(&o);
}

static void test_a_high_partition_assigned_later_leaves_queued_records_valid(void **state) {
    rc_offsets_t o;
    rc_offsets_init(&o, free_rec);
    rc_offsets_assign(&o, 0);
    rec_t *a = push(&o, 0, 1);
    /* Partition 500 grows the partition table; a's partition must not move. */
    rc_offsets_assign(&o, 500);
    rec_t *z = push(&o, 500, 9);
    rc_offsets_finish(&o, &a->node, RC_OFFSET_DONE);
    rc_offsets_finish(&o, &z->node, RC_OFFSET_DONE);
    assert_int_equal(take_for(&o, 0), 2);
    rc_offsets_clear(&o);
    assert_int_equal(freed, 2);
}

static void test_reassigned_partition_starts_with_nothing_to_store(void **state) {
    rc_offsets_t o;
    rc_offsets_init(&o, free_rec);
    rc_offsets_assign(&o, 0);
    rec_t *a = push(&o, 0, 3);
    rc_offsets_finish(&o, &a->node, RC_OFFSET_DONE);
    rc_offsets_revoke(&o, 0); /* before anyone took offset 4 */
    rc_offsets_assign(&o, 0);
    assert_int_equal(take_for(&o, 0), -1); /* a stale offset is not stored after re-assignment */
    rc_offsets_clear(&o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_in_order_completion_stores_after_the_last_record, setup),
        cmocka_unit_test_setup(test_out_of_order_completion_never_passes_a_pending_record, setup),
        cmocka_unit_test_setup(test_a_failed_record_blocks_its_partition_but_not_others, setup),
        cmocka_unit_test_setup(test_partition_three_is_independent_of_a_blocked_zero, setup),
        cmocka_unit_test_setup(test_a_deferred_record_blocks_like_a_failed_one, setup),
        cmocka_unit_test_setup(test_revoke_frees_finished_and_detaches_pending_until_their_last_report, setup),
        cmocka_unit_test_setup(test_a_high_partition_assigned_later_leaves_queued_records_valid, setup),
        cmocka_unit_test_setup(test_reassigned_partition_starts_with_nothing_to_store, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
