/* vr_policy_rules.h: the keys of a policy as data, its defaults and its validation.
 *
 * Every key of the four sections of a policy (condor rules, a layer's trigger, action and exit)
 * is one vr_pkey: its name under the section ("vix_level", "vix_change.pct", "size.value"), where
 * it lives in vr_condor_rules / vr_trigger / vr_action / vr_exit, its valid range, its default,
 * which action kinds and size kinds it applies to, which key it excludes, and a doc string.
 * Action kinds and size kinds have their own small tables. The config loader fills a policy by
 * iterating these tables, sweeps set swept values through vr_policy_set, and both call
 * vr_policy_validate (declared in vr_policy.h, defined in engine/src/policy/policy_validate.c):
 * adding a trigger condition is one vr_pkey entry (plus its field in vr_trigger, its YAML schema
 * line and its evaluation). */
#ifndef VIXRISK_VR_POLICY_RULES_H
#define VIXRISK_VR_POLICY_RULES_H

#include <stddef.h>

#include "vixrisk/vr_policy.h"

typedef enum vr_psection { VR_PS_CONDOR = 0, VR_PS_TRIGGER, VR_PS_ACTION, VR_PS_EXIT, VR_PS_COUNT } vr_psection;

typedef enum vr_pkey_type {
    VR_PK_NUM,   /* double, any finite value in range */
    VR_PK_WHOLE, /* double holding a whole number (days, contracts) */
    VR_PK_INT,   /* int, whole number */
    VR_PK_BOOL,  /* int 0/1 */
    VR_PK_ENUM,  /* int, one of `values` */
} vr_pkey_type;

typedef struct vr_pkey_enum { const char *name; int value; } vr_pkey_enum;

typedef struct vr_pkey {
    const char *name;      /* under its section; a dot means a key of a sub-mapping */
    size_t offset;         /* double (NUM, WHOLE) or int (INT, BOOL, ENUM) in the section's struct */
    vr_pkey_type type;
    double lo, hi;         /* valid range (NUM, WHOLE, INT) */
    int lo_open, hi_open;
    double def;            /* value when absent; NAN = not set. For a key of a sub-mapping the
                              default applies only when the sub-mapping is present. */
    const vr_pkey_enum *values; /* ENUM */
    int nvalues;
    unsigned kinds;        /* action section: bit (1 << vr_action_kind) per kind it applies to; 0 = all */
    unsigned sizes;        /* size.* keys: bit (1 << vr_size_kind) per size kind; 0 = all */
    int required;          /* 1: required when its sub-mapping is present; 2: always (for the kinds above) */
    const char *or_key;    /* a required key is satisfied by this one instead (delta | strike_pct) */
    const char *excludes;  /* a key of the same section that cannot be set together with this one */
    const char *overrides; /* a key this one replaces when set: a file may not give both */
    int keep_def;          /* a key of a sub-mapping whose default applies even without the mapping */
    int condition;         /* trigger: setting it is a condition */
    const char *doc;
} vr_pkey;

/* Action kinds and size kinds, by name. */
/* An action kind; the kinds that open positions say what they buy: `legs` options or futures of
 * pricing kind `inst` (vr_inst_kind), calls (cp = +1), puts (-1) or futures (0); leg 0 is long, a
 * second leg is the short leg of a vertical spread, farther out of the money. */
typedef struct vr_action_kind_def {
    const char *name;
    vr_action_kind kind;
    int legs;              /* 0: the action opens no position (roll_tested) */
    int inst;              /* vr_inst_kind of the legs */
    int cp;
    int spx;               /* 1: SPX underlying (strikes by % of spot); 0: VIX (% of the future) */
    const char *doc;
} vr_action_kind_def;
typedef struct vr_size_kind_def {
    const char *name;
    vr_size_kind kind;
    int needs_value;       /* size.value required (and allowed) */
    double lo, hi;         /* range of size.value: (lo, hi] */
    int whole;             /* size.value must be a whole number */
    const char *doc;
} vr_size_kind_def;

const vr_pkey *vr_policy_keys(vr_psection s, int *n);
const char *vr_psection_name(vr_psection s);   /* "condor", "trigger", "action", "exit" */
const vr_pkey *vr_policy_key_find(vr_psection s, const char *name);
const vr_action_kind_def *vr_action_kinds(int *n);
const vr_action_kind_def *vr_action_kind_of(vr_action_kind k); /* NULL if k is not a kind */
const vr_size_kind_def *vr_size_kinds(int *n);
const vr_size_kind_def *vr_size_kind_of(vr_size_kind k);

/* The value of key k in the section struct at base (ints as doubles), and its setter. */
double vr_pkey_get(const vr_pkey *k, const void *base);
void vr_pkey_set(const vr_pkey *k, void *base, double x);
/* 1 when k applies to an action of kind `kind` sized by `size`. */
int vr_pkey_applies(const vr_pkey *k, vr_action_kind kind, vr_size_kind size);
/* The valid range of k as text ("in [1, 365]", "a whole number in [1, 63]"); returns buf. */
const char *vr_pkey_range_str(const vr_pkey *k, char *buf, size_t cap);

/* Default condor rules (the `def` of every condor key). */
void vr_condor_defaults(vr_condor_rules *r);
/* A layer with every key at its default (not set where the default is NAN). */
void vr_layer_defaults(vr_layer *l);

/* Set the numeric key `key` of policy p ("condor.short_delta", "layers[1].trigger.vix_level",
 * "layers[0].action.size") to v, as a sweep does (a key of a sub-mapping the layer lacks brings
 * the mapping's other keys at their defaults, as the file would). Returns VR_EINVAL with a
 * sentence in err when the key does not exist, is not numeric, or does not apply to that layer's
 * action kind or size kind, and VR_ECONFIG when v is not a whole number for a whole-number key.
 * The caller validates the result with vr_policy_validate. */
vr_status vr_policy_set(vr_policy *p, const char *key, double v, vr_err *err);

#endif
