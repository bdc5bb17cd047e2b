/* term_label.h: which contract each settlement of the VX1..VX8 term-structure file is; internal to
 * the engine (futures.c for the history of curves, info/market_day.c for one day's curve).
 *
 * The term file's vx_k is the settlement of the k-th nearest *listed* monthly contract expiring
 * strictly after the date, with no expiry given. Until April 2008 not every month was listed: on
 * 2007-12-19 vx7 and vx8 are 2008-08 and 2008-11, not 2008-07 and 2008-08, and in April and May
 * 2007 some 2007 months were missing. Counting months from the date (the rule) mislabels such
 * entries by months. The contracts file (real expiries, only contracts expiring from 2008-01 on)
 * holds some of the same contracts on the same date, so the labels are worked out from both:
 *
 *  1. The contracts file's rows of the date, nearest first, must be the term row's entries in
 *     order, by settlement, as far as the row reaches (the row lists the nearest listed
 *     contracts, so a nearer contract cannot be left out). Entries the file lacks fall in gaps
 *     (the 2007 contracts; a contract on its first listed days, which the file sometimes lacks).
 *     A gap cannot hold more entries than months expire inside it, not counting months the
 *     contracts file shows were not listed yet (vr_month_expiry_fn). The most contracts matched
 *     wins; where several placements fit, only the labels they all agree on are kept.
 *  2. A gap holding as many entries as months expire inside it is those months, in order; one
 *     holding as many as the months surely listed is those (a month that may have been listed is
 *     a new contract, the farthest).
 *  3. A gap holding another count is uncertain, except its first two entries when it starts at the date:
 *     the two nearest months were listed serially throughout (the exchange's listing rule from
 *     2004). Unbounded beyond the last matched contract, a gap counts months when the date is on
 *     or after VR_TERM_SERIAL_FROM: from there on the contracts file shows the nearest eight
 *     listed contracts in consecutive months on every date (2008-04-21 to 2015-04-01).
 *
 * The day's curve ends before its first uncertain entry: a curve with a hole would interpolate
 * the constant-maturity values across months it does not know. Of the shipped data's 183 term
 * rows before 2007-12-20, this cuts 33 (2007-04-02 to 05-17) to their two nearest contracts; the
 * other 150 are all told, and counting months had mislabelled every one of them (86 within the
 * six nearest that the pricing fit takes), by one to three months. */
#ifndef VIXRISK_DATA_TERM_LABEL_H
#define VIXRISK_DATA_TERM_LABEL_H

#include <stdint.h>

#define VR_TERM_SERIAL_FROM 20080421
#define VR_TERM_MAX 8 /* vx1..vx8 */

/* The expiry of the contract of month (y, m): the contracts file's where it lists the month, else
 * the exchange's rule (vr_vx_expiry); 0 when the month was not listed on `date` (the contracts
 * file holds the month and starts it more than a week later). *maybe = 1 when the file starts the
 * month 1 to 7 days after `date`: the file lacks the first one or two days of some new contracts
 * (2008-01 is in the term file from 2007-07-20, in the contracts file from 07-23), so the month
 * may have been listed or not. ctx is the caller's. */
typedef int32_t (*vr_month_expiry_fn)(const void *ctx, int y, int m, int32_t date, int *maybe);

/* Label the term row of `date` (vx[0..n), n <= VR_TERM_MAX, positive settlements, nearest first)
 * against the contracts file's rows of the same date (ce[0..nc) expiries strictly after the date,
 * ascending, with settlements cs[]; nc may be 0). Writes the expiries of the certain leading
 * entries to exp[] and returns how many there are (0..n; 0 when no placement fits). */
int vr_term_label(int32_t date, const double *vx, int n, const int32_t *ce, const double *cs, int nc,
                  vr_month_expiry_fn month_expiry, const void *ctx, int32_t *exp);

#endif
