/* status.c: the error record (see vr_status.h). */
#include "vixrisk/vr_status.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vr_status vr_fail(vr_err *err, vr_status code, const char *fmt, ...)
{
    if (err == NULL || err->code != VR_OK)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* an allocation's failure names what was allocated ("price: terminal state of 10000000000
     * paths"); the reader also needs to be told that memory ran out */
    if (code == VR_ENOMEM && strstr(err->msg, "out of memory") == NULL) {
        const size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, "%sout of memory", n > 0 ? ": " : "");
    }
    return code;
}

void vr_err_prefix(vr_err *err, const char *prefix)
{
    if (err == NULL || err->code == VR_OK)
        return;
    char msg[sizeof err->msg];
    memcpy(msg, err->msg, sizeof msg);
    snprintf(err->msg, sizeof err->msg, "%s%s", prefix, msg);
}

const char *vr_num_str(double x, char *buf)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, VR_NUM_STR, "%.*g", prec, x);
        if (strtod(buf, NULL) == x || x != x) /* (NaN never reads back equal) */
            break;
    }
    return buf;
}

void vr_err_clear(vr_err *err)
{
    if (err != NULL) {
        err->code = VR_OK;
        err->msg[0] = '\0';
    }
}

int vr_status_exit_code(vr_status st)
{
    switch (st) {
    case VR_OK: return 0;
    case VR_EINVAL:
    case VR_ECONFIG: return 2;
    default: return 1;
    }
}

const char *vr_status_name(vr_status st)
{
    switch (st) {
    case VR_OK: return "ok";
    case VR_EINVAL: return "invalid argument";
    case VR_ECONFIG: return "configuration error";
    case VR_ENOMEM: return "out of memory";
    case VR_EIO: return "i/o error";
    case VR_EHDF5: return "hdf5 error";
    case VR_ENUM: return "numerical failure";
    }
    return "unknown";
}

int vr_parse_decimal(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (digits == 0)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p != '\0')
        return 0;
    errno = 0;
    const double x = strtod(s, NULL);
    if (!isfinite(x))
        return 3; /* (the syntax above admits no inf or nan: an overflow) */
    if (errno == ERANGE)
        return 2;
    /* -0 reads as 0: no input of the engine means anything by the sign of a zero, and a -0 kept
     * came back as "-0" in the model's summary and the reports (v0: -0.0) */
    *out = x == 0 ? 0.0 : x;
    return 1;
}

vr_status vr_env_mib(const char *name, unsigned long long def_mib, unsigned long long max_mib,
                     unsigned long long *bytes, vr_err *err)
{
    const char *e = getenv(name);
    unsigned long long mb = def_mib;
    if (e != NULL && e[0] != '\0') { /* set and empty: the default */
        char *end = NULL;
        errno = 0;
        mb = strtoull(e, &end, 10);
        if (e[0] < '0' || e[0] > '9' || *end != '\0' || errno != 0 || mb > max_mib)
            return vr_fail(err, VR_EINVAL, "%s: '%.40s' is not a whole number of MiB in [0, %llu]",
                           name, e, max_mib);
    }
    *bytes = mb << 20;
    return VR_OK;
}
