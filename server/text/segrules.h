/*
 * segrules.h - segmentation rule data: per-language word lists and settings
 * read from rule files (format in docs/SEGMENTATION.md), one file per
 * language, `root.rules` for what every language shares.
 *
 * A verso_seg_rules is immutable once loaded: share it between threads.
 */
#ifndef VERSO_SEGRULES_H
#define VERSO_SEGRULES_H

#include <stdbool.h>
#include <stddef.h>

#include "lang.h"
#include "verso/err.h"

/* The word lists of a rule file, by section. */
typedef enum verso_seg_list {
    VERSO_SEG_ABBREV = 0,   /* [abbreviations]: "Dr." never ends a sentence */
    VERSO_SEG_ABBREV_NUM,   /* [number-abbreviations]: no break before a number */
    VERSO_SEG_ABBREV_WEAK,  /* [weak-abbreviations]: break only before a starter */
    VERSO_SEG_STARTERS,     /* [starters]: words that begin sentences */
    VERSO_SEG_EXCLAMATIONS, /* [exclamations]: "Yahoo!" does not end a sentence */
    VERSO_SEG_NLISTS
} verso_seg_list;

typedef struct verso_seg_lang verso_seg_lang;
typedef struct verso_seg_rules verso_seg_rules;

/* Loads every "*.rules" file in dir; root.rules must be there.
 * *out is the caller's, freed with verso_seg_rules_destroy.
 * Errors: EIO (unreadable), EINVAL (a syntax error, logged with file:line). */
verso_err verso_seg_rules_load(const char *dir, verso_seg_rules **out);
void verso_seg_rules_destroy(verso_seg_rules **r);

/* The rules for a canonical tag: "pt-BR" -> pt-BR.rules, else pt.rules, else
 * root. Never NULL. Borrowed from r. */
const verso_seg_lang *verso_seg_rules_find(const verso_seg_rules *r, const char *canon_tag);

/* The name of a language's rules ("en", "root"). */
const char *verso_seg_lang_name(const verso_seg_lang *l);

/* True when word[0..len) is in list `which` of l or of root. Lookups in the
 * abbreviation lists also try the word with its first letter lowercased. */
bool verso_seg_lang_has(const verso_seg_lang *l, verso_seg_list which, const char *word,
                        size_t len);

/* Setting "ordinal-dot": a number followed by "." can be an ordinal
 * ("am 12. Juni"), as in German. */
bool verso_seg_lang_ordinal_dot(const verso_seg_lang *l);

/* Setting "colon-ends": a colon followed by white space and a letter or a
 * digit ends a sentence ("سؤال وجواب: ماذا يحدث؟"), as Arabic and Persian
 * texts write labels and headings; a colon before a quote still runs on. */
bool verso_seg_lang_colon_ends(const verso_seg_lang *l);

#endif
