/* vr_config.h: reading YAML configuration files.
 *
 * Loading has two parts. libcyaml maps the YAML onto C structs with a schema (types, unknown keys,
 * enum values); its log messages are captured and rewritten as one "file:line: key: message".
 * A small index of every key path in the file and the line it is on (built with libyaml, which
 * libcyaml itself uses) lets the checks that come after loading (required keys, ranges,
 * cross-field rules) point at a line too. Every config error is VR_ECONFIG (exit code 2). */
#ifndef VIXRISK_VR_CONFIG_H
#define VIXRISK_VR_CONFIG_H

#include "vixrisk/vr_model.h"
#include "vixrisk/vr_status.h"

/* ---- key index --------------------------------------------------------------------------- */
typedef struct vr_yaml_index vr_yaml_index;

/* Parse `file` and record every mapping key's path ("model.physical.kappa", sequence entries as
 * "policies[2].name") with its 1-based line. YAML syntax errors are reported with their line. */
vr_status vr_yaml_index_load(const char *file, vr_yaml_index **out, vr_err *err);
void vr_yaml_index_free(vr_yaml_index *ix);
/* Line of the key at `path`, or 0 if the file has no such key. */
int vr_yaml_line(const vr_yaml_index *ix, const char *path);
/* Line of `path` or of its nearest ancestor present in the file (0 if none): where to point
 * when a key is missing. */
int vr_yaml_line_near(const vr_yaml_index *ix, const char *path);

/* Fail with VR_ECONFIG as "file:line: path: message" (line from the index, omitted if unknown). */
vr_status vr_config_fail(vr_err *err, const char *file, const vr_yaml_index *ix, const char *path,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- model files -------------------------------------------------------------------------- */
/* Load a model file (schema in docs/config.md):
 *   model: {type, spot, rate, dividend, v0, physical: {...}, pricing: {...}}
 * `pricing` defaults to `physical`. Checks required keys per model type, refuses keys that do
 * not belong to the type, validates ranges (vr_model_validate). */
vr_status vr_model_load(const char *file, vr_model *out, vr_err *err);

#endif
