/* table_store.h: the pricing layer's side of the table store (table_store.c; the public part is
 * in vr_pricing.h: vr_table_store_set). */
#ifndef VIXRISK_TABLE_STORE_H
#define VIXRISK_TABLE_STORE_H

#include "vixrisk/vr_model_ops.h"

/* The tables of (m, max_tau, skip) from the store into *out: 1, or 0 when the store is off or
 * holds no usable file for them (absent, another build's, damaged). */
int vr_table_store_fetch(const vr_model *m, double max_tau, unsigned skip,
                         const vr_model_ops *ops, vr_model_tables **out);
/* Store t, the tables just built for (m, max_tau, skip) (nothing when the store is off). A
 * failure is counted and kept for vr_table_store_stats, never returned: the caller has its
 * tables either way. */
void vr_table_store_keep(const vr_model *m, double max_tau, unsigned skip,
                         const vr_model_ops *ops, const vr_model_tables *t);

/* Claim the build of (m, max_tau, skip) among the processes sharing the store: wait until no
 * other process is building it (or another set of the same lock file), then hold that until
 * vr_table_store_release. A descriptor, or -1 when the store is off or cannot lock (build
 * unclaimed). The caller looks in the store again once it holds the claim: the process it waited
 * for has usually just stored the set. */
int vr_table_store_claim(const vr_model *m, double max_tau, unsigned skip, const vr_model_ops *ops);
void vr_table_store_release(int claim); /* accepts -1 */

#endif
