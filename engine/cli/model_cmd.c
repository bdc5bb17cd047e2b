/* model_cmd.c: `vixrisk model MODEL.yaml [--json] [--asof YYYY-MM-DD] [--data DIR]`: what a model
 * implies at its state (the variance factors, the VIX-family indices and their coefficients, the
 * VIX futures curve, SPX implied vols, the model's VVIX, the long run under both measures and the
 * VIX floor), as a table or one JSON object. With --asof the state is that date's market (spot
 * from the SPX close, factors backed out from VIX, or VIX and VIX3M for two-factor models) and the
 * real values of that date stand beside the model's. The numbers come from vr_model_info_compute
 * (vr_model_info.h), which asks the model interface only; this file parses, prints and maps the
 * status to an exit code (2 for usage, model-file and data errors, 1 for a numerical failure).
 * main.c dispatches here with argv[0] = "model". */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model_info.h"
#include "vixrisk/vr_term.h"
#include "cli.h"

/* --asof on a day the model cannot reach exactly (a one-factor VIX below the floor; a (VIX, VIX3M)
 * pair that needs a negative factor): the nearest reachable state is shown instead, flagged. */
typedef struct clamp_info {
    int nfree;                      /* factors the day's indices identify: 1 (VIX) or 2 (and VIX3M) */
    int on;                         /* 1: the state shown is clamped, not the day's exact state */
    double need[VR_FACTORS_MAX];    /* the exact solution (a factor < 0 among them) */
    char note[256];                 /* "m = 0; model VIX3M 75.631 vs real 67.70" */
} clamp_info;

/* The factors the day's indices need exactly (the affine solve, no clamping): v from VIX alone
 * for one free factor (the others as in x), v and m from VIX and VIX3M for two. */
static void exact_need(int nfree, const vr_vix_coef *c30, const vr_vix_coef *c93,
                       const vr_market_day *mk, const double *x, double *need)
{
    double y1 = (mk->vix / 100) * (mk->vix / 100) - c30->a;
    if (nfree < 2) {
        for (int j = 1; j < VR_FACTORS_MAX; j++) {
            need[j] = x[j];
            y1 -= c30->bx[j] * x[j];
        }
        need[0] = y1 / c30->bx[0];
        return;
    }
    const double y2 = (mk->vix3m / 100) * (mk->vix3m / 100) - c93->a;
    const double det = c30->bx[0] * c93->bx[1] - c30->bx[1] * c93->bx[0];
    need[0] = (y1 * c93->bx[1] - c30->bx[1] * y2) / det;
    need[1] = (c30->bx[0] * y2 - y1 * c93->bx[0]) / det;
}

/* After vr_model_state_from_market failed on a day that has every level the model needs: the
 * clamped solve (vr_state_from_term_c: the negative factor at 0, the VIX re-solved) into x, and
 * the note. 0 when the day is not a reach failure (the error stands). */
static int clamp_state(const vr_model *m, const vr_market_day *mk, double *x, clamp_info *ci)
{
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    const int nfree = ci->nfree;
    if (!(mk->vix > 0) || (nfree > 1 && !(mk->vix3m > 0)))
        return 0;
    const vr_vix_coef c30 = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    const vr_vix_coef c93 = ops->vix_coef(&m->pricing, VR_VIX_TAU_93D);
    ops->state0(m, x);
    exact_need(nfree, &c30, &c93, mk, x, ci->need);
    if (nfree < 2)
        ops->state_from_vix(&c30, mk->vix, x); /* v at 0 below the floor, the others kept */
    else if (vr_state_from_term_c(ops, &c30, &c93, mk->vix, mk->vix3m, x) != VR_TERM_CLAMPED)
        return 0; /* e.g. coefficients that do not identify two factors */
    ci->on = 1;
    size_t n = 0;
    for (int j = 0; j < ops->nfactors; j++)
        if (x[j] == 0 && n < sizeof ci->note)
            n += (size_t)snprintf(ci->note + n, sizeof ci->note - n, "%s%s = 0", n ? ", " : "",
                                  ops->factor_names[j]);
    const struct { const char *name; const vr_vix_coef *c; double real; } idx[2] = {
        {"VIX", &c30, mk->vix}, {"VIX3M", &c93, mk->vix3m}};
    for (int k = 0; k < nfree; k++) { /* the indices the state answers to */
        const double model = vr_vix_level_x(idx[k].c, x, ops->nfactors);
        if (idx[k].real > 0 && fabs(model - idx[k].real) > 5e-3 && n < sizeof ci->note)
            n += (size_t)snprintf(ci->note + n, sizeof ci->note - n, "; model %s %.3f vs real %.2f",
                                  idx[k].name, model, idx[k].real);
    }
    return 1;
}

static void usage_model(FILE *out)
{
    fprintf(out,
            "usage: vixrisk model MODEL.yaml [--json] [--asof YYYY-MM-DD] [--data DIR]\n"
            "\n"
            "Prints what a model implies at its state: the variance factors; VIX9D, VIX, VIX3M and\n"
            "VIX6M with their coefficients ((VIX/100)^2 = a + b.x); the VIX futures curve at 1-8\n"
            "months; ATM and 25-delta SPX implied vols at 30 and 91 days; the model's VVIX (Cboe's\n"
            "method on the model's own VIX options); the stationary means, Feller ratios and VIX at\n"
            "the mean under both measures; and the VIX floor. Prices use the pricing parameters.\n"
            "\n"
            "  --json             print one JSON object (schema: docs/config.md)\n"
            "  --asof DATE        start from that date's market: spot = SPX close, factors backed out\n"
            "                     from VIX (two-factor models: VIX and VIX3M); the real VIX-family\n"
            "                     closes, VVIX and listed VIX futures of that date are shown beside\n"
            "                     the model's; on a day the model cannot reach exactly (VIX below its\n"
            "                     floor, or a VIX/VIX3M pair needing a negative factor) the nearest\n"
            "                     reachable state (that factor at 0), flagged \"clamped\"\n"
            "  --data DIR         data directory for --asof (default: $VIXRISK_DATA, then\n"
            "                     ../shared/data)\n"
            "  -h, --help         this help\n");
    vr_cli_help_footer(out);
}

/* JSON number that reads back to the same double (17 significant digits); null if not finite. */
static void jnum(FILE *o, const char *key, double x, int comma)
{
    if (key != NULL)
        fprintf(o, "\"%s\": ", key);
    if (isfinite(x))
        fprintf(o, "%.17g", x);
    else
        fputs("null", o);
    if (comma)
        fputs(", ", o);
}

static void print_json(FILE *o, const char *file, const vr_model *m, const vr_model_info *in,
                       const vr_market_day *mk, const clamp_info *ci)
{
    const vr_model_ops *ops = in->ops;
    const int nf = ops->nfactors;
    char ds[16];
    fprintf(o, "{\"file\": ");
    vr_cli_json_str(o, file);
    fprintf(o, ", \"model\": \"%s\", \"nfactors\": %d, ", ops->name, nf);
    if (mk != NULL) {
        fprintf(o, "\"asof\": \"%s\", \"data\": ", vr_history_format_date(mk->date, ds));
        vr_cli_json_str(o, mk->dir);
        fprintf(o, ", ");
    } else
        fprintf(o, "\"asof\": null, ");
    jnum(o, "spot", in->spot, 1);
    jnum(o, "rate", m->rate, 1);
    jnum(o, "dividend", m->dividend, 1);
    fprintf(o, "\"state\": {");
    for (int j = 0; j < nf; j++)
        jnum(o, ops->factor_names[j], in->x[j], j + 1 < nf);
    fprintf(o, "}, \"clamped\": ");
    if (ci->on) { /* the state shown is the nearest reachable one, not the day's exact state */
        fprintf(o, "{\"note\": ");
        vr_cli_json_str(o, ci->note);
        fprintf(o, ", \"exact_state\": {");
        for (int j = 0; j < nf; j++)
            jnum(o, ops->factor_names[j], ci->need[j], j + 1 < nf);
        fprintf(o, "}}");
    } else
        fprintf(o, "null");
    fprintf(o, ", \"indices\": [");
    for (int i = 0; i < VR_INFO_NIDX; i++) {
        const vr_info_index *x = &in->idx[i];
        fprintf(o, "%s{\"name\": \"%s\", \"days\": %d, ", i ? ", " : "", x->name, x->days);
        jnum(o, "a", x->coef.a, 1);
        for (int j = 0; j < nf; j++) {
            char key[32];
            snprintf(key, sizeof key, "b_%s", ops->factor_names[j]);
            jnum(o, key, x->coef.bx[j], 1);
        }
        jnum(o, "model", x->model, 1);
        jnum(o, "real", x->real, 0);
        fprintf(o, "}");
    }
    fprintf(o, "], ");
    jnum(o, "vix_floor", in->vix_floor, 1);
    fprintf(o, "\"futures\": [");
    for (int k = 0; k < VR_INFO_NFUT; k++) {
        fprintf(o, "%s{\"months\": %d, ", k ? ", " : "", k + 1);
        jnum(o, "years", (k + 1) / 12.0, 1);
        jnum(o, "model", in->fut_months[k], 0);
        fprintf(o, "}");
    }
    fprintf(o, "], \"listed_futures\": [");
    for (int i = 0; i < in->nlisted; i++) {
        const vr_info_listed *l = &in->listed[i];
        fprintf(o, "%s{\"contract\": \"%s\", \"expiry\": \"%s\", \"days\": %d, ", i ? ", " : "",
                l->fut.contract, vr_history_format_date(l->fut.expiry, ds), l->days);
        jnum(o, "model", l->model, 1);
        jnum(o, "real", l->fut.settle, 0);
        fprintf(o, "}");
    }
    fprintf(o, "], \"listed_futures_source\": ");
    if (mk != NULL && mk->fut_source[0] != '\0')
        vr_cli_json_str(o, mk->fut_source);
    else
        fprintf(o, "null");
    fprintf(o, ", \"spx_vols\": [");
    for (int i = 0; i < VR_INFO_NSPX; i++) {
        const vr_info_spx *s = &in->spx[i];
        fprintf(o, "%s{\"days\": %d, ", i ? ", " : "", s->days);
        jnum(o, "atm", s->atm, 1);
        jnum(o, "put25", s->put25, 1);
        jnum(o, "put25_strike", s->k_put25, 1);
        jnum(o, "call25", s->call25, 1);
        jnum(o, "call25_strike", s->k_call25, 0);
        fprintf(o, "}");
    }
    fprintf(o, "], \"vvix\": {");
    jnum(o, "model", in->vvix.level, 1);
    jnum(o, "real", in->vvix_real, 1);
    const vr_cboe_term *t[2] = {&in->vvix.near, &in->vvix.next};
    const double T[2] = {in->vvix.t_near, in->vvix.t_next};
    for (int k = 0; k < 2; k++) {
        fprintf(o, "\"%s\": {\"days\": %d, ", k ? "next" : "near",
                k ? VR_VVIX_NEXT_DAYS : VR_VVIX_NEAR_DAYS);
        jnum(o, "years", T[k], 1);
        jnum(o, "forward", t[k]->fwd, 1);
        jnum(o, "k0", t[k]->k0, 1);
        jnum(o, "variance", t[k]->var, 1);
        fprintf(o, "\"strikes\": %d, ", t[k]->nused);
        jnum(o, "k_low", t[k]->k_lo, 1);
        jnum(o, "k_high", t[k]->k_hi, 0);
        fprintf(o, "}%s", k ? "" : ", ");
    }
    fprintf(o, "}");
    const vr_info_measure *ms[2] = {&in->physical, &in->pricing};
    for (int k = 0; k < 2; k++) {
        fprintf(o, ", \"%s\": {\"stationary_mean\": {", k ? "pricing" : "physical");
        for (int j = 0; j < nf; j++)
            jnum(o, ops->factor_names[j], ms[k]->mean[j], j + 1 < nf);
        fprintf(o, "}, ");
        jnum(o, "vix_at_mean", ms[k]->vix_mean, 1);
        fprintf(o, "\"feller\": {");
        for (int j = 0; j < nf; j++) /* null: the factor has no diffusion (ratio infinite) */
            jnum(o, ops->factor_names[j], ms[k]->feller[j], j + 1 < nf);
        fprintf(o, "}}");
    }
    fprintf(o, "}\n");
}

/* "%9.4f" or "      n/a" */
static void tnum(FILE *o, const char *fmt, double x, int width)
{
    if (isfinite(x))
        fprintf(o, fmt, x);
    else
        fprintf(o, "%*s", width, "n/a");
}

static void print_text(FILE *o, const char *file, const vr_model *m, const vr_model_info *in,
                       const vr_market_day *mk, const clamp_info *ci)
{
    const vr_model_ops *ops = in->ops;
    const int nf = ops->nfactors;
    char ds[16];
    fprintf(o, "%s model, %s\n", ops->name, file);
    if (mk != NULL)
        fprintf(o, "state as of %s (%s): spot = SPX close, factors from VIX%s\n",
                vr_history_format_date(mk->date, ds), mk->dir, ci->nfree > 1 ? " and VIX3M" : "");
    else
        fprintf(o, "state from the model file\n");
    fprintf(o, "spot %.10g, rate %g, dividend %g; factors:", in->spot, m->rate, m->dividend);
    for (int j = 0; j < nf; j++)
        fprintf(o, " %s = %.6g (%.2f%% vol)", ops->factor_names[j], in->x[j], 100 * sqrt(in->x[j]));
    if (ci->on) {
        fprintf(o, "\nCLAMPED: no state of this model gives that day's VIX%s exactly (it needs",
                ci->nfree > 1 ? " and VIX3M" : "");
        for (int j = 0; j < nf; j++)
            fprintf(o, "%s %s = %.6g", j ? "," : "", ops->factor_names[j], ci->need[j]);
        fprintf(o, ");\nshown: the nearest reachable state, clamped: %s", ci->note);
    }
    fprintf(o, "\n\nVIX-family indices (pricing measure): (index/100)^2 = a");
    for (int j = 0; j < nf; j++)
        fprintf(o, " + b_%s %s", ops->factor_names[j], ops->factor_names[j]);
    fprintf(o, "\n  index   days            a");
    for (int j = 0; j < nf; j++)
        fprintf(o, "          b_%s", ops->factor_names[j]);
    fprintf(o, "     model      real\n");
    for (int i = 0; i < VR_INFO_NIDX; i++) {
        const vr_info_index *x = &in->idx[i];
        fprintf(o, "  %-6s %5d %12.6g", x->name, x->days, x->coef.a);
        for (int j = 0; j < nf; j++)
            fprintf(o, "  %12.6g", x->coef.bx[j]);
        fprintf(o, "  %8.3f  ", x->model);
        tnum(o, "%8.2f", x->real, 8);
        /* the indices the state was solved for but a clamped state does not give back */
        if (ci->on && (i == 1 || (i == 2 && ci->nfree > 1)) && fabs(x->model - x->real) > 5e-3)
            fprintf(o, "  <- clamped");
        fprintf(o, "\n");
    }
    if (ci->nfree < nf) /* m fixed at m0 (vr_model_state_from_market) */
        fprintf(o, "  VIX floor (v at 0, m fixed at %g): %.3f\n", in->x[1], in->vix_floor);
    else
        fprintf(o, "  VIX floor (every factor at 0): %.3f\n", in->vix_floor);

    fprintf(o, "\nVIX futures (model, k months = k/12 years)\n  months ");
    for (int k = 0; k < VR_INFO_NFUT; k++)
        fprintf(o, "%8d", k + 1);
    fprintf(o, "\n  model  ");
    for (int k = 0; k < VR_INFO_NFUT; k++)
        fprintf(o, "%8.3f", in->fut_months[k]);
    fprintf(o, "\n");
    if (mk != NULL) {
        if (in->nlisted == 0)
            fprintf(o, "\nListed VIX futures on %s: none in the data\n", ds);
        else {
            fprintf(o, "\nListed VIX futures on %s (%s)\n", ds, mk->fut_source);
            fprintf(o, "  contract  expiry      days     model      real  model-real\n");
            for (int i = 0; i < in->nlisted; i++) {
                const vr_info_listed *l = &in->listed[i];
                char es[16];
                fprintf(o, "  %-8s  %s  %4d  %8.3f  %8.3f  %+9.3f\n", l->fut.contract,
                        vr_history_format_date(l->fut.expiry, es), l->days, l->model, l->fut.settle,
                        l->model - l->fut.settle);
            }
        }
    }

    fprintf(o, "\nSPX implied vols (pricing measure; 25-delta by forward delta)\n");
    fprintf(o, "  days   put25   (strike)     atm   call25   (strike)\n");
    for (int i = 0; i < VR_INFO_NSPX; i++) {
        const vr_info_spx *s = &in->spx[i];
        fprintf(o, "  %4d  %6.2f%% (%9.2f)  %6.2f%%  %6.2f%% (%9.2f)\n", s->days, 100 * s->put25,
                s->k_put25, 100 * s->atm, 100 * s->call25, s->k_call25);
    }

    fprintf(o, "\nVVIX (Cboe formula on the model's VIX options, %d and %d days to 30): model %.2f",
            VR_VVIX_NEAR_DAYS, VR_VVIX_NEXT_DAYS, in->vvix.level);
    if (mk != NULL) {
        fprintf(o, ", real ");
        tnum(o, "%.2f", in->vvix_real, 3);
    }
    fprintf(o, "\n");
    const vr_cboe_term *t[2] = {&in->vvix.near, &in->vvix.next};
    for (int k = 0; k < 2; k++)
        fprintf(o, "  %2d days: forward %.3f, K0 %g, %d strikes %g..%g, vol %.2f\n",
                k ? VR_VVIX_NEXT_DAYS : VR_VVIX_NEAR_DAYS, t[k]->fwd, t[k]->k0, t[k]->nused,
                t[k]->k_lo, t[k]->k_hi, 100 * sqrt(t[k]->var > 0 ? t[k]->var : 0));

    fprintf(o, "\nLong run                      physical       pricing\n");
    for (int j = 0; j < nf; j++)
        fprintf(o, "  stationary mean of %-4s  %12.6g  %12.6g\n", ops->factor_names[j],
                in->physical.mean[j], in->pricing.mean[j]);
    fprintf(o, "  VIX at the means          %12.3f  %12.3f\n", in->physical.vix_mean,
            in->pricing.vix_mean);
    for (int j = 0; j < nf; j++) {
        fprintf(o, "  Feller ratio of %-4s     ", ops->factor_names[j]);
        tnum(o, "  %12.4f", in->physical.feller[j], 14);
        tnum(o, "  %12.4f", in->pricing.feller[j], 14);
        fprintf(o, "\n");
    }
    fprintf(o, "  (VIX at the means: 100 sqrt(a + b.E[x]) with the pricing coefficients; a Feller\n"
               "   ratio of n/a: the factor has no diffusion)\n");
}

int vr_cmd_model(int argc, char **argv)
{
    enum { O_JSON = 256, O_ASOF, O_DATA };
    static const struct option opts[] = {
        {"json", no_argument, 0, O_JSON}, {"asof", required_argument, 0, O_ASOF},
        {"data", required_argument, 0, O_DATA}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *asof = NULL, *data = NULL;
    int json = 0;
    unsigned char seen[VR_CLI_SEEN] = {0}; /* (vr_cli_once) */
    optind = 1;
    opterr = 0;
    for (;;) {
        const int c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        if (!vr_cli_once("model", opts, c, seen, NULL))
            return EXIT_USAGE;
        switch (c) {
        case 'h': usage_model(stdout); return 0;
        case O_JSON: json = 1; break;
        case O_ASOF: asof = optarg; break;
        case O_DATA:
            if (!vr_cli_parse_data("model", optarg))
                return EXIT_USAGE;
            data = optarg;
            break;
        default:
            fprintf(stderr, "vixrisk model: unknown option or missing value: %s (try 'vixrisk model --help')\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "vixrisk model: expected exactly one MODEL.yaml (try 'vixrisk model --help')\n");
        return EXIT_USAGE;
    }
    const char *file = argv[optind];
    int32_t date = 0;
    if (asof != NULL && !vr_cli_parse_asof("model", asof, &date))
        return EXIT_USAGE;
    if (data != NULL && asof == NULL) {
        fprintf(stderr, "vixrisk model: --data is only used with --asof\n");
        return EXIT_USAGE;
    }
    vr_err err = {VR_OK, ""};
    vr_model m;
    vr_status st = vr_model_load(file, &m, &err);
    if (st != VR_OK)
        return vr_cli_fail("model", st, &err);
    const vr_model_ops *ops = vr_model_ops_get(m.type);
    double x[VR_FACTORS_MAX] = {0};
    double spot = m.spot;
    vr_market_day mk;
    const vr_market_day *mkp = NULL;
    clamp_info ci;
    memset(&ci, 0, sizeof ci);
    if (ops == NULL) {
        fprintf(stderr, "vixrisk model: %s: model type %d has no descriptor\n", file, (int)m.type);
        return 1;
    }
    ci.nfree = vr_model_market_factors(&m);
    ops->state0(&m, x);
    if (asof != NULL) {
        const char *dir = data != NULL && data[0] != '\0' ? data : vr_history_default_dir();
        if (dir == NULL) {
            fprintf(stderr, "vixrisk model: --asof %s needs the data: --data DIR, VIXRISK_DATA or "
                    "../shared/data (files as described in docs/config.md)\n", asof);
            return EXIT_USAGE;
        }
        if ((st = vr_market_day_load(dir, date, &mk, &err)) == VR_OK &&
            (st = vr_model_state_from_market(&m, &mk, x, &err)) == VR_EINVAL &&
            clamp_state(&m, &mk, x, &ci)) {
            st = VR_OK; /* out of the model's reach: a diagnostic shows the nearest state */
            vr_err_clear(&err); /* (a later error must not be masked by this one: first wins) */
        }
        if (st != VR_OK) {
            /* the data is input like the model file: anything wrong with it is exit 2 */
            fprintf(stderr, "vixrisk model: %s\n", err.msg);
            return st == VR_ENOMEM ? 1 : EXIT_USAGE;
        }
        spot = mk.spx;
        mkp = &mk;
    }
    vr_model_info info;
    if ((st = vr_model_info_compute(&m, spot, x, mkp, &info, &err)) != VR_OK) {
        if (mkp != NULL && st == VR_EINVAL) {
            /* a state the file could not hold (its loader checks v0, m0), so it came from the
             * day's levels: a pricer's range error alone would not say which day and levels */
            char lv[64] = "", fx[128] = "";
            if (ci.nfree > 1)
                snprintf(lv, sizeof lv, ", VIX3M %g", mk.vix3m);
            size_t n = 0;
            for (int j = 0; j < ops->nfactors && n < sizeof fx; j++)
                n += (size_t)snprintf(fx + n, sizeof fx - n, "%s%s = %.6g", j ? ", " : "",
                                      ops->factor_names[j], x[j]);
            fprintf(stderr, "vixrisk model: %s: VIX %g%s: the %s (%s) is outside what the model "
                    "prices: %s\n", asof, mk.vix, lv,
                    ci.on ? "nearest state the model reaches" : "state they imply", fx, err.msg);
            return EXIT_USAGE;
        }
        return vr_cli_fail("model", st, &err);
    }
    if (json)
        print_json(stdout, file, &m, &info, mkp, &ci);
    else
        print_text(stdout, file, &m, &info, mkp, &ci);
    /* the output is the command's result: a write that failed (a full disk, a closed pipe's
     * reader gone) must not end in exit 0 with a truncated or empty file */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "vixrisk model: %s: the output could not be written to stdout (%s)\n", file,
                errno ? strerror(errno) : "write error");
        return 1;
    }
    return 0;
}
