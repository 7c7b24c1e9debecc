#include "offsets.h"

#include <stdlib.h>

void rc_offsets_init(rc_offsets_t *o, void (*free_node)(rc_offset_node_t *node)) {
    o->parts = NULL;
    o->nparts = 0;
    o->free_node = free_node;
}

void rc_offsets_clear(rc_offsets_t *o) {
    for (int i = 0; i < o->nparts; i++) {
        rc_offset_part_t *p = o->parts[i];
        if (!p)
            continue;
        for (rc_offset_node_t *n = p->head, *next; n; n = next) {
            next = n->next;
            o->free_node(n);
        }
        free(p);
    }
    free(o->parts);
    o->parts = NULL;
    o->nparts = 0;
}

static rc_offset_part_t *rc_offsets_part(rc_offsets_t *o, int32_t partition) {
    if (partition < 0)
        abort();
    if (partition >= o->nparts) {
        /* Only the array of pointers grows; a partition never moves, since
         * queued nodes point at it. */
        int n = partition + 16;
        rc_offset_part_t **np = realloc(o->parts, sizeof(*np) * (size_t)n);
        if (!np)
            abort();
        for (int i = o->nparts; i < n; i++)
            np[i] = NULL;
        o->parts = np;
        o->nparts = n;
    }
    if (!o->parts[partition]) {
        rc_offset_part_t *p = calloc(1, sizeof(*p));
        if (!p)
            abort();
        p->partition = partition;
        p->to_store = -1;
        o->parts[partition] = p;
    }
    return o->parts[partition];
}

void rc_offsets_assign(rc_offsets_t *o, int32_t partition) {
    rc_offset_part_t *p = rc_offsets_part(o, partition);
    p->active = 1;
    p->to_store = -1;
}

void rc_offsets_revoke(rc_offsets_t *o, int32_t partition) {
    rc_offset_part_t *p = rc_offsets_part(o, partition);
    for (rc_offset_node_t *n = p->head, *next; n; n = next) {
        next = n->next;
        n->next = NULL;
        n->part = NULL;
        if (n->state != RC_OFFSET_PENDING)
            o->free_node(n);
    }
    p->head = p->tail = NULL;
    p->active = 0;
    p->to_store = -1;
}

void rc_offsets_push(rc_offsets_t *o, rc_offset_node_t *node, int32_t partition, int64_t offset) {
    rc_offset_part_t *p = rc_offsets_part(o, partition);
    node->offset = offset;
    node->state = RC_OFFSET_PENDING;
    node->next = NULL;
    node->part = p;
    if (p->tail)
        p->tail->next = node;
    else
        p->head = node;
    p->tail = node;
}

void rc_offsets_finish(rc_offsets_t *o, rc_offset_node_t *node, rc_offset_state_t state) {
    rc_offset_part_t *p = node->part;

    node->state = state;
    if (!p) {
        o->free_node(node); /* its partition was revoked meanwhile */
        return;
    }
    while (p->head && p->head->state == RC_OFFSET_DONE) {
        rc_offset_node_t *n = p->head;
        p->to_store = n->offset + 1;
        p->head = n->next;
        if (!p->head)
            p->tail = NULL;
        o->free_node(n);
    }
}

int rc_offsets_take(rc_offsets_t *o, int32_t *partition, int64_t *offset) {
    for (int i = 0; i < o->nparts; i++) {
        rc_offset_part_t *p = o->parts[i];
        if (!p || !p->active || p->to_store < 0)
            continue;
        *partition = p->partition;
        *offset = p->to_store;
        p->to_store = -1;
        return 1;
    }
    return 0;
}
