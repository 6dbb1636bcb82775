/*
 * work.h - the budget of one request: its deadline, a flag that cancels it
 * (the client went away, the server is stopping), and a count of the units
 * of work done so far.
 *
 * Every loop whose length depends on the input (a byte scanned, a DP cell,
 * a candidate verified) ticks the meter with the work it did; every so many
 * units the meter reads the flag and the clock, and from then on the loop's
 * tick returns ETIMEDOUT or ECANCELED, and the loop unwinds with it. The
 * count also makes complexity tests exact: twice the input must cost about
 * twice the units (tests/unit/complexity_test.c), whatever the machine.
 *
 * A verso_work lives on the stack of the request it meters and belongs to
 * that request's thread; the cancel flag it reads is borrowed (another
 * thread may set it). A NULL verso_work * meters nothing and never stops.
 */
#ifndef VERSO_WORK_H
#define VERSO_WORK_H

#include <stdatomic.h>
#include <stdint.h>

#include "verso/err.h"

#define VERSO_WORK_CHECK_EVERY 16384u /* units between reads of the flag and the clock */

typedef struct verso_work {
    const atomic_uint *cancel; /* borrowed; nonzero cancels; may be NULL */
    uint64_t deadline_ns;      /* CLOCK_MONOTONIC; 0: none */
    uint64_t ops;              /* units of work ticked so far */
    uint64_t check_at;         /* ops at which the flag and the clock are read next */
    verso_err err;             /* VERSO_OK, or why the work stopped (sticky) */
} verso_work;

/* Starts a meter: cancel (borrowed, may be NULL), deadline on the monotonic
 * clock in ns (0: none). */
void verso_work_init(verso_work *w, const atomic_uint *cancel, uint64_t deadline_ns);

/* Nanoseconds on the monotonic clock. */
uint64_t verso_work_now_ns(void);

/* Milliseconds of the same clock (CLOCK_MONOTONIC). */
int64_t verso_now_ms(void);

/* Reads the flag and the clock now. Returns VERSO_OK, ECANCELED or
 * ETIMEDOUT; once stopped, always the same code. */
verso_err verso_work_check(verso_work *w);

/* Counts n units without looking at the flag or the clock: for loops that
 * cannot stop midway (their caller ticks after them). */
static inline void verso_work_add(verso_work *w, uint64_t n)
{
    if (w)
        w->ops += n;
}

/* Counts n units; every VERSO_WORK_CHECK_EVERY units reads the flag and the
 * clock. Returns VERSO_OK, or the code the work stopped with. */
static inline verso_err verso_work_tick(verso_work *w, uint64_t n)
{
    if (!w)
        return VERSO_OK;
    w->ops += n;
    return w->ops >= w->check_at ? verso_work_check(w) : w->err;
}

/* Units ticked so far (0 for NULL). */
static inline uint64_t verso_work_ops(const verso_work *w)
{
    return w ? w->ops : 0;
}

#endif
