/*
 * writer.h - the writer thread: the one owner of LMDB write transactions.
 *
 * Workers hand it jobs (verso_store_job) over inproc and block until the
 * job's batch is committed, so a reply is never sent before its commit.
 * The writer drains whatever jobs are queued into one transaction (group
 * commit: one fsync for many writers) and answers each.
 */
#ifndef VERSO_WRITER_H
#define VERSO_WRITER_H

#include <stdbool.h>

#include "store.h"
#include "verso/err.h"

typedef struct verso_writer verso_writer;

#define VERSO_WRITER_ENDPOINT "inproc://verso-writer"
#define VERSO_WRITER_BATCH    256 /* most jobs in one transaction */

/* Background work (e.g. building an index in bulk): runs in a write
 * transaction (its own, or after a batch's jobs in theirs), sets *more
 * when work is left. quiet_ms: how long
 * no job came (a multiple of VERSO_WRITER_QUIET_MS), 0 while jobs keep
 * coming; the work may wait for more of itself to gather, or for a longer
 * quiet (doing nothing, *more set: it is called again). */
typedef verso_err (*verso_writer_idle_fn)(verso_txn *t, void *arg, int64_t quiet_ms, bool *more);

#define VERSO_WRITER_QUIET_MS 20

/* Binds VERSO_WRITER_ENDPOINT in zctx and starts the thread. The store is
 * borrowed and must outlive the writer. idle (may be NULL) is called, with
 * idle_arg, at start and after write batches until it reports no more work:
 * every VERSO_WRITER_QUIET_MS while no job comes (in a transaction of its
 * own), and (quiet_ms 0) with every S_IDLE_FORCE (1) batch while jobs keep
 * coming, in the batch's transaction after its jobs (one commit for both;
 * a failed step undoes only itself), so that its work never falls far
 * behind. *out is the caller's. */
verso_err verso_writer_new(void *zctx, verso_store *store, verso_writer_idle_fn idle,
                           void *idle_arg, verso_writer **out);

/* Stops the thread after the jobs already queued are committed (jobs that
 * arrive later are refused with ESHUTDOWN), joins it and frees *w.
 * Safe with *w == NULL; sets *w = NULL. */
void verso_writer_destroy(verso_writer **w);

/* A connection to the writer for one thread (a DEALER socket owned by that
 * thread; close it with verso_writer_disconnect). NULL on failure. */
void *verso_writer_connect(void *zctx);

/* Closes *conn (may be NULL); sets *conn = NULL. */
void verso_writer_disconnect(void **conn);

/* Sends job through `conn` and waits until it is committed or refused.
 * Returns job->result, or ETRANSPORT if the writer could not be reached.
 * The job is borrowed by the writer until this returns. */
verso_err verso_writer_submit(void *conn, verso_store_job *job);

#endif
