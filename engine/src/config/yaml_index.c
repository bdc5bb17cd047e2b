/* yaml_index.c: the key-path -> line index of a YAML file (see vr_config.h).
 *
 * Written on libyaml's event parser: a stack of open collections tracks, for each mapping,
 * whether the next scalar is a key, and for each sequence the index of the next entry. Only
 * the key paths and lines are kept (a config file has a few hundred keys at most), so a linear
 * search is enough. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "vixrisk/vr_config.h"

typedef struct entry {
    char *path;
    int line;
} entry;

struct vr_yaml_index {
    entry *e;
    size_t n, cap;
};

typedef struct frame {
    int is_map;
    int expect_key;   /* mapping: next scalar/collection is a key */
    long seq_index;   /* sequence: index of the next entry */
    char path[VR_KEY_MAX];
    char key[VR_KEY_MAX]; /* mapping: path of the current key (parent of its value) */
} frame;

static int add(vr_yaml_index *ix, const char *path, int line)
{
    if (ix->n == ix->cap) {
        const size_t cap = ix->cap ? 2 * ix->cap : 64;
        entry *e = realloc(ix->e, cap * sizeof *e);
        if (e == NULL)
            return 0;
        ix->e = e;
        ix->cap = cap;
    }
    ix->e[ix->n].path = strdup(path);
    if (ix->e[ix->n].path == NULL)
        return 0;
    ix->e[ix->n].line = line;
    ix->n++;
    return 1;
}

void vr_yaml_index_free(vr_yaml_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->n; i++)
        free(ix->e[i].path);
    free(ix->e);
    free(ix);
}

/* The path a new value (scalar or collection) gets from the frame that contains it. */
static void child_path(const frame *f, char *out)
{
    if (f == NULL)
        out[0] = '\0';
    else if (f->is_map)
        snprintf(out, VR_KEY_MAX, "%s", f->key);
    else
        snprintf(out, VR_KEY_MAX, "%s[%ld]", f->path, f->seq_index);
}

#define MAX_DEPTH 32

vr_status vr_yaml_index_load(const char *file, vr_yaml_index **out, vr_err *err)
{
    vr_status st = VR_OK;
    *out = NULL;
    FILE *fp = fopen(file, "rb");
    if (fp == NULL)
        return vr_fail(err, VR_ECONFIG, "%s: cannot open: %s", file, strerror(errno));
    yaml_parser_t parser;
    yaml_event_t ev;
    int have_ev = 0;
    vr_yaml_index *ix = calloc(1, sizeof *ix);
    frame *stack = calloc(MAX_DEPTH, sizeof *stack);
    int depth = 0;
    if (ix == NULL || stack == NULL || !yaml_parser_initialize(&parser)) {
        fclose(fp);
        free(ix);
        free(stack);
        return vr_fail(err, VR_ENOMEM, "%s: yaml parser", file);
    }
    yaml_parser_set_input_file(&parser, fp);
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            st = vr_fail(err, VR_ECONFIG, "%s:%zu: YAML syntax error: %s", file,
                         parser.problem_mark.line + 1, parser.problem ? parser.problem : "?");
            goto done;
        }
        have_ev = 1;
        const int line = (int)ev.start_mark.line + 1;
        frame *top = depth > 0 ? &stack[depth - 1] : NULL;
        if (ev.type == YAML_STREAM_END_EVENT)
            break;
        switch (ev.type) {
        case YAML_ALIAS_EVENT:
        case YAML_SCALAR_EVENT:
            if (ev.type == YAML_SCALAR_EVENT && top && top->is_map && top->expect_key) {
                snprintf(top->key, VR_KEY_MAX, "%s%s%s", top->path, top->path[0] ? "." : "",
                         (const char *)ev.data.scalar.value);
                if (!add(ix, top->key, line)) {
                    st = vr_fail(err, VR_ENOMEM, "%s: key index", file);
                    goto done;
                }
                top->expect_key = 0;
            } else if (top && top->is_map) {
                top->expect_key = 1;
            } else if (top) {
                top->seq_index++;
            }
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            if (depth == MAX_DEPTH) {
                st = vr_fail(err, VR_ECONFIG, "%s:%d: nesting deeper than %d levels", file, line,
                             MAX_DEPTH);
                goto done;
            }
            frame *f = &stack[depth];
            memset(f, 0, sizeof *f);
            child_path(top, f->path);
            f->is_map = ev.type == YAML_MAPPING_START_EVENT;
            f->expect_key = 1;
            depth++;
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            depth--;
            if (depth > 0) {
                frame *p = &stack[depth - 1];
                if (p->is_map)
                    p->expect_key = 1;
                else
                    p->seq_index++;
            }
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        have_ev = 0;
    }
done:
    if (have_ev)
        yaml_event_delete(&ev);
    yaml_parser_delete(&parser);
    fclose(fp);
    free(stack);
    if (st != VR_OK) {
        vr_yaml_index_free(ix);
        return st;
    }
    *out = ix;
    return VR_OK;
}

int vr_yaml_line(const vr_yaml_index *ix, const char *path)
{
    if (ix == NULL)
        return 0;
    for (size_t i = 0; i < ix->n; i++)
        if (strcmp(ix->e[i].path, path) == 0)
            return ix->e[i].line;
    return 0;
}

int vr_yaml_line_near(const vr_yaml_index *ix, const char *path)
{
    char p[VR_KEY_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (;;) {
        const int line = vr_yaml_line(ix, p);
        if (line > 0)
            return line;
        char *dot = strrchr(p, '.');
        char *br = strrchr(p, '[');
        char *cut = dot > br ? dot : br;
        if (cut == NULL)
            return 0;
        *cut = '\0';
    }
}

vr_status vr_config_fail(vr_err *err, const char *file, const vr_yaml_index *ix, const char *path,
                         const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const int line = path ? vr_yaml_line_near(ix, path) : 0;
    if (line > 0)
        return vr_fail(err, VR_ECONFIG, "%s:%d: %s: %s", file, line, path, msg);
    return vr_fail(err, VR_ECONFIG, "%s: %s%s%s", file, path ? path : "", path ? ": " : "", msg);
}
