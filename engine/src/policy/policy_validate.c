/* policy_validate.c: the keys of a policy as tables, their defaults, and vr_policy_validate.
 *
 * One entry per key (see vr_policy_rules.h): the config loader, sweeps and the validator all read
 * the same entries, so a range or a default is stated once. What a table entry cannot say (a
 * relation between two keys) is in the short list of cross-key rules in vr_policy_validate,
 * each with its reason. Validation never trusts the loader: a swept copy of a policy goes
 * through the same checks as a loaded one. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vixrisk/vr_policy_rules.h"
#include "vixrisk/vr_pricing.h"

#define OFF(T, f) offsetof(T, f)
#define ROLL (1u << VR_ACTION_ROLL_TESTED)
/* the kinds that open positions, those with a strike, and the spreads */
#define HOLD (((1u << VR_ACTION_NKINDS) - 1) & ~ROLL)
#define OPT (HOLD & ~(1u << VR_ACTION_VIX_FUTURE))
#define SPREAD ((1u << VR_ACTION_VIX_CALL_SPREAD) | (1u << VR_ACTION_SPX_PUT_SPREAD))
#define NOT_VXTH ((1u << VR_SIZE_CONTRACTS) | (1u << VR_SIZE_PCT_CREDIT) | (1u << VR_SIZE_PCT_VEGA) | \
                  (1u << VR_SIZE_PCT_MAX_LOSS) | (1u << VR_SIZE_PCT_MAX_LOSS_DROP))
/* the size kinds whose contracts follow from a rule (all but a fixed count) */
#define NOT_CONTRACTS (((1u << (VR_SIZE_PCT_MAX_LOSS_DROP + 1)) - 1) & ~(1u << VR_SIZE_CONTRACTS))
#define UNSET NAN

/* ---- condor rules (docs/book.md) ---------------------------------------------------------- */
#define CR(f) #f, OFF(vr_condor_rules, f)
static const vr_pkey condor_keys[] = {
    {CR(contracts), VR_PK_WHOLE, 1, 100000, 0, 0, 10, .doc = "condors traded"},
    {CR(dte), VR_PK_WHOLE, 1, 365, 0, 0, 45, .doc = "calendar days to expiry at entry"},
    {CR(short_delta), VR_PK_NUM, 0, 0.5, 1, 1, 0.16, .doc = "|delta| of each short strike at entry"},
    {CR(wing_width), VR_PK_WHOLE, 5, 1000, 0, 0, 50, .doc = "index points between short and long strike, a multiple of 5"},
    {CR(wing_pct), VR_PK_NUM, 0, 50, 0, 0, 0, .overrides = "wing_width", .doc = "wing width in percent of spot (on the grid, at least 5 points); 0 = off"},
    {CR(wing_delta), VR_PK_NUM, 0, 0.5, 0, 1, 0, .overrides = "wing_width", .doc = "long strikes at this |delta| (below short_delta); 0 = off"},
    {CR(profit_take), VR_PK_NUM, 0, 1, 0, 0, 0.5, .doc = "close at this fraction of the entry credit; 0 = off"},
    {CR(stop_loss), VR_PK_NUM, 0, 100, 0, 0, 2.0, .doc = "close at a loss of this multiple of the entry credit; 0 = off"},
    {CR(exit_dte), VR_PK_WHOLE, 0, 365, 0, 0, 21, .doc = "close at or below this DTE, < dte; 0 = hold to expiry"},
    {CR(roll_delta), VR_PK_NUM, 0, 1, 0, 1, 0, .doc = "roll the tested side at this short |delta|; 0 = off"},
    {CR(roll_to_delta), VR_PK_NUM, 0, 0.5, 1, 1, 0.16, .doc = "short |delta| of a rolled side"},
    {CR(reentry_days), VR_PK_WHOLE, 0, 252, 0, 0, 1, .doc = "trading days between a close and the next entry"},
    {CR(commission), VR_PK_NUM, 0, 100, 0, 0, 0.65, .doc = "USD per contract per leg traded"},
    /* a scalar half-spread, or {base, per_vix_point}: the two forms share the base's field (the
     * scalar's entry comes after the mapping's, so that its default is the one that stays) */
    {"half_spread.base", OFF(vr_condor_rules, half_spread), VR_PK_NUM, 0, 100, 0, 0, 0.10, .required = 1,
     .doc = "SPX half-spread at VIX 0, index points"},
    {"half_spread.per_vix_point", OFF(vr_condor_rules, half_spread_vix), VR_PK_NUM, 0, 1, 0, 0, 0, .keep_def = 1,
     .doc = "SPX half-spread widening per VIX point"},
    {CR(half_spread), VR_PK_NUM, 0, 100, 0, 0, 0.10, .doc = "SPX index points per contract per leg traded"},
    {"vix_half_spread.base", OFF(vr_condor_rules, vix_half_spread), VR_PK_NUM, 0, 10, 0, 0, 0.05, .required = 1,
     .doc = "VIX half-spread at VIX 0, index points"},
    {"vix_half_spread.per_vix_point", OFF(vr_condor_rules, vix_half_spread_vix), VR_PK_NUM, 0, 1, 0, 0, 0, .keep_def = 1,
     .doc = "VIX half-spread widening per VIX point"},
    {CR(vix_half_spread), VR_PK_NUM, 0, 10, 0, 0, 0.05, .doc = "VIX index points per VIX option or future contract traded"},
};

/* ---- trigger conditions ------------------------------------------------------------------- */
#define TR(n, f) n, OFF(vr_trigger, f)
static const vr_pkey_enum combine_vals[] = {{"any", 1}, {"all", 0}};
static const vr_pkey_enum dd_from_vals[] = {{"entry", 0}, {"peak", 1}};
static const vr_pkey_enum cooldown_vals[] = {{"any", VR_COOLDOWN_ANY}, {"profit", VR_COOLDOWN_PROFIT}};
static const vr_pkey trigger_keys[] = {
    {TR("combine", any), VR_PK_ENUM, 0, 0, 0, 0, 1, combine_vals, 2, .doc = "any: one condition fires; all: every condition must hold"},
    {TR("always", always), VR_PK_BOOL, 0, 1, 0, 0, 0, .condition = 1, .doc = "fires every day (static sleeves, VXTH)"},
    {TR("vix_level", vix_level), VR_PK_NUM, 0, 200, 1, 0, UNSET, .condition = 1, .doc = "VIX >= x"},
    {TR("vix_change.days", vix_change_days), VR_PK_WHOLE, 1, VR_VIX_HIST_MAX, 0, 0, 5, .doc = "lookback of the VIX change, trading days"},
    {TR("vix_change.pct", vix_change_pct), VR_PK_NUM, 0, 1000, 1, 0, UNSET, .required = 1, .or_key = "vix_change.points",
     .excludes = "vix_change.points", .condition = 1, .doc = "VIX rise over the lookback >= x percent"},
    {TR("vix_change.points", vix_change_pts), VR_PK_NUM, 0, 200, 1, 0, UNSET, .excludes = "vix_change.pct",
     .condition = 1, .doc = "VIX rise over the lookback >= x index points"},
    {TR("rsi.days", rsi_days), VR_PK_WHOLE, 2, 63, 0, 0, 14, .condition = 1, .doc = "Wilder RSI period of the VIX, trading days"},
    {TR("rsi.level", rsi_level), VR_PK_NUM, 0, 100, 1, 1, 70, .doc = "RSI >= x"},
    {TR("term_ratio", term_ratio), VR_PK_NUM, 0, 5, 1, 0, UNSET, .condition = 1, .doc = "VIX / VIX3M >= x (inversion when > 1)"},
    {TR("drawdown.pct", dd_pct), VR_PK_NUM, 0, 100, 1, 1, UNSET, .required = 1, .condition = 1, .doc = "SPX drawdown >= x percent"},
    {TR("drawdown.from", dd_from_peak), VR_PK_ENUM, 0, 0, 0, 0, 1, dd_from_vals, 2, .doc = "drawdown from the running peak or from the condor's entry"},
    {TR("condor_loss_pct", condor_loss_pct), VR_PK_NUM, 0, 100, 1, 0, UNSET, .condition = 1, .doc = "condor unrealised loss >= x% of its max loss"},
    {TR("short_delta", short_delta), VR_PK_NUM, 0, 1, 1, 1, UNSET, .condition = 1, .doc = "a short strike's |delta| >= x"},
    {TR("confirm_days", confirm_days), VR_PK_INT, 1, 63, 0, 0, 1, .doc = "the condition must hold this many consecutive days"},
    {TR("cooldown_days", cooldown_days), VR_PK_INT, 0, 252, 0, 0, 0, .doc = "days after an exit or a roll before the layer may fire again"},
    {TR("cooldown_after", cooldown_after), VR_PK_ENUM, 0, 0, 0, 0, VR_COOLDOWN_ANY, cooldown_vals, 2,
     .doc = "any: every exit starts the cooldown; profit: only exits that sell above the premium paid"},
    {TR("requires_previous", requires_previous), VR_PK_BOOL, 0, 1, 0, 0, 0, .doc = "the previous layer must be active"},
    {TR("previous_fired_within", previous_within), VR_PK_INT, 0, 252, 0, 0, 0,
     .doc = "the previous layer must have activated within this many trading days (0 = off)"},
};

/* ---- actions ------------------------------------------------------------------------------ */
#define AC(n, f) n, OFF(vr_action, f)
static const vr_pkey_enum action_vals[] = {
    {"vix_call", VR_ACTION_VIX_CALL}, {"roll_tested", VR_ACTION_ROLL_TESTED}, {"vix_call_spread", VR_ACTION_VIX_CALL_SPREAD},
    {"spx_put", VR_ACTION_SPX_PUT}, {"spx_put_spread", VR_ACTION_SPX_PUT_SPREAD}, {"vix_future", VR_ACTION_VIX_FUTURE}};
static const vr_pkey_enum size_vals[] = {{"contracts", VR_SIZE_CONTRACTS}, {"pct_of_credit", VR_SIZE_PCT_CREDIT},
                                         {"pct_of_vega", VR_SIZE_PCT_VEGA}, {"pct_of_max_loss", VR_SIZE_PCT_MAX_LOSS},
                                         {"vxth", VR_SIZE_VXTH}, {"pct_of_max_loss_at_drop", VR_SIZE_PCT_MAX_LOSS_DROP}};
static const vr_pkey action_keys[] = {
    {AC("type", kind), VR_PK_ENUM, 0, 0, 0, 0, VR_ACTION_VIX_CALL, action_vals, 6, .doc = "what the layer does"},
    {AC("delta", delta), VR_PK_NUM, 0.01, 0.9, 0, 0, UNSET, .kinds = OPT, .required = 2, .or_key = "strike_pct",
     .excludes = "strike_pct", .doc = "|delta| of the (long) option at purchase: dC/dF for VIX calls, spot delta for SPX puts"},
    {AC("strike_pct", strike_pct), VR_PK_NUM, 0.2, 3, 0, 0, UNSET, .kinds = OPT, .excludes = "delta",
     .doc = "strike of the (long) option as a fraction of the VIX future (VIX) or of spot (SPX)"},
    {AC("short_delta", short_delta), VR_PK_NUM, 0.001, 0.9, 0, 0, UNSET, .kinds = SPREAD, .required = 2,
     .or_key = "short_strike_pct", .excludes = "short_strike_pct", .doc = "spreads: |delta| of the short leg, below delta"},
    {AC("short_strike_pct", short_strike_pct), VR_PK_NUM, 0.2, 3, 0, 0, UNSET, .kinds = SPREAD, .excludes = "short_delta",
     .doc = "spreads: the short leg's strike as a fraction (farther out of the money than the long leg)"},
    /* dte keeps its default on every kind: the marks' longest expiry is taken over all layers */
    {AC("dte", dte), VR_PK_WHOLE, 7, 180, 0, 0, 30, .kinds = HOLD, .doc = "calendar days to expiry at purchase"},
    {AC("max_open", max_open), VR_PK_INT, 1, 8, 0, 0, 1, .kinds = HOLD,
     .doc = "positions the layer may hold at once (laddering); 1 = one at a time"},
    {AC("ladder_days", ladder_days), VR_PK_INT, 0, 252, 0, 0, 0, .kinds = HOLD,
     .doc = "trading days between two openings of the layer (0 = no limit)"},
    {AC("size.by", size_by), VR_PK_ENUM, 0, 0, 0, 0, VR_SIZE_CONTRACTS, size_vals, 6, .kinds = HOLD, .doc = "sizing rule"},
    {AC("size.value", size), VR_PK_NUM, 0, 100000, 1, 0, UNSET, .kinds = HOLD, .sizes = NOT_VXTH, .required = 2,
     .doc = "contracts, or the fraction for the pct_* rules (range per rule)"},
    {AC("size.stress_vix", stress_vix), VR_PK_NUM, 10, 200, 0, 0, 50, .kinds = HOLD, .sizes = 1u << VR_SIZE_PCT_MAX_LOSS,
     .doc = "VIX level of the pct_of_max_loss sizing"},
    {AC("size.spx_drop", spx_drop), VR_PK_NUM, 0, 90, 1, 0, 20, .kinds = HOLD, .sizes = 1u << VR_SIZE_PCT_MAX_LOSS_DROP,
     .doc = "SPX drop in percent of the pct_of_max_loss_at_drop sizing"},
    {AC("size.max_contracts", max_contracts), VR_PK_INT, 0, 100000, 0, 0, 0, .kinds = HOLD, .sizes = NOT_CONTRACTS,
     .doc = "the most contracts one purchase may take (a cap on the sizing rule); 0 = no cap"},
    {AC("roll_to_delta", roll_to_delta), VR_PK_NUM, 0, 0.5, 1, 1, 0.16, .kinds = ROLL, .doc = "new short |delta| of the rolled side"},
};

/* indexed by vr_action_kind */
static const vr_action_kind_def action_kinds[] = {
    {"vix_call", VR_ACTION_VIX_CALL, 1, VR_INST_VIX_OPTION, +1, 0, "buy VIX calls by delta or by strike"},
    {"roll_tested", VR_ACTION_ROLL_TESTED, 0, 0, 0, 1, "roll the condor's tested side to a new short delta"},
    {"vix_call_spread", VR_ACTION_VIX_CALL_SPREAD, 2, VR_INST_VIX_OPTION, +1, 0,
     "buy a VIX call and sell a higher-strike one, same expiry"},
    {"spx_put", VR_ACTION_SPX_PUT, 1, VR_INST_SPX_OPTION, -1, 1, "buy SPX puts by delta or by strike"},
    {"spx_put_spread", VR_ACTION_SPX_PUT_SPREAD, 2, VR_INST_SPX_OPTION, -1, 1,
     "buy an SPX put and sell a lower-strike one, same expiry"},
    {"vix_future", VR_ACTION_VIX_FUTURE, 1, VR_INST_VIX_FUTURE, 0, 0, "buy VIX futures ($1,000 per point) by DTE"},
};

static const vr_size_kind_def size_kinds[] = {
    {"contracts", VR_SIZE_CONTRACTS, 1, 0, 100000, 1, "a fixed number of contracts"},
    {"pct_of_credit", VR_SIZE_PCT_CREDIT, 1, 0, 10, 0, "premium = value x the condor's entry credit"},
    {"pct_of_vega", VR_SIZE_PCT_VEGA, 1, 0, 10, 0, "VIX-call vega = value x the condor's vega"},
    {"pct_of_max_loss", VR_SIZE_PCT_MAX_LOSS, 1, 0, 10, 0, "payoff at stress_vix = value x the condor's max loss"},
    {"vxth", VR_SIZE_VXTH, 0, 0, 0, 0, "Cboe VXTH weights by VIX band (no value)"},
    {"pct_of_max_loss_at_drop", VR_SIZE_PCT_MAX_LOSS_DROP, 1, 0, 10, 0,
     "payoff at an SPX drop of spx_drop percent = value x the condor's max loss"},
};

/* ---- exits -------------------------------------------------------------------------------- */
#define EX(n, f) n, OFF(vr_exit, f)
static const vr_pkey exit_keys[] = {
    {EX("profit_multiple", profit_multiple), VR_PK_NUM, 1, 1000, 1, 0, UNSET, .doc = "sell when value >= x * premium paid"},
    {EX("vix_above", vix_above), VR_PK_NUM, 0, 200, 1, 0, UNSET, .doc = "sell when VIX >= x"},
    {EX("vix_below", vix_below), VR_PK_NUM, 0, 200, 1, 0, UNSET, .doc = "sell when VIX falls back below x"},
    {EX("dte", dte), VR_PK_WHOLE, 0, 180, 0, 0, UNSET,
     .doc = "sell at or below this DTE, < action.dte; 0 = hold to expiry (settle), as without it"},
    {EX("with_condor", with_condor), VR_PK_BOOL, 0, 1, 0, 0, 0, .doc = "sell when the condor closes"},
    {EX("partial.multiple", partial_multiple), VR_PK_NUM, 1, 1000, 1, 0, UNSET, .required = 1,
     .doc = "sell a fraction of a position once its value reaches x * premium paid (once per position)"},
    {EX("partial.fraction", partial_fraction), VR_PK_NUM, 0, 1, 1, 1, 0.5, .doc = "the fraction sold (whole contracts, at least one)"},
};

#define N(a) (int)(sizeof a / sizeof a[0])

static const struct { const char *name; const vr_pkey *keys; int n; } sections[VR_PS_COUNT] = {
    {"condor", condor_keys, N(condor_keys)},
    {"trigger", trigger_keys, N(trigger_keys)},
    {"action", action_keys, N(action_keys)},
    {"exit", exit_keys, N(exit_keys)},
};

const vr_pkey *vr_policy_keys(vr_psection s, int *n)
{
    *n = sections[s].n;
    return sections[s].keys;
}

const char *vr_psection_name(vr_psection s) { return sections[s].name; }

const vr_pkey *vr_policy_key_find(vr_psection s, const char *name)
{
    for (int i = 0; i < sections[s].n; i++)
        if (strcmp(sections[s].keys[i].name, name) == 0)
            return &sections[s].keys[i];
    return NULL;
}

const vr_action_kind_def *vr_action_kinds(int *n)
{
    *n = N(action_kinds);
    return action_kinds;
}

const vr_action_kind_def *vr_action_kind_of(vr_action_kind k)
{
    return (int)k >= 0 && (int)k < N(action_kinds) ? &action_kinds[k] : NULL;
}

const vr_size_kind_def *vr_size_kinds(int *n)
{
    *n = N(size_kinds);
    return size_kinds;
}

const vr_size_kind_def *vr_size_kind_of(vr_size_kind k)
{
    for (int i = 0; i < N(size_kinds); i++)
        if (size_kinds[i].kind == k)
            return &size_kinds[i];
    return NULL;
}

double vr_pkey_get(const vr_pkey *k, const void *base)
{
    const char *p = (const char *)base + k->offset;
    if (k->type == VR_PK_NUM || k->type == VR_PK_WHOLE)
        return *(const double *)p;
    return *(const int *)p;
}

void vr_pkey_set(const vr_pkey *k, void *base, double x)
{
    char *p = (char *)base + k->offset;
    if (k->type == VR_PK_NUM || k->type == VR_PK_WHOLE)
        *(double *)p = x;
    else
        *(int *)p = isnan(x) ? 0 : (int)x;
}

int vr_pkey_applies(const vr_pkey *k, vr_action_kind kind, vr_size_kind size)
{
    if (k->kinds && !(k->kinds & (1u << kind)))
        return 0;
    if (k->sizes && !(k->sizes & (1u << size)))
        return 0;
    return 1;
}

const char *vr_pkey_range_str(const vr_pkey *k, char *buf, size_t cap)
{
    const int whole = k->type == VR_PK_WHOLE || k->type == VR_PK_INT;
    snprintf(buf, cap, "%sin %c%g, %g%c", whole ? "a whole number " : "", k->lo_open ? '(' : '[', k->lo, k->hi,
             k->hi_open ? ')' : ']');
    return buf;
}

static void defaults_of(vr_psection s, void *base)
{
    for (int i = 0; i < sections[s].n; i++) {
        const vr_pkey *k = &sections[s].keys[i];
        /* a sub-mapping's defaults apply only when it is present (the loader sets them) */
        vr_pkey_set(k, base, strchr(k->name, '.') && !(s == VR_PS_ACTION) && !k->keep_def ? UNSET : k->def);
    }
}

void vr_condor_defaults(vr_condor_rules *r)
{
    memset(r, 0, sizeof *r);
    defaults_of(VR_PS_CONDOR, r);
}

void vr_layer_defaults(vr_layer *l)
{
    memset(l, 0, sizeof *l);
    defaults_of(VR_PS_TRIGGER, &l->trigger);
    defaults_of(VR_PS_ACTION, &l->action);
    defaults_of(VR_PS_EXIT, &l->exit);
}

/* ---- validation --------------------------------------------------------------------------- */

static vr_status fail_key(vr_err *err, char *key_out, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static vr_status fail_key(vr_err *err, char *key_out, const char *path, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (key_out != NULL)
        snprintf(key_out, VR_KEY_MAX, "%s", path);
    return vr_fail(err, VR_EINVAL, "%s: %s", path, msg);
}

static int in_range(const vr_pkey *k, double x)
{
    if (!isfinite(x))
        return 0;
    const int lo_ok = k->lo_open ? x > k->lo : x >= k->lo;
    const int hi_ok = k->hi_open ? x < k->hi : x <= k->hi;
    return lo_ok && hi_ok;
}

/* Every key of one section: range, whole numbers, exclusions, applicability. */
static vr_status check_section(vr_psection s, const void *base, const char *prefix, vr_action_kind kind,
                               vr_size_kind size, char *key_out, vr_err *err)
{
    char path[VR_KEY_MAX], range[96];
    for (int i = 0; i < sections[s].n; i++) {
        const vr_pkey *k = &sections[s].keys[i];
        if (s == VR_PS_ACTION && !vr_pkey_applies(k, kind, size))
            continue; /* a default the evaluator does not read */
        const double x = vr_pkey_get(k, base);
        snprintf(path, sizeof path, "%s.%s", prefix, k->name);
        if (k->type == VR_PK_ENUM) {
            int ok = 0;
            for (int j = 0; j < k->nvalues; j++)
                ok |= k->values[j].value == (int)x;
            if (!ok)
                return fail_key(err, key_out, path, "invalid value %g", x);
            continue;
        }
        if (k->type == VR_PK_BOOL) {
            if (x != 0 && x != 1)
                return fail_key(err, key_out, path, "must be true or false");
            continue;
        }
        if (isnan(x))
            continue; /* not set */
        if (s == VR_PS_ACTION && strcmp(k->name, "size.value") == 0) {
            const vr_size_kind_def *sk = vr_size_kind_of(size);
            if (!(isfinite(x) && x > sk->lo && x <= sk->hi) || (sk->whole && x != floor(x)))
                return fail_key(err, key_out, path, "must be %sin (%g, %g] for size by %s%s (got %g)",
                                sk->whole ? "a whole number " : "", sk->lo, sk->hi, sk->name,
                                size == VR_SIZE_CONTRACTS ? " (size.by: contracts unless given)" : "", x);
            continue;
        }
        const int whole = k->type == VR_PK_WHOLE || k->type == VR_PK_INT;
        if (!in_range(k, x) || (whole && x != floor(x)))
            return fail_key(err, key_out, path, "must be %s (got %g)", vr_pkey_range_str(k, range, sizeof range), x);
        if (k->excludes != NULL) {
            const vr_pkey *o = vr_policy_key_find(s, k->excludes);
            if (o != NULL && !isnan(vr_pkey_get(o, base)))
                return fail_key(err, key_out, path, "cannot be combined with '%s': give one of them", k->excludes);
        }
    }
    /* a required key (or its alternative) of a present sub-mapping */
    for (int i = 0; i < sections[s].n; i++) {
        const vr_pkey *k = &sections[s].keys[i];
        if (!k->required || (s == VR_PS_ACTION && !vr_pkey_applies(k, kind, size)))
            continue;
        if (!isnan(vr_pkey_get(k, base)))
            continue;
        if (k->or_key != NULL) {
            const vr_pkey *o = vr_policy_key_find(s, k->or_key);
            if (o != NULL && !isnan(vr_pkey_get(o, base)))
                continue;
        }
        int present = k->required == 2;
        const char *dot = strchr(k->name, '.');
        for (int j = 0; !present && dot && j < sections[s].n; j++) {
            const vr_pkey *o = &sections[s].keys[j];
            present = o != k && (o->type == VR_PK_NUM || o->type == VR_PK_WHOLE) &&
                      strncmp(o->name, k->name, (size_t)(dot - k->name + 1)) == 0 && !isnan(vr_pkey_get(o, base));
        }
        if (present) {
            snprintf(path, sizeof path, "%s.%s", prefix, k->name);
            if (k->or_key)
                return fail_key(err, key_out, path, "missing: give '%s' or '%s'", k->name, k->or_key);
            return fail_key(err, key_out, path, "missing (required)");
        }
    }
    return VR_OK;
}

/* What a table entry cannot say about an action: sizing rules that make no sense for its kind,
 * and the order of a spread's strikes. `base` is the action's key path. */
static vr_status check_kind(const vr_action *a, const char *base, char *key_out, vr_err *err)
{
    char path[VR_KEY_MAX];
    const vr_action_kind_def *ak = vr_action_kind_of(a->kind);
    if (ak == NULL || ak->legs == 0)
        return VR_OK;
    const vr_size_kind_def *sk = vr_size_kind_of(a->size_by);
    snprintf(path, sizeof path, "%s.size.by", base);
    /* premium-based sizes need a premium; a future has none */
    if (vr_inst_kind_get(ak->inst)->margined && (a->size_by == VR_SIZE_PCT_CREDIT || a->size_by == VR_SIZE_VXTH))
        return fail_key(err, key_out, path, "%s sizes by premium, and a %s has no premium (use contracts, "
                        "pct_of_vega or pct_of_max_loss)", sk->name, ak->name);
    /* payoffs at a stress level of the other underlying are not defined without a model of the
     * joint move: an SPX option's payoff at a VIX level, a VIX instrument's at an SPX drop */
    if (ak->spx && a->size_by == VR_SIZE_PCT_MAX_LOSS)
        return fail_key(err, key_out, path, "pct_of_max_loss is the payoff at a VIX level, which an SPX option "
                        "does not have (use pct_of_max_loss_at_drop)");
    if (!ak->spx && a->size_by == VR_SIZE_PCT_MAX_LOSS_DROP)
        return fail_key(err, key_out, path, "pct_of_max_loss_at_drop is the payoff at an SPX drop, which a %s "
                        "does not have (use pct_of_max_loss)", ak->name);
    if (ak->legs < 2)
        return VR_OK;
    /* a vertical spread's short leg lies farther out of the money than its long leg */
    snprintf(path, sizeof path, "%s.short_delta", base);
    if (!isnan(a->delta) && !isnan(a->short_delta) && !(a->short_delta < a->delta))
        return fail_key(err, key_out, path, "(%g) must be below delta (%g): the short leg lies farther out",
                        a->short_delta, a->delta);
    snprintf(path, sizeof path, "%s.short_strike_pct", base);
    if (!isnan(a->strike_pct) && !isnan(a->short_strike_pct) &&
        !(ak->cp > 0 ? a->short_strike_pct > a->strike_pct : a->short_strike_pct < a->strike_pct))
        return fail_key(err, key_out, path, "(%g) must be %s strike_pct (%g): the short leg lies farther out",
                        a->short_strike_pct, ak->cp > 0 ? "above" : "below", a->strike_pct);
    return VR_OK;
}

vr_status vr_policy_validate(const vr_policy *p, const char *prefix, char *key_out, vr_err *err)
{
    char base[VR_KEY_MAX], path[VR_KEY_MAX];
    const char *pre = prefix ? prefix : "";
    const char *dot = *pre ? "." : "";
    vr_status st;
    snprintf(base, sizeof base, "%s%scondor", pre, dot);
    const vr_condor_rules *r = &p->condor;
    if ((st = check_section(VR_PS_CONDOR, r, base, 0, 0, key_out, err)) != VR_OK)
        return st;
    /* cross-key rules of the condor */
    snprintf(path, sizeof path, "%s.wing_width", base);
    if (fmod(r->wing_width, 5.0) != 0) /* SPX strikes lie on a 5-point grid */
        return fail_key(err, key_out, path, "must be a multiple of 5 (the SPX strike grid), got %g", r->wing_width);
    snprintf(path, sizeof path, "%s.exit_dte", base);
    if (!(r->exit_dte < r->dte)) { /* else the condor would be closed the day it opens */
        /* (the default named only when the value is the default: a given exit_dte needs no hint) */
        const double def = vr_policy_key_find(VR_PS_CONDOR, "exit_dte")->def;
        char hint[64] = "";
        if (r->exit_dte == def)
            snprintf(hint, sizeof hint, "; exit_dte is %g unless given", def);
        return fail_key(err, key_out, path, "must be below dte = %g (got %g%s)", r->dte, r->exit_dte, hint);
    }
    snprintf(path, sizeof path, "%s.roll_delta", base);
    if (r->roll_delta > 0 && r->roll_delta <= r->roll_to_delta) /* a roll would trigger the next one at once */
        return fail_key(err, key_out, path, "(%g) must exceed roll_to_delta (%g)", r->roll_delta, r->roll_to_delta);
    if (r->roll_delta > 0 && !(r->short_delta < r->roll_delta)) /* the shorts open at the roll's trigger */
        return fail_key(err, key_out, path, "(%g) must exceed short_delta (%g): every condor would be rolled the "
                        "day after it opens", r->roll_delta, r->short_delta);
    snprintf(path, sizeof path, "%s.wing_delta", base);
    if (r->wing_pct > 0 && r->wing_delta > 0)
        return fail_key(err, key_out, path, "cannot be combined with 'wing_pct': give one wing rule");
    /* the long strikes lie beyond the shorts: a smaller |delta| */
    if (r->wing_delta > 0 && !(r->wing_delta < r->short_delta))
        return fail_key(err, key_out, path, "(%g) must be below short_delta (%g): the long strikes lie farther out",
                        r->wing_delta, r->short_delta);
    if (r->wing_delta > 0 && r->roll_delta > 0 && !(r->wing_delta < r->roll_to_delta))
        return fail_key(err, key_out, path, "(%g) must be below roll_to_delta (%g): the long strikes lie farther out",
                        r->wing_delta, r->roll_to_delta);
    if (p->nlayers < 0 || p->nlayers > VR_MAX_LAYERS)
        return fail_key(err, key_out, *pre ? pre : "layers", "%d layers; at most %d", p->nlayers, VR_MAX_LAYERS);
    int slots = 0;
    for (int li = 0; li < p->nlayers; li++) {
        const vr_layer *l = &p->layers[li];
        const vr_action *a = &l->action;
        if (vr_action_kind_of(a->kind) == NULL) {
            snprintf(path, sizeof path, "%s%slayers[%d].action.type", pre, dot, li);
            return fail_key(err, key_out, path, "invalid action kind %d", (int)a->kind);
        }
        /* the book's position slots: max_open structures of `legs` positions per layer */
        slots += vr_action_kind_of(a->kind)->legs * (a->max_open > 1 ? a->max_open : 1);
        if (slots > VR_POLICY_MAX_POS) {
            snprintf(path, sizeof path, "%s%slayers[%d].action.max_open", pre, dot, li);
            return fail_key(err, key_out, path, "the layers up to this one hold up to %d positions (legs x max_open); "
                            "a policy's layers may hold at most %d", slots, VR_POLICY_MAX_POS);
        }
        snprintf(base, sizeof base, "%s%slayers[%d].trigger", pre, dot, li);
        if ((st = check_section(VR_PS_TRIGGER, &l->trigger, base, a->kind, a->size_by, key_out, err)) != VR_OK)
            return st;
        int nset = 0;
        int nk = 0;
        const char *other = NULL; /* a condition other than always */
        const vr_pkey *tk = vr_policy_keys(VR_PS_TRIGGER, &nk);
        for (int i = 0; i < nk; i++)
            if (tk[i].condition) {
                const double x = vr_pkey_get(&tk[i], &l->trigger);
                const int set = tk[i].type == VR_PK_BOOL ? x != 0 : !isnan(x);
                nset += set;
                if (set && tk[i].offset != offsetof(vr_trigger, always) && other == NULL)
                    other = tk[i].name;
            }
        if (nset == 0)
            return fail_key(err, key_out, base, "sets no condition (use always: true for an always-on sleeve)");
        /* always fires every day: next to it a condition has no effect, with `any` as with `all`
         * (the book does not ask the others), so a trigger gives one or the other */
        snprintf(path, sizeof path, "%s.always", base);
        if (l->trigger.always && other != NULL)
            return fail_key(err, key_out, path, "fires every day: it cannot be combined with '%s' (give always "
                            "or the conditions)", other);
        snprintf(path, sizeof path, "%s.requires_previous", base);
        if (l->trigger.requires_previous && li == 0)
            return fail_key(err, key_out, path, "on the first layer: there is no previous layer");
        snprintf(path, sizeof path, "%s.previous_fired_within", base);
        if (l->trigger.previous_within > 0 && li == 0)
            return fail_key(err, key_out, path, "on the first layer: there is no previous layer");
        if (l->trigger.previous_within > 0 && l->trigger.requires_previous)
            return fail_key(err, key_out, path, "cannot be combined with 'requires_previous': give one of them");
        snprintf(base, sizeof base, "%s%slayers[%d].action", pre, dot, li);
        if ((st = check_section(VR_PS_ACTION, a, base, a->kind, a->size_by, key_out, err)) != VR_OK)
            return st;
        if ((st = check_kind(a, base, key_out, err)) != VR_OK)
            return st;
        /* a rolled side's new short lies inside the condor's wing_delta longs, as for the
         * condor's own roll above (else the long falls back to one grid step beyond it) */
        if (a->kind == VR_ACTION_ROLL_TESTED && r->wing_delta > 0 && !(r->wing_delta < a->roll_to_delta)) {
            snprintf(path, sizeof path, "%s.roll_to_delta", base);
            return fail_key(err, key_out, path, "(%g) must exceed the condor's wing_delta (%g): the long "
                            "strikes lie farther out", a->roll_to_delta, r->wing_delta);
        }
        /* as for the condor's own roll: a layer that rolls when a short reaches short_delta must
         * roll to a smaller |delta|, else the new short fires the trigger again (every day) */
        if (a->kind == VR_ACTION_ROLL_TESTED && !isnan(l->trigger.short_delta) &&
            !(a->roll_to_delta < l->trigger.short_delta)) {
            snprintf(path, sizeof path, "%s.roll_to_delta", base);
            return fail_key(err, key_out, path, "(%g) must be below the trigger's short_delta (%g): the new "
                            "short would fire the trigger again", a->roll_to_delta, l->trigger.short_delta);
        }
        /* a new condor's shorts open at the condor's short_delta: a roll_tested layer whose
         * trigger is a short's |delta| at or below that rolls every condor the day it opens, as
         * the condor's own roll_delta (above) */
        if (a->kind == VR_ACTION_ROLL_TESTED && !isnan(l->trigger.short_delta) &&
            !(r->short_delta < l->trigger.short_delta)) {
            snprintf(path, sizeof path, "%s%slayers[%d].trigger.short_delta", pre, dot, li);
            return fail_key(err, key_out, path, "(%g) must exceed the condor's short_delta (%g): every condor "
                            "would be rolled the day it opens", l->trigger.short_delta, r->short_delta);
        }
        /* a roll starts the cooldown whatever it makes: it has no exit to judge by its profit */
        if (a->kind == VR_ACTION_ROLL_TESTED && l->trigger.cooldown_after == VR_COOLDOWN_PROFIT) {
            snprintf(path, sizeof path, "%s%slayers[%d].trigger.cooldown_after", pre, dot, li);
            return fail_key(err, key_out, path, "profit does not apply to a roll_tested layer: every roll "
                            "starts the cooldown");
        }
        const vr_action_kind_def *ak = vr_action_kind_of(a->kind);
        snprintf(base, sizeof base, "%s%slayers[%d].exit", pre, dot, li);
        const vr_exit *e = &l->exit;
        if ((st = check_section(VR_PS_EXIT, e, base, a->kind, a->size_by, key_out, err)) != VR_OK)
            return st;
        /* the multiples of the premium paid: a future has no premium (it costs only the trading costs) */
        snprintf(path, sizeof path, "%s.profit_multiple", base);
        const int margined = ak->legs > 0 && vr_inst_kind_get(ak->inst)->margined;
        if (margined && !isnan(e->profit_multiple))
            return fail_key(err, key_out, path, "does not apply to a %s: it has no premium to multiply", ak->name);
        snprintf(path, sizeof path, "%s.partial", base);
        if (margined && !isnan(e->partial_multiple))
            return fail_key(err, key_out, path, "does not apply to a %s: it has no premium to multiply", ak->name);
        if (ak->legs == 0 && !isnan(e->partial_multiple))
            return fail_key(err, key_out, path, "does not apply to a %s: it holds no position", ak->name);
        /* the exits are asked before the partial sale: at or above profit_multiple, the whole
         * position is sold first and the partial sale never acts */
        snprintf(path, sizeof path, "%s.partial.multiple", base);
        if (!isnan(e->partial_multiple) && !isnan(e->profit_multiple) && !(e->partial_multiple < e->profit_multiple))
            return fail_key(err, key_out, path, "(%g) must be below profit_multiple (%g): the whole position "
                            "is sold first", e->partial_multiple, e->profit_multiple);
        /* an action that holds nothing (roll_tested) has nothing to exit: every exit rule would be
         * ignored, so none is accepted */
        for (int k = 0; ak->legs == 0 && k < N(exit_keys); k++) {
            const vr_pkey *xk = &exit_keys[k];
            const double v = vr_pkey_get(xk, e);
            if (xk->type == VR_PK_BOOL ? v != 0 : !isnan(v) && !(strchr(xk->name, '.') && v == xk->def)) {
                snprintf(path, sizeof path, "%s.%s", base, xk->name);
                return fail_key(err, key_out, path, "does not apply to a %s: it holds no position to exit", ak->name);
            }
        }
        /* an option is sold at or below exit.dte, so it must be bought with more days left */
        snprintf(path, sizeof path, "%s.dte", base);
        if (ak->legs > 0 && !isnan(e->dte) && !(e->dte < a->dte))
            return fail_key(err, key_out, path, "must be below action.dte = %g (got %g)", a->dte, e->dte);
        /* vix_below sells on the way down after the VIX was at or above it: with vix_above at or
         * below it, vix_above always sells first and vix_below never acts */
        snprintf(path, sizeof path, "%s.vix_below", base);
        if (!isnan(e->vix_below) && !isnan(e->vix_above) && !(e->vix_below < e->vix_above))
            return fail_key(err, key_out, path, "(%g) must be below vix_above (%g)", e->vix_below, e->vix_above);
        /* nothing is bought while the VIX is at or above vix_above (book.c, hedge_buy): a trigger
         * that fires only with the VIX at or above a level no lower than that never buys (a spike
         * layer at vix_level 50 with vix_above 45 ran a 2020 replay with no activation and no word) */
        const vr_trigger *t = &l->trigger;
        const int nconds = !isnan(t->vix_level) + (!isnan(t->vix_change_days) &&
                                                 (!isnan(t->vix_change_pct) || !isnan(t->vix_change_pts))) +
                         !isnan(t->rsi_days) + !isnan(t->term_ratio) + !isnan(t->dd_pct) +
                         !isnan(t->condor_loss_pct) + !isnan(t->short_delta);
        snprintf(path, sizeof path, "%s.vix_above", base);
        if (!t->always && !isnan(t->vix_level) && (!t->any || nconds == 1) && !isnan(e->vix_above) &&
            !(t->vix_level < e->vix_above))
            return fail_key(err, key_out, path, "(%g) must be above the trigger's vix_level (%g): nothing is "
                            "bought with the VIX at or above vix_above, and the trigger fires only at or above "
                            "vix_level, so the layer could never act", e->vix_above, t->vix_level);
        /* VXTH sizing buys nothing with the VIX above 50 (a weight of 0: book.c, vxth_weight), so
         * a trigger that fires only with the VIX above 50 never buys, as above (at 50 exactly the
         * weight is 0.5%: vix_level 50 was refused, though the layer buys at a VIX of 50) */
        if (a->size_by == VR_SIZE_VXTH && ak->legs > 0 && !t->always && !isnan(t->vix_level) &&
            (!t->any || nconds == 1) && t->vix_level > 50) {
            snprintf(path, sizeof path, "%s%slayers[%d].trigger.vix_level", pre, dot, li);
            return fail_key(err, key_out, path, "(%g) must be at most 50 with size.by: vxth: VXTH sizing buys "
                            "nothing with the VIX above 50, and the trigger fires only at or above vix_level, so "
                            "the layer could never act", t->vix_level);
        }
    }
    return VR_OK;
}

/* ---- sweeps ------------------------------------------------------------------------------- */

/* Key k of section s (the struct at base) <- v for a sweep, as the file would set it: a whole-number
 * key takes only whole numbers (a sweep's 2.7 was run as 2 under the name ...=2.7), and a key of a
 * sub-mapping the layer does not have (exit.partial.multiple without exit.partial) brings the
 * sub-mapping's other keys at their defaults, as the loader gives them when the mapping is present
 * (else the copy would stay inert, its fraction unset). */
static vr_status sweep_set(vr_psection s, const vr_pkey *k, void *base, double v, const char *key, vr_err *err)
{
    /* (beyond int range a whole number cannot be stored to be range-checked: refused here) */
    if ((k->type == VR_PK_INT || k->type == VR_PK_WHOLE) && !(v == floor(v) && fabs(v) <= 2147483647.0)) {
        char range[96];
        return vr_fail(err, VR_ECONFIG, "%s must be %s (got %.10g)", key, vr_pkey_range_str(k, range, sizeof range), v);
    }
    const char *dot = strchr(k->name, '.');
    int n = 0, absent = dot != NULL;
    const vr_pkey *keys = vr_policy_keys(s, &n);
    const size_t plen = dot ? (size_t)(dot - k->name) + 1 : 0; /* "partial." */
    /* the sub-mapping is absent when every numeric key of it is unset (NaN; an enum's unset reads
     * as 0, so only the numeric keys tell) */
    for (int i = 0; absent && i < n; i++)
        if (strncmp(keys[i].name, k->name, plen) == 0 && (keys[i].type == VR_PK_NUM || keys[i].type == VR_PK_WHOLE) &&
            !isnan(vr_pkey_get(&keys[i], base)))
            absent = 0;
    for (int i = 0; absent && i < n; i++) /* its keys at their defaults, enums and flags included */
        if (strncmp(keys[i].name, k->name, plen) == 0)
            vr_pkey_set(&keys[i], base, keys[i].def);
    vr_pkey_set(k, base, v);
    return VR_OK;
}

vr_status vr_policy_set(vr_policy *p, const char *key, double v, vr_err *err)
{
    if (strncmp(key, "condor.", 7) == 0) {
        const vr_pkey *k = vr_policy_key_find(VR_PS_CONDOR, key + 7);
        if (k == NULL)
            return vr_fail(err, VR_EINVAL, "'%s' is not a condor rule", key);
        if (k->type == VR_PK_ENUM || k->type == VR_PK_BOOL)
            return vr_fail(err, VR_EINVAL, "'%s' is not numeric and cannot be swept", key);
        /* a key that another key overrides has no effect while that one is set */
        for (int i = 0; i < N(condor_keys); i++)
            if (condor_keys[i].overrides && strcmp(condor_keys[i].overrides, k->name) == 0 &&
                vr_pkey_get(&condor_keys[i], &p->condor) > 0)
                return vr_fail(err, VR_EINVAL, "'%s' has no effect: policy '%s' sets condor.%s", key, p->name,
                               condor_keys[i].name);
        /* roll_to_delta is where the condor's own roll puts the tested short: without a roll
         * (roll_delta 0) every swept copy is the policy itself, as a file's roll_to_delta on a
         * condor that does not roll is refused (policy_config.c) */
        if (strcmp(k->name, "roll_to_delta") == 0 && !(p->condor.roll_delta > 0))
            return vr_fail(err, VR_EINVAL,
                           "'%s' has no effect: policy '%s' does not roll its condor (roll_delta is 0): give it a "
                           "roll_delta above the swept values, or sweep a roll_tested layer's "
                           "layers[i].action.roll_to_delta", key, p->name);
        /* the number form of a two-form key (half_spread: v) is the mapping with base v and its
         * other keys at their defaults, as the loader reads it: a swept half_spread kept the
         * per_vix_point of the policy it copies, so `condor.half_spread = 0.2` widened with the
         * VIX where the same line in the file does not */
        const size_t kl = strlen(k->name);
        for (int i = 0; i < N(condor_keys); i++)
            if (strncmp(condor_keys[i].name, k->name, kl) == 0 && condor_keys[i].name[kl] == '.' &&
                condor_keys[i].offset != k->offset)
                vr_pkey_set(&condor_keys[i], &p->condor, condor_keys[i].def);
        return sweep_set(VR_PS_CONDOR, k, &p->condor, v, key, err);
    }
    int li = -1, used = 0;
    char sec[16] = "";
    if (sscanf(key, "layers[%d].%15[a-z]%n", &li, sec, &used) != 2 || key[used] != '.')
        return vr_fail(err, VR_EINVAL, "'%s' is not condor.<rule> or layers[i].<section>.<key>", key);
    if (li < 0 || li >= p->nlayers)
        return vr_fail(err, VR_EINVAL, "'%s': policy '%s' has %d layer(s)", key, p->name, p->nlayers);
    const char *name = key + used + 1;
    vr_layer *l = &p->layers[li];
    void *base = NULL;
    vr_psection s = VR_PS_TRIGGER;
    if (strcmp(sec, "trigger") == 0)
        base = &l->trigger;
    else if (strcmp(sec, "action") == 0) {
        s = VR_PS_ACTION;
        base = &l->action;
        if (strcmp(name, "size") == 0) /* the sweep shorthand of size.value */
            name = "size.value";
    } else if (strcmp(sec, "exit") == 0) {
        s = VR_PS_EXIT;
        base = &l->exit;
    } else
        return vr_fail(err, VR_EINVAL, "'%s': no section '%s' (trigger, action, exit)", key, sec);
    const vr_pkey *k = vr_policy_key_find(s, name);
    if (k == NULL)
        return vr_fail(err, VR_EINVAL, "'%s': no key '%s' in a layer's %s", key, name, sec);
    if (k->type == VR_PK_ENUM || k->type == VR_PK_BOOL)
        return vr_fail(err, VR_EINVAL, "'%s' is not numeric and cannot be swept", key);
    if (!vr_pkey_applies(k, l->action.kind, l->action.size_by)) {
        const vr_size_kind_def *sk = vr_size_kind_of(l->action.size_by);
        const vr_action_kind_def *ak = vr_action_kind_of(l->action.kind);
        const int holds = ak && ak->legs > 0;
        return vr_fail(err, VR_EINVAL, "'%s' does not apply to layer %d's action (%s%s%s)", key, li,
                       ak ? ak->name : "?", holds ? ", size by " : "", holds && sk ? sk->name : "");
    }
    return sweep_set(s, k, base, v, key, err);
}
