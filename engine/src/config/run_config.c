/* run_config.c: vr_run_load, the run file (schema in docs/config.md).
 *
 * The file is read by the key index (aliases expanded, model files spliced in), its shape is
 * checked by libcyaml (run_schema.c), and its values are read here from the index: the
 * simulation block, the scenarios (models by the parameter tables, data directories, shocks),
 * the policies (policy_config.c, by the policy key tables) and the sweeps (sweep.c). Last come
 * the checks the run itself makes before simulating each scenario (vr_eval_scenario_check), so
 * that `check` catches everything `run` would and a run never stops on a config problem after
 * earlier scenarios have been simulated. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "core/blob.h"
#include "vixrisk/vr_runfile.h"
#include "vixrisk/vr_outfile.h"
#include "run_schema.h"
#include "vixrisk/vr_policy_rules.h"

#define CHECK(expr) do { vr_status st_ = (expr); if (st_ != VR_OK) return st_; } while (0)
/* Trading days a bootstrap window holds at least (a month; see conv_source). */
#define BOOT_MIN_DAYS 21

static vr_status whole(const vr_cfg_ctx *c, const char *path, double lo, double hi, double def, double *x)
{
    return vr_cfg_whole(c, path, lo, hi, def, x);
}

/* An enum by name: out = values[i] for names[i] == text, def when absent. */
static vr_status enum_of(const vr_cfg_ctx *c, const char *path, const char *const *names, int n, int def, int *out)
{
    const char *s = vr_yaml_text(c->ix, path);
    if (!vr_cfg_has(c, path)) {
        *out = def;
        return VR_OK;
    }
    char valid[128] = "";
    for (int i = 0; i < n; i++) {
        if (s && strcmp(s, names[i]) == 0) {
            *out = i;
            return VR_OK;
        }
        const size_t len = strlen(valid);
        snprintf(valid + len, sizeof valid - len, "%s%s", i ? ", " : "", names[i]);
    }
    return vr_config_fail(c->err, c->file, c->ix, path, "invalid value '%.60s' (valid: %s)", s ? s : "", valid);
}

static vr_status conv_simulation(const vr_cfg_ctx *c, vr_run_spec *s, vr_run_cfg *out)
{
    double x = 0;
    if (vr_cfg_has(c, "simulation") && vr_yaml_kind(c->ix, "simulation") != 'm')
        return vr_config_fail(c->err, c->file, c->ix, "simulation", "must be a mapping");
    CHECK(whole(c, "simulation.paths", 1, 1e10, 100000, &x));
    s->paths = (size_t)x;
    CHECK(whole(c, "simulation.horizon_days", 1, 2520, 252, &x));
    s->horizon_days = (int)x;
    CHECK(whole(c, "simulation.steps_per_day", 1, 100, 1, &x));
    s->steps_per_day = (int)x;
    /* 2^53 - 1: every seed up to it is exact in the parser's double */
    CHECK(whole(c, "simulation.seed", 0, 9007199254740991.0, 1, &x));
    s->seed = (uint64_t)x;
    CHECK(whole(c, "simulation.block", 8, 65536, VR_EVAL_DEFAULT_BLOCK, &x));
    s->block = (size_t)x;
    if (s->block % 8 != 0)
        return vr_config_fail(c->err, c->file, c->ix, "simulation.block",
                              "must be a multiple of 8 in [8, 65536] (got %zu)", s->block);
    CHECK(whole(c, "simulation.threads", 0, 4096, 0, &x));
    s->threads = (int)x;
    CHECK(whole(c, "simulation.sample_paths", 0, 10000, 200, &x));
    s->sample_paths = (int)x;
    CHECK(whole(c, "simulation.trade_log_paths", 0, 100, 5, &x));
    s->trade_log_paths = (int)x;
    CHECK(whole(c, "simulation.compress", 0, 9, 0, &x));
    out->compress = (int)x;
    static const char *const schemes[] = {"qe", "euler"}; /* = vr_scheme values */
    int sch = 0;
    CHECK(enum_of(c, "simulation.scheme", schemes, 2, VR_SCHEME_QE, &sch));
    s->scheme = (vr_scheme)sch;
    static const char *const bools[] = {"false", "true"};
    CHECK(enum_of(c, "simulation.store_paths", bools, 2, 1, &out->store_paths));
    CHECK(enum_of(c, "simulation.fast_log", bools, 2, 0, &s->fast_log));
    static const char *const precisions[] = {"double", "single"};
    CHECK(enum_of(c, "simulation.precision", precisions, 2, 0, &s->single));
    if (s->single && s->scheme != VR_SCHEME_QE)
        return vr_config_fail(c->err, c->file, c->ix, "simulation.precision",
                              "single has the QE scheme only (simulation.scheme is euler)");
    /* the float step has its own log: fast_log (the double kernels' 3.5-ulp log) changed no bit */
    if (s->single && s->fast_log)
        return vr_config_fail(c->err, c->file, c->ix, "simulation.fast_log",
                              "true changes nothing with precision: single (the float step has its own "
                              "log; fast_log selects the double kernels' one): leave it out");
    /* the daily marks of the positions' SPX options in float (vk_single_marks) */
    CHECK(enum_of(c, "simulation.mark_precision", precisions, 2, 0, &s->mark_single));
    const double defthr[4] = {10000, 25000, 50000, 100000};
    for (int k = 0; k < 4; k++) {
        char p[VR_KEY_MAX];
        snprintf(p, sizeof p, "simulation.loss_thresholds[%d]", k);
        CHECK(vr_cfg_num(c, p, defthr[k], &out->thresholds[k]));
        CHECK(vr_cfg_range(c, p, out->thresholds[k], 0, 0, 1e12, 1));
        if (k > 0 && !(out->thresholds[k] > out->thresholds[k - 1]))
            return vr_config_fail(c->err, c->file, c->ix, p, "loss thresholds must increase (got %g after %g)",
                                  out->thresholds[k], out->thresholds[k - 1]);
    }
    return VR_OK;
}

/* A config's date key: YYYY-MM-DD, a real day (vr_history_parse_iso_date); the error names the key. */
static vr_status config_date(const vr_cfg_ctx *c, const char *key, const char *s, int32_t *d)
{
    const int rc = vr_history_parse_iso_date(s, d);
    if (rc == 0)
        return VR_OK;
    return vr_config_fail(c->err, c->file, c->ix, key, "expected %s (got '%.40s')", vr_history_date_expected(rc),
                          s ? s : "");
}

static vr_status window_of(const vr_cfg_ctx *c, const char *key, const vr_history *h, const char *from,
                           const char *to, size_t *i0, size_t *i1)
{
    int32_t f = 0, t = 0;
    char fkey[VR_KEY_MAX], tkey[VR_KEY_MAX];
    snprintf(fkey, sizeof fkey, "%s.from", key);
    snprintf(tkey, sizeof tkey, "%s.to", key);
    /* both ends are named (a missing one meant the data's first or last day, silently) */
    if (from == NULL || to == NULL)
        return vr_config_fail(c->err, c->file, c->ix, key, "missing key '%s': a window is {from: YYYY-MM-DD, to: YYYY-MM-DD}",
                              from == NULL ? "from" : "to");
    if (config_date(c, fkey, from, &f) != VR_OK || config_date(c, tkey, to, &t) != VR_OK)
        return c->err->code;
    vr_err e2 = {VR_OK, ""};
    if (vr_history_window(h, f, t, i0, i1, &e2) != VR_OK)
        return vr_config_fail(c->err, c->file, c->ix, key, "%s", e2.msg);
    if (*i1 < *i0 + 2)
        return vr_config_fail(c->err, c->file, c->ix, key, "the window holds fewer than 2 trading days");
    return VR_OK;
}

/* A data key (a scenario's data, start.data), when given, must be a non-empty path: "" resolved
 * to the config file's directory, or to "/" for a config named without one, a directory nobody
 * named. */
static vr_status data_path_form(const vr_cfg_ctx *c, const char *dkey)
{
    if (!vr_cfg_has(c, dkey))
        return VR_OK;
    const char *t = vr_yaml_text(c->ix, dkey);
    if (t == NULL)
        return vr_config_fail(c->err, c->file, c->ix, dkey, "must be a directory path");
    if (t[0] == '\0')
        return vr_config_fail(c->err, c->file, c->ix, dkey,
                              "must be a directory path (got an empty string; leave the key out "
                              "for --data, VIXRISK_DATA or ../shared/data)");
    return VR_OK;
}

static vr_status conv_source(const vr_cfg_ctx *c, const char *base, const vr_run_load_opts *o, const vr_run_spec *s,
                             vr_scenario *sc, vr_run_cfg *out)
{
    char key[VR_KEY_MAX];
    static const char *const types[] = {"model", "history", "bootstrap"}; /* = vr_source values */
    int t = 0;
    snprintf(key, sizeof key, "%s.type", base);
    CHECK(enum_of(c, key, types, 3, VR_SOURCE_MODEL, &t));
    sc->source = (vr_source)t;
    /* keys another source would use are refused, not ignored */
    static const struct { const char *key; unsigned sources; } only[] = {
        {"window", 1u << VR_SOURCE_HISTORY | 1u << VR_SOURCE_BOOTSTRAP},
        {"data", 1u << VR_SOURCE_HISTORY | 1u << VR_SOURCE_BOOTSTRAP},
        {"block_mean", 1u << VR_SOURCE_BOOTSTRAP},
        {"shocks", 1u << VR_SOURCE_MODEL},
        {"start", 1u << VR_SOURCE_MODEL | 1u << VR_SOURCE_BOOTSTRAP}, /* a replay starts at its window */
    };
    for (size_t k = 0; k < sizeof only / sizeof only[0]; k++) {
        snprintf(key, sizeof key, "%s.%s", base, only[k].key);
        if (vr_cfg_has(c, key) && !(only[k].sources & (1u << sc->source)))
            return vr_config_fail(c->err, c->file, c->ix, key, "does not apply to a %s scenario%s", types[sc->source],
                                  strcmp(only[k].key, "start") == 0 ? " (a replay starts at its window's first day)"
                                                                     : "");
    }
    if (sc->source == VR_SOURCE_MODEL)
        return vr_cfg_shocks(c, base, s, sc, out);
    snprintf(key, sizeof key, "%s.window", base);
    if (vr_yaml_kind(c->ix, key) != 'm')
        return vr_config_fail(c->err, c->file, c->ix, base, "a %s scenario needs 'window: {from, to}'", types[sc->source]);
    char dkey[VR_KEY_MAX], fkey[VR_KEY_MAX], tkey[VR_KEY_MAX];
    snprintf(dkey, sizeof dkey, "%s.data", base);
    snprintf(fkey, sizeof fkey, "%s.from", key);
    snprintf(tkey, sizeof tkey, "%s.to", key);
    const vr_history *h = NULL;
    CHECK(data_path_form(c, dkey));
    CHECK(vr_cfg_history(c, vr_cfg_has(c, dkey) ? dkey : key, vr_yaml_text(c->ix, dkey), o->data_dir, out, &h));
    CHECK(window_of(c, key, h, vr_yaml_text(c->ix, fkey), vr_yaml_text(c->ix, tkey), &sc->hist_i0, &sc->hist_i1));
    sc->hist = h;
    for (size_t i = sc->hist_i0; i < sc->hist_i1; i++)
        if (!(h->spx[i] > 0) || !(h->vix[i] > 0)) {
            char d[16];
            return vr_config_fail(c->err, c->file, c->ix, key, "the data has a missing SPX or VIX value on %s",
                                  vr_history_format_date(h->date[i], d));
        }
    double top = 0;
    for (size_t i = sc->hist_i0; i < sc->hist_i1; i++)
        top = fmax(top, h->vix[i]);
    char what[64];
    snprintf(what, sizeof what, "the window's highest VIX close, %.2f,", top);
    vr_cfg_cover_vix(c, key, sc, top, what);
    if (sc->source == VR_SOURCE_HISTORY) {
        sc->paths = 1;
        sc->horizon_days = (int)(sc->hist_i1 - sc->hist_i0 - 1);
        sc->model.spot = h->spx[sc->hist_i0]; /* replay starts at the real index level */
        return VR_OK;
    }
    char bkey[VR_KEY_MAX];
    snprintf(bkey, sizeof bkey, "%s.block_mean", base);
    CHECK(vr_cfg_num(c, bkey, 10, &sc->block_mean));
    CHECK(vr_cfg_range(c, bkey, sc->block_mean, 1, 1, 252, 1));
    /* The bootstrap starts each block at a window day whose VIX is near the path's: a window of a
     * few days has nothing to match it with, and a path then strings the same days together (three
     * days of March 2020 took a path's VIX to 1484 and the SPX from 4,000 to 710). So the window
     * must hold at least a month of trading days and two mean blocks, plus the day the first
     * change starts from. */
    const size_t have = sc->hist_i1 - sc->hist_i0;
    const double two_blocks = 2 * ceil(sc->block_mean) + 1;
    const size_t need = two_blocks > BOOT_MIN_DAYS ? (size_t)two_blocks : BOOT_MIN_DAYS;
    if (have < need) {
        char d0[16], d1[16], up[48] = "";
        if (ceil(sc->block_mean) != sc->block_mean) /* the rule counts whole days */
            snprintf(up, sizeof up, " rounded up to %g,", ceil(sc->block_mean));
        return vr_config_fail(c->err, c->file, c->ix, key,
                              "a bootstrap window must hold at least %zu trading days (at least %d, and twice "
                              "block_mean %g%s plus one); %s..%s holds %zu",
                              need, BOOT_MIN_DAYS, sc->block_mean, up, vr_history_format_date(h->date[sc->hist_i0], d0),
                              vr_history_format_date(h->date[sc->hist_i1 - 1], d1), have);
    }
    return VR_OK;
}

static vr_status conv_scenarios(const vr_cfg_ctx *c, const vr_run_load_opts *o, vr_run_spec *s, vr_run_cfg *out)
{
    char base[VR_KEY_MAX], p[VR_KEY_MAX];
    for (int i = 0; i < s->nscen; i++) {
        snprintf(base, sizeof base, "scenarios[%d]", i);
        vr_scenario *sc = &s->scen[i];
        snprintf(p, sizeof p, "%s.name", base);
        const char *name = vr_yaml_text(c->ix, p);
        if (name == NULL)
            return vr_config_fail(c->err, c->file, c->ix, base, "missing key 'name'");
        CHECK(vr_cfg_name(c, p, name, sc->name));
        for (int j = 0; j < i; j++)
            if (strcmp(s->scen[j].name, sc->name) == 0)
                return vr_config_fail(c->err, c->file, c->ix, p, "duplicate scenario name '%s'", sc->name);
        snprintf(p, sizeof p, "%s.model", base);
        if (!vr_cfg_has(c, p))
            return vr_config_fail(c->err, c->file, c->ix, base, "missing key 'model'");
        CHECK(vr_model_from_index(c, p, &sc->model));
        CHECK(conv_source(c, base, o, s, sc, out));
    }
    return VR_OK;
}

static char *slurp(const char *file);

/* The config text stored with the results: the run file, then each model file it names as YAML
 * comments (so the stored text still parses as the run file and records every number used). */
static char *config_text(const vr_yaml_index *ix)
{
    char *text = slurp(vr_yaml_file_at(ix, 0));
    for (int f = 1; text && f < vr_yaml_file_count(ix); f++) {
        char *m = slurp(vr_yaml_file_at(ix, f));
        if (m == NULL)
            continue;
        size_t lines = 1;
        for (const char *q = m; *q; q++)
            lines += *q == '\n';
        const size_t cap = strlen(text) + strlen(m) + 2 * lines + strlen(vr_yaml_file_at(ix, f)) + 64;
        char *t = malloc(cap);
        if (t == NULL) {
            free(m);
            free(text);
            return NULL;
        }
        size_t o = (size_t)snprintf(t, cap, "%s%s# ---- model file %s ----\n# ", text,
                                    text[0] && text[strlen(text) - 1] != '\n' ? "\n" : "", vr_yaml_file_at(ix, f));
        for (const char *q = m; *q && o + 3 < cap; q++) {
            t[o++] = *q;
            if (*q == '\n' && q[1] != '\0') {
                t[o++] = '#';
                t[o++] = ' ';
            }
        }
        t[o] = '\0';
        free(m);
        free(text);
        text = t;
    }
    return text;
}

static char *slurp(const char *file)
{
    FILE *f = vr_fopen_input(file, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)(n > 0 ? n : 0) + 1);
    if (s && n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n > 0 ? n : 0] = '\0';
    fclose(f);
    return s;
}

/* The run's own pre-simulation checks, for every scenario, each failure at the key it comes from:
 * the path generator's scheme and precision (simulation.*), the physical set's limit on the step
 * (ops->step_key times dt), the pricing set's table limits (model.pricing); anything else the
 * generator refuses at the scenario. */
static vr_status run_checks(const vr_cfg_ctx *c, const vr_run_spec *s)
{
    for (int i = 0; i < s->nscen; i++) {
        vr_err e2 = {VR_OK, ""};
        const vr_sim_spec sim = vr_eval_sim_spec(s, i);
        const vr_model_ops *ops = vr_model_ops_get(sim.type);
        char p[VR_KEY_MAX];
        if (vr_sim_spec_check(&sim, &e2) != VR_OK) {
            void *coef = NULL;
            vr_err e3 = {VR_OK, ""};
            /* what the message lacks: a simulation.* key holds for every scenario, so the one it
             * fails for; a step limit's "more steps per year" is the run's steps_per_day */
            char hint[VR_NAME_MAX + 32] = "";
            if (ops != NULL && sim.scheme == VR_SCHEME_EULER && !ops->euler && vr_cfg_has(c, "simulation.scheme")) {
                snprintf(p, sizeof p, "simulation.scheme");
                snprintf(hint, sizeof hint, " (scenario '%s')", s->scen[i].name);
            } else if (ops != NULL && sim.single && sim.source == VR_SOURCE_MODEL &&
                       (sim.scheme != VR_SCHEME_QE || !ops->single)) {
                snprintf(p, sizeof p, "simulation.precision");
                snprintf(hint, sizeof hint, " (scenario '%s')", s->scen[i].name);
            } else if (ops != NULL && ops->step_key != NULL && sim.source == VR_SOURCE_MODEL && sim.steps > 0 &&
                       ops->path_coef(&sim.params, sim.rate, sim.dividend, sim.horizon / (double)sim.steps, &coef,
                                      &e3) != VR_OK) {
                /* svcj2's second bound is on lambda1 mu_v dt: name the key its message starts with */
                snprintf(p, sizeof p, "scenarios[%d].model.physical.%s", i,
                         strncmp(e3.msg, "lambda1 ", 8) == 0 ? "lambda1" : ops->step_key);
                snprintf(hint, sizeof hint, " (simulation.steps_per_day)");
            } else
                snprintf(p, sizeof p, "scenarios[%d]", i);
            if (coef != NULL)
                ops->path_coef_free(coef);
            return vr_config_fail(c->err, c->file, c->ix, p, "%s%s", e2.msg, hint);
        }
        if (vr_eval_pricing_check(s, i, &e2) != VR_OK) {
            snprintf(p, sizeof p, "scenarios[%d].model.pricing", i);
            /* without a pricing block the physical parameters price too: name the key in the file
             * (it named model.pricing, which the file does not have) */
            char ph[VR_KEY_MAX];
            snprintf(ph, sizeof ph, "scenarios[%d].model.physical", i);
            if (!vr_cfg_has(c, p) && vr_cfg_has(c, ph))
                return vr_config_fail(c->err, c->file, c->ix, ph, "%s (no pricing block: these parameters price "
                                      "too)", e2.msg);
            return vr_config_fail(c->err, c->file, c->ix, p, "%s", e2.msg);
        }
    }
    return VR_OK;
}

/* A scenario's `start: {asof: DATE[, data: DIR]}`: its model starts from that day's market
 * (vr_model_start_at_market), read from DIR (relative to the file that holds the key), else the
 * load option data_dir, VIXRISK_DATA, ../shared/data (the rule of history data). Every error
 * names the key start.asof. With --asof (o->asof) the key is checked for its form only: the
 * command line's date replaces it (apply_asof). */
static vr_status apply_start(const vr_cfg_ctx *c, const vr_run_load_opts *o, vr_run_spec *s, int i,
                             vr_run_cfg *out)
{
    vr_scenario *sc = &s->scen[i];
    char base[VR_KEY_MAX], key[VR_KEY_MAX], dkey[VR_KEY_MAX];
    snprintf(base, sizeof base, "scenarios[%d].start", i);
    if (!vr_cfg_has(c, base))
        return VR_OK;
    if (vr_yaml_kind(c->ix, base) != 'm')
        return vr_config_fail(c->err, c->file, c->ix, base,
                              "must be a mapping {asof: YYYY-MM-DD, data: DIR} (data optional)");
    snprintf(key, sizeof key, "%s.asof", base);
    snprintf(dkey, sizeof dkey, "%s.data", base);
    const char *text = vr_yaml_text(c->ix, key);
    if (!vr_cfg_has(c, key))
        return vr_config_fail(c->err, c->file, c->ix, base, "missing key 'asof' (a date YYYY-MM-DD)");
    int32_t date = 0;
    if (config_date(c, key, text, &date) != VR_OK)
        return c->err->code;
    CHECK(data_path_form(c, dkey));
    if (o->asof > 0)
        return VR_OK; /* run --asof DATE replaces it */
    char resolved[512], skey[VR_KEY_MAX];
    /* start.data, else the scenario's own data: (a bootstrap's window; until 2026-12-07 a bootstrap
     * with data: DIR looked for its start day under --data, VIXRISK_DATA or ../shared/data) */
    snprintf(skey, sizeof skey, "scenarios[%d].data", i);
    const char *use = vr_yaml_text(c->ix, dkey) != NULL ? dkey : skey;
    const char *dir = vr_yaml_text(c->ix, use);
    if (dir != NULL) {
        const char *from = vr_yaml_file_of(c->ix, use);
        if (vr_config_resolve(from ? from : c->file, dir, resolved, sizeof resolved) != 0)
            return vr_config_fail(c->err, c->file, c->ix, use, "data directory path too long");
        dir = resolved;
    } else if (o->data_dir != NULL && o->data_dir[0] != '\0')
        dir = o->data_dir;
    else
        dir = vr_history_default_dir();
    if (dir == NULL)
        return vr_config_fail(c->err, c->file, c->ix, key, "needs the data: start.data, the scenario's data, "
                              "--data DIR, VIXRISK_DATA or ../shared/data (files as described in docs/config.md)");
    vr_market_day *mk = &out->start[i];
    vr_err e2 = {VR_OK, ""};
    int have = 0; /* the same day from the same directory: read once */
    for (int j = 0; j < i && !have; j++)
        if (out->start[j].date == date && strcmp(out->start[j].dir, dir) == 0) {
            *mk = out->start[j];
            have = 1;
        }
    if (!have && vr_market_day_load(dir, date, mk, &e2) != VR_OK) {
        memset(mk, 0, sizeof *mk);
        return vr_config_fail(c->err, c->file, c->ix, key, "%s", e2.msg);
    }
    if (vr_model_start_at_market(&sc->model, mk, NULL, &e2) != VR_OK) {
        memset(mk, 0, sizeof *mk);
        return vr_config_fail(c->err, c->file, c->ix, key, "scenario %s (%s model): %s", sc->name,
                              vr_model_type_name(sc->model.type), e2.msg);
    }
    return VR_OK;
}

/* --asof: every scenario whose paths start from its model's state (model and bootstrap sources)
 * starts from that date's market instead (vr_model_start_at_market), whatever its start.asof; a
 * replay starts at its own window. The data directory: the load option, then VIXRISK_DATA, then
 * ../shared/data. */
static vr_status apply_asof(const vr_cfg_ctx *c, const vr_run_load_opts *o, vr_run_spec *s,
                            vr_run_cfg *out)
{
    char ds[16];
    vr_history_format_date(o->asof, ds);
    const char *dir = o->data_dir != NULL && o->data_dir[0] != '\0' ? o->data_dir
                                                                     : vr_history_default_dir();
    if (dir == NULL)
        return vr_fail(c->err, VR_ECONFIG, "--asof %s needs the data: --data DIR, VIXRISK_DATA or "
                       "../shared/data (files as described in docs/config.md)", ds);
    vr_err e2 = {VR_OK, ""};
    if (vr_market_day_load(dir, o->asof, &out->asof, &e2) != VR_OK) {
        memset(&out->asof, 0, sizeof out->asof);
        return vr_fail(c->err, VR_ECONFIG, "--asof %s: %s", ds, e2.msg);
    }
    for (int i = 0; i < s->nscen; i++) {
        vr_scenario *sc = &s->scen[i];
        if (sc->source == VR_SOURCE_HISTORY)
            continue;
        if (vr_model_start_at_market(&sc->model, &out->asof, NULL, &e2) != VR_OK) {
            char p[VR_KEY_MAX];
            snprintf(p, sizeof p, "scenarios[%d].model", i);
            return vr_config_fail(c->err, c->file, c->ix, p, "--asof %s: scenario %s (%s model): %s",
                                  ds, sc->name, vr_model_type_name(sc->model.type), e2.msg);
        }
        out->start[i] = out->asof;
    }
    return VR_OK;
}

/* A scenario's `lookback: flat | data` (flat, the default: the triggers' lookbacks stop at day 0).
 * data: they reach into the real VIX closes of the trading days before day 0, at most
 * VR_VIX_HIST_MAX (the longest lookback): a replay's before its window's first day, from its data;
 * a dated start's (start.asof or run --asof) before that day, from the directory its market came
 * from (the joined SPX/VIX days, as a replay counts them). A scenario without either has no closes
 * before day 0, and neither has a window or a start on the data's first day: an error at the key. */
static vr_status apply_lookback(const vr_cfg_ctx *c, const vr_run_load_opts *o, vr_run_spec *s, int i,
                                vr_run_cfg *out)
{
    vr_scenario *sc = &s->scen[i];
    char key[VR_KEY_MAX], ds[16];
    snprintf(key, sizeof key, "scenarios[%d].lookback", i);
    static const char *const kinds[] = {"flat", "data"};
    int k = 0;
    CHECK(enum_of(c, key, kinds, 2, 0, &k));
    const int cli = o->lookback == 1 || o->lookback == 2; /* run --lookback replaces the key */
    if (cli)
        k = o->lookback - 1;
    sc->lookback_data = k;
    sc->npre = 0;
    sc->pre_date0 = 0;
    sc->pre_spx_peak = 0;
    if (k == 0)
        return VR_OK;
    const vr_history *h = NULL;
    size_t i0 = 0;
    if (sc->source == VR_SOURCE_HISTORY) {
        h = sc->hist;
        i0 = sc->hist_i0;
    } else {
        const vr_market_day *mk = out->start != NULL ? &out->start[i] : NULL;
        if ((mk == NULL || mk->date == 0) && cli)
            return vr_fail(c->err, VR_ECONFIG,
                           "--lookback data: scenario %s (a %s scenario) has no dated start, so no real closes "
                           "before day 0: add --asof DATE or its start: {asof: DATE}",
                           sc->name, sc->source == VR_SOURCE_BOOTSTRAP ? "bootstrap" : "model");
        if (mk == NULL || mk->date == 0)
            return vr_config_fail(c->err, c->file, c->ix, key,
                                  "'data' needs real closes before day 0: a history scenario, or a dated start "
                                  "(start: {asof: DATE} or run --asof DATE); this %s scenario starts from its "
                                  "model's state, with no history before it (leave the key out, or 'flat')",
                                  sc->source == VR_SOURCE_BOOTSTRAP ? "bootstrap" : "model");
        CHECK(vr_cfg_history(c, key, NULL, mk->dir, out, &h));
        size_t i1 = 0; /* the start's joined day: the window of that one date */
        vr_err we = {VR_OK, ""};
        if (vr_history_window(h, mk->date, mk->date, &i0, &i1, &we) != VR_OK)
            return vr_config_fail(c->err, c->file, c->ix, key, "the joined SPX/VIX history of %s has no day %s",
                                  mk->dir, vr_history_format_date(mk->date, ds));
    }
    if (i0 == 0 && cli)
        return vr_fail(c->err, VR_ECONFIG,
                       "--lookback data: scenario %s starts on the data's first day (%s): no real closes "
                       "before day 0", sc->name, vr_history_format_date(h->date[0], ds));
    if (i0 == 0)
        return vr_config_fail(c->err, c->file, c->ix, key,
                              "'data' needs real closes before day 0, and the data start on day 0 (%s): "
                              "no history before it",
                              vr_history_format_date(h->date[0], ds));
    const size_t n = i0 < VR_VIX_HIST_MAX ? i0 : VR_VIX_HIST_MAX;
    sc->pre_spx_peak = 0;
    for (size_t j = 0; j < n; j++) {
        sc->pre_vix[j] = h->vix[i0 - n + j]; /* (the joined days' closes: positive and finite) */
        sc->pre_spx_peak = fmax(sc->pre_spx_peak, h->spx[i0 - n + j]);
    }
    sc->npre = (int)n;
    sc->pre_date0 = h->date[i0 - n];
    return VR_OK;
}

/* Tail scores rest on the paths beyond VaR99: 1% of them. One line per run: every scenario but
 * a replay simulates the run's path count. */
static void tail_warnings(const vr_run_spec *s, const char *file, FILE *warn)
{
    if (warn == NULL || s->paths >= VR_TAIL_MIN_PATHS)
        return;
    char names[512] = "";
    int n = 0;
    for (int i = 0; i < s->nscen; i++) {
        if (s->scen[i].source == VR_SOURCE_HISTORY)
            continue; /* one real path: no tail estimate is made from it */
        const size_t len = strlen(names);
        if (len < sizeof names - 64)
            snprintf(names + len, sizeof names - len, "%s%s", n ? ", " : "", s->scen[i].name);
        else if (names[len - 1] != '.')
            snprintf(names + len, sizeof names - len, ", ...");
        n++;
    }
    if (n > 0)
        fprintf(warn,
                "vixrisk: warning: %s: %zu path%s leave%s %zu beyond VaR99, so VaR99 and ES99 rest on fewer than "
                "100 paths (scenario%s %s); use at least %d paths for tail scores\n",
                file, s->paths, s->paths == 1 ? "" : "s", s->paths == 1 ? "s" : "", s->paths / 100,
                n > 1 ? "s" : "", names, VR_TAIL_MIN_PATHS);
}

/* The command line's --data and --asof must act on something, as a config key must (a setting
 * that changes nothing is refused): --data is read by a replay or bootstrap without its own
 * `data:`, by a start.asof without start.data or the scenario's data, and by --asof; --asof moves
 * every scenario but a replay, which starts at its own window. Both were accepted and recorded
 * in the run file while no scenario read them. */
static vr_status overrides_used(const vr_cfg_ctx *c, const vr_run_load_opts *o, const vr_run_spec *s)
{
    char key[VR_KEY_MAX], ds[16];
    /* the path kernels' settings act on model scenarios only: replays and bootstraps run on real
     * closes (sim.c, block_run_hist), and a config of those alone ran the same without them */
    int simulated = 0;
    for (int i = 0; i < s->nscen; i++)
        simulated |= s->scen[i].source == VR_SOURCE_MODEL;
    const struct { const char *key; int set; } kernel_keys[] = {
        {"simulation.precision", s->single},
        {"simulation.fast_log", s->fast_log},
        {"simulation.scheme", s->scheme != VR_SCHEME_QE},
    };
    for (size_t k = 0; k < sizeof kernel_keys / sizeof kernel_keys[0] && !simulated && s->nscen > 0; k++)
        if (kernel_keys[k].set)
            return vr_config_fail(c->err, c->file, c->ix, kernel_keys[k].key,
                                  "changes nothing here: it sets how model paths are simulated, and every "
                                  "scenario is a history replay or a bootstrap (real closes); leave it out");
    if (o->asof > 0) {
        int moved = 0;
        for (int i = 0; i < s->nscen; i++)
            moved |= s->scen[i].source != VR_SOURCE_HISTORY;
        if (!moved)
            return vr_fail(c->err, VR_ECONFIG,
                           "--asof %s: every scenario of %s is a history replay, which starts at its own "
                           "window: --asof would change nothing",
                           vr_history_format_date(o->asof, ds), c->file);
    }
    if (o->data_dir == NULL || o->data_dir[0] == '\0' || o->asof > 0)
        return VR_OK;
    for (int i = 0; i < s->nscen; i++) {
        snprintf(key, sizeof key, "scenarios[%d].data", i);
        const int own = vr_cfg_has(c, key);
        if (s->scen[i].source != VR_SOURCE_MODEL && !own)
            return VR_OK;
        snprintf(key, sizeof key, "scenarios[%d].start.data", i);
        char start[VR_KEY_MAX];
        snprintf(start, sizeof start, "scenarios[%d].start", i);
        if (vr_cfg_has(c, start) && !own && !vr_cfg_has(c, key))
            return VR_OK;
    }
    return vr_fail(c->err, VR_ECONFIG,
                   "--data %s: no scenario of %s reads it (it is read by a replay or bootstrap without "
                   "its own data:, by start.asof without start.data, and by --asof): it would change "
                   "nothing", o->data_dir, c->file);
}

static vr_status load(const vr_cfg_ctx *c, const vr_run_load_opts *o, vr_run_cfg *out)
{
    static const char *const top[] = {"simulation", "scenarios", "policies", NULL};
    for (const char *const *k = top; *k; k++)
        if (!vr_cfg_has(c, *k))
            return vr_fail(c->err, VR_ECONFIG, "%s: missing top-level key '%s'", c->file, *k);
    vr_run_spec *s = &out->spec;
    CHECK(conv_simulation(c, s, out));
    if (o->paths > 0) {
        if (o->paths > 10000000000ULL)
            return vr_fail(c->err, VR_ECONFIG, "paths must be in [1, 1e10] (got %zu)", o->paths);
        /* an override only when it changes the config's value (vr_run_cfg.overrides) */
        if (o->paths != s->paths)
            snprintf(out->overrides, sizeof out->overrides, "simulation.paths=%zu", o->paths);
        s->paths = o->paths;
    }
    char p[VR_KEY_MAX];
    for (s->nscen = 0;; s->nscen++) {
        snprintf(p, sizeof p, "scenarios[%d]", s->nscen);
        if (!vr_cfg_has(c, p))
            break;
    }
    s->scen = calloc((size_t)(s->nscen > 0 ? s->nscen : 1), sizeof *s->scen);
    if (s->scen == NULL)
        return vr_fail(c->err, VR_ENOMEM, "scenarios");
    CHECK(conv_scenarios(c, o, s, out));
    CHECK(overrides_used(c, o, s));
    if ((out->start = calloc((size_t)(s->nscen > 0 ? s->nscen : 1), sizeof *out->start)) == NULL)
        return vr_fail(c->err, VR_ENOMEM, "scenario start markets");
    for (int i = 0; i < s->nscen; i++)
        CHECK(apply_start(c, o, s, i, out));
    if (o->asof > 0)
        CHECK(apply_asof(c, o, s, out));
    for (int i = 0; i < s->nscen; i++)
        CHECK(apply_lookback(c, o, s, i, out));
    /* a start above the VIX option table's top (the model's v0, a start.asof or --asof day): the
     * scenario's tables reach past it as past a shock's (a replay's start is its window's first
     * close, covered with the window) */
    for (int i = 0; i < s->nscen; i++) {
        vr_scenario *sc = &s->scen[i];
        if (sc->source == VR_SOURCE_HISTORY)
            continue;
        const double vix = vr_model_vix_start(&sc->model);
        char what[96];
        snprintf(what, sizeof what, "the start's VIX, %.2f,", vix);
        snprintf(p, sizeof p, "scenarios[%d].model", i);
        vr_cfg_cover_vix(c, p, sc, vix, what);
        /* a vix_change moves the day's VIX, not the floor (vr_cfg_shocks covered the floor plus
         * the change): the start's VIX plus the change too, the level the paths start the change
         * from (the cover's room, twice that variance, takes those that rose before it) */
        for (int j = 0;; j++) {
            snprintf(p, sizeof p, "scenarios[%d].shocks[%d]", i, j);
            if (!vr_cfg_has(c, p))
                break;
            snprintf(p, sizeof p, "scenarios[%d].shocks[%d].vix_change", i, j);
            double change = NAN;
            CHECK(vr_cfg_num(c, p, NAN, &change)); /* read and checked by vr_cfg_shocks already */
            if (change > 0) {
                const double to = vix + change;
                snprintf(what, sizeof what, "a rise of %.1f points from the start's VIX, to %.1f,", change, to);
                vr_cfg_cover_vix(c, p, sc, to, what);
            }
        }
    }
    /* default condor rules, then policies */
    vr_condor_rules builtin, def;
    vr_condor_defaults(&builtin);
    CHECK(vr_cfg_condor(c, "condor", &builtin, &def));
    {
        vr_policy tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.condor = def;
        char key[VR_KEY_MAX] = "";
        vr_err verr = {VR_OK, ""};
        if (vr_policy_validate(&tmp, "", key, &verr) != VR_OK)
            return vr_cfg_fail_key(c, key, &verr);
    }
    int npol = 0;
    for (;; npol++) {
        snprintf(p, sizeof p, "policies[%d]", npol);
        if (!vr_cfg_has(c, p))
            break;
    }
    const int nextra = vr_cfg_sweep_count(c);
    if (npol + nextra > VR_MAX_POLICIES)
        return vr_config_fail(c->err, c->file, c->ix, "sweep", "expands to %d policies; at most %d", npol + nextra,
                              VR_MAX_POLICIES);
    /* room for every policy a run may hold: ablations are counted once the policies are read */
    s->pol = calloc(VR_MAX_POLICIES, sizeof *s->pol);
    if (s->pol == NULL)
        return vr_fail(c->err, VR_ENOMEM, "policies");
    for (int i = 0; i < npol; i++) {
        CHECK(vr_cfg_policy(c, i, &def, &s->pol[i]));
        s->npol = i + 1;
    }
    CHECK(vr_cfg_sweeps(c, s, npol));
    CHECK(vr_cfg_roll_used(c, s->pol, s->npol));
    for (int i = 0; i < npol; i++) {
        const int na = vr_policy_ablation_count(&s->pol[i]);
        snprintf(p, sizeof p, "policies[%d].ablate", i);
        if (s->npol + na > VR_MAX_POLICIES)
            return vr_config_fail(c->err, c->file, c->ix, p, "the ablation adds %d policies to %d; at most %d in all",
                                  na, s->npol, VR_MAX_POLICIES);
        vr_err aerr = {VR_OK, ""};
        if (vr_policy_ablate(&s->pol[i], i, &s->pol[s->npol], &aerr) != VR_OK)
            return vr_config_fail(c->err, c->file, c->ix, p, "%s", aerr.msg);
        s->npol += na;
    }
    for (int i = 0; i < s->npol; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(s->pol[i].name, s->pol[j].name) == 0) {
                snprintf(p, sizeof p, "policies[%d].name", i < npol ? i : 0);
                return vr_config_fail(c->err, c->file, c->ix, p, "duplicate policy name '%s'", s->pol[i].name);
            }
    const char *bl = vr_yaml_text(c->ix, "simulation.baseline");
    snprintf(out->baseline, sizeof out->baseline, "%s", bl ? bl : s->pol[0].name);
    int found = 0;
    for (int i = 0; i < s->npol; i++)
        found |= strcmp(s->pol[i].name, out->baseline) == 0;
    if (!found || (bl && strlen(bl) >= VR_NAME_MAX))
        return vr_config_fail(c->err, c->file, c->ix, "simulation.baseline", "'%.60s' is not a policy name",
                              bl ? bl : out->baseline);
    CHECK(run_checks(c, s));
    tail_warnings(s, c->file, o->warn);
    return VR_OK;
}

vr_status vr_run_load_ex(const char *file, const vr_run_load_opts *opts, vr_run_cfg *out, vr_err *err)
{
    const vr_run_load_opts none = {NULL, 0, NULL, 0, 0};
    const vr_run_load_opts *o = opts ? opts : &none;
    memset(out, 0, sizeof *out);
    vr_yaml_index *ix = NULL;
    y_run *y = NULL;
    vr_status st = vr_yaml_index_load(file, &ix, err);
    if (st != VR_OK)
        return st;
    const cyaml_schema_value_t *schema = vr_run_schema();
    const vr_cfg_ctx c = {file, ix, err, o->warn};
    if ((st = vr_cyaml_load(file, ix, schema, (void **)&y, err)) != VR_OK)
        goto done;
    if ((st = load(&c, o, out)) != VR_OK)
        goto done;
    out->config_text = config_text(ix);
    out->file = strdup(file);
    for (int f = 1; f < vr_yaml_file_count(ix) && out->nmodel_files < VR_RUN_MAX_MODEL_FILES; f++)
        snprintf(out->model_files[out->nmodel_files++], sizeof out->model_files[0], "%s", vr_yaml_file_at(ix, f));
    if (out->config_text == NULL || out->file == NULL)
        st = vr_fail(err, VR_ENOMEM, "%s: config text", file);
    else if (strlen(out->config_text) > VR_RF_MAX_STR) /* the run file's attribute: refused here,
                                                           where `check` sees it, not at the end */
        st = vr_fail(err, VR_ECONFIG,
                     "%s: the config text, the run file with its model files and their comments, is %zu "
                     "bytes; a run file stores at most %d (shorten the comments)",
                     file, strlen(out->config_text), VR_RF_MAX_STR);
done:
    vr_cyaml_free(schema, y);
    vr_yaml_index_free(ix);
    if (st != VR_OK)
        vr_run_cfg_free(out);
    return st;
}

vr_status vr_run_load(const char *file, vr_run_cfg *out, vr_err *err)
{
    return vr_run_load_ex(file, NULL, out, err);
}

void vr_run_cfg_free(vr_run_cfg *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < c->nhist; i++)
        vr_history_free(&c->hist[i]);
    for (int i = 0; i < c->nshockbuf; i++)
        free(c->shockbuf[i]);
    free(c->spec.scen);
    free(c->spec.pol);
    free(c->start);
    free(c->config_text);
    free(c->file);
    memset(c, 0, sizeof *c);
}

static uint64_t day_digest(uint64_t h, const vr_market_day *d)
{
    const double x[6] = {d->spx, d->vix9d, d->vix, d->vix3m, d->vix6m, d->vvix};
    h = vr_hash64(h, &d->date, sizeof d->date);
    h = vr_hash64(h, x, sizeof x);
    h = vr_hash64(h, &d->nfut, sizeof d->nfut);
    for (int i = 0; i < d->nfut && i < VR_MARKET_MAX_FUT; i++) {
        h = vr_hash64(h, d->fut[i].contract, strnlen(d->fut[i].contract, sizeof d->fut[i].contract));
        h = vr_hash64(h, &d->fut[i].expiry, sizeof d->fut[i].expiry);
        h = vr_hash64(h, &d->fut[i].settle, sizeof d->fut[i].settle);
    }
    return h;
}

uint64_t vr_run_inputs_digest(const vr_run_cfg *c)
{
    uint64_t h = VR_FNV_OFFSET;
    if (c->config_text != NULL)
        h = vr_hash64(h, c->config_text, strlen(c->config_text));
    for (int i = 0; i < c->nhist; i++) {
        const vr_history *x = &c->hist[i];
        h = vr_hash64(h, &x->n, sizeof x->n);
        if (x->date != NULL)
            h = vr_hash64(h, x->date, x->n * sizeof *x->date);
        const double *cols[6] = {x->spx, x->vix, x->vix3m, x->vix9d, x->vix6m, x->vvix};
        for (int k = 0; k < 6; k++)
            if (cols[k] != NULL)
                h = vr_hash64(h, cols[k], x->n * sizeof *cols[k]);
    }
    h = day_digest(h, &c->asof);
    for (int i = 0; c->start != NULL && i < c->spec.nscen; i++)
        h = day_digest(h, &c->start[i]);
    return h;
}
