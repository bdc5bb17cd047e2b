/* vr_outfile.h: safe output files. Every file vixrisk writes (run files, reports, model files,
 * realism tables) goes through this module, so that one set of rules holds everywhere:
 *
 *   - the target is resolved and checked BEFORE any work (a long simulation must not end with
 *     "cannot write"): a directory (or a path ending in '/') means DIR/<default name>; a missing
 *     parent directory is created (mkdir -p) or reported at once, and a file is created in it and
 *     removed (the permission bits alone do not say whether it takes one);
 *   - only a regular file (or nothing) is ever replaced: a symlink, FIFO, device, socket or
 *     directory at the target is refused, never renamed over;
 *   - an output equal to one of the command's inputs (same device and inode, so also through a
 *     symlink or hard link) is refused;
 *   - the data go to a short temporary name in the target's directory (".vr<pid><6 chars>.tmp",
 *     so a legal 255-byte final name still leaves a legal temporary name), fsync'ed and renamed
 *     over the final name at the end; a failure or a signal leaves nothing behind.
 *
 * Typical use:
 *     vr_outfile o;
 *     if (vr_outfile_prepare(&o, path, "run.h5", inputs, 1, &err) != VR_OK) ...   (before work)
 *     ... long computation ...
 *     if (vr_outfile_begin(&o, &err) != VR_OK) ...       creates o.tmp (empty, mode 0666 & ~umask)
 *     ... write o.tmp (fopen(o.tmp, "w"), H5Fcreate(o.tmp, H5F_ACC_TRUNC ...)) and close it ...
 *     if (vr_outfile_commit(&o, &err) != VR_OK) ...      (on any failure: vr_outfile_abort(&o))
 *
 * Temporaries between begin and commit/abort are registered in a fixed table so that a signal
 * handler can remove them with vr_outfile_signal_cleanup(). The module is meant for the serial
 * parts of a program (one thread creates and commits outputs). */
#ifndef VIXRISK_VR_OUTFILE_H
#define VIXRISK_VR_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "vixrisk/vr_status.h"

#define VR_OUTFILE_PATH_MAX 4096

/* An input file opened for reading (fopen's mode, "r" or "rb") only if it is a regular file: a
 * FIFO, device, socket or directory gives NULL with errno ENOTSUP (not a regular file), without
 * blocking (a FIFO is opened non-blocking, checked, and closed). Every other failure is fopen's,
 * with its errno. */
FILE *vr_fopen_input(const char *path, const char *mode);
/* strerror(errno) for a failed vr_fopen_input: "not a regular file" for ENOTSUP. */
const char *vr_fopen_input_error(int errnum);

typedef struct vr_outfile {
    char final[VR_OUTFILE_PATH_MAX]; /* resolved output path (after directory expansion) */
    char tmp[VR_OUTFILE_PATH_MAX];   /* temporary beside it, set by vr_outfile_begin */
    int active;                      /* 1 between begin and commit/abort */
    int slot;                        /* index in the signal-cleanup table, -1 if none */
    int synced;                      /* 1 after vr_outfile_sync: commit only renames */
} vr_outfile;

/* Resolve and check an output target. `path` is what the user gave; `default_name` is the file
 * name used when `path` is a directory (an existing one, or any path ending in '/'); NULL means a
 * directory target is an error. `inputs` (ninputs entries, NULL entries skipped) are the files the
 * command reads: the output may not be any of them. Creates missing parent directories (mode 0777
 * & ~umask) and nothing else that stays (a temporary is created and removed: the directory must
 * take a file and let it be removed; so it needs one free place of the temporaries' table for
 * that moment). Errors: VR_EINVAL for an unusable target (with a sentence naming it and why),
 * VR_EIO for a parent directory that cannot be created or written, or that takes no file or lets
 * none be removed (an append-only one), VR_ENOMEM when the table is full or memory runs out. */
vr_status vr_outfile_prepare(vr_outfile *o, const char *path, const char *default_name,
                             const char *const *inputs, int ninputs, vr_err *err);

/* Create the temporary file (O_EXCL, empty) in the final name's directory and register it for
 * signal cleanup; its path is o->tmp. VR_EIO if it cannot be created; VR_ENOMEM if more than
 * VR_OUTFILE_MAX_ACTIVE temporaries are open at once. */
#define VR_OUTFILE_MAX_ACTIVE 1024
vr_status vr_outfile_begin(vr_outfile *o, vr_err *err);

/* Make the temporary's data durable now (fsync; the caller has closed it), so that a later commit
 * only renames. A command that writes several files (a report's page and its charts) syncs every
 * temporary before it renames any: a full disk or a write error then replaces none of the old
 * files. On failure the temporary is removed (as vr_outfile_abort). */
vr_status vr_outfile_sync(vr_outfile *o, vr_err *err);

/* Finish: fsync the temporary (the caller has closed it; after vr_outfile_sync only when the mode
 * of a file it replaces was just given to it), re-check that the final name is absent or a regular
 * file, rename the temporary over it and fsync the directory. On failure the
 * temporary is removed. Either way the temporary is unregistered. */
vr_status vr_outfile_commit(vr_outfile *o, vr_err *err);

/* Remove the temporary, if any, and unregister it. Safe to call on a prepared-only, committed or
 * zeroed vr_outfile, and more than once. */
void vr_outfile_abort(vr_outfile *o);

/* The directory of the final name (where its temporary goes, and any other temporary a command
 * keeps beside its output) into dir: "." when the name has none. */
void vr_outfile_dir(const vr_outfile *o, char *dir, size_t cap);

/* Async-signal-safe: unlink every registered temporary, then remove the directories made for
 * outputs while they are empty (below); returns how many temporaries were registered. For the
 * program's SIGINT/SIGTERM/... handlers (the CLI installs them: engine/cli/cli.c); library code
 * never installs handlers. */
int vr_outfile_signal_cleanup(void);

/* Directories made for outputs: vr_outfile_prepare records those it creates, a command records
 * one it makes itself (a report's chart directory) with vr_outfile_made_dir (up to 32; more are
 * not recorded). vr_outfile_made_dirs_remove removes them, innermost first and only while empty,
 * and forgets them: for a command that failed (the CLI calls it on a non-zero exit) and for the
 * signal handler. */
void vr_outfile_made_dir(const char *dir);
void vr_outfile_made_dirs_remove(void);
/* mkdir -p: every missing component of dir, each recorded as above (VR_EINVAL when a component
 * is not a directory, VR_EIO when one cannot be made). */
vr_status vr_outfile_make_dirs(const char *dir, vr_err *err);

/* Around a group of renames that make one output (a report's charts and page): a signal that
 * arrives between hold and release is deferred (the handler asks vr_outfile_signal_defer, which
 * says 1 and keeps the signal while held) and raised again by release, so the group is renamed
 * whole: an interrupt left 3 of 41 new charts beside the old page. */
void vr_outfile_hold_signals(void);
void vr_outfile_release_signals(void);
int vr_outfile_signal_defer(int sig);

#endif
