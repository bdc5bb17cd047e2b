/* model_config.c: the `model:` section of config files (schema documented in docs/config.md). */
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

static const cyaml_strval_t model_types[] = {
    {"heston", VR_MODEL_HESTON},
    {"bates", VR_MODEL_BATES},
    {"svcj", VR_MODEL_SVCJ},
};

#define SVF(name) CYAML_FIELD_FLOAT(#name, CYAML_FLAG_OPTIONAL, vr_sv_yaml, name)
static const cyaml_schema_field_t sv_fields[] = {
    SVF(kappa), SVF(theta), SVF(sigma), SVF(rho), SVF(lambda), SVF(mu_j),
    SVF(sigma_j), SVF(mu_v), SVF(mu_s), SVF(sigma_s), SVF(rho_j), CYAML_FIELD_END,
};

const cyaml_schema_field_t vr_model_yaml_fields[] = {
    CYAML_FIELD_ENUM("type", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT, vr_model_yaml, type,
                     model_types, CYAML_ARRAY_LEN(model_types)),
    CYAML_FIELD_FLOAT("spot", CYAML_FLAG_OPTIONAL, vr_model_yaml, spot),
    CYAML_FIELD_FLOAT("rate", CYAML_FLAG_OPTIONAL, vr_model_yaml, rate),
    CYAML_FIELD_FLOAT("dividend", CYAML_FLAG_OPTIONAL, vr_model_yaml, dividend),
    CYAML_FIELD_FLOAT("v0", CYAML_FLAG_OPTIONAL, vr_model_yaml, v0),
    CYAML_FIELD_MAPPING_PTR("physical", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, vr_model_yaml,
                            physical, sv_fields),
    CYAML_FIELD_MAPPING_PTR("pricing", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, vr_model_yaml,
                            pricing, sv_fields),
    CYAML_FIELD_END,
};

static const char *const heston_keys[] = {"kappa", "theta", "sigma", "rho", NULL};
static const char *const bates_keys[] = {"kappa", "theta", "sigma", "rho", "lambda", "mu_j", "sigma_j", NULL};
static const char *const svcj_keys[] = {"kappa", "theta", "sigma", "rho", "lambda", "mu_v",
                                        "mu_s", "sigma_s", "rho_j", NULL};
static const char *const all_keys[] = {"kappa", "theta", "sigma", "rho", "lambda", "mu_j", "sigma_j",
                                       "mu_v", "mu_s", "sigma_s", "rho_j", NULL};

static const char *const *keys_of(vr_model_type t)
{
    return t == VR_MODEL_HESTON ? heston_keys : t == VR_MODEL_BATES ? bates_keys : svcj_keys;
}

static int in_list(const char *const *list, const char *k)
{
    for (; *list; list++)
        if (strcmp(*list, k) == 0)
            return 1;
    return 0;
}

static void join(const char *const *list, char *out, size_t cap)
{
    out[0] = '\0';
    for (; *list; list++) {
        const size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", len ? ", " : "", *list);
    }
}

/* Required keys present, foreign keys absent, in the parameter block at `block`. */
static vr_status check_block(vr_model_type t, const char *file, const vr_yaml_index *ix,
                             const char *block, vr_err *err)
{
    char path[VR_KEY_MAX], valid[256];
    const char *const *need = keys_of(t);
    join(need, valid, sizeof valid);
    for (const char *const *k = need; *k; k++) {
        snprintf(path, sizeof path, "%s.%s", block, *k);
        if (vr_yaml_line(ix, path) == 0)
            return vr_config_fail(err, file, ix, block, "missing key '%s' (a %s block needs: %s)",
                                  *k, vr_model_type_name(t), valid);
    }
    for (const char *const *k = all_keys; *k; k++) {
        snprintf(path, sizeof path, "%s.%s", block, *k);
        if (!in_list(need, *k) && vr_yaml_line(ix, path) > 0)
            return vr_config_fail(err, file, ix, path, "not a parameter of %s (valid: %s)",
                                  vr_model_type_name(t), valid);
    }
    return VR_OK;
}

static void sv_copy(const vr_sv_yaml *y, vr_sv_params *p)
{
    p->kappa = y->kappa;
    p->theta = y->theta;
    p->sigma = y->sigma;
    p->rho = y->rho;
    p->lambda = y->lambda;
    p->mu_j = y->mu_j;
    p->sigma_j = y->sigma_j;
    p->mu_v = y->mu_v;
    p->mu_s = y->mu_s;
    p->sigma_s = y->sigma_s;
    p->rho_j = y->rho_j;
}

vr_status vr_model_from_yaml(const vr_model_yaml *y, const char *file, const vr_yaml_index *ix,
                             const char *prefix, vr_model *out, vr_err *err)
{
    char path[VR_KEY_MAX];
    static const char *const required[] = {"type", "spot", "v0", "physical", NULL};
    for (const char *const *k = required; *k; k++) {
        snprintf(path, sizeof path, "%s.%s", prefix, *k);
        if (vr_yaml_line(ix, path) == 0)
            return vr_config_fail(err, file, ix, prefix, "missing key '%s'", *k);
    }
    memset(out, 0, sizeof *out);
    out->type = (vr_model_type)y->type;
    out->spot = y->spot;
    out->rate = y->rate;
    out->dividend = y->dividend;
    out->v0 = y->v0;
    vr_status st;
    snprintf(path, sizeof path, "%s.physical", prefix);
    if (y->physical == NULL)
        return vr_config_fail(err, file, ix, path, "must be a mapping of parameters");
    if ((st = check_block(out->type, file, ix, path, err)) != VR_OK)
        return st;
    sv_copy(y->physical, &out->physical);
    out->pricing = out->physical;
    if (y->pricing != NULL) {
        snprintf(path, sizeof path, "%s.pricing", prefix);
        if ((st = check_block(out->type, file, ix, path, err)) != VR_OK)
            return st;
        sv_copy(y->pricing, &out->pricing);
    }
    char key[VR_KEY_MAX] = "";
    vr_err verr = {VR_OK, ""};
    if (vr_model_validate(out, key, &verr) != VR_OK) {
        /* the validator's key paths start with "model"; re-root them at prefix */
        const char *rest = strncmp(key, "model", 5) == 0 ? key + 5 : key;
        snprintf(path, sizeof path, "%s%s", prefix, rest);
        const char *msg = verr.msg;
        const size_t kl = strlen(key);
        if (strncmp(msg, key, kl) == 0) /* drop the key the validator put first */
            msg += kl + (msg[kl] == ' ');
        return vr_config_fail(err, file, ix, path, "%s", msg);
    }
    return VR_OK;
}

typedef struct model_file {
    vr_model_yaml *model;
} model_file;

static const cyaml_schema_field_t model_file_fields[] = {
    CYAML_FIELD_MAPPING_PTR("model", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, model_file, model,
                            vr_model_yaml_fields),
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
    if ((st = vr_cyaml_load(file, ix, &model_file_schema, (void **)&mf, err)) != VR_OK)
        goto done;
    if (mf == NULL || mf->model == NULL || vr_yaml_line(ix, "model") == 0) {
        st = vr_fail(err, VR_ECONFIG, "%s: missing top-level key 'model'", file);
        goto done;
    }
    st = vr_model_from_yaml(mf->model, file, ix, "model", out, err);
done:
    if (mf != NULL) {
        const cyaml_config_t cfg = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR,
                                    .log_fn = cyaml_log};
        cyaml_free(&cfg, &model_file_schema, mf, 0);
    }
    vr_yaml_index_free(ix);
    return st;
}
