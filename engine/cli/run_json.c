/* run_json.c: `vixrisk run --json`: the ranking table as one JSON object. The scores come from the
 * run file just written (the attributes every policy group carries, docs/hdf5.md), so the JSON and
 * the file can never disagree; the order is the table's: ES99 ascending (smallest tail loss first),
 * or for a scenario of one path (a replay), its P&L descending. A run timed with --stages adds
 * each scenario's stages, read back from the same file (its stage_* attributes).
 * Scores are printed with 17 significant digits, so each reads back to the double the file stores
 * (as in `vixrisk report --format json`); non-finite values are written as null. */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_runfile.h"

static const char *const keys[] = {
    "mean", "mean_se", "es99", "es99_se", "var99", "es95", "es99.9", "d_mean", "d_mean_se",
    "d_es99", "d_es99_se", "cost_per_es99_reduction", "hedge_premium_paid", "hedge_premium_recovered",
    "drawdown_q50", "drawdown_q99",
};
#define NKEYS (sizeof keys / sizeof keys[0])

typedef struct pol_row {
    const char *name;
    size_t ord; /* its place in the file: ties keep it (qsort is not stable) */
    double v[NKEYS];
} pol_row;

/* Ascending by key (NaN last), ties in file order. */
static int by_key(const pol_row *a, const pol_row *b, size_t k, int sign)
{
    const double x = sign * a->v[k], y = sign * b->v[k];
    if (isnan(x) || isnan(y)) {
        if (isnan(x) != isnan(y))
            return isnan(x) - isnan(y);
    } else if (x != y) {
        return (x > y) - (x < y);
    }
    return (a->ord > b->ord) - (a->ord < b->ord);
}

/* "key": x with %.17g (it reads back to the same double; vr_cli_json_num's %.12g does not), or
 * null when x is not finite; then ", " unless last. */
static void json_num17(FILE *out, const char *key, double x, int comma)
{
    vr_cli_json_str(out, key);
    if (isfinite(x))
        fprintf(out, ": %.17g%s", x + 0.0, comma ? ", " : ""); /* (+ 0.0: no "-0") */
    else
        fprintf(out, ": null%s", comma ? ", " : "");
}

static int by_es99(const void *a, const void *b) { return by_key(a, b, 2, +1); }
/* a scenario of one path (a replay) has no tail: ranked by its P&L, best first, as the console
 * table and the report rank it */
static int by_mean_desc(const void *a, const void *b) { return by_key(a, b, 0, -1); }

/* , "stages": {...} of scenario group g when the run was timed (its stage_* attributes, docs/hdf5.md):
 * the threads, their mean wall seconds, and the stages as the benchmark's record has them
 * (vr_eval_stages_json); nothing for an untimed run. */
static vr_status stages_json(FILE *out, vr_h5_reader *r, const char *g, vr_err *err)
{
    vr_eval_stages sg;
    int present = 0;
    const vr_status st = vr_rf_read_stages(r, g, &sg, &present, err);
    if (st != VR_OK) {
        vr_err_prefix(err, "run --json: "); /* (the reader's message names the group) */
        return st;
    }
    if (!present)
        return VR_OK;
    fprintf(out, ", \"stages\": {\"threads\": %d, ", sg.threads);
    vr_cli_json_num(out, "wall_seconds", sg.seconds, 1);
    vr_eval_stages_json(out, &sg);
    fprintf(out, "}");
    return VR_OK;
}

static vr_status scenario_json(FILE *out, vr_h5_reader *r, const char *scen, vr_err *err)
{
    vr_status st = VR_OK;
    char **pols = NULL;
    size_t npol = 0, nrow = 0;
    pol_row *rows = NULL;
    char g[1024];
    snprintf(g, sizeof g, "/%s", scen);
    if ((st = vr_h5_list_groups(r, g, &pols, &npol, err)) != VR_OK)
        goto done;
    if (npol > 0 && (rows = calloc(npol, sizeof *rows)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "run --json: %zu policies", npol);
        goto done;
    }
    for (size_t p = 0; p < npol; p++) {
        char pg[2048];
        snprintf(pg, sizeof pg, "/%s/%s", scen, pols[p]);
        if (!vr_h5_attr_exists(r, pg, "mean"))
            continue; /* sample_paths and other non-policy groups */
        pol_row *row = &rows[nrow++];
        row->name = pols[p];
        row->ord = nrow;
        for (size_t k = 0; k < NKEYS; k++) {
            row->v[k] = NAN;
            if (vr_h5_attr_exists(r, pg, keys[k]) &&
                (st = vr_h5_read_attr_double(r, pg, keys[k], &row->v[k], err)) != VR_OK)
                goto done;
        }
    }
    int64_t paths = 0;
    if (vr_h5_attr_exists(r, g, "paths") && (st = vr_h5_read_attr_int64(r, g, "paths", &paths, err)) != VR_OK)
        goto done;
    qsort(rows, nrow, sizeof *rows, paths == 1 ? by_mean_desc : by_es99);
    fprintf(out, "{\"name\": ");
    vr_cli_json_str(out, scen);
    fprintf(out, ", \"paths\": %lld, \"order\": \"%s\", \"ranking\": [", (long long)paths,
            paths == 1 ? "mean descending" : "es99 ascending");
    for (size_t i = 0; i < nrow; i++) {
        fprintf(out, "%s{\"rank\": %zu, \"policy\": ", i ? ", " : "", i + 1);
        vr_cli_json_str(out, rows[i].name);
        fprintf(out, ", ");
        for (size_t k = 0; k < NKEYS; k++)
            json_num17(out, keys[k], rows[i].v[k], k + 1 < NKEYS);
        fprintf(out, "}");
    }
    fprintf(out, "]");
    if ((st = stages_json(out, r, g, err)) != VR_OK)
        goto done;
    fprintf(out, "}");
done:
    free(rows);
    vr_h5_free_names(pols, npol);
    return st;
}

int vr_cli_run_json(FILE *dest, const char *h5_path, double seconds)
{
    vr_err err = {VR_OK, ""};
    /* built in memory, printed only when complete: a failure never leaves half an object */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out == NULL) {
        vr_fail(&err, VR_ENOMEM, "run --json: output buffer");
        return vr_cli_fail("run", VR_ENOMEM, &err);
    }
    vr_h5_reader *r = NULL;
    char **scen = NULL, *baseline = NULL, *verdict = NULL;
    size_t nscen = 0;
    int64_t seed = 0;
    vr_status st = vr_h5_open_read(h5_path, &r, &err);
    if (st == VR_OK)
        st = vr_h5_list_groups(r, "/", &scen, &nscen, &err);
    if (st == VR_OK)
        st = vr_h5_read_attr_str(r, "/", "baseline", &baseline, &err);
    if (st == VR_OK)
        st = vr_h5_read_attr_int64(r, "/", "seed", &seed, &err);
    if (st == VR_OK && vr_h5_attr_exists(r, "/", "verdict"))
        st = vr_h5_read_attr_str(r, "/", "verdict", &verdict, &err);
    if (st == VR_OK) {
        fprintf(out, "{\"file\": ");
        vr_cli_json_str(out, h5_path);
        fprintf(out, ", \"baseline\": ");
        vr_cli_json_str(out, baseline);
        fprintf(out, ", \"seed\": %llu, ", (unsigned long long)seed);
        vr_cli_json_num(out, "seconds", seconds, 1);
        if (verdict) {
            fprintf(out, "\"verdict\": ");
            vr_cli_json_str(out, verdict);
            fprintf(out, ", ");
        }
        fprintf(out, "\"order\": \"es99 ascending (a scenario of one path: mean descending)\", \"scenarios\": [");
        for (size_t i = 0; i < nscen && st == VR_OK; i++) {
            if (i)
                fprintf(out, ", ");
            st = scenario_json(out, r, scen[i], &err);
        }
        fprintf(out, "]}\n");
    }
    free(baseline);
    free(verdict);
    vr_h5_free_names(scen, nscen);
    vr_h5_close(r);
    fclose(out);
    if (st == VR_OK)
        fwrite(buf, 1, len, dest);
    free(buf);
    if (st != VR_OK)
        return vr_cli_fail("run", st, &err);
    return 0;
}
