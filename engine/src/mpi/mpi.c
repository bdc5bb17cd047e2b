/* mpi.c: the MPI layer (see vr_mpi.h): start-up, the block partition, the gather of per-path
 * arrays to rank 0 and the tree merge of streaming-score accumulators.
 *
 * Only byte copies cross ranks, so nothing here can change a number: a gathered array is the
 * concatenation of the ranks' slices in path order, and the merged accumulators are exact and
 * order-independent. MPI returns error codes (MPI_ERRORS_RETURN on MPI_COMM_WORLD) that become
 * VR_EIO; a caller whose peers may be blocked in a collective ends with vr_mpi_abort. */
#include "vixrisk/vr_mpi.h"
#include "vixrisk/vr_outfile.h"
#include "core/blob.h"

#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_TAIL 101 /* the partial last block of a gather */
#define TAG_TS 102   /* accumulator bytes */

static size_t round_bytes = (size_t)1 << 30;

size_t vr_mpi_set_round_bytes(size_t bytes)
{
    const size_t old = round_bytes;
    round_bytes = bytes < 1024 ? 1024 : bytes;
    if (round_bytes > INT_MAX)
        round_bytes = INT_MAX;
    return old;
}

static vr_status mpi_fail(vr_err *err, int rc, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, msg, &len) != MPI_SUCCESS)
        snprintf(msg, sizeof msg, "MPI error %d", rc);
    return vr_fail(err, VR_EIO, "mpi: %s on rank %d: %s", what, vr_mpi_rank(), msg);
}

#define MPI_TRY(call, what)                                                                    \
    do {                                                                                       \
        const int rc_ = (call);                                                                \
        if (rc_ != MPI_SUCCESS) {                                                              \
            st = mpi_fail(err, rc_, what);                                                     \
            goto done;                                                                         \
        }                                                                                      \
    } while (0)

vr_status vr_mpi_init(int *argc, char ***argv, int *rank, int *size, vr_err *err)
{
    int provided = MPI_THREAD_SINGLE, rc;
    if ((rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided)) != MPI_SUCCESS)
        return vr_fail(err, VR_EIO, "mpi: MPI_Init_thread failed (code %d)", rc);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (provided < MPI_THREAD_FUNNELED)
        return vr_fail(err, VR_EIO, "mpi: the MPI library provides thread level %d, OpenMP inside "
                       "ranks needs MPI_THREAD_FUNNELED (%d)", provided, MPI_THREAD_FUNNELED);
    if (rank) *rank = vr_mpi_rank();
    if (size) *size = vr_mpi_size();
    return VR_OK;
}

void vr_mpi_finalize(void)
{
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin)
        MPI_Finalize();
}

int vr_mpi_rank(void)
{
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int vr_mpi_size(void)
{
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

void vr_mpi_abort(const vr_err *err)
{
    const vr_status code = err && err->code != VR_OK ? err->code : VR_EIO;
    fprintf(stderr, "vixrisk: rank %d of %d: %s\n", vr_mpi_rank(), vr_mpi_size(),
            err && err->msg[0] ? err->msg : "failed");
    fflush(stderr);
    /* this rank's temporaries (rank 0's run file) and the directories made for them go first:
     * MPI_Abort ends this process without the CLI's cleanup (the other ranks are signalled, and
     * their handlers clean up) */
    vr_outfile_signal_cleanup();
    MPI_Abort(MPI_COMM_WORLD, vr_status_exit_code(code));
    abort(); /* MPI_Abort does not return; this keeps the promise if it did */
}

int vr_mpi_active(void)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
}

vr_status vr_mpi_agree(vr_status st, vr_err *err)
{
    const int me = vr_mpi_rank(), size = vr_mpi_size();
    int mine = st != VR_OK ? me : size, first = size, rc;
    if ((rc = MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD)) != MPI_SUCCESS) {
        vr_err e = {VR_OK, ""};
        mpi_fail(&e, rc, "MPI_Allreduce (agree)");
        vr_mpi_abort(&e);
    }
    if (first == size)
        return VR_OK;
    /* the failing rank's code and message, as one fixed-size record */
    struct { int code; char msg[sizeof err->msg]; } rec;
    memset(&rec, 0, sizeof rec);
    if (me == first) {
        rec.code = (int)err->code;
        memcpy(rec.msg, err->msg, sizeof rec.msg);
    }
    if ((rc = MPI_Bcast(&rec, (int)sizeof rec, MPI_BYTE, first, MPI_COMM_WORLD)) != MPI_SUCCESS) {
        vr_err e = {VR_OK, ""};
        mpi_fail(&e, rc, "MPI_Bcast (agree)");
        vr_mpi_abort(&e);
    }
    if (me != first) {
        rec.msg[sizeof rec.msg - 1] = 0;
        err->code = rec.code != VR_OK ? (vr_status)rec.code : VR_EIO;
        snprintf(err->msg, sizeof err->msg, "rank %d: %s", first, rec.msg);
    }
    return err->code != VR_OK ? err->code : VR_EIO;
}

vr_status vr_mpi_same(uint64_t h, int *first)
{
    const int me = vr_mpi_rank(), size = vr_mpi_size();
    uint64_t h0 = h;
    int rc;
    if ((rc = MPI_Bcast(&h0, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD)) != MPI_SUCCESS) {
        vr_err e = {VR_OK, ""};
        mpi_fail(&e, rc, "MPI_Bcast (same)");
        vr_mpi_abort(&e);
    }
    int mine = h != h0 ? me : size, low = size;
    if ((rc = MPI_Allreduce(&mine, &low, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD)) != MPI_SUCCESS) {
        vr_err e = {VR_OK, ""};
        mpi_fail(&e, rc, "MPI_Allreduce (same)");
        vr_mpi_abort(&e);
    }
    *first = low;
    return low == size ? VR_OK : VR_EINVAL;
}

vr_status vr_mpi_same_bytes(const void *p, size_t n, int *first)
{
    return vr_mpi_same(vr_hash64(VR_FNV_OFFSET, p, n), first);
}

vr_status vr_mpi_gather_rows(void *buf, size_t row_bytes, size_t nrows, size_t lo, size_t hi,
                             vr_err *err)
{
    vr_status st = VR_OK;
    const int me = vr_mpi_rank(), size = vr_mpi_size();
    uint64_t mine[2] = {lo < hi ? lo : 0, lo < hi ? hi : 0}, *all = NULL;
    int *counts = NULL, *displs = NULL;
    if (hi > nrows || (row_bytes && nrows > INT_MAX / row_bytes))
        return vr_fail(err, VR_EINVAL, "mpi: gather rows: [%zu, %zu) of %zu rows of %zu bytes", lo, hi,
                       nrows, row_bytes);
    all = malloc(2 * (size_t)size * sizeof *all);
    counts = malloc((size_t)size * sizeof *counts);
    displs = malloc((size_t)size * sizeof *displs);
    if (!all || !counts || !displs) {
        st = vr_fail(err, VR_ENOMEM, "mpi: gather rows: counts of %d ranks", size);
        goto done;
    }
    MPI_TRY(MPI_Allgather(mine, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, MPI_COMM_WORLD),
            "MPI_Allgather (row ranges)");
    for (int r = 0; r < size; r++) {
        counts[r] = (int)((all[2 * r + 1] - all[2 * r]) * row_bytes);
        displs[r] = (int)(all[2 * r] * row_bytes);
    }
    counts[0] = 0; /* rank 0's rows are in place */
    const char *src = (const char *)buf + mine[0] * row_bytes;
    MPI_TRY(MPI_Gatherv(me == 0 ? MPI_IN_PLACE : src, me == 0 ? 0 : counts[me], MPI_BYTE, buf, counts,
                        displs, MPI_BYTE, 0, MPI_COMM_WORLD),
            "MPI_Gatherv (rows)");
done:
    free(all);
    free(counts);
    free(displs);
    return st;
}

vr_status vr_mpi_gather_bytes(const void *mine, size_t bytes, void *all, vr_err *err)
{
    vr_status st = VR_OK;
    if (bytes > INT_MAX)
        return vr_fail(err, VR_EINVAL, "mpi: gather of %zu bytes per rank", bytes);
    MPI_TRY(MPI_Gather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD),
            "MPI_Gather");
done:
    return st;
}

vr_status vr_mpi_allgather_bytes(const void *mine, size_t bytes, void *all, vr_err *err)
{
    vr_status st = VR_OK;
    if (bytes > INT_MAX)
        return vr_fail(err, VR_EINVAL, "mpi: all-gather of %zu bytes per rank", bytes);
    MPI_TRY(MPI_Allgather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, MPI_COMM_WORLD),
            "MPI_Allgather");
done:
    return st;
}

/* ---- partition --------------------------------------------------------------------------- */

void vr_mpi_blocks(size_t nblocks, int rank, int size, size_t *first, size_t *count)
{
    const size_t r = (size_t)rank, s = size > 0 ? (size_t)size : 1;
    const size_t q = nblocks / s, rem = nblocks % s;
    *first = r * q + (r < rem ? r : rem);
    *count = r < s ? q + (r < rem) : 0;
}

void vr_mpi_paths(size_t n, size_t block_paths, int rank, int size, size_t *p0, size_t *p1)
{
    const size_t nb = block_paths ? (n + block_paths - 1) / block_paths : 0;
    size_t f, c;
    vr_mpi_blocks(nb, rank, size, &f, &c);
    *p0 = f * block_paths < n ? f * block_paths : n;
    *p1 = (f + c) * block_paths < n ? (f + c) * block_paths : n;
}

/* ---- gather ------------------------------------------------------------------------------- */

vr_status vr_mpi_gather_paths(const void *local, void *global, size_t elem_bytes, size_t n,
                              size_t block_paths, vr_err *err)
{
    vr_status st = VR_OK;
    MPI_Datatype blk = MPI_DATATYPE_NULL;
    int *counts = NULL, *displs = NULL;
    const int me = vr_mpi_rank(), size = vr_mpi_size();
    if (elem_bytes == 0 || block_paths == 0 || n == 0)
        return vr_fail(err, VR_EINVAL, "mpi: gather: %zu paths of %zu bytes in blocks of %zu",
                       n, elem_bytes, block_paths);
    const size_t nblocks = (n + block_paths - 1) / block_paths, tail = n % block_paths;
    if (nblocks > INT_MAX || block_paths > INT_MAX / elem_bytes)
        return vr_fail(err, VR_EINVAL, "mpi: gather: %zu blocks of %zu bytes exceed MPI's int counts",
                       nblocks, block_paths * elem_bytes);
    if (me == 0 && global == NULL)
        return vr_fail(err, VR_EINVAL, "mpi: gather: rank 0 has no output array");
    const size_t bbytes = block_paths * elem_bytes;
    /* the rank owning the last block sends it apart when it is partial */
    int owner = 0;
    for (int r = 0; r < size; r++) {
        size_t f, c;
        vr_mpi_blocks(nblocks, r, size, &f, &c);
        if (c > 0 && f + c == nblocks)
            owner = r;
    }
    counts = malloc((size_t)size * sizeof *counts);
    displs = malloc((size_t)size * sizeof *displs);
    if (counts == NULL || displs == NULL) {
        st = vr_fail(err, VR_ENOMEM, "mpi: gather: counts for %d ranks", size);
        goto done;
    }
    MPI_TRY(MPI_Type_contiguous((int)bbytes, MPI_BYTE, &blk), "MPI_Type_contiguous");
    MPI_TRY(MPI_Type_commit(&blk), "MPI_Type_commit");
    /* rounds of at most cb blocks per rank, full blocks only */
    const size_t cb = round_bytes / bbytes ? round_bytes / bbytes : 1;
    size_t rounds = 0;
    for (int r = 0; r < size; r++) {
        size_t f, c;
        vr_mpi_blocks(nblocks, r, size, &f, &c);
        if (tail && r == owner) c--;
        if ((c + cb - 1) / cb > rounds) rounds = (c + cb - 1) / cb;
    }
    size_t myf, myc;
    vr_mpi_blocks(nblocks, me, size, &myf, &myc);
    for (size_t k = 0; k < rounds; k++) {
        for (int r = 0; r < size; r++) {
            size_t f, c;
            vr_mpi_blocks(nblocks, r, size, &f, &c);
            if (tail && r == owner) c--;
            const size_t done_ = k * cb, left = c > done_ ? c - done_ : 0;
            counts[r] = (int)(left < cb ? left : cb);
            displs[r] = (int)(f + (left ? done_ : 0));
        }
        /* a rank with nothing to send this round may have no array at all */
        const char *src = counts[me] ? (const char *)local + k * cb * bbytes : NULL;
        MPI_TRY(MPI_Gatherv(src, counts[me], blk, global, counts, displs, blk, 0, MPI_COMM_WORLD),
                "MPI_Gatherv");
    }
    if (tail) {
        const size_t last = (nblocks - 1) * bbytes, tb = tail * elem_bytes;
        if (owner == 0 && me == 0)
            memcpy((char *)global + last, (const char *)local + (myc - 1) * bbytes, tb);
        else if (me == owner)
            MPI_TRY(MPI_Send((const char *)local + (myc - 1) * bbytes, (int)tb, MPI_BYTE, 0, TAG_TAIL,
                             MPI_COMM_WORLD),
                    "MPI_Send (last block)");
        else if (me == 0)
            MPI_TRY(MPI_Recv((char *)global + last, (int)tb, MPI_BYTE, owner, TAG_TAIL, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE),
                    "MPI_Recv (last block)");
    }
done:
    if (blk != MPI_DATATYPE_NULL)
        MPI_Type_free(&blk);
    free(counts);
    free(displs);
    return st;
}

/* ---- accumulators ------------------------------------------------------------------------- */

static vr_status send_bytes(const void *buf, uint64_t len, int dst, vr_err *err)
{
    vr_status st = VR_OK;
    MPI_TRY(MPI_Send(&len, 1, MPI_UINT64_T, dst, TAG_TS, MPI_COMM_WORLD), "MPI_Send (size)");
    for (uint64_t off = 0; off < len; off += round_bytes) {
        const uint64_t m = len - off < round_bytes ? len - off : round_bytes;
        MPI_TRY(MPI_Send((const char *)buf + off, (int)m, MPI_BYTE, dst, TAG_TS, MPI_COMM_WORLD),
                "MPI_Send (accumulator)");
    }
done:
    return st;
}

static vr_status recv_merge(vr_tailstats *t, int src, vr_err *err)
{
    vr_status st = VR_OK;
    char *buf = NULL;
    uint64_t len = 0;
    MPI_TRY(MPI_Recv(&len, 1, MPI_UINT64_T, src, TAG_TS, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
            "MPI_Recv (size)");
    if ((buf = malloc(len ? len : 1)) == NULL) {
        st = vr_fail(err, VR_ENOMEM, "mpi: %llu bytes of scores from rank %d",
                     (unsigned long long)len, src);
        goto done;
    }
    for (uint64_t off = 0; off < len; off += round_bytes) {
        const uint64_t m = len - off < round_bytes ? len - off : round_bytes;
        MPI_TRY(MPI_Recv(buf + off, (int)m, MPI_BYTE, src, TAG_TS, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                "MPI_Recv (accumulator)");
    }
    st = vr_tailstats_merge_packed(t, buf, len, err);
done:
    free(buf);
    return st;
}

vr_status vr_mpi_reduce_tailstats(vr_tailstats *const *t, int count, int root, vr_err *err)
{
    vr_status st = VR_OK;
    const int size = vr_mpi_size();
    if (root < 0 || root >= size)
        return vr_fail(err, VR_EINVAL, "mpi: reduce: root %d outside 0..%d", root, size - 1);
    /* ranks renumbered so that the root is 0: v = (rank - root) mod size */
    const int v = (vr_mpi_rank() - root + size) % size;
    for (int step = 1; step < size; step <<= 1) {
        if (v % (2 * step) == 0) {
            if (v + step < size)
                for (int i = 0; i < count && st == VR_OK; i++)
                    st = recv_merge(t[i], (v + step + root) % size, err);
        } else {
            for (int i = 0; i < count && st == VR_OK; i++) {
                const size_t cap = vr_tailstats_packed_size(t[i]);
                size_t used = 0;
                void *buf = malloc(cap ? cap : 1);
                if (buf == NULL)
                    return vr_fail(err, VR_ENOMEM, "mpi: %zu bytes of scores to send", cap);
                st = vr_tailstats_pack(t[i], buf, cap, &used, err);
                if (st == VR_OK)
                    st = send_bytes(buf, used, (v - step + root) % size, err);
                free(buf);
            }
            break; /* this rank's part is now in its parent's */
        }
        if (st != VR_OK)
            break;
    }
    return st;
}

vr_status vr_mpi_prune_tailstats(vr_tailstats *const *t, int count, vr_err *err)
{
    vr_status st = VR_OK;
    const int size = vr_mpi_size();
    vr_tailstats_cuts *all = malloc((size_t)size * sizeof *all);
    if (all == NULL)
        return vr_fail(err, VR_ENOMEM, "mpi: prune: cuts of %d ranks", size);
    for (int i = 0; i < count; i++) {
        vr_tailstats_cuts mine;
        if ((st = vr_tailstats_cut(t[i], size, &mine, err)) != VR_OK)
            goto done;
        MPI_TRY(MPI_Allgather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE,
                              MPI_COMM_WORLD),
                "MPI_Allgather (prune cuts)");
        vr_tailstats_cuts c = all[0];
        for (int r = 1; r < size; r++)
            vr_tailstats_cut_combine(&c, &all[r]);
        vr_tailstats_prune(t[i], &c);
    }
done:
    free(all);
    return st;
}
