/* md.c: the Markdown report: the same tables as the HTML page (tables.c) as pipe tables, and the
 * charts as SVG files in "<stem>_files/" beside the .md (e.g. report.md -> report_files/
 * svcj-pnl.svg), referenced by relative links so the directory can be moved as a whole. Every SVG
 * is written to a temporary name and renamed, the .md last, so a complete .md never points at a
 * missing chart. Every target (the .md and each chart) is checked before any is written, so a
 * target that cannot be (a directory or a FIFO at a chart's name) fails the report before any
 * chart is written or replaced; and every file is written and synced before any is renamed, so a
 * full disk or a write error midway replaces none of the old ones.
 * An existing "<stem>_files" must be a real directory: a symbolic link there is refused, never
 * followed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/tables.h"

/* One ASCII character of Markdown text: the characters that would start markup backslash-escaped,
 * a line break a space (a table cell or a heading is one line), another control character U+FFFD. */
static void md_char(FILE *f, unsigned char c)
{
    if (c == '\n' || c == '\r' || c == '\t') {
        fputc(' ', f);
        return;
    }
    if (c < 0x20 || c == 0x7F) {
        fputs("\xEF\xBF\xBD", f);
        return;
    }
    if (strchr("\\`*_[]<>|#&", c))
        fputc('\\', f);
    fputc(c, f);
}

/* Markdown-escape text for a table cell or a heading; the output stays UTF-8 (bytes that are not,
 * from a file or path name, become U+FFFD as in the HTML and the JSON). */
static void md_esc(FILE *f, const char *s)
{
    vr_rep_utf8_write(f, s, md_char);
}

/* File-name-safe form of a scenario name (config names are already [A-Za-z0-9_.-]). */
static void safe_name(char *dst, size_t cap, const char *s)
{
    size_t o = 0;
    for (const char *p = s; *p && o + 1 < cap; p++)
        dst[o++] = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    *p == '-' || *p == '_') ? *p : '_';
    dst[o] = '\0';
}

typedef void (*chart_fn)(FILE *, const rep_scenario *);

/* "](dest)\n\n": the end of an image link to the relative path rel, percent-encoded but for
 * [A-Za-z0-9-._~/], so the destination is one CommonMark link destination whatever the .md is
 * called ("my report (v2).md": a space or a parenthesis would end it, and the chart would not show). */
static void md_link_end(FILE *f, const char *rel)
{
    fputs("](", f);
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p) != NULL)
            fputc(*p, f);
        else
            fprintf(f, "%%%02X", *p);
    }
    fputs(")\n\n", f);
}

/* which: 0..3 the four scenario charts, 4 net P&L by owner, 5 the sweep sw. With check set, only
 * whether path can be written (vr_rep_file_check; *drawn untouched); else the chart is written to a
 * temporary, closed and synced into *kept (renamed by the caller once every file of the report is
 * written), or dropped when it has nothing to draw (*kept left closed). */
static vr_status write_svg(const char *path, const char *input, const rep_scenario *s, int which,
                           const rep_sweep *sw, int check, int *drawn, rep_file *kept, vr_err *err)
{
    if (check)
        return vr_rep_file_check(path, input, err);
    rep_file rf;
    vr_status st = vr_rep_file_open(&rf, path, input, err);
    if (st != VR_OK)
        return st;
    *drawn = 1;
    switch (which) {
    case 0: vr_chart_pnl(rf.f, s); break;
    case 1: vr_chart_frontier(rf.f, s); break;
    case 2: vr_chart_drawdown(rf.f, s); break;
    case 3: *drawn = vr_chart_paths(rf.f, s); break;
    case 4: *drawn = vr_chart_layers(rf.f, s); break;
    default: vr_chart_sweep(rf.f, s, sw); break;
    }
    if (!*drawn) {
        vr_rep_file_abort(&rf);
        return VR_OK;
    }
    if ((st = vr_rep_file_close(&rf, err)) != VR_OK)
        return st;
    *kept = rf;
    return VR_OK;
}

static const char *const chart_name[4] = {"pnl", "frontier", "drawdown", "paths"};

/* Every chart file of the report, in dir, in order (the paths built in svg, cap bytes). Twice: with
 * check set, only whether each target can be written, so that one that cannot (a directory, a
 * symbolic link, a FIFO there) fails the report before any chart is written or replaced, counting
 * them in *n; then for real, each chart drawn written to a temporary kept in charts[*n] (the caller
 * renames them all at the end, or removes them), drawn[i][c] (i < 64) telling whether chart c of
 * scenario i had anything to draw. The set checked is the set written: a chart with nothing to draw
 * is still opened (then dropped). */
static vr_status md_charts(const rep_run *r, const char *dir, char *svg, size_t cap, int check, int drawn[][5],
                           rep_file *charts, size_t *n, vr_err *err)
{
    vr_status st;
    rep_file none;
    *n = 0;
    for (size_t i = 0; i < r->nscen; i++) {
        char sn[300];
        safe_name(sn, sizeof sn, r->scen[i].name);
        for (int c = 0; c < 5; c++) {
            int d = 0;
            if (c < 3 && r->scen[i].replay)
                continue; /* one path: no distribution to chart, only the path itself */
            if (c < 4)
                snprintf(svg, cap, "%s/%zu-%s-%s.svg", dir, i + 1, sn, chart_name[c]);
            else
                snprintf(svg, cap, "%s/%zu-%s-layers.svg", dir, i + 1, sn);
            rep_file *k = check ? &none : &charts[*n];
            if ((st = write_svg(svg, r->path, &r->scen[i], c, NULL, check, &d, k, err)) != VR_OK)
                return st;
            if (i < 64 && !check)
                drawn[i][c] = d;
            *n += check || d;
        }
        rep_sweep sw[REP_MAX_SWEEPS];
        const size_t nsw = vr_rep_sweeps(&r->scen[i], sw, REP_MAX_SWEEPS);
        for (size_t k = 0; k < nsw; k++) {
            char kn[300];
            int d = 0;
            safe_name(kn, sizeof kn, sw[k].key);
            snprintf(svg, cap, "%s/%zu-%s-sweep%zu-%s.svg", dir, i + 1, sn, k + 1, kn);
            rep_file *kf = check ? &none : &charts[*n];
            if ((st = write_svg(svg, r->path, &r->scen[i], 5, &sw[k], check, &d, kf, err)) != VR_OK)
                return st;
            *n += check || d;
        }
    }
    return VR_OK;
}

/* The header and alignment rows of a pipe table: a first column "#" when `numbered`, then h[0..nc)
 * (the first left-aligned, the others right-aligned). */
static void head_row(FILE *f, int numbered, const rep_head *h, size_t nc)
{
    fputs(numbered ? "| # |" : "|", f);
    for (size_t j = 0; j < nc; j++) {
        fputc(' ', f);
        md_esc(f, h[j].text);
        if (h[j].unit[0])
            fprintf(f, " (%s)", h[j].unit);
        fputs(" |", f);
    }
    fputs(numbered ? "\n|--:|" : "\n|", f);
    for (size_t j = 0; j < nc; j++)
        fputs(j == 0 ? ":--|" : "--:|", f);
    fputc('\n', f);
}

/* A row of cells; a cell's second line follows after "; ". Bold is what is significant and no more:
 * the text (sig) and the second line (subsig) each on its own, as the HTML marks them, so a stress
 * matrix cell "level ± SE; Δ d" with a significant d reads "level ± SE; **Δ d**". */
static void cells(FILE *f, const rep_cell *c, size_t nc)
{
    fputc('|', f);
    for (size_t j = 0; j < nc; j++) {
        fputs(c[j].sig ? " **" : " ", f);
        md_esc(f, c[j].text);
        fputs(c[j].rough ? " \\*" : "", f); /* as the ranking tables mark a rough tail */
        fputs(c[j].sig ? "**" : "", f);
        if (c[j].sub[0]) {
            fputs(c[j].subsig ? "; **" : "; ", f);
            md_esc(f, c[j].sub);
            fputs(c[j].subsig ? "**" : "", f);
        }
        fputs(" |", f);
    }
    fputc('\n', f);
}

/* Stress matrix (two or more scenarios), attribution and trade logs: the HTML's sections. */
static vr_status md_matrix(FILE *f, const rep_run *r, vr_err *err)
{
    if (r->nscen < 2)
        return VR_OK;
    rep_matrix m;
    vr_status st = vr_rep_matrix_build(r, &m, err);
    if (st != VR_OK)
        return st;
    rep_head h[m.nscen + 1];
    rep_cell c[m.nscen + 1];
    const size_t nc = vr_rep_matrix_head(r, &m, h);
    fputs("## Stress matrix\n\nPer scenario: ΔES99 against the baseline (sampled; negative: tail reduced), "
          "mean P&L under a shock on every path, or the P&L of a replayed history; Δ: difference to the "
          "baseline. Bold: beyond " REP_STR(VR_Z_SIGNIFICANT) " standard errors (a mean's on at least "
          REP_STR(VR_MEAN_MIN_PATHS) " paths); \\*: a ΔES99 resting on fewer than "
          REP_STR(VR_TAIL_MIN_BEYOND) " tail paths, rough and never bold.\n\n", f);
    head_row(f, 0, h, nc);
    for (size_t i = 0; i < m.npol; i++) {
        vr_rep_matrix_row(&m, i, c);
        cells(f, c, nc);
    }
    fputc('\n', f);
    vr_rep_matrix_free(&m);
    return VR_OK;
}

static void md_attribution(FILE *f, const rep_scenario *s)
{
    rep_arow rows[VR_MAX_POLICIES * (VR_MAX_LAYERS + 1)];
    const size_t nr = vr_rep_attr_rows(s, rows, sizeof rows / sizeof rows[0]);
    if (nr == 0)
        return;
    rep_head h[REP_MAXCOL];
    rep_cell c[REP_MAXCOL];
    const size_t nc = vr_rep_attr_head(h);
    fputs("### Attribution: who earns and who pays\n\n", f);
    head_row(f, 0, h, nc);
    for (size_t i = 0; i < nr; i++) {
        vr_rep_attr_row(s, &rows[i], c);
        cells(f, c, nc);
    }
    fputs("\nThe condor's and the layers' net P&L add up to the policy's on every path. " REP_ATTR_KEY "\n\n",
          f);
}

static void md_trades(FILE *f, const rep_scenario *s)
{
    rep_head h[REP_MAXCOL];
    rep_cell c[REP_MAXCOL];
    const size_t nc = vr_rep_trade_head(h);
    for (size_t p = 0; p < s->npol; p++) {
        const rep_policy *q = &s->pol[p];
        if (q->ntrades == 0)
            continue;
        const size_t shown = q->ntrades < REP_TRADES_SHOWN ? q->ntrades : REP_TRADES_SHOWN;
        fputs("### Trade log: ", f);
        md_esc(f, q->name);
        fprintf(f, " (%zu leg trades%s)\n\n", q->ntrades, shown < q->ntrades ? ", the first " REP_STR(REP_TRADES_SHOWN) " shown" : "");
        head_row(f, 0, h, nc);
        for (size_t t = 0; t < shown; t++) {
            vr_rep_trade_row(&q->trades[t], c);
            cells(f, c, nc);
        }
        fputc('\n', f);
    }
}

static void table(FILE *f, const rep_scenario *s, int which, const size_t *order)
{
    rep_head h[REP_MAXCOL];
    rep_cell c[REP_MAXCOL];
    const size_t nc = vr_rep_table_head(s, which, h);
    head_row(f, 1, h, nc);
    for (size_t k = 0; k < s->npol; k++) {
        vr_rep_table_row(s, order[k], which, c);
        fprintf(f, "| %zu |", k + 1);
        for (size_t j = 0; j < nc; j++) {
            fputs(c[j].sig ? " **" : " ", f);
            md_esc(f, c[j].text);
            fputs(c[j].rough ? " \\*" : "", f);
            fputs(c[j].sig ? "** |" : " |", f);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
}

vr_status vr_rep_write_md(const rep_run *r, const char *out_path, vr_err *err)
{
    vr_status st = VR_OK;
    rep_file rf;
    memset(&rf, 0, sizeof rf);
    /* chart directory "<stem>_files" beside out_path; links are relative to the .md */
    const char *slash = strrchr(out_path, '/');
    const char *base = slash ? slash + 1 : out_path;
    const char *dot = strrchr(base, '.');
    const int stem_len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    char *dir = NULL, *svg = NULL, rel[600];
    int made_dir = 0; /* the chart directory was made here: removed again if the report fails */
    rep_file *charts = NULL; /* the charts written, renamed together at the end */
    size_t ncharts = 0;
    const size_t cap = strlen(out_path) + 700;
    dir = malloc(cap);
    svg = malloc(cap + 700);
    if (dir == NULL || svg == NULL) {
        st = vr_fail(err, VR_ENOMEM, "report: %s", out_path);
        goto done;
    }
    snprintf(dir, cap, "%.*s%.*s_files", (int)(base - out_path), out_path, stem_len, base);
    /* every target is checked before anything is written: the .md first (not even the chart
     * directory is made for a report that cannot be written), the charts once it exists */
    if ((st = vr_rep_file_check(out_path, r->path, err)) != VR_OK)
        goto done;
    if (mkdir(dir, 0755) == 0) {
        made_dir = 1;
        vr_outfile_made_dir(dir); /* (a signal before the charts are in place removes it too) */
    } else if (errno != EEXIST) {
        st = vr_fail(err, VR_EIO, "report: cannot create %s: %s", dir, strerror(errno));
        goto done;
    }
    /* an existing one must be a real directory: the charts are never written through a symbolic
     * link (to wherever it points) nor into anything but a directory (lstat: not followed) */
    struct stat dst;
    if (lstat(dir, &dst) != 0) {
        st = vr_fail(err, VR_EIO, "report: %s: %s", dir, strerror(errno));
        goto done;
    }
    if (!S_ISDIR(dst.st_mode)) {
        const char *kind = S_ISLNK(dst.st_mode) ? "symbolic link" : S_ISREG(dst.st_mode) ? "regular file"
                                                                                             : "special file";
        st = vr_fail(err, VR_EINVAL, "report: %s: exists and is a %s, not a directory; refusing to "
                     "write the charts through it (remove it, or give -o another name)", dir, kind);
        goto done;
    }
    static const char *const chart_alt[4] = {"P&L distribution and left tail", "ES99 vs mean frontier",
                                             "drawdown exceedance", "sample paths and hedge activations"};
    int drawn[64][5];
    memset(drawn, 0, sizeof drawn);
    if ((st = md_charts(r, dir, svg, cap + 700, 1, drawn, NULL, &ncharts, err)) != VR_OK)
        goto done;
    if (ncharts + 1 > VR_OUTFILE_MAX_ACTIVE) { /* 64 scenarios of 13 charts stay far below */
        st = vr_fail(err, VR_EINVAL, "report: %s: %zu charts, at most %d", out_path, ncharts,
                     VR_OUTFILE_MAX_ACTIVE - 1);
        goto done;
    }
    if (ncharts > 0 && (charts = calloc(ncharts, sizeof *charts)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "report: %s: %zu charts", out_path, ncharts);
        goto done;
    }
    if ((st = md_charts(r, dir, svg, cap + 700, 0, drawn, charts, &ncharts, err)) != VR_OK)
        goto done;
    if ((st = vr_rep_file_open(&rf, out_path, r->path, err)) != VR_OK)
        goto done;
    FILE *f = rf.f;
    char b[128];
    fputs("# Tail-risk report\n\n", f);
    fputs("Run file: ", f);
    md_esc(f, r->path);
    fputs("\n\n", f);
    if (r->verdict && r->verdict[0]) {
        fputs("## Verdict\n\n", f);
        for (const char *p = r->verdict; *p;) { /* a blockquote, line by line, each whole */
            const char *e = strchr(p, '\n');
            const size_t n = e ? (size_t)(e - p) : strlen(p);
            char *line = malloc(n + 1);
            if (line == NULL) {
                st = vr_fail(err, VR_ENOMEM, "report: %s: verdict line of %zu bytes", out_path, n);
                goto done;
            }
            memcpy(line, p, n);
            line[n] = '\0';
            fputs("> ", f);
            md_esc(f, line);
            free(line);
            fputs("  \n", f);
            p += n + (e ? 1 : 0);
        }
        fputc('\n', f);
    }
    if ((st = md_matrix(f, r, err)) != VR_OK)
        goto done;
    fputs("## Run summary\n\n| | |\n|:--|:--|\n", f);
    fputs("| Config file | ", f); md_esc(f, r->config_file); fputs(" |\n", f);
    if (r->command_line && r->command_line[0]) {
        fputs("| Command line | ", f); md_esc(f, r->command_line); fputs(" |\n", f);
    }
    if (r->overrides && r->overrides[0]) {
        fputs("| Overrides (replace the config text below) | ", f); md_esc(f, r->overrides); fputs(" |\n", f);
    }
    char i1[32], i2[96], i3[32];
    fprintf(f, "| Seed | %s |\n| Paths per scenario | %s |\n| Horizon | %s%s |\n",
            vr_rep_fmt_int(i1, sizeof i1, (long long)r->seed), vr_rep_paths_text(r, i2, sizeof i2),
            vr_rep_fmt_int(i3, sizeof i3, (long long)r->horizon_days), r->horizon_days >= 0 ? " trading days" : "");
    fputs("| Baseline policy | ", f); md_esc(f, r->baseline); fputs(" |\n", f);
    fputs("| Kernel ISA | ", f); md_esc(f, r->isa); fputs(" |\n", f);
    if (r->ranks > 1) /* a run split over MPI ranks: "Threads 1" said too little */
        fprintf(f, "| Ranks x threads | %s x %s |\n", vr_rep_fmt_int(i1, sizeof i1, (long long)r->ranks),
                vr_rep_fmt_int(i2, sizeof i2, (long long)r->threads));
    else
        fprintf(f, "| Threads | %s |\n", vr_rep_fmt_int(i1, sizeof i1, (long long)r->threads));
    fputs("| vixrisk version | ", f); md_esc(f, r->version); fputs(" (build ", f); md_esc(f, r->build);
    fputs("), schema ", f); md_esc(f, r->schema); fputs(" |\n", f);
    fputs("| Run finished (UTC) | ", f); md_esc(f, r->utc_time); fputs(" |\n", f);
    fprintf(f, "| Wall time | %s |\n\n", vr_rep_fmt_fixed(b, sizeof b, "%.1f s", r->wall));
    fputs("### Models\n\n", f);
    for (size_t i = 0; i < r->nscen; i++) {
        const rep_scenario *s = &r->scen[i];
        fputs("| Scenario ", f); md_esc(f, s->name); fputs(" (", f); md_esc(f, s->model_type);
        fputs(") | physical (paths) | pricing (marks) |\n|:--|--:|--:|\n", f);
        /* values an older file may lack (NaN when loaded) print as n/a */
        char v[4][32];
        fprintf(f, "| spot / rate / dividend / v0 | %s / %s / %s / %s | |\n",
                vr_rep_fmt_fixed(v[0], sizeof v[0], "%g", s->spot), vr_rep_fmt_fixed(v[1], sizeof v[1], "%g", s->rate),
                vr_rep_fmt_fixed(v[2], sizeof v[2], "%g", s->dividend), vr_rep_fmt_fixed(v[3], sizeof v[3], "%g", s->v0));
        for (int k = 0; k < s->nparam; k++)
            fprintf(f, "| %s | %s | %s |\n", s->pname[k], vr_rep_fmt_fixed(v[0], sizeof v[0], "%g", s->phys[k]),
                    vr_rep_fmt_fixed(v[1], sizeof v[1], "%g", s->pric[k]));
        fprintf(f, "| wall time (marks build) | %s (%s) | |\n\n", vr_rep_fmt_fixed(v[0], sizeof v[0], "%.1f s", s->wall),
                vr_rep_fmt_fixed(v[1], sizeof v[1], "%.1f s", s->marks_wall));
    }
    fputs("The parameters of each scenario's model type, as stored in the run file.\n\n", f);
    /* a run timed with --stages: each scenario's two lines of the console */
    size_t timed = 0;
    for (size_t i = 0; i < r->nscen; i++) {
        const rep_scenario *s = &r->scen[i];
        if (!s->has_stages)
            continue;
        if (!timed++)
            fputs("| Evaluation stages (`run --stages`) | ns of thread time per path-day, and what the stages did |\n"
                  "|:--|:--|\n", f);
        char line[512];
        vr_eval_stages_text(&s->stages, 0, line, sizeof line);
        fputs("| ", f); md_esc(f, s->name);
        fprintf(f, ", %d thread%s | %s |\n", s->stages.threads, s->stages.threads == 1 ? "" : "s", line);
        vr_eval_stages_text(&s->stages, 1, line, sizeof line);
        fprintf(f, "| | %s |\n", line);
    }
    if (timed)
        fputs("\n", f);
    /* a fence longer than any backtick run in the config */
    size_t run = 0, longest = 0;
    for (const char *p = r->config; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    const int fence = longest >= 3 ? (int)longest + 1 : 3;
    fprintf(f, "### Configuration\n\n%.*syaml\n%s%s%.*s\n\n", fence, "``````````````````````````````````", r->config,
            (r->config[0] && r->config[strlen(r->config) - 1] == '\n') ? "" : "\n", fence,
            "``````````````````````````````````");
    for (size_t i = 0; i < r->nscen; i++) {
        const rep_scenario *s = &r->scen[i];
        size_t order[s->npol];
        vr_rep_rank(s, order);
        char sn[300];
        safe_name(sn, sizeof sn, s->name);
        char days[32];
        vr_rep_days_text(r, s, days, sizeof days);
        fputs("## Scenario ", f); md_esc(f, s->name);
        char start[1024];
        if (vr_rep_start_text(s, start, sizeof start)[0] != '\0') {
            fputs("\n\nStart: ", f);
            md_esc(f, start);
            fputs(".", f);
        }
        if (s->replay) {
            const int hist = vr_rep_is_history(s); /* else a run of one path from the model */
            fprintf(f, "\n\n%s: %zu policies on %s over %s trading days; differences against **",
                    hist ? "A replay of history" : "One simulated path", s->npol,
                    hist ? "the one recorded path" : "the same path", days);
            md_esc(f, s->pol[s->base].name);
            fprintf(f, "**. One path has no distribution: the table shows each policy's P&L on it (USD).\n\n"
                    "### P&L on the %s path (best first)\n\n", hist ? "replayed" : "simulated");
            table(f, s, REP_TABLE_REPLAY, order);
        } else {
            fprintf(f, "\n\n%zu policies on %zu common paths over %s trading days; paired differences against **",
                    s->npol, s->pol[0].n, days);
            md_esc(f, s->pol[s->base].name);
            fputs("**. Losses (ES, VaR) are positive numbers in USD.\n\n### Ranking by tail risk (ES99, smallest first)\n\n", f);
            table(f, s, REP_TABLE_TAIL, order);
            char warn[400];
            if (vr_rep_tail_warning(s, warn, sizeof warn)) {
                md_esc(f, warn);
                fputs(" (marked \\*)\n\n", f);
            }
        }
        if (!s->replay) {
            fputs("### Hedging cost, drawdowns and the paired comparison with the baseline\n\n", f);
            table(f, s, REP_TABLE_COST, order);
            fputs("Bold: a paired difference beyond " REP_STR(VR_Z_SIGNIFICANT) " standard errors (a mean's on "
                  "at least " REP_STR(VR_MEAN_MIN_PATHS) " paths); cost "
                  "n.s.: ES99 reduced by less than that; rough: too few tail paths to judge ES99.\n\n", f);
        }
        fputs("### Charts\n\n", f);
        for (int c = 0; c < 4; c++) {
            if (i < 64 && !drawn[i][c])
                continue;
            snprintf(rel, sizeof rel, "%.*s_files/%zu-%s-%s.svg", stem_len, base, i + 1, sn, chart_name[c]);
            fprintf(f, "![%s", chart_alt[c]);
            md_link_end(f, rel);
        }
        md_attribution(f, s);
        if (i < 64 && drawn[i][4]) {
            snprintf(rel, sizeof rel, "%.*s_files/%zu-%s-layers.svg", stem_len, base, i + 1, sn);
            fputs("![net P&L by owner", f);
            md_link_end(f, rel);
        }
        rep_sweep sw[REP_MAX_SWEEPS];
        const size_t nsw = vr_rep_sweeps(s, sw, REP_MAX_SWEEPS);
        for (size_t k = 0; k < nsw; k++) {
            char kn[300];
            safe_name(kn, sizeof kn, sw[k].key);
            snprintf(rel, sizeof rel, "%.*s_files/%zu-%s-sweep%zu-%s.svg", stem_len, base, i + 1, sn, k + 1, kn);
            fputs("![sweep of ", f);
            md_esc(f, sw[k].label);
            md_link_end(f, rel);
        }
        md_trades(f, s);
    }
    fputs("## How to read this report\n\n"
          "- **VaR, ES**: value at risk and expected shortfall of the loss L = -P&L (positive = loss), USD.\n"
          "- **± SE**: Monte Carlo standard errors.\n"
          "- **ΔES99, Δmean**: paired differences against the baseline on the same paths; negative ΔES99 = tail "
          "reduced.\n"
          "- **Cost per USD of ES99 reduction**: mean P&L given up per USD of ES99 removed (negative: the mean "
          "rose too, a gain).\n"
          "- **Hedge premium paid / recovered**: mean per path, discounted, USD.\n", f);
    /* every file is written and synced before any is renamed: a full disk or a write error (here
     * or in any chart) leaves the old report and its charts as they were; the page goes last, so
     * it never links to charts not yet in place */
    if ((st = vr_rep_file_close(&rf, err)) != VR_OK)
        goto done;
    vr_outfile_hold_signals(); /* the charts and the page are renamed as one (outfile.c) */
    for (size_t k = 0; k < ncharts && st == VR_OK; k++)
        st = vr_rep_file_commit(&charts[k], err);
    if (st == VR_OK)
        st = vr_rep_file_commit(&rf, err);
    vr_outfile_release_signals();
done:
    vr_rep_file_abort(&rf);
    for (size_t k = 0; charts != NULL && k < ncharts; k++)
        vr_rep_file_abort(&charts[k]);
    if (st != VR_OK && made_dir)
        (void)rmdir(dir); /* (empty once the temporaries are gone; a failed report leaves no new directory) */
    free(charts);
    free(dir);
    free(svg);
    return st;
}
