/* table_store.h: the pricing layer's side of the table store (table_store.c; the public part is
 * in vr_pricing.h: vr_table_store_set). */
#ifndef VIXRISK_TABLE_STORE_H
#define VIXRISK_TABLE_STORE_H

#include "vixrisk/vr_model_ops.h"

/* The tables of (m, max_tau, skip) from the store into *out: 1, or 0 when the store is off or
 * holds no usable file for them (absent, another build's, damaged). On a miss it first claims the
 * build among the processes sharing the store (see table_store.c): it waits until no other process
 * is building the set (or another set of the same lock file) and looks again, so that the one it
 * waited for is usually the one it loads from. *claim is then the claim to hold while building and
 * storing, and to give to vr_table_store_release after (-1: none, when the store is off or cannot
 * lock: build unclaimed). */
int vr_table_store_fetch(const vr_model *m, double max_tau, unsigned skip,
                         const vr_model_ops *ops, vr_model_tables **out, int *claim);
/* Store t, the tables just built for (m, max_tau, skip) (nothing when the store is off). A
 * failure is counted and kept for vr_table_store_stats, never returned: the caller has its
 * tables either way. */
void vr_table_store_keep(const vr_model *m, double max_tau, unsigned skip,
                         const vr_model_ops *ops, const vr_model_tables *t);
/* Let go of a claim vr_table_store_fetch took (accepts -1). */
void vr_table_store_release(int claim);

#endif
