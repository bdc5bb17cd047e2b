/* fuzz_history.c: the history CSV loaders: vr_history_load (parse, validate, join) and
 * vr_futures_load (the two futures files, the term rows' labels: data/term_label.c). One input
 * holds up to five files, separated by lines "%%": spx_daily.csv, vix_daily.csv, then, each if
 * one more separator is present (else absent), vix3m_daily.csv, vix_futures_contracts.csv and
 * vix_futures_term_structure.csv. A futures curve that loads must be well formed (checked here:
 * 1..VR_FUT_MAX contracts a day, expiries strictly ascending after the date, positive finite
 * settlements); else the target aborts. Seeds: tests/fuzz/corpus/history/ (slices of the real
 * files' format, made up numbers; the futures seeds are rows of the shipped 2007 data). */
#include <math.h>

#include "fuzz_util.h"
#include "vixrisk/vr_history.h"

/* Start of the next "\n%%\n" separator at or after p, or NULL. */
static const uint8_t *next_sep(const uint8_t *p, const uint8_t *end)
{
    for (; p + 4 <= end; p++)
        if (p[0] == '\n' && p[1] == '%' && p[2] == '%' && p[3] == '\n')
            return p;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[5] = {"spx_daily.csv", "vix_daily.csv", "vix3m_daily.csv",
                                         "vix_futures_contracts.csv",
                                         "vix_futures_term_structure.csv"};
    const uint8_t *p = data, *end = data + size;
    char path[600];
    for (int k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_scratch(), names[k]);
        unlink(path);
    }
    for (int k = 0; k < 5 && p != NULL; k++) {
        const uint8_t *s = next_sep(p, end);
        const uint8_t *stop = s ? s + 1 : end; /* keep the newline that ends the last line */
        fuzz_write(k, names[k], p, (size_t)(stop - p));
        p = s ? s + 4 : (k < 1 ? end : NULL); /* spx and vix always exist (maybe empty) */
    }
    vr_history h;
    vr_err err = {VR_OK, ""};
    if (vr_history_load(fuzz_scratch(), &h, &err) == VR_OK) {
        size_t i0, i1;
        (void)vr_history_window(&h, 0, 0, &i0, &i1, &err);
        vr_history_free(&h);
    }
    vr_futures fu;
    vr_err_clear(&err);
    if (vr_futures_load(fuzz_scratch(), &fu, &err) == VR_OK) {
        for (size_t i = 0; i < fu.n; i++) {
            if (fu.count[i] < 1 || fu.count[i] > VR_FUT_MAX || (i > 0 && fu.date[i] <= fu.date[i - 1]))
                abort();
            for (int k = 0; k < fu.count[i]; k++) {
                const int32_t e = fu.expiry[i * VR_FUT_MAX + (size_t)k];
                const double x = fu.settle[i * VR_FUT_MAX + (size_t)k];
                if (e <= fu.date[i] || (k > 0 && e <= fu.expiry[i * VR_FUT_MAX + (size_t)k - 1]) ||
                    !(x > 0) || !isfinite(x))
                    abort();
            }
            (void)vr_futures_cm(&fu, i, 30.0, 20.0);
        }
        vr_futures_free(&fu);
    }
    return 0;
}
