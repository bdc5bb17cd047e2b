/* fuzz_history.c: the history CSV loader (vr_history_load: parse, validate, join). One input holds
 * the three files, separated by lines "%%": spx_daily.csv, vix_daily.csv and, if a second
 * separator is present, vix3m_daily.csv (else that file is absent). Seeds: tests/fuzz/corpus/history/
 * (slices of the real files' format, made up numbers). */
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
    static const char *const names[3] = {"spx_daily.csv", "vix_daily.csv", "vix3m_daily.csv"};
    const uint8_t *p = data, *end = data + size;
    char path[600];
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_scratch(), names[k]);
        unlink(path);
    }
    for (int k = 0; k < 3 && p != NULL; k++) {
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
    return 0;
}
