/* vr_test_util.h: helpers shared by the cmocka tests (comparisons that report the first bad lane). */
#ifndef VIXRISK_TEST_UTIL_H
#define VIXRISK_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "vixrisk/vk.h"
#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_run.h"

/* Distance in units in the last place between two finite doubles of the same sign. */
uint64_t vr_ulp_diff(double a, double b);

/* Number of the first index where |a-b| > max(ulps ulp, abs_tol) (or -1 if none); prints it. */
long vr_first_mismatch(const double *ref, const double *got, size_t n, uint64_t ulps,
                       double abs_tol, const char *what);

#define assert_close_ulps(ref, got, n, ulps) \
    assert_int_equal(vr_first_mismatch((ref), (got), (n), (ulps), 0.0, #got), -1)
#define assert_close_abs(ref, got, n, ulps, abs_tol) \
    assert_int_equal(vr_first_mismatch((ref), (got), (n), (ulps), (abs_tol), #got), -1)

/* ---- per-ISA tests ------------------------------------------------------------------------- */

/* The kernel table of ISA `name` ("scalar", "avx2", "avx512"). A CPU that cannot run it makes the
 * calling test SKIPPED (cmocka skip(), never a pass); a name the library does not know fails the
 * test (a typo must not turn into a skip). The environment variable VR_TEST_HIDE_ISA=name makes
 * that ISA look missing, so that a test can prove a missing ISA shows as skipped (ctest
 * isa_skip_shows). */
const vk_table *need_isa(const char *name);

/* vk_select(NULL): the table VIXRISK_ISA names, else the best this CPU runs. Fails the calling
 * test with the library's message if VIXRISK_ISA names an unknown or unsupported ISA. */
const vk_table *default_isa(void);
/* default_isa()'s kernels with the Heston QE step (heston_qe, and heston_qe_draw, which the path
 * driver calls) poisoning lane 3 of every call with a NaN variance: a stand-in for a numerical
 * failure of the path step. Valid until the next call. */
const vk_table *vr_test_poisoned_qe(void);

/* One cmocka test per ISA the library has, named "fn/isa", with the ISA name as the test's state:
 * the test body starts with  const vk_table *t = need_isa(*state);  and calls t->kernel. The list
 * is checked against vk_isa_names() by test_kernels (test_isa_list_complete). VR_SIMD_TESTS
 * leaves out the reference, for tests that compare a variant with it. */
#define VR_ISA_TEST(fn, isa) {#fn "/" isa, fn, NULL, NULL, (void *)(isa)}
#define VR_SIMD_TESTS(fn) VR_ISA_TEST(fn, "avx2"), VR_ISA_TEST(fn, "avx512")
#define VR_ISA_TESTS(fn) VR_ISA_TEST(fn, "scalar"), VR_SIMD_TESTS(fn)
#define VR_ISA_COUNT 3

/* Run a shell command, capture stdout (up to cap bytes) and return its exit status (or -1). */
int vr_run_capture(const char *cmd, char *out, size_t cap);

/* Run the built vixrisk binary (VIXRISK_CLI) with `args`, stderr merged into `out`. */
int vr_test_cli(const char *args, char *out, size_t cap);

/* vr_test_cli, then the checks the CLI tests make on every run: the exit status must be want_rc
 * and the output must contain each string of the NULL-terminated list after `cap`. On a mismatch
 * the arguments, the status and the output are printed (stderr) and the calling test fails. */
void vr_test_cli_expect(const char *args, int want_rc, char *out, size_t cap, ...);

/* The shared market data (../shared/data beside the source tree) and whether its daily SPX, VIX
 * and VIX3M files are readable: the tests that read real closes skip without them. */
#define VR_TEST_DATA_DIR VIXRISK_SOURCE_DIR "/../shared/data"
int vr_test_have_data(void);

/* Make a fresh directory /tmp/vixrisk-<tag>-XXXXXX into dir (>= 64 bytes); 0 on success. */
int vr_test_tmpdir(const char *tag, char *dir, size_t cap);
/* Remove a directory made by vr_test_tmpdir and everything in it; 0 on success. */
int vr_test_rmdir(const char *dir);
/* Write `text` to dir/name and return the path (a static buffer, valid until the next call). */
const char *vr_test_write(const char *dir, const char *name, const char *text);
/* A run file for the report tests: a fresh directory /tmp/vixrisk-<tag>-XXXXXX into dir, the
 * config `text` written there as <stem>.yaml, and `vixrisk run` of it (2 threads) into h5 =
 * dir/<stem>.h5. 0 on success; -1 with the run's output on stderr. */
int vr_test_run_file(const char *tag, const char *stem, const char *text, char *dir, size_t dir_cap, char *h5,
                     size_t h5_cap);
/* The run test_attrib_owner.c and test_trade_owner.c rebuild the attribution of from its trade
 * log: 100 paths x 21 trading days, every path logged, rate 0.04, commission 0.65, half-spreads
 * 0.10 (SPX) and 0.05 (VIX); nothing open at the horizon. Policy 0 the baseline; 1 a roll layer
 * firing on day 0 with the condor's own roll rule and every hedge kind; 2 the same hedges without
 * the roll (nothing but the condor trades the condor's legs); 3 a roll layer whose legs the
 * condor's profit take and stop close. The put spreads sit far below the condor's strikes, so no
 * two owners hold the same instrument. */
extern const char vr_test_owner_cfg[];
/* The whole of file `path` as a NUL-terminated string (malloc'd), or NULL when it cannot be
 * opened. */
char *vr_test_slurp(const char *path);
/* x as the reports print USD, written independently of their formatter: whole dollars, ',' every
 * three digits, a '-' sign. */
void vr_test_usd(char *buf, size_t cap, double x);

/* ---- fixtures shared by the book and martingale tests ---------------------------------------- */

/* The base condor policy of the book and martingale tests (10 contracts, 45 DTE, 16-delta shorts,
 * 50-point wings, take profit at 50%, stop at 2x, exit at 21 DTE, roll at 30 delta, re-enter after
 * a day), named "base", no layers; costs = 0 gives zero commission and half-spreads, costs = 1
 * the default 0.65 per contract and 0.05 half-spreads. */
vr_policy vr_test_condor_policy(double costs);

/* A VIX-call hedge layer: fires once VIX >= level (confirmed one day, cooldown 5 days), buys
 * 30-DTE calls of the given delta sized at `size` of the condor credit, exits at 3x or 5 DTE. */
vr_layer vr_test_vix_layer(double level, double delta, double size);

/* The path of the vixrisk-bench binary beside VIXRISK_CLI into out[cap]: 0, or -1 (a message
 * naming it) when it is not there or not executable (a cmocka setup's return value). */
int vr_test_bench_path(char *out, size_t cap);

/* The Heston model of the book tests (spot 5000, r 4%, q 1.3%, kappa 2.5, theta 0.035, sigma
 * 0.6, rho -0.75; pricing = physical) at variance v0. */
vr_model vr_test_heston_model(double v0);

/* Its pricing tables to t_max years into *out: 0, or -1 when the build fails (a cmocka setup's
 * return value). */
int vr_test_heston_pricing(double v0, double t_max, vr_pricing **out);

/* ---- the synthetic history of the calibration tests ------------------------------------------ */

/* Path 0 of an engine simulation (vr_sim_run: QE, 8 paths in one block, one thread, spot 3000,
 * r = 3%) of model type t with parameters *p from factors (v0, m0), daily for `years` (years*252
 * steps): its n = steps + 1 days of ln S and of each factor (floored at 0; NULL beyond the
 * model's factors). Arrays malloc'd, freed by vr_test_path_free. Fails the test if the
 * simulation does. */
typedef struct vr_test_path {
    size_t n;
    double *ls;
    double *x[VR_FACTORS_MAX];
} vr_test_path;
vr_test_path vr_test_sim_path0(vr_model_type t, const vr_sv_params *p, double v0, double m0,
                               double years, uint64_t seed);
void vr_test_path_free(vr_test_path *path);

/* A parameter estimate against the truth: prints both, the standard error and the distance in
 * standard errors, and fails unless se is finite and > 0 and |est - truth| <= nse se. */
void vr_test_within(const char *name, double est, double truth, double se, double nse);

/* An svcj2 model with spot 100, r = 3%, q = 1%, state (v0, m0) and physical = pricing = *p. */
vr_model vr_test_svcj2_model(const vr_svcj2_params *p, double v0, double m0);
/* The pricing set of configs/models/svcj2_cal_rn.yaml as shipped 2026-11-30 to 12-04 (fitted to the
 * VIX family, an alternation that reached no fixed point; kept as a stress case): rare (0.02 a
 * year), huge (mean 2.1 in variance) variance jumps, and m failing the Feller condition. */
extern const vr_svcj2_params vr_test_svcj2_rare;
/* The svcj2 set the calibration tests simulate and recover (tests/test_calib_svcj2*.c): both
 * factors stochastic, state-dependent jumps (lambda0 0.5 + lambda1 20 v, mean 0.12). */
vr_sv_params vr_test_svcj2_recovery(void);
/* (v, m) of the three states where its direct VIX calls were checked by Monte Carlo (3.2M paths;
 * docs/numerics.md), and how many of them a test runs (1 in the sanitizer build). */
extern const double vr_test_svcj2_rare_states[3][2];
#ifdef VR_TEST_SMALL
#define VR_TEST_RARE_NSTATES 1
#else
#define VR_TEST_RARE_NSTATES 3
#endif

/* Synthetic market days of the pricing fit (tests of vr_pricing_fit): n days generated by model t
 * with pricing parameters truth, without noise (vr_test_util.c says how). */
struct vr_pfit_day;
struct vr_pfit_day *vr_test_pfit_days(vr_model_type t, const vr_sv_params *truth, size_t n);

/* The main job (configs/alvh.yaml) loaded into cfg (free with vr_run_cfg_free), its spec cut to
 * its first scenario, `paths` paths x `days` days on one thread, without sample paths or trade
 * logs: the evaluator tests' common case. */
vr_run_spec vr_test_main_job(vr_run_cfg *cfg, size_t paths, int days);
/* The same for the config file at `path`. */
vr_run_spec vr_test_job(const char *path, vr_run_cfg *cfg, size_t paths, int days);
/* Every per-path output of n paths the same bytes in a and b (the evaluator's "moves no bit"). */
void vr_test_assert_out_equal(const vr_path_out *a, const vr_path_out *b, size_t n);

#endif
