/* cli.c: what the vixrisk subcommands share (see cli.h): the help footer, signal handling, the
 * version line, output-target checks, failure messages, JSON helpers and the --asof lines. */
#include "cli.h"

#include <getopt.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vixrisk/vr_history.h"
#include "vixrisk/vr_report.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vk.h"
#include "vixrisk/vr_version.h"

const char *const vr_cli_data_files[VR_CLI_NDATA_FILES] = {
    "spx_daily.csv", "vix_daily.csv", "vix3m_daily.csv", "vix9d_daily.csv", "vix6m_daily.csv",
    "vvix_daily.csv", "vix_futures_contracts.csv", "vix_futures_term_structure.csv"};

void vr_cli_help_footer(FILE *out)
{
    fprintf(out,
            "\n"
            "exit status:\n"
            "  0         success\n"
            "  1         runtime failure (input/output, disk full, numerical failure, out of memory)\n"
            "  2         usage or configuration error (nothing was computed or written)\n"
            "  128+N     killed by signal N: 129 SIGHUP, 130 SIGINT, 131 SIGQUIT, 138 SIGUSR1,\n"
            "            141 SIGPIPE (the standard output or error's reader went away), 142 SIGALRM,\n"
            "            143 SIGTERM; the partial output is removed\n"
            "\n"
            "environment:\n"
            "  VIXRISK_ISA      scalar|avx2|avx512: force a kernel set (as --isa of run and price)\n"
            "  VIXRISK_DATA     directory of the daily history CSV files (spx_daily.csv, vix_daily.csv,\n"
            "                   vix3m_daily.csv) for history scenarios, calibrate and model --asof\n"
            "                   (default ../shared/data)\n"
            "  VIXRISK_PATH_STORE_MB  run: MiB of per-path outputs (store_paths: true) kept in\n"
            "                   memory; beyond it they wait in an unlinked temporary file in the\n"
            "                   output's directory until scored and written (default 256)\n"
            "  VIXRISK_TABLE_STORE  directory (made when first needed) where pricing tables are kept\n"
            "                   and found again by later commands with the same model and the\n"
            "                   same vixrisk binary: the same results, without the table builds\n"
            "                   (files of 14-260 MB; default: none)\n"
            "  VIXRISK_TABLE_STORE_MB  bound on the table store's files in MiB: past it the least\n"
            "                   recently used are removed (0: no bound; default 4096)\n"
            "  OMP_NUM_THREADS  threads when --threads (or simulation.threads) is 0, a whole number\n"
            "                   in [1, 4096] (or a list of them separated by commas); any other\n"
            "                   value is refused, with --threads too (OpenMP reads it when the\n"
            "                   program starts, and `model` has no --threads)\n");
}

static volatile sig_atomic_t g_tty;

static void on_signal(int sig);

/* The handler for sig: once (SA_RESETHAND: then the default action, so dying of a second one, or of
 * the re-raised one, gives the usual 128+sig status) and not blocked while it runs (SA_NODEFER). */
static void arm(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void on_signal(int sig)
{
    /* outputs being renamed into place as a group: the signal waits for the group (outfile.c) */
    if (vr_outfile_signal_defer(sig)) {
        arm(sig);
        return;
    }
    const int removed = vr_outfile_signal_cleanup();
    /* (a run's file is in place before its console tables are printed: a signal then, SIGPIPE
     * from a reader gone, leaves it, and the message must not say otherwise) */
    if (g_tty) {
        static const char msg[] = "\nvixrisk: interrupted, nothing written\n";
        static const char msg2[] = "\nvixrisk: interrupted\n";
        ssize_t w = removed ? write(STDERR_FILENO, msg, sizeof msg - 1)
                            : write(STDERR_FILENO, msg2, sizeof msg2 - 1);
        (void)w;
    }
    /* SA_RESETHAND restored the default action and SA_NODEFER leaves the signal unblocked:
     * dying of it gives the parent the usual 128+sig status */
    raise(sig);
}

void vr_cli_signals_install(void)
{
    /* SIGPIPE too: a run whose stderr reader had gone (`vixrisk run ... 2>&1 | head`) died at its
     * next note, mid-run, and left its temporary file behind */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGALRM, SIGPIPE};
    g_tty = isatty(STDERR_FILENO);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        /* a signal ignored by whoever started us (nohup, a shell's background job) stays ignored */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        arm(sigs[i]);
    }
    signal(SIGXFSZ, SIG_IGN);
}

/* Whether OMP_NUM_THREADS is what OpenMP reads: a list of positive whole numbers separated by
 * commas (one per nesting level), spaces around them allowed. */
static int omp_threads_valid(const char *v)
{
    const char *p = v;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p < '0' || *p > '9')
            return 0;
        int positive = 0;
        while (*p >= '0' && *p <= '9')
            positive |= *p++ != '0';
        if (!positive)
            return 0;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return 1;
        if (*p++ != ',')
            return 0;
    }
}

int vr_cli_check_omp_env(const char *cmd)
{
    /* a value OpenMP cannot read is ignored by it (libgomp warns and uses every core): a
     * `OMP_NUM_THREADS=2x` meant to share the machine would take all of it */
    const char *set = getenv("OMP_NUM_THREADS");
    /* (an empty value too: libgomp warns of it as invalid, and uses every core) */
    if (set != NULL && !omp_threads_valid(set)) {
        fprintf(stderr, "vixrisk %s: OMP_NUM_THREADS: '%.40s' is not a number of threads (a whole number "
                "in [1, %d], or such numbers separated by commas), and OpenMP would ignore it; set it "
                "so, or unset it\n", cmd, set, VR_CLI_MAX_THREADS);
        return EXIT_USAGE;
    }
    const int n = omp_get_max_threads(); /* (OMP_NUM_THREADS, or the cores) */
    if (n <= VR_CLI_MAX_THREADS)
        return 0;
    const char *env = getenv("OMP_NUM_THREADS");
    fprintf(stderr, "vixrisk %s: OMP_NUM_THREADS: '%.40s' asks for %d threads; the default team may have at most "
            "%d (the range of --threads), so set it in [1, %d]\n", cmd, env ? env : "", n, VR_CLI_MAX_THREADS,
            VR_CLI_MAX_THREADS);
    return EXIT_USAGE;
}

int vr_cli_version(void)
{
    const char *names[3];
    const int n = vk_available(names, 3);
    printf("vixrisk %s (%s)\nISAs on this CPU:", VR_VERSION, VR_BUILD);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
    return 0;
}

int vr_cli_prepare_out(vr_outfile *o, const char *cmd, const char *path, const char *default_name,
                       const char *const *inputs, int ninputs)
{
    /* "-" reads as standard output on most tools; here it made a file named "-" */
    if (strcmp(path, "-") == 0) {
        fprintf(stderr, "vixrisk %s: an output named '-' would be a file named '-': %s writes files, not to "
                "standard output (name the file, or ./- for one named '-')\n", cmd, cmd);
        return EXIT_USAGE;
    }
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_outfile_prepare(o, path, default_name, inputs, ninputs, &err);
    if (st == VR_OK)
        return 0;
    fprintf(stderr, "vixrisk %s: %s\n", cmd, err.msg);
    return vr_status_exit_code(st);
}

int vr_cli_fail(const char *cmd, vr_status st, const vr_err *err)
{
    if (strstr(err->msg, "No space left on device") != NULL || strstr(err->msg, "errno = 28") != NULL)
        fprintf(stderr, "vixrisk %s: disk full: the output could not be written (nothing was kept)\n", cmd);
    else if (strstr(err->msg, "File too large") != NULL || strstr(err->msg, "errno = 27") != NULL)
        fprintf(stderr, "vixrisk %s: file size limit reached (ulimit -f): the output could not be "
                "written (nothing was kept)\n", cmd);
    fprintf(stderr, "vixrisk %s: %s\n", cmd, err->msg);
    return vr_status_exit_code(st);
}

void vr_cli_json_str(FILE *out, const char *s)
{
    vr_json_str(out, s); /* the reports' writer: escapes, and U+FFFD for bytes that are not UTF-8 */
}

void vr_cli_json_num(FILE *out, const char *key, double x, int comma)
{
    vr_cli_json_str(out, key);
    if (isfinite(x))
        fprintf(out, ": %.12g%s", x + 0.0, comma ? ", " : ""); /* (+ 0.0: no "-0") */
    else
        fprintf(out, ": null%s", comma ? ", " : "");
}

int vr_cli_parse_date(const char *cmd, const char *opt, const char *s, int32_t *date)
{
    const int rc = vr_history_parse_iso_date(s, date);
    if (rc == 0)
        return 1;
    fprintf(stderr, "vixrisk %s: %s: expected %s, got '%s'\n", cmd, opt, vr_history_date_expected(rc), s);
    return 0;
}

int vr_cli_parse_asof(const char *cmd, const char *s, int32_t *date)
{
    return vr_cli_parse_date(cmd, "--asof", s, date);
}

int vr_cli_parse_data(const char *cmd, const char *s)
{
    if (s != NULL && s[0] != '\0')
        return 1;
    fprintf(stderr, "vixrisk %s: --data needs a directory (got an empty value; leave the option out "
            "for $VIXRISK_DATA, then ../shared/data)\n", cmd);
    return 0;
}

void vr_cli_asof_print(FILE *out, const vr_market_day *mk)
{
    char ds[16];
    fprintf(out, "as of %s (%s): SPX %.2f, VIX %.2f, ", vr_history_format_date(mk->date, ds), mk->dir,
            mk->spx, mk->vix);
    if (mk->vix3m > 0)
        fprintf(out, "VIX3M %.2f\n", mk->vix3m);
    else
        fprintf(out, "VIX3M none in the data\n");
}

void vr_cli_state_print(FILE *out, const vr_model *m, const double *x)
{
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    const vr_vix_coef c = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    for (int j = 0; j < ops->nfactors; j++)
        fprintf(out, "%s%s0 = %.6g", j ? ", " : "", ops->factor_names[j], x[j]);
    fprintf(out, " (VIX %.4f under the pricing parameters)", vr_vix_level_x(&c, x, ops->nfactors));
}

int vr_cli_once(const char *cmd, const struct option *opts, int c, unsigned char *seen, const int *repeatable)
{
    if (c < 0 || c >= VR_CLI_SEEN)
        return 1;
    const struct option *o = NULL;
    for (const struct option *p = opts; p->name != NULL; p++)
        if (p->val == c && p->flag == NULL)
            o = p;
    /* a flag repeated says the same thing again; only options with a value can contradict */
    if (o != NULL && o->has_arg == no_argument)
        return 1;
    if (o == NULL && (c == '?' || c == ':' || c == 'h' || c == 'q'))
        return 1;
    for (const int *r = repeatable; r != NULL && *r != 0; r++)
        if (*r == c)
            return 1;
    if (!seen[c]) {
        seen[c] = 1;
        return 1;
    }
    if (o != NULL && c < 128)
        fprintf(stderr, "vixrisk %s: --%s (-%c) given twice: give each option once (try 'vixrisk %s --help')\n",
                cmd, o->name, c, cmd);
    else if (o != NULL)
        fprintf(stderr, "vixrisk %s: --%s given twice: give each option once (try 'vixrisk %s --help')\n", cmd,
                o->name, cmd);
    else
        fprintf(stderr, "vixrisk %s: -%c given twice: give each option once (try 'vixrisk %s --help')\n", cmd, c,
                cmd);
    return 0;
}
