/* csv.c: the CSV row reader shared by the data loaders (see csv.h).
 *
 * One place reads lines (getline, so no length limit), checks them for NUL bytes, removes line
 * ends and a byte-order mark, splits at commas and counts lines, so the daily-index and futures
 * loaders cannot drift apart in what they accept or in how they name a bad line. */
#include "csv.h"

#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_history.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

vr_status vr_csv_open(vr_csv *c, const char *path, vr_csv_blank blank, int *missing, vr_err *err)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->blank = blank;
    if (missing)
        *missing = 0;
    c->fp = vr_fopen_input(path, "r");
    if (c->fp == NULL) {
        if (missing && errno == ENOENT) {
            *missing = 1;
            return VR_OK;
        }
        return vr_fail(err, VR_EIO, "%s: cannot open: %s", path, vr_fopen_input_error(errno));
    }
    return VR_OK;
}

void vr_csv_close(vr_csv *c)
{
    if (c == NULL)
        return;
    free(c->line);
    if (c->fp)
        fclose(c->fp);
    c->line = NULL;
    c->fp = NULL;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

/* Split in place at commas into at most VR_CSV_MAX_FIELDS fields; more gives MAX + 1. */
static int split(char *line, char **f)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == VR_CSV_MAX_FIELDS)
            return VR_CSV_MAX_FIELDS + 1;
        f[n++] = p;
        char *q = strchr(p, ',');
        if (!q)
            break;
        *q = '\0';
        p = q + 1;
    }
    return n;
}

/* A header naming a column twice is refused: vr_csv_column takes the first match, so a file such as
 * `date,close,high,low,close` was read with its first `close` and the other silently ignored. Names
 * are compared as vr_csv_column matches them (any case; the fields are already trimmed), so no
 * spelling can slip a second `close` past this check. Every column counts, read or not (which one
 * the file means is unclear all the same), but empty names, which name nothing, may repeat. Here
 * in the reader, not in each loader, so that the replays, the futures and the one-day scan of
 * `--asof` refuse the same files. A header over VR_CSV_MAX_FIELDS columns is left to the loaders,
 * which refuse it with that reason. */
static int header_dup(vr_csv *c, vr_err *err)
{
    if (c->nf > VR_CSV_MAX_FIELDS)
        return 0;
    for (int j = 1; j < c->nf; j++) {
        if (c->f[j][0] == '\0')
            continue;
        for (int i = 0; i < j; i++) {
            if (strcasecmp(c->f[i], c->f[j]) != 0)
                continue;
            if (strcmp(c->f[i], c->f[j]) == 0)
                c->st = vr_fail(err, VR_EINVAL, "%s:1: column '%s' appears twice (columns %d and %d)", c->path,
                                c->f[i], i + 1, j + 1);
            else
                c->st = vr_fail(err, VR_EINVAL,
                                "%s:1: column '%s' appears twice (columns %d and %d, as '%s' and '%s': "
                                "names match in any case)",
                                c->path, c->f[i], i + 1, j + 1, c->f[i], c->f[j]);
            return -1;
        }
    }
    return 0;
}

int vr_csv_next(vr_csv *c, vr_err *err)
{
    ssize_t len;
    while ((len = getline(&c->line, &c->cap, c->fp)) != -1) {
        c->line_no++;
        if ((size_t)len != strlen(c->line)) {
            c->st = vr_fail(err, VR_EINVAL, "%s:%ld: NUL byte in line", c->path, c->line_no);
            return -1;
        }
        chomp(c->line);
        if (strchr(c->line, '\r') != NULL) {
            /* a line end of a lone \r (old Mac files) would glue the whole file into one line */
            c->st = vr_fail(err, VR_EINVAL,
                            "%s:%ld: carriage return inside the line (line ends must be \\n or \\r\\n)",
                            c->path, c->line_no);
            return -1;
        }
        char *h = c->line;
        if (c->line_no == 1 && (unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB &&
            (unsigned char)h[2] == 0xBF)
            h += 3; /* a UTF-8 byte-order mark */
        if (c->line_no > 1 && h[0] == '\0') {
            if (c->blank == VR_CSV_BLANK_SKIP)
                continue;
            /* tolerated only at the very end of the file */
            int ch;
            while ((ch = fgetc(c->fp)) != EOF)
                if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') {
                    c->st = vr_fail(err, VR_EINVAL, "%s:%ld: empty line", c->path, c->line_no);
                    return -1;
                }
            break;
        }
        c->nf = split(h, c->f);
        for (int i = 0; i < c->nf && i < VR_CSV_MAX_FIELDS; i++)
            c->f[i] = vr_csv_trim(c->f[i]);
        if (c->line_no == 1 && header_dup(c, err) != 0)
            return -1;
        return 1;
    }
    if (ferror(c->fp)) {
        c->st = vr_fail(err, VR_EIO, "%s: read error after line %ld", c->path, c->line_no);
        return -1;
    }
    if (c->line_no == 0) {
        c->st = vr_fail(err, VR_EINVAL, "%s:1: empty file (expected a header line)", c->path);
        return -1;
    }
    return 0;
}

int vr_csv_number(const char *s, double *x)
{
    if (s[0] == '\0')
        return 1;
    return vr_parse_decimal(s, x) == 1 ? 0 : -1; /* (an underflow is no close or settle either) */
}

char *vr_csv_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

vr_status vr_csv_dir_check(const char *who, const char *dir, vr_err *err)
{
    const size_t n = strlen(dir);
    if (n > VR_DATA_DIR_MAX)
        return vr_fail(err, VR_EINVAL, "%s: data directory '%.60s...': its path is %zu bytes, at most %d", who, dir, n,
                       VR_DATA_DIR_MAX);
    return VR_OK;
}

int vr_csv_column(char *const *f, int nf, const char *name)
{
    for (int i = 0; i < nf; i++)
        if (strcasecmp(vr_csv_trim(f[i]), name) == 0)
            return i;
    return -1;
}
