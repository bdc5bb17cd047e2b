/* vr_kernels.h: which kernel table an engine call uses. Every entry point that accepts a
 * `const vk_table *kt` treats NULL as "the widest ISA this CPU supports, or the one VIXRISK_ISA
 * names"; this is the one place that turns that NULL into a table, so a bad VIXRISK_ISA is an
 * error with a sentence (from vk_select_error) wherever the library is entered, never a NULL
 * dereference. */
#ifndef VIXRISK_VR_KERNELS_H
#define VIXRISK_VR_KERNELS_H

#include "vixrisk/vk.h"
#include "vixrisk/vr_status.h"

/* *out = given if given is not NULL, else vk_select(NULL). VR_EINVAL (message from
 * vk_select_error, naming the ISA and where it came from) when VIXRISK_ISA names an ISA this
 * build or CPU cannot run. */
vr_status vr_kernels_resolve(const vk_table *given, const vk_table **out, vr_err *err);

#endif
