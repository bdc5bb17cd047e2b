/* test_yaml_edges.c: the YAML reader of the config loaders (engine/src/config/yaml_index.c) on
 * input that used to give a message short of file, line and key, or no bound at all:
 *   - a duplicate key named its second line only, so the reader could not tell which value the
 *     file meant to keep (run files, model files named from them, and model files alone);
 *   - aliases were bounded in YAML nodes but not in bytes: a thousand aliases of one long string
 *     (a 1 MiB file) made a gigabyte of copies before anything was checked;
 *   - a key holding a line break ("paths\n", a `? |` block key) was reported by the part before
 *     the break: "simulation.paths: unknown key" on the line of the file's valid `paths`;
 *   - a model file named by several scenarios counted as a model file per scenario: a run of 16
 *     scenarios on one model file was refused ("more than 15 model files"), and a smaller one
 *     stored the file's text with the results once per scenario;
 *   - a UTF-16 file (libyaml reads one by its byte order mark) loaded and ran, and the config
 *     text stored with the results, the file's bytes as a C string, was cut at its first NUL:
 *     "\xff\xfes" for the whole run file;
 *   - a merge key (`<<: *base`) read as an unknown key '<<', as if anchors did not work;
 *   - an encoding or control-character error in a file with CR-only (or NEL, LS) line breaks was
 *     reported on line 1: the line was counted at '\n' bytes only, where libyaml counts every YAML
 *     line break in its other messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("yamledges", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

#define HES "{type: heston, spot: 5000, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}"

/* Load run file `file`; expect VR_ECONFIG and every non-NULL want in the message. */
static void expect_err(const char *file, const char *want1, const char *want2)
{
    vr_run_cfg c;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_run_load(file, &c, &err);
    printf("  %s\n", err.msg);
    if (st == VR_OK)
        vr_run_cfg_free(&c);
    assert_int_equal(st, VR_ECONFIG);
    if (want1)
        assert_non_null(strstr(err.msg, want1));
    if (want2)
        assert_non_null(strstr(err.msg, want2));
}

static void test_duplicate_key_names_both_lines(void **state)
{
    (void)state;
    expect_err(vr_test_write(dir, "dup.yaml",
                             "simulation:\n  paths: 1000\n  seed: 1\n  paths: 2000\nscenarios:\n  - name: a\n"
                             "    model: " HES "\npolicies:\n  - name: p\n"),
               "dup.yaml:4: simulation.paths: duplicate key", "dup.yaml:2)");
    expect_err(vr_test_write(dir, "dup_flow.yaml",
                             "simulation: {paths: 1000, seed: 1}\nscenarios:\n  - name: a\n    model: " HES "\n"
                             "policies:\n  - name: p\n    condor: {contracts: 5,\n      contracts: 6}\n"),
               "dup_flow.yaml:8: policies[0].condor.contracts: duplicate key", "dup_flow.yaml:7)");
    /* inside a model file named from the run file: both lines are the model file's */
    vr_test_write(dir, "m_inner.yaml", "model:\n  type: heston\n  spot: 5000\n  v0: 0.04\n  spot: 4000\n"
                                       "  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}\n");
    const char *run = vr_test_write(dir, "use_inner.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n"
                                                           "    model: m_inner.yaml\npolicies:\n  - name: p\n");
    expect_err(run, "m_inner.yaml:5: scenarios[0].model.spot: duplicate key", "m_inner.yaml:3)");
    /* the model file's one top-level key given twice */
    vr_test_write(dir, "m_dup.yaml", "model: " HES "\nmodel: " HES "\n");
    run = vr_test_write(dir, "use_dup.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n"
                                             "    model: m_dup.yaml\npolicies:\n  - name: p\n");
    expect_err(run, "m_dup.yaml:2: model: duplicate key", "m_dup.yaml:1");
    /* a model file read alone (`vixrisk model`, `price --model`) */
    char path[512];
    snprintf(path, sizeof path, "%s/m_dup.yaml", dir);
    vr_yaml_index *ix = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_yaml_index_load(path, &ix, &err), VR_ECONFIG);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "m_dup.yaml:2: model: duplicate key"));
    assert_non_null(strstr(err.msg, "m_dup.yaml:1)"));
    assert_null(ix);
}

/* 1000 aliases of a 20 KiB string: 20 MB of copies from a 20 kB file. */
static void test_alias_bytes_bounded(void **state)
{
    (void)state;
    const size_t len = 20 * 1024;
    char *text = malloc(len + 512);
    assert_non_null(text);
    int n = snprintf(text, 512, "a: &a \"");
    memset(text + n, 'x', len);
    n += (int)len;
    snprintf(text + n, 512,
             "\"\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
             "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
             "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n");
    const char *p = vr_test_write(dir, "bomb.yaml", text);
    free(text);
    expect_err(p, "bomb.yaml:4: aliases expand to more than 16 MiB of values", NULL);
    /* below the bound the file is read (and refused for its keys, as before) */
    expect_err(vr_test_write(dir, "small.yaml", "a: &a \"xxxxxxxxxxxxxxxx\"\nb: &b [*a, *a, *a, *a]\n"
                                                "c: [*b, *b, *b, *b]\n"),
               "small.yaml:1: a: unknown key", NULL);
}

/* A control character on line 4 of files with other line breaks than LF; NEL and LS, line breaks
 * to YAML but not to an editor, are refused themselves at the editor's line (yaml_index.c). */
static void test_reader_error_lines(void **state)
{
    (void)state;
    expect_err(vr_test_write(dir, "cr.yaml", "simulation:\r  paths: 1000\r  seed: 7\r  horizon_days: \"a\x01\"\r"),
               "cr.yaml:4: YAML syntax error", NULL);
    expect_err(vr_test_write(dir, "crlf.yaml",
                             "simulation:\r\n  paths: 1000\r\n  seed: 7\r\n  horizon_days: \"a\x01\"\r\n"),
               "crlf.yaml:4: YAML syntax error", NULL);
    expect_err(vr_test_write(dir, "nel.yaml",
                             "simulation:\n  paths: 1000\xc2\x85  seed: 7\n  horizon_days: \"a\x01\"\n"),
               "nel.yaml:2: NEL (U+0085): YAML reads it as a line break", NULL);
    expect_err(vr_test_write(dir, "ls.yaml",
                             "simulation:\n  paths: 1000\xe2\x80\xa8  seed: 7\n  horizon_days: \"a\x01\"\n"),
               "ls.yaml:2: a line separator (U+2028)", NULL);
    /* libyaml's own count for a non-reader error in the same kind of file, for comparison */
    expect_err(vr_test_write(dir, "cr_key.yaml", "simulation:\r  paths: 1000\r  seed: 7\r  horizn: 5\r"),
               "cr_key.yaml:4: simulation.horizn: unknown key", NULL);
}

/* A key with a line break next to the valid key it starts with. */
static void test_key_with_line_break(void **state)
{
    (void)state;
    static const char tail[] = "scenarios:\n  - name: a\n    model: " HES "\npolicies:\n  - name: p\n";
    char text[1024];
    snprintf(text, sizeof text, "simulation:\n  paths: 1000\n  seed: 1\n  \"paths\\n\": 5\n%s", tail);
    expect_err(vr_test_write(dir, "nl.yaml", text), "nl.yaml:4: simulation: 'paths\\x0a': unknown key", NULL);
    snprintf(text, sizeof text, "simulation:\n  paths: 1000\n  ? |\n    seed\n    x\n  : 1\n%s", tail);
    expect_err(vr_test_write(dir, "block.yaml", text), "block.yaml:3: simulation: 'seed\\x0ax\\x0a': unknown key",
               NULL);
    snprintf(text, sizeof text, "simulation:\n  paths: 1000\n  \"seed\\t\": 1\n%s", tail);
    expect_err(vr_test_write(dir, "tab.yaml", text), "tab.yaml:3: simulation: 'seed\\x09': unknown key", NULL);
}

/* A YAML 1.1 merge key was reported as "unknown key '<<'", as if anchors did not work: it is
 * refused by name, at its line, with what to write instead; a quoted "<<" is an ordinary
 * (unknown) key. */
static void test_merge_key_named(void **state)
{
    (void)state;
    static const char tail[] = "scenarios:\n  - name: a\n    model: " HES "\npolicies:\n  - name: p\n";
    char text[1024];
    snprintf(text, sizeof text, "base: &b {paths: 1000}\nsimulation:\n  <<: *b\n  seed: 1\n%s", tail);
    expect_err(vr_test_write(dir, "merge.yaml", text), "merge.yaml:3: simulation: '<<': merge keys are not supported",
               "alias a whole value");
    snprintf(text, sizeof text, "simulation:\n  paths: 1000\n  \"<<\": 1\n%s", tail);
    vr_run_cfg c;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_run_load(vr_test_write(dir, "quoted.yaml", text), &c, &err);
    printf("  %s\n", err.msg);
    if (st == VR_OK)
        vr_run_cfg_free(&c);
    assert_int_equal(st, VR_ECONFIG);
    assert_null(strstr(err.msg, "merge keys"));
}

/* A file far beyond what a run can store (its config text is at most 1 MiB) is refused by its
 * size, before it is parsed: a 300 MB comment took seconds and twice its size in memory to reach
 * the config text's limit. (The file here is sparse: 17 MiB that take no disk.) */
static void test_huge_file_refused(void **state)
{
    (void)state;
    const char *f = vr_test_write(dir, "huge.yaml", "simulation: {paths: 10}\n# and a long comment\n");
    assert_non_null(f);
    assert_int_equal(truncate(f, 17L << 20), 0);
    expect_err(f, "huge.yaml: 17825792 bytes: more than a config or model file may hold (16 MiB", NULL);
}

/* A block value quoted in a message was printed with its line breaks ("got '12\n13\n'" over
 * three lines): the message is one line, with the breaks written as escapes. */
static void test_value_breaks_escaped(void **state)
{
    (void)state;
    static const char tail[] = "scenarios:\n  - name: a\n    model: " HES "\npolicies:\n  - name: p\n";
    char text[1024];
    snprintf(text, sizeof text, "simulation:\n  paths: |\n    12\n    13\n  seed: 1\n%s", tail);
    vr_run_cfg c;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_run_load(vr_test_write(dir, "block_value.yaml", text), &c, &err);
    printf("  %s\n", err.msg);
    if (st == VR_OK)
        vr_run_cfg_free(&c);
    assert_int_equal(st, VR_ECONFIG);
    assert_non_null(strstr(err.msg, "block_value.yaml:2: simulation.paths: "));
    assert_non_null(strstr(err.msg, "got '12\\n13\\n'"));
    assert_null(strchr(err.msg, '\n'));
}

/* Scenarios sharing one model file, under two spellings of its path. */
static void test_shared_model_file(void **state)
{
    (void)state;
    vr_test_write(dir, "m_shared.yaml", "model: " HES "\n");
    char text[8192] = "simulation: {paths: 10}\nscenarios:\n";
    for (int i = 0; i < 20; i++) {
        const size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, "  - {name: s%d, model: %sm_shared.yaml}\n", i, i % 2 ? "./" : "");
    }
    strcat(text, "policies:\n  - name: p\n");
    vr_run_cfg c;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_run_load(vr_test_write(dir, "shared.yaml", text), &c, &err);
    if (st != VR_OK)
        printf("  unexpected: %s\n", err.msg);
    assert_int_equal(st, VR_OK);
    assert_int_equal(c.spec.nscen, 20);
    assert_int_equal(c.nmodel_files, 1);
    const char *first = strstr(c.config_text, "# ---- model file");
    assert_non_null(first);
    assert_null(strstr(first + 1, "# ---- model file"));
    vr_run_cfg_free(&c);
    /* distinct model files are still bounded (15), and so are the scenarios naming one (64) */
    strcpy(text, "simulation: {paths: 10}\nscenarios:\n");
    for (int i = 0; i < 16; i++) {
        char name[32];
        snprintf(name, sizeof name, "m%d.yaml", i);
        vr_test_write(dir, name, "model: " HES "\n");
        const size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, "  - {name: s%d, model: %s}\n", i, name);
    }
    expect_err(vr_test_write(dir, "distinct.yaml", text), "distinct.yaml:18: more than 15 model files", NULL);
    char *big = malloc(65536);
    assert_non_null(big);
    strcpy(big, "simulation: {paths: 10}\nscenarios:\n");
    for (int i = 0; i < 70; i++)
        strcat(big, "  - {name: s, model: m_shared.yaml}\n");
    expect_err(vr_test_write(dir, "many.yaml", big), "many.yaml:67: more than 64 scenarios name a model file", NULL);
    free(big);
}

/* `text` as UTF-16 little-endian with its byte order mark (ASCII text only) at dir/name. */
static const char *write_utf16(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputc(0xFF, fp);
    fputc(0xFE, fp);
    for (const char *q = text; *q; q++) {
        fputc(*q, fp);
        fputc(0, fp);
    }
    assert_int_equal(fclose(fp), 0);
    return path;
}

static void test_utf16_refused(void **state)
{
    (void)state;
    expect_err(write_utf16("u16.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model: " HES
                                       "\npolicies:\n  - name: p\n"),
               "u16.yaml:1: the file is UTF-16", "config and model files are UTF-8");
    write_utf16("m16.yaml", "model: " HES "\n");
    expect_err(vr_test_write(dir, "use16.yaml", "simulation: {paths: 10}\nscenarios:\n  - name: a\n"
                                                "    model: m16.yaml\npolicies:\n  - name: p\n"),
               "use16.yaml:4: model file: ", "m16.yaml:1: the file is UTF-16");
    /* a UTF-8 byte order mark is fine (the stored text keeps it) */
    vr_run_cfg c;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_run_load(vr_test_write(dir, "bom8.yaml", "\xef\xbb\xbfsimulation: {paths: 10}\n"
                                                   "scenarios:\n  - name: a\n    model: " HES
                                                   "\npolicies:\n  - name: p\n"), &c, &err);
    if (st != VR_OK)
        printf("  unexpected: %s\n", err.msg);
    assert_int_equal(st, VR_OK);
    assert_non_null(strstr(c.config_text, "simulation: {paths: 10}"));
    vr_run_cfg_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_key_names_both_lines),
        cmocka_unit_test(test_alias_bytes_bounded),
        cmocka_unit_test(test_key_with_line_break),
        cmocka_unit_test(test_merge_key_named),
        cmocka_unit_test(test_huge_file_refused),
        cmocka_unit_test(test_value_breaks_escaped),
        cmocka_unit_test(test_shared_model_file),
        cmocka_unit_test(test_utf16_refused),
        cmocka_unit_test(test_reader_error_lines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
