/* svcj2_tables.h: the svcj2 tables that mark options along paths (svcj2_tables.c), as the
 * descriptor's tables_* / *_n / *_1 operations (vr_model_ops.h). Internal to the model layer. */
#ifndef VIXRISK_SVCJ2_TABLES_H
#define VIXRISK_SVCJ2_TABLES_H

#include "vixrisk/vr_model_ops.h"

vr_status vr_svcj2_tables_build(const vr_model *m, const vr_tables_spec *spec,
                                vr_model_tables **out, vr_err *err);
vr_status vr_svcj2_tables_check(const vr_model *m, const vr_tables_spec *spec, vr_err *err);
void vr_svcj2_tables_destroy(vr_model_tables *t);
void vr_svcj2_spx_vol_n(const vr_model_tables *t, const vk_table *kt, const double *const *x,
                        const double *tau, const double *k, double *vol, size_t npad);
int vr_svcj2_spx_stencil(const vr_model_tables *t, const double *x, double w[4],
                         const struct vk_surface *s[4]);
void vr_svcj2_vix_call_n(const vr_model_tables *t, const vk_table *kt, const double *const *x,
                         const double *tau, const double *strike, double *price, size_t npad);
double vr_svcj2_vix_future_1(const vr_model_tables *t, const double *x, double tau);
double vr_svcj2_tables_seconds(const vr_model_tables *t);
void vr_svcj2_tables_save(const vr_model_tables *t, struct vr_blob *b);
vr_status vr_svcj2_tables_load(struct vr_blob_in *r, unsigned skip, vr_model_tables **out, vr_err *err);

#endif
