/*
 * Which consumed offsets may be stored: the core of at-least-once.
 *
 * Records of a partition are pushed in consume order and finished in any
 * order (their outputs are acknowledged out of order). The offset to store
 * for a partition is the one after the longest prefix of finished records:
 * a record still pending, failed or deferred blocks everything after it, so
 * a commit never passes a record whose outputs are not all acknowledged.
 *
 * Nodes are intrusive: the caller embeds an rc_offset_node_t in its own
 * per-record struct and is called back (free_node) to free it once the
 * module no longer needs it. Pure bookkeeping, no I/O, no locking: used by
 * one thread (the worker's main thread).
 */
#ifndef RC_OFFSETS_H
#define RC_OFFSETS_H

#include <stdint.h>

typedef enum {
    RC_OFFSET_PENDING = 0, /* outputs not yet all acknowledged */
    RC_OFFSET_DONE,        /* may be committed */
    RC_OFFSET_FAILED,      /* must be read again: blocks its partition */
    RC_OFFSET_DEFERRED     /* left for redelivery at shutdown: blocks, but is no error */
} rc_offset_state_t;

struct rc_offset_part;

typedef struct rc_offset_node {
    int64_t offset;
    rc_offset_state_t state;
    struct rc_offset_node *next;
    struct rc_offset_part *part; /* NULL once its partition was revoked */
} rc_offset_node_t;

typedef struct rc_offset_part {
    int32_t partition;
    rc_offset_node_t *head, *tail;
    int64_t to_store; /* next offset to store, -1 if nothing new */
    int active;       /* assigned to us */
} rc_offset_part_t;

typedef struct rc_offsets {
    rc_offset_part_t **parts; /* by partition number; each allocated once */
    int nparts;
    void (*free_node)(rc_offset_node_t *node); /* frees the caller's struct */
} rc_offsets_t;

/* "free_node" is called for every node the module drops. */
void rc_offsets_init(rc_offsets_t *o, void (*free_node)(rc_offset_node_t *node));
/* Frees every queued node and the partitions. */
void rc_offsets_clear(rc_offsets_t *o);

void rc_offsets_assign(rc_offsets_t *o, int32_t partition);
/* The partition is no longer ours: finished nodes are freed now; pending
 * ones are detached and freed when they finish (a late delivery report). */
void rc_offsets_revoke(rc_offsets_t *o, int32_t partition);

/* Queue "node" (state PENDING) as the newest record of "partition". */
void rc_offsets_push(rc_offsets_t *o, rc_offset_node_t *node, int32_t partition, int64_t offset);
/* The record's fate is known ("state" is not PENDING): advance its
 * partition, freeing the nodes that are no longer needed (possibly "node"
 * itself, so do not touch it afterwards). */
void rc_offsets_finish(rc_offsets_t *o, rc_offset_node_t *node, rc_offset_state_t state);

/* The next partition with an offset to store since the last call: returns 1
 * and fills *partition and *offset (and forgets it), or 0 when none. */
int rc_offsets_take(rc_offsets_t *o, int32_t *partition, int64_t *offset);

#endif
