/* presets.c: shocks of model scenarios, explicit and named.
 *
 * A named preset imposes the real daily SPX returns and VIX closes of a few days of market
 * stress on every path. The closes are embedded below (a few dozen numbers), so presets work
 * without the data directory. Source: the `close` column of spx_daily.csv and vix_daily.csv of
 * the project's data set (docs/config.md, "Data files"), on every trading day of each window;
 * the SPX/VIX join has no gap in these windows. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"
#include "vixrisk/vr_model_ops.h"

/* shock entries of one scenario: the bound of run_schema.c's `shocks` list */
#define VR_MAX_SHOCK_ENTRIES 64

typedef struct preset_day { int date; double spx, vix; } preset_day;

/* 2008-09-26..2008-10-27: Lehman aftermath, VIX 35 to 80, SPX -30% */
static const preset_day oct2008[] = {
    {20080926, 1213.27, 34.74}, {20080929, 1106.42, 46.72}, {20080930, 1166.36, 39.39},
    {20081001, 1161.06, 39.81}, {20081002, 1114.28, 45.26}, {20081003, 1099.23, 45.14},
    {20081006, 1056.89, 52.05}, {20081007, 996.23, 53.68}, {20081008, 984.94, 57.53},
    {20081009, 909.92, 63.92}, {20081010, 899.22, 69.95}, {20081013, 1003.35, 54.99},
    {20081014, 998.01, 55.13}, {20081015, 907.84, 69.25}, {20081016, 946.43, 67.61},
    {20081017, 940.55, 70.33}, {20081020, 985.40, 52.97}, {20081021, 955.05, 53.11},
    {20081022, 896.78, 69.65}, {20081023, 908.11, 67.80}, {20081024, 876.77, 79.13},
    {20081027, 848.92, 80.06},
};
/* 2018-02-01..2018-02-09: Volmageddon, VIX 17 to 37 on 2018-02-05 */
static const preset_day feb2018[] = {
    {20180201, 2821.98, 13.47}, {20180202, 2762.13, 17.31}, {20180205, 2648.94, 37.32},
    {20180206, 2695.14, 29.98}, {20180207, 2681.66, 27.73}, {20180208, 2581.00, 33.46},
    {20180209, 2619.55, 29.06},
};
/* 2020-02-21..2020-03-16: Covid crash, VIX 17 to 82.7, SPX -29% */
static const preset_day mar2020[] = {
    {20200221, 3337.75, 17.08}, {20200224, 3225.89, 25.03}, {20200225, 3128.21, 27.85},
    {20200226, 3116.39, 27.56}, {20200227, 2978.76, 39.16}, {20200228, 2954.22, 40.11},
    {20200302, 3090.23, 33.42}, {20200303, 3003.37, 36.82}, {20200304, 3130.12, 31.99},
    {20200305, 3023.94, 39.62}, {20200306, 2972.37, 41.94}, {20200309, 2746.56, 54.46},
    {20200310, 2882.23, 47.30}, {20200311, 2741.38, 53.90}, {20200312, 2480.64, 75.47},
    {20200313, 2711.02, 57.83}, {20200316, 2386.13, 82.69},
};
/* 2024-07-31..2024-08-07: yen carry unwind, VIX 16 to 38.6 on 2024-08-05 */
static const preset_day aug2024[] = {
    {20240731, 5522.30, 16.36}, {20240801, 5446.68, 18.59}, {20240802, 5346.56, 23.39},
    {20240805, 5186.33, 38.57}, {20240806, 5240.03, 27.71}, {20240807, 5199.50, 27.85},
};

typedef struct preset { const char *name; const preset_day *days; int ndays; } preset;
#define P(a) {#a, a, (int)(sizeof a / sizeof a[0])}
static const preset presets[] = {P(oct2008), P(feb2018), P(mar2020), P(aug2024)};

/* A shock's VIX above the top of the model's default VIX option table (vr_model_vix_table_vmax):
 * the table extrapolates there and its calls fall far behind the direct pricer (half at v = 3), so
 * a VIX-call hedge bought before or after the shock would be marked wrong for as long as the
 * variance stays up (a shock to VIX 200 on a Heston set showed a 30-delta call layer +89,634 USD a
 * path against -22 at VIX 90, from calls bought at 0.05 that the table priced at 0). The run's
 * tables are extended past it instead (vr_model.vix_cover: nodes added at the grid's spacing up
 * to twice its variance), which leaves the tables of every scenario that stays below the top as
 * they were. Only a variance past 25, the most a table reaches, is left to extrapolation, with a
 * warning: SPX options and VIX futures stay within their accuracy, and the level is in the key's
 * range. */
void vr_cfg_cover_vix(const vr_cfg_ctx *c, const char *key, vr_scenario *sc, double vix, const char *what)
{
    const double v = vr_model_cover_vix(&sc->model, vix);
    if (!(v > 25) || c->warn == NULL)
        return;
    fprintf(c->warn,
            "vixrisk: warning: %s:%d: %s: %s puts the variance at %s%.2f, past the most a VIX option table "
            "reaches (v 25, VIX %.1f under the pricing parameters): VIX options are marked by extrapolation "
            "there and the calls fall behind (about half their value at v = 3 past a table's top; "
            "docs/numerics.md), so a VIX-option hedge's P&L is not reliable while the variance stays up; "
            "SPX options and VIX futures are not affected\n",
            c->file, vr_yaml_line_near(c->ix, key), key, what,
            sc->model.type == VR_MODEL_SVCJ2 ? "up to " : "", /* (m at 0: the most v it can need) */
            v, vr_model_vix_at_v(&sc->model, 25.0));
}

vr_status vr_cfg_shocks(const vr_cfg_ctx *c, const char *base, const vr_run_spec *s, vr_scenario *sc,
                        vr_run_cfg *out)
{
    char sb[VR_KEY_MAX], key[VR_KEY_MAX];
    vr_status st;
    int nshock = 0;
    for (;; nshock++) {
        snprintf(sb, sizeof sb, "%s.shocks[%d]", base, nshock);
        if (!vr_cfg_has(c, sb))
            break;
    }
    if (nshock == 0)
        return VR_OK;
    size_t cap = 0;
    for (int j = 0; j < nshock; j++) {
        snprintf(key, sizeof key, "%s.shocks[%d].preset", base, j);
        cap += vr_cfg_has(c, key) ? 64 : 1;
    }
    sc->shocks = calloc(cap, sizeof *sc->shocks);
    if (sc->shocks == NULL)
        return vr_fail(c->err, VR_ENOMEM, "shocks");
    if (out->nshockbuf < VR_MAX_SCEN_ALLOC)
        out->shockbuf[out->nshockbuf++] = sc->shocks;
    else {
        free(sc->shocks);
        sc->shocks = NULL;
        return vr_config_fail(c->err, c->file, c->ix, base, "more than %d scenarios with shocks", VR_MAX_SCEN_ALLOC);
    }
    const int days = s->horizon_days;
    /* the model's floor: the VIX with every variance factor at 0 (m at theta where it cannot move:
     * vr_model_vix_floor) under the pricing parameters. A
     * shock cannot take the VIX below it (the state is clamped at v = 0 there), so a level below
     * it ran at the floor with nothing to tell: 9 on svcj_cal.yaml ran at 10.59 */
    const double vix_floor = vr_model_vix_floor(&sc->model);
    /* entry j's shocks are sc->shocks[start[j] .. start[j + 1]) (a preset's: one per day it keeps) */
    int start[VR_MAX_SHOCK_ENTRIES + 1];
    if (nshock > VR_MAX_SHOCK_ENTRIES) /* (the schema's bound) */
        return vr_config_fail(c->err, c->file, c->ix, base, "more than %d shocks", VR_MAX_SHOCK_ENTRIES);
    for (int j = 0; j < nshock; j++) {
        snprintf(sb, sizeof sb, "%s.shocks[%d]", base, j);
        start[j] = sc->nshocks;
        double day = NAN;
        snprintf(key, sizeof key, "%s.day", sb);
        if (!vr_cfg_has(c, key))
            return vr_config_fail(c->err, c->file, c->ix, sb, "missing key 'day'");
        if ((st = vr_cfg_whole(c, key, 1, days, NAN, &day)) != VR_OK)
            return st;
        snprintf(key, sizeof key, "%s.preset", sb);
        const char *pname = vr_yaml_text(c->ix, key);
        if (vr_cfg_has(c, key)) {
            const preset *pr = NULL;
            for (size_t k = 0; pname && k < sizeof presets / sizeof presets[0]; k++)
                if (strcmp(presets[k].name, pname) == 0)
                    pr = &presets[k];
            if (pr == NULL)
                return vr_config_fail(c->err, c->file, c->ix, key,
                                      "unknown preset '%.40s' (valid: oct2008, feb2018, mar2020, aug2024)",
                                      pname ? pname : "");
            static const char *const other[] = {"spx_return", "vix_level", "vix_change"};
            for (int k = 0; k < 3; k++) {
                char o[VR_KEY_MAX];
                snprintf(o, sizeof o, "%s.%s", sb, other[k]);
                if (vr_cfg_has(c, o))
                    return vr_config_fail(c->err, c->file, c->ix, o, "cannot be combined with a preset");
            }
            /* one shock per trading day after the window's first: that day's return and close */
            int below = 0;
            double lowest = INFINITY;
            for (int i = 1; i < pr->ndays && sc->nshocks < (int)cap; i++) {
                const size_t d = (size_t)day + (size_t)(i - 1);
                if (d > (size_t)days) {
                    /* the horizon ends inside the preset: what runs is its first days only, which
                     * is a legitimate scenario (the start of a crash) but not the one named */
                    if (c->warn != NULL)
                        fprintf(c->warn,
                                "vixrisk: warning: %s:%d: %s: preset %s moves %d trading days from day %d; the "
                                "horizon of %d day%s keeps the first %d\n",
                                c->file, vr_yaml_line_near(c->ix, key), key, pr->name, pr->ndays - 1, (int)day,
                                days, days == 1 ? "" : "s", i - 1);
                    break;
                }
                vr_shock *x = &sc->shocks[sc->nshocks++];
                x->step = d * (size_t)s->steps_per_day;
                x->spx_return = pr->days[i].spx / pr->days[i - 1].spx - 1;
                x->vix_level = pr->days[i].vix;
                x->vix_change = NAN;
                x->replace = 1; /* the day's real move, from the previous day's close */
                x->from = (d - 1) * (size_t)s->steps_per_day;
                below += x->vix_level < vix_floor * (1 - 1e-9);
                lowest = fmin(lowest, x->vix_level);
            }
            double highest = 0;
            for (int a = start[j]; a < sc->nshocks; a++)
                highest = fmax(highest, sc->shocks[a].vix_level);
            char what[96];
            snprintf(what, sizeof what, "preset %s's highest VIX, %.1f,", pr->name, highest);
            vr_cfg_cover_vix(c, key, sc, highest, what);
            /* real closes the model cannot show: the run is still the preset's returns and the
             * model's nearest VIX, so a warning rather than an error */
            if (below > 0 && c->warn != NULL)
                fprintf(c->warn,
                        "vixrisk: warning: %s:%d: %s: preset %s has %d VIX close(s) below the model's floor of %.2f "
                        "(lowest %.2f): on those days the VIX stays at the floor\n",
                        c->file, vr_yaml_line_near(c->ix, key), key, pr->name, below, vix_floor, lowest);
            continue;
        }
        vr_shock *x = &sc->shocks[sc->nshocks++];
        x->step = (size_t)day * (size_t)s->steps_per_day;
        static const struct { const char *name; size_t off; double lo, hi; } f[] = {
            {"spx_return", offsetof(vr_shock, spx_return), -0.95, 1},
            {"vix_level", offsetof(vr_shock, vix_level), 5, 200},
            {"vix_change", offsetof(vr_shock, vix_change), -100, 200},
        };
        int any = 0;
        for (int k = 0; k < 3; k++) {
            double v = NAN;
            snprintf(key, sizeof key, "%s.%s", sb, f[k].name);
            if ((st = vr_cfg_num(c, key, NAN, &v)) != VR_OK)
                return st;
            if (!isnan(v) && (st = vr_cfg_range(c, key, v, f[k].lo, 1, f[k].hi, 1)) != VR_OK)
                return st;
            *(double *)((char *)x + f[k].off) = v;
            any |= !isnan(v);
        }
        if (!any)
            return vr_config_fail(c->err, c->file, c->ix, sb, "needs spx_return, vix_level, vix_change or preset");
        /* a return of 0 and a change of 0 with no level move nothing: a shock that changes nothing
         * is refused, as a key that changes nothing is (it ran as a scenario apart, the same as
         * one without it) */
        const int moves = (!isnan(x->spx_return) && x->spx_return != 0) || !isnan(x->vix_level) ||
                          (!isnan(x->vix_change) && x->vix_change != 0);
        if (!moves)
            return vr_config_fail(c->err, c->file, c->ix, sb,
                                  "changes nothing: spx_return 0 and vix_change 0 (or left out) move neither "
                                  "index; give a nonzero move, a vix_level, or leave the shock out");
        if (x->vix_level < vix_floor * (1 - 1e-9)) {
            snprintf(key, sizeof key, "%s.vix_level", sb);
            char g[VR_NUM_STR];
            return vr_config_fail(c->err, c->file, c->ix, key,
                                  "%s is below the model's floor of %.4f (the VIX with %s, pricing parameters): "
                                  "the shock would leave the VIX at the floor; give at least %.2f",
                                  vr_num_str(x->vix_level, g), vix_floor,
                                  vr_model_m_fixed(&sc->model) ? "v at 0 and m fixed at theta"
                                                                : "every variance factor at 0",
                                  ceil(vix_floor * 100) / 100);
        }
        /* a level sets the VIX and a change moves it: together the change was added to the level
         * (vix_level 45 with vix_change 10 ran at 55), which neither key says */
        if (!isnan(x->vix_level) && !isnan(x->vix_change)) {
            snprintf(key, sizeof key, "%s.vix_change", sb);
            return vr_config_fail(c->err, c->file, c->ix, key,
                                  "cannot be combined with 'vix_level': give one of them (a level sets the "
                                  "VIX, a change in points moves it)");
        }
        /* a change adds to a VIX at least at the model's floor */
        const int level = !isnan(x->vix_level);
        const double vix = level ? x->vix_level : vix_floor + x->vix_change;
        char what[96];
        if (level)
            snprintf(what, sizeof what, "a VIX of %.1f", vix);
        else
            snprintf(what, sizeof what, "a rise of %.1f points, to a VIX of %.1f or more,", x->vix_change, vix);
        snprintf(key, sizeof key, "%s.%s", sb, level ? "vix_level" : "vix_change");
        /* a change is warned about once, where the start's VIX is known (run_config.c covers the
         * start plus the change, at least this level): here it is only covered */
        vr_cfg_ctx quiet = *c;
        quiet.warn = level ? c->warn : NULL;
        vr_cfg_cover_vix(&quiet, key, sc, vix, what);
    }
    start[nshock] = sc->nshocks;
    /* Two entries acting on one day compounded their SPX returns and the later one's VIX replaced
     * the earlier one's (a preset overlapping another: a mixture of two crises no entry of the
     * file describes): refused, at the later entry's day. */
    for (int j = 1; j < nshock; j++)
        for (int k = 0; k < j; k++)
            for (int a = start[j]; a < start[j + 1]; a++)
                for (int b = start[k]; b < start[k + 1]; b++) {
                    if (sc->shocks[a].step != sc->shocks[b].step)
                        continue;
                    const size_t d = sc->shocks[a].step / (size_t)s->steps_per_day;
                    char span[2][48];
                    const int ent[2] = {j, k};
                    for (int e = 0; e < 2; e++) {
                        const int n = start[ent[e] + 1] - start[ent[e]];
                        span[e][0] = '\0';
                        if (n > 1)
                            snprintf(span[e], sizeof span[e], " (a preset on days %zu..%zu)",
                                     sc->shocks[start[ent[e]]].step / (size_t)s->steps_per_day,
                                     sc->shocks[start[ent[e] + 1] - 1].step / (size_t)s->steps_per_day);
                    }
                    snprintf(key, sizeof key, "%s.shocks[%d].day", base, j);
                    return vr_config_fail(c->err, c->file, c->ix, key,
                                          "this shock%s acts on day %zu, as %s.shocks[%d]%s does: give one shock "
                                          "per day (two would compound their SPX returns, and the later VIX "
                                          "would replace the earlier)",
                                          span[0], d, base, k, span[1]);
                }
    /* the driver applies them in step order */
    for (int a = 1; a < sc->nshocks; a++)
        for (int b = a; b > 0 && sc->shocks[b].step < sc->shocks[b - 1].step; b--) {
            const vr_shock t = sc->shocks[b];
            sc->shocks[b] = sc->shocks[b - 1];
            sc->shocks[b - 1] = t;
        }
    return VR_OK;
}
