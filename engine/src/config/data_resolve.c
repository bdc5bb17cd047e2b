/* data_resolve.c: where a config's files are.
 *
 * A path written in a config file (a scenario's `data:` directory, a `model:` file) is relative
 * to the directory of that config file, so a run gives the same result from any working
 * directory. A scenario without `data:` uses, in order: the load option data_dir (the CLI's
 * `--data DIR`), the environment variable VIXRISK_DATA, then ../shared/data relative to the
 * working directory (vr_history_default_dir). Each directory is loaded once per run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

int vr_config_resolve(const char *from, const char *rel, char *out, size_t cap)
{
    const char *slash = from ? strrchr(from, '/') : NULL;
    int n;
    if (rel[0] == '/' || slash == NULL)
        n = snprintf(out, cap, "%s", rel);
    else
        n = snprintf(out, cap, "%.*s/%s", (int)(slash - from), from, rel);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

vr_status vr_cfg_history(const vr_cfg_ctx *c, const char *key, const char *dir, const char *data_dir,
                         vr_run_cfg *out, const vr_history **h)
{
    char resolved[512];
    const char *d = NULL;
    if (dir != NULL) {
        /* relative to the file that holds the key */
        char dkey[VR_KEY_MAX];
        snprintf(dkey, sizeof dkey, "%s", key);
        const char *from = vr_yaml_file_of(c->ix, dkey);
        if (vr_config_resolve(from ? from : c->file, dir, resolved, sizeof resolved) != 0)
            return vr_config_fail(c->err, c->file, c->ix, key, "data directory path too long");
        d = resolved;
    } else if (data_dir != NULL && data_dir[0] != '\0')
        d = data_dir;
    else
        d = vr_history_default_dir();
    if (d == NULL)
        return vr_config_fail(c->err, c->file, c->ix, key,
                              "needs historical data: set 'data: DIR' in the scenario, --data DIR or VIXRISK_DATA "
                              "(files as described in docs/config.md)");
    for (int i = 0; i < out->nhist; i++)
        if (strcmp(out->hist_dirs[i], d) == 0) {
            *h = &out->hist[i];
            return VR_OK;
        }
    if (out->nhist == VR_MAX_HIST)
        return vr_config_fail(c->err, c->file, c->ix, key, "more than %d data directories", VR_MAX_HIST);
    vr_err e2 = {VR_OK, ""};
    if (vr_history_load(d, &out->hist[out->nhist], &e2) != VR_OK) {
        /* say where a directory the file does not name came from */
        const char *env = getenv("VIXRISK_DATA");
        const char *src = dir != NULL ? "" : data_dir != NULL && data_dir[0] != '\0' ? " (the directory of --data)"
                          : env != NULL && env[0] != '\0' && strcmp(env, d) == 0 ? " (the directory of VIXRISK_DATA)"
                          : " (the default data directory, ../shared/data: set --data DIR or VIXRISK_DATA)";
        return vr_config_fail(c->err, c->file, c->ix, key, "%s%s", e2.msg, src);
    }
    snprintf(out->hist_dirs[out->nhist], sizeof out->hist_dirs[0], "%s", d);
    *h = &out->hist[out->nhist++];
    return VR_OK;
}
