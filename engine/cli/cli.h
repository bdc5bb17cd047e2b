/* cli.h: what the vixrisk subcommands share (engine/cli/cli.c): the help footer every --help ends
 * with (exit codes, environment), the signal handlers, the version line, checking an output target
 * before any work, and JSON string output. Only the command line uses these. */
#ifndef VIXRISK_CLI_H
#define VIXRISK_CLI_H

#include <stdio.h>

#include "vixrisk/vr_model_info.h"
#include "vixrisk/vr_outfile.h"

#define EXIT_USAGE 2

/* "exit status" and "environment" sections, printed at the end of every --help. */
void vr_cli_help_footer(FILE *out);

/* Handlers for SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGALRM and SIGPIPE: remove every
 * registered temporary output (vr_outfile_signal_cleanup), on a terminal print "interrupted,
 * nothing written" (or "interrupted" when no temporary was pending: a finished run's file stays),
 * and die of the same signal (exit status 128+sig). SIGXFSZ is ignored, so a write past the
 * file-size limit fails with EFBIG and is reported like any write error. */
void vr_cli_signals_install(void);

/* Every file a data directory may hold that some command reads (the daily closes, the extra
 * indices history.c loads with them, the VIX futures files of the pricing fit and the realism
 * rows): an output target is checked against all of them (vr_outfile_prepare's inputs), so that
 * no -o or --report can replace one. */
#define VR_CLI_NDATA_FILES 8
extern const char *const vr_cli_data_files[VR_CLI_NDATA_FILES];

/* The most threads any command runs: the range of --threads and simulation.threads. */
#define VR_CLI_MAX_THREADS 4096

/* OMP_NUM_THREADS is the thread count wherever --threads (or simulation.threads) is 0, the
 * default: beyond VR_CLI_MAX_THREADS it is refused like the option (libgomp crashed starting a
 * team of 70,000, leaving the run's temporary output behind), and so is a value OpenMP cannot read
 * (libgomp ignores it and uses every core). Returns 0, or EXIT_USAGE after
 * printing "vixrisk CMD: OMP_NUM_THREADS: ..." to stderr. */
int vr_cli_check_omp_env(const char *cmd);

/* An option that takes a value, given twice, is refused (the last one won without a word: `-o
 * a.h5 -o b.h5`, `--model heston --model bates`, as a config refuses a duplicate key). Call once
 * per option getopt_long returns, with a zeroed `seen` of VR_CLI_SEEN entries; `repeatable` names
 * the option values that may repeat (0-terminated; NULL: none). Returns 1, or 0 after printing
 * "vixrisk CMD: --NAME given twice ..." to stderr. */
#define VR_CLI_SEEN 512
struct option;
int vr_cli_once(const char *cmd, const struct option *opts, int c, unsigned char *seen, const int *repeatable);

/* `vixrisk --version` output; returns 0. */
int vr_cli_version(void);

/* Check an output target before any work (vr_outfile_prepare); on failure print
 * "vixrisk CMD: message" to stderr and return the exit code (2 for an unusable target, 1 for an
 * I/O failure), else 0. */
int vr_cli_prepare_out(vr_outfile *o, const char *cmd, const char *path, const char *default_name,
                       const char *const *inputs, int ninputs);

/* Print a failure of `cmd` (err->msg) with a plain-words line first when it is a full disk or the
 * file-size limit; returns the exit code for st. */
int vr_cli_fail(const char *cmd, vr_status st, const vr_err *err);

/* s as a JSON string (quotes and escapes included). */
void vr_cli_json_str(FILE *out, const char *s);
/* "key": number, or "key": null for NaN/Inf; then ", " if comma. */
void vr_cli_json_num(FILE *out, const char *key, double x, int comma);

/* A date option OPT of command CMD: "YYYY-MM-DD" (vr_history_parse_iso_date) into yyyymmdd; 1 on
 * success, else prints "vixrisk CMD: OPT: expected ..., got '...'" and returns 0. */
int vr_cli_parse_date(const char *cmd, const char *opt, const char *s, int32_t *date);
/* --asof DATE of `run`, `check`, `price` and `model`: vr_cli_parse_date with OPT "--asof". */
int vr_cli_parse_asof(const char *cmd, const char *s, int32_t *date);
/* --data DIR of `run`, `check`, `price`, `model` and `calibrate`: 1 if DIR is not empty, else
 * prints "vixrisk CMD: --data needs a directory ..." and returns 0 (an empty value, as from an
 * unset shell variable, must not fall back to the default data in silence). */
int vr_cli_parse_data(const char *cmd, const char *s);

/* The market a --asof run or price starts from, one line: "as of DATE (DIR): SPX .., VIX ..,
 * VIX3M .." (VIX3M "none in the data" when absent). */
void vr_cli_asof_print(FILE *out, const vr_market_day *mk);

/* The factors x of a model (names from ops) and the VIX they give under its pricing parameters,
 * "v0 = 0.0906, m0 = 0.05 (VIX 33.42)". */
void vr_cli_state_print(FILE *out, const vr_model *m, const double *x);

/* `run --json`: the ranking of every scenario's policies, read back from the run file just
 * written (the scores the run stored as attributes), as one JSON object on `out`. */
/* A scenario the run timed (run --stages: its stage_* attributes) also gets "stages": threads,
 * their mean wall seconds and vr_eval_stages_json's members (which the benchmark's
 * end_to_end_stages shares). */
int vr_cli_run_json(FILE *out, const char *h5_path, double seconds);

#endif
