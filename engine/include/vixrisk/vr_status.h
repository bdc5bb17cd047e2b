/* vr_status.h: status codes and the error record every fallible engine call fills.
 *
 * The first failure writes one sentence with its context into err->msg ("file:line: key: ...");
 * later failures on the unwinding path keep that first message (vr_fail does nothing when a
 * message is already there). Library code never exits: the CLI maps a status to an exit code
 * with vr_status_exit_code(). */
#ifndef VIXRISK_VR_STATUS_H
#define VIXRISK_VR_STATUS_H

typedef enum vr_status {
    VR_OK = 0,
    VR_EINVAL,  /* bad argument or parameter value (usage error, exit 2) */
    VR_ECONFIG, /* bad configuration file (exit 2) */
    VR_ENOMEM,
    VR_EIO,
    VR_EHDF5,
    VR_ENUM     /* a numerical method failed to converge */
} vr_status;

typedef struct vr_err {
    vr_status code;
    char msg[512];
} vr_err;

/* Record a failure (printf-style) unless one is already recorded; returns `code`.
 * `err` may be NULL. */
vr_status vr_fail(vr_err *err, vr_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Put `prefix` before the message of a recorded failure (the caller's context: "report: ", the
 * command), cutting the message to fit; nothing when err is NULL or records none. */
void vr_err_prefix(vr_err *err, const char *prefix);

/* Clear an error record before reuse. */
void vr_err_clear(vr_err *err);

/* Process exit code for a status: 0 ok, 2 usage/config errors, 1 anything else. */
int vr_status_exit_code(vr_status st);

const char *vr_status_name(vr_status st);

/* x in the fewest significant digits (6 to 17, %g style) that read back as x: an error's "got"
 * value or a name never shows 1e+07 for 10000000.5. Returns buf (VR_NUM_STR bytes). */
#define VR_NUM_STR 32
const char *vr_num_str(double x, char *buf);

/* A decimal literal, the one number syntax of configs, data files and the command line: [+-]
 * digits [. digits] [(e|E) [+-] digits], at least one digit before the exponent, nothing else (no
 * hex, inf, nan, blanks). Returns 1 and *out when it is one and finite, 2 when it underflows
 * (below the smallest normal double: it would read as 0 or lose digits), 3 when it overflows (1e999;
 * *out untouched in both), 0 otherwise. */
int vr_parse_decimal(const char *s, double *out);

/* The environment variable `name` as a whole number of MiB in [0, max_mib], in bytes: *bytes =
 * def_mib MiB when it is unset or empty; VR_EINVAL naming the variable, its value and the range
 * otherwise (digits only: no sign, blanks or unit). */
vr_status vr_env_mib(const char *name, unsigned long long def_mib, unsigned long long max_mib,
                     unsigned long long *bytes, vr_err *err);

/* Size of the buffers that carry a config key path ("model.physical.kappa"). */
#define VR_KEY_MAX 128

#endif
