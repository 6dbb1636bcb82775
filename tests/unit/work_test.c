/*
 * work_test.c - a request's meter (work.h): units counted, the cancel flag
 * and the deadline read every VERSO_WORK_CHECK_EVERY units, the first
 * reason to stop kept, a NULL meter never stopping.
 */
#include "harness.h"
#include "work.h"

static void test_counts_and_null(void)
{
    verso_work w;
    verso_work_init(&w, NULL, 0);
    for (int i = 0; i < 1000; i++)
        CHECK_INT(verso_work_tick(&w, 100), VERSO_OK);
    CHECK(verso_work_ops(&w) == 100000);
    verso_work_add(&w, 5);
    CHECK(verso_work_ops(&w) == 100005);
    CHECK_INT(verso_work_tick(NULL, 1u << 30), VERSO_OK);
    verso_work_add(NULL, 7);
    CHECK(verso_work_ops(NULL) == 0);
}

static void test_cancel(void)
{
    atomic_uint flag;
    atomic_init(&flag, 0);
    verso_work w;
    verso_work_init(&w, &flag, 0);
    CHECK_INT(verso_work_tick(&w, 1), VERSO_OK);
    atomic_store(&flag, 1);
    /* seen at the next check, not before: the flag is read every so many units */
    CHECK_INT(verso_work_tick(&w, 1), VERSO_OK);
    CHECK_INT(verso_work_tick(&w, VERSO_WORK_CHECK_EVERY), VERSO_ECANCELED);
    atomic_store(&flag, 0);
    CHECK_INT(verso_work_tick(&w, 1), VERSO_ECANCELED); /* sticky */
    CHECK_INT(verso_work_check(&w), VERSO_ECANCELED);
}

static void test_deadline(void)
{
    verso_work w;
    verso_work_init(&w, NULL, verso_work_now_ns() - 1); /* already past */
    CHECK_INT(verso_work_tick(&w, 1), VERSO_OK);
    CHECK_INT(verso_work_check(&w), VERSO_ETIMEDOUT);
    verso_work_init(&w, NULL, verso_work_now_ns() + 3600000000000ull); /* an hour on */
    CHECK_INT(verso_work_tick(&w, 10 * VERSO_WORK_CHECK_EVERY), VERSO_OK);
    CHECK_INT(verso_work_check(&w), VERSO_OK);
}

int main(void)
{
    RUN(test_counts_and_null);
    RUN(test_cancel);
    RUN(test_deadline);
    return t_report();
}
