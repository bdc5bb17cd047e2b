/* cyaml_load.c: load a file with a libcyaml schema and turn libcyaml's log into one message.
 *
 * libcyaml reports a failure as a message line ("Load: Invalid FLOAT value: abc") followed by a
 * backtrace ("in mapping field 'theta' (line: 6, column: 12)", innermost first). The capture
 * below keeps the first message and the field names, rebuilds the key path (0-based indices) and
 * asks the key index for the file and line, giving "file:line: model.physical.theta: ...".
 * libcyaml reads the flat text the index emits (aliases expanded, model files spliced in), so its
 * own line numbers are not used. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

typedef struct capture {
    char msg[256];
    char fields[16][64]; /* innermost first */
    int nfields;
    int lines[16];
} capture;

static void log_capture(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    capture *c = ctx;
    if (level < CYAML_LOG_ERROR)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, args);
    line[strcspn(line, "\n")] = '\0';
    const char *p = line;
    while (*p == ' ')
        p++;
    if (strncmp(p, "Load: ", 6) == 0) {
        p += 6;
        if (c->msg[0] == '\0' && strncmp(p, "Backtrace", 9) != 0)
            snprintf(c->msg, sizeof c->msg, "%s", p);
        return;
    }
    int ln = 0;
    const char *q = strstr(p, "(line: ");
    if (q)
        ln = atoi(q + 7);
    if (c->nfields >= 16)
        return;
    if (strncmp(p, "in mapping field '", 18) == 0) {
        const char *e = strchr(p + 18, '\'');
        const int len = e ? (int)(e - (p + 18)) : 0;
        snprintf(c->fields[c->nfields], 64, "%.*s", len, p + 18);
        c->lines[c->nfields++] = ln;
    } else if (strncmp(p, "in sequence entry '", 19) == 0) {
        /* libcyaml counts entries from 1; key paths count from 0 */
        snprintf(c->fields[c->nfields], 64, "[%d]", atoi(p + 19) - 1);
        c->lines[c->nfields++] = ln;
    }
}

/* libcyaml's name of what it expected ("Expecting STRING, ...") or found ("got event:
 * SEQUENCE_START") in words. */
static const char *shape_of(const char *s)
{
    if (s == NULL)
        return "something else";
    if (strncmp(s, "got event: ", 11) == 0)
        s += 11;
    static const struct { const char *cyaml, *words; } names[] = {
        {"SEQUENCE", "a list"}, {"MAPPING", "a mapping"}, {"SCALAR", "a single value"},
        {"STRING", "a single value"}, {"FLOAT", "a number"}, {"INT", "a whole number"},
        {"UINT", "a whole number"}, {"BOOL", "true or false"}, {"ENUM", "one of the key's values"},
        {"FLAGS", "a list of flags"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strncmp(s, names[i].cyaml, strlen(names[i].cyaml)) == 0)
            return names[i].words;
    return "something else";
}

/* The schema of the value at frames[n-1] .. frames[from] (outermost first, as the capture holds
 * them: a field name, or "[i]" for a list's entry), or NULL where the path leaves the schema. */
static const cyaml_schema_value_t *schema_at(const cyaml_schema_value_t *v, char frames[][64], int n,
                                             int from)
{
    for (int i = n - 1; i >= from && v != NULL; i--) {
        if (frames[i][0] == '[') {
            v = (v->type == CYAML_SEQUENCE || v->type == CYAML_SEQUENCE_FIXED) ? v->sequence.entry : NULL;
            continue;
        }
        if (v->type != CYAML_MAPPING)
            return NULL;
        const cyaml_schema_field_t *f = v->mapping.fields;
        while (f->key != NULL && strcmp(f->key, frames[i]) != 0)
            f++;
        v = f->key != NULL ? &f->value : NULL;
    }
    return v;
}

vr_status vr_cyaml_load(const char *file, const vr_yaml_index *ix, const cyaml_schema_value_t *schema,
                        void **out, vr_err *err)
{
    char *text = NULL;
    size_t len = 0;
    vr_status st = vr_yaml_index_emit(ix, &text, &len, err);
    if (st != VR_OK)
        return st;
    capture cap;
    memset(&cap, 0, sizeof cap);
    cyaml_config_t cfg = {
        .log_fn = log_capture,
        .log_ctx = &cap,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_ERROR,
        .flags = CYAML_CFG_DEFAULT,
    };
    *out = NULL;
    const cyaml_err_t e = cyaml_load_data((const uint8_t *)text, len, &cfg, schema, out, NULL);
    free(text);
    if (e == CYAML_OK)
        return VR_OK;
    const char *m = cap.msg[0] ? cap.msg : cyaml_strerror(e);
    /* A list's length out of its bounds: libcyaml's innermost frame is then the entry it was at
     * (for an empty list, entry 0: "[-1]"; for a long one, the last allowed entry). The message
     * names the list itself when it is too short, and the first entry past the bound when it is
     * too long. */
    unsigned have = 0, lim = 0;
    const int few = sscanf(m, "Insufficient entries (%u of %u min)", &have, &lim) == 2;
    const int many = !few && sscanf(m, "Excessive entries (%u max)", &lim) == 1;
    /* a list of exactly N entries (the schema's min = max) says so, not "at least" or "at most" */
    int exact = 0;
    if ((few || many) && cap.nfields > 0 && cap.fields[0][0] == '[') {
        const cyaml_schema_value_t *l = schema_at(schema, cap.fields, cap.nfields, 1);
        exact = l != NULL && (l->type == CYAML_SEQUENCE || l->type == CYAML_SEQUENCE_FIXED) &&
                l->sequence.min == l->sequence.max && l->sequence.max == lim;
    }
    if ((few || many) && cap.nfields > 0 && cap.fields[0][0] == '[') {
        if (few) {
            cap.nfields--;
            memmove(cap.fields, cap.fields + 1, sizeof cap.fields[0] * (size_t)cap.nfields);
            memmove(cap.lines, cap.lines + 1, sizeof cap.lines[0] * (size_t)cap.nfields);
        } else
            snprintf(cap.fields[0], sizeof cap.fields[0], "[%u]", lim);
    }
    /* key path from the backtrace, outermost first */
    char path[VR_KEY_MAX] = "";
    for (int i = cap.nfields - 1; i >= 0; i--) {
        const size_t len = strlen(path);
        snprintf(path + len, sizeof path - len, "%s%s",
                 (len && cap.fields[i][0] != '[') ? "." : "", cap.fields[i]);
    }
    if (strncmp(m, "Unexpected key: ", 16) == 0) {
        /* the innermost frame is the last field read in the mapping that holds the bad key */
        char parent[VR_KEY_MAX] = "";
        for (int i = cap.nfields - 1; i >= 1; i--) {
            const size_t len = strlen(parent);
            snprintf(parent + len, sizeof parent - len, "%s%s",
                     (len && cap.fields[i][0] != '[') ? "." : "", cap.fields[i]);
        }
        char key[VR_KEY_MAX];
        snprintf(key, sizeof key, "%s%s%s", parent, parent[0] ? "." : "", m + 16);
        int from = 1;
        if (vr_yaml_line(ix, key) == 0) { /* the backtrace's innermost frame was the parent itself */
            snprintf(key, sizeof key, "%s%s%s", path, path[0] ? "." : "", m + 16);
            from = 0;
        }
        /* the nearest key the mapping takes, for a typo */
        char hint[VR_KEY_MAX + 64] = "";
        const cyaml_schema_value_t *pm = schema_at(schema, cap.fields, cap.nfields, from);
        if (pm != NULL && pm->type == CYAML_MAPPING) {
            int nf = 0;
            while (pm->mapping.fields[nf].key != NULL)
                nf++;
            vr_cfg_suggest(m + 16, pm->mapping.fields, sizeof pm->mapping.fields[0], nf, hint, sizeof hint);
        }
        /* a model file given where a run config is asked for */
        if (hint[0] == '\0' && strcmp(key, "model") == 0)
            snprintf(hint, sizeof hint, " (a model file? A run config names one in scenarios[i].model)");
        /* and a run config given where a model file is (vixrisk model, price --model) */
        if (hint[0] == '\0' &&
            (strcmp(key, "simulation") == 0 || strcmp(key, "scenarios") == 0 || strcmp(key, "policies") == 0))
            snprintf(hint, sizeof hint, " (a run config? This reads a model file, such as configs/models/svcj_cal.yaml; "
                                        "vixrisk run and check read run configs)");
        return vr_config_fail(err, file, ix, key, "unknown key%s", hint);
    }
    if (e == CYAML_ERR_FILE_OPEN)
        return vr_fail(err, VR_ECONFIG, "%s: cannot open file", file);
    if (e == CYAML_ERR_LIBYAML_PARSER)
        return vr_fail(err, VR_ECONFIG, "%s:%d: YAML syntax error: %s", file,
                       cap.nfields ? cap.lines[0] : 0, m);
    /* rewrite the common value errors in plain words */
    char plain[300];
    if (few)
        snprintf(plain, sizeof plain, "needs %s %u entr%s (got %u)", exact ? "exactly" : "at least", lim,
                 lim == 1 ? "y" : "ies", have);
    else if (many)
        snprintf(plain, sizeof plain, "the list takes %s %u entr%s", exact ? "exactly" : "at most", lim,
                 lim == 1 ? "y" : "ies");
    else if (strncmp(m, "Invalid FLOAT value: ", 21) == 0)
        snprintf(plain, sizeof plain, "expected a number, got '%.200s'", m + 21);
    else if (strncmp(m, "Invalid INT value: ", 19) == 0 || strncmp(m, "Invalid UINT value: ", 20) == 0)
        snprintf(plain, sizeof plain, "expected a whole number, got %.200s", strchr(m, ':') + 2);
    else if (strncmp(m, "Invalid ENUM value: ", 20) == 0)
        snprintf(plain, sizeof plain, "invalid value '%.200s'", m + 20);
    else if (strncmp(m, "Expecting ", 10) == 0) {
        /* an empty value (`simulation:` with its keys commented out) is a null scalar to libyaml */
        const char *got = shape_of(strstr(m, "got event: "));
        const char *txt = path[0] ? vr_yaml_text(ix, path) : NULL;
        if (txt != NULL && (txt[0] == '\0' || strcmp(txt, "~") == 0 || strcmp(txt, "null") == 0))
            got = "nothing (an empty value)";
        snprintf(plain, sizeof plain, "wrong type: expected %s, got %s", shape_of(m + 10), got);
    }
    else
        snprintf(plain, sizeof plain, "%.250s", m);
    return vr_config_fail(err, file, ix, path[0] ? path : NULL, "%s", plain);
}
