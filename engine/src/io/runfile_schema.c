/* runfile_schema.c: the run file's layout as data (vr_runfile.h): the attribute and dataset tables
 * the writer walks and the reader checks against, the name rule and the one ES99 ranking. */
#include <string.h>

#include "vixrisk/vr_runfile.h"

#define ATTR(id, key, type, units, desc, flags) {key, VR_RF_##type, units, desc, flags},
const vr_rf_attr vr_rf_root[VR_RF_ROOT_N] = {VR_RF_ROOT(ATTR)};
const vr_rf_attr vr_rf_scen[VR_RF_SCEN_N] = {VR_RF_SCEN(ATTR)};
const vr_rf_attr vr_rf_pol[VR_RF_POL_N] = {VR_RF_POL(ATTR)};
const vr_rf_attr vr_rf_layer[VR_RF_LAYER_N] = {VR_RF_LAYER(ATTR)};
#undef ATTR

#define SCORE(id, key, units, desc, flags) {key, VR_RF_F64, units, desc, flags},
const vr_rf_attr vr_rf_scores[VR_SCORE_N] = {VR_RF_SCORES(SCORE)};
#undef SCORE

#define DSET(id, key, elem, units, desc) {key, VR_RF_ELEM_##elem, 1, units, desc},
const vr_rf_dset vr_rf_pol_dsets[VR_RF_POL_DSET_N] = {VR_RF_POL_DSETS(DSET)};
const vr_rf_dset vr_rf_layer_dsets[VR_RF_LAYER_DSET_N] = {VR_RF_LAYER_DSETS(DSET)};
const vr_rf_dset vr_rf_attr_dset = {
    "", VR_RF_ELEM_F64, 1, "USD",
    "net discounted P&L per path of the condor's legs or of one layer's trades (premiums, proceeds, "
    "settlements, costs, the mark of what is open at the horizon); condor + layers = pnl"};
#undef DSET
#define FIELD(id, key, elem, units, desc) {key, VR_RF_ELEM_##elem, units, desc},
const vr_rf_field vr_rf_trade_fields[VR_RF_TRADE_N] = {VR_RF_TRADE_FIELDS(FIELD)};
#undef FIELD
#define DSET2(id, key, elem, units, desc) {key, VR_RF_ELEM_##elem, 2, units, desc},
const vr_rf_dset vr_rf_sample_dsets[VR_RF_SAMPLE_DSET_N] = {VR_RF_SAMPLE_DSETS(DSET2)};
#undef DSET2


int vr_runfile_name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0' || name[0] == '.')
        return 0;
    size_t n = 0;
    for (const char *p = name; *p; p++, n++) {
        const char c = *p;
        const int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || c == '.' || c == '@' || c == '=' || c == '+';
        if (!ok || n + 1 >= VR_NAME_MAX)
            return 0;
    }
    return 1;
}

/* NaN sorts last; otherwise ascending; equal values keep their order (insertion sort: stable, and a
 * scenario has at most VR_MAX_POLICIES policies). */
static int before(double a, double b)
{
    if (a != a)
        return 0;
    if (b != b)
        return 1;
    return a < b;
}

void vr_rank_by_es99(const double *key, size_t n, size_t *order)
{
#define ES(i) key[i]
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && before(ES(order[j]), ES(order[j - 1])); j--) {
            const size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
#undef ES
}

size_t vr_tail_paths(size_t n)
{
    return n / 100;
}
