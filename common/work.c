/* work.c - a request's deadline, cancel flag and work count; see work.h. */
#include "work.h"

#include <time.h>

void verso_work_init(verso_work *w, const atomic_uint *cancel, uint64_t deadline_ns)
{
    *w = (verso_work){cancel, deadline_ns, 0, VERSO_WORK_CHECK_EVERY, VERSO_OK};
}

uint64_t verso_work_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t verso_now_ms(void)
{
    return (int64_t)(verso_work_now_ns() / 1000000u);
}

verso_err verso_work_check(verso_work *w)
{
    if (!w)
        return VERSO_OK;
    w->check_at = w->ops + VERSO_WORK_CHECK_EVERY;
    if (w->err)
        return w->err;
    if (w->cancel && atomic_load_explicit(w->cancel, memory_order_relaxed))
        w->err = VERSO_ECANCELED;
    else if (w->deadline_ns && verso_work_now_ns() >= w->deadline_ns)
        w->err = VERSO_ETIMEDOUT;
    return w->err;
}
