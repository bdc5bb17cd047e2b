/* values.c: exact parsing of the numbers in config files, and range checks.
 *
 * libcyaml and YAML 1.1 are lenient with numbers ("1e5" read as an integer gives 1, "20_000" is
 * twenty thousand in YAML 1.1, ".nan" is a float); a risk run must not quietly simulate one path.
 * Here every value is text and is parsed on purpose:
 *   - a whole-number key (paths, seed, days, contracts, ...) takes an integer literal: optional
 *     sign and decimal digits, nothing else. `1e5` is refused with the hint to write 100000;
 *     `20_000`, `010` (octal in YAML 1.1), `42abc`, `30d`, `252.9` are refused;
 *   - a real-number key takes a decimal literal (digits, one point, an optional exponent);
 *     `nan`, `.nan`, `inf`, `.inf`, hex floats, separators and suffixes are refused, and so is an
 *     integer literal with a leading zero (`030`), octal in YAML 1.1 as for whole numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* Optimal string alignment distance (insertions, deletions, substitutions, and swaps of two
 * adjacent letters, each 1) of two short keys, capped: written here because it is a dozen lines
 * over names of at most 63 characters, where a library would be heavier than the function. */
static int key_distance(const char *a, const char *b)
{
    enum { M = 64 };
    const size_t la = strlen(a), lb = strlen(b);
    if (la >= M || lb >= M)
        return M;
    int d[M][M];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            const int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *vr_cfg_suggest(const char *name, const void *cands, size_t stride, int n, char *buf, size_t cap)
{
    const size_t ln = strlen(name);
    const int limit = ln <= 3 ? 1 : ln <= 8 ? 2 : 3;
    int best = limit + 1;
    const char *pick = NULL;
    for (int i = 0; i < n; i++) {
        const char *k = *(const char *const *)((const char *)cands + (size_t)i * stride);
        if (k == NULL)
            continue;
        const int dist = key_distance(name, k);
        if (dist < best) {
            best = dist;
            pick = k;
        }
    }
    if (pick != NULL && best > 0)
        snprintf(buf, cap, " (did you mean '%s'?)", pick);
    else if (cap > 0)
        buf[0] = '\0';
    return buf;
}

int vr_cfg_has(const vr_cfg_ctx *c, const char *path) { return vr_yaml_line(c->ix, path) > 0; }

static vr_status text_at(const vr_cfg_ctx *c, const char *path, const char **out)
{
    *out = vr_yaml_text(c->ix, path);
    if (*out != NULL)
        return VR_OK;
    const char k = vr_yaml_kind(c->ix, path);
    return vr_config_fail(c->err, c->file, c->ix, path, "expected a single value, got a %s",
                          k == 'm' ? "mapping" : k == 'q' ? "list" : "nothing");
}

vr_status vr_cfg_num(const vr_cfg_ctx *c, const char *path, double def, double *out)
{
    if (!vr_cfg_has(c, path)) {
        *out = def;
        return VR_OK;
    }
    const char *s = NULL;
    vr_status st = text_at(c, path, &s);
    if (st != VR_OK)
        return st;
    /* a leading zero before more digits and nothing else (030): YAML 1.1 reads it as octal 24, as
     * for a whole-number key (below); 0.5, 030.5 and 030e1 are decimal in either reading */
    const char *d = s + (*s == '+' || *s == '-');
    if (d[0] == '0' && d[1] >= '0' && d[1] <= '9' && d[strspn(d, "0123456789")] == '\0')
        return vr_config_fail(c->err, c->file, c->ix, path, "expected a number, got '%.60s' (a leading zero: YAML "
                              "1.1 reads it as octal; write it without the zero)", s);
    const int parsed = vr_parse_decimal(s, out);
    if (parsed == 2)
        return vr_config_fail(c->err, c->file, c->ix, path,
                              "'%.60s' is too small for a double (below 2.2e-308 in magnitude): write a larger value, "
                              "or 0 where the key's range has it", s);
    if (parsed == 3)
        return vr_config_fail(c->err, c->file, c->ix, path,
                              "'%.60s' is too large for a double (above 1.8e308 in magnitude)", s);
    if (!parsed) {
        const char *why = "";
        char low[64];
        size_t k = 0;
        for (; s[k] && k < sizeof low - 1; k++)
            low[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] - 'A' + 'a' : s[k]);
        low[k] = '\0';
        if (strstr(low, "nan") || strstr(low, "inf"))
            why = " (NaN and infinities are not allowed)";
        return vr_config_fail(c->err, c->file, c->ix, path, "expected a number, got '%.60s'%s", s, why);
    }
    return VR_OK;
}

vr_status vr_cfg_whole(const vr_cfg_ctx *c, const char *path, double lo, double hi, double def, double *out)
{
    if (!vr_cfg_has(c, path)) {
        *out = def;
        return VR_OK;
    }
    const char *s = NULL;
    vr_status st = text_at(c, path, &s);
    if (st != VR_OK)
        return st;
    const char *p = s + (*s == '+' || *s == '-');
    int ok = *p != '\0';
    for (const char *q = p; *q; q++)
        ok &= *q >= '0' && *q <= '9';
    double x = 0;
    if (!ok) {
        char hint[96] = "";
        if (vr_parse_decimal(s, &x) == 1) {
            if (x != floor(x))
                snprintf(hint, sizeof hint, " (not a whole number)");
            else if (x >= lo && x <= hi) /* (the range says the rest) */
                snprintf(hint, sizeof hint, " (write it as %.0f)", x);
        } else if (strchr(s, '_'))
            snprintf(hint, sizeof hint, " (no digit separators)");
        return vr_config_fail(c->err, c->file, c->ix, path, "expected a whole number in [%.0f, %.0f], got '%.60s'%s",
                              lo, hi, s, hint);
    }
    /* a leading zero before more digits: YAML 1.1 reads 010 as octal 8, YAML 1.2 as 10; a run
     * does not guess which was meant (as with 20_000) */
    if (p[0] == '0' && p[1] != '\0')
        return vr_config_fail(c->err, c->file, c->ix, path, "expected a whole number in [%.0f, %.0f], got '%.60s' (a "
                              "leading zero: YAML 1.1 reads it as octal; write it without the zero)", lo, hi, s);
    /* at most 16 digits: exact in a double, and every range here is below 1e16 */
    if (strlen(p) > 16)
        return vr_config_fail(c->err, c->file, c->ix, path, "must be in [%.0f, %.0f] (got %.60s)", lo, hi, s);
    x = strtod(s, NULL);
    if (!(x >= lo && x <= hi))
        return vr_config_fail(c->err, c->file, c->ix, path, "must be in [%.0f, %.0f] (got %.60s)", lo, hi, s);
    *out = x;
    return VR_OK;
}

vr_status vr_cfg_range(const vr_cfg_ctx *c, const char *path, double x, double lo, int lo_in, double hi, int hi_in)
{
    const int ok = isfinite(x) && (lo_in ? x >= lo : x > lo) && (hi_in ? x <= hi : x < hi);
    if (ok)
        return VR_OK;
    char hs[32];
    if (isinf(hi))
        snprintf(hs, sizeof hs, "inf)");
    else
        snprintf(hs, sizeof hs, "%g%c", hi, hi_in ? ']' : ')');
    char g[VR_NUM_STR];
    return vr_config_fail(c->err, c->file, c->ix, path, "must be in %c%g, %s (got %s)", lo_in ? '[' : '(', lo, hs,
                          vr_num_str(x, g));
}

vr_status vr_cfg_fail_key(const vr_cfg_ctx *c, const char *key, const vr_err *verr)
{
    const char *msg = verr->msg;
    const size_t kl = strlen(key);
    if (kl > 0 && strncmp(msg, key, kl) == 0) {
        msg += kl;
        if (*msg == ':')
            msg++;
        if (*msg == ' ')
            msg++;
    }
    /* a key of a two-form value the file gives as one number (half_spread: 0.1 is the validator's
     * half_spread.base): the file's own key */
    char shown[VR_KEY_MAX];
    snprintf(shown, sizeof shown, "%s", key);
    char *dot = strrchr(shown, '.');
    if (dot != NULL && !vr_cfg_has(c, shown)) {
        *dot = '\0';
        if (vr_yaml_kind(c->ix, shown) != 's')
            *dot = '.';
    }
    return vr_config_fail(c->err, c->file, c->ix, shown[0] ? shown : NULL, "%s", msg);
}

void vr_cyaml_free(const cyaml_schema_value_t *schema, void *data)
{
    if (data == NULL)
        return;
    const cyaml_config_t cfg = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR, .log_fn = cyaml_log};
    cyaml_free(&cfg, schema, data, 0);
}
