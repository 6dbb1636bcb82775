/*
 * tm.h - the translation memory over the store (store.h): named TMs,
 * entries (translation units of one language pair), the match index
 * and the change sequence. Every function runs inside a transaction the
 * caller owns; writing ones need a write transaction (the writer thread's).
 *
 * Strings are (pointer, length) views; those in results are borrowed until
 * the transaction ends unless a function says it copies them.
 */
#ifndef VERSO_TM_H
#define VERSO_TM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fuzzy.h"
#include "store.h"
#include "verso/err.h"

#define VERSO_TM_NAME_MAX 128 /* bytes of a TM name */

typedef struct verso_str {
    const char *p;
    size_t n;
} verso_str;

/* A list of strings as an entry stores it: items back to back, each a u32
 * big-endian length then its bytes. Build with verso_tm_list_add, walk with
 * verso_tm_list_next. An empty list is the empty string. */
verso_err verso_tm_list_add(verso_buf *list, verso_str item);

/* Takes the first item of *list into *item and advances *list past it.
 * False at the end (or on a malformed tail, which verso_tm_get rejects). */
bool verso_tm_list_next(verso_str *list, verso_str *item);

typedef struct verso_tm_prep verso_tm_prep;

/* An entry. For verso_tm_add, fill src_lang..props (prev/next are the
 * neighbouring source segments, optional; created, changed and usage are
 * kept when nonzero, as an import of dated TMX needs; tmx, optional, is
 * what a TMX unit held that no other field does, kept for the way back;
 * prep, optional, holds what verso_tm_prepare derived from the texts); id
 * is assigned. */
typedef struct verso_tm_entry {
    uint64_t id;
    uint32_t tm_id;
    verso_str src_lang, tgt_lang;  /* canonical BCP 47 tags */
    verso_str src, tgt;            /* inline tags as marks U+F0000 + index */
    verso_str src_tags, tgt_tags;  /* lists: the XML of each tag, by index */
    verso_str props;               /* list: name, value, name, value, ... */
    verso_str prev, next;          /* context segments (stored since schema 3 records) */
    uint64_t prev_hash, next_hash; /* stored: hashes of the normalised context (0: none) */
    verso_str tmx;                 /* list: key, value, ... (docs/PROTOCOL.md, "tmx") */
    verso_str author, note, origin;
    int64_t created, changed; /* unix seconds */
    uint64_t usage;
    const verso_tm_prep *prep; /* add only: derived forms, or NULL (computed then) */
} verso_tm_entry;

/* What an add derives from an entry's texts: both sides' normalised and
 * loose forms (text.h), their token ids (fuzzy.h) and the hashes of the
 * context segments. verso_tm_prepare computes them outside the write
 * transaction (in a worker thread), so that the single writer does not
 * have to. Caller-owned: init, prepare, fini; its fields are private. */
struct verso_tm_prep {
    verso_buf norm[2], loose[2]; /* [0] the source, [1] the target */
    uint32_t *ids[2];
    size_t nids[2], cap[2];
    uint64_t prev_hash, next_hash;
};

void verso_tm_prep_init(verso_tm_prep *p);
void verso_tm_prep_fini(verso_tm_prep *p);

/* Fills p from e's src, tgt, prev and next, tokenising with f (a root-
 * locale tokeniser, as tmfuzzy.h's). Errors: ENOMEM, ETOOBIG, EINTERNAL;
 * the caller may then leave the entry without a prep. */
verso_err verso_tm_prepare(verso_tm_prep *p, const verso_tm_entry *e, verso_fuzzy *f);

typedef enum verso_tm_conflict {
    VERSO_TM_KEEP_BOTH = 0, /* add another entry, unless source and target are identical */
    VERSO_TM_OVERWRITE,     /* replace the target of the entry with the same source */
    VERSO_TM_SKIP,          /* keep the existing entry, drop the new one */
} verso_tm_conflict;

typedef enum verso_tm_outcome {
    VERSO_TM_ADDED = 0,
    VERSO_TM_UPDATED,
    VERSO_TM_SKIPPED,
} verso_tm_outcome;

/* TMs. Names are 1..VERSO_TM_NAME_MAX bytes of UTF-8. create: EEXIST when
 * the name is taken. find: *id of the TM, ENOTFOUND when absent. drop: the
 * TM and all its entries; ENOTFOUND when absent. "default" is created by
 * verso_tm_init. */
verso_err verso_tm_init(verso_txn *t);
verso_err verso_tm_create(verso_txn *t, verso_str name, uint32_t *id);
verso_err verso_tm_find(verso_txn *t, verso_str name, uint32_t *id);
verso_err verso_tm_drop(verso_txn *t, verso_str name);

/* A TM's TMX header: the <header> element of the TMX file last imported
 * into it (docs/TMX.md), stored as given; get gives "" when none, borrowed
 * until the transaction ends. Errors: store errors. */
verso_err verso_tm_header_put(verso_txn *t, uint32_t tm_id, verso_str header);
verso_err verso_tm_header_get(verso_txn *t, uint32_t tm_id, verso_str *header);

/* Calls fn for each TM in name order, with its entry count. */
verso_err verso_tm_each(verso_txn *t,
                        int (*fn)(void *arg, verso_str name, uint32_t id, uint64_t entries),
                        void *arg);

/* Adds e to TM tm_id, resolving a same-source entry by policy. *outcome and
 * *id (the new, updated or kept entry) are set on success. */
verso_err verso_tm_add(verso_txn *t, uint32_t tm_id, const verso_tm_entry *e,
                       verso_tm_conflict policy, verso_tm_outcome *outcome, uint64_t *id);

/* verso_tm_add of entries[0..n) in order, setting outcomes[i] and ids[i];
 * faster than n calls (counters are read and written once). */
verso_err verso_tm_add_batch(verso_txn *t, uint32_t tm_id, const verso_tm_entry *entries, size_t n,
                             verso_tm_conflict policy, verso_tm_outcome *outcomes, uint64_t *ids);

/* Reads entry id into *e (strings borrowed from the transaction).
 * ENOTFOUND when absent. */
verso_err verso_tm_get(verso_txn *t, uint64_t id, verso_tm_entry *e);

/* Deletes entry id; a missing id is not an error (*deleted tells). */
verso_err verso_tm_delete(verso_txn *t, uint64_t id, bool *deleted);

/* Calls fn for each entry of TM tm_id and the pair whose normalised source
 * equals the normalised src, until fn returns nonzero. */
verso_err verso_tm_exact(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                         verso_str src, int (*fn)(void *arg, const verso_tm_entry *e), void *arg);

/* A segment to match, with its forms (text.h), computed once by the caller. */
typedef struct verso_tm_query {
    verso_str text;         /* as given */
    const verso_buf *norm;  /* verso_text_norm(text) */
    const verso_buf *loose; /* verso_text_loose(norm) */
    size_t enough;          /* skip near-exact matches once this many exact ones (0: never) */
    bool near;              /* near-exact matches wanted at all */
    unsigned skip;          /* VERSO_TM_SKIP_*: directions known to hold nothing */
} verso_tm_query;

#define VERSO_TM_SKIP_FORWARD 1u /* no entry stored src_lang -> tgt_lang */
#define VERSO_TM_SKIP_REVERSE 2u /* no entry stored tgt_lang -> src_lang */

/* A match: an entry whose source (or, reversed, whose target) is the query
 * up to the differences in diff (0: exact; VERSO_TEXT_* bits: near-exact). */
typedef struct verso_tm_hit {
    verso_tm_entry e; /* as stored; borrowed from the transaction */
    bool reversed;    /* stored as tgt_lang -> src_lang, matched on its target */
    unsigned diff;
} verso_tm_hit;

#define VERSO_TM_NEAR_SCAN 64 /* near-exact candidates examined per direction */

/* Calls fn for the exact matches of q in TM tm_id for src_lang -> tgt_lang,
 * stored that way or the other way round, then (when q->near) for near-exact ones (at most
 * VERSO_TM_NEAR_SCAN candidates a direction), until fn returns nonzero. */
verso_err verso_tm_match(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                         const verso_tm_query *q, int (*fn)(void *arg, const verso_tm_hit *h),
                         void *arg);

/* Changes to an entry (verso_tm_update): the fields named in `set` are
 * taken from e; `use` is added to the usage count. */
#define VERSO_TM_SET_SRC    0x01u /* src and src_tags */
#define VERSO_TM_SET_TGT    0x02u /* tgt and tgt_tags */
#define VERSO_TM_SET_AUTHOR 0x04u
#define VERSO_TM_SET_NOTE   0x08u
#define VERSO_TM_SET_PROPS  0x10u
#define VERSO_TM_SET_ORIGIN 0x20u
typedef struct verso_tm_patch {
    unsigned set;
    verso_tm_entry e;
    uint64_t use;
} verso_tm_patch;

/* Applies p to entry id and re-indexes it; its changed time is now (unless
 * only usage changed). ENOTFOUND when absent. */
verso_err verso_tm_update(verso_txn *t, uint64_t id, const verso_tm_patch *p);

/* Calls fn for the entries of TM tm_id with ids > after, in id order, until
 * fn returns nonzero or `scan` entries of any TM have been read; *last is the
 * last id read (the cursor to go on from), 0 when the store has no more. */
verso_err verso_tm_each_entry(verso_txn *t, uint32_t tm_id, uint64_t after, size_t scan,
                              int (*fn)(void *arg, const verso_tm_entry *e), void *arg,
                              uint64_t *last);

/* Brings a store of an older schema up to date, in one write transaction:
 * rebuilds the match index (schema 1 had another, 3 other keys for texts
 * of punctuation only) and the per-pair counts (schema 2 had none) from
 * the entries, and records the current schema. */
verso_err verso_tm_upgrade(verso_txn *t);

/* The hash stored for a context segment, from its normalised form
 * (verso_text_norm): never 0, and 0 for an empty one. */
uint64_t verso_tm_context_hash_norm(const verso_buf *norm);

/* *n: the entries of TM tm_id stored as src_lang -> tgt_lang (0: none). */
verso_err verso_tm_pair_count(verso_txn *t, uint32_t tm_id, verso_str src_lang, verso_str tgt_lang,
                              uint64_t *n);

/* Calls fn for each language pair of TM tm_id that holds entries, with
 * their count, in byte order of (src_lang, tgt_lang), until fn returns
 * nonzero. The strings are borrowed for the call. */
verso_err verso_tm_each_pair(verso_txn *t, uint32_t tm_id,
                             int (*fn)(void *arg, verso_str src_lang, verso_str tgt_lang,
                                       uint64_t n),
                             void *arg);

/* The directed pair key under which the match and fuzzy indexes file a
 * text in language ql of an entry whose other side is in ol: the source
 * of an ql -> ol entry, or (reversed) the target of an ol -> ql one. */
uint32_t verso_tm_pair_key(verso_str ql, verso_str ol, bool reversed);

/* Adds write their match-index records to a small database of their own
 * (MATCH_RECENT), which every read consults too, so that a batch of adds
 * dirties few pages: random inserts into the whole index would dirty a page
 * each. This moves them into the main index in key order, in bulk, and
 * empties the small one (the writer calls it when idle, like the fuzzy
 * index's posting). */
verso_err verso_tm_merge_recent(verso_txn *t);

/* *n: the records of the merged match index (two an entry, once merged). */
verso_err verso_tm_match_count(verso_txn *t, uint64_t *n);

/* Calls fn(arg, id) for the id of every match record of TM tm_id (merged
 * and recent: each entry twice, source and target), until fn returns
 * nonzero. fn must not write the match index. */
verso_err verso_tm_match_ids(verso_txn *t, uint32_t tm_id, int (*fn)(void *arg, uint64_t id),
                             void *arg);

/* *id: the last entry id handed out (0: none yet). */
verso_err verso_tm_last_id(verso_txn *t, uint64_t *id);

/* The last change sequence number (0: no change yet). */
verso_err verso_tm_last_change(verso_txn *t, uint64_t *seq);

#endif
