/* config_internal.h: shared by the config loaders (not part of the public API).
 *
 * The config directory, one job per file:
 *   yaml_index.c     the YAML reader: aliases expanded, model files spliced in, key index
 *   cyaml_load.c     libcyaml on the expanded text, its errors rewritten as file:line: key: ...
 *   values.c         exact number parsing (whole numbers, finite reals) and range checks
 *   run_schema.c     the libcyaml schema of run files
 *   model_config.c   the `model:` mapping, driven by the model parameter tables
 *   policy_config.c  policies from the YAML, driven by the policy key tables (policy_validate.c)
 *   data_resolve.c   where data files are (config-relative paths, --data, VIXRISK_DATA)
 *   presets.c        the named shock windows, embedded
 *   sweep.c          sweep expansion
 *   run_config.c     vr_run_load: the simulation block, scenarios, run-wide checks */
#ifndef VIXRISK_CONFIG_INTERNAL_H
#define VIXRISK_CONFIG_INTERNAL_H

#include <cyaml/cyaml.h>
#include <stdio.h>
#include <stdlib.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_run.h"

/* ---- the index beyond vr_config.h --------------------------------------------------------- */
/* Scalar text at `path` (NULL if absent or not a scalar). */
const char *vr_yaml_text(const vr_yaml_index *ix, const char *path);
/* 's' scalar, 'm' mapping, 'q' sequence, 0 if absent. */
char vr_yaml_kind(const vr_yaml_index *ix, const char *path);
/* Keys directly under the mapping at `prefix`: count, and the k-th key's name. */
int vr_yaml_count(const vr_yaml_index *ix, const char *prefix);
const char *vr_yaml_child(const vr_yaml_index *ix, const char *prefix, int k);
/* The file the key at `path` (or its nearest ancestor) was read from (a model file for the keys
 * of a spliced `model: FILE`), NULL if unknown. */
const char *vr_yaml_file_of(const vr_yaml_index *ix, const char *path);
/* The files read: 0 is the config itself, then the model files it names, in order. */
int vr_yaml_file_count(const vr_yaml_index *ix);
const char *vr_yaml_file_at(const vr_yaml_index *ix, int i);
/* The expanded document as one flat YAML text for libcyaml (malloc'ed). */
vr_status vr_yaml_index_emit(const vr_yaml_index *ix, char **text, size_t *len, vr_err *err);

/* `rel` relative to the directory of the file `from` (unchanged if absolute or if `from` has
 * no directory part). 0 on success, -1 if it does not fit. */
int vr_config_resolve(const char *from, const char *rel, char *out, size_t cap);

/* libcyaml on the index's flat text, with captured, rewritten errors (cyaml_load.c). */
vr_status vr_cyaml_load(const char *file, const vr_yaml_index *ix, const cyaml_schema_value_t *schema,
                        void **out, vr_err *err);
void vr_cyaml_free(const cyaml_schema_value_t *schema, void *data);

/* ---- values ------------------------------------------------------------------------------- */
typedef struct vr_cfg_ctx {
    const char *file;
    const vr_yaml_index *ix;
    vr_err *err;
    FILE *warn; /* where warnings go (file, line and key, as errors), or NULL: none */
} vr_cfg_ctx;

/* " (did you mean 'x'?)" into buf when some candidate is within a small edit distance of name (a
 * typo: one or two letters swapped, missing or extra, scaled to the name's length), else "". The
 * candidates are the keys the place takes; `cands` holds n names `stride` bytes apart. */
const char *vr_cfg_suggest(const char *name, const void *cands, size_t stride, int n, char *buf, size_t cap);
int vr_cfg_has(const vr_cfg_ctx *c, const char *path);
/* A real number at `path` (finite; NaN and infinities refused), or `def` when absent. */
vr_status vr_cfg_num(const vr_cfg_ctx *c, const char *path, double def, double *out);
/* A whole number at `path`: an integer literal (digits with an optional sign; no exponent,
 * fraction, separator or suffix), or `def` when absent; then lo <= x <= hi. */
vr_status vr_cfg_whole(const vr_cfg_ctx *c, const char *path, double lo, double hi, double def, double *out);
/* lo/hi inclusive flags; refuses non-finite x. */
vr_status vr_cfg_range(const vr_cfg_ctx *c, const char *path, double x, double lo, int lo_in, double hi, int hi_in);
/* Re-root a validator's error ("path: msg" or "path msg", key in key) at the config file. */
vr_status vr_cfg_fail_key(const vr_cfg_ctx *c, const char *key, const vr_err *verr);

/* ---- model -------------------------------------------------------------------------------- */
/* The libcyaml schema of a `model:` mapping (values are read from the index). */
const cyaml_schema_field_t *vr_model_yaml_fields(void);
#define VR_MODEL_YAML_SLOTS 40
typedef struct vr_model_yaml { void *slot[VR_MODEL_YAML_SLOTS]; } vr_model_yaml; /* text or mapping per key */

/* The model mapping at key path `prefix` ("model", "scenarios[0].model") into a vr_model:
 * required and foreign keys per the model type's parameter table, exact numbers, ranges. */
vr_status vr_model_from_index(const vr_cfg_ctx *c, const char *prefix, vr_model *out);

/* ---- policies ----------------------------------------------------------------------------- */
/* The condor rules at `base` ("condor", "policies[1].condor") over the defaults `def`. */
vr_status vr_cfg_condor(const vr_cfg_ctx *c, const char *base, const vr_condor_rules *def, vr_condor_rules *r);
vr_status vr_cfg_roll_used(const vr_cfg_ctx *c, const vr_policy *pol, int npol);
/* Policy i (key path policies[i]) with the default condor rules `def`; validated. */
vr_status vr_cfg_policy(const vr_cfg_ctx *c, int i, const vr_condor_rules *def, vr_policy *p);
/* Names of scenarios and policies: [A-Za-z0-9_.-], not starting with '.', 1..VR_NAME_MAX-1. */
vr_status vr_cfg_name(const vr_cfg_ctx *c, const char *path, const char *name, char *out);

/* ---- scenario data ------------------------------------------------------------------------ */
/* The history of the data directory a scenario uses (loaded once per directory, owned by out). */
vr_status vr_cfg_history(const vr_cfg_ctx *c, const char *key, const char *dir, const char *data_dir,
                         vr_run_cfg *out, const vr_history **h);
/* presets.c: a VIX the scenario sets (its start, a shock, a preset's or a window's highest close) above the
 * top of its model's default VIX option table raises the scenario's sc->model.vix_cover to it, so
 * that the run's tables reach past it (vr_model.vix_cover); beyond what a table can reach (v 25)
 * it warns (c->warn), as the table's calls fall far behind there (docs/numerics.md). what: the
 * sentence's subject, naming that VIX ("a VIX of 200.0", "preset mar2020's highest VIX, 82.7,"). */
void vr_cfg_cover_vix(const vr_cfg_ctx *c, const char *key, vr_scenario *sc, double vix, const char *what);
/* Shocks of scenario `base` (model scenarios): explicit ones and named presets. */
vr_status vr_cfg_shocks(const vr_cfg_ctx *c, const char *base, const vr_run_spec *s, vr_scenario *sc,
                        vr_run_cfg *out);

/* ---- sweeps ------------------------------------------------------------------------------- */
/* Append the swept copies of the policies (sweep[w] entries) to s->pol, each validated. */
vr_status vr_cfg_sweeps(const vr_cfg_ctx *c, vr_run_spec *s, int npol_base);
/* Number of policies the sweeps add. */
int vr_cfg_sweep_count(const vr_cfg_ctx *c);

#endif
