/* test_cli_help.c: the top-level `vixrisk --help` says what each command does today: the report
 * line names every format `vixrisk report --format` writes (html, md, csv, json), and the calibrate
 * line names the pricing fit besides the physical one (`--measure pricing`). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vr_test_util.h"

/* The line of `help` that starts with `prefix`, copied into line; 0 when there is none. */
static int help_line(const char *help, const char *prefix, char *line, size_t cap)
{
    for (const char *p = help; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n >= cap)
                n = cap - 1;
            memcpy(line, p, n);
            line[n] = '\0';
            return 1;
        }
    }
    return 0;
}

static void test_report_line_names_every_format(void **state)
{
    (void)state;
    static char out[16384], fmt[4096], line[256];
    vr_test_cli_expect("report --help", 0, fmt, sizeof fmt, "html|md|csv|json", NULL);
    /* an empty run file name is a usage error, as run's empty config path (it was exit 1, "cannot read") */
    vr_test_cli_expect("report ''", 2, line, sizeof line, "the run file's name is empty", NULL);
    vr_test_cli_expect("--help", 0, out, sizeof out, NULL);
    assert_true(help_line(out, "  report ", line, sizeof line));
    const char *names[] = {"HTML", "Markdown", "CSV", "JSON"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        if (strstr(line, names[k]) == NULL) {
            fprintf(stderr, "vixrisk --help: '%s' does not name %s\n", line, names[k]);
            fail();
        }
}

static void test_calibrate_line_names_pricing(void **state)
{
    (void)state;
    static char out[16384], line[256];
    vr_test_cli_expect("calibrate --help", 0, out, sizeof out, "--measure physical|pricing", NULL);
    vr_test_cli_expect("--help", 0, out, sizeof out, NULL);
    assert_true(help_line(out, "  calibrate ", line, sizeof line));
    if (strstr(line, "pricing") == NULL) {
        fprintf(stderr, "vixrisk --help: '%s' does not name the pricing fit\n", line);
        fail();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_line_names_every_format),
        cmocka_unit_test(test_calibrate_line_names_pricing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
