/* report_cmd.c: `vixrisk report RUN.h5 [-o OUT] [--format html|md|csv|json]`: parses the arguments,
 * picks the output name and format, calls vr_report_write and maps the status to an exit code
 * (0 ok, 1 runtime failure, 2 usage error). The format comes from --format, else from the -o
 * extension, else html; without -o the output is the input with its extension replaced
 * (results/alvh.h5 -> results/alvh.html); -o DIR (or DIR/) writes DIR/<input stem>.<format>. The
 * target is checked before the run file is read: never the input itself, never a non-regular file
 * (vr_outfile.h). main.c dispatches here with argv[0] = "report". */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vixrisk/vr_report.h"
#include "cli.h"

static void usage_report(FILE *out)
{
    fprintf(out,
            "usage: vixrisk report RUN.h5 [-o OUT] [--format html|md|csv|json]\n"
            "\n"
            "Writes a tail-risk report from a run file (vixrisk run) alone: run summary, per scenario\n"
            "a ranking of the policies (mean, ES95/99/99.9, VaR, P(loss > x), drawdowns, hedge premium,\n"
            "paired differences against the baseline) and charts (P&L distributions with the left tail\n"
            "magnified, ES99-vs-mean frontier, drawdowns, sample paths with hedge activations).\n"
            "\n"
            "  -o, --out PATH     output file (default: RUN with the format's extension, e.g. RUN.html),\n"
            "                     or a directory (existing, or ending in '/') to write it in; never the\n"
            "                     run file itself; an existing target must be a regular file\n"
            "  --format F         html (one self-contained page, default), md (Markdown, charts as SVG\n"
            "                     files in OUT_files/), csv (one row per scenario and policy; the\n"
            "                     trade logs, one row per fill, in OUT_trades.csv and the\n"
            "                     attribution by owner in OUT_attribution.csv beside it) or json\n"
            "                     (one object: run, verdict, scores, attribution, trade logs and\n"
            "                     the stress matrix);\n"
            "                     default: from the -o extension (.html .htm .md .markdown .csv .json)\n"
            "  -h, --help         this help\n");
    vr_cli_help_footer(out);
}

/* An existing directory, or a path ending in '/': the report goes inside, in the default format. */
static int is_dir_target(const char *path)
{
    struct stat st;
    const size_t n = strlen(path);
    return (n > 0 && path[n - 1] == '/') || (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

int vr_cmd_report(int argc, char **argv)
{
    enum { O_FORMAT = 256 };
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},
        {"format", required_argument, 0, O_FORMAT},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *out = NULL, *fmt_arg = NULL;
    optind = 1;
    opterr = 0;
    unsigned char seen[VR_CLI_SEEN] = {0}; /* (vr_cli_once) */
    for (;;) {
        const int c = getopt_long(argc, argv, "ho:", opts, NULL);
        if (c == -1)
            break;
        if (!vr_cli_once("report", opts, c, seen, NULL))
            return EXIT_USAGE;
        switch (c) {
        case 'h': usage_report(stdout); return 0;
        case 'o': out = optarg; break;
        case O_FORMAT: fmt_arg = optarg; break;
        default:
            fprintf(stderr, "vixrisk report: unknown option or missing value: %s (try 'vixrisk report --help')\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "vixrisk report: expected exactly one RUN.h5 (try 'vixrisk report --help')\n");
        return EXIT_USAGE;
    }
    const char *in = argv[optind];
    if (in[0] == '\0') { /* (as run's empty config path: a usage error, not an unreadable file) */
        fprintf(stderr, "vixrisk report: the run file's name is empty (try 'vixrisk report --help')\n");
        return EXIT_USAGE;
    }
    int fmt = VR_REPORT_HTML;
    if (fmt_arg != NULL) {
        if ((fmt = vr_report_format_parse(fmt_arg)) < 0) {
            fprintf(stderr, "vixrisk report: --format must be html, md, csv or json (got '%s')\n", fmt_arg);
            return EXIT_USAGE;
        }
    } else if (out != NULL && !is_dir_target(out)) {
        if ((fmt = vr_report_format_from_path(out)) < 0) {
            fprintf(stderr, "vixrisk report: cannot tell the format from '%s' (use .html, .md, .csv or .json, or --format)\n",
                    out);
            return EXIT_USAGE;
        }
    }
    /* default: the input's stem with the format's extension, beside it (or in -o DIR/) */
    const char *ext = vr_report_format_name((vr_report_format)fmt);
    const char *slash = strrchr(in, '/');
    const char *base = slash ? slash + 1 : in;
    const char *dot = strrchr(base, '.');
    const int stem = dot && strcmp(dot, ".h5") == 0 ? (int)(dot - base) : (int)strlen(base);
    char def_name[512];
    snprintf(def_name, sizeof def_name, "%.*s.%s", stem, base, ext);
    char def_out[4096];
    if (out == NULL) {
        snprintf(def_out, sizeof def_out, "%.*s%s", (int)(base - in), in, def_name);
        out = def_out;
    }
    vr_outfile of;
    const char *inputs[1] = {in};
    const int prc = vr_cli_prepare_out(&of, "report", out, def_name, inputs, 1);
    if (prc != 0)
        return prc;
    /* Markdown's charts go to the directory "<stem>_files" beside the page: a name too long for
     * it is a usage error found here, before the run file is read (it failed at the mkdir, exit 1) */
    if (fmt == VR_REPORT_MD) {
        const char *fs = strrchr(of.final, '/');
        const char *fb = fs ? fs + 1 : of.final;
        const char *fd = strrchr(fb, '.');
        const size_t dlen = (fd && fd != fb ? (size_t)(fd - fb) : strlen(fb)) + strlen("_files");
        if (dlen > NAME_MAX) {
            fprintf(stderr, "vixrisk report: %.60s...: the chart directory's name (the page's stem and "
                    "\"_files\") is %zu bytes long, more than the %d a file name may have\n",
                    of.final, dlen, NAME_MAX);
            vr_outfile_abort(&of);
            return EXIT_USAGE;
        }
    }
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_report_write(in, of.final, (vr_report_format)fmt, &err);
    if (st != VR_OK) {
        /* the library's messages name their module ("report: ..."), as "vixrisk report: " does
         * already: one prefix is enough */
        static const char lib[] = "report: ";
        if (strncmp(err.msg, lib, sizeof lib - 1) == 0)
            memmove(err.msg, err.msg + sizeof lib - 1, strlen(err.msg) - (sizeof lib - 1) + 1);
        return vr_cli_fail("report", st, &err);
    }
    printf("wrote %s\n", of.final);
    if (fmt == VR_REPORT_CSV) {
        char tp[VR_OUTFILE_PATH_MAX + 24];
        vr_report_trades_path(of.final, tp, sizeof tp);
        printf("wrote %s (trade logs)\n", tp);
        vr_report_attribution_path(of.final, tp, sizeof tp);
        printf("wrote %s (attribution by owner)\n", tp);
    }
    return 0;
}
