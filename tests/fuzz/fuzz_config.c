/* fuzz_config.c: the run-file loader (vr_run_load: YAML parse, schema, validation, sweeps, shock
 * presets) on arbitrary text. Any return status is fine; a crash, a sanitizer report or a hang is
 * a bug. Seeds: tests/fuzz/corpus/config/ (the shipped configs and small variants). */
#include "fuzz_util.h"
#include "vixrisk/vr_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write(0, "run.yaml", data, size);
    vr_run_cfg cfg;
    vr_err err = {VR_OK, ""};
    if (vr_run_load(path, &cfg, &err) == VR_OK)
        vr_run_cfg_free(&cfg);
    return 0;
}
