/*
 * tmx.h - TMX 1.4b translation memories: a streaming reader on expat (one
 * callback per <tu>, memory bounded by the largest TU, not the file) and a
 * writer that appends to a verso_buf. The input is untrusted. No global
 * state; a reader is used by one thread at a time.
 *
 * Inline tags. A segment's text is UTF-8 in which each inline tag is ONE
 * code point, a tag mark: U+F0000 + k, k (< 65534) the index of the tag in
 * the segment's tag list, numbered in order of appearance. tags[k] is the
 * tag's XML as re-serialized by the reader:
 * - bpt, ept, ph, it, ut and any unknown element inside <seg>: the whole
 *   element, e.g. <bpt i="1" x="1">&lt;b&gt;</bpt>: attributes as specified,
 *   in document order, values escaped (&amp; &lt; &gt; &quot;, and &#9;
 *   &#10; &#13; so that they survive attribute normalisation); content escaped
 *   (&amp; &lt; &gt;, and &#13;), nested elements (<sub>, ...) recursively.
 *   Empty elements are always written <ph x="2"></ph>, never <ph x="2"/>.
 * - hi: two tags, its start tag (<hi x="1" type="b">) and "</hi>"; the text
 *   between them stays in the segment's text.
 * - A literal U+F0000..U+FFFFD in the file becomes U+FFFD.
 * - <ph type="x-verso-char">HH</ph> (hex; a C0 control other than TAB, LF,
 *   CR, or U+FFFE/U+FFFF) is that character, not a tag: the writer emits the
 *   characters XML 1.0 cannot carry that way, so round trips are exact.
 */
#ifndef VERSO_TMX_H
#define VERSO_TMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "verso/err.h"

#define VERSO_TMX_MARK       0xF0000u                    /* mark of tag 0 */
#define VERSO_TMX_MAX_TAGS   65534u                      /* per segment */
#define VERSO_TMX_MAX_TEXT   ((size_t)16 << 20)          /* bytes of text per TU */
#define VERSO_TMX_MAX_TUVS   1024u                       /* per TU */
#define VERSO_TMX_MAX_PROPS  1024u                       /* per TU */
#define VERSO_TMX_MAX_ERRORS 10000u                      /* XML errors before giving up */
#define VERSO_TMX_MAX_TOKEN  (VERSO_TMX_MAX_TEXT + 4096) /* bytes of one start tag, comment... */
#define VERSO_TMX_MAX_HEADER ((size_t)1 << 20)           /* bytes of the header's XML */
#define VERSO_TMX_MAX_ATTRS  64u                         /* attributes of a kept attribute string */

/* A view: n bytes at p, not NUL-terminated. Empty is {NULL or any, 0}. */
typedef struct verso_tmx_str {
    const char *p;
    size_t n;
} verso_tmx_str;

typedef struct verso_tmx_prop {
    verso_tmx_str type, value;
} verso_tmx_prop;

typedef struct verso_tmx_tuv {
    verso_tmx_str lang;        /* xml:lang (or TMX 1.1 lang) as written */
    verso_tmx_str text;        /* seg content, UTF-8, tags as marks */
    const verso_tmx_str *tags; /* tag XML, tags[k] is mark U+F0000+k */
    size_t ntags;
    /* What the fields above do not keep, as XML (verso_tmx_write_tu): */
    verso_tmx_str attrs; /* every attribute, ' name="value"' each, in order (xml:lang too) */
    verso_tmx_str body;  /* its <note> and <prop> elements, in order */
} verso_tmx_tuv;

typedef struct verso_tmx_tu {
    verso_tmx_str tuid, creationid, changeid, srclang; /* attributes, empty when absent */
    int64_t created, changed; /* creationdate/changedate as unix seconds, 0 if absent/malformed */
    uint64_t usage;           /* usagecount, 0 when absent */
    verso_tmx_str note;       /* TU-level <note>s joined with "\n", empty when none */
    const verso_tmx_prop *props; /* TU-level <prop type="...">, in order, repeats kept */
    size_t nprops;
    /* What the fields above do not keep, as XML (verso_tmx_write_tu): */
    verso_tmx_str attrs; /* every attribute of <tu>, ' name="value"' each, in order */
    verso_tmx_str body;  /* its <note> and <prop> elements, in order, attributes and all */
    const verso_tmx_tuv *tuvs;
    size_t ntuvs;
    unsigned long line; /* line of the <tu> start tag */
    /* NULL, or why the TU is unusable (static text): "tuv without xml:lang",
     * "tuv without seg", "tuv with two segs", "tu without tuv",
     * "invalid UTF-8", "tag limit exceeded", "text limit exceeded",
     * "too many tuvs", "too many props". Once a limit is hit the rest of the
     * TU is skipped, so the other fields may be incomplete. */
    const char *problem;
} verso_tmx_tu;

/* Called once per complete <tu>, from inside verso_tmx_reader_feed (it must
 * not call the reader back). Everything in *tu (views, arrays) is borrowed
 * from the reader and valid only during the call. Return nonzero to stop:
 * verso_tmx_reader_feed then returns VERSO_OK and ignores the rest of the
 * input. */
typedef int (*verso_tmx_tu_fn)(void *arg, const verso_tmx_tu *tu);

typedef struct verso_tmx_reader verso_tmx_reader;

/*
 * A reader that calls fn(arg, tu) for each TU. On success *out is the
 * caller's, freed with verso_tmx_reader_destroy. Returns VERSO_OK,
 * VERSO_EINVAL (fn or out NULL) or VERSO_ENOMEM.
 */
verso_err verso_tmx_reader_new(verso_tmx_tu_fn fn, void *arg, verso_tmx_reader **out);

/* Frees the reader and sets *r to NULL; safe on NULL and twice. */
void verso_tmx_reader_destroy(verso_tmx_reader **r);

/*
 * Feeds the next n bytes of the file (copied; data is not kept after the
 * call); last=true on the final call, at EOF (n may be 0). The encoding
 * comes from the BOM or the XML declaration (UTF-8, UTF-16LE/BE,
 * ISO-8859-1, US-ASCII). Expat gets the input in steps of 64 KiB (and the
 * rest at the last call), so a TU may be delivered a few feeds after its
 * bytes, and the result never depends on how the input was cut.
 * In a UTF-8 document an invalid byte sequence becomes U+FDD0 and its TU is
 * delivered with problem "invalid UTF-8", and after a fatal XML error the
 * reader resynchronises at the next "<tu" (followed by a space or '>'):
 * each error is counted, and the TU it broke is dropped.
 * Returns VERSO_OK; VERSO_ENOMEM; VERSO_EPROTO on the last call when any XML
 * error was met, or at once when the reader cannot go on (an error in a
 * non-UTF-8 document, or more than VERSO_TMX_MAX_ERRORS errors); after
 * ENOMEM or such an EPROTO every later call returns the same code. The TUs
 * before an error have been delivered. VERSO_EINVAL after the last call.
 */
verso_err verso_tmx_reader_feed(verso_tmx_reader *r, const void *data, size_t n, bool last);

/* The first XML error (static text) and, when line is not NULL, its line
 * in *line; NULL when there was none. */
const char *verso_tmx_reader_error(const verso_tmx_reader *r, unsigned long *line);

/* How many XML errors the reader met (each one skipped some input). */
unsigned verso_tmx_reader_errors(const verso_tmx_reader *r);

/* <header srclang="...">, empty if none seen yet. Borrowed from the reader
 * until the next feed or destroy. */
verso_tmx_str verso_tmx_reader_srclang(const verso_tmx_reader *r);

/* The whole <header> element as XML (attributes; note, prop, ude and map
 * children with their attributes and text), once it has ended; empty when
 * there was none, or over VERSO_TMX_MAX_HEADER bytes. Borrowed like
 * srclang. */
verso_tmx_str verso_tmx_reader_header(const verso_tmx_reader *r);

/*
 * Writer: each call appends to out (capped by its owner); on error out is
 * left as it was. Text is escaped; characters XML 1.0 cannot carry become
 * x-verso-char ph elements in segments and U+FFFD elsewhere (attributes,
 * notes, props). Returns VERSO_OK, VERSO_ENOMEM, VERSO_ETOOBIG (out's cap),
 * VERSO_EBADUTF8 (a string is not UTF-8) or VERSO_EINVAL.
 */

/* <?xml ...?>, <tmx version="1.4">, <header .../> and <body>. srclang empty
 * writes "*all*"; tool and tool_version may be NULL ("verso", VERSO_VERSION). */
verso_err verso_tmx_write_header(verso_buf *out, verso_tmx_str srclang, const char *tool,
                                 const char *tool_version);

/* One <tu>: tuid, creationid, changeid, srclang when non-empty, dates and
 * usagecount when nonzero, then the kept attributes (attrs) but those; the
 * kept body when it is valid, else the note and props; tuvs, each with its
 * kept attributes (but xml:lang) and body. line and problem are
 * ignored. A tag is written verbatim when verso_tmx_tag_valid (and, for hi,
 * when its start and end marks pair up in the text), else as
 * <ph type="x-verso-invalid">ESCAPED</ph>; a mark k >= ntags is written as
 * the character itself. VERSO_EINVAL when there is no tuv, a tuv has no
 * lang, or a date lies outside years 0001-9999. */
verso_err verso_tmx_write_tu(verso_buf *out, const verso_tmx_tu *tu);

/* The same with a header kept from a file (verso_tmx_reader_header) in
 * place of the generated one. VERSO_EINVAL when header is empty or not a
 * valid kept header (verso_tmx_kept_valid): write a generated one then. */
verso_err verso_tmx_write_header_kept(verso_buf *out, verso_tmx_str header);

/* </body></tmx>. */
verso_err verso_tmx_write_footer(verso_buf *out);

/* ---- kept XML (tmx_kept.c): what the reader keeps beyond the fields ---- */

/* True when a is an attribute string as the reader makes them: at most
 * VERSO_TMX_MAX_ATTRS ' name="v"' items, valid UTF-8, names of XML name
 * characters, each name once, values without '"', '<' or C0 controls, '&'
 * only in an entity or a reference to an XML character. Empty is valid. */
bool verso_tmx_attrs_valid(verso_tmx_str a);

/* Walks a valid attribute string: the attribute at *i (start at 0), its
 * name and value (still escaped); false at the end. */
bool verso_tmx_attrs_next(verso_tmx_str a, size_t *i, verso_tmx_str *name, verso_tmx_str *value);

/* The value (still escaped) of attribute name in a valid string a. */
bool verso_tmx_attr_get(verso_tmx_str a, const char *name, verso_tmx_str *value);

/* Appends the attributes of a except those named in skip[0..nskip); an
 * invalid a appends nothing. Errors: ENOMEM, ETOOBIG (out's cap). */
verso_err verso_tmx_put_attrs(verso_buf *out, verso_tmx_str a, const char *const *skip,
                              size_t nskip);

typedef enum verso_tmx_kept {
    VERSO_TMX_KEPT_BODY,  /* <note> and <prop> elements holding text */
    VERSO_TMX_KEPT_HEADER /* one <header>: note, prop, ude (holding map) inside */
} verso_tmx_kept;

/* True when xml is well-formed XML of that kind, and nothing else (no
 * comment, processing instruction, DOCTYPE, other element). Empty is valid. */
bool verso_tmx_kept_valid(verso_tmx_str xml, verso_tmx_kept kind);

/* A fingerprint of an entry's note, props, context and origin: taken when
 * a TU is imported and kept with it; when the entry's fields give the same
 * on export, the TU's kept notes and props still say what they say, and
 * are written back as they were (docs/TMX.md). */
uint64_t verso_tmx_fields_sig(verso_tmx_str note, const verso_tmx_prop *props, size_t nprops,
                              verso_tmx_str prev, verso_tmx_str next, verso_tmx_str origin);

/* How the tag marks of text[0..len) (UTF-8) agree with a tag list of
 * ntags items: every mark U+F0000 + k (k < VERSO_TMX_MAX_TAGS; the
 * noncharacters U+FFFFE and U+FFFFF are text) names an item, and every
 * item has a mark. *k: the first mark past the list (PAST), or the first
 * item without a mark (UNMARKED). */
typedef enum verso_tmx_marks {
    VERSO_TMX_MARKS_OK,
    VERSO_TMX_MARKS_PAST,
    VERSO_TMX_MARKS_UNMARKED,
    VERSO_TMX_MARKS_NOMEM
} verso_tmx_marks;
verso_tmx_marks verso_tmx_marks_check(const char *text, size_t len, size_t ntags, size_t *k);

/* True when s is a tag string the writer may emit verbatim: one well-formed
 * bpt/ept/ph/it/ut element whose children follow the TMX DTD (sub, and
 * inline elements and hi inside sub), or a <hi ...> start tag, or "</hi>".
 * No comments, processing instructions, DOCTYPE or surrounding space. */
bool verso_tmx_tag_valid(verso_tmx_str s);

#endif
