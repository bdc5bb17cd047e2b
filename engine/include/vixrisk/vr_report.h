/* vr_report.h: tail-risk reports from a `vixrisk run` result file (`vixrisk report`).
 *
 * A report is built from the HDF5 file alone (layout: docs/hdf5.md): the scores are the attributes
 * the run stored, and the charts are drawn from the stored per-path arrays (pnl, drawdown) and the
 * sample paths; nothing is simulated again. Four formats:
 *
 *   VR_REPORT_HTML  one self-contained page: inline CSS and SVG charts, no scripts, no external
 *                   fetches, prints well; well-formed XML (polyglot XHTML) so XML tools read it.
 *   VR_REPORT_MD    Markdown with the same tables; the charts go to SVG files in the directory
 *                   "<out stem>_files/" beside it, referenced by relative links.
 *   VR_REPORT_CSV   one row per (scenario, policy), every score a column, a header row; RFC 4180
 *                   (CRLF line ends, quoted fields where needed); numbers printed with %.17g so
 *                   they read back exactly; an undefined number is an empty field. The trade logs
 *                   go beside it to "<stem>_trades.csv" (vr_report_trades_path): one row per
 *                   record, columns scenario, policy and the trade_log fields; the attribution
 *                   to "<stem>_attribution.csv" (vr_report_attribution_path): one row per
 *                   (scenario, policy, owner), the condor's and each layer's scores.
 *   VR_REPORT_JSON  exactly one JSON object (RFC 8259): run metadata, the verdict text when the file
 *                   has one, every scenario's policies with their scores, attribution and trade
 *                   logs when stored, and the stress matrix; undefined numbers are null.
 *
 * Every output file goes through vr_outfile (vr_outfile.h): it may not be the run file, it replaces
 * only a regular file, and it is written under a short temporary name in its directory and renamed
 * over the final name at the end, so a reader never sees a partial report.
 *
 * The run file is read as untrusted input (docs/hdf5.md, "Files from elsewhere"): names, types,
 * shapes and counts are checked against the schema (vr_runfile.h) before anything is allocated,
 * and non-finite per-path values are refused as damaged data. A replayed history (one path) is
 * reported by its P&L; an ES99 resting on fewer than VR_TAIL_MIN_BEYOND paths is flagged.
 *
 * Errors: VR_EINVAL for bad arguments (NULL paths, unknown format); VR_EIO when h5_path is missing,
 * is not HDF5 or is not a vixrisk run file (no "schema" attribute "vixrisk-run/..."), or the output
 * cannot be written; VR_EHDF5 when a stored object is missing, unreadable or damaged; VR_EINVAL
 * also for an output target vr_outfile refuses and for objects of the wrong type or shape; VR_ENOMEM. err->msg
 * names the file and the object ("report: /tmp/x.h5: not a vixrisk run file (no root attribute
 * 'schema')"). */
#ifndef VIXRISK_VR_REPORT_H
#define VIXRISK_VR_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "vixrisk/vr_status.h"

typedef enum { VR_REPORT_HTML, VR_REPORT_MD, VR_REPORT_CSV, VR_REPORT_JSON } vr_report_format;

/* Read the run file at h5_path and write the report to out_path in format fmt. */
vr_status vr_report_write(const char *h5_path, const char *out_path, vr_report_format fmt,
                          vr_err *err);

/* The format's name ("html", "md", "csv") and its inverse (-1 for an unknown name); the format a
 * file name's extension implies (.html/.htm, .md/.markdown, .csv, any case; -1 if none). */
/* s as a JSON string (quoted; escapes; U+FFFD for each byte that is not valid UTF-8: a JSON text is
 * UTF-8); NULL writes "". */
void vr_json_str(FILE *f, const char *s);
const char *vr_report_format_name(vr_report_format fmt);
int vr_report_format_parse(const char *name);
int vr_report_format_from_path(const char *path);

/* Where a CSV report at csv_path puts its trade logs: the same directory and stem with
 * "_trades.csv" ("out/run.csv" -> "out/run_trades.csv", "run" -> "run_trades.csv"). Writes at most
 * cap bytes (cap >= strlen(csv_path) + 12 always fits) and returns the length of the full name. */
size_t vr_report_trades_path(const char *csv_path, char *buf, size_t cap);

/* Where a CSV report at csv_path puts its attribution by owner: the same directory and stem with
 * "_attribution.csv" (cap >= strlen(csv_path) + 17 always fits); returns the full name's length. */
size_t vr_report_attribution_path(const char *csv_path, char *buf, size_t cap);

/* `vixrisk report RUN.h5 [-o OUT] [--format html|md|csv]` (engine/cli/report_cmd.c); argv[0] is
 * "report". Returns the process exit code: 0 ok, 1 runtime failure, 2 usage error. */
int vr_cmd_report(int argc, char **argv);

#endif
