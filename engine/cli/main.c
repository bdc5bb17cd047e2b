/* main.c: the vixrisk command line. Parses arguments, builds the request, calls the library and
 * maps the status to an exit code: 0 success, 1 runtime failure, 2 usage or configuration error.
 * --help prints to stdout (exit 0); errors go to stderr. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <unistd.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_config.h"
#include "vixrisk/vr_price.h"
#include "vixrisk/vr_report.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vk.h"

#define EXIT_USAGE 2

static const char *prog = "vixrisk";

static void usage_top(FILE *out)
{
    fprintf(out,
            "usage: vixrisk <command> [options]\n"
            "\n"
            "SIMD Monte Carlo engine for SPX/VIX stochastic-volatility models.\n"
            "\n"
            "commands:\n"
            "  run       evaluate hedge policies on simulated paths, write scores to HDF5\n"
            "  check     validate a run file without running it\n"
            "  report    tail-risk report (HTML, Markdown, CSV) from a run file\n"
            "  calibrate estimate physical model parameters from history; realism report\n"
            "  price     Monte Carlo price of a European SPX or VIX option next to its direct price\n"
            "\n"
            "options:\n"
            "  -h, --help      this help (also: vixrisk <command> --help)\n"
            "  -V, --version   version, build and the ISAs this CPU runs\n"
            "\n"
            "environment:\n"
            "  VIXRISK_ISA     scalar|avx2|avx512: force a kernel set (as --isa)\n");
}

static void usage_price(FILE *out)
{
    fprintf(out,
            "usage: vixrisk price --model FILE.yaml --strike K --expiry T [options]\n"
            "\n"
            "Prices a European option by Monte Carlo under the model's pricing parameters and\n"
            "prints it with its standard error and the model's semi-analytic price.\n"
            "\n"
            "  --model FILE          model file (schema: docs/config.md)\n"
            "  --underlying U        spx (default) or vix\n"
            "  --option O            call (default), put, or future (vix only)\n"
            "  --strike K            strike, > 0 (index points; not needed for a future)\n"
            "  --expiry T            time to expiry in years, in (0, 50]\n"
            "  --paths N             number of paths, >= 1 (default 1000000)\n"
            "  --steps-per-year M    time steps per year, in [1, 1000000] (default 252)\n"
            "  --scheme S            qe (default, Andersen 2008) or euler (full truncation)\n"
            "  --seed S              run seed, unsigned 64-bit (default 1)\n"
            "  --threads T           OpenMP threads, 0 = all cores (default 0)\n"
            "  --isa I               scalar, avx2 or avx512 (default: best this CPU runs)\n"
            "  --json                print one JSON object\n"
            "  -h, --help            this help\n");
}

static int parse_double(const char *opt, const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    const double x = strtod(s, &end);
    if (s[0] == '\0' || *end != '\0' || errno == ERANGE || !isfinite(x)) {
        fprintf(stderr, "%s: %s: expected a number, got '%s'\n", prog, opt, s);
        return 0;
    }
    *out = x;
    return 1;
}

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (s[0] == '-' || s[0] == '\0') {
        fprintf(stderr, "%s: %s: expected a whole number in [%llu, %llu], got '%s'\n", prog, opt,
                (unsigned long long)lo, (unsigned long long)hi, s);
        return 0;
    }
    const unsigned long long x = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || x < lo || x > hi) {
        fprintf(stderr, "%s: %s: expected a whole number in [%llu, %llu], got '%s'\n", prog, opt,
                (unsigned long long)lo, (unsigned long long)hi, s);
        return 0;
    }
    *out = x;
    return 1;
}

/* --isa, else VIXRISK_ISA, else the best available. */
static const vk_table *pick_isa(const char *isa)
{
    const char *src = "--isa";
    if (isa == NULL || isa[0] == '\0') {
        isa = getenv("VIXRISK_ISA");
        src = "VIXRISK_ISA";
    }
    const vk_table *t = vk_select(isa);
    if (t == NULL) {
        const char *names[3];
        const int n = vk_available(names, 3);
        fprintf(stderr, "%s: %s=%s: unknown ISA or not supported by this CPU (available:", prog, src, isa);
        for (int i = 0; i < n; i++)
            fprintf(stderr, " %s", names[i]);
        fprintf(stderr, ")\n");
    }
    return t;
}

static void json_num(FILE *out, const char *key, double x, int comma)
{
    if (isfinite(x))
        fprintf(out, "\"%s\": %.12g%s", key, x, comma ? ", " : "");
    else
        fprintf(out, "\"%s\": null%s", key, comma ? ", " : "");
}

static int cmd_price(int argc, char **argv)
{
    enum { O_MODEL = 256, O_UNDER, O_OPTION, O_STRIKE, O_EXPIRY, O_PATHS, O_SPY, O_SCHEME, O_SEED,
           O_THREADS, O_ISA, O_JSON };
    static const struct option opts[] = {
        {"model", required_argument, 0, O_MODEL},   {"underlying", required_argument, 0, O_UNDER},
        {"option", required_argument, 0, O_OPTION}, {"strike", required_argument, 0, O_STRIKE},
        {"expiry", required_argument, 0, O_EXPIRY}, {"paths", required_argument, 0, O_PATHS},
        {"steps-per-year", required_argument, 0, O_SPY},
        {"scheme", required_argument, 0, O_SCHEME}, {"seed", required_argument, 0, O_SEED},
        {"threads", required_argument, 0, O_THREADS}, {"isa", required_argument, 0, O_ISA},
        {"json", no_argument, 0, O_JSON},           {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *model_file = NULL, *isa = NULL;
    vr_price_req req;
    memset(&req, 0, sizeof req);
    req.paths = 1000000;
    req.steps_per_year = 252;
    req.seed = 1;
    req.strike = NAN;
    req.expiry = NAN;
    int json = 0;
    uint64_t u;
    optind = 1;
    opterr = 0;
    for (;;) {
        const int c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'h': usage_price(stdout); return 0;
        case O_MODEL: model_file = optarg; break;
        case O_UNDER:
            if (strcmp(optarg, "spx") == 0) req.underlying = VR_UNDERLYING_SPX;
            else if (strcmp(optarg, "vix") == 0) req.underlying = VR_UNDERLYING_VIX;
            else { fprintf(stderr, "%s: --underlying must be spx or vix (got '%s')\n", prog, optarg); return EXIT_USAGE; }
            break;
        case O_OPTION:
            if (strcmp(optarg, "call") == 0) req.option = VR_OPTION_CALL;
            else if (strcmp(optarg, "put") == 0) req.option = VR_OPTION_PUT;
            else if (strcmp(optarg, "future") == 0) req.option = VR_OPTION_FUTURE;
            else { fprintf(stderr, "%s: --option must be call, put or future (got '%s')\n", prog, optarg); return EXIT_USAGE; }
            break;
        case O_STRIKE: if (!parse_double("--strike", optarg, &req.strike)) return EXIT_USAGE; break;
        case O_EXPIRY: if (!parse_double("--expiry", optarg, &req.expiry)) return EXIT_USAGE; break;
        case O_PATHS:
            if (!parse_u64("--paths", optarg, 1, 10000000000ULL, &u)) return EXIT_USAGE;
            req.paths = (size_t)u;
            break;
        case O_SPY:
            if (!parse_u64("--steps-per-year", optarg, 1, 1000000, &u)) return EXIT_USAGE;
            req.steps_per_year = (size_t)u;
            break;
        case O_SCHEME:
            if (strcmp(optarg, "qe") == 0) req.scheme = VR_SCHEME_QE;
            else if (strcmp(optarg, "euler") == 0) req.scheme = VR_SCHEME_EULER;
            else { fprintf(stderr, "%s: --scheme must be qe or euler (got '%s')\n", prog, optarg); return EXIT_USAGE; }
            break;
        case O_SEED: if (!parse_u64("--seed", optarg, 0, UINT64_MAX, &req.seed)) return EXIT_USAGE; break;
        case O_THREADS:
            if (!parse_u64("--threads", optarg, 0, 4096, &u)) return EXIT_USAGE;
            req.threads = (int)u;
            break;
        case O_ISA: isa = optarg; break;
        case O_JSON: json = 1; break;
        case '?':
        default:
            if (optopt)
                fprintf(stderr, "%s price: option needs a value or is unknown: %s\n", prog, argv[optind - 1]);
            else
                fprintf(stderr, "%s price: unknown option %s\n", prog, argv[optind - 1]);
            fprintf(stderr, "try 'vixrisk price --help'\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s price: unexpected argument '%s'\n", prog, argv[optind]);
        return EXIT_USAGE;
    }
    if (model_file == NULL) {
        fprintf(stderr, "%s price: --model FILE is required (try 'vixrisk price --help')\n", prog);
        return EXIT_USAGE;
    }
    if (isnan(req.expiry)) {
        fprintf(stderr, "%s price: --expiry T is required\n", prog);
        return EXIT_USAGE;
    }
    if (isnan(req.strike)) {
        if (req.option != VR_OPTION_FUTURE) {
            fprintf(stderr, "%s price: --strike K is required\n", prog);
            return EXIT_USAGE;
        }
        req.strike = 0;
    }
    if ((req.kt = pick_isa(isa)) == NULL)
        return EXIT_USAGE;
    vr_err err = {VR_OK, ""};
    vr_status st = vr_model_load(model_file, &req.model, &err);
    if (st != VR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return vr_status_exit_code(st);
    }
    vr_price_result res;
    st = vr_price(&req, &res, &err);
    if (st != VR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return vr_status_exit_code(st);
    }
    const int threads = req.threads > 0 ? req.threads : omp_get_max_threads();
    const char *und = req.underlying == VR_UNDERLYING_SPX ? "spx" : "vix";
    const char *opt = req.option == VR_OPTION_CALL ? "call" : req.option == VR_OPTION_PUT ? "put" : "future";
    if (json) {
        printf("{\"underlying\": \"%s\", \"option\": \"%s\", \"model\": \"%s\", ", und, opt,
               vr_model_type_name(req.model.type));
        json_num(stdout, "strike", req.strike, 1);
        json_num(stdout, "expiry", req.expiry, 1);
        printf("\"paths\": %zu, \"steps\": %zu, \"scheme\": \"%s\", \"seed\": %llu, ", req.paths,
               res.steps, req.scheme == VR_SCHEME_QE ? "qe" : "euler", (unsigned long long)req.seed);
        json_num(stdout, "mc", res.mc, 1);
        json_num(stdout, "se", res.se, 1);
        json_num(stdout, "analytic", res.analytic, 1);
        if (isfinite(res.surface))
            json_num(stdout, "surface", res.surface, 1);
        if (isfinite(res.z))
            json_num(stdout, "z", res.z, 1);
        printf("\"isa\": \"%s\", \"threads\": %d, ", req.kt->isa, threads);
        json_num(stdout, "seconds", res.seconds, 0);
        printf("}\n");
    } else {
        printf("%s %s %s, strike %g, expiry %g y: %zu paths x %zu steps (%s, %s, %d threads, %.2f s)\n",
               vr_model_type_name(req.model.type), und, opt, req.strike, req.expiry, req.paths,
               res.steps, req.scheme == VR_SCHEME_QE ? "qe" : "euler", req.kt->isa, threads,
               res.seconds);
        printf("  monte carlo   %.6f  (se %.6f)\n", res.mc, res.se);
        if (isfinite(res.z))
            printf("  analytic      %.6f  (mc - analytic = %.2f se)\n", res.analytic, res.z);
        else
            printf("  analytic      %.6f\n", res.analytic);
        if (isfinite(res.surface))
            printf("  surface       %.6f\n", res.surface);
    }
    return 0;
}

static void usage_run(FILE *out)
{
    fprintf(out,
            "usage: vixrisk run CONFIG.yaml [-o OUT.h5] [--paths N] [--seed S] [--threads T] [--isa I] [--data DIR] [--quiet]\n"
            "       vixrisk check CONFIG.yaml [--data DIR] [--paths N]\n"
            "\n"
            "Evaluates every policy of every scenario on the same simulated paths and writes per-path\n"
            "P&L, drawdowns, hedge costs and the scores to one HDF5 file (layout: docs/hdf5.md), then\n"
            "prints a ranking table. The file is written under a temporary name and renamed at the end.\n"
            "\n"
            "  -o, --out FILE     output file (default: results/<config name>.h5)\n"
            "  --paths N          override simulation.paths, >= 1\n"
            "  --seed S           override simulation.seed\n"
            "  --threads T        override simulation.threads (0 = all cores)\n"
            "  --isa I            scalar, avx2 or avx512 (default: best this CPU runs)\n"
            "  --quiet            no progress bar\n"
            "  --data DIR         history data directory of scenarios without `data:` (default:\n"
            "                     $VIXRISK_DATA, then ../shared/data)\n"
            "  -h, --help         this help\n");
}

static void on_signal(int sig)
{
    vr_run_abort_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int cmd_run(int argc, char **argv, int check_only)
{
    enum { O_PATHS = 256, O_SEED, O_THREADS, O_ISA, O_QUIET, O_DATA };
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},       {"paths", required_argument, 0, O_PATHS},
        {"seed", required_argument, 0, O_SEED},   {"threads", required_argument, 0, O_THREADS},
        {"isa", required_argument, 0, O_ISA},     {"quiet", no_argument, 0, O_QUIET},
        {"data", required_argument, 0, O_DATA},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0},
    };
    const char *out = NULL, *isa = NULL, *data = NULL;
    uint64_t paths = 0, seed = 0, threads = 0;
    int set_paths = 0, set_seed = 0, set_threads = 0, quiet = 0;
    optind = 1;
    opterr = 0;
    for (;;) {
        const int c = getopt_long(argc, argv, "ho:", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'h': usage_run(stdout); return 0;
        case 'o': out = optarg; break;
        case O_PATHS: if (!parse_u64("--paths", optarg, 1, 10000000000ULL, &paths)) return EXIT_USAGE; set_paths = 1; break;
        case O_SEED: if (!parse_u64("--seed", optarg, 0, UINT64_MAX, &seed)) return EXIT_USAGE; set_seed = 1; break;
        case O_THREADS: if (!parse_u64("--threads", optarg, 0, 4096, &threads)) return EXIT_USAGE; set_threads = 1; break;
        case O_ISA: isa = optarg; break;
        case O_QUIET: quiet = 1; break;
        case O_DATA: data = optarg; break;
        default:
            fprintf(stderr, "%s %s: unknown option or missing value: %s (try 'vixrisk run --help')\n", prog,
                    check_only ? "check" : "run", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "%s %s: expected exactly one CONFIG.yaml (try 'vixrisk run --help')\n", prog,
                check_only ? "check" : "run");
        return EXIT_USAGE;
    }
    const char *file = argv[optind];
    const vk_table *kt = pick_isa(isa);
    if (kt == NULL)
        return EXIT_USAGE;
    vr_run_cfg cfg;
    vr_err err = {VR_OK, ""};
    const vr_run_load_opts lo = {data, set_paths ? (size_t)paths : 0, stderr};
    vr_status st = vr_run_load_ex(file, &lo, &cfg, &err);
    if (st != VR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return vr_status_exit_code(st);
    }
    if (set_paths) cfg.spec.paths = (size_t)paths;
    if (set_seed) cfg.spec.seed = seed;
    if (set_threads) cfg.spec.threads = (int)threads;
    cfg.spec.kt = kt;
    if (check_only) {
        printf("%s: ok: %d scenario(s), %d policies, %zu paths x %d days\n", file, cfg.spec.nscen,
               cfg.spec.npol, cfg.spec.paths, cfg.spec.horizon_days);
        vr_run_cfg_free(&cfg);
        return 0;
    }
    char def_out[1024];
    if (out == NULL) {
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        const char *dot = strrchr(base, '.');
        snprintf(def_out, sizeof def_out, "results/%.*s.h5", dot ? (int)(dot - base) : (int)strlen(base), base);
        out = def_out;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    const vr_run_opts ro = {out, quiet, stdout};
    const double t0 = omp_get_wtime();
    st = vr_run_execute(&cfg, &ro, &err);
    vr_run_cfg_free(&cfg);
    if (st != VR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return vr_status_exit_code(st);
    }
    printf("\nwrote %s (%.1f s)\n", out, omp_get_wtime() - t0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_top(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage_top(stdout);
        return 0;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        const char *names[3];
        const int n = vk_available(names, 3);
        printf("vixrisk %s (%s)\nISAs on this CPU:", VIXRISK_VERSION, VIXRISK_GIT);
        for (int i = 0; i < n; i++)
            printf(" %s", names[i]);
        printf("\n");
        return 0;
    }
    if (strcmp(cmd, "price") == 0)
        return cmd_price(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1, 0);
    if (strcmp(cmd, "check") == 0)
        return cmd_run(argc - 1, argv + 1, 1);
    if (strcmp(cmd, "report") == 0)
        return vr_cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "calibrate") == 0)
        return vr_cmd_calibrate(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command '%s' (try 'vixrisk --help')\n", prog, cmd);
    return EXIT_USAGE;
}
