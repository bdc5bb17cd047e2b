/* csv.c: the CSV report: one row per (scenario, policy), a header row, every stored score a
 * column (attribute names as in docs/hdf5.md; the 4-element arrays become loss_threshold_k,
 * p_loss_k, p_loss_se_k for k = 1..4). RFC 4180: CRLF line ends, a field is quoted when it holds a
 * comma, a quote, CR or LF, with quotes doubled. Numbers use %.17g, so they read back to the
 * same double; NaN is written as NaN (pandas and strtod read it). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

static void field(FILE *f, const char *s, int first)
{
    if (!first)
        fputc(',', f);
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static void num(FILE *f, double x)
{
    fputc(',', f);
    if (isnan(x))
        fputs("NaN", f);
    else if (isinf(x))
        fputs(x > 0 ? "Inf" : "-Inf", f);
    else
        fprintf(f, "%.17g", x);
}

vr_status vr_rep_write_csv(const rep_run *r, const char *out_path, vr_err *err)
{
    rep_file rf;
    vr_status st = vr_rep_file_open(&rf, out_path, err);
    if (st != VR_OK)
        return st;
    FILE *f = rf.f;
    field(f, "scenario", 1);
    field(f, "policy", 0);
    field(f, "baseline", 0);
    field(f, "rank_es99", 0);
    field(f, "layers", 0);
    field(f, "paths", 0);
    for (int k = 0; k < RS_N; k++)
        field(f, vr_rep_score_keys[k], 0);
    static const char *const arr[3] = {"loss_threshold", "p_loss", "p_loss_se"};
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < REP_NTHR; k++) {
            char h[64];
            snprintf(h, sizeof h, "%s_%d", arr[a], k + 1);
            field(f, h, 0);
        }
    fputs("\r\n", f);
    for (size_t i = 0; i < r->nscen; i++) {
        const rep_scenario *s = &r->scen[i];
        size_t order[s->npol], rank[s->npol];
        vr_rep_rank(s, order);
        for (size_t k = 0; k < s->npol; k++)
            rank[order[k]] = k + 1;
        for (size_t p = 0; p < s->npol; p++) {
            const rep_policy *q = &s->pol[p];
            char b[64];
            field(f, s->name, 1);
            field(f, q->name, 0);
            field(f, q->baseline, 0);
            snprintf(b, sizeof b, "%zu", rank[p]);
            field(f, b, 0);
            snprintf(b, sizeof b, "%lld", (long long)q->nlayers);
            field(f, b, 0);
            snprintf(b, sizeof b, "%zu", q->n);
            field(f, b, 0);
            for (int k = 0; k < RS_N; k++)
                num(f, q->score[k]);
            const double *v[3] = {q->thr, q->p_loss, q->p_loss_se};
            for (int a = 0; a < 3; a++)
                for (int k = 0; k < REP_NTHR; k++)
                    num(f, v[a][k]);
            fputs("\r\n", f);
        }
    }
    return vr_rep_file_commit(&rf, err);
}
