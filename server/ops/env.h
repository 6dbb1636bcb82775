/*
 * env.h - what the ops work with (the environment): the store, the
 * segmentation rules and SRX rule sets, the aligner's word lists and the
 * indexer's counters, loaded once at start-up and read-only afterwards
 * (the indexer's counter is atomic). The ops never see the broker: what
 * they need of it (counters, the caller, the writer) comes with each
 * request's verso_call (server.h).
 *
 * verso_env_new builds it (main.c), verso_env_handler gives the broker the
 * handler table over it; the env must outlive the server.
 */
#ifndef VERSO_ENV_H
#define VERSO_ENV_H

#include "handler.h"
#include "indexer.h"
#include "lexdir.h"
#include "segrules.h"
#include "srx.h"
#include "store.h"
#include "verso/err.h"

typedef struct verso_env_config {
    const char *data_dir;   /* the store's directory */
    verso_store_opts store; /* map sizes (store.h) */
    const char *rules_dir;  /* segmentation rule files (segrules.h) */
    const char *dict_dir;   /* bilingual word lists for the aligner (lexdir.h); NULL: none */
    const char *srx_files[VERSO_SRX_MAX_SETS]; /* SRX rule sets (srx.h), named by file stem */
    unsigned nsrx_files;
} verso_env_config;

typedef struct verso_env {
    verso_store *store;
    verso_seg_rules *rules;
    verso_srx *srx[VERSO_SRX_MAX_SETS];
    unsigned nsrx;
    verso_lexdir *lexdir;
    verso_indexer indexer;
} verso_env;

/* Loads the rules, the SRX sets and the word lists, opens the store and
 * brings it up to date (indexer.h). Every failure is logged with its file.
 * *out is the caller's (verso_env_destroy), also on failure (NULL then).
 * Errors: EINVAL, EIO, ENOMEM, and the store's. */
verso_err verso_env_new(const verso_env_config *cfg, verso_env **out);

/* Frees everything and closes the store. Safe with *e == NULL; sets *e = NULL. */
void verso_env_destroy(verso_env **e);

/* The handler table over env (dispatch.c), for verso_server_config. */
verso_handler verso_env_handler(verso_env *env);

#endif
