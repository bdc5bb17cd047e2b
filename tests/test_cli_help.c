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

/* The help states the ranges the options check and what the commands have: --tol's range is
 * [1e-12, 1] (it said (0, 1]), --block, --every and --vvix-days give theirs, the window's ends must
 * lie in the data; the footer's VIXRISK_ISA no longer says "(as --isa)" for commands without
 * --isa; price says what svcj2 lacks (euler, single precision); calibrate without a model names
 * svcj2 among the types. */
static void test_help_states_ranges(void **state)
{
    (void)state;
    static char out[32768];
    vr_test_cli_expect("calibrate --help", 0, out, sizeof out, "[1e-12, 1]",
                       "--block N             bootstrap block length in days, [1, 2520] and at most\n"
                       "                        half the window's days",
                       "--every K             pricing: every K-th usable day enters the fit, [1, 1000]",
                       "at least 10 days must enter it",
                       "--vvix-days N         pricing: VVIX days per VIX bucket, [0, 1000]",
                       "each end given must lie within the dates SPX and VIX", NULL);
    assert_null(strstr(out, "(0, 1]"));
    static const char *const cmds[] = {"calibrate --help", "model --help", "price --help", "run --help"};
    for (size_t k = 0; k < sizeof cmds / sizeof *cmds; k++) {
        vr_test_cli_expect(cmds[k], 0, out, sizeof out, "force a kernel set (as --isa of run and price)", NULL);
        assert_null(strstr(out, "(as --isa)"));
    }
    vr_test_cli_expect("price --help", 0, out, sizeof out, "svcj2 has qe only", "svcj2 has double only", NULL);
    vr_test_cli_expect("calibrate", 2, out, sizeof out, "--model heston|bates|svcj|svcj2", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_line_names_every_format),
        cmocka_unit_test(test_calibrate_line_names_pricing),
        cmocka_unit_test(test_help_states_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
