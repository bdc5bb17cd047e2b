/* html.c: the HTML report: one self-contained page (inline CSS and SVG, no scripts, no external
 * fetches) that opens offline and prints on landscape pages. The markup is polyglot XHTML: every
 * element closed, only the five XML entities, so XML parsers read it as well as browsers.
 * Table rows carry data-scenario/data-policy and cells data-key (the attribute they show), so a
 * reader or a test can find a number without scraping the layout. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/tables.h"

static const char *css =
    "body{font-family:Helvetica,Arial,sans-serif;color:#1a1a1a;margin:24px auto;max-width:1180px;"
    "padding:0 16px;font-size:14px;line-height:1.4}\n"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:20px;border-bottom:2px solid #0072B2;padding-bottom:3px;"
    "margin-top:32px}h3{font-size:16px;margin:20px 0 6px}\n"
    ".sub{color:#555;margin:0 0 12px}\n"
    "table{border-collapse:collapse;margin:6px 0 12px;font-variant-numeric:tabular-nums}\n"
    "th,td{border:1px solid #d0d0d0;padding:3px 7px;text-align:right;white-space:nowrap}\n"
    "th{background:#eef3f8;font-weight:600;vertical-align:bottom;white-space:normal;max-width:130px}\n"
    "td:first-child,th:first-child{text-align:left}\n"
    "th .u{display:block;font-weight:400;color:#666;font-size:11px}\n"
    "tr:nth-child(even) td{background:#fafafa}\n"
    "table.attr td:nth-child(2),table.trades td{text-align:left}table.trades td[data-key=strike],"
    "table.trades td[data-key=quantity],table.trades td[data-key=price],table.trades td[data-key=cash]{text-align:right}\n"
    "td.sig{font-weight:700}td.rough::after{content:\" *\";color:#b00020}\n"
    ".warn{color:#b00020;font-size:13px}\n"
    "table.kv td:first-child{color:#555}table.kv td{text-align:left}"
    "table.kv td:last-child{white-space:normal;overflow-wrap:anywhere;max-width:560px}\n"
    ".sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}\n"
    "pre.config{background:#f6f6f6;border:1px solid #ddd;padding:8px 10px;font-size:12px;line-height:1.3;"
    "white-space:pre-wrap;word-break:break-word;max-height:300px;overflow:auto}\n"
    "figure{margin:10px 0 18px}figure svg{max-width:100%;height:auto;display:block}\n"
    "figcaption{color:#444;font-size:13px;margin-top:4px;max-width:1100px}\n"
    ".row{display:flex;flex-wrap:wrap;gap:10px 28px;align-items:flex-start}.row figure{margin:10px 0}\n"
    ".note{color:#444;font-size:13px}\n"
    "dl.defs dt{font-weight:600;margin-top:6px}dl.defs dd{margin-left:18px}\n"
    ".verdict{background:#f3f8fc;border-left:4px solid #0072B2;padding:8px 12px;margin:10px 0 16px}\n"
    ".verdict pre{white-space:pre-wrap;font-family:inherit;margin:0}\n"
    ".scroll{max-width:100%;overflow-x:auto}\n"
    "td .d{display:block;color:#555;font-size:12px}td .d.sig{font-weight:700;color:#1a1a1a}\n"
    ".override{color:#b00020}\n"
    "@page{size:A4 landscape;margin:10mm}\n"
    "@media print{body{margin:0;max-width:none;font-size:10px}h2{margin-top:12px}"
    "section.scenario{break-before:page}figure,table{break-inside:avoid}"
    "th,td{padding:2px 4px}pre.config{font-size:8px;max-height:none;overflow:visible}"
    ".scroll{overflow:visible}table.trades{font-size:8px}}\n";

static void kv(FILE *f, const char *k, const char *v)
{
    fputs("<tr><td>", f);
    vr_rep_esc(f, k);
    fputs("</td><td>", f);
    vr_rep_esc(f, v);
    fputs("</td></tr>\n", f);
}

static void kvd(FILE *f, const char *k, double v, const char *fmt)
{
    char b[64];
    kv(f, k, vr_rep_fmt_fixed(b, sizeof b, fmt, v)); /* exponent notation where "%.1f" is too long */
}

/* Index of the first scenario before i with the same model and parameters (i if none): a batch of
 * shocks and replays on one model shows its parameter table once. */
static size_t same_model_before(const rep_run *r, size_t i)
{
    const rep_scenario *a = &r->scen[i];
    for (size_t j = 0; j < i; j++) {
        const rep_scenario *b = &r->scen[j];
        int same = strcmp(a->model_type, b->model_type) == 0 && a->spot == b->spot && a->rate == b->rate &&
                   a->dividend == b->dividend && a->v0 == b->v0 && a->nparam == b->nparam;
        for (int k = 0; same && k < a->nparam; k++)
            same = strcmp(a->pname[k], b->pname[k]) == 0 && a->phys[k] == b->phys[k] && a->pric[k] == b->pric[k];
        if (same)
            return same_model_before(r, j);
    }
    return i;
}

static void summary(FILE *f, const rep_run *r)
{
    char b[256];
    fputs("<section id=\"summary\">\n<h2>Run summary</h2>\n<div class=\"row\"><div>\n<h3>Run</h3>\n<table class=\"kv\">\n", f);
    kv(f, "Run file", r->path);
    kv(f, "Config file", r->config_file);
    if (r->command_line && r->command_line[0])
        kv(f, "Command line", r->command_line);
    if (r->overrides && r->overrides[0]) {
        fputs("<tr><td>Overrides</td><td class=\"override\" data-key=\"overrides\">", f);
        vr_rep_esc(f, r->overrides);
        fputs(" (replace the config text below)</td></tr>\n", f);
    }
    kv(f, "Seed", vr_rep_fmt_int(b, sizeof b, (long long)r->seed));
    kv(f, "Paths per scenario", vr_rep_paths_text(r, b, sizeof b));
    if (r->horizon_days >= 0)
        snprintf(b, sizeof b, "%lld trading days", (long long)r->horizon_days);
    else
        snprintf(b, sizeof b, "n/a");
    kv(f, "Horizon", b);
    kv(f, "Baseline policy", r->baseline);
    kv(f, "Kernel ISA", r->isa);
    if (r->ranks > 1) { /* a run split over MPI ranks: "Threads 1" said too little */
        char t[48];
        snprintf(b, sizeof b, "%s x %s", vr_rep_fmt_int(t, sizeof t, (long long)r->ranks),
                 vr_rep_fmt_int(t + 24, sizeof t - 24, (long long)r->threads));
        kv(f, "Ranks x threads", b);
    } else
        kv(f, "Threads", vr_rep_fmt_int(b, sizeof b, (long long)r->threads));
    snprintf(b, sizeof b, "%s (build %s), schema %s", r->version, r->build, r->schema);
    kv(f, "vixrisk version", b);
    kv(f, "Run finished (UTC)", r->utc_time);
    kvd(f, "Wall time", r->wall, "%.1f s");
    fputs("</table>\n</div><div>\n<h3>Models</h3>\n", f);
    for (size_t i = 0; i < r->nscen; i++) {
        const rep_scenario *s = &r->scen[i];
        if (same_model_before(r, i) < i)
            continue; /* shown once, under the first scenario that uses it */
        fputs("<table class=\"model\" data-scenario=\"", f);
        vr_rep_esc(f, s->name);
        fputs("\">\n<tr><th>Scenario <b>", f);
        vr_rep_esc(f, s->name);
        size_t shared = 0;
        for (size_t j = i + 1; j < r->nscen; j++)
            if (same_model_before(r, j) == i) {
                fputs(shared++ ? ", " : "</b>, and with the same model: <b>", f);
                vr_rep_esc(f, r->scen[j].name);
            }
        fputs("</b> (", f);
        vr_rep_esc(f, s->model_type);
        fprintf(f, ")</th><th>physical (paths)</th><th>pricing (marks)</th></tr>\n");
        /* values an older file may lack (NaN when loaded) print as n/a */
        char v[4][32];
        fprintf(f, "<tr><td>spot / rate / dividend / v0</td><td colspan=\"2\">%s / %s / %s / %s</td></tr>\n",
                vr_rep_fmt_fixed(v[0], sizeof v[0], "%g", s->spot), vr_rep_fmt_fixed(v[1], sizeof v[1], "%g", s->rate),
                vr_rep_fmt_fixed(v[2], sizeof v[2], "%g", s->dividend), vr_rep_fmt_fixed(v[3], sizeof v[3], "%g", s->v0));
        for (int k = 0; k < s->nparam; k++)
            fprintf(f, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", s->pname[k],
                    vr_rep_fmt_fixed(v[0], sizeof v[0], "%g", s->phys[k]),
                    vr_rep_fmt_fixed(v[1], sizeof v[1], "%g", s->pric[k]));
        fprintf(f, "<tr><td>wall time (marks build)</td><td colspan=\"2\">%s (%s)</td></tr>\n</table>\n",
                vr_rep_fmt_fixed(v[0], sizeof v[0], "%.1f s", s->wall),
                vr_rep_fmt_fixed(v[1], sizeof v[1], "%.1f s", s->marks_wall));
    }
    fputs("<p class=\"note\">The parameters of each scenario's model type, as stored in the run file."
          "</p>\n", f);
    /* a run timed with --stages: each scenario's two lines of the console (every scenario, also
     * those whose model's table above is shown under another's name) */
    size_t timed = 0;
    for (size_t i = 0; i < r->nscen; i++) {
        const rep_scenario *s = &r->scen[i];
        if (!s->has_stages)
            continue;
        if (!timed++)
            fputs("<table class=\"model stages\">\n<tr><th>Evaluation stages (<code>run --stages</code>)</th>"
                  "<th>ns of thread time per path-day, and what the stages did</th></tr>\n", f);
        char line[512];
        vr_eval_stages_text(&s->stages, 0, line, sizeof line);
        fputs("<tr data-scenario=\"", f);
        vr_rep_esc(f, s->name);
        fputs("\"><td>", f);
        vr_rep_esc(f, s->name);
        fprintf(f, ", %d thread%s</td><td>%s<br>", s->stages.threads, s->stages.threads == 1 ? "" : "s", line);
        vr_eval_stages_text(&s->stages, 1, line, sizeof line);
        fprintf(f, "%s</td></tr>\n", line);
    }
    if (timed)
        fputs("</table>\n", f);
    fputs("</div></div>\n<h3>Configuration</h3>\n", f);
    if (r->overrides && r->overrides[0]) {
        fputs("<p class=\"override\">The command line replaced these settings of the text below: ", f);
        vr_rep_esc(f, r->overrides);
        fputs(". The tables show what was run.</p>\n", f);
    }
    fputs("<pre class=\"config\">", f);
    vr_rep_esc(f, r->config);
    fputs("</pre>\n</section>\n", f);
}

/* The header row of a table: `lead` (a first column of the caller's, "" for none), then h[0..nc). */
static void head_row(FILE *f, const char *lead, const rep_head *h, size_t nc)
{
    fputs("<tr>", f);
    fputs(lead, f);
    for (size_t j = 0; j < nc; j++) {
        fputs("<th>", f);
        vr_rep_esc(f, h[j].text);
        if (h[j].unit[0]) {
            fputs("<span class=\"u\">", f);
            vr_rep_esc(f, h[j].unit);
            fputs("</span>", f);
        }
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
}

/* The class (and tooltip) attribute of a cell: bold when significant, marked when rough. */
/* ' data-key="key"' for a cell that shows an attribute; nothing for a blank one (the condor's row
 * of the attribution table has no layer scores): an empty data-key names no attribute. */
static void key_attr(FILE *f, const rep_cell *c)
{
    if (c->key == NULL || c->key[0] == '\0')
        return;
    fputs(" data-key=\"", f);
    vr_rep_esc(f, c->key);
    fputc('"', f);
}

static const char *cell_class(const rep_cell *c)
{
    return c->sig && c->rough ? " class=\"sig rough\""
           : c->sig ? " class=\"sig\""
           : c->rough ? " class=\"rough\" title=\"rests on fewer than " REP_STR(VR_TAIL_MIN_BEYOND) " tail paths\""
           : "";
}

static void table(FILE *f, const rep_scenario *s, int which, const size_t *order)
{
    rep_head h[REP_MAXCOL];
    rep_cell c[REP_MAXCOL];
    const size_t nc = vr_rep_table_head(s, which, h);
    fprintf(f, "<div class=\"scroll\"><table class=\"rank\" data-table=\"%s\">\n",
            which == REP_TABLE_TAIL ? "tail" : which == REP_TABLE_REPLAY ? "replay" : "cost");
    head_row(f, "<th>#</th>", h, nc);
    for (size_t k = 0; k < s->npol; k++) {
        const size_t pi = order[k];
        vr_rep_table_row(s, pi, which, c);
        fputs("<tr data-scenario=\"", f);
        vr_rep_esc(f, s->name);
        fputs("\" data-policy=\"", f);
        vr_rep_esc(f, s->pol[pi].name);
        fprintf(f, "\"><td>%zu</td>", k + 1);
        for (size_t j = 0; j < nc; j++) {
            fputs("<td", f);
            key_attr(f, &c[j]);
            fprintf(f, "%s>", cell_class(&c[j]));
            if (j == 0)
                fprintf(f, "<span class=\"sw\" style=\"background:%s\"></span>", vr_rep_color(pi));
            vr_rep_esc(f, c[j].text);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

static void cells(FILE *f, const rep_cell *c, size_t nc)
{
    for (size_t j = 0; j < nc; j++) {
        fputs("<td", f);
        key_attr(f, &c[j]);
        fprintf(f, "%s>", cell_class(&c[j]));
        vr_rep_esc(f, c[j].text);
        if (c[j].sub[0]) { /* a second line: a condor's difference to the baseline's */
            fputs(c[j].subsig ? "<span class=\"d sig\">" : "<span class=\"d\">", f);
            vr_rep_esc(f, c[j].sub);
            fputs("</span>", f);
        }
        fputs("</td>", f);
    }
}

/* The attribution table and the per-layer chart of a scenario, when the file has them. */
static void attribution(FILE *f, const rep_scenario *s)
{
    rep_arow rows[VR_MAX_POLICIES * (VR_MAX_LAYERS + 1)];
    const size_t nr = vr_rep_attr_rows(s, rows, sizeof rows / sizeof rows[0]);
    if (nr == 0)
        return;
    rep_head h[REP_MAXCOL];
    rep_cell c[REP_MAXCOL];
    const size_t nc = vr_rep_attr_head(h);
    fputs("<h3>Attribution: who earns and who pays</h3>\n<div class=\"scroll\"><table class=\"attr\" "
          "data-table=\"attribution\">\n", f);
    head_row(f, "", h, nc);
    for (size_t i = 0; i < nr; i++) {
        vr_rep_attr_row(s, &rows[i], c);
        fputs("<tr data-scenario=\"", f);
        vr_rep_esc(f, s->name);
        fputs("\" data-policy=\"", f);
        vr_rep_esc(f, s->pol[rows[i].pol].name);
        fputs("\" data-owner=\"", f);
        vr_rep_esc(f, rows[i].layer < 0 ? VR_RF_ATTR_CONDOR : s->pol[rows[i].pol].layers[rows[i].layer]);
        fputs("\">", f);
        cells(f, c, nc);
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n<p class=\"note\">The condor's net and each layer's net P&amp;L add up to the "
          "policy's P&amp;L on every path. &#916;ES99 if removed &gt; 0: the layer lowers the tail; &#916;ES99 "
          "alone: the condor with only that layer against the baseline (negative: tail reduced). "
          REP_ATTR_KEY "</p>\n", f);
    fputs("<figure>\n", f);
    if (vr_chart_layers(f, s))
        fputs("<figcaption>Mean net P&amp;L per path of the condor and of each layer, and each one's mean on "
              "the baseline's worst 1% of paths.</figcaption>\n", f);
    fputs("</figure>\n", f);
}

/* Trade logs of the policies of a scenario (a replay: the whole log). */
static void trade_logs(FILE *f, const rep_scenario *s)
{
    rep_head h[REP_MAXCOL];
    rep_cell c[REP_MAXCOL];
    const size_t nc = vr_rep_trade_head(h);
    int any = 0;
    for (size_t p = 0; p < s->npol; p++) {
        const rep_policy *q = &s->pol[p];
        if (q->ntrades == 0)
            continue;
        if (!any)
            fprintf(f, "<h3>Trade log%s</h3>\n", s->replay ? "" : " (first paths)");
        any = 1;
        const size_t shown = q->ntrades < REP_TRADES_SHOWN ? q->ntrades : REP_TRADES_SHOWN;
        fputs(s->replay ? "<details open=\"open\"><summary>" : "<details><summary>", f); /* a replay's log prints */
        vr_rep_esc(f, q->name);
        fprintf(f, ": %zu leg trades%s</summary>\n<div class=\"scroll\"><table class=\"trades\" "
                   "data-table=\"trades\" data-policy=\"", q->ntrades, shown < q->ntrades ? " (the first " REP_STR(REP_TRADES_SHOWN) " shown)" : "");
        vr_rep_esc(f, q->name);
        fputs("\">\n", f);
        head_row(f, "", h, nc);
        for (size_t t = 0; t < shown; t++) {
            vr_rep_trade_row(&q->trades[t], c);
            fputs("<tr>", f);
            cells(f, c, nc);
            fputs("</tr>\n", f);
        }
        fputs("</table></div></details>\n", f);
    }
}

/* Sweeps: a chart of the metric against the swept value per sweep. */
static void sweeps(FILE *f, const rep_scenario *s)
{
    rep_sweep sw[REP_MAX_SWEEPS];
    const size_t n = vr_rep_sweeps(s, sw, REP_MAX_SWEEPS);
    if (n == 0)
        return;
    fputs("<h3>Sweeps</h3>\n<div class=\"row\">", f);
    for (size_t i = 0; i < n; i++) {
        fputs("<figure data-sweep=\"", f);
        vr_rep_esc(f, sw[i].key);
        fputs("\">\n", f);
        vr_chart_sweep(f, s, &sw[i]);
        fputs("<figcaption>", f);
        vr_rep_esc(f, sw[i].base);
        fputs(s->replay ? (vr_rep_is_history(s) ? ": P&amp;L on the replayed path against " : ": P&amp;L on the path against ") : ": &#916;ES99 and &#916;mean against the "
              "baseline (&#177;1 SE) against ", f);
        vr_rep_esc(f, sw[i].label);
        fputs(".</figcaption>\n</figure>\n", f);
    }
    fputs("</div>\n", f);
}

/* The stress matrix: one row per policy, one column per scenario (a run with two or more). */
static vr_status matrix(FILE *f, const rep_run *r, vr_err *err)
{
    if (r->nscen < 2)
        return VR_OK;
    rep_matrix m;
    vr_status st = vr_rep_matrix_build(r, &m, err);
    if (st != VR_OK)
        return st;
    fputs("<section id=\"stress\">\n<h2>Stress matrix</h2>\n<p class=\"sub\">What each policy changes in "
          "each scenario: &#916;ES99 against the baseline on a sampled scenario (negative: tail reduced), the "
          "mean P&amp;L under a shock imposed on every path and the P&amp;L of a replayed history, each with "
          "its difference to the baseline. Bold: a paired difference beyond " REP_STR(VR_Z_SIGNIFICANT) " standard errors "
          "(a mean's on at least " REP_STR(VR_MEAN_MIN_PATHS) " paths); "
          "*: a &#916;ES99 resting on fewer than " REP_STR(VR_TAIL_MIN_BEYOND) " tail paths, "
          "rough and never bold.</p>\n"
          "<div class=\"scroll\"><table class=\"matrix\" data-table=\"stress\">\n<tr><th>Policy</th>", f);
    rep_head h[m.nscen + 1];
    rep_cell c[m.nscen + 1];
    const size_t nc = vr_rep_matrix_head(r, &m, h);
    for (size_t j = 1; j < nc; j++) {
        fprintf(f, "<th><a href=\"#scenario-%zu\">", j);
        vr_rep_esc(f, h[j].text);
        fputs("</a><span class=\"u\">", f);
        vr_rep_esc(f, h[j].unit);
        fputs("</span></th>", f);
    }
    fputs("</tr>\n", f);
    for (size_t i = 0; i < m.npol; i++) {
        vr_rep_matrix_row(&m, i, c);
        fputs("<tr data-policy=\"", f);
        vr_rep_esc(f, c[0].text);
        fputs("\"><td>", f);
        vr_rep_esc(f, c[0].text);
        fputs("</td>", f);
        for (size_t j = 1; j < nc; j++) {
            fputs("<td data-scenario=\"", f);
            vr_rep_esc(f, r->scen[j - 1].name);
            fputc('"', f);
            key_attr(f, &c[j]);
            fprintf(f, "%s>", cell_class(&c[j]));
            vr_rep_esc(f, c[j].text);
            if (c[j].sub[0]) {
                fputs(c[j].subsig ? "<span class=\"d sig\">" : "<span class=\"d\">", f);
                vr_rep_esc(f, c[j].sub);
                fputs("</span>", f);
            }
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n</section>\n", f);
    vr_rep_matrix_free(&m);
    return VR_OK;
}

static void scenario(FILE *f, const rep_run *r, const rep_scenario *s, size_t idx)
{
    size_t order[s->npol];
    vr_rep_rank(s, order);
    fprintf(f, "<section class=\"scenario\" id=\"scenario-%zu\" data-scenario=\"", idx + 1);
    vr_rep_esc(f, s->name);
    fputs("\">\n<h2>Scenario ", f);
    vr_rep_esc(f, s->name);
    fputs("</h2>\n", f);
    char start[1024];
    if (vr_rep_start_text(s, start, sizeof start)[0] != '\0') {
        fputs("<p class=\"sub\">Start: ", f);
        vr_rep_esc(f, start);
        fputs(".</p>\n", f);
    }
    fputs("<p class=\"sub\">", f);
    char days[32];
    vr_rep_days_text(r, s, days, sizeof days);
    if (s->replay) {
        const int hist = vr_rep_is_history(s); /* else a run of one path from the model */
        fprintf(f, "%s: %zu policies on %s over %s trading days; differences against <b>",
                hist ? "A replay of history" : "One simulated path", s->npol,
                hist ? "the one recorded path" : "the same path", days);
        vr_rep_esc(f, s->pol[s->base].name);
        fprintf(f, "</b>. One path has no distribution: the table shows each policy's P&amp;L on it (USD, "
                "discounted to the start).</p>\n<h3>P&amp;L on the %s path (best first)</h3>\n",
                hist ? "replayed" : "simulated");
        table(f, s, REP_TABLE_REPLAY, order);
        fputs("<figure>\n", f);
        if (vr_chart_paths(f, s))
            fprintf(f, "<figcaption>The %s SPX and VIX path; each row of ticks marks the trading days one "
                    "policy's hedge layer acted.</figcaption>\n", hist ? "replayed" : "simulated");
        else
            fputs("<figcaption>No sample path stored for this path.</figcaption>\n", f);
        fputs("</figure>\n", f);
        attribution(f, s);
        sweeps(f, s);
        trade_logs(f, s);
        fputs("</section>\n", f);
        return;
    }
    fprintf(f, "%zu policies on %zu common paths over %s trading days; model ", s->npol, s->pol[0].n, days);
    vr_rep_esc(f, s->model_type);
    fputs("; paired differences against <b>", f);
    vr_rep_esc(f, s->pol[s->base].name);
    fputs("</b>. Losses (ES, VaR) are positive numbers in USD; P&amp;L is discounted to the start.</p>\n", f);
    fputs("<h3>Ranking by tail risk (ES99, smallest first)</h3>\n", f);
    table(f, s, REP_TABLE_TAIL, order);
    char warn[400];
    if (vr_rep_tail_warning(s, warn, sizeof warn)) {
        fputs("<p class=\"warn\" data-warning=\"tail\">", f);
        vr_rep_esc(f, warn);
        fputs(" (marked *)</p>\n", f);
    }
    fputs("<h3>Hedging cost, drawdowns and the paired comparison with the baseline</h3>\n", f);
    table(f, s, REP_TABLE_COST, order);
    fputs("<p class=\"note\">Bold: a paired difference beyond " REP_STR(VR_Z_SIGNIFICANT) " standard "
          "errors (a mean's on at least " REP_STR(VR_MEAN_MIN_PATHS) " paths). Cost per USD of ES99 reduction = mean P&amp;L given up / ES99 removed (n/a when the tail "
          "does not shrink, n.s. when it shrinks by less than that, rough when too few tail paths judge "
          "it).</p>\n", f);
    fputs("<h3>Charts</h3>\n<figure>\n", f);
    vr_chart_pnl(f, s);
    fputs("<figcaption>Terminal P&amp;L per path, share of paths per bin; the shaded region on the left panel is "
          "magnified on the right, where the triangles mark each policy's &#8722;ES99.</figcaption>\n</figure>\n", f);
    fputs("<div class=\"row\"><figure>\n", f);
    vr_chart_frontier(f, s);
    fputs("<figcaption>Each policy's mean P&amp;L against its ES99 with &#177;1 SE bars.</figcaption>\n</figure>\n"
          "<figure>\n", f);
    vr_chart_drawdown(f, s);
    fputs("<figcaption>Exceedance probability of the maximum drawdown of daily P&amp;L (log scale).</figcaption>\n"
          "</figure></div>\n", f);
    fputs("<figure>\n", f);
    if (vr_chart_paths(f, s))
        fputs("<figcaption>Three of the stored sample paths; each row of ticks marks the trading days one "
              "policy's hedge layer acted (sample_paths/activations).</figcaption>\n", f);
    else
        fputs("<figcaption>No sample paths stored in this run (simulation.sample_paths: 0).</figcaption>\n", f);
    fputs("</figure>\n", f);
    attribution(f, s);
    sweeps(f, s);
    trade_logs(f, s);
    fputs("</section>\n", f);
}

static const char *defs =
    "<section id=\"notes\">\n<h2>How to read this report</h2>\n<dl class=\"defs\">\n"
    "<dt>P&amp;L</dt><dd>Terminal discounted profit and loss of the condor book plus its hedges over the horizon, "
    "per path, USD.</dd>\n"
    "<dt>VaR<sub>&#946;</sub>, ES<sub>&#946;</sub></dt><dd>Value at risk and expected shortfall at level &#946; of "
    "the loss L = &#8722;P&amp;L: VaR is the &#946;-quantile of L; ES is the mean loss beyond it. Both are positive "
    "for losses.</dd>\n"
    "<dt>&#177; SE</dt><dd>Monte Carlo standard errors: the mean from sd/&#8730;n, VaR by the order-statistic method, "
    "ES from its influence function.</dd>\n"
    "<dt>&#916;ES99, &#916;mean</dt><dd>Paired differences against the baseline on the same paths (common random "
    "numbers), so their standard errors are much smaller than those of the levels. Negative &#916;ES99 = tail "
    "reduced.</dd>\n"
    "<dt>Hedge premium paid / recovered</dt><dd>Mean per path of the discounted premium paid for the hedge "
    "layers' instruments and of their discounted sales and settlements; the net is their difference, cash only: "
    "a hedge still open at the horizon counts its premium, not its value (the attribution's layer net adds its "
    "mark).</dd>\n"
    "<dt>Drawdown</dt><dd>Maximum peak-to-trough fall of the daily P&amp;L path, USD.</dd>\n"
    "</dl>\n<p class=\"note\">Generated by <code>vixrisk report</code> from the HDF5 run file alone "
    "(layout: docs/hdf5.md).</p>\n</section>\n";

vr_status vr_rep_write_html(const rep_run *r, const char *out_path, vr_err *err)
{
    rep_file rf;
    vr_status st = vr_rep_file_open(&rf, out_path, r->path, err);
    if (st != VR_OK)
        return st;
    FILE *f = rf.f;
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<title>vixrisk tail-risk report: ", f);
    vr_rep_esc(f, r->config_file[0] ? r->config_file : r->path);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>Tail-risk report</h1>\n<p class=\"sub\">", css);
    vr_rep_esc(f, r->path);
    fputs(" &#8212; ", f);
    for (size_t i = 0; i < r->nscen; i++) {
        fprintf(f, "%s<a href=\"#scenario-%zu\">", i ? ", " : "scenarios: ", i + 1);
        vr_rep_esc(f, r->scen[i].name);
        fputs("</a>", f);
    }
    fputs("</p>\n</header>\n", f);
    if (r->verdict && r->verdict[0]) {
        fputs("<section id=\"verdict\" class=\"verdict\">\n<h2>Verdict</h2>\n<pre>", f);
        vr_rep_esc(f, r->verdict);
        fputs("</pre>\n</section>\n", f);
    }
    if ((st = matrix(f, r, err)) != VR_OK) {
        vr_rep_file_abort(&rf);
        return st;
    }
    summary(f, r);
    for (size_t i = 0; i < r->nscen; i++)
        scenario(f, r, &r->scen[i], i);
    fputs(defs, f);
    fputs("</body>\n</html>\n", f);
    return vr_rep_file_commit(&rf, err);
}
