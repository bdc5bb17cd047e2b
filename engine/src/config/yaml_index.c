/* yaml_index.c: read a YAML config into an expanded event list and a key index (see vr_config.h).
 *
 * Two passes over libyaml's event parser:
 *   1. each file is read into a flat list of events with its aliases replaced by copies of the
 *      anchored events (libcyaml would otherwise see `*m` where the schema wants a mapping, and
 *      the key checks would find no keys under an alias), each event keeping its file and line;
 *   2. the events are appended to the index one by one while a stack of open collections tracks
 *      the key path of every value. A scalar in the place of a scenario's `model` mapping names a
 *      model file: the `model` value of that file (path relative to the including file) is
 *      spliced in instead, its keys keeping their own file and line.
 * The index keeps, for every mapping key and sequence entry, its path ("policies[2].name",
 * 0-based), file, line, node kind and scalar text; the expanded events are emitted again as one
 * flat YAML text for libcyaml (cyaml_load.c), so the schema checks see what the index saw.
 * Lookups go through a small hash table: a hostile file may hold a hundred thousand keys, and
 * the duplicate-key check looks every key up once. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config_internal.h"
#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_runfile.h"

/* Bounds against hostile input: nesting depth, and the events alias expansion may produce
 * (a "billion laughs" file doubles them at every level), and the bytes of their values (a
 * thousand aliases of one long string are few events but a copy of the string each). */
#define MAX_DEPTH 32
#define MAX_EVENTS 100000
#define MAX_TEXT_MIB 16
#define MAX_TEXT ((size_t)MAX_TEXT_MIB << 20)
#define MAX_FILES 16                       /* the run file and up to 15 distinct model files */
#define MAX_SPLICES VR_RF_MAX_SCENARIOS    /* `model: FILE` keys: at most one per scenario */

typedef enum { EV_SCALAR, EV_MAP, EV_MAP_END, EV_SEQ, EV_SEQ_END } ev_type;

typedef struct yev {
    ev_type type;
    char *value; /* scalar text */
    int plain;   /* scalar written without quotes */
    int line;
    int file;
} yev;

typedef struct evlist {
    yev *e;
    size_t n, cap;
    size_t bytes; /* of the scalar values */
} evlist;

typedef struct entry {
    char *path;
    char *text; /* scalar value (NULL for collections) */
    int line, file;
    char kind;  /* 's' scalar, 'm' mapping, 'q' sequence, 0 before its value is seen */
} entry;

typedef struct frame {
    int is_map;
    int expect_key;
    long seq_index;
    long entry;          /* index entry of the current key / sequence entry, -1 if none */
    char path[VR_KEY_MAX];
    char key[VR_KEY_MAX]; /* mapping: path of the current key */
} frame;

struct vr_yaml_index {
    entry *e;
    size_t n, cap;
    long *hash;          /* open addressing over the paths: entry index + 1, 0 = empty */
    size_t hcap;         /* a power of two, > 2 n */
    char *files[MAX_FILES];
    dev_t dev[MAX_FILES];  /* of files[i], i >= 1: a model file named twice is one file */
    ino_t ino[MAX_FILES];
    int nfiles;
    int nsplices;
    evlist ev;           /* the expanded stream of the document */
    frame stack[MAX_DEPTH];
    int depth;
};

static void evlist_free(evlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->e[i].value);
    free(l->e);
    memset(l, 0, sizeof *l);
}

static int evlist_push(evlist *l, ev_type t, const char *value, int plain, int line, int file)
{
    if (l->n == l->cap) {
        const size_t cap = l->cap ? 2 * l->cap : 256;
        yev *e = realloc(l->e, cap * sizeof *e);
        if (e == NULL)
            return 0;
        l->e = e;
        l->cap = cap;
    }
    yev *x = &l->e[l->n];
    x->type = t;
    x->value = value ? strdup(value) : NULL;
    if (value && x->value == NULL)
        return 0;
    x->plain = plain;
    x->line = line;
    x->file = file;
    l->n++;
    l->bytes += value ? strlen(value) : 0;
    return 1;
}

typedef struct anchor {
    char *name;
    size_t start, end; /* [start, end) in the file's event list; end = 0 while open */
    int depth;
} anchor;

/* An explicit YAML tag (`!foo 22`, `!!str 22`): the loader reads every value by its key's type,
 * so a tag would be dropped without effect; refused rather than silently ignored. */
static vr_status tag_fail(vr_err *err, const char *path, int line, const char *tag)
{
    return vr_fail(err, VR_ECONFIG, "%s:%d: a YAML tag ('%.60s'): configs take none (it would be ignored; "
                   "each key's value is read as the key's type)", path, line, tag);
}

static vr_status syntax_fail(vr_err *err, const char *path, const yaml_parser_t *parser)
{
    size_t line = parser->problem_mark.line + 1;
    if (parser->error == YAML_READER_ERROR) { /* (bad encoding, a control character): libyaml gives
                                                 the byte's offset only; its line is counted here, with
                                                 the line breaks libyaml counts in its other errors:
                                                 CR LF, LF, a lone CR, and NEL, LS, PS in UTF-8 */
        line = 1;
        FILE *fp = fopen(path, "rb");
        int prev = EOF, prev2 = EOF;
        for (size_t i = 0; fp != NULL && i < parser->problem_offset; i++) {
            const int ch = fgetc(fp);
            if (ch == EOF)
                break;
            line += (ch == '\n' && prev != '\r') || ch == '\r' || (prev == 0xC2 && ch == 0x85) ||
                    (prev2 == 0xE2 && prev == 0x80 && (ch == 0xA8 || ch == 0xA9));
            prev2 = prev;
            prev = ch;
        }
        if (fp != NULL)
            fclose(fp);
    }
    /* libyaml's word for a tab where a token should start names no tab: say it (the mark's line
     * and column, columns in characters: a tab sits before any multi-byte character of its line
     * when it indents) */
    const char *tab = "";
    if (parser->error == YAML_SCANNER_ERROR && parser->problem != NULL &&
        strstr(parser->problem, "cannot start any token") != NULL) {
        FILE *fp = fopen(path, "rb");
        size_t ln = 1, col = 0;
        int ch = EOF;
        while (fp != NULL && (ch = fgetc(fp)) != EOF) {
            if (ln == line && col == parser->problem_mark.column)
                break;
            if (ch == '\n') {
                ln++;
                col = 0;
            } else if (ln == line)
                col++;
        }
        if (ch == '\t')
            tab = " (a tab: YAML indents with spaces only)";
        if (fp != NULL)
            fclose(fp);
    }
    return vr_fail(err, VR_ECONFIG, "%s:%zu: YAML syntax error: %s%s", path, line,
                   parser->problem ? parser->problem : "?", tab);
}

/* NEL, LS and PS (U+0085, U+2028, U+2029 in UTF-8) are line breaks to YAML 1.1 but not to an
 * editor: one pasted into a comment turned the comment's rest into content, with an unrelated
 * syntax error and every later line number one higher than the editor's. Refused by name at the
 * editor's line (lines counted at LF). A regular file only: the stream is read again after. */
static vr_status odd_breaks(FILE *fp, const char *path, vr_err *err)
{
    size_t line = 1;
    int prev = EOF, prev2 = EOF, ch;
    while ((ch = fgetc(fp)) != EOF) {
        const char *name = prev == 0xC2 && ch == 0x85 ? "NEL (U+0085)"
                           : prev2 == 0xE2 && prev == 0x80 && ch == 0xA8 ? "a line separator (U+2028)"
                           : prev2 == 0xE2 && prev == 0x80 && ch == 0xA9 ? "a paragraph separator (U+2029)"
                           : NULL;
        if (name != NULL)
            return vr_fail(err, VR_ECONFIG, "%s:%zu: %s: YAML reads it as a line break, which an editor does not "
                           "show; replace it with a newline or delete it", path, line, name);
        line += ch == '\n';
        prev2 = prev;
        prev = ch;
    }
    rewind(fp);
    return VR_OK;
}

/* Pass 1: the one document of `path` as a flat event list, aliases expanded. */
static vr_status read_events(const char *path, int fileno, evlist *out, vr_err *err)
{
    vr_status st = VR_OK;
    if (path[0] == '\0')
        return vr_fail(err, VR_ECONFIG, "the config file's name is empty");
    FILE *fp = vr_fopen_input(path, "rb");
    if (fp == NULL)
        return vr_fail(err, VR_ECONFIG, "%s: cannot open: %s", path, vr_fopen_input_error(errno));
    /* a file far beyond what a run can store is refused before it is parsed (and, for a run file,
     * read again whole for its config text): a 300 MB comment took 6 s and 600 MB to reach the
     * config text's limit */
    struct stat fsb;
    const int regular = stat(path, &fsb) == 0 && S_ISREG(fsb.st_mode);
    /* a run file (HDF5) given where a config is read: said so, not as a YAML error about a byte */
    unsigned char sig[8] = {0};
    if (regular && fread(sig, 1, sizeof sig, fp) == sizeof sig && memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0) {
        fclose(fp);
        return vr_fail(err, VR_ECONFIG, "%s: an HDF5 file (a run file?), not a YAML config; `vixrisk report "
                       "%s` reads a run file", path, path);
    }
    if (regular)
        rewind(fp);
    if (regular && (uintmax_t)fsb.st_size > MAX_TEXT) {
        fclose(fp);
        return vr_fail(err, VR_ECONFIG, "%s: %ju bytes: more than a config or model file may hold (%d MiB; "
                       "a run stores at most %d bytes of config text)", path, (uintmax_t)fsb.st_size,
                       MAX_TEXT_MIB, VR_RF_MAX_STR);
    }
    if (regular && (st = odd_breaks(fp, path, err)) != VR_OK) {
        fclose(fp);
        return st;
    }
    yaml_parser_t parser;
    yaml_event_t ev;
    int have_ev = 0, depth = 0;
    anchor *anchors = NULL;
    size_t nanch = 0, capanch = 0;
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return vr_fail(err, VR_ENOMEM, "%s: yaml parser", path);
    }
    yaml_parser_set_input_file(&parser, fp);
    for (int done = 0; !done;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            st = syntax_fail(err, path, &parser);
            goto done;
        }
        have_ev = 1;
        const int line = (int)ev.start_mark.line + 1;
        const char *anch = NULL;
        size_t start = out->n;
        int ok = 1;
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
            /* libyaml reads UTF-16 too (by its byte order mark), but the config text stored with
             * the results is the file's bytes, as a C string: its first NUL byte would cut it */
            if (ev.data.stream_start.encoding != YAML_UTF8_ENCODING) {
                st = vr_fail(err, VR_ECONFIG, "%s:1: the file is UTF-16 (it starts with a UTF-16 byte order mark); "
                             "config and model files are UTF-8", path);
                goto done;
            }
            break;
        case YAML_DOCUMENT_END_EVENT: {
            /* a config is one document: a second one ('---' and more) would be ignored */
            yaml_event_t nx;
            if (!yaml_parser_parse(&parser, &nx)) {
                st = syntax_fail(err, path, &parser);
                goto done;
            }
            const int more = nx.type != YAML_STREAM_END_EVENT;
            const size_t nline = nx.start_mark.line + 1;
            yaml_event_delete(&nx);
            if (more) {
                st = vr_fail(err, VR_ECONFIG, "%s:%zu: a second YAML document: a file holds one ('---' starts "
                             "another, which would be ignored)", path, nline);
                goto done;
            }
            done = 1;
            break;
        }
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_SCALAR_EVENT:
            if (ev.data.scalar.tag != NULL) {
                st = tag_fail(err, path, line, (const char *)ev.data.scalar.tag);
                goto done;
            }
            if (strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length) {
                st = vr_fail(err, VR_ECONFIG, "%s:%d: a NUL character inside a value (it would cut the value "
                             "short)", path, line);
                goto done;
            }
            anch = (const char *)ev.data.scalar.anchor;
            ok = evlist_push(out, EV_SCALAR, (const char *)ev.data.scalar.value,
                             ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE, line, fileno);
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            if (++depth > MAX_DEPTH) {
                st = vr_fail(err, VR_ECONFIG, "%s:%d: nesting deeper than %d levels", path, line, MAX_DEPTH);
                goto done;
            }
            {
                const char *tag = (const char *)(ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.tag
                                                                                     : ev.data.sequence_start.tag);
                if (tag != NULL) {
                    st = tag_fail(err, path, line, tag);
                    goto done;
                }
            }
            anch = (const char *)(ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor
                                                                     : ev.data.sequence_start.anchor);
            ok = evlist_push(out, ev.type == YAML_MAPPING_START_EVENT ? EV_MAP : EV_SEQ, NULL, 0, line, fileno);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            ok = evlist_push(out, ev.type == YAML_MAPPING_END_EVENT ? EV_MAP_END : EV_SEQ_END, NULL, 0, line, fileno);
            for (size_t a = 0; a < nanch; a++)
                if (anchors[a].end == 0 && anchors[a].depth == depth)
                    anchors[a].end = out->n;
            depth--;
            break;
        case YAML_ALIAS_EVENT: {
            const char *name = (const char *)ev.data.alias.anchor;
            const anchor *a = NULL;
            for (size_t k = nanch; k-- > 0;) /* the latest definition of the name wins */
                if (strcmp(anchors[k].name, name) == 0) {
                    a = &anchors[k];
                    break;
                }
            if (a == NULL || a->end == 0) {
                st = vr_fail(err, VR_ECONFIG, "%s:%d: alias '*%s' has no anchor '&%s' before it%s", path,
                             line, name, name, a ? " (an alias cannot refer to its own enclosing node)" : "");
                goto done;
            }
            if (out->n + (a->end - a->start) > MAX_EVENTS) {
                st = vr_fail(err, VR_ECONFIG, "%s:%d: aliases expand to more than %d YAML nodes", path,
                             line, MAX_EVENTS);
                goto done;
            }
            for (size_t k = a->start; k < a->end && ok && out->bytes <= MAX_TEXT; k++) {
                const yev y = out->e[k]; /* copy: the push may move the array */
                ok = evlist_push(out, y.type, y.value, y.plain, y.line, y.file);
            }
            if (ok && out->bytes > MAX_TEXT) {
                st = vr_fail(err, VR_ECONFIG, "%s:%d: aliases expand to more than %d MiB of values", path, line,
                             MAX_TEXT_MIB);
                goto done;
            }
            break;
        }
        default:
            break;
        }
        if (!ok) {
            st = vr_fail(err, VR_ENOMEM, "%s: event list", path);
            goto done;
        }
        if (out->n > MAX_EVENTS) {
            st = vr_fail(err, VR_ECONFIG, "%s:%d: more than %d YAML nodes", path, line, MAX_EVENTS);
            goto done;
        }
        if (out->bytes > MAX_TEXT) {
            st = vr_fail(err, VR_ECONFIG, "%s:%d: more than %d MiB of values", path, line, MAX_TEXT_MIB);
            goto done;
        }
        if (anch != NULL) {
            if (nanch == capanch) {
                capanch = capanch ? 2 * capanch : 16;
                anchor *na = realloc(anchors, capanch * sizeof *na);
                if (na == NULL) {
                    st = vr_fail(err, VR_ENOMEM, "%s: anchors", path);
                    goto done;
                }
                anchors = na;
            }
            anchors[nanch].name = strdup(anch);
            anchors[nanch].start = start;
            anchors[nanch].end = ev.type == YAML_SCALAR_EVENT ? out->n : 0;
            anchors[nanch].depth = depth;
            if (anchors[nanch].name == NULL) {
                st = vr_fail(err, VR_ENOMEM, "%s: anchors", path);
                goto done;
            }
            nanch++;
        }
        yaml_event_delete(&ev);
        have_ev = 0;
    }
done:
    if (have_ev)
        yaml_event_delete(&ev);
    yaml_parser_delete(&parser);
    fclose(fp);
    for (size_t a = 0; a < nanch; a++)
        free(anchors[a].name);
    free(anchors);
    return st;
}

static size_t hash_of(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int hash_insert(vr_yaml_index *ix, size_t i)
{
    if (2 * (ix->n + 1) > ix->hcap) {
        const size_t cap = ix->hcap ? 2 * ix->hcap : 256;
        long *h = calloc(cap, sizeof *h);
        if (h == NULL)
            return 0;
        free(ix->hash);
        ix->hash = h;
        ix->hcap = cap;
        for (size_t k = 0; k < i; k++) {
            size_t j = hash_of(ix->e[k].path) & (cap - 1);
            while (h[j])
                j = (j + 1) & (cap - 1);
            h[j] = (long)k + 1;
        }
    }
    size_t j = hash_of(ix->e[i].path) & (ix->hcap - 1);
    while (ix->hash[j])
        j = (j + 1) & (ix->hcap - 1);
    ix->hash[j] = (long)i + 1;
    return 1;
}

static long add_entry(vr_yaml_index *ix, const char *path, int line, int file)
{
    if (ix->n == ix->cap) {
        const size_t cap = ix->cap ? 2 * ix->cap : 64;
        entry *e = realloc(ix->e, cap * sizeof *e);
        if (e == NULL)
            return -1;
        ix->e = e;
        ix->cap = cap;
    }
    entry *x = &ix->e[ix->n];
    memset(x, 0, sizeof *x);
    x->path = strdup(path);
    if (x->path == NULL)
        return -1;
    x->line = line;
    x->file = file;
    if (!hash_insert(ix, ix->n)) {
        free(x->path);
        return -1;
    }
    return (long)ix->n++;
}

/* The path a new value gets from the frame that contains it; 0 when it does not fit VR_KEY_MAX. */
static int child_path(const frame *f, char *out)
{
    if (f == NULL)
        out[0] = '\0';
    else if (f->is_map)
        snprintf(out, VR_KEY_MAX, "%s", f->key);
    else if (snprintf(out, VR_KEY_MAX, "%s[%ld]", f->path, f->seq_index) >= VR_KEY_MAX)
        return 0;
    return 1;
}

static vr_status include_model(vr_yaml_index *ix, const yev *at, vr_err *err);
static const entry *find(const vr_yaml_index *ix, const char *path);

/* Pass 2: append one event to the document, tracking key paths. */
static vr_status push(vr_yaml_index *ix, const yev *y, int allow_include, vr_err *err)
{
    frame *top = ix->depth > 0 ? &ix->stack[ix->depth - 1] : NULL;
    const char *file = ix->files[y->file];
    if (y->type == EV_SCALAR && top && top->is_map && top->expect_key) {
        /* '.' and '[' ']' separate the parts of a key path: a key holding one could not be told
         * from a nested key (no key of the schema has one), and inside a mapping libcyaml does not
         * check (the half-spreads' {base, per_vix_point}) it was skipped as nobody's child */
        if (strpbrk(y->value, ".[]") != NULL)
            return vr_fail(err, VR_ECONFIG, "%s:%d: %s%s'%.60s': unknown key (no key contains '.', '[' or ']')",
                           file, y->line, top->path, top->path[0] ? ": " : "", y->value);
        /* a YAML 1.1 merge key (`<<: *base`), which libyaml leaves to the application: refused by
         * name (it read as "unknown key '<<'", as if anchors did not work) */
        if (y->plain && strcmp(y->value, "<<") == 0)
            return vr_fail(err, VR_ECONFIG, "%s:%d: %s%s'<<': merge keys are not supported: write the keys "
                           "out, or alias a whole value (key: *anchor)", file, y->line, top->path,
                           top->path[0] ? ": " : "");
        /* nor a line break, tab or other control character (a quoted "paths\n" or a `? |` key):
         * libcyaml's message cuts such a key at its line break, and the rest would name another
         * key ("paths") and that key's line */
        for (const unsigned char *q = (const unsigned char *)y->value; *q; q++)
            if (*q < 0x20 || *q == 0x7F) {
                char shown[64];
                size_t k = 0;
                for (const unsigned char *r = (const unsigned char *)y->value; *r && k + 5 < sizeof shown; r++)
                    if (*r < 0x20 || *r == 0x7F)
                        k += (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02x", *r);
                    else
                        shown[k++] = (char)*r;
                shown[k] = '\0';
                return vr_fail(err, VR_ECONFIG, "%s:%d: %s%s'%s': unknown key (no key contains a line break, tab "
                               "or other control character)", file, y->line, top->path, top->path[0] ? ": " : "",
                               shown);
            }
        char key[VR_KEY_MAX];
        /* no key of the schema comes near the bound: a longer path is refused here, before two
         * keys cut to the same prefix could pass for a duplicate */
        if (snprintf(key, sizeof key, "%s%s%s", top->path, top->path[0] ? "." : "", y->value) >= (int)sizeof key)
            return vr_fail(err, VR_ECONFIG, "%s:%d: %.60s...: key path longer than %d characters", file, y->line,
                           key, VR_KEY_MAX - 1);
        memcpy(top->key, key, sizeof key);
        const entry *first = find(ix, top->key);
        if (first != NULL) /* both places: the reader has to choose which one to keep */
            return vr_fail(err, VR_ECONFIG, "%s:%d: %s: duplicate key (first at %s:%d)", file, y->line, top->key,
                           ix->files[first->file], first->line);
        if ((top->entry = add_entry(ix, top->key, y->line, y->file)) < 0)
            return vr_fail(err, VR_ENOMEM, "%s: key index", file);
        top->expect_key = 0;
        return evlist_push(&ix->ev, y->type, y->value, y->plain, y->line, y->file)
                   ? VR_OK : vr_fail(err, VR_ENOMEM, "%s: event list", file);
    }
    if (y->type == EV_MAP_END || y->type == EV_SEQ_END) {
        ix->depth--;
        if (ix->depth > 0) {
            frame *p = &ix->stack[ix->depth - 1];
            if (p->is_map)
                p->expect_key = 1;
            else
                p->seq_index++;
        }
        return evlist_push(&ix->ev, y->type, NULL, 0, y->line, y->file)
                   ? VR_OK : vr_fail(err, VR_ENOMEM, "%s: event list", file);
    }
    if (top && top->is_map && top->expect_key) /* a collection as a key */
        return vr_fail(err, VR_ECONFIG, "%s:%d: a key must be a plain value, not a mapping or list", file, y->line);
    /* a value: scalar or collection start */
    char path[VR_KEY_MAX];
    if (!child_path(top, path))
        return vr_fail(err, VR_ECONFIG, "%s:%d: %.60s...: key path longer than %d characters", file, y->line,
                       path, VR_KEY_MAX - 1);
    long ent = -1;
    if (top && top->is_map)
        ent = top->entry;
    else if (top && (ent = add_entry(ix, path, y->line, y->file)) < 0)
        return vr_fail(err, VR_ENOMEM, "%s: key index", file);
    if (y->type == EV_SCALAR && allow_include && ent >= 0) {
        int si = -1, used = 0;
        if (sscanf(path, "scenarios[%d].model%n", &si, &used) == 1 && path[used] == '\0')
            return include_model(ix, y, err);
    }
    if (ent >= 0) {
        ix->e[ent].kind = y->type == EV_SCALAR ? 's' : y->type == EV_MAP ? 'm' : 'q';
        if (y->type == EV_SCALAR && (ix->e[ent].text = strdup(y->value)) == NULL)
            return vr_fail(err, VR_ENOMEM, "%s: key index", file);
    }
    if (y->type == EV_SCALAR) {
        if (top && top->is_map)
            top->expect_key = 1;
        else if (top)
            top->seq_index++;
    } else {
        if (ix->depth == MAX_DEPTH)
            return vr_fail(err, VR_ECONFIG, "%s:%d: nesting deeper than %d levels", file, y->line, MAX_DEPTH);
        frame *f = &ix->stack[ix->depth++];
        memset(f, 0, sizeof *f);
        snprintf(f->path, VR_KEY_MAX, "%s", path);
        f->is_map = y->type == EV_MAP;
        f->expect_key = 1;
        f->entry = -1;
    }
    return evlist_push(&ix->ev, y->type, y->value, y->plain, y->line, y->file)
               ? VR_OK : vr_fail(err, VR_ENOMEM, "%s: event list", file);
}

/* `model: FILE` in a scenario: splice the `model` mapping of FILE (relative to the including
 * file's directory unless absolute). */
static vr_status include_model(vr_yaml_index *ix, const yev *at, vr_err *err)
{
    const char *from = ix->files[at->file];
    if (ix->nsplices == MAX_SPLICES)
        return vr_fail(err, VR_ECONFIG, "%s:%d: more than %d scenarios name a model file (a run has at most %d "
                       "scenarios)", from, at->line, MAX_SPLICES, VR_RF_MAX_SCENARIOS);
    /* `model:` with no value, or an empty string: not a file name */
    if (at->value == NULL || at->value[0] == '\0' || (at->plain && strcmp(at->value, "~") == 0) ||
        (at->plain && strcmp(at->value, "null") == 0))
        return vr_fail(err, VR_ECONFIG, "%s:%d: %s: expected a model mapping or a model file's name, got nothing",
                       from, at->line, ix->stack[ix->depth - 1].key);
    char path[1024];
    if (vr_config_resolve(from, at->value, path, sizeof path) != 0)
        return vr_fail(err, VR_ECONFIG, "%s:%d: model file path too long", from, at->line);
    struct stat sb;
    const int have_sb = stat(path, &sb) == 0;
    if (have_sb && !S_ISREG(sb.st_mode))
        return vr_fail(err, VR_ECONFIG, "%s:%d: model file %s: not a regular file%s", from, at->line, path,
                       S_ISDIR(sb.st_mode) ? " (a directory)" : "");
    /* the scenarios of a run often share one model file: it is one of the run's files (listed,
     * and stored with the config text, once), whatever the path that names it */
    int fno = -1;
    for (int f = 1; have_sb && f < ix->nfiles && fno < 0; f++)
        if (ix->dev[f] == sb.st_dev && ix->ino[f] == sb.st_ino)
            fno = f;
    if (fno < 0) {
        if (ix->nfiles == MAX_FILES)
            return vr_fail(err, VR_ECONFIG, "%s:%d: more than %d model files", from, at->line, MAX_FILES - 1);
        fno = ix->nfiles;
        if ((ix->files[fno] = strdup(path)) == NULL)
            return vr_fail(err, VR_ENOMEM, "model file name");
        ix->dev[fno] = have_sb ? sb.st_dev : 0;
        ix->ino[fno] = have_sb ? sb.st_ino : 0;
        ix->nfiles++;
    }
    ix->nsplices++;
    evlist l = {0};
    vr_err e2 = {VR_OK, ""};
    vr_status st = read_events(path, fno, &l, &e2);
    if (st != VR_OK) {
        st = vr_fail(err, VR_ECONFIG, "%s:%d: model file: %s", from, at->line, e2.msg);
        goto done;
    }
    if (ix->ev.bytes + l.bytes > MAX_TEXT) { /* (up to MAX_SPLICES model files) */
        st = vr_fail(err, VR_ECONFIG, "%s:%d: model file %s: the run file and its model files hold more than %d "
                     "MiB of values", from, at->line, path, MAX_TEXT_MIB);
        goto done;
    }
    /* the value of the top-level key `model` */
    size_t i = 0, depth = 0, begin = 0, end = 0;
    int found = 0, found_line = 0;
    if (l.n == 0 || l.e[0].type != EV_MAP) {
        st = vr_fail(err, VR_ECONFIG, "%s:%d: model file %s: expected a mapping with the key 'model'", from,
                     at->line, path);
        goto done;
    }
    /* every top-level key, as `price --model` reads the file: 'model' once, nothing else */
    for (i = 1; i < l.n; i++) {
        if (l.e[i].type == EV_MAP_END)
            break;
        /* at a key of the top mapping */
        const int is_model = l.e[i].type == EV_SCALAR && strcmp(l.e[i].value, "model") == 0;
        if (found && is_model) {
            st = vr_fail(err, VR_ECONFIG, "%s:%d: model: duplicate key (first at %s:%d; a model file holds the "
                         "one key 'model')", path, l.e[i].line, path, found_line);
            goto done;
        }
        if (!is_model) {
            st = vr_fail(err, VR_ECONFIG, "%s:%d: %s: unknown top-level key (a model file holds the one key "
                         "'model')", path, l.e[i].line, l.e[i].type == EV_SCALAR ? l.e[i].value
                                                                               : "(a key that is not text)");
            goto done;
        }
        size_t j = i + 1;
        depth = 0;
        begin = j;
        do {
            if (j >= l.n)
                break;
            if (l.e[j].type == EV_MAP || l.e[j].type == EV_SEQ)
                depth++;
            else if (l.e[j].type == EV_MAP_END || l.e[j].type == EV_SEQ_END)
                depth--;
            j++;
        } while (depth > 0);
        end = j;
        found = 1;
        found_line = l.e[i].line;
        i = j - 1;
    }
    if (!found) {
        st = vr_fail(err, VR_ECONFIG, "%s:%d: model file %s: missing top-level key 'model'", from, at->line, path);
        goto done;
    }
    if (l.e[begin].type != EV_MAP) {
        st = vr_fail(err, VR_ECONFIG, "%s:%d: model: must be a mapping", path, l.e[begin].line);
        goto done;
    }
    for (size_t k = begin; k < end && st == VR_OK; k++)
        st = push(ix, &l.e[k], 0, err);
done:
    evlist_free(&l);
    return st;
}

void vr_yaml_index_free(vr_yaml_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->n; i++) {
        free(ix->e[i].path);
        free(ix->e[i].text);
    }
    for (int i = 0; i < ix->nfiles; i++)
        free(ix->files[i]);
    free(ix->e);
    free(ix->hash);
    evlist_free(&ix->ev);
    free(ix);
}

vr_status vr_yaml_index_load(const char *file, vr_yaml_index **out, vr_err *err)
{
    *out = NULL;
    vr_yaml_index *ix = calloc(1, sizeof *ix);
    if (ix == NULL || (ix->files[0] = strdup(file)) == NULL) {
        free(ix);
        return vr_fail(err, VR_ENOMEM, "%s: key index", file);
    }
    ix->nfiles = 1;
    evlist l = {0};
    vr_status st = read_events(file, 0, &l, err);
    for (size_t i = 0; i < l.n && st == VR_OK; i++)
        st = push(ix, &l.e[i], 1, err);
    evlist_free(&l);
    if (st != VR_OK) {
        vr_yaml_index_free(ix);
        return st;
    }
    *out = ix;
    return VR_OK;
}

static const entry *find(const vr_yaml_index *ix, const char *path)
{
    if (ix == NULL || path == NULL || ix->hcap == 0)
        return NULL;
    for (size_t j = hash_of(path) & (ix->hcap - 1); ix->hash[j]; j = (j + 1) & (ix->hcap - 1))
        if (strcmp(ix->e[ix->hash[j] - 1].path, path) == 0)
            return &ix->e[ix->hash[j] - 1];
    return NULL;
}

int vr_yaml_line(const vr_yaml_index *ix, const char *path)
{
    const entry *e = find(ix, path);
    return e ? e->line : 0;
}

const char *vr_yaml_text(const vr_yaml_index *ix, const char *path)
{
    const entry *e = find(ix, path);
    return e && e->kind == 's' ? e->text : NULL;
}

char vr_yaml_kind(const vr_yaml_index *ix, const char *path)
{
    const entry *e = find(ix, path);
    return e ? e->kind : 0;
}

/* The entry of `path` or of its nearest ancestor present in the file. */
static const entry *find_near(const vr_yaml_index *ix, const char *path)
{
    char p[VR_KEY_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (;;) {
        const entry *e = find(ix, p);
        if (e != NULL)
            return e;
        char *dot = strrchr(p, '.');
        char *br = strrchr(p, '[');
        char *cut = dot > br ? dot : br;
        if (cut == NULL)
            return NULL;
        *cut = '\0';
    }
}

int vr_yaml_line_near(const vr_yaml_index *ix, const char *path)
{
    const entry *e = find_near(ix, path);
    return e ? e->line : 0;
}

int vr_yaml_count(const vr_yaml_index *ix, const char *prefix)
{
    const size_t len = strlen(prefix);
    int n = 0;
    for (size_t i = 0; ix && i < ix->n; i++)
        if (strncmp(ix->e[i].path, prefix, len) == 0 && ix->e[i].path[len] == '.' &&
            strchr(ix->e[i].path + len + 1, '.') == NULL && strchr(ix->e[i].path + len + 1, '[') == NULL)
            n++;
    return n;
}

const char *vr_yaml_child(const vr_yaml_index *ix, const char *prefix, int k)
{
    const size_t len = strlen(prefix);
    for (size_t i = 0; ix && i < ix->n; i++)
        if (strncmp(ix->e[i].path, prefix, len) == 0 && ix->e[i].path[len] == '.' &&
            strchr(ix->e[i].path + len + 1, '.') == NULL && strchr(ix->e[i].path + len + 1, '[') == NULL &&
            k-- == 0)
            return ix->e[i].path + len + 1;
    return NULL;
}

int vr_yaml_file_count(const vr_yaml_index *ix) { return ix ? ix->nfiles : 0; }

const char *vr_yaml_file_at(const vr_yaml_index *ix, int i)
{
    return ix && i >= 0 && i < ix->nfiles ? ix->files[i] : NULL;
}

const char *vr_yaml_file_of(const vr_yaml_index *ix, const char *path)
{
    const entry *e = path ? find_near(ix, path) : NULL;
    return e && ix ? ix->files[e->file] : NULL;
}

vr_status vr_config_fail(vr_err *err, const char *file, const vr_yaml_index *ix, const char *path,
                         const char *fmt, ...)
{
    char raw[384], msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* a value quoted in the message may hold line breaks (a `|` block: "got '12\n13\n'"): written
     * as escapes, so that the message stays one line, as every other message */
    size_t k = 0;
    for (const unsigned char *q = (const unsigned char *)raw; *q && k + 5 < sizeof msg; q++)
        if (*q == '\n' || *q == '\t' || *q == '\r')
            k += (size_t)snprintf(msg + k, sizeof msg - k, "\\%c", *q == '\n' ? 'n' : *q == '\t' ? 't' : 'r');
        else if (*q < 0x20 || *q == 0x7F)
            k += (size_t)snprintf(msg + k, sizeof msg - k, "\\x%02x", *q);
        else
            msg[k++] = (char)*q;
    msg[k] = '\0';
    const entry *e = path ? find_near(ix, path) : NULL;
    /* a mapping spliced in from a model file (`model: FILE`): its key is the run file's line, its
     * contents the model file's; a message about the contents (a missing key) points at them */
    if (e != NULL && e->kind == 'm' && vr_yaml_count(ix, path) > 0) {
        char first[VR_KEY_MAX];
        if (snprintf(first, sizeof first, "%s.%s", path, vr_yaml_child(ix, path, 0)) < (int)sizeof first) {
            const entry *f = find_near(ix, first);
            if (f != NULL && f->file != e->file)
                e = f;
        }
    }
    if (e != NULL)
        return vr_fail(err, VR_ECONFIG, "%s:%d: %s: %s", ix->files[e->file], e->line, path, msg);
    return vr_fail(err, VR_ECONFIG, "%s: %s%s%s", file, path ? path : "", path ? ": " : "", msg);
}

/* ---- the flat text for libcyaml ----------------------------------------------------------- */

typedef struct membuf {
    char *s;
    size_t n, cap;
} membuf;

static int write_mem(void *ctx, unsigned char *buf, size_t size)
{
    membuf *m = ctx;
    if (m->n + size + 1 > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->n + size + 1)
            cap *= 2;
        char *s = realloc(m->s, cap);
        if (s == NULL)
            return 0;
        m->s = s;
        m->cap = cap;
    }
    memcpy(m->s + m->n, buf, size);
    m->n += size;
    m->s[m->n] = '\0';
    return 1;
}

vr_status vr_yaml_index_emit(const vr_yaml_index *ix, char **text, size_t *len, vr_err *err)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    membuf m = {0};
    *text = NULL;
    if (!yaml_emitter_initialize(&em))
        return vr_fail(err, VR_ENOMEM, "yaml emitter");
    yaml_emitter_set_output(&em, write_mem, &m);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    int ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&em, &ev) &&
             yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) && yaml_emitter_emit(&em, &ev);
    if (ix->ev.n == 0) /* an empty document: emit an empty mapping so the schema reports what is missing */
        ok = ok && yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_MAPPING_STYLE) &&
             yaml_emitter_emit(&em, &ev) && yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev);
    for (size_t i = 0; ok && i < ix->ev.n; i++) {
        const yev *y = &ix->ev.e[i];
        switch (y->type) {
        case EV_SCALAR:
            ok = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)y->value, (int)strlen(y->value),
                                              1, 1, y->plain ? YAML_PLAIN_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
            break;
        case EV_MAP: ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE); break;
        case EV_MAP_END: ok = yaml_mapping_end_event_initialize(&ev); break;
        case EV_SEQ: ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE); break;
        case EV_SEQ_END: ok = yaml_sequence_end_event_initialize(&ev); break;
        }
        ok = ok && yaml_emitter_emit(&em, &ev);
    }
    ok = ok && yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
         yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev);
    if (!ok) {
        vr_fail(err, VR_ENOMEM, "yaml emitter: %s", em.problem ? em.problem : "out of memory");
        yaml_emitter_delete(&em);
        free(m.s);
        return VR_ENOMEM;
    }
    yaml_emitter_delete(&em);
    *text = m.s;
    *len = m.n;
    return VR_OK;
}
