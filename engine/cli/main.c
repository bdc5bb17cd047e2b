/* main.c: the vixrisk command line. Parses arguments, builds the request, calls the library and
 * maps the status to an exit code: 0 success, 1 runtime failure, 2 usage or configuration error,
 * 128+N when killed by signal N (the partial output removed first: cli.c). --help prints to stdout
 * (exit 0); errors go to stderr. Output targets are checked before any work (vr_outfile.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <getopt.h>
#include <limits.h>
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
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model_info.h"
#include "vixrisk/vr_price.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vr_report.h"
#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_surface.h"
#ifdef VIXRISK_MPI
#include "vixrisk/vr_mpi.h"
#endif
#include "vixrisk/vk.h"
#include "cli.h"

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
            "  report    tail-risk report (HTML, Markdown, CSV, JSON) from a run file\n"
            "  calibrate estimate model parameters from history (physical; pricing too with\n"
            "            --measure pricing); realism report\n"
            "  price     Monte Carlo price of a European SPX or VIX option next to its direct price\n"
            "  model     what a model implies at its state (VIX family, futures, SPX vols, VVIX)\n"
            "\n"
            "options:\n"
            "  -h, --help      this help (also: vixrisk <command> --help)\n"
            "  -V, --version   version, build and the ISAs this CPU runs (--version also after a command)\n");
    vr_cli_help_footer(out);
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
            "  --strike K            strike in index points (none for a future): spx in\n"
            "                        [1e-4, 1e4] x spot (beyond, the price is 0 or the discounted\n"
            "                        forward less the strike to every digit shown); vix in (0, 10000]\n"
            "                        (svcj2: (0, 1000)), the direct VIX pricers' range\n"
            "  --expiry T            time to expiry in years, the direct pricers' range: spx in\n"
            "                        [1e-8, 50] (svcj2: [1e-8, 30]); vix (options and futures) in\n"
            "                        [1e-8, 10] (svcj2 options: [1e-5, 10])\n"
            "  --paths N             number of paths, [1, 1e10] (default 1000000)\n"
            "  --steps-per-year M    time steps per year, in [1, 1000000] (default 252)\n"
            "  --scheme S            qe (default, Andersen 2008) or euler (full truncation;\n"
            "                        heston, bates, svcj: svcj2 has qe only)\n"
            "  --fast-log            path kernels with a 3.5-ulp log instead of the 1-ulp one: faster\n"
            "                        paths whose numbers differ in the last bits (docs/numerics.md)\n"
            "  --precision P         double (default) or single: the QE step in float on twice the\n"
            "                        lanes, other random numbers (heston, bates, svcj with --scheme\n"
            "                        qe; svcj2 has double only; docs/numerics.md)\n"
            "  --seed S              run seed, unsigned 64-bit (default 1)\n"
            "  --threads T           OpenMP threads, 0 = all cores (default 0)\n"
            "  --isa I               scalar, avx2 or avx512 (default: best this CPU runs)\n"
            "  --asof DATE           start from that date's market: spot = SPX close, v0 (and m0)\n"
            "                        backed out of the VIX (and VIX3M) under the pricing parameters\n"
            "                        (printed; in JSON as \"asof\"); the strike stays in index points\n"
            "  --data DIR            data directory for --asof (default: $VIXRISK_DATA, then\n"
            "                        ../shared/data)\n"
            "  --no-surface          skip the pricing tables and their price (\"surface\": how a run\n"
            "                        marks the option, to the tables' accuracy: a run's tables\n"
            "                        span its own expiries, these a year, so the last digits\n"
            "                        differ); the asked underlying's tables take\n"
            "                        seconds (svcj2: up to a minute).\n"
            "                        Beyond |ln(K/F)|/sqrt(T) = 4 their vol is flat: the output then\n"
            "                        gives that k (JSON: \"surface_k\")\n"
            "  --json                print one JSON object\n"
            "  -h, --help            this help\n");
    vr_cli_help_footer(out);
}

/* A decimal number (vr_parse_decimal, as configs and data files are read: strtod alone took
 * "0x64" for 100, " 100" and "inf"). One too small or too large for a double (1e-400, 1e999) is
 * still a number: it comes back as 0 or +-inf, and the option's range check refuses it quoting the
 * text. */
static int parse_double(const char *opt, const char *s, double *out)
{
    double x = 0;
    const int rc = vr_parse_decimal(s, &x);
    if (rc == 0) {
        fprintf(stderr, "%s: %s: expected a number, got '%s' (decimal digits: no hex, blanks, inf or nan)\n", prog, opt, s);
        return 0;
    }
    *out = rc == 1 ? x : strtod(s, NULL); /* (2, 3: the underflow or overflow, 0 or +-inf) */
    return 1;
}

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    /* digits only: strtoull skips leading blanks and wraps a negative number (" -1" read as
     * 2^64 - 1, a seed nobody asked for) */
    if (!(s[0] >= '0' && s[0] <= '9')) {
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

/* --isa, else VIXRISK_ISA, else the best available; NULL with why in msg (cap bytes). */
static const vk_table *pick_isa_msg(const char *isa, char *msg, size_t cap)
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
        size_t len = (size_t)snprintf(msg, cap, "%s=%s: unknown ISA or not supported by this CPU (available:",
                                      src, isa ? isa : "");
        for (int i = 0; i < n && len < cap; i++)
            len += (size_t)snprintf(msg + len, cap - len, " %s", names[i]);
        if (len < cap)
            snprintf(msg + len, cap - len, ")");
    }
    return t;
}

/* The same, saying why on stderr. */
static const vk_table *pick_isa(const char *isa)
{
    char msg[256];
    const vk_table *t = pick_isa_msg(isa, msg, sizeof msg);
    if (t == NULL)
        fprintf(stderr, "%s: %s\n", prog, msg);
    return t;
}

/* "key": x in the fewest digits (6 to 17) that read back to the same double (vr_num_str: %.12g
 * did not, so mc, se and analytic lost their last digits and "strike" was not the typed one), or
 * null when x is not finite. */
static void json_num(FILE *out, const char *key, double x, int comma)
{
    char b[VR_NUM_STR];
    if (isfinite(x))
        fprintf(out, "\"%s\": %s%s", key, vr_num_str(x + 0.0, b), comma ? ", " : ""); /* (+ 0.0: no "-0") */
    else
        fprintf(out, "\"%s\": null%s", key, comma ? ", " : "");
}

/* The inputs of `price` the direct pricers would refuse (or could not price), refused before the
 * Monte Carlo runs (it may take minutes) as usage errors naming the option. The expiry limits are
 * the pricers' own: vr_price takes [VR_PRICE_EXPIRY_MIN, 50] years; svcj2's SPX pricer (svcj2_cf.c) (0, 30]; the
 * one-factor VIX pricer (vix_pricer.c) and svcj2's (svcj2_vix.c) (0, 10], svcj2's VIX options
 * from VR_SVCJ2_VIX_OPTION_TMIN (1e-5) years; VIX strikes (0, 10000]
 * and, svcj2, (0, 1000). An SPX strike is bounded relative to the spot: within [1e-4, 1e4] x spot
 * the option is all the way from forward-like to worthless, beyond it the price is those limits to
 * every digit printed, and far beyond it (K/F past 1e308, or a forward that underflows) the direct
 * pricer's log-moneyness is not even finite. strike_s and expiry_s are the options as typed.
 * Returns 0, or EXIT_USAGE after printing why. */
#define PRICE_SPX_K_REL 1e4
static int price_inputs_check(const vr_price_req *req, const char *strike_s, const char *expiry_s)
{
    const int vix = req->underlying == VR_UNDERLYING_VIX, s2 = req->model.type == VR_MODEL_SVCJ2;
    const char *mname = vr_model_type_name(req->model.type);
    const double tmax = vix ? 10.0 : s2 ? 30.0 : 50.0;
    if (req->option == VR_OPTION_FUTURE && !vix) {
        fprintf(stderr, "%s price: --option future needs --underlying vix\n", prog);
        return EXIT_USAGE;
    }
    if (!(req->expiry >= VR_PRICE_EXPIRY_MIN && req->expiry <= tmax)) {
        fprintf(stderr, "%s price: --expiry must be in [%g, %g] years for --underlying %s under a %s "
                "model (the direct pricer's range, from about a third of a second, below which the "
                "path step loses its precision; got %s)\n", prog, VR_PRICE_EXPIRY_MIN, tmax,
                vix ? "vix" : "spx", mname, expiry_s);
        return EXIT_USAGE;
    }
    if (req->option == VR_OPTION_FUTURE)
        return 0;
    if (vix && s2 && req->expiry < VR_SVCJ2_VIX_OPTION_TMIN) {
        fprintf(stderr, "%s price: --expiry must be in [%g, %g] years for a vix option under a %s "
                "model (the direct pricer's range: below about 5 minutes it cannot resolve the "
                "VIX's law; got %s)\n", prog, VR_SVCJ2_VIX_OPTION_TMIN, tmax, mname, expiry_s);
        return EXIT_USAGE;
    }
    char lo[VR_NUM_STR], hi[VR_NUM_STR], sp[VR_NUM_STR];
    if (vix) {
        const int ok = s2 ? req->strike > 0 && req->strike < 1000 : req->strike > 0 && req->strike <= 10000;
        if (!ok) {
            fprintf(stderr, "%s price: --strike must be in (0, %s index points for --underlying vix "
                    "under a %s model (the direct pricer's range; got %s)\n", prog,
                    s2 ? "1000)" : "10000]", mname, strike_s);
            return EXIT_USAGE;
        }
        return 0;
    }
    const double S = req->model.spot;
    /* (a last-bit slack: the bounds as typed, spot/1e4 in decimal, may read a bit off the
     * computed ones and were refused) */
    if (!(req->strike >= S / PRICE_SPX_K_REL * (1 - 1e-12) && req->strike <= S * PRICE_SPX_K_REL * (1 + 1e-12))) {
        fprintf(stderr, "%s price: --strike must be in [%s, %s] index points for --underlying spx: "
                "1e-4 to 1e4 times the spot %s (got %s)\n", prog, vr_num_str(S / PRICE_SPX_K_REL, lo),
                vr_num_str(S * PRICE_SPX_K_REL, hi), vr_num_str(S, sp), strike_s);
        return EXIT_USAGE;
    }
    /* a model file may hold a spot near the smallest double: its forward can underflow */
    const double F = S * exp((req->model.rate - req->model.dividend) * req->expiry);
    if (!(F >= DBL_MIN && F <= DBL_MAX)) {
        char fs[VR_NUM_STR];
        fprintf(stderr, "%s price: the forward spot * exp((rate - dividend) * expiry) = %s is not a "
                "normal positive number (spot %s, rate %g, dividend %g, --expiry %s): no price can be "
                "computed for it\n", prog, vr_num_str(F, fs), vr_num_str(S, sp), req->model.rate,
                req->model.dividend, expiry_s);
        return EXIT_USAGE;
    }
    return 0;
}

/* A price on the console: 6 decimals (index points), or 10 significant digits from 1e9 on (a put
 * struck at 1e4 x spot under a negative rate is worth ~1e30: no 40-digit lines). */
static const char *price_str(double x, char *buf)
{
    snprintf(buf, 40, fabs(x) < 1e9 ? "%.6f" : "%.10g", x);
    if (strcmp(buf, "-0.000000") == 0) /* a difference of rounding noise */
        memmove(buf, buf + 1, strlen(buf));
    return buf;
}

static int cmd_price(int argc, char **argv)
{
    enum { O_MODEL = 256, O_UNDER, O_OPTION, O_STRIKE, O_EXPIRY, O_PATHS, O_SPY, O_SCHEME, O_SEED,
           O_THREADS, O_ISA, O_JSON, O_ASOF, O_DATA, O_NO_SURFACE, O_FAST_LOG, O_PRECISION };
    static const struct option opts[] = {
        {"model", required_argument, 0, O_MODEL},   {"underlying", required_argument, 0, O_UNDER},
        {"option", required_argument, 0, O_OPTION}, {"strike", required_argument, 0, O_STRIKE},
        {"expiry", required_argument, 0, O_EXPIRY}, {"paths", required_argument, 0, O_PATHS},
        {"steps-per-year", required_argument, 0, O_SPY},
        {"scheme", required_argument, 0, O_SCHEME}, {"seed", required_argument, 0, O_SEED},
        {"threads", required_argument, 0, O_THREADS}, {"isa", required_argument, 0, O_ISA},
        {"json", no_argument, 0, O_JSON},           {"help", no_argument, 0, 'h'},
        {"asof", required_argument, 0, O_ASOF},     {"data", required_argument, 0, O_DATA},
        {"no-surface", no_argument, 0, O_NO_SURFACE}, {"fast-log", no_argument, 0, O_FAST_LOG},
        {"precision", required_argument, 0, O_PRECISION},
        {0, 0, 0, 0},
    };
    const char *model_file = NULL, *isa = NULL, *data = NULL, *strike_s = NULL, *expiry_s = NULL;
    int32_t asof = 0;
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
    unsigned char seen[VR_CLI_SEEN] = {0}; /* (vr_cli_once) */
    for (;;) {
        const int c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        if (!vr_cli_once("price", opts, c, seen, NULL))
            return EXIT_USAGE;
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
        case O_ASOF: if (!vr_cli_parse_asof("price", optarg, &asof)) return EXIT_USAGE; break;
        case O_DATA: if (!vr_cli_parse_data("price", optarg)) return EXIT_USAGE; data = optarg; break;
        case O_STRIKE:
            if (!parse_double("--strike", optarg, &req.strike)) return EXIT_USAGE;
            strike_s = optarg;
            break;
        case O_EXPIRY:
            if (!parse_double("--expiry", optarg, &req.expiry)) return EXIT_USAGE;
            expiry_s = optarg;
            break;
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
        case O_FAST_LOG: req.fast_log = 1; break;
        case O_PRECISION:
            if (strcmp(optarg, "double") == 0) req.single = 0;
            else if (strcmp(optarg, "single") == 0) req.single = 1;
            else { fprintf(stderr, "%s: --precision must be double or single (got '%s')\n", prog, optarg); return EXIT_USAGE; }
            break;
        case O_SEED: if (!parse_u64("--seed", optarg, 0, UINT64_MAX, &req.seed)) return EXIT_USAGE; break;
        case O_THREADS:
            if (!parse_u64("--threads", optarg, 0, VR_CLI_MAX_THREADS, &u)) return EXIT_USAGE;
            req.threads = (int)u;
            break;
        case O_ISA: isa = optarg; break;
        case O_JSON: json = 1; break;
        case O_NO_SURFACE: req.no_surface = 1; break;
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
    if (req.fast_log && req.single) { /* (as simulation.fast_log with precision: single) */
        fprintf(stderr, "%s price: --fast-log changes nothing with --precision single (the float step has "
                "its own log): leave it out\n", prog);
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
    } else if (req.option == VR_OPTION_FUTURE) { /* (it was ignored without a word) */
        fprintf(stderr, "%s price: --strike is not an input of --option future (a future has no strike)\n", prog);
        return EXIT_USAGE;
    }
    if ((req.kt = pick_isa(isa)) == NULL)
        return EXIT_USAGE;
    if (data != NULL && asof == 0) {
        fprintf(stderr, "%s price: --data is only used with --asof\n", prog);
        return EXIT_USAGE;
    }
    vr_err err = {VR_OK, ""};
    vr_status st = vr_model_load(model_file, &req.model, &err);
    if (st != VR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return vr_status_exit_code(st);
    }
    /* --asof: spot and factors from that day's market (the data are input: errors are exit 2) */
    vr_market_day mk;
    double x0[VR_FACTORS_MAX] = {0};
    if (asof > 0) {
        char ds[16];
        const char *dir = data != NULL && data[0] != '\0' ? data : vr_history_default_dir();
        if (dir == NULL) {
            fprintf(stderr, "%s price: --asof %s needs the data: --data DIR, VIXRISK_DATA or "
                    "../shared/data (files as described in docs/config.md)\n", prog,
                    vr_history_format_date(asof, ds));
            return EXIT_USAGE;
        }
        if ((st = vr_market_day_load(dir, asof, &mk, &err)) != VR_OK ||
            (st = vr_model_start_at_market(&req.model, &mk, x0, &err)) != VR_OK) {
            fprintf(stderr, "%s price: --asof %s: %s\n", prog, vr_history_format_date(asof, ds), err.msg);
            return st == VR_ENOMEM ? 1 : EXIT_USAGE;
        }
    }
    if (price_inputs_check(&req, strike_s, expiry_s) != 0)
        return EXIT_USAGE;
    vr_price_result res;
    st = vr_price(&req, &res, &err);
    const char *und = req.underlying == VR_UNDERLYING_SPX ? "spx" : "vix";
    const char *opt = req.option == VR_OPTION_CALL ? "call" : req.option == VR_OPTION_PUT ? "put" : "future";
    if (st == VR_ENUM && isfinite(res.analytic)) {
        /* the direct price was computed (it comes first), the simulation failed: say which */
        char sp[VR_NUM_STR];
        fprintf(stderr, "%s price: the Monte Carlo of the %s %s %s (spot %s, strike %s, expiry %s "
                "years, rate %g, dividend %g) failed, so there is no Monte Carlo price to show next "
                "to the direct price %s\n", prog, vr_model_type_name(req.model.type), und, opt,
                vr_num_str(req.model.spot, sp), req.option == VR_OPTION_FUTURE ? "none" : strike_s,
                expiry_s, req.model.rate, req.model.dividend, price_str(res.analytic, (char[40]){0}));
        fprintf(stderr, "%s price: the simulation reports: %s\n", prog, err.msg);
        return vr_status_exit_code(st);
    }
    if (st == VR_ENUM) { /* the direct pricer's own words follow, on a line of their own */
        char sp[VR_NUM_STR];
        fprintf(stderr, "%s price: the direct price of the %s %s %s (spot %s, strike %s, expiry %s "
                "years, rate %g, dividend %g) could not be computed to its tolerance, so there is "
                "nothing to compare the Monte Carlo with\n", prog, vr_model_type_name(req.model.type),
                und, opt, vr_num_str(req.model.spot, sp), req.option == VR_OPTION_FUTURE ? "none" : strike_s,
                expiry_s, req.model.rate, req.model.dividend);
        fprintf(stderr, "%s price: the pricer reports: %s\n", prog, err.msg);
        return vr_status_exit_code(st);
    }
    if (st != VR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return vr_status_exit_code(st);
    }
    if (!isfinite(res.mc) || !isfinite(res.se)) {
        fprintf(stderr, "%s price: the Monte Carlo price is not finite (a path's payoff overflowed: "
                "spot %g, strike %s, expiry %s years)\n", prog, req.model.spot,
                req.option == VR_OPTION_FUTURE ? "none" : strike_s, expiry_s);
        return 1;
    }
    const int threads = req.threads > 0 ? req.threads : omp_get_max_threads();
    /* the distance in standard errors needs a spread: with none (one path, or every path paid the
     * same) the difference itself is shown and the reason given */
    const char *no_z = isfinite(res.z) ? NULL
                       : res.se == 0 ? (req.paths == 1 ? "the Monte Carlo standard error is 0 (one path)"
                                                       : "the Monte Carlo standard error is 0 (every path "
                                                         "paid the same)")
                                     : "the Monte Carlo standard error is too small to divide by";
    if (json) {
        printf("{\"underlying\": \"%s\", \"option\": \"%s\", \"model\": \"%s\", ", und, opt,
               vr_model_type_name(req.model.type));
        if (req.option != VR_OPTION_FUTURE) /* (a future has none: --strike is not read) */
            json_num(stdout, "strike", req.strike, 1);
        json_num(stdout, "expiry", req.expiry, 1);
        printf("\"paths\": %zu, \"steps\": %zu, \"scheme\": \"%s\", \"seed\": %llu, ", req.paths,
               res.steps, req.scheme == VR_SCHEME_QE ? "qe" : "euler", (unsigned long long)req.seed);
        if (req.fast_log) /* only when set: outputs without the option keep their bytes */
            printf("\"fast_log\": true, ");
        if (req.single) /* likewise */
            printf("\"precision\": \"single\", ");
        json_num(stdout, "mc", res.mc, 1);
        json_num(stdout, "se", res.se, 1);
        json_num(stdout, "analytic", res.analytic, 1);
        if (isfinite(res.surface))
            json_num(stdout, "surface", res.surface, 1);
        if (isfinite(res.surface_k))
            json_num(stdout, "surface_k", res.surface_k, 1);
        if (res.surface_none[0]) {
            printf("\"surface_none\": ");
            vr_cli_json_str(stdout, res.surface_none);
            printf(", ");
        }
        if (isfinite(res.surface_days)) { /* (only then: other outputs keep their bytes) */
            json_num(stdout, "surface_tables_days", res.surface_days, 1);
            printf("\"surface_year_refused\": ");
            vr_cli_json_str(stdout, res.surface_year);
            printf(", ");
        }
        if (isfinite(res.z)) {
            json_num(stdout, "z", res.z, 1);
        } else {
            json_num(stdout, "z", NAN, 1);
            printf("\"z_none\": ");
            vr_cli_json_str(stdout, no_z);
            printf(", ");
            json_num(stdout, "mc_minus_analytic", res.mc - res.analytic, 1);
        }
        if (asof > 0) {
            char ds[16];
            const vr_model_ops *ops = vr_model_ops_get(req.model.type);
            printf("\"asof\": {\"date\": \"%s\", \"data\": ", vr_history_format_date(mk.date, ds));
            vr_cli_json_str(stdout, mk.dir);
            printf(", ");
            json_num(stdout, "spx", mk.spx, 1);
            json_num(stdout, "vix", mk.vix, 1);
            json_num(stdout, "vix3m", mk.vix3m, 1);
            for (int j = 0; j < ops->nfactors; j++) {
                char key[16];
                snprintf(key, sizeof key, "%s0", ops->factor_names[j]);
                json_num(stdout, key, x0[j], j + 1 < ops->nfactors);
            }
            printf("}, ");
        }
        printf("\"isa\": \"%s\", \"threads\": %d, ", req.kt->isa, threads);
        json_num(stdout, "seconds", res.seconds, 0);
        printf("}\n");
    } else {
        char kdesc[48] = "", ks[VR_NUM_STR], ts[VR_NUM_STR]; /* (a future has no strike: --strike is not read) */
        if (req.option != VR_OPTION_FUTURE) /* strike and expiry as read, not rounded to 6 digits */
            snprintf(kdesc, sizeof kdesc, ", strike %s", vr_num_str(req.strike, ks));
        printf("%s %s %s%s, expiry %s y: %zu path%s x %zu step%s (%s%s%s, %s, %d thread%s, %.2f s)\n",
               vr_model_type_name(req.model.type), und, opt, kdesc, vr_num_str(req.expiry, ts), req.paths,
               req.paths == 1 ? "" : "s", res.steps, res.steps == 1 ? "" : "s", req.scheme == VR_SCHEME_QE ? "qe" : "euler",
               req.fast_log ? " fast_log" : "", req.single ? " single" : "", req.kt->isa, threads,
               threads == 1 ? "" : "s", res.seconds);
        if (asof > 0) {
            printf("  ");
            vr_cli_asof_print(stdout, &mk);
            printf("  start: spot %.2f, ", req.model.spot);
            vr_cli_state_print(stdout, &req.model, x0);
            printf("\n");
        }
        char b1[40], b2[40];
        printf("  monte carlo   %s  (se %s)\n", price_str(res.mc, b1), price_str(res.se, b2));
        if (isfinite(res.z))
            printf("  analytic      %s  (mc - analytic = %.2f se)\n", price_str(res.analytic, b1), res.z);
        else
            printf("  analytic      %s  (mc - analytic = %s; not in standard errors: %s)\n",
                   price_str(res.analytic, b1), price_str(res.mc - res.analytic, b2), no_z);
        if (isfinite(res.surface_k))
            printf("  surface       %s  (ln(K/F)/sqrt(T) = %.2f is beyond the tables' +-%g, where "
                   "their vol is flat: it misses the model's tail there)\n", price_str(res.surface, b1),
                   res.surface_k, VR_SURFACE_DEFAULT_KMAX);
        else if (isfinite(res.surface) && req.underlying == VR_UNDERLYING_VIX && req.option == VR_OPTION_PUT)
            /* a far put is a small difference of two larger numbers: 0.163 against 0.134 direct
             * (svcj2_cal_rn, K 12, 6 months), from a call within its tolerance */
            printf("  surface       %s  (the VIX tables hold calls: a put is the call less (F - K) "
                   "discounted, so it carries the call's absolute error, large beside a small put; "
                   "the runs' books hold no VIX puts)\n", price_str(res.surface, b1));
        else if (isfinite(res.surface))
            printf("  surface       %s\n", price_str(res.surface, b1));
        else if (res.surface_none[0])
            printf("  surface       none (%s)\n", res.surface_none);
        if (isfinite(res.surface) && isfinite(res.surface_days))
            printf("                (from tables to %.0f days, which a run whose longest trade is this option "
                   "builds; the tables to a year, which this command builds first, were refused: %s)\n",
                   res.surface_days, res.surface_year);
    }
    /* the two prices disagree far beyond sampling noise (6 SE: once in ~5e8 runs by chance): the
     * Monte Carlo's scheme cannot follow these parameters at this step, or its paths miss rare jumps
     * that carry the price. Said on stderr (stdout and the JSON keep their form), the exit stays 0:
     * both numbers are what they are. */
    if (isfinite(res.z) && fabs(res.z) > 6)
        fprintf(stderr, "%s price: warning: the Monte Carlo price is %.1f standard errors from the direct "
                "price: at these parameters the time step (--steps-per-year %zu) is too coarse for the "
                "scheme, or its %zu paths miss the rare outcomes that carry the price; trust the direct price\n",
                prog, res.z, (size_t)req.steps_per_year, req.paths);
    /* With no spread to measure by (every path paid the same) the miss has no z, and the warning
     * above was skipped: 0 against a direct 99.9 passed in silence. It is the same failure, the
     * paths missing the outcomes that carry the price: said when the difference shows in the
     * printed digits and exceeds a millionth of the direct price. (One path is one draw, with no
     * claim to accuracy: nothing to warn about.) */
    else if (!isfinite(res.z) && req.paths > 1) {
        const double d = fabs(res.mc - res.analytic);
        if (d >= 5e-7 && d > 1e-6 * fabs(res.analytic)) {
            char b1[40];
            fprintf(stderr, "%s price: warning: the Monte Carlo price is %s from the direct price, and "
                    "%s: its %zu paths miss the rare outcomes that carry "
                    "the price, or the time step (--steps-per-year %zu) is too coarse for the scheme; "
                    "trust the direct price\n", prog, price_str(d, b1), no_z, req.paths,
                    (size_t)req.steps_per_year);
        }
    }
    return 0;
}

static void usage_run(FILE *out)
{
    fprintf(out,
            "usage: vixrisk run CONFIG.yaml [-o OUT.h5|DIR/] [--paths N] [--seed S] [--threads T]\n"
            "                   [--isa I] [--data DIR] [--asof YYYY-MM-DD] [--lookback flat|data]\n"
            "                   [-q] [--json] [--stages]\n"
            "\n"
            "Evaluates every policy of every scenario on the same simulated paths and writes per-path\n"
            "P&L, drawdowns, hedge costs and the scores to one HDF5 file (layout: docs/hdf5.md), then\n"
            "prints a ranking table. The output target is checked before anything is simulated; the\n"
            "file is written under a temporary name beside it and renamed at the end, so a failure or\n"
            "a signal leaves no partial file.\n"
            "\n"
            "  -o, --out PATH     output file, or a directory (existing, or ending in '/') to write\n"
            "                     DIR/<config name>.h5 in (default: results/<config name>.h5); a missing\n"
            "                     directory is created; an existing target must be a regular file and\n"
            "                     not the config itself (symlinks, FIFOs, devices are refused)\n"
            "  --paths N          override simulation.paths, [1, 1e10]\n"
            "  --seed S           override simulation.seed\n"
            "  --threads T        override simulation.threads (0 = all cores)\n"
            "  --isa I            scalar, avx2 or avx512 (default: best this CPU runs)\n"
            "  -q, --quiet        no progress bar\n"
            "  --json             print the ranking as one JSON object on stdout instead of the table\n"
            "                     (per scenario, policies by ES99 ascending; scores as in docs/hdf5.md)\n"
            "  --data DIR         history data directory of scenarios without `data:` and of --asof\n"
            "                     (default: $VIXRISK_DATA, then ../shared/data); refused when\n"
            "                     nothing reads it\n"
            "  --asof DATE        start every model and bootstrap scenario from that date's market:\n"
            "                     spot = SPX close, v0 (and m0) backed out of the VIX (and VIX3M)\n"
            "                     under the scenario's pricing parameters; printed, and stored in\n"
            "                     the run file (asof, asof_*); history replays keep their window\n"
            "                     (refused when every scenario is a replay)\n"
            "  --lookback L       every scenario's `lookback` (flat or data): with data the triggers'\n"
            "                     lookbacks (vix_change, rsi) reach the real VIX closes of up to 63\n"
            "                     trading days before day 0 (a replay's window, a dated start such\n"
            "                     as --asof), and the drawdown's peak starts at the highest SPX\n"
            "                     close of those days; an error for a scenario with nothing before\n"
            "                     day 0\n"
            "  --stages           time the evaluation's stages and print, per scenario on standard\n"
            "                     error, the thread time per path-day of each (path generation,\n"
            "                     market views, the daily marks, the books and their strike searches)\n"
            "                     and what they did; no number of the run changes. Stored in the\n"
            "                     run file (stage_*); with --json, each scenario's object also\n"
            "                     holds them (\"stages\": threads, wall_seconds, path_days,\n"
            "                     ns_per_path_day, per_path_day)\n"
            "  -h, --help         this help\n");
    vr_cli_help_footer(out);
}

static void usage_check(FILE *out)
{
    fprintf(out,
            "usage: vixrisk check CONFIG.yaml [-o OUT.h5|DIR/] [--paths N] [--seed S] [--threads T]\n"
            "                     [--isa I] [--data DIR] [--asof YYYY-MM-DD] [--lookback flat|data]\n"
            "\n"
            "Validates a run file as `vixrisk run` would (every scenario, policy and sweep, the data\n"
            "files it needs) and the output target run would write (-o as for run; default\n"
            "results/<config name>.h5; a missing output directory is created), and, with\n"
            "store_paths: true, that the per-path outputs find room in memory or beside the output\n"
            "(docs/scale.md, \"Memory\"), without simulating. Prints a one-line summary and exits 0\n"
            "when run would start.\n"
            "\n"
            "  -o, --out PATH     output file or directory, as for run\n"
            "  --paths, --seed, --threads, --isa, --data, --asof, --lookback\n"
            "                     as for run (checked the same way)\n"
            "  -h, --help         this help\n");
    vr_cli_help_footer(out);
}

/* The files a run reads, for the output-is-an-input check: the config, the model files it names,
 * the data files (vr_cli_data_files) of every directory its history and bootstrap scenarios read
 * and of every directory its scenarios start from (`start: {asof}`, `run --asof`). Each scenario
 * may name its own start directory, so the list is as long as the config makes it (a fixed bound
 * once left the files of the ninth such directory unchecked, and `-o` replaced one). The strings
 * live in *buf, the pointers in *in (both malloc'ed, freed by the caller); returns their number,
 * or -1 when out of memory. */
static int run_inputs(const vr_run_cfg *cfg, const char *file, char **buf, const char ***in)
{
    const int nscen = cfg->start != NULL ? cfg->spec.nscen : 0;
    const int maxdirs = cfg->nhist + nscen;
    const int maxin = 1 + cfg->nmodel_files + VR_CLI_NDATA_FILES * maxdirs;
    const size_t cap = 1024;
    const char **dirs = malloc((size_t)(maxdirs > 0 ? maxdirs : 1) * sizeof *dirs);
    *buf = malloc((size_t)maxin * cap);
    *in = malloc((size_t)maxin * sizeof **in);
    if (dirs == NULL || *buf == NULL || *in == NULL) {
        free(dirs);
        free(*buf);
        free(*in);
        *buf = NULL;
        *in = NULL;
        return -1;
    }
    int n = 0;
    (*in)[n++] = file;
    for (int f = 0; f < cfg->nmodel_files; f++)
        (*in)[n++] = cfg->model_files[f];
    int nd = 0;
    for (int h = 0; h < cfg->nhist; h++)
        dirs[nd++] = cfg->hist_dirs[h];
    for (int i = 0; i < nscen; i++) {
        const char *d = cfg->start[i].date > 0 && cfg->start[i].dir[0] ? cfg->start[i].dir : NULL;
        for (int j = 0; d != NULL && j < nd; j++)
            if (strcmp(dirs[j], d) == 0)
                d = NULL;
        if (d != NULL)
            dirs[nd++] = d;
    }
    for (int j = 0; j < nd; j++)
        for (int k = 0; k < VR_CLI_NDATA_FILES; k++) {
            char *p = *buf + (size_t)n * cap;
            snprintf(p, cap, "%s/%s", dirs[j], vr_cli_data_files[k]);
            (*in)[n++] = p;
        }
    free(dirs);
    return n;
}

/* "vixrisk run a.yaml --paths 20000": the program name and the command's arguments, each quoted
 * for a POSIX shell when it holds anything but [A-Za-z0-9_./=:@%+,-]; cut at cap. argv[0] here is
 * the command ("run"): main() shifted the program name away. */
static const char *join_args(char *buf, size_t cap, int argc, char **argv)
{
    size_t o = (size_t)snprintf(buf, cap, "vixrisk");
    for (int i = 0; i < argc && o + 4 < cap; i++) {
        const char *a = argv[i];
        int plain = a[0] != '\0';
        for (const char *c = a; *c; c++)
            if (!(isalnum((unsigned char)*c) || strchr("_./=:@%+,-", *c)))
                plain = 0;
        buf[o++] = ' ';
        if (!plain)
            buf[o++] = '\'';
        for (const char *c = a; *c && o + 6 < cap; c++) {
            if (*c == '\'' && !plain) { memcpy(buf + o, "'\\''", 4); o += 4; }
            else buf[o++] = *c;
        }
        if (!plain)
            buf[o++] = '\'';
        buf[o] = '\0';
    }
    return buf;
}

/* run --asof, or scenarios with `start: {asof}`: the market(s) and, per scenario, the state it
 * starts from. Nothing when every scenario starts from its config's state. */
static void print_asof(FILE *out, const vr_run_cfg *cfg)
{
    char ds[16];
    const int all = cfg->asof.date > 0; /* run --asof: one market for every scenario */
    if (all)
        vr_cli_asof_print(out, &cfg->asof);
    for (int i = 0; i < cfg->spec.nscen; i++) {
        const vr_scenario *sc = &cfg->spec.scen[i];
        if (sc->source == VR_SOURCE_HISTORY) {
            if (all)
                fprintf(out, "  %s: a history replay: starts at its window's first day, %s\n", sc->name,
                        vr_history_format_date(sc->hist->date[sc->hist_i0], ds));
            continue;
        }
        if (cfg->start == NULL || cfg->start[i].date == 0)
            continue;
        if (!all) { /* its own start.asof */
            fprintf(out, "%s: start ", sc->name);
            vr_cli_asof_print(out, &cfg->start[i]);
        }
        double x[VR_FACTORS_MAX] = {0};
        vr_model_ops_get(sc->model.type)->state0(&sc->model, x);
        fprintf(out, "  %s (%s): spot %.2f, ", sc->name, vr_model_type_name(sc->model.type),
                sc->model.spot);
        vr_cli_state_print(out, &sc->model, x);
        fprintf(out, "\n");
    }
    for (int i = 0; i < cfg->spec.nscen; i++) { /* lookback: data */
        const vr_scenario *sc = &cfg->spec.scen[i];
        if (sc->npre > 0)
            fprintf(out, "%s: the triggers' lookbacks reach %d trading day%s of real VIX closes back before day 0 "
                    "(from %s; SPX peak %.2f%s)\n", sc->name, sc->npre, sc->npre == 1 ? "" : "s",
                    vr_history_format_date(sc->pre_date0, ds), sc->pre_spx_peak,
                    sc->pre_spx_peak > sc->model.spot ? "" : ", not above day 0's close: the drawdown's peak starts there");
    }
}


#ifdef VIXRISK_MPI
/* Under mpirun every rank parses the same command line, so a usage error was printed once per
 * rank: the ranks other than 0 keep quiet until it is parsed (ranks_quiet, after MPI starts),
 * then speak for themselves again (ranks_speak), since from there a rank may fail alone. */
static int quiet_fd = -1;

static void ranks_quiet(void)
{
    if (vr_mpi_rank() == 0)
        return;
    fflush(stderr);
    const int nul = open("/dev/null", O_WRONLY);
    if (nul < 0)
        return;
    quiet_fd = dup(STDERR_FILENO);
    if (quiet_fd >= 0)
        dup2(nul, STDERR_FILENO);
    close(nul);
}

static void ranks_speak(void)
{
    if (quiet_fd < 0)
        return;
    fflush(stderr);
    dup2(quiet_fd, STDERR_FILENO);
    close(quiet_fd);
    quiet_fd = -1;
}

/* Under mpirun every rank loads the config and picks its kernels itself: a rank on another CPU,
 * with another VIXRISK_ISA, or reading other data (its VIXRISK_DATA) would compute other numbers
 * for its paths, and the run would pass them off as one. 1 (rank 0 has said why) when any rank's
 * kernels or inputs differ from rank 0's. Collective. */
static int ranks_differ(const vr_run_cfg *cfg, const vk_table *kt, int rank)
{
    int first = 0;
    if (vr_mpi_same_bytes(kt->isa, strlen(kt->isa), &first) != VR_OK) {
        if (rank == 0)
            fprintf(stderr, "%s: rank %d runs other kernels than rank 0 (%s): their CPUs or VIXRISK_ISA differ, "
                    "and the run's numbers would depend on where its paths ran; give every rank the same "
                    "ISA (--isa, or VIXRISK_ISA, with one every node runs)\n", prog, first, kt->isa);
        return 1;
    }
    if (vr_mpi_same(vr_run_inputs_digest(cfg), &first) != VR_OK) {
        if (rank == 0)
            fprintf(stderr, "%s: rank %d loaded other inputs than rank 0: the config, the model files it names "
                    "or the market data (VIXRISK_DATA, --data) differ between them, and the run's numbers "
                    "would depend on where its paths ran; let every rank read the same files\n", prog, first);
        return 1;
    }
    /* the command line's part: --seed and --paths (the loader applied --paths; --asof, --lookback
     * and --data act through the inputs above; --threads changes no number) */
    if (vr_mpi_same(cfg->spec.seed, &first) != VR_OK || vr_mpi_same((uint64_t)cfg->spec.paths, &first) != VR_OK) {
        if (rank == 0)
            fprintf(stderr, "%s: rank %d runs another seed or path count than rank 0 (--seed, --paths): "
                    "every rank must be given the same\n", prog, first);
        return 1;
    }
    return 0;
}
#endif

static int cmd_run(int argc, char **argv, int check_only)
{
    enum { O_PATHS = 256, O_SEED, O_THREADS, O_ISA, O_QUIET, O_JSON, O_DATA, O_ASOF, O_STAGES, O_LOOKBACK };
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},       {"paths", required_argument, 0, O_PATHS},
        {"seed", required_argument, 0, O_SEED},   {"threads", required_argument, 0, O_THREADS},
        {"isa", required_argument, 0, O_ISA},     {"quiet", no_argument, 0, 'q'},
        {"json", no_argument, 0, O_JSON},         {"data", required_argument, 0, O_DATA},
        {"asof", required_argument, 0, O_ASOF},   {"help", no_argument, 0, 'h'},
        {"stages", no_argument, 0, O_STAGES},     {"lookback", required_argument, 0, O_LOOKBACK},
        {0, 0, 0, 0},
    };
    const char *cmd = check_only ? "check" : "run";
    char cmdline[4096]; /* before getopt_long permutes argv */
    join_args(cmdline, sizeof cmdline, argc, argv);
    const char *out = NULL, *isa = NULL, *data = NULL;
    uint64_t paths = 0, seed = 0, threads = 0;
    int set_paths = 0, set_seed = 0, set_threads = 0, quiet = 0, json = 0, stages = 0;
    int32_t asof = 0;
    int lookback = 0; /* vr_run_load_opts.lookback */
    /* the exit status of a command line that stops here (a usage error, or --help), else -1:
     * under mpirun the ranks agree on it first, so that a rank given other options than the rest
     * does not leave them waiting in the first collective */
    int early = -1;
    const char *file = NULL;
    const vk_table *kt = NULL;
    char imsg[256] = "";
    unsigned char seen[VR_CLI_SEEN] = {0}; /* (vr_cli_once) */
    optind = 1;
    opterr = 0;
    for (;;) {
        const int c = getopt_long(argc, argv, "ho:q", opts, NULL);
        if (c == -1)
            break;
        if (!vr_cli_once(cmd, opts, c, seen, NULL)) {
            early = EXIT_USAGE;
            goto parsed;
        }
        switch (c) {
        case 'h':
            if (check_only) usage_check(stdout);
            else usage_run(stdout);
            early = 0;
            goto parsed;
        case 'o': out = optarg; break;
        case O_PATHS: if (!parse_u64("--paths", optarg, 1, 10000000000ULL, &paths)) { early = EXIT_USAGE; goto parsed; } set_paths = 1; break;
        /* simulation.seed's range: the run file stores it as int64, exactly as the config's double reads it */
        case O_SEED: if (!parse_u64("--seed", optarg, 0, UINT64_C(9007199254740991), &seed)) { early = EXIT_USAGE; goto parsed; } set_seed = 1; break;
        case O_THREADS: if (!parse_u64("--threads", optarg, 0, VR_CLI_MAX_THREADS, &threads)) { early = EXIT_USAGE; goto parsed; } set_threads = 1; break;
        case O_ISA: isa = optarg; break;
        case 'q': quiet = 1; break;
        case O_JSON: json = 1; break;
        case O_STAGES: stages = 1; break;
        case O_DATA: if (!vr_cli_parse_data(cmd, optarg)) { early = EXIT_USAGE; goto parsed; } data = optarg; break;
        case O_ASOF: if (!vr_cli_parse_asof(cmd, optarg, &asof)) { early = EXIT_USAGE; goto parsed; } break;
        case O_LOOKBACK:
            if (strcmp(optarg, "flat") != 0 && strcmp(optarg, "data") != 0) {
                fprintf(stderr, "%s %s: --lookback must be flat or data (got '%s')\n", prog, cmd, optarg);
                early = EXIT_USAGE;
                goto parsed;
            }
            lookback = strcmp(optarg, "data") == 0 ? 2 : 1;
            break;
        default:
            fprintf(stderr, "%s %s: unknown option or missing value: %s (try 'vixrisk %s --help')\n", prog,
                    cmd, argv[optind - 1], cmd);
            early = EXIT_USAGE;
            goto parsed;
        }
    }
    if (check_only && (json || stages)) { /* (run's options: check runs nothing to report or time) */
        fprintf(stderr, "%s check: %s is an option of run: check simulates nothing (try 'vixrisk check --help')\n",
                prog, json ? "--json" : "--stages");
        early = EXIT_USAGE;
        goto parsed;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "%s %s: expected exactly one CONFIG.yaml (try 'vixrisk %s --help')\n", prog, cmd, cmd);
        early = EXIT_USAGE;
        goto parsed;
    }
    file = argv[optind];
    kt = pick_isa_msg(isa, imsg, sizeof imsg);
parsed:
#ifdef VIXRISK_MPI
    /* a rank whose CPU lacks the ISA asked for (or whose VIXRISK_ISA names none): every rank
     * stops, none waits in the next collective, and rank 0 says which rank and why; then the
     * ranks speak for themselves again (from here a rank may fail alone) */
    if (vr_mpi_active()) {
        vr_err ie = {early >= 0 || kt == NULL ? VR_EINVAL : VR_OK, ""};
        if (early >= 0)
            snprintf(ie.msg, sizeof ie.msg, "its command line %s, and the others' did not: give every "
                     "rank the same options", early == 0 ? "asked for --help" : "was refused");
        else
            snprintf(ie.msg, sizeof ie.msg, "%s", imsg);
        const vr_status as = vr_mpi_agree(ie.code, &ie);
        ranks_speak();
        if (as != VR_OK) {
            if (vr_mpi_rank() == 0 && early < 0)
                fprintf(stderr, "%s: %s\n", prog, ie.msg);
            return early >= 0 ? early : EXIT_USAGE;
        }
    }
#endif
    if (early >= 0)
        return early;
    if (kt == NULL) {
        fprintf(stderr, "%s: %s\n", prog, imsg);
        return EXIT_USAGE;
    }
    /* under mpirun every rank loads the same file; rank 0 alone speaks */
    int rank = 0;
#ifdef VIXRISK_MPI
    if (vr_mpi_active())
        rank = vr_mpi_rank();
#endif
    vr_run_cfg cfg;
    vr_err err = {VR_OK, ""};
    const vr_run_load_opts lo = {data, set_paths ? (size_t)paths : 0, rank == 0 ? stderr : NULL, asof, lookback};
    vr_status st = vr_run_load_ex(file, &lo, &cfg, &err);
#ifdef VIXRISK_MPI
    /* the ranks need not fail alike (a rank's environment, such as VIXRISK_DATA or a data file it
     * cannot read, is its own): agree, so that a rank that failed alone does not leave the others
     * waiting in the run's first collective, and rank 0 prints its message */
    if (vr_mpi_active()) {
        const vr_status mine = st;
        st = vr_mpi_agree(st, &err);
        if (st != VR_OK && mine == VR_OK)
            vr_run_cfg_free(&cfg);
    }
#endif
    if (st != VR_OK) {
        if (rank == 0)
            fprintf(stderr, "%s: %s\n", prog, err.msg);
        return vr_status_exit_code(st);
    }
    /* the run file records what was run, not only the config text it was run from: the command
     * line and the settings it changed (the loader recorded --paths when it differs from the
     * config; a --seed or --threads equal to the config's value changes nothing and is left out) */
    cfg.command_line = cmdline;
    size_t ol = strlen(cfg.overrides);
    if (set_seed && seed != cfg.spec.seed && ol < sizeof cfg.overrides)
        ol += (size_t)snprintf(cfg.overrides + ol, sizeof cfg.overrides - ol, "%ssimulation.seed=%llu",
                               ol ? " " : "", (unsigned long long)seed);
    if (set_threads && (int)threads != cfg.spec.threads && ol < sizeof cfg.overrides)
        ol += (size_t)snprintf(cfg.overrides + ol, sizeof cfg.overrides - ol, "%ssimulation.threads=%llu",
                               ol ? " " : "", (unsigned long long)threads);
    if (set_paths) cfg.spec.paths = (size_t)paths;
    if (set_seed) cfg.spec.seed = seed;
    if (set_threads) cfg.spec.threads = (int)threads;
    cfg.spec.kt = kt;
#ifdef VIXRISK_MPI
    /* (after --paths and --seed are applied: a rank given other ones ran other paths than the
     * file says, exit 0) */
    if (vr_mpi_active() && ranks_differ(&cfg, kt, rank)) {
        vr_run_cfg_free(&cfg);
        return EXIT_USAGE;
    }
#endif
    if (asof > 0 && ol < sizeof cfg.overrides) {
        char ds[16];
        ol += (size_t)snprintf(cfg.overrides + ol, sizeof cfg.overrides - ol, "%sasof=%s",
                               ol ? " " : "", vr_history_format_date(asof, ds));
    }
    if (lookback > 0 && ol < sizeof cfg.overrides)
        ol += (size_t)snprintf(cfg.overrides + ol, sizeof cfg.overrides - ol, "%slookback=%s", ol ? " " : "",
                               lookback == 2 ? "data" : "flat");
    /* the environment's part of the input, checked with the config (before the output is) */
    size_t store_bytes = 0;
    st = vr_run_store_limit(&store_bytes, &err);
#ifdef VIXRISK_MPI
    if (vr_mpi_active())
        st = vr_mpi_agree(st, &err);
#endif
    if (st != VR_OK) {
        if (rank == 0)
            fprintf(stderr, "%s: %s\n", prog, err.msg);
        vr_run_cfg_free(&cfg);
        return vr_status_exit_code(st);
    }
    if (rank == 0) /* what the scenarios start from: on the console and in the run file */
        print_asof(json ? stderr : stdout, &cfg);

    /* the output target, checked before anything is simulated: results/<stem>.h5 by default */
    char def_name[512];
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    const char *dot = strrchr(base, '.');
    snprintf(def_name, sizeof def_name, "%.*s.h5", dot && dot != base ? (int)(dot - base) : (int)strlen(base), base);
    char *inbuf = NULL;
    const char **inputs = NULL;
    const int nin = run_inputs(&cfg, file, &inbuf, &inputs);
    vr_outfile of;
    memset(&of, 0, sizeof of);
    int prc = 0;
    if (nin < 0) {
        fprintf(stderr, "%s %s: out of memory (the list of input files)\n", prog, cmd);
        prc = 1;
    } else if (rank == 0) {
        prc = vr_cli_prepare_out(&of, cmd, out ? out : "results/", def_name, inputs, nin);
    }
    free(inbuf);
    free(inputs);
#ifdef VIXRISK_MPI
    if (vr_mpi_active()) { /* the other ranks stop with rank 0's exit code (a usage error's 2) */
        const vr_status ps = prc == 0 ? VR_OK : prc == 2 ? VR_ECONFIG : VR_EIO;
        vr_err e = {ps, "output target"};
        prc = vr_status_exit_code(vr_mpi_agree(ps, &e));
    }
#endif
    if (prc != 0) {
        vr_run_cfg_free(&cfg);
        return prc;
    }
    if (check_only) {
        /* the per-path outputs' room, as run asks before each scenario (it refused 10^9 paths that
         * check called ok) */
        char odir[VR_OUTFILE_PATH_MAX];
        vr_outfile_dir(&of, odir, sizeof odir);
        if ((st = vr_run_store_check(&cfg, odir, &err)) != VR_OK) {
            vr_run_cfg_free(&cfg);
            return vr_cli_fail(cmd, st, &err);
        }
        /* a scenario with its own paths or days (a replay: one path, its window's days) says so:
         * "10 paths x 252 days" was printed for a 2-day replay */
        char own[1024] = "";
        for (int i = 0; i < cfg.spec.nscen; i++) {
            const vr_scenario *sc = &cfg.spec.scen[i];
            const size_t np = sc->paths ? sc->paths : cfg.spec.paths;
            const int nd = sc->horizon_days ? sc->horizon_days : cfg.spec.horizon_days;
            const size_t len = strlen(own);
            if ((np != cfg.spec.paths || nd != cfg.spec.horizon_days) && len < sizeof own - 1)
                snprintf(own + len, sizeof own - len, "; scenario %s: %zu path%s x %d day%s", sc->name, np,
                         np == 1 ? "" : "s", nd, nd == 1 ? "" : "s");
        }
        printf("%s: ok: %d scenario%s, %d polic%s, %zu path%s x %d day%s%s -> %s\n", file, cfg.spec.nscen,
               cfg.spec.nscen == 1 ? "" : "s", cfg.spec.npol, cfg.spec.npol == 1 ? "y" : "ies", cfg.spec.paths,
               cfg.spec.paths == 1 ? "" : "s", cfg.spec.horizon_days, cfg.spec.horizon_days == 1 ? "" : "s", own,
               of.final);
        vr_run_cfg_free(&cfg);
        return 0;
    }
    const vr_run_opts ro = {of.final, quiet || rank != 0, json || rank != 0 ? NULL : stdout,
                            stages ? stderr : NULL};
    const double t0 = omp_get_wtime();
    st = vr_run_execute(&cfg, &ro, &err);
    vr_run_cfg_free(&cfg);
    if (st != VR_OK)
        return rank == 0 ? vr_cli_fail(cmd, st, &err) : vr_status_exit_code(st);
    if (rank != 0)
        return 0;
    if (json) {
        const int rc = vr_cli_run_json(stdout, of.final, omp_get_wtime() - t0);
        if (rc == 0 && !quiet)
            fprintf(stderr, "wrote %s\n", of.final);
        return rc;
    }
    printf("\nwrote %s (%.1f s)\n", of.final, omp_get_wtime() - t0);
    return 0;
}

/* --version anywhere before "--" answers at once, whatever the command; -V only before the
 * command (after it, the command's own short options apply, and -V is none of them). */
static int wants_version(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--version") == 0 || (i == 1 && strcmp(argv[i], "-V") == 0))
            return 1;
    }
    return 0;
}

#ifdef VIXRISK_MPI
/* This process's rank when a launcher started it (Open MPI, PMIx, a PMI launcher such as Hydra),
 * read from the launcher's environment before MPI is initialised; -1 when none did. */
static int launcher_rank(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        char *end = NULL;
        if (v == NULL || v[0] == '\0')
            continue;
        const long r = strtol(v, &end, 10);
        if (*end == '\0' && r >= 0 && r <= INT_MAX)
            return (int)r;
    }
    return -1;
}
#endif

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage_top(stderr);
        return EXIT_USAGE;
    }
    vr_cli_signals_install();
    const char *cmd = argv[1];
#ifdef VIXRISK_MPI
    /* Under mpirun only `run` splits its work over the ranks. Every other command (check, report,
     * price, calibrate, model, help) is one process's work: rank 0 does it and the others end at
     * once with exit 0, so mpirun's exit code is rank 0's. (Each rank did it all: the same check
     * printed once per rank, the same report written by every rank over the same files.) */
    if (strcmp(cmd, "run") != 0 && launcher_rank() > 0)
        return 0;
#endif
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage_top(stdout);
        return 0;
    }
    if (wants_version(argc, argv))
        return vr_cli_version();
    int help = 0;
    for (int a = 2; a < argc; a++)
        help |= strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0;
    /* the commands that compute run OpenMP teams of the default size when --threads is 0 */
    static const char *const computing[] = {"price", "run", "check", "calibrate", "model"};
    int computes = 0;
    for (size_t i = 0; i < sizeof computing / sizeof computing[0]; i++)
        computes |= strcmp(cmd, computing[i]) == 0;
    if (computes && !help && vr_cli_check_omp_env(cmd) != 0)
        return EXIT_USAGE;
    /* the table store (vr_pricing.h): tables an earlier command built for the same model; read
     * by the commands that build tables (report and an unknown command ignore it), its bound
     * checked before the store is taken, and the directory made only when tables are stored */
    const char *store = getenv("VIXRISK_TABLE_STORE");
    if (store != NULL && store[0] != '\0' && !help && computes) {
        vr_err err = {VR_OK, ""};
        unsigned long long bound = 0;
        if (vr_env_mib("VIXRISK_TABLE_STORE_MB", VR_TABLE_STORE_DEFAULT_MB, 1ull << 24, &bound,
                       &err) != VR_OK) {
            fprintf(stderr, "%s: %s (0: no bound; default %d)\n", prog, err.msg,
                    VR_TABLE_STORE_DEFAULT_MB);
            return EXIT_USAGE;
        }
        if (vr_table_store_set(store, &err) != VR_OK) {
            fprintf(stderr, "%s: VIXRISK_TABLE_STORE: %s\n", prog, err.msg);
            return EXIT_USAGE;
        }
        vr_table_store_set_limit(bound);
    }
    if (strcmp(cmd, "price") == 0)
        return cmd_price(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0) {
#ifdef VIXRISK_MPI
        /* started by mpirun (Open MPI, or a PMI launcher): split the run over the ranks */
        if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE")) {
            vr_err err = {VR_OK, ""};
            if (vr_mpi_init(&argc, &argv, NULL, NULL, &err) != VR_OK) {
                fprintf(stderr, "%s run: %s\n", prog, err.msg);
                return vr_status_exit_code(err.code);
            }
            vr_cli_signals_install(); /* ours again, over any the MPI runtime installed */
            ranks_quiet();
            const int rc = cmd_run(argc - 1, argv + 1, 0);
            vr_mpi_finalize();
            return rc;
        }
#endif
        return cmd_run(argc - 1, argv + 1, 0);
    }
    if (strcmp(cmd, "check") == 0)
        return cmd_run(argc - 1, argv + 1, 1);
    if (strcmp(cmd, "report") == 0)
        return vr_cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "calibrate") == 0)
        return vr_cmd_calibrate(argc - 1, argv + 1);
    if (strcmp(cmd, "model") == 0)
        return vr_cmd_model(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command '%s' (try 'vixrisk --help')\n", prog, cmd);
    return EXIT_USAGE;
}

/* Every command's standard output is checked once written: a full disk or a closed pipe (a
 * report's JSON, a price, the run's table) made a command exit 0 with its output lost. A command
 * that succeeded otherwise exits 1 then, naming the error; one that failed has said why already
 * (`model` checks its own output and names its file). */
int main(int argc, char **argv)
{
    int rc = dispatch(argc, argv);
    errno = 0;
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "%s: cannot write the standard output: %s\n", prog,
                errno ? strerror(errno) : "a write failed");
        rc = 1;
    }
    /* a failed command leaves no directory it made for its outputs (while empty): `-o new/x.h5`
     * of a run refused after the target was checked left new/ behind (and so did a check whose
     * standard output could not be written) */
    if (rc != 0)
        vr_outfile_made_dirs_remove();
    /* said once under mpirun, by rank 0 (every rank said it: the ranks share the store and
     * meet the same failure) */
    int speaks = 1;
#ifdef VIXRISK_MPI
    speaks = launcher_rank() <= 0;
#endif
    if (vr_table_store_dir() != NULL && speaks) {
        vr_table_store_counts c;
        vr_table_store_stats(&c);
        if (c.failed > 0)
            fprintf(stderr, "%s: warning: %zu table set(s) built but not kept in the table store: %s\n",
                    prog, c.failed, c.last_error);
    }
    return rc;
}
