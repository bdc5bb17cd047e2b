/* config_internal.h: shared by the config loaders (not part of the public API). */
#ifndef VIXRISK_CONFIG_INTERNAL_H
#define VIXRISK_CONFIG_INTERNAL_H

#include <cyaml/cyaml.h>
#include <stdlib.h>

#include "vixrisk/vr_config.h"

/* cyaml_load_file with captured, rewritten errors (see cyaml_load.c). */
vr_status vr_cyaml_load(const char *file, const vr_yaml_index *ix, const cyaml_schema_value_t *schema,
                        void **out, vr_err *err);

/* The schema of a `model:` mapping, loaded into vr_model_yaml (every field optional so that the
 * required-key rules, which depend on the model type, give their own messages). */
typedef struct vr_sv_yaml {
    double kappa, theta, sigma, rho, lambda, mu_j, sigma_j, mu_v, mu_s, sigma_s, rho_j;
} vr_sv_yaml;

typedef struct vr_model_yaml {
    int type;
    double spot, rate, dividend, v0;
    vr_sv_yaml *physical;
    vr_sv_yaml *pricing;
} vr_model_yaml;

extern const cyaml_schema_field_t vr_model_yaml_fields[];

/* Turn a loaded model mapping at key path `prefix` ("model") into a vr_model, checking required
 * and foreign keys against the index and validating ranges. */
vr_status vr_model_from_yaml(const vr_model_yaml *y, const char *file, const vr_yaml_index *ix,
                             const char *prefix, vr_model *out, vr_err *err);

#endif
