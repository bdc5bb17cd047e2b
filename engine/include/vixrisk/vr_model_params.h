/* vr_model_params.h: the parameters of each model type, as data.
 *
 * One table per model type names its parameters, where each lives in vr_sv_params, its valid
 * range, its default (if any), its units and a one-line doc string; a second, shared table does
 * the same for the quantities every model has once (spot, rate, dividend) and a per-model list for
 * the initial state (v0; a two-factor model adds m0). The parameters of the vr_sv_params table
 * exist once per measure: a model file gives them under `physical` (the paths) and `pricing`
 * (the marks); the common quantities and the state are given once.
 *
 * Everything that lists parameter names (the model-file loader, vr_sv_params_validate, the HDF5
 * attributes, the report loader, the calibration writer) iterates these tables, so a parameter or
 * a model type is added in one place: a new model is one vr_model_def (plus its fields in
 * vr_sv_params and its kernels). */
#ifndef VIXRISK_VR_MODEL_PARAMS_H
#define VIXRISK_VR_MODEL_PARAMS_H

#include <stddef.h>

#include "vixrisk/vr_model.h"

/* One scalar parameter. The valid range is lo..hi with open or closed ends; NaN and infinities
 * are never valid. `def` is the value when the key is absent; NAN means the key is required. */
typedef struct vr_param_def {
    const char *name;   /* YAML key and HDF5 attribute name: "kappa" */
    size_t offset;      /* of the double in vr_sv_params (per-measure params) or vr_model (others) */
    double lo, hi;
    int lo_open, hi_open;
    double def;
    const char *units;  /* "1/year", "variance (annualised)", "log-price", "" */
    const char *doc;
} vr_param_def;

/* A cross-parameter constraint beyond the per-parameter ranges (e.g. svcj's rho_j mu_v < 1).
 * Returns 0 when satisfied; otherwise writes the offending key into *key and a sentence (without
 * the key) into msg and returns -1. */
typedef int (*vr_param_rule_fn)(const vr_sv_params *p, const char **key, char *msg, size_t cap);

typedef struct vr_model_def {
    vr_model_type type;
    const char *name;               /* "heston" */
    const char *doc;
    const vr_param_def *params;     /* per measure (offsets into vr_sv_params) */
    int nparams;
    const vr_param_def *state;      /* initial state (offsets into vr_model): v0 [, m0] */
    int nstate;
    vr_param_rule_fn rule;          /* NULL = none */
} vr_model_def;

/* Most per-measure parameters and state entries any model type has (a test checks the tables):
 * readers that hold one scenario's parameters in fixed arrays size them with these. */
#define VR_MODEL_PARAMS_MAX 24
#define VR_MODEL_STATE_MAX 4

/* Quantities every model has once (offsets into vr_model): spot, rate, dividend. */
const vr_param_def *vr_model_common_params(int *n);

/* Model types in declaration order: vr_model_def_at(i) for i in [0, vr_model_def_count()). */
int vr_model_def_count(void);
const vr_model_def *vr_model_def_at(int i);
/* By type or by name; NULL if unknown. */
const vr_model_def *vr_model_def_of(vr_model_type t);
const vr_model_def *vr_model_def_find(const char *name);

/* The parameter `name` of model `m` (NULL if the model has no such parameter). */
const vr_param_def *vr_model_param_find(const vr_model_def *m, const char *name);

/* Every distinct per-measure parameter name over all model types, in table order:
 * vr_model_param_name_at(i) for i in [0, vr_model_param_name_count()). */
int vr_model_param_name_count(void);
const char *vr_model_param_name_at(int i);

/* Value of a parameter in a parameter set / model (by its offset). */
static inline double vr_param_get(const void *base, const vr_param_def *d)
{
    return *(const double *)((const char *)base + d->offset);
}
static inline void vr_param_set(void *base, const vr_param_def *d, double x)
{
    *(double *)((char *)base + d->offset) = x;
}

/* 1 when x is finite and inside d's range. */
int vr_param_in_range(const vr_param_def *d, double x);
/* The range as text, e.g. "(0, 100]" (buf >= 64 bytes); returns buf. */
const char *vr_param_range_str(const vr_param_def *d, char *buf, size_t cap);

#endif
