/* fuzz_model.c: the model-file loader (vr_model_load) on arbitrary text. Seeds:
 * tests/fuzz/corpus/model/ (configs/models/ and variants of each model type). */
#include "fuzz_util.h"
#include "vixrisk/vr_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write(0, "model.yaml", data, size);
    vr_model m;
    vr_err err = {VR_OK, ""};
    (void)vr_model_load(path, &m, &err);
    return 0;
}
