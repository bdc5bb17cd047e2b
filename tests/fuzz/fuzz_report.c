/* fuzz_report.c: the run-file reader behind `vixrisk report` (report/load.c over io/h5.c) and the
 * report writer, on mutated run files: the input is written as run.h5 and rendered to HTML (the
 * format with every chart). Seeds: tests/fuzz/corpus/report/ (a tiny real run file). HDF5's own
 * parser is not instrumented; what the sanitizers watch is our reading of what it returns. */
#include "fuzz_util.h"
#include "vixrisk/vr_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = fuzz_write(0, "run.h5", data, size);
    char out[600];
    snprintf(out, sizeof out, "%s/report.html", fuzz_scratch());
    vr_err err = {VR_OK, ""};
    (void)vr_report_write(in, out, VR_REPORT_HTML, &err);
    return 0;
}
