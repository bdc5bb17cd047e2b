/* kernels.c: vr_kernels_resolve, the one place a NULL kernel table becomes the selected one
 * (see vr_kernels.h). */
#include "vixrisk/vr_kernels.h"

vr_status vr_kernels_resolve(const vk_table *given, const vk_table **out, vr_err *err)
{
    if (given != NULL) {
        *out = given;
        return VR_OK;
    }
    const vk_table *t = vk_select(NULL);
    if (t == NULL) {
        char msg[256];
        *out = NULL;
        return vr_fail(err, VR_EINVAL, "%s", vk_select_error(NULL, msg, sizeof msg));
    }
    *out = t;
    return VR_OK;
}
