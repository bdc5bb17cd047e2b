/* sweep.c: a `sweep` entry makes one extra policy per value of one key of an existing policy,
 * evaluated on the same paths as all the others. The swept key is set through the policy key
 * table (vr_policy_set, which refuses a key the layer's action ignores) and every swept copy
 * passes vr_policy_validate, the same check as a loaded policy: a swept size of -1 or a condor
 * short delta of 0.7 is an error at the value that asks for it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "vixrisk/vr_policy_rules.h"

static int nvalues(const vr_cfg_ctx *c, int w)
{
    char p[VR_KEY_MAX];
    int n = 0;
    for (;; n++) {
        snprintf(p, sizeof p, "sweep[%d].values[%d]", w, n);
        if (!vr_cfg_has(c, p))
            return n;
    }
}

int vr_cfg_sweep_count(const vr_cfg_ctx *c)
{
    char p[VR_KEY_MAX];
    int n = 0;
    for (int w = 0;; w++) {
        snprintf(p, sizeof p, "sweep[%d]", w);
        if (!vr_cfg_has(c, p))
            return n;
        n += nvalues(c, w);
    }
}

/* A swept policy's name: POLICY@KEY=VALUE, brackets of the key as '_' (names become HDF5 groups). */
static void sweep_name(char *nm, size_t cap, const char *pol, const char *key, const char *value)
{
    snprintf(nm, cap, "%s@%s=%s", pol, key, value);
    for (char *q = nm; *q; q++)
        if (*q == '[' || *q == ']')
            *q = '_';
}

/* 1 when some sweep of policy `pol` and key `key` (this one or another entry) has the value x,
 * bit for bit (a value that does not read as a number counts as none: its error comes when its
 * turn comes). */
static int swept_exactly(const vr_cfg_ctx *c, const char *pol, const char *key, double x)
{
    char p[VR_KEY_MAX];
    for (int w = 0;; w++) {
        snprintf(p, sizeof p, "sweep[%d]", w);
        if (!vr_cfg_has(c, p))
            return 0;
        snprintf(p, sizeof p, "sweep[%d].policy", w);
        const char *pw = vr_yaml_text(c->ix, p);
        snprintf(p, sizeof p, "sweep[%d].key", w);
        const char *kw = vr_yaml_text(c->ix, p);
        if (pw == NULL || kw == NULL || strcmp(pw, pol) != 0 || strcmp(kw, key) != 0)
            continue;
        const int nv = nvalues(c, w);
        for (int k = 0; k < nv; k++) {
            double v = 0;
            vr_err e = {VR_OK, ""};
            vr_cfg_ctx q = *c;
            q.err = &e;
            q.warn = NULL;
            snprintf(p, sizeof p, "sweep[%d].values[%d]", w, k);
            if (vr_cfg_num(&q, p, NAN, &v) == VR_OK && memcmp(&v, &x, sizeof x) == 0)
                return 1;
        }
    }
}

/* The whole-number key a sweep's `key` names (condor.<rule>, layers[i].<section>.<key>), or NULL:
 * its values are integer literals, read as the key's own place reads them (values.c), so that
 * `values: [010]` is not run as 10 where `cooldown_days: 010` is refused as octal in YAML 1.1.
 * A key that names nothing is NULL here and refused by vr_policy_set with its own message. */
static const vr_pkey *whole_key(const char *key)
{
    const vr_pkey *k = NULL;
    int li = 0, used = 0;
    char sec[16] = "";
    if (strncmp(key, "condor.", 7) == 0)
        k = vr_policy_key_find(VR_PS_CONDOR, key + 7);
    else if (sscanf(key, "layers[%d].%15[a-z]%n", &li, sec, &used) == 2 && key[used] == '.') {
        const char *name = key + used + 1;
        if (strcmp(sec, "trigger") == 0)
            k = vr_policy_key_find(VR_PS_TRIGGER, name);
        else if (strcmp(sec, "action") == 0)
            k = vr_policy_key_find(VR_PS_ACTION, strcmp(name, "size") == 0 ? "size.value" : name);
        else if (strcmp(sec, "exit") == 0)
            k = vr_policy_key_find(VR_PS_EXIT, name);
    }
    return k != NULL && (k->type == VR_PK_WHOLE || k->type == VR_PK_INT) ? k : NULL;
}

vr_status vr_cfg_sweeps(const vr_cfg_ctx *c, vr_run_spec *s, int npol)
{
    char base[VR_KEY_MAX], p[VR_KEY_MAX];
    vr_status st;
    for (int w = 0;; w++) {
        snprintf(base, sizeof base, "sweep[%d]", w);
        if (!vr_cfg_has(c, base))
            return VR_OK;
        snprintf(p, sizeof p, "%s.policy", base);
        const char *pol = vr_yaml_text(c->ix, p);
        snprintf(p, sizeof p, "%s.key", base);
        const char *key = vr_yaml_text(c->ix, p);
        int src = -1;
        for (int i = 0; i < npol && pol; i++)
            if (strcmp(s->pol[i].name, pol) == 0)
                src = i;
        const int nv = nvalues(c, w);
        if (pol == NULL || key == NULL || nv == 0)
            return vr_config_fail(c->err, c->file, c->ix, base,
                                  "needs 'policy' (an existing policy name), 'key' and 'values'");
        if (src < 0) {
            snprintf(p, sizeof p, "%s.policy", base);
            return vr_config_fail(c->err, c->file, c->ix, p, "no policy is named '%.60s'", pol);
        }
        /* layers[i]: i as decimal digits with no sign, blank or leading zero. The key names the
         * swept policies, and the library's reading of it (sscanf %d) overflowed: layers[4294967296]
         * swept layer 0 under a name that says otherwise, and layers[00] made a second name for
         * layers[0] */
        if (strncmp(key, "layers[", 7) == 0) {
            const char *d = key + 7;
            size_t nd = 0;
            while (d[nd] >= '0' && d[nd] <= '9')
                nd++;
            if (s->pol[src].nlayers == 0) { /* (no range to give: "[0, -1]") */
                snprintf(p, sizeof p, "%s.key", base);
                return vr_config_fail(c->err, c->file, c->ix, p,
                                      "'%.60s': policy '%s' has no layers: sweep a condor.<rule> key of it, or "
                                      "a layer of a policy that has one", key, pol);
            }
            if (nd == 0 || d[nd] != ']' || (nd > 1 && d[0] == '0') || nd > 3 || atoi(d) >= s->pol[src].nlayers) {
                snprintf(p, sizeof p, "%s.key", base);
                return vr_config_fail(c->err, c->file, c->ix, p,
                                      "'%.60s': the layer index is a whole number in [0, %d] written without sign, "
                                      "blank or leading zero (policy '%s' has %d layer(s))",
                                      key, s->pol[src].nlayers - 1, pol, s->pol[src].nlayers);
            }
        }
        const vr_pkey *wk = whole_key(key);
        for (int k = 0; k < nv; k++) {
            double v = 0;
            snprintf(p, sizeof p, "%s.values[%d]", base, k);
            if ((st = wk ? vr_cfg_whole(c, p, wk->lo, wk->hi, NAN, &v) : vr_cfg_num(c, p, NAN, &v)) != VR_OK) {
                if (wk != NULL) { /* the value's line names the sweep, not the key it sets */
                    const size_t len = strlen(c->err->msg);
                    snprintf(c->err->msg + len, sizeof c->err->msg - len, " for %s", key);
                }
                return st;
            }
            vr_policy *P = &s->pol[s->npol];
            *P = s->pol[src];
            vr_err verr = {VR_OK, ""};
            if ((st = vr_policy_set(P, key, v, &verr)) != VR_OK) {
                if (st != VR_ECONFIG) /* the key is wrong; VR_ECONFIG: this value */
                    snprintf(p, sizeof p, "%s.key", base);
                return vr_config_fail(c->err, c->file, c->ix, p, "%s", verr.msg);
            }
            char kpath[VR_KEY_MAX] = "";
            if (vr_policy_validate(P, "", kpath, &verr) != VR_OK) {
                const char *msg = verr.msg;
                const size_t kl = strlen(kpath);
                if (kl && strncmp(msg, kpath, kl) == 0 && msg[kl] == ':')
                    msg += kl + 2;
                char g[VR_NUM_STR];
                return vr_config_fail(c->err, c->file, c->ix, p, "policy '%s' with %s = %s: %s: %s", pol, key,
                                      vr_num_str(v, g), kpath, msg);
            }
            /* the value as %g, as names always were; where that name is taken (20.0000001 and
             * 20.0000002 are both 20 in six digits), in as many digits as tell it apart. A %g
             * that is not the value itself also yields to the value it reads as when that is
             * swept too: with [20.0000001, 20] the first took "20" and the exact 20, whose name
             * can only be "20", was refused as "a value given twice" */
            char nm[2 * VR_NAME_MAX + VR_KEY_MAX], g[VR_NUM_STR];
            snprintf(g, sizeof g, "%g", v);
            const double gv = strtod(g, NULL);
            int taken = memcmp(&gv, &v, sizeof v) != 0 && swept_exactly(c, pol, key, gv);
            sweep_name(nm, sizeof nm, s->pol[src].name, key, g);
            for (int q = 0; q < s->npol && !taken; q++)
                taken = strcmp(s->pol[q].name, nm) == 0;
            if (taken)
                sweep_name(nm, sizeof nm, s->pol[src].name, key, vr_num_str(v, g));
            if (strlen(nm) >= VR_NAME_MAX)
                return vr_config_fail(c->err, c->file, c->ix, p, "the swept policy's name '%s' is longer than %d characters",
                                      nm, VR_NAME_MAX - 1);
            for (int q = 0; q < s->npol; q++)
                if (strcmp(s->pol[q].name, nm) == 0)
                    return vr_config_fail(c->err, c->file, c->ix, p, "makes a second policy named '%s'%s", nm,
                                          q >= npol ? " (a value given twice?)" : "");
            snprintf(P->name, sizeof P->name, "%s", nm);
            s->npol++;
        }
    }
}
