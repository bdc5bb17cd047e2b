/* policy_config.c: policies from the YAML key index, driven by the policy key tables
 * (vr_policy_rules.h, engine/src/policy/policy_validate.c).
 *
 * For each section (condor, trigger, action, exit) every table entry is read from the file if
 * present (exact numbers, enum names, true/false), else takes its default. A key the file gives
 * but the action kind or size rule ignores is refused ("roll_to_delta" on a vix_call, a value
 * with `by: vxth`), as is any key the table does not know, and a key given together with one it
 * overrides (wing_pct and wing_width). A key that is a number or a mapping (half_spread: 0.1 or
 * {base, per_vix_point}) has an entry for each form. The filled policy then goes through
 * vr_policy_validate, the same check sweeps use, and its messages are re-rooted at the file's
 * line for the key. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"
#include "vixrisk/vr_runfile.h"
#include "vixrisk/vr_policy_rules.h"

vr_status vr_cfg_name(const vr_cfg_ctx *c, const char *path, const char *name, char *out)
{
    const size_t n = strlen(name);
    int ok = n > 0 && n < VR_NAME_MAX && name[0] != '.';
    for (const char *q = name; ok && *q; q++)
        ok = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_' ||
             *q == '-' || *q == '.';
    if (!ok)
        return vr_config_fail(c->err, c->file, c->ix, path,
                              "'%.60s': names are 1 to %d of the characters A-Z a-z 0-9 _ - . and do not start "
                              "with '.' (a name becomes an HDF5 group)",
                              name, VR_NAME_MAX - 1);
    snprintf(out, VR_NAME_MAX, "%s", name);
    return VR_OK;
}

static vr_status read_key(const vr_cfg_ctx *c, const char *path, const vr_pkey *k, double *x)
{
    vr_status st = VR_OK;
    const char *s = vr_yaml_text(c->ix, path);
    switch (k->type) {
    case VR_PK_NUM:
        return vr_cfg_num(c, path, NAN, x);
    case VR_PK_WHOLE:
    case VR_PK_INT:
        return vr_cfg_whole(c, path, k->lo, k->hi, NAN, x);
    case VR_PK_BOOL:
        if (s && strcmp(s, "true") == 0)
            *x = 1;
        else if (s && strcmp(s, "false") == 0)
            *x = 0;
        else
            st = vr_config_fail(c->err, c->file, c->ix, path, "expected true or false, got '%.60s'", s ? s : "");
        return st;
    case VR_PK_ENUM: {
        char valid[160] = "";
        for (int i = 0; i < k->nvalues; i++) {
            if (s && strcmp(s, k->values[i].name) == 0) {
                *x = k->values[i].value;
                return VR_OK;
            }
            const size_t len = strlen(valid);
            snprintf(valid + len, sizeof valid - len, "%s%s", i ? ", " : "", k->values[i].name);
        }
        return vr_config_fail(c->err, c->file, c->ix, path, "invalid value '%.60s' (valid: %s)", s ? s : "", valid);
    }
    }
    return VR_OK;
}

/* Every key the file gives under `base` must be a key of section s. */
static vr_status known_keys(const vr_cfg_ctx *c, vr_psection s, const char *base)
{
    const int n = vr_yaml_count(c->ix, base);
    char path[VR_KEY_MAX], full[VR_KEY_MAX];
    for (int i = 0; i < n; i++) {
        const char *key = vr_yaml_child(c->ix, base, i);
        snprintf(path, sizeof path, "%s.%s", base, key);
        const int found = vr_policy_key_find(s, key) != NULL;
        if (found && vr_yaml_kind(c->ix, path) != 'm')
            continue;
        const int m = vr_yaml_count(c->ix, path);
        if (vr_yaml_kind(c->ix, path) == 'm') { /* a sub-mapping: its keys are "key.sub" */
            int ok = 0, nk = 0;
            const vr_pkey *keys = vr_policy_keys(s, &nk);
            for (int j = 0; j < nk && !ok; j++)
                ok = strncmp(keys[j].name, key, strlen(key)) == 0 && keys[j].name[strlen(key)] == '.';
            for (int j = 0; j < m && ok; j++) {
                snprintf(full, sizeof full, "%s.%s", key, vr_yaml_child(c->ix, path, j));
                if (vr_policy_key_find(s, full) == NULL) {
                    char hint[VR_KEY_MAX + 32];
                    snprintf(path, sizeof path, "%s.%s", base, full);
                    return vr_config_fail(c->err, c->file, c->ix, path, "unknown key%s",
                                          vr_cfg_suggest(full, keys, sizeof keys[0], nk, hint, sizeof hint));
                }
            }
            if (ok || found) /* found: a number given as a mapping, which reading it refuses */
                continue;
        }
        /* the nearest key of the section, for a typo (a sub-mapping's keys by their first part) */
        int nk = 0;
        const vr_pkey *keys = vr_policy_keys(s, &nk);
        char tops[64][32];
        const char *names[64];
        int nt = 0;
        for (int j = 0; j < nk && nt < 64; j++) {
            const char *dot = strchr(keys[j].name, '.');
            snprintf(tops[nt], sizeof tops[nt], "%.*s", dot ? (int)(dot - keys[j].name) : 31, keys[j].name);
            names[nt] = tops[nt];
            nt++;
        }
        char hint[VR_KEY_MAX + 32];
        return vr_config_fail(c->err, c->file, c->ix, path, "unknown key%s",
                              vr_cfg_suggest(key, names, sizeof names[0], nt, hint, sizeof hint));
    }
    return VR_OK;
}

/* Read section s at `base` into the struct at `dst` (pre-filled with defaults). */
static vr_status read_section(const vr_cfg_ctx *c, vr_psection s, const char *base, void *dst, int is_action)
{
    vr_status st = known_keys(c, s, base);
    if (st != VR_OK)
        return st;
    int n = 0;
    const vr_pkey *keys = vr_policy_keys(s, &n);
    char path[VR_KEY_MAX], parent[VR_KEY_MAX];
    /* enums first: the action kind and size rule decide which other keys apply */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++) {
            const vr_pkey *k = &keys[i];
            if ((k->type == VR_PK_ENUM) != (pass == 0))
                continue;
            snprintf(path, sizeof path, "%s.%s", base, k->name);
            const char *dot = strchr(k->name, '.');
            snprintf(parent, sizeof parent, "%s.%.*s", base, dot ? (int)(dot - k->name) : 0, k->name);
            const int parent_present = dot != NULL && vr_yaml_kind(c->ix, parent) == 'm';
            if (dot == NULL && vr_yaml_kind(c->ix, path) == 'm') {
                /* the mapping form of a key that is also a number: its sub-keys read it */
                char sub[VR_KEY_MAX];
                snprintf(sub, sizeof sub, "%s.", k->name);
                int has_sub = 0;
                for (int j = 0; j < n && !has_sub; j++)
                    has_sub = strncmp(keys[j].name, sub, strlen(sub)) == 0;
                if (has_sub)
                    continue;
            }
            if (k->overrides != NULL) {
                snprintf(parent, sizeof parent, "%s.%s", base, k->overrides);
                if (vr_cfg_has(c, path) && vr_cfg_has(c, parent))
                    return vr_config_fail(c->err, c->file, c->ix, path, "cannot be combined with '%s': give one of them",
                                          k->overrides);
            }
            if (!vr_cfg_has(c, path)) {
                if (parent_present && s != VR_PS_ACTION)
                    vr_pkey_set(k, dst, k->def); /* a sub-mapping's own defaults */
                else if (dot != NULL && vr_yaml_kind(c->ix, parent) == 's')
                    /* the number form of a two-form key (half_spread: 0.2) is the mapping with that
                     * base and the other keys at their defaults: a per_vix_point inherited from
                     * the run's condor would otherwise stay, and a policy's flat 0.2 would widen
                     * with the VIX (the scalar's own entry, after this one, sets the base) */
                    vr_pkey_set(k, dst, k->def);
                continue;
            }
            if (is_action) {
                const vr_action *a = dst;
                if (!vr_pkey_applies(k, a->kind, a->size_by)) {
                    const char *kname = vr_action_kind_of(a->kind)->name;
                    if (k->kinds && !(k->kinds & (1u << a->kind)))
                        return vr_config_fail(c->err, c->file, c->ix, path, "does not apply to a %s action", kname);
                    return vr_config_fail(c->err, c->file, c->ix, path, "does not apply to size by %s",
                                          vr_size_kind_of(a->size_by)->name);
                }
            }
            double x = 0;
            /* a count of contracts is a whole-number key (docs/config.md): 1e2 and 10.0 were read as
             * 100 and 10 where every other count refuses them */
            const vr_size_kind_def *sk = is_action ? vr_size_kind_of(((const vr_action *)dst)->size_by) : NULL;
            if (sk != NULL && sk->whole && strcmp(k->name, "size.value") == 0) {
                if ((st = vr_cfg_whole(c, path, floor(sk->lo) + 1, sk->hi, NAN, &x)) != VR_OK) {
                    char by[VR_KEY_MAX];
                    snprintf(by, sizeof by, "%s.size.by", base);
                    const size_t len = strlen(c->err->msg);
                    snprintf(c->err->msg + len, sizeof c->err->msg - len, " for size by %s%s", sk->name,
                             vr_cfg_has(c, by) ? "" : " (size.by: contracts unless given)");
                    return st;
                }
            } else if ((st = read_key(c, path, k, &x)) != VR_OK)
                return st;
            vr_pkey_set(k, dst, x);
        }
    /* a present sub-mapping must give its required key (or the alternative) */
    for (int i = 0; i < n; i++) {
        const vr_pkey *k = &keys[i];
        const char *dot = strchr(k->name, '.');
        if (k->required != 1 || dot == NULL)
            continue;
        snprintf(parent, sizeof parent, "%s.%.*s", base, (int)(dot - k->name), k->name);
        snprintf(path, sizeof path, "%s.%s", base, k->name);
        char alt[VR_KEY_MAX] = "";
        if (k->or_key)
            snprintf(alt, sizeof alt, "%s.%s", base, k->or_key);
        if (vr_yaml_kind(c->ix, parent) == 'm' && !vr_cfg_has(c, path) && !(k->or_key && vr_cfg_has(c, alt))) {
            if (k->or_key)
                return vr_config_fail(c->err, c->file, c->ix, parent, "needs '%s' or '%s'", dot + 1,
                                      strchr(k->or_key, '.') ? strchr(k->or_key, '.') + 1 : k->or_key);
            return vr_config_fail(c->err, c->file, c->ix, parent, "missing key '%s'", dot + 1);
        }
    }
    return VR_OK;
}

vr_status vr_cfg_condor(const vr_cfg_ctx *c, const char *base, const vr_condor_rules *def, vr_condor_rules *r)
{
    *r = *def;
    if (!vr_cfg_has(c, base))
        return VR_OK;
    if (vr_yaml_kind(c->ix, base) != 'm')
        return vr_config_fail(c->err, c->file, c->ix, base, "must be a mapping of condor rules");
    const vr_status st = read_section(c, VR_PS_CONDOR, base, r, 0);
    if (st != VR_OK)
        return st;
    /* wing_width, wing_pct and wing_delta are three wing rules (pct and delta, when set, win over
     * width): a policy's condor that gives one replaces the others it inherits from the run's
     * condor; one mapping that gives two is refused by the validator */
    char kw[VR_KEY_MAX], kp[VR_KEY_MAX], kd[VR_KEY_MAX];
    snprintf(kw, sizeof kw, "%s.wing_width", base);
    snprintf(kp, sizeof kp, "%s.wing_pct", base);
    snprintf(kd, sizeof kd, "%s.wing_delta", base);
    /* (a rule given as 0 is off and replaces nothing) */
    const int has_w = vr_cfg_has(c, kw), has_pct = vr_cfg_has(c, kp) && r->wing_pct > 0,
              has_delta = vr_cfg_has(c, kd) && r->wing_delta > 0;
    if ((has_delta || has_w) && !has_pct)
        r->wing_pct = 0;
    if ((has_pct || has_w) && !has_delta)
        r->wing_delta = 0;
    return VR_OK;
}

static vr_status read_layer(const vr_cfg_ctx *c, const char *base, int index, vr_layer *l)
{
    char p[VR_KEY_MAX];
    vr_status st;
    vr_layer_defaults(l);
    snprintf(p, sizeof p, "%s.name", base);
    const char *name = vr_yaml_text(c->ix, p);
    if (name != NULL) {
        if ((st = vr_cfg_name(c, p, name, l->name)) != VR_OK)
            return st;
    } else
        snprintf(l->name, sizeof l->name, "layer%d", index + 1);
    static const char *const need[] = {"trigger", "action"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s.%s", base, need[i]);
        if (vr_yaml_kind(c->ix, p) != 'm')
            return vr_config_fail(c->err, c->file, c->ix, vr_cfg_has(c, p) ? p : base,
                                  vr_cfg_has(c, p) ? "must be a mapping" : "missing key '%s'", need[i]);
    }
    snprintf(p, sizeof p, "%s.trigger", base);
    if ((st = read_section(c, VR_PS_TRIGGER, p, &l->trigger, 0)) != VR_OK)
        return st;
    /* cooldown_after says which exits start the cooldown: with no cooldown (cooldown_days 0, the
     * default) `profit` changes nothing, and a file that gives it alone was run without the
     * cooldown it reads as asking for. (A sweep of cooldown_days through 0 is not refused.) */
    snprintf(p, sizeof p, "%s.trigger.cooldown_after", base);
    if (vr_cfg_has(c, p) && l->trigger.cooldown_after == VR_COOLDOWN_PROFIT && !(l->trigger.cooldown_days > 0))
        return vr_config_fail(c->err, c->file, c->ix, p,
                              "profit has no effect without a cooldown: give cooldown_days in [1, 252] (it is 0 "
                              "unless given)");
    /* combine says how conditions join: next to always (which the validator allows alone) it
     * joins nothing and changes nothing, so it is refused rather than ignored */
    snprintf(p, sizeof p, "%s.trigger.combine", base);
    if (vr_cfg_has(c, p) && l->trigger.always)
        return vr_config_fail(c->err, c->file, c->ix, p, "has no effect next to always: true (there are no "
                              "conditions to combine)");
    snprintf(p, sizeof p, "%s.action", base);
    if ((st = read_section(c, VR_PS_ACTION, p, &l->action, 1)) != VR_OK)
        return st;
    char q[VR_KEY_MAX];
    snprintf(q, sizeof q, "%s.size", p);
    if (vr_action_kind_of(l->action.kind)->legs > 0 && !vr_cfg_has(c, q))
        return vr_config_fail(c->err, c->file, c->ix, p, "missing key 'size'");
    snprintf(p, sizeof p, "%s.exit", base);
    if (vr_cfg_has(c, p) && (st = read_section(c, VR_PS_EXIT, p, &l->exit, 0)) != VR_OK)
        return st;
    return VR_OK;
}

vr_status vr_cfg_policy(const vr_cfg_ctx *c, int i, const vr_condor_rules *def, vr_policy *P)
{
    char base[VR_KEY_MAX], p[VR_KEY_MAX];
    vr_status st;
    snprintf(base, sizeof base, "policies[%d]", i);
    memset(P, 0, sizeof *P);
    snprintf(p, sizeof p, "%s.name", base);
    const char *name = vr_yaml_text(c->ix, p);
    if (name == NULL)
        return vr_config_fail(c->err, c->file, c->ix, base, "missing key 'name'");
    if ((st = vr_cfg_name(c, p, name, P->name)) != VR_OK)
        return st;
    /* a policy's name is its group beside the scenario's sample-path group (docs/hdf5.md): one
     * named like it shared that group with the samples, and a reader tells them apart by name */
    if (strcmp(P->name, VR_RF_SAMPLE_GROUP) == 0)
        return vr_config_fail(c->err, c->file, c->ix, p,
                              "'" VR_RF_SAMPLE_GROUP "' names the scenario's sample paths in the run file; pick "
                              "another policy name");
    snprintf(p, sizeof p, "%s.condor", base);
    if ((st = vr_cfg_condor(c, p, def, &P->condor)) != VR_OK)
        return st;
    /* roll_to_delta is where the condor's own roll puts the tested short; with roll_delta 0 there
     * is no such roll, and a policy that gives it ran without the roll it reads as asking for (a
     * roll_tested layer has its own action.roll_to_delta; the run's condor: vr_cfg_roll_used) */
    snprintf(p, sizeof p, "%s.condor.roll_to_delta", base);
    if (vr_cfg_has(c, p) && !(P->condor.roll_delta > 0))
        return vr_config_fail(c->err, c->file, c->ix, p,
                              "has no effect while roll_delta is 0 (the condor does not roll): give roll_delta "
                              "in (roll_to_delta, 1) (it is %g unless given), or a roll_tested layer",
                              def->roll_delta);
    snprintf(p, sizeof p, "%s.layers", base);
    for (P->nlayers = 0; P->nlayers < VR_MAX_LAYERS; P->nlayers++) {
        snprintf(p, sizeof p, "%s.layers[%d]", base, P->nlayers);
        if (!vr_cfg_has(c, p))
            break;
        if ((st = read_layer(c, p, P->nlayers, &P->layers[P->nlayers])) != VR_OK)
            return st;
        /* a layer's name is its group in the run file (layers/<name>, beside attribution/condor)
         * and its handle in ablations: unique in the policy, and not the condor's */
        const int j = P->nlayers;
        char at[VR_KEY_MAX];
        snprintf(at, sizeof at, "%s.name", p);
        if (!vr_cfg_has(c, at)) /* a default name (layer<n>): the layer itself */
            snprintf(at, sizeof at, "%s", p);
        if (strcmp(P->layers[j].name, "condor") == 0)
            return vr_config_fail(c->err, c->file, c->ix, at,
                                  "'condor' names the condor's own part of the results; pick another layer name");
        for (int k = 0; k < j; k++)
            if (strcmp(P->layers[k].name, P->layers[j].name) == 0)
                return vr_config_fail(c->err, c->file, c->ix, at, "layer name '%s' is already %s.layers[%d]'s%s",
                                      P->layers[j].name, base, k,
                                      strncmp(P->layers[j].name, "layer", 5) == 0 ? " (an unnamed layer n is called layer<n>)" : "");
    }
    snprintf(p, sizeof p, "%s.ablate", base);
    const char *abl = vr_yaml_text(c->ix, p);
    if (abl != NULL) {
        if (strcmp(abl, "true") != 0 && strcmp(abl, "false") != 0)
            return vr_config_fail(c->err, c->file, c->ix, p, "expected true or false, got '%.60s'", abl);
        P->ablate = strcmp(abl, "true") == 0;
        /* ablation drops one layer at a time: without layers it would make nothing, and a key
         * that changes nothing is refused, not ignored */
        if (P->ablate && P->nlayers == 0)
            return vr_config_fail(c->err, c->file, c->ix, p, "has no effect: the policy has no layers to ablate");
    }
    char key[VR_KEY_MAX] = "";
    vr_err verr = {VR_OK, ""};
    if (vr_policy_validate(P, base, key, &verr) != VR_OK)
        return vr_cfg_fail_key(c, key, &verr);
    return VR_OK;
}

/* The run's condor.roll_to_delta is a default for the policies whose condor rolls; when none does
 * (roll_delta 0 in every policy, sweeps included) it changes nothing. */
vr_status vr_cfg_roll_used(const vr_cfg_ctx *c, const vr_policy *pol, int npol)
{
    if (!vr_cfg_has(c, "condor.roll_to_delta"))
        return VR_OK;
    for (int i = 0; i < npol; i++)
        if (pol[i].condor.roll_delta > 0)
            return VR_OK;
    return vr_config_fail(c->err, c->file, c->ix, "condor.roll_to_delta",
                          "has no effect: no policy's condor rolls (roll_delta is 0 in %s): give roll_delta in "
                          "(roll_to_delta, 1) here or in a policy's condor, or use a roll_tested layer",
                          npol == 1 ? "the one policy" : "every policy");
}
