/* dist.c: the collective steps of a run on several MPI ranks, in the run's terms (see
 * run_internal.h), so that run.c has one code path for one process and for N ranks. Built with
 * -DVIXRISK_MPI=ON and started by mpirun, each call goes to the MPI layer (vr_mpi.h); otherwise
 * there is one rank of one and the calls are copies or nothing. Only byte copies cross ranks:
 * nothing here can change a number. A collective that fails (an MPI error, memory for a received
 * accumulator) ends every rank through vr_mpi_abort, since its peers may be waiting in it. */
#include <string.h>

#include "run/run_internal.h"
#ifdef VIXRISK_MPI
#include "vixrisk/vr_mpi.h"
#define MULTI() (vr_mpi_active() && vr_mpi_size() > 1)
/* a collective that failed on one rank may leave the others waiting: end them all */
static vr_status must(vr_status st, const vr_err *err)
{
    if (st != VR_OK)
        vr_mpi_abort(err);
    return st;
}
#else
#define MULTI() 0
#endif

int vr_dist_rank(void)
{
#ifdef VIXRISK_MPI
    if (vr_mpi_active())
        return vr_mpi_rank();
#endif
    return 0;
}

int vr_dist_size(void)
{
#ifdef VIXRISK_MPI
    if (vr_mpi_active())
        return vr_mpi_size();
#endif
    return 1;
}

void vr_dist_paths(size_t n, size_t block_paths, size_t *p0, size_t *p1)
{
#ifdef VIXRISK_MPI
    if (MULTI()) {
        vr_mpi_paths(n, block_paths, vr_mpi_rank(), vr_mpi_size(), p0, p1);
        return;
    }
#endif
    (void)block_paths;
    *p0 = 0;
    *p1 = n;
}

vr_status vr_dist_agree(vr_status st, vr_err *err)
{
#ifdef VIXRISK_MPI
    if (MULTI())
        return vr_mpi_agree(st, err);
#endif
    (void)err;
    return st;
}

vr_status vr_dist_gather_out(const vr_path_out *local, vr_path_out *global, size_t n,
                             size_t block_paths, vr_err *err)
{
    vr_status st = VR_OK;
#ifdef VIXRISK_MPI
    if (MULTI()) {
        /* one gather per field; a new field of VR_PATH_OUT_FIELDS comes along by itself */
#define GATHER(f, T, k)                                                                           \
        if (st == VR_OK)                                                                          \
            st = vr_mpi_gather_paths(local->f, global ? (void *)global->f : NULL, (k) * sizeof(T), \
                                     n, block_paths, err);
        VR_PATH_OUT_FIELDS(GATHER, local)
#undef GATHER
        return must(st, err);
    }
#endif
    (void)block_paths;
#define COPY(f, T, k) memcpy(global->f, local->f, n * (k) * sizeof(T));
    VR_PATH_OUT_FIELDS(COPY, local)
#undef COPY
    (void)err;
    return st;
}

vr_status vr_dist_gather_rows(void *buf, size_t row_bytes, size_t nrows, size_t lo, size_t hi,
                              vr_err *err)
{
#ifdef VIXRISK_MPI
    if (MULTI())
        return must(vr_mpi_gather_rows(buf, row_bytes, nrows, lo, hi, err), err);
#endif
    (void)buf, (void)row_bytes, (void)nrows, (void)lo, (void)hi, (void)err;
    return VR_OK;
}

vr_status vr_dist_gather_bytes(const void *mine, size_t bytes, void *all, vr_err *err)
{
#ifdef VIXRISK_MPI
    if (MULTI())
        return must(vr_mpi_gather_bytes(mine, bytes, all, err), err);
#endif
    (void)err;
    memcpy(all, mine, bytes);
    return VR_OK;
}

vr_status vr_dist_reduce_tailstats(vr_tailstats *const *t, int count, vr_err *err)
{
#ifdef VIXRISK_MPI
    if (MULTI()) {
        must(vr_mpi_prune_tailstats(t, count, err), err);
        return must(vr_mpi_reduce_tailstats(t, count, 0, err), err);
    }
#endif
    (void)t, (void)count, (void)err;
    return VR_OK;
}

vr_status vr_dist_allgather_bytes(const void *mine, size_t bytes, void *all, vr_err *err)
{
#ifdef VIXRISK_MPI
    if (MULTI())
        return must(vr_mpi_allgather_bytes(mine, bytes, all, err), err);
#endif
    (void)err;
    memcpy(all, mine, bytes);
    return VR_OK;
}
