/* vixrisk.h: the whole public API of libvixrisk in one include.
 *
 *     #include <vixrisk/vixrisk.h>
 *     cc prog.c $(pkg-config --cflags --libs vixrisk)        (add --static for libvixrisk.a)
 *
 * or, with CMake, find_package(vixrisk) and target_link_libraries(prog PRIVATE vixrisk::vixrisk).
 * Every header below can also be included on its own; each opens with what it offers. Engine
 * symbols start with vr_, kernel symbols with vk_, macros with VR_/VK_. docs/examples/price_call.c
 * is a complete program. */
#ifndef VIXRISK_VIXRISK_H
#define VIXRISK_VIXRISK_H

#include "vixrisk/vr_version.h"

/* basics: status and messages, aligned buffers */
#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_status.h"

/* kernels: dispatch table, Black-76, surface and VIX table lookups */
#include "vixrisk/vk.h"
#include "vixrisk/vr_kernels.h"

/* models, configuration files, pricers */
#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_config.h"
#include "vixrisk/vr_model.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_price.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_surface.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vr_vix.h"

/* paths, policies, runs and their results */
#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_outfile.h"
#include "vixrisk/vr_policy.h"
#include "vixrisk/vr_policy_rules.h"
#include "vixrisk/vr_report.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_runfile.h"
#include "vixrisk/vr_summary.h"
#include "vixrisk/vr_sim.h"
#include "vixrisk/vr_stats.h"
#include "vixrisk/vr_tailstats.h"

/* MPI ranks: declared always, defined only in a library built with -DVIXRISK_MPI=ON */
#include "vixrisk/vr_mpi.h"

#endif
