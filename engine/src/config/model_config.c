/* model_config.c: the `model:` section of config files (schema documented in docs/config.md).
 *
 * Driven by the model parameter tables (vr_model_params.h): the libcyaml schema of a model
 * mapping is built from them (the union of every model's keys, so that a key of another model
 * type gets "not a parameter of heston" rather than "unknown key"), and so are the required keys,
 * the defaults and the ranges. A model file may also be named in place of the mapping
 * (`model: models/heston.yaml`); the reader splices it in (yaml_index.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"
#include "vixrisk/vr_model_params.h"

static cyaml_schema_field_t sv_fields[VR_MODEL_YAML_SLOTS + 1];
static cyaml_schema_field_t model_fields[VR_MODEL_YAML_SLOTS + 1];

/* One text field at slot i, or a mapping of `sub` at slot i. */
static cyaml_schema_field_t text_field(const char *key, int i)
{
    cyaml_schema_field_t f = CYAML_FIELD_STRING_PTR("x", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, vr_model_yaml,
                                                    slot[0], 0, CYAML_UNLIMITED);
    f.key = key;
    f.value.data_size = sizeof(char);
    f.data_offset = (uint32_t)(offsetof(vr_model_yaml, slot) + (size_t)i * sizeof(void *));
    return f;
}

static cyaml_schema_field_t map_field(const char *key, int i, const cyaml_schema_field_t *sub)
{
    cyaml_schema_field_t f = CYAML_FIELD_MAPPING_PTR("x", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, vr_model_yaml,
                                                     slot[0], sv_fields);
    f.key = key;
    f.data_offset = (uint32_t)(offsetof(vr_model_yaml, slot) + (size_t)i * sizeof(void *));
    f.value.mapping.fields = sub;
    f.value.data_size = sizeof(vr_model_yaml); /* the slot struct, not the slot's void */
    return f;
}

static int add_unique(cyaml_schema_field_t *fields, int n, const char *key, int is_map,
                      const cyaml_schema_field_t *sub)
{
    for (int i = 0; i < n; i++)
        if (strcmp(fields[i].key, key) == 0)
            return n;
    if (n >= VR_MODEL_YAML_SLOTS)
        return n; /* more keys than slots: a static limit, caught by the table test */
    fields[n] = is_map ? map_field(key, n, sub) : text_field(key, n);
    return n + 1;
}

const cyaml_schema_field_t *vr_model_yaml_fields(void)
{
    if (model_fields[0].key != NULL)
        return model_fields;
    int ns = 0;
    for (int k = 0; k < vr_model_param_name_count(); k++)
        ns = add_unique(sv_fields, ns, vr_model_param_name_at(k), 0, NULL);
    sv_fields[ns] = (cyaml_schema_field_t)CYAML_FIELD_END;
    int n = 0, nc = 0;
    n = add_unique(model_fields, n, "type", 0, NULL);
    const vr_param_def *common = vr_model_common_params(&nc);
    for (int i = 0; i < nc; i++)
        n = add_unique(model_fields, n, common[i].name, 0, NULL);
    for (int m = 0; m < vr_model_def_count(); m++) {
        const vr_model_def *d = vr_model_def_at(m);
        for (int i = 0; i < d->nstate; i++)
            n = add_unique(model_fields, n, d->state[i].name, 0, NULL);
    }
    n = add_unique(model_fields, n, "physical", 1, sv_fields);
    n = add_unique(model_fields, n, "pricing", 1, sv_fields);
    model_fields[n] = (cyaml_schema_field_t)CYAML_FIELD_END;
    return model_fields;
}

/* The names of the block's parameters: all (want < 0), the required ones (1) or the optional (0). */
static void join_names(const vr_model_def *d, int want, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < d->nparams; i++) {
        if (want >= 0 && (int)isnan(d->params[i].def) != want)
            continue;
        const size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", len ? ", " : "", d->params[i].name);
    }
}

/* One number from the table entry d at path: required when d->def is NAN; the range is checked
 * by the model validator afterwards (one message format for files and the library). */
static vr_status param(const vr_cfg_ctx *c, const char *path, const char *block, const vr_param_def *d, double *x)
{
    if (isnan(d->def) && !vr_cfg_has(c, path)) {
        const char *leaf = strrchr(path, '.');
        return vr_config_fail(c->err, c->file, c->ix, block, "missing key '%s'", leaf ? leaf + 1 : path);
    }
    return vr_cfg_num(c, path, d->def, x);
}

/* Required keys present, foreign keys absent, values read, in the parameter block at `block`. */
static vr_status read_block(const vr_cfg_ctx *c, const vr_model_def *d, const char *block, vr_sv_params *p)
{
    char path[VR_KEY_MAX], valid[256], need[256], opt[256];
    join_names(d, -1, valid, sizeof valid);
    join_names(d, 1, need, sizeof need);
    join_names(d, 0, opt, sizeof opt);
    if (vr_yaml_kind(c->ix, block) != 'm')
        return vr_config_fail(c->err, c->file, c->ix, block, "must be a mapping of parameters");
    for (int i = 0; i < d->nparams; i++) {
        snprintf(path, sizeof path, "%s.%s", block, d->params[i].name);
        if (isnan(d->params[i].def) && !vr_cfg_has(c, path))
            return vr_config_fail(c->err, c->file, c->ix, block, "missing key '%s' (a %s block needs: %s%s%s)",
                                  d->params[i].name, d->name, need, opt[0] ? "; optional: " : "", opt);
    }
    const int nk = vr_yaml_count(c->ix, block);
    for (int k = 0; k < nk; k++) {
        const char *key = vr_yaml_child(c->ix, block, k);
        if (vr_model_param_find(d, key) == NULL) {
            snprintf(path, sizeof path, "%s.%s", block, key);
            return vr_config_fail(c->err, c->file, c->ix, path, "not a parameter of %s (valid: %s)", d->name, valid);
        }
    }
    memset(p, 0, sizeof *p);
    for (int i = 0; i < d->nparams; i++) {
        double x = 0;
        snprintf(path, sizeof path, "%s.%s", block, d->params[i].name);
        vr_status st = param(c, path, block, &d->params[i], &x);
        if (st != VR_OK)
            return st;
        vr_param_set(p, &d->params[i], x);
    }
    return VR_OK;
}

vr_status vr_model_from_index(const vr_cfg_ctx *c, const char *prefix, vr_model *out)
{
    char path[VR_KEY_MAX];
    vr_status st;
    memset(out, 0, sizeof *out);
    if (vr_yaml_kind(c->ix, prefix) != 'm')
        return vr_config_fail(c->err, c->file, c->ix, prefix, "must be a mapping (or the name of a model file)");
    snprintf(path, sizeof path, "%s.type", prefix);
    const char *tname = vr_yaml_text(c->ix, path);
    if (tname == NULL)
        return vr_config_fail(c->err, c->file, c->ix, prefix, "missing key 'type'");
    const vr_model_def *d = vr_model_def_find(tname);
    if (d == NULL) {
        char valid[128] = "";
        for (int m = 0; m < vr_model_def_count(); m++) {
            const size_t len = strlen(valid);
            snprintf(valid + len, sizeof valid - len, "%s%s", len ? ", " : "", vr_model_def_at(m)->name);
        }
        return vr_config_fail(c->err, c->file, c->ix, path, "invalid value '%s' (valid: %s)", tname, valid);
    }
    out->type = d->type;
    int nc = 0;
    const vr_param_def *common = vr_model_common_params(&nc);
    for (int i = 0; i < nc; i++) {
        double x = 0;
        snprintf(path, sizeof path, "%s.%s", prefix, common[i].name);
        if ((st = param(c, path, prefix, &common[i], &x)) != VR_OK)
            return st;
        vr_param_set(out, &common[i], x);
    }
    for (int i = 0; i < d->nstate; i++) {
        double x = 0;
        snprintf(path, sizeof path, "%s.%s", prefix, d->state[i].name);
        if ((st = param(c, path, prefix, &d->state[i], &x)) != VR_OK)
            return st;
        vr_param_set(out, &d->state[i], x);
    }
    /* state keys of other model types */
    for (int m = 0; m < vr_model_def_count(); m++) {
        const vr_model_def *o = vr_model_def_at(m);
        for (int i = 0; i < o->nstate; i++) {
            int mine = 0;
            for (int j = 0; j < d->nstate; j++)
                mine |= strcmp(d->state[j].name, o->state[i].name) == 0;
            snprintf(path, sizeof path, "%s.%s", prefix, o->state[i].name);
            if (!mine && vr_cfg_has(c, path))
                return vr_config_fail(c->err, c->file, c->ix, path, "not a state variable of %s", d->name);
        }
    }
    snprintf(path, sizeof path, "%s.physical", prefix);
    if (!vr_cfg_has(c, path))
        return vr_config_fail(c->err, c->file, c->ix, prefix, "missing key 'physical'");
    if ((st = read_block(c, d, path, &out->physical)) != VR_OK)
        return st;
    out->pricing = out->physical;
    snprintf(path, sizeof path, "%s.pricing", prefix);
    if (vr_cfg_has(c, path) && (st = read_block(c, d, path, &out->pricing)) != VR_OK)
        return st;
    char key[VR_KEY_MAX] = "";
    vr_err verr = {VR_OK, ""};
    /* an svcj file with lambda1 != 0 becomes its svcj2 limit (vr_model_lift_svcj) once valid */
    if (vr_model_validate(out, key, &verr) != VR_OK || vr_model_lift_svcj(out, key, &verr) != VR_OK) {
        /* the validator's key paths start with "model"; re-root them at prefix */
        const char *rest = strncmp(key, "model", 5) == 0 ? key + 5 : key;
        snprintf(path, sizeof path, "%s%s", prefix, rest);
        const char *msg = verr.msg;
        const size_t kl = strlen(key);
        if (strncmp(msg, key, kl) == 0) /* drop the key the validator put first */
            msg += kl + (msg[kl] == ' ');
        return vr_config_fail(c->err, c->file, c->ix, path, "%s", msg);
    }
    return VR_OK;
}

typedef struct model_file {
    vr_model_yaml *model;
} model_file;

static cyaml_schema_field_t model_file_fields[] = {
    CYAML_FIELD_MAPPING_PTR("model", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, model_file, model, NULL),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t model_file_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, model_file, model_file_fields),
};

vr_status vr_model_load(const char *file, vr_model *out, vr_err *err)
{
    vr_yaml_index *ix = NULL;
    model_file *mf = NULL;
    vr_status st = vr_yaml_index_load(file, &ix, err);
    if (st != VR_OK)
        return st;
    model_file_fields[0].value.mapping.fields = vr_model_yaml_fields();
    if ((st = vr_cyaml_load(file, ix, &model_file_schema, (void **)&mf, err)) != VR_OK)
        goto done;
    if (mf == NULL || mf->model == NULL || vr_yaml_line(ix, "model") == 0) {
        st = vr_fail(err, VR_ECONFIG, "%s: missing top-level key 'model'", file);
        goto done;
    }
    const vr_cfg_ctx c = {file, ix, err, NULL};
    st = vr_model_from_index(&c, "model", out);
done:
    vr_cyaml_free(&model_file_schema, mf);
    vr_yaml_index_free(ix);
    return st;
}
