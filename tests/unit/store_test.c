/* store_test.c - LMDB adapter: schema, locking, batches, map growth. */
#include <stdio.h>

#include "harness.h"
#include "store.h"

typedef struct s_put {
    const char *key;
    char val[2048];
    size_t len;
    verso_err fail_with; /* a job that writes, then fails */
} s_put;

static verso_err s_put_job(verso_txn *t, void *arg)
{
    s_put *p = arg;
    verso_err err = verso_store_meta_put(t, p->key, p->val, p->len);
    return err ? err : p->fail_with;
}

static int s_has(verso_store *s, const char *key, const char *want)
{
    verso_txn *t;
    if (verso_store_read_begin(s, &t))
        return 0;
    verso_buf v;
    verso_buf_init(&v, 4096);
    int ok = verso_store_meta_get(t, key, &v) == VERSO_OK && (!want || !strcmp(v.data, want));
    verso_buf_fini(&v);
    verso_store_read_end(&t);
    return ok;
}

static void test_open_schema_lock(void)
{
    char dir[64];
    CHECK(t_tmpdir(dir, sizeof dir) != NULL);
    verso_store *s = NULL, *s2 = NULL;
    CHECK_INT(verso_store_open(dir, NULL, &s), VERSO_OK);
    verso_store_stats st;
    CHECK_INT(verso_store_stat(s, &st), VERSO_OK);
    CHECK_INT(st.schema_version, VERSO_SCHEMA_VERSION);
    CHECK(st.created > 1700000000);
    CHECK(st.map_size >= (64u << 20));
    CHECK_INT(verso_store_open(dir, NULL, &s2), VERSO_ELOCKED); /* one server per directory */
    CHECK(s2 == NULL);
    verso_store_destroy(&s);
    CHECK(s == NULL);
    verso_store_destroy(&s);                              /* safe twice */
    CHECK_INT(verso_store_open(dir, NULL, &s), VERSO_OK); /* reopens */
    /* A schema this build does not know is refused. */
    s_put p = {"schema_version", "99", 2, VERSO_OK};
    verso_store_job job = {s_put_job, &p, VERSO_EINTERNAL};
    CHECK_INT(verso_store_write(s, &job, 1), VERSO_OK);
    verso_store_destroy(&s);
    CHECK_INT(verso_store_open(dir, NULL, &s), VERSO_ESCHEMA);
    t_rmtree(dir);
}

static void test_batch_isolates_failures(void)
{
    char dir[64];
    CHECK(t_tmpdir(dir, sizeof dir) != NULL);
    verso_store *s;
    CHECK_INT(verso_store_open(dir, NULL, &s), VERSO_OK);
    s_put p[3] = {{"a", "1", 1, VERSO_OK}, {"b", "2", 1, VERSO_EBADREQ}, {"c", "3", 1, VERSO_OK}};
    verso_store_job jobs[3];
    for (int i = 0; i < 3; i++)
        jobs[i] = (verso_store_job){s_put_job, &p[i], VERSO_EINTERNAL};
    CHECK_INT(verso_store_write(s, jobs, 3), VERSO_OK);
    CHECK_INT(jobs[0].result, VERSO_OK);
    CHECK_INT(jobs[1].result, VERSO_EBADREQ);
    CHECK_INT(jobs[2].result, VERSO_OK);
    CHECK(s_has(s, "a", "1"));
    CHECK(!s_has(s, "b", NULL)); /* its write was rolled back */
    CHECK(s_has(s, "c", "3"));
    verso_store_destroy(&s);
    t_rmtree(dir);
}

/* A tiny map grows under load; at its maximum, writes fail with ENOSPC and
 * the store stays usable and intact. */
static void test_map_growth_and_limit(void)
{
    char dir[64];
    CHECK(t_tmpdir(dir, sizeof dir) != NULL);
    verso_store_opts o = {256 << 10, 4 << 20, 0};
    verso_store *s;
    CHECK_INT(verso_store_open(dir, &o, &s), VERSO_OK);
    static s_put p;
    char key[32];
    int stored = 0;
    verso_err err = VERSO_OK;
    for (int i = 0; i < 4000 && !err; i++) {
        snprintf(key, sizeof key, "k%05d", i);
        p.key = key;
        memset(p.val, 'a' + i % 26, sizeof p.val);
        p.len = sizeof p.val;
        verso_store_job job = {s_put_job, &p, VERSO_EINTERNAL};
        err = verso_store_write(s, &job, 1);
        if (!err)
            stored++;
    }
    CHECK_INT(err, VERSO_ENOSPC);
    verso_store_stats st;
    CHECK_INT(verso_store_stat(s, &st), VERSO_OK);
    CHECK(st.map_grows >= 4); /* 256K -> 512K -> 1M -> 2M -> 4M */
    CHECK_INT(st.map_size, 4 << 20);
    CHECK(stored > 500);
    CHECK(s_has(s, "k00000", NULL));
    snprintf(key, sizeof key, "k%05d", stored - 1);
    CHECK(s_has(s, key, NULL));
    verso_store_destroy(&s);
    CHECK_INT(verso_store_open(dir, &o, &s), VERSO_OK); /* reopens cleanly */
    CHECK(s_has(s, key, NULL));
    verso_store_destroy(&s);
    t_rmtree(dir);
}

int main(void)
{
    RUN(test_open_schema_lock);
    RUN(test_batch_isolates_failures);
    RUN(test_map_growth_and_limit);
    return t_report();
}
