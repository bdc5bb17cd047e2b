/* ablate.c: the policies an ablation derives (`ablate: true` on a policy): for each layer the
 * policy without it, and with two layers or more the condor with that layer alone. They run on the
 * same paths as every other policy, so their paired differences against the policy and the baseline
 * say which layer does the work (docs/hdf5.md "Ablation"). */
#include <stdio.h>
#include <string.h>

#include "vixrisk/vr_policy.h"

int vr_policy_ablation_count(const vr_policy *p)
{
    if (!p->ablate || p->nlayers < 1)
        return 0;
    return p->nlayers + (p->nlayers >= 2 ? p->nlayers : 0);
}

/* The condor of p with the layers whose bit is set in `keep`, in their order. A layer that
 * requires the previous one (active, or fired within n days) keeps the requirement only when that
 * layer is kept too. */
static void keep_layers(const vr_policy *p, unsigned keep, vr_policy *out)
{
    *out = *p;
    out->nlayers = 0;
    out->ablate = 0;
    for (int l = 0; l < p->nlayers; l++) {
        if (!(keep & (1u << l)))
            continue;
        vr_layer *ly = &out->layers[out->nlayers++];
        *ly = p->layers[l];
        if (ly->trigger.requires_previous && (l == 0 || !(keep & (1u << (l - 1)))))
            ly->trigger.requires_previous = 0;
        if (ly->trigger.previous_within > 0 && (l == 0 || !(keep & (1u << (l - 1)))))
            ly->trigger.previous_within = 0;
    }
}

vr_status vr_policy_ablate(const vr_policy *p, int index, vr_policy *out, vr_err *err)
{
    const int n = vr_policy_ablation_count(p);
    const unsigned all = (1u << p->nlayers) - 1;
    for (int k = 0; k < n; k++) {
        const int l = k % p->nlayers;
        const int only = k >= p->nlayers;
        vr_policy *d = &out[k];
        keep_layers(p, only ? 1u << l : all & ~(1u << l), d);
        d->abl_kind = only ? VR_ABL_ONLY : VR_ABL_WITHOUT;
        d->abl_of = index;
        d->abl_layer = l;
        char nm[3 * VR_NAME_MAX];
        snprintf(nm, sizeof nm, "%s@%s=%s", p->name, only ? "only" : "without", p->layers[l].name);
        if (strlen(nm) >= VR_NAME_MAX)
            return vr_fail(err, VR_EINVAL, "ablation of policy '%s': the derived name '%s' is longer than "
                           "%d characters (shorten the policy or layer name)", p->name, nm, VR_NAME_MAX - 1);
        memcpy(d->name, nm, strlen(nm) + 1);
    }
    return VR_OK;
}
