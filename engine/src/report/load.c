/* load.c: read a `vixrisk run` file into a rep_run for the report writers. Everything comes from
 * the file: root attributes (config, seed, ...), each scenario's model attributes, each policy's
 * score attributes, its per-path pnl and drawdown (sorted here for histograms and quantile
 * curves) and the sample paths with their activation masks. A scenario's policies are its child
 * groups that hold a "pnl" dataset, in creation order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "vixrisk/vr_h5.h"

#define REP_KEY(id, key) key,
const char *const vr_rep_score_keys[RS_N] = {REP_SCORES(REP_KEY)};
#undef REP_KEY

const char *const vr_rep_param_names[REP_NPARAM] = {"kappa",   "theta", "sigma", "rho",
                                                 "lambda",  "mu_j",  "sigma_j", "mu_v",
                                                 "mu_s",    "sigma_s", "rho_j"};

#define TRY(expr) do { if ((st = (expr)) != VR_OK) goto done; } while (0)

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static vr_status sorted_copy(const double *v, size_t n, double **out, const char *what, vr_err *err)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (c == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s: %zu values", what, n);
    if (n)
        memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    *out = c;
    return VR_OK;
}

/* An optional attribute: NaN (or "") when absent, so reports of older files still render. */
static vr_status opt_double(vr_h5_reader *r, const char *obj, const char *name, double *v, vr_err *err)
{
    if (!vr_h5_attr_exists(r, obj, name)) {
        *v = NAN;
        return VR_OK;
    }
    return vr_h5_read_attr_double(r, obj, name, v, err);
}

static vr_status opt_str(vr_h5_reader *r, const char *obj, const char *name, char **v, vr_err *err)
{
    if (!vr_h5_attr_exists(r, obj, name)) {
        *v = calloc(1, 1);
        return *v ? VR_OK : vr_fail(err, VR_ENOMEM, "report: attribute %s", name);
    }
    return vr_h5_read_attr_str(r, obj, name, v, err);
}

static vr_status opt_int(vr_h5_reader *r, const char *obj, const char *name, int64_t *v, vr_err *err)
{
    if (!vr_h5_attr_exists(r, obj, name)) {
        *v = -1;
        return VR_OK;
    }
    return vr_h5_read_attr_int64(r, obj, name, v, err);
}

static vr_status load_policy(vr_h5_reader *r, const char *scen, const char *name, rep_policy *p,
                             vr_err *err)
{
    vr_status st = VR_OK;
    char g[1024], d[1100];
    double *dd = NULL, *arr = NULL;
    size_t n = 0, m = 0;
    snprintf(g, sizeof g, "/%s/%s", scen, name);
    if ((p->name = strdup(name)) == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s", g);
    for (int k = 0; k < RS_N; k++)
        TRY(vr_h5_read_attr_double(r, g, vr_rep_score_keys[k], &p->score[k], err));
    TRY(opt_str(r, g, "baseline", &p->baseline, err));
    TRY(opt_int(r, g, "layers", &p->nlayers, err));
    const char *arrays[3] = {"loss_thresholds", "p_loss", "p_loss_se"};
    double *dst[3] = {p->thr, p->p_loss, p->p_loss_se};
    for (int a = 0; a < 3; a++) {
        TRY(vr_h5_read_attr_double_array(r, g, arrays[a], &arr, &m, err));
        for (size_t i = 0; i < REP_NTHR; i++)
            dst[a][i] = i < m ? arr[i] : NAN;
        free(arr);
        arr = NULL;
    }
    snprintf(d, sizeof d, "%s/pnl", g);
    TRY(vr_h5_read_f64(r, d, &p->pnl, &p->n, err));
    TRY(sorted_copy(p->pnl, p->n, &p->pnl_sorted, d, err));
    snprintf(d, sizeof d, "%s/drawdown", g);
    TRY(vr_h5_read_f64(r, d, &dd, &n, err));
    if (n != p->n) {
        st = vr_fail(err, VR_EHDF5, "report: %s: %zu values, pnl has %zu", d, n, p->n);
        goto done;
    }
    TRY(sorted_copy(dd, n, &p->dd_sorted, d, err));
    snprintf(d, sizeof d, "%s/layers", g);
    if (vr_h5_exists(r, d))
        TRY(vr_h5_list_groups(r, d, &p->layers, &p->nlayer_names, err));
done:
    free(dd);
    free(arr);
    return st;
}

/* Sample paths: spx, vix [nsample, ndays] and each policy's activation masks (absent: NULL). */
static vr_status load_samples(vr_h5_reader *r, rep_scenario *s, vr_err *err)
{
    vr_status st = VR_OK;
    char d[1100];
    size_t n = 0;
    vr_h5_dset_info info;
    snprintf(d, sizeof d, "/%s/sample_paths/spx", s->name);
    if (!vr_h5_exists(r, d))
        return VR_OK;
    TRY(vr_h5_dset_info_get(r, d, &info, err));
    if (info.rank != 2 || info.dims[0] == 0 || info.dims[1] == 0)
        return VR_OK;
    s->nsample = info.dims[0];
    s->ndays = info.dims[1];
    TRY(vr_h5_read_f64(r, d, &s->spx, &n, err));
    snprintf(d, sizeof d, "/%s/sample_paths/vix", s->name);
    TRY(vr_h5_read_f64(r, d, &s->vix, &n, err));
    if (n != s->nsample * s->ndays) {
        st = vr_fail(err, VR_EHDF5, "report: %s: %zu values, want %zu x %zu", d, n, s->nsample, s->ndays);
        goto done;
    }
    for (size_t p = 0; p < s->npol; p++) {
        snprintf(d, sizeof d, "/%s/sample_paths/activations/%s", s->name, s->pol[p].name);
        if (!vr_h5_exists(r, d))
            continue;
        TRY(vr_h5_read_f64(r, d, &s->pol[p].act, &n, err));
        if (n != s->nsample * s->ndays) {
            free(s->pol[p].act);
            s->pol[p].act = NULL;
        }
    }
done:
    return st;
}

static vr_status load_scenario(vr_h5_reader *r, const rep_run *run, const char *name, rep_scenario *s,
                               vr_err *err)
{
    vr_status st = VR_OK;
    char g[600], d[1200];
    char **kids = NULL;
    size_t nkids = 0;
    snprintf(g, sizeof g, "/%s", name);
    if ((s->name = strdup(name)) == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s", g);
    TRY(opt_str(r, g, "model_type", &s->model_type, err));
    TRY(opt_double(r, g, "spot", &s->spot, err));
    TRY(opt_double(r, g, "rate", &s->rate, err));
    TRY(opt_double(r, g, "dividend", &s->dividend, err));
    TRY(opt_double(r, g, "v0", &s->v0, err));
    TRY(opt_double(r, g, "wall_seconds", &s->wall, err));
    TRY(opt_double(r, g, "marks_build_seconds", &s->marks_wall, err));
    for (int i = 0; i < REP_NPARAM; i++) {
        char an[64];
        snprintf(an, sizeof an, "physical_%s", vr_rep_param_names[i]);
        TRY(opt_double(r, g, an, &s->phys[i], err));
        snprintf(an, sizeof an, "pricing_%s", vr_rep_param_names[i]);
        TRY(opt_double(r, g, an, &s->pric[i], err));
    }
    TRY(vr_h5_list_groups(r, g, &kids, &nkids, err));
    if ((s->pol = calloc(nkids + 1, sizeof *s->pol)) == NULL) /* +1: see vr_rep_run_free */ {
        st = vr_fail(err, VR_ENOMEM, "report: %s: %zu policies", g, nkids);
        goto done;
    }
    for (size_t k = 0; k < nkids; k++) {
        snprintf(d, sizeof d, "%s/%s/pnl", g, kids[k]);
        if (!vr_h5_exists(r, d))
            continue; /* sample_paths and anything else that is not a policy */
        TRY(load_policy(r, name, kids[k], &s->pol[s->npol], err));
        s->npol++;
    }
    if (s->npol == 0) {
        st = vr_fail(err, VR_EHDF5, "report: %s: scenario %s has no policies", run->path, g);
        goto done;
    }
    for (size_t p = 0; p < s->npol; p++)
        if (strcmp(s->pol[p].name, run->baseline) == 0)
            s->base = p;
    TRY(load_samples(r, s, err));
done:
    vr_h5_free_names(kids, nkids);
    return st;
}

vr_status vr_rep_run_load(const char *h5_path, rep_run *run, vr_err *err)
{
    vr_status st = VR_OK;
    vr_h5_reader *r = NULL;
    char **scen = NULL;
    size_t nscen = 0;
    memset(run, 0, sizeof *run);
    if ((run->path = strdup(h5_path)) == NULL)
        return vr_fail(err, VR_ENOMEM, "report: %s", h5_path);
    vr_err inner = {VR_OK, ""};
    if (vr_h5_open_read(h5_path, &r, &inner) != VR_OK) {
        /* "h5: open X: No such file..." or HDF5's "unable to open file: file signature not found" */
        const char *why = inner.msg;
        const char *colon = strstr(why, h5_path);
        if (colon != NULL && strncmp(colon + strlen(h5_path), ": ", 2) == 0)
            why = colon + strlen(h5_path) + 2;
        return vr_fail(err, VR_EIO, "report: cannot read %s as an HDF5 run file: %s", h5_path, why);
    }
    if (!vr_h5_attr_exists(r, "/", "schema")) {
        st = vr_fail(err, VR_EIO, "report: %s: not a vixrisk run file (no root attribute 'schema')", h5_path);
        goto done;
    }
    TRY(vr_h5_read_attr_str(r, "/", "schema", &run->schema, err));
    if (strncmp(run->schema, "vixrisk-run/", 12) != 0) {
        st = vr_fail(err, VR_EIO, "report: %s: not a vixrisk run file (schema '%.100s', want vixrisk-run/1)",
                     h5_path, run->schema);
        goto done;
    }
    TRY(opt_str(r, "/", "vixrisk_version", &run->version, err));
    TRY(opt_str(r, "/", "build", &run->build, err));
    TRY(opt_str(r, "/", "config", &run->config, err));
    TRY(opt_str(r, "/", "config_file", &run->config_file, err));
    TRY(opt_str(r, "/", "isa", &run->isa, err));
    TRY(opt_str(r, "/", "utc_time", &run->utc_time, err));
    TRY(opt_str(r, "/", "baseline", &run->baseline, err));
    TRY(opt_int(r, "/", "seed", &run->seed, err));
    TRY(opt_int(r, "/", "threads", &run->threads, err));
    TRY(opt_int(r, "/", "paths", &run->paths, err));
    TRY(opt_int(r, "/", "horizon_days", &run->horizon_days, err));
    TRY(opt_double(r, "/", "wall_seconds", &run->wall, err));
    TRY(vr_h5_list_groups(r, "/", &scen, &nscen, err));
    if (nscen == 0) {
        st = vr_fail(err, VR_EHDF5, "report: %s: no scenarios in the file", h5_path);
        goto done;
    }
    if ((run->scen = calloc(nscen, sizeof *run->scen)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "report: %zu scenarios", nscen);
        goto done;
    }
    for (size_t i = 0; i < nscen; i++) {
        run->nscen = i + 1; /* so vr_rep_run_free releases a partly loaded scenario */
        TRY(load_scenario(r, run, scen[i], &run->scen[i], err));
    }
done:
    vr_h5_free_names(scen, nscen);
    vr_h5_close(r);
    return st;
}

static void free_str(char **s)
{
    free(*s);
    *s = NULL;
}

void vr_rep_run_free(rep_run *run)
{
    if (run == NULL)
        return;
    for (size_t i = 0; i < run->nscen && run->scen; i++) {
        rep_scenario *s = &run->scen[i];
        for (size_t p = 0; p < s->npol + 1 && s->pol; p++) { /* +1: a policy that failed to load */
            rep_policy *q = &s->pol[p];
            free(q->name);
            free(q->baseline);
            vr_h5_free_names(q->layers, q->nlayer_names);
            free(q->pnl);
            free(q->pnl_sorted);
            free(q->dd_sorted);
            free(q->act);
        }
        free(s->pol);
        free(s->name);
        free(s->model_type);
        free(s->spx);
        free(s->vix);
    }
    free(run->scen);
    char **strs[] = {&run->path, &run->schema, &run->version, &run->build, &run->config,
                     &run->config_file, &run->isa, &run->utc_time, &run->baseline};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free_str(strs[i]);
    memset(run, 0, sizeof *run);
}
