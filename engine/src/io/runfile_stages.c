/* runfile_stages.c: a scenario's stored stages (`run --stages`, docs/hdf5.md "Stages") read back,
 * for `run --json` and the report. */
#include <stdlib.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_runfile.h"

vr_status vr_rf_read_stages(vr_h5_reader *r, const char *g, vr_eval_stages *out, int *present,
                            vr_err *err)
{
    const vr_rf_attr *A = vr_rf_scen;
    *present = 0;
    *out = (vr_eval_stages){0};
    static const int names[4] = {VR_RF_SCEN_STAGE_SECONDS, VR_RF_SCEN_STAGE_COUNTS, VR_RF_SCEN_STAGE_THREADS,
                                 VR_RF_SCEN_STAGE_WALL};
    int have = 0, missing = -1;
    for (int k = 0; k < 4; k++) {
        if (vr_h5_attr_exists(r, g, A[names[k]].name))
            have++;
        else if (missing < 0)
            missing = names[k];
    }
    if (have == 0)
        return VR_OK; /* not timed */
    if (have < 4) /* a timed run stores all four */
        return vr_fail(err, VR_EIO, "%s: has %d of the 4 stage attributes, not %s: not a timed run", g, have,
                       A[missing].name);
    vr_status st = VR_OK;
    double *sec = NULL, *cnt = NULL, wall = 0;
    size_t nsec = 0, ncnt = 0;
    int64_t threads = 0;
    if ((st = vr_h5_read_attr_double_array(r, g, A[VR_RF_SCEN_STAGE_SECONDS].name, &sec, &nsec, err)) != VR_OK ||
        (st = vr_h5_read_attr_double_array(r, g, A[VR_RF_SCEN_STAGE_COUNTS].name, &cnt, &ncnt, err)) != VR_OK ||
        (st = vr_h5_read_attr_int64(r, g, A[VR_RF_SCEN_STAGE_THREADS].name, &threads, err)) != VR_OK ||
        (st = vr_h5_read_attr_double(r, g, A[VR_RF_SCEN_STAGE_WALL].name, &wall, err)) != VR_OK)
        goto done;
    if (nsec != VR_EVAL_STAGES_N || ncnt != VR_EVAL_STAGES_N) {
        st = vr_fail(err, VR_EIO, "%s: stage_seconds and stage_counts hold %zu and %zu values, not %d",
                     g, nsec, ncnt, VR_EVAL_STAGES_N);
        goto done;
    }
    /* (a file from elsewhere): every value a stage can have, or an error that names it */
    for (size_t i = 0; i < VR_EVAL_STAGES_N; i++)
        if (!(sec[i] >= 0 && sec[i] <= VR_RF_STAGE_SECONDS_MAX && cnt[i] >= 0 && cnt[i] < 0x1p63)) {
            st = vr_fail(err, VR_EIO, "%s: stage_seconds[%zu] = %g, stage_counts[%zu] = %g: not a stage",
                         g, i, sec[i], i, cnt[i]);
            goto done;
        }
    if (!(threads >= 1 && threads <= VR_RF_STAGE_THREADS_MAX && wall >= 0 && wall <= VR_RF_STAGE_SECONDS_MAX)) {
        st = vr_fail(err, VR_EIO, "%s: stage_threads = %lld, stage_wall_seconds = %g: not a timed run",
                     g, (long long)threads, wall);
        goto done;
    }
    vr_eval_stages_unpack(out, sec, cnt);
    out->threads = (int)threads;
    out->seconds = wall;
    *present = 1;
done:
    free(sec);
    free(cnt);
    return st;
}
