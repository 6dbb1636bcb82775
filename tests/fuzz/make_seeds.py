#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets and their dictionaries.

    tests/fuzz/make_seeds.py           # (re)writes tests/fuzz/seeds/<target>/ and *.dict
    tests/fuzz/make_seeds.py --check   # exit 1 when the committed files differ from these

Every seed is made here from made-up data, so that it can be reviewed and regenerated:
requests are packed by the small msgpack encoder below (not a library, so that each byte
is chosen: int widths, duplicate keys, declared lengths); MO catalogs are written in the
GNU layout by mo_catalog(). Nothing is copied from the machine (scripts/fuzz.sh may add
the system's catalogs as extra seeds at run time, outside the repository).

Targets and their input (tests/fuzz/fuzz_*.c): request, one request body; segment, a
first byte (bits 0-2 and 6-7 the language, bits 3-4 the paragraph mode auto line blank,
bit 5 plain ICU) and the text; mo, po, tmx, srx, a file; http, the JSON body of
POST /api/v1/lookup. Each seed stays under MAX_LEN, the -max_len of scripts/fuzz.sh.
Standard library only.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_LEN = 4096

# ---------------------------------------------------------------------------
# msgpack, by hand


class Raw(bytes):
    """Bytes placed in a packed object as they are."""


class Map:
    """A map from a list of (key, value) pairs: keeps order and repeated keys."""

    def __init__(self, pairs):
        self.pairs = list(pairs)


class Ext:
    def __init__(self, code, data):
        self.code, self.data = code, data


def _uint(n):
    if n < 0x80:
        return bytes([n])
    if n <= 0xFF:
        return b"\xcc" + struct.pack(">B", n)
    if n <= 0xFFFF:
        return b"\xcd" + struct.pack(">H", n)
    if n <= 0xFFFFFFFF:
        return b"\xce" + struct.pack(">I", n)
    return b"\xcf" + struct.pack(">Q", n)


def _int(n):
    if n >= 0:
        return _uint(n)
    if n >= -32:
        return struct.pack(">b", n)
    for tag, fmt in ((b"\xd0", ">b"), (b"\xd1", ">h"), (b"\xd2", ">i")):
        try:
            return tag + struct.pack(fmt, n)
        except struct.error:
            pass
    return b"\xd3" + struct.pack(">q", n)


def _len(n, fix, fixmax, tags):
    if fix is not None and n <= fixmax:
        return bytes([fix | n])
    for tag, fmt in tags:
        if n < 1 << (8 * struct.calcsize(fmt)):
            return tag + struct.pack(fmt, n)
    raise ValueError("too long")


def pack(o):
    """Packs o (None, bool, int, float, str, bytes, list, dict, Map, Ext, Raw)."""
    if isinstance(o, Raw):
        return bytes(o)
    if o is None:
        return b"\xc0"
    if o is True or o is False:
        return b"\xc3" if o else b"\xc2"
    if isinstance(o, int):
        return _int(o)
    if isinstance(o, float):
        return b"\xcb" + struct.pack(">d", o)
    if isinstance(o, str):
        b = o.encode("utf-8")
        return _len(len(b), 0xA0, 31, [(b"\xd9", ">B"), (b"\xda", ">H"), (b"\xdb", ">I")]) + b
    if isinstance(o, bytes):
        return _len(len(o), None, 0, [(b"\xc4", ">B"), (b"\xc5", ">H"), (b"\xc6", ">I")]) + o
    if isinstance(o, Ext):
        fixed = {1: b"\xd4", 2: b"\xd5", 4: b"\xd6", 8: b"\xd7", 16: b"\xd8"}
        head = fixed.get(len(o.data)) or _len(len(o.data), None, 0, [(b"\xc7", ">B"),
                                                                     (b"\xc8", ">H")])
        return head + struct.pack(">b", o.code) + o.data
    if isinstance(o, (list, tuple)):
        head = _len(len(o), 0x90, 15, [(b"\xdc", ">H"), (b"\xdd", ">I")])
        return head + b"".join(pack(x) for x in o)
    pairs = o.pairs if isinstance(o, Map) else list(o.items())
    head = _len(len(pairs), 0x80, 15, [(b"\xde", ">H"), (b"\xdf", ">I")])
    return head + b"".join(pack(k) + pack(v) for k, v in pairs)


def req(op, rid=None, **fields):
    """A protocol-1 request map: v, id (when given), op, then the op's fields."""
    pairs = [("v", 1)] + ([("id", rid)] if rid is not None else []) + [("op", op)]
    return pack(Map(pairs + list(fields.items())))


# ---------------------------------------------------------------------------
# request: one valid request per op (docs/PROTOCOL.md section 6), then hostile shapes

MARK0, MARK1 = "\U000F0000", "\U000F0001"  # tag marks of tags 0 and 1
# fuzz_request.c runs a backup only under this directory, which it maps to a
# private one of its own (same length); any other path is refused (EDENIED).
BACKUP_ROOT = "/tmp/verso-fuzz-SANDBX/backups"

ENTRY = {
    "src": "Click %sSave%s to keep your changes." % (MARK0, MARK1),
    "tgt": "Cliquez sur %sEnregistrer%s pour conserver vos modifications." % (MARK0, MARK1),
    "prev": "Edit the document.",
    "next": "Close the window.",
    "author": "marie",
    "note": "UI string, toolbar",
    "origin": "manual/ch02.xml",
    "src_tags": ['<bpt i="1" x="1">&lt;b&gt;</bpt>', '<ept i="1">&lt;/b&gt;</ept>'],
    "tgt_tags": ['<bpt i="1" x="1">&lt;b&gt;</bpt>', '<ept i="1">&lt;/b&gt;</ept>'],
    "props": [["x-client", "acme"], ["x-domain", "software"]],
    "created": 1700000000,
    "changed": 1700003600,
    "usage": 3,
}


def request_seeds():
    s = {}
    s["op-hello"] = req("hello", rid="abc")
    s["op-ping"] = req("ping", rid=7)
    s["op-stats"] = req("stats")
    s["op-segment"] = req("segment", rid=3, text="Dr. Smith left. He came back.", lang="en")
    s["op-segment-options"] = req(
        "segment", rid=4, text="Erster Satz, z. B. am 3. Oktober.\n\nZweiter Absatz! Ja?",
        lang="de-CH", paragraphs="blank", rules=True)
    s["op-segment-cjk"] = req("segment", rid=-5, text="你好。我很好！《中文》——对吗？",
                              lang="zh-Hant-TW", paragraphs="line", rules=False)
    s["op-tm_create"] = req("tm_create", rid=10, tm="legal-fr")
    s["op-tm_list"] = req("tm_list", rid=11)
    s["op-tm_delete"] = req("tm_delete", rid=12, tm="legal-fr")
    s["op-add"] = req("add", rid=13, tm="default", src_lang="en", tgt_lang="fr",
                      entries=[ENTRY, {"src": "Page 3 of 10", "tgt": "Page 3 sur 10"},
                               {"src": "Open the file.", "tgt": "Ouvrez le fichier.",
                                "note": None}],
                      on_conflict="keep_both")
    s["op-add-overwrite"] = req("add", rid=14, src_lang="en-GB", tgt_lang="zh-CN",
                                entries=[{"src": "Save the file.", "tgt": "保存文件。"}],
                                on_conflict="overwrite")
    s["op-get"] = req("get", rid=15, entry_id=1)
    s["op-update"] = req("update", rid=16, entry_id=1, tgt="Cliquez sur %sOK%s." % (MARK0, MARK1),
                         tgt_tags=["<ph x=\"1\"/>", "<ph x=\"2\"/>"], note="checked",
                         props=[["x-status", "final"]], used=1)
    s["op-delete"] = req("delete", rid=17, ids=[1, 2, 3, 2**40])
    s["op-lookup"] = req("lookup", rid=18, tm="default", src_lang="en", tgt_lang="fr",
                         segments=["Edit the document.", "Click Save to keep your changes!",
                                   "Page 4 of 12"],
                         min_score=50, max_results=3)
    s["op-lookup-text"] = req("lookup", rid=19, src_lang="fr", tgt_lang="en",
                              text="Ouvrez le fichier. Cliquez sur OK.", method="scan")
    s["op-export"] = req("export", rid=20, tm="default", after=0, limit=100)
    s["op-concordance"] = req("concordance", rid=21, lang="en", query="save FILE",
                              side="src", max_results=5)
    s["op-concordance-tgt"] = req("concordance", rid=22, tm="default", lang="zh-CN",
                                  query="文件", side="tgt")
    s["op-align"] = req("align", rid=23, src_lang="en", tgt_lang="fr",
                        src_segments=["Hello.", "How are you? I am fine."],
                        tgt_segments=["Bonjour.", "Comment allez-vous ?", "Je vais bien."])
    s["op-align-store"] = req(
        "align", rid=24, src_lang="de", tgt_lang="fr",
        src_text="Der Vertrag tritt am 1. Januar 2025 in Kraft. Er gilt 3 Jahre.",
        tgt_text="Le contrat entre en vigueur le 1er janvier 2025. Il vaut 3 ans.",
        store={"tm": "default", "min_confidence": 0.25, "origin": "contract-v2"},
        links_from="default")
    s["op-backup"] = req("backup", rid=25, path=BACKUP_ROOT + "/nightly")

    # Hostile shapes (the first three are those scripts/fuzz.sh used to write).
    s["bad-array32"] = b"\xdd\xff\xff\xff\xff"
    s["bad-nested"] = b"\x91" * 8 + b"\xc0"
    s["bad-utf8-op"] = b"\x82\xa1v\x01\xa2op\xa4p\xffng"
    deep = None
    for _ in range(17):  # one past the 16-level cap, inside a valid request
        deep = [deep]
    s["bad-depth-17"] = req("ping", x=deep)
    deep = None
    for _ in range(15):  # at the cap: the request map is level 1
        deep = {"k": deep}
    s["edge-depth-16"] = req("ping", x=deep)
    s["bad-depth-2000"] = b"\x91" * 2000 + b"\xc0"
    s["bad-str32-len"] = b"\x83\xa1v\x01\xa2op\xa7segment\xa4text\xdb\x7f\xff\xff\xffHi."
    s["bad-bin32-len"] = b"\x83\xa1v\x01\xa2op\xa4ping\xa1x\xc6\xff\xff\xff\xf0ab"
    s["bad-map32-count"] = b"\xdf\x00\x10\x00\x00\xa1v\x01\xa2op\xa4ping"
    s["bad-ext32-len"] = b"\x83\xa1v\x01\xa2op\xa4ping\xa1x\xc9\xff\xff\xff\xff\x01"
    s["bad-array16-count"] = req("delete", ids=Raw(b"\xdc\xff\xff\x01\x02"))
    s["bad-trailing"] = req("ping", rid=1) + b"\xc0"
    s["bad-empty"] = b""
    s["bad-not-map"] = pack(["v", 1, "op", "ping"])
    s["bad-str-body"] = pack("ping")
    s["bad-utf8-overlong"] = req("segment", text=Raw(b"\xa4\xc0\xaf\xe0\x80"), lang="en")
    s["bad-utf8-surrogate"] = req("segment", text=Raw(b"\xa6a\xed\xa0\x80bc"), lang="en")
    s["bad-utf8-too-big"] = req("lookup", src_lang="en", tgt_lang="fr",
                                segments=[Raw(b"\xa4\xf4\x90\x80\x80")])
    s["bad-utf8-truncated"] = req("concordance", lang="en", query=Raw(b"\xa3ab\xe2"))
    s["bad-utf8-key"] = pack(Map([("v", 1), ("op", "ping"), (Raw(b"\xa2\xc3\x28"), 1)]))
    s["bad-utf8-id"] = pack(Map([("v", 1), ("id", Raw(b"\xa2\xff\xfe")), ("op", "ping")]))
    s["bad-v-str"] = pack(Map([("v", "1"), ("op", "ping")]))
    s["bad-v-negative"] = pack(Map([("v", -1), ("op", "ping")]))
    s["bad-v-2"] = pack(Map([("v", 2), ("op", "ping")]))
    s["bad-v-u64"] = pack(Map([("v", Raw(b"\xcf\x00\x00\x00\x00\x00\x00\x00\x01")),
                               ("op", Raw(b"\xd9\x04ping"))]))
    s["bad-id-float"] = pack(Map([("v", 1), ("id", 1.5), ("op", "ping")]))
    s["bad-id-map"] = pack(Map([("v", 1), ("id", {"a": 1}), ("op", "ping")]))
    s["bad-id-257"] = pack(Map([("v", 1), ("id", "i" * 257), ("op", "ping")]))
    s["bad-op-int"] = pack(Map([("v", 1), ("op", 3)]))
    s["bad-op-bin"] = pack(Map([("v", 1), ("op", b"ping")]))
    s["bad-op-unknown"] = req("fly", rid=1)
    s["bad-op-missing"] = pack(Map([("v", 1), ("id", 2)]))
    s["bad-op-twice"] = pack(Map([("v", 1), ("op", "ping"), ("op", "tm_delete"),
                                  ("tm", "default")]))
    s["bad-key-int"] = pack(Map([("v", 1), ("op", "ping"), (5, "x"), (None, None)]))
    s["bad-entries-map"] = req("add", src_lang="en", tgt_lang="fr", entries={"src": "a"})
    s["bad-entry-types"] = req("add", src_lang="en", tgt_lang="fr",
                               entries=[{"src": "", "tgt": 5}, {"src": "a", "tgt": "b",
                                                                "src_tags": "x",
                                                                "props": [["a"]],
                                                                "usage": -1}])
    s["bad-segments-int"] = req("lookup", src_lang="en", tgt_lang="fr", segments=["a", 1, None])
    s["bad-lookup-both"] = req("lookup", src_lang="en", tgt_lang="fr", segments=["a"], text="a",
                               min_score=500, max_results=0)
    s["bad-lang-long"] = req("segment", text="Hi.", lang="en-" + "a" * 70)
    s["bad-lang-chars"] = req("segment", text="Hi.", lang="en_US")
    s["bad-lang-variant"] = req("segment", text="Hi.", lang="de-1996-1996")
    s["bad-paragraphs"] = req("segment", text="Hi.", lang="x-foo", paragraphs="page",
                              rules="yes")
    s["bad-tm-name"] = req("tm_create", tm="a\x00b")
    s["bad-tm-default"] = req("tm_delete", tm="default")
    s["bad-update-tags-only"] = req("update", entry_id=-3, src_tags=["<ph/>"], used=-1)
    s["bad-delete-ids"] = req("delete", ids=[1, -2, "3", 1.0])
    s["bad-export-limit"] = req("export", after=-1, limit=10001)
    s["bad-concordance-nowords"] = req("concordance", lang="en", query="... " + MARK0,
                                       side="both", max_results=1001)
    s["bad-align-both"] = req("align", src_lang="en", tgt_lang="fr", src_text="a",
                              src_segments=["a"], tgt_segments=[1],
                              store={"min_confidence": 2, "origin": 7})
    s["bad-backup-relative"] = req("backup", path="backups/x")
    s["bad-backup-escape"] = req("backup", path=BACKUP_ROOT + "/../../../etc/verso")
    s["extra-fields"] = pack(Map([("v", 1), ("id", 99), ("op", "ping"), ("future", [1, 2.5]),
                                  ("nil", None), ("bin", b"\x00\x01"),
                                  ("ext", Ext(5, b"abcd")), ("ts", Ext(-1, b"\x00" * 8))]))
    s["extra-nil-fields"] = req("lookup", tm=None, src_lang="en", tgt_lang="fr",
                                segments=["Hello"], text=None, min_score=None)
    s["int-encodings"] = pack(Map([("v", Raw(b"\xcd\x00\x01")), ("id", Raw(b"\xd3" + b"\xff" * 8)),
                                   ("op", Raw(b"\xda\x00\x03get")),
                                   ("entry_id", Raw(b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff"))]))
    s["many-objects"] = req("delete", ids=[0] * 1000)
    return s


# ---------------------------------------------------------------------------
# segment: a mode byte, then the text

LANGS = ["en", "de", "fr", "zh", "ja", "ru", "es", "xx"]
MODES = ["auto", "line", "blank"]


def seg(lang, text, mode="auto", icu=False):
    b = LANGS.index(lang) | MODES.index(mode) << 3 | (0x20 if icu else 0)
    return bytes([b]) + (text if isinstance(text, bytes) else text.encode("utf-8"))


def segment_seeds():
    s = {}
    # The three of scripts/fuzz.sh.
    s["en"] = seg("en", 'Dr. Smith met J. R. Doe at 5 p.m. He left... "Why?" she asked.')
    s["zh"] = seg("zh", "你好。《中！》")
    s["list"] = seg("en", "1) one 2) two\n\nthree . . . . Four \u2022 five   six", mode="line")
    s["en-abbrev"] = seg("en", "The U.S.A. and the U.K. signed it, i.e. both did. "
                               "Mr. and Mrs. Jones (Ph.D.) arrived at 9 a.m. on Jan. 5. "
                               "See p. 12, fig. 3, e.g. the no. 7 etc. It cost $3.50 vs. "
                               "$4.20. Version 1.2.3 is out.")
    s["en-quotes"] = seg("en", "He said, \u201cStop. Now.\u201d Then: 'Why?' she asked. "
                               "\"It's done!\" (Really.) [Yes.] \u2018Fine\u2019, he said.")
    s["en-lists"] = seg("en", "Steps:\n1. Open the file.\n2. Click Save.\na) first\nb) "
                              "second\n\u2022 bullet one\n- dash item\n* star item\n"
                              "iv. roman item\n(3) third", mode="line")
    s["en-blank"] = seg("en", "A hard-wrapped\nparagraph that goes\non. It ends here.\n\n"
                              "Second paragraph\r\nwith CRLF.\r\n\r\nThird\u2028line "
                              "sep.\u2029Para sep.\x85Next line.", mode="blank")
    s["en-urls"] = seg("en", "Mail a.b@example.com or see https://example.org/a.b?c=d. "
                             "Pi is 3.14159. The file is report.final.pdf. Call 555.1234.")
    s["en-ellipsis"] = seg("en", "Wait\u2026 what?! No!!! Really?? Yes\u2026. Ok . . . fine.")
    s["en-icu"] = seg("en", "Dr. Who? Mr. Smith. St. Louis is big. Inc. reported.", icu=True)
    s["en-whitespace"] = seg("en", " \t\u00a0\u3000\u2003 \n \r\n ")
    s["de-abbrev"] = seg("de", "Das ist z. B. am 3. Oktober 2024 passiert. Nr. 5 kam ca. "
                               "um 10 Uhr, d. h. sp\u00e4t. Die Dr.-Ing. Meyer GmbH & Co. KG "
                               "zahlt 1.000,50 \u20ac. \u201eWarum?\u201c, fragte er.")
    s["fr-quotes"] = seg("fr", "M. Dupont a dit\u00a0: \u00ab\u00a0Bonjour\u00a0! "
                               "Comment allez-vous\u00a0?\u00a0\u00bb Puis il est parti\u2026 "
                               "Mme Martin, cf. p. 4, etc. Le 1er janvier.", mode="blank")
    s["ja"] = seg("ja", "\u3053\u3093\u306b\u3061\u306f\u3002\u300c\u5143\u6c17\u3067\u3059"
                        "\u304b\uff1f\u300d\u3068\u805e\u3044\u305f\u3002\uff08\u306f\u3044"
                        "\u3002\uff09\u30ab\u30bf\u30ab\u30ca\uff01\uff01\u7d42\u308f\u308a")
    s["zh-mixed"] = seg("zh", "\u4e2d\u6587\uff0cEnglish mixed\u3002\u201c\u5f15\u53f7"
                              "\u3002\u201d\u7b2c\u4e8c\u53e5\uff1f\u7b2c\u4e09\u53e5\uff01"
                              "\u7248\u672c 2.0 \u53d1\u5e03\u3002\n\n\u65b0\u6bb5\u843d\u3002",
                        mode="blank")
    s["ru-abbrev"] = seg("ru", "\u042d\u0442\u043e \u0442. \u0435. \u043f\u0440\u0438\u043c"
                               "\u0435\u0440. \u0412 2024 \u0433. \u043e\u043d \u0443\u0448"
                               "\u0435\u043b. \u00ab\u041f\u043e\u0447\u0435\u043c\u0443?"
                               "\u00bb \u2014 \u0441\u043f\u0440\u043e\u0441\u0438\u043b"
                               " \u043e\u043d.")
    s["es-inverted"] = seg("es", "\u00bfQu\u00e9 tal? \u00a1Muy bien! El Sr. Garc\u00eda y "
                                 "la Sra. L\u00f3pez llegaron a las 5 p. m. Ud. sabe.")
    s["xx-scripts"] = seg("xx", "\u0645\u0631\u062d\u0628\u0627. \u0643\u064a\u0641 "
                                "\u062d\u0627\u0644\u0643\u061f \u05e9\u05dc\u05d5\u05dd. "
                                "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a "
                                "\u0e44\u0e1b\u0e44\u0e2b\u0e19 \u0928\u092e\u0938\u094d\u0924"
                                "\u0947\u0964 \u0915\u094d\u092f\u093e?")
    s["xx-emoji-nfd"] = seg("xx", "Cafe\u0301 is open\U0001F600. Family \U0001F468\u200d"
                                  "\U0001F469\u200d\U0001F467 here! Tag\U000F0000mark"
                                  "\U000F0001. Ok.", mode="line")
    s["en-bad-utf8"] = seg("en", b"Bad \xc3\x28 byte. Next \xed\xa0\x80 one. "
                                 b"Cut \xe2\x82 off. Over \xf4\x90\x80\x80. End\xff.")
    s["en-controls"] = seg("en", "NUL\x00inside. Tab\tand\vvertical\fform. Bell\x07. "
                                 "\ufeffBOM first. Soft\u00adhyphen.", mode="line")
    return s


# ---------------------------------------------------------------------------
# mo: GNU gettext MO catalogs, written here


def _hashpjw(s):
    """gettext's string hash (hash-string.c: up to the first NUL, in an unsigned long)."""
    h = 0
    for c in s.split(b"\0")[0]:
        h = ((h << 4) + c) & 0xFFFFFFFFFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
            h ^= g
    return h


def _next_prime(n):
    n = max(n, 3) | 1
    while any(n % d == 0 for d in range(3, int(n ** 0.5) + 1, 2)):
        n += 2
    return n


def mo_catalog(entries, big_endian=False, hash_table=True, revision=0):
    """An MO file of (msgid, msgstr) byte pairs: the header entry is the one with msgid
    b"", contexts are b"ctx\\x04id", plurals b"one\\x00many" on both sides. Sorted by
    msgid as msgfmt does, with gettext's hash table (or none)."""
    e = sorted(entries)
    n = len(e)
    end = ">" if big_endian else "<"
    size = _next_prime(n * 4 // 3) if hash_table else 0
    orig_at = 28
    trans_at = orig_at + 8 * n
    hash_at = trans_at + 8 * n
    strings_at = hash_at + 4 * size
    blob, otab, ttab = b"", [], []
    for col, tab in ((0, otab), (1, ttab)):
        for pair in e:
            s = pair[col]
            tab.append((len(s), strings_at + len(blob)))
            blob += s + b"\0"
    slots = [0] * size
    for i, (msgid, _) in enumerate(e):
        if not size:
            break
        h = _hashpjw(msgid)
        idx, inc = h % size, 1 + h % (size - 2)
        while slots[idx]:
            idx = (idx + inc) % size
        slots[idx] = i + 1
    out = struct.pack(end + "7I", 0x950412DE, revision, n, orig_at, trans_at, size, hash_at)
    out += b"".join(struct.pack(end + "2I", ln, off) for ln, off in otab + ttab)
    out += b"".join(struct.pack(end + "I", x) for x in slots)
    return out + blob


HEADER = (b"", b"Project-Id-Version: demo 1.0\nLanguage: fr\nMIME-Version: 1.0\n"
               b"Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
               b"Plural-Forms: nplurals=2; plural=(n > 1);\n")
MO_ENTRIES = [
    HEADER,
    (b"Open", b"Ouvrir"),
    (b"Save the file?", "Enregistrer le fichier\u00a0?".encode()),
    (b"%d file\0%d files", b"%d fichier\0%d fichiers"),
    (b"menu\x04Quit", b"Quitter"),
    (b"Untranslated", b""),
    (b"Line one\nLine two", "Ligne un\nLigne deux \u2014 fin".encode()),
]


def mo_seeds():
    s = {}
    s["header-only"] = (b"\xde\x12\x04\x95\x00\x00\x00\x00\x01\x00\x00\x00"
                        b"\x1c\x00\x00\x00\x24\x00\x00\x00")  # the one of scripts/fuzz.sh
    s["le-hash"] = mo_catalog(MO_ENTRIES)
    s["be-hash"] = mo_catalog(MO_ENTRIES, big_endian=True)
    s["le-nohash"] = mo_catalog(MO_ENTRIES, hash_table=False)
    s["be-nohash-rev1"] = mo_catalog(MO_ENTRIES, big_endian=True, hash_table=False, revision=1)
    s["zh-plural"] = mo_catalog([
        (b"", b"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"),
        (b"%d item\0%d items", "%d \u4e2a\u9879\u76ee".encode()),
        (b"dialog\x04Cancel", "\u53d6\u6d88".encode()),
        (b"Cancel", "\u53d6\u6d88(_C)".encode()),
    ])
    s["empty"] = mo_catalog([])
    good = mo_catalog(MO_ENTRIES)
    s["bad-offset"] = good[:32] + struct.pack("<I", 0xFFFFFFF0) + good[36:]
    s["bad-count"] = good[:8] + struct.pack("<I", 0x40000000) + good[12:]
    s["bad-truncated"] = good[:len(good) // 2]
    s["bad-magic"] = b"\x95\x04\x12\xdf" + good[4:]
    return s


# ---------------------------------------------------------------------------
# po

PO_HEADER = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
             '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n')


def po_seeds():
    s = {}
    s["entries"] = (b'#, fuzzy\nmsgctxt "c"\nmsgid "a\\n"\n"b"\nmsgid_plural "p"\n'
                    b'msgstr[0] "x\\"y"\nmsgstr[1] "z"\n\nmsgid "q"\nmsgstr "r"\n')
    s["catalog"] = (PO_HEADER +
                    '# Translator comment\n#. Extracted comment\n#: src/main.c:42\n'
                    '#, c-format\nmsgid "Save %s?"\nmsgstr "Enregistrer %s\u00a0?"\n\n'
                    'msgctxt "menu"\nmsgid "Quit"\nmsgstr "Quitter"\n\n'
                    'msgid "%d file"\nmsgid_plural "%d files"\nmsgstr[0] "%d fichier"\n'
                    'msgstr[1] "%d fichiers"\n\n'
                    'msgid ""\n"Long text "\n"on two lines.\\n"\nmsgstr ""\n'
                    '"Texte long "\n"sur deux lignes.\\n"\n\n'
                    '#| msgid "Old"\nmsgid "New"\nmsgstr "Nouveau"\n\n'
                    '#~ msgid "Obsolete"\n#~ msgstr "Obsol\u00e8te"\n\n'
                    'msgid "Untranslated"\nmsgstr ""\n').encode()
    s["escapes"] = (b'msgid "tab\\there \\"q\\" back\\\\slash \\a\\b\\f\\v\\r \\\' \\?"\n'
                    b'msgstr "ok"\n\nmsgid "bad \\x41 escape"\nmsgstr "x"\n\n'
                    b'msgid "unterminated\nmsgstr "y"\n\nmsgid "after" junk\nmsgstr "z"\n\n'
                    b'msgid "last"\nmsgstr "fin"')
    s["crlf-cjk"] = ('msgid "File"\r\nmsgstr "\u6587\u4ef6"\r\n\r\n'
                     'msgid "Open the file."\r\nmsgstr "\u30d5\u30a1\u30a4\u30eb\u3092\u958b'
                     '\u304f\u3002"\r\n\r\n  msgid   "indented"\r\n\tmsgstr "\u7f29\u8fdb"\r\n'
                     ).encode()
    s["broken"] = (b'"orphan string"\nmsgstr "no id"\n\nmsgid\nmsgstr[0] "x"\n\n'
                   b'msgid "a"\nmsgstr[ "b"\n\nmsgid "dup"\nmsgid "dup2"\nmsgstr "d"\n\n'
                   b'msgid "bad utf8 \xc3\x28"\nmsgstr "\xff"\n\nmsgid "nul\x00x"\nmsgstr "n"\n'
                   b'msgid "no blank line"\nmsgstr "next"\n#, fuzzy, c-format\n'
                   b'msgid "fz"\nmsgstr "skipped"\nnot a keyword\n')
    s["header-only"] = PO_HEADER.encode()
    return s


# ---------------------------------------------------------------------------
# tmx

TMX_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">'
            '<header srclang="en"/><body>\n')


def tmx_seeds():
    s = {}
    # The five of scripts/fuzz.sh.
    s["tags"] = (TMX_HEAD +
                 '<tu tuid="1" creationdate="20240229T235959Z" usagecount="3"><note>n</note>'
                 '<prop type="t">v</prop>\n<tuv xml:lang="en"><seg>A <bpt i="1" x="1">'
                 '&lt;b&gt;</bpt>b<ept i="1">&lt;/b&gt;</ept> <hi x="2">c<ph/></hi> '
                 '<ph type="x-verso-char">01</ph></seg></tuv>\n<tuv xml:lang="fr"><seg>B '
                 '<it pos="begin">x<sub>s<ph x="3">y</ph></sub></it> &amp;&#13;'
                 '<![CDATA[<c>]]></seg></tuv></tu>\n</body></tmx>\n').encode()
    s["broken"] = (TMX_HEAD.encode() +
                   b'<tu><tuv lang="en"><seg>bad \xc3\x28 \xf3\xb0\x80\x80</seg></tuv></tu>\n'
                   b'<tu> <<x>> </tu><tuple/><tu><tuv xml:lang="de"><seg>ok</seg></tuv></tu>\n'
                   b'</body></tmx>junk')
    s["entities"] = (b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "aaaa"><!ENTITY b '
                     b'"&a;&a;">]><tmx><body><tu><tuv xml:lang="en"><seg>&b;</seg></tuv></tu>'
                     b'</body></tmx>')
    s["utf16le"] = (b"\xff\xfe" + '<tmx><body><tu><tuv lang="en"><seg>'.encode("utf-16-le") +
                    b"=\xd8\x00\xde" + "</seg>".encode("utf-16-le"))
    full = ('<?xml version="1.0" encoding="UTF-16"?>\n<tmx version="1.4"><header '
            'creationtool="demo" srclang="en" datatype="plaintext" segtype="sentence" '
            'adminlang="en" o-tmf="x"/><body>\n<tu tuid="zh-1" srclang="en" '
            'creationid="li" changeid="wang" changedate="20231231T120000Z">'
            '<prop type="x-domain">ui</prop><tuv xml:lang="en"><seg>Save the '
            '<ph x="1">&lt;br/&gt;</ph>file.</seg></tuv><tuv xml:lang="zh-CN"><seg>'
            '\u4fdd\u5b58<ph x="1">&lt;br/&gt;</ph>\u6587\u4ef6\u3002\U00020000</seg></tuv>'
            '<tuv xml:lang="ja"><seg>\u30d5\u30a1\u30a4\u30eb\u3092\u4fdd\u5b58\u3002</seg>'
            '</tuv></tu>\n</body></tmx>\n')
    s["utf16le-cjk"] = b"\xff\xfe" + full.encode("utf-16-le")
    s["utf16be-cjk"] = b"\xfe\xff" + full.encode("utf-16-be")
    s["utf8-bom-multi"] = b"\xef\xbb\xbf" + (
        '<?xml version="1.0" encoding="utf-8"?>\n<!-- exported -->\n<?pi data?>\n'
        '<tmx version="1.4"><header srclang="*all*"><note>header note</note>'
        '<prop type="x-h">hv</prop></header><body>\n'
        "<tu tuid='q' creationdate='19700101T000000Z' usagecount='18446744073709551615'>"
        '<note>first</note><note>second</note><prop type="x-a">1</prop>'
        '<prop type="x-a">2</prop>\n  <tuv xml:lang="de-DE"><seg>Gr\u00fc\u00dfe '
        '&#x4E2D;&#20013;&quot;&apos;</seg></tuv>\n  <tuv xml:lang="fr"><seg>  '
        'espaces  </seg></tuv>\n  <tuv xml:lang="ar"><seg>\u0645\u0631\u062d\u0628\u0627'
        '</seg></tuv>\n  <tuv xml:lang="en"><seg><ut>{1}</ut>x<hi type="b">'
        '<hi x="9">deep</hi></hi><bpt i="2">&lt;i&gt;</bpt></seg></tuv>\n</tu>\n'
        '</body></tmx>\n').encode()
    s["problems"] = (TMX_HEAD +
                     '<tu></tu>\n<tu><tuv><seg>no lang</seg></tuv></tu>\n'
                     '<tu><tuv xml:lang="en"></tuv></tu>\n'
                     '<tu><tuv xml:lang="en"><seg>a</seg><seg>b</seg></tuv></tu>\n'
                     '<tu creationdate="2024-13-45" changedate="x" usagecount="-4">'
                     '<tuv xml:lang="en"><seg></seg></tuv><tuv xml:lang="en"><seg>dup</seg>'
                     '</tuv></tu>\n<tu><tuv xml:lang="en"><seg>&#0; &#xD800; &#xFFFE; '
                     '\U000F0005 <ph type="x-verso-char">zz</ph><ph type="x-verso-char">0a'
                     '</ph><ph type="x-verso-char">1F</ph></seg></tuv></tu>\n'
                     '</body></tmx>\n').encode()
    s["tmx11-nohead"] = ('<tmx version="1.1"><body><tu><tuv lang="EN-US"><seg>One</seg>'
                         '</tuv><tuv lang="FR-CA"><seg>Un</seg></tuv></tu><tu><tuv lang="en">'
                         '<seg>Two</seg></tuv><tuv lang="fr"><seg>Deux').encode()
    s["latin1-decl"] = (b'<?xml version="1.0" encoding="ISO-8859-1"?><tmx><body><tu>'
                        b'<tuv xml:lang="en"><seg>caf\xe9</seg></tuv><tuv xml:lang="fr">'
                        b'<seg>\xe9t\xe9</seg></tuv></tu></body></tmx>')
    s["nested-unknown"] = (TMX_HEAD +
                           '<tu><tuv xml:lang="en"><seg><x-custom a="1">in<b>b</b></x-custom>'
                           '<sub>sub outside</sub><ph><sub><ph><sub>deep</sub></ph></sub></ph>'
                           '</seg></tuv><tuv xml:lang="fr"><seg>' + '<ph/>' * 40 +
                           '</seg></tuv></tu>\n</body></tmx>\n').encode()
    # attribute names beyond ASCII, kept and written back (a fuzzer finding)
    s["nonascii-attr"] = (TMX_HEAD + '<tu tuid="x" s\u7475clang="en" d\u00e9="1"><tuv '
                          'xml:lang="en" \u00e9t\u00e9="2"><seg>A</seg></tuv><tuv xml:lang="fr">'
                          '<seg>B</seg></tuv></tu>\n</body></tmx>\n').encode()
    # every TMX 1.4b element and attribute: the kept XML (docs/TMX.md)
    with open(os.path.join(HERE, "..", "data", "tmx", "full.tmx"), "rb") as f:
        s["full-feature"] = f.read()
    return s


# ---------------------------------------------------------------------------
# dictionaries (libFuzzer -dict format: name="value", \xNN escapes)


# ---------------------------------------------------------------------------
# srx

SRX_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<srx xmlns="http://www.lisa.org/srx20" version="2.0">'


def _srx(header, rules, maps):
    return ("%s<header %s/><body><languagerules>%s</languagerules><maprules>%s</maprules>"
            "</body></srx>\n" % (SRX_HEAD, header, rules, maps)).encode()


def srx_seeds():
    s = {}
    stops = ('<languagerule languagerulename="Stops">'
             '<rule break="no"><beforebreak>\\bDr\\.</beforebreak><afterbreak>\\s</afterbreak></rule>'
             '<rule break="yes"><beforebreak>[\\.\\?!]+</beforebreak><afterbreak>\\s</afterbreak>'
             '</rule><rule><beforebreak>^\\s*\\p{Nd}+[\\.\\)]\\s+</beforebreak>'
             '<afterbreak>\\p{Lu}</afterbreak></rule></languagerule>')
    cjk = ('<languagerule languagerulename="CJK"><rule break="no"><beforebreak>[。？！]</beforebreak>'
           '<afterbreak>[”」）]</afterbreak></rule><rule><beforebreak>[。？！]</beforebreak>'
           '<afterbreak>.</afterbreak></rule></languagerule>')
    maps = ('<languagemap languagepattern="ZH.*" languagerulename="CJK"/>'
            '<languagemap languagepattern=".*" languagerulename="Stops"/>')
    s["cascade"] = _srx('segmentsubflows="yes" cascade="yes"', stops + cjk, maps)
    s["first"] = _srx('segmentsubflows="no" cascade="no"', stops + cjk, maps)
    s["omitted"] = _srx("", stops, '<languagemap languagepattern=".*" languagerulename="Stops"/>')
    s["empty-parts"] = _srx('cascade="yes"', '<languagerule languagerulename="E"><rule/>'
                            '<rule break="no"><afterbreak>x</afterbreak></rule></languagerule>',
                            '<languagemap languagepattern="(?i)e.+" languagerulename="E"/>')
    s["bad-regex"] = _srx('cascade="yes"', '<languagerule languagerulename="B"><rule>'
                          '<beforebreak>[a-</beforebreak></rule></languagerule>', "")
    s["unknown-map"] = _srx('cascade="yes"', stops,
                            '<languagemap languagepattern=".*" languagerulename="Nope"/>')
    s["v1"] = b'<srx version="1.0"><header/><body/></srx>'
    return s


def srx_dict():
    words = ['<srx version="2.0">', '<header cascade="yes"/>', 'segmentsubflows="no"',
             '<languagerule languagerulename="A">', '</languagerule>', '<rule break="no">',
             '<beforebreak>', '</beforebreak>', '<afterbreak>', '</afterbreak>', '</rule>',
             '<languagemap languagepattern=".*" languagerulename="A"/>', '<maprules>',
             '(?=', '(?<=', '\\p{Lu}', '[\\.!?]+', '\\s', '\\b', '(a+)+', '{1,99}', '^', '$']
    lines = ["# libFuzzer dictionary for fuzz_srx: SRX 2.0 elements and ICU regex pieces"]
    lines += ["%s" % _dict_value(w.encode()) for w in words]
    return "\n".join(lines) + "\n"


def _dict_value(b):
    out = ""
    for c in b:
        ch = chr(c)
        if ch in '"\\':
            out += "\\" + ch
        else:
            out += ch if 0x20 <= c < 0x7F else "\\x%02x" % c
    return '"%s"' % out


def request_dict():
    lines = ["# libFuzzer dictionary for fuzz_request: protocol keys, ops and values as",
             "# msgpack strings, and msgpack type bytes. Written by make_seeds.py."]
    base = [("k_v", pack("v")), ("k_id", pack("id")), ("k_op", pack("op")),
            ("op_ping", pack("ping")), ("op_hello", pack("hello")), ("op_stats", pack("stats")),
            ("map3", b"\x83"), ("array32", b"\xdd"), ("map32", b"\xdf"), ("str8", b"\xd9"),
            ("bin8", b"\xc4"), ("ext8", b"\xc7")]
    ops = ["segment", "tm_create", "tm_list", "tm_delete", "add", "get", "update", "delete",
           "lookup", "export", "concordance", "align", "backup"]
    keys = ["tm", "text", "lang", "paragraphs", "rules", "src_lang", "tgt_lang", "entries",
            "on_conflict", "src", "tgt", "prev", "next", "author", "note", "origin",
            "src_tags", "tgt_tags", "props", "created", "changed", "usage", "entry_id", "used",
            "ids", "segments", "min_score", "max_results", "method", "after", "limit", "side",
            "query", "src_text", "tgt_text", "src_segments", "tgt_segments", "store",
            "min_confidence", "links_from", "path"]
    values = ["default", "en", "fr", "zh-CN", "auto", "line", "blank", "keep_both",
              "overwrite", "skip", "index", "scan", "tgt", MARK0, BACKUP_ROOT + "/"]
    base += [("op_" + o, pack(o)) for o in ops]
    base += [("k_" + k, pack(k)) for k in keys]
    base += [("s_%d" % i, pack(v)) for i, v in enumerate(values)]
    base += [("u64", b"\xcf"), ("i64", b"\xd3"), ("f64", b"\xcb"), ("str32", b"\xdb"),
             ("bin32", b"\xc6"), ("ext32", b"\xc9"), ("fixext8", b"\xd7"), ("nil", b"\xc0"),
             ("true", b"\xc3"), ("array16", b"\xdc"), ("map16", b"\xde"), ("negfix", b"\xff"),
             ("bad_utf8", b"\xed\xa0\x80")]
    return "\n".join(lines + ["%s=%s" % (n, _dict_value(v)) for n, v in base]) + "\n"


def tmx_dict():
    words = ['<tu', '</tu>', '<tuv xml:lang="en">', '<seg>', '</seg>', '<bpt i="1">', '</bpt>',
             '<ept>', '<ph/>', '<it>', '<ut>', '<hi>', '</hi>', '<sub>', '<prop type="t">',
             '<note>', '<ph type="x-verso-char">', '<![CDATA[', ']]>', '&#13;', '&amp;',
             '<!ENTITY', '<!DOCTYPE']
    raw = [b"\xf3\xb0\x80\x80", b"\xef\xb7\x90", b"\xff\xfe"]
    words2 = ['encoding="UTF-16"', 'creationdate="20240229T235959Z"', '<?xml version="1.0"?>',
              '<tmx version="1.4">', '<header srclang="en"/>', '<body>', '</body></tmx>',
              '</tuv>', '<tuv lang="fr">', 'xml:lang=', 'srclang=', 'tuid=', 'changedate=',
              'changeid=', 'creationid=', 'usagecount=', '</prop>', '</note>', '&lt;', '&#x',
              '<!--', '-->', 'x-verso-char']
    raw2 = [b"\xfe\xff", b"\xef\xbb\xbf", "<".encode("utf-16-le"), "\u4e2d".encode()]
    vals = [w.encode() for w in words] + raw + [w.encode() for w in words2] + raw2
    lines = ["# libFuzzer dictionary for fuzz_tmx: TMX 1.4b elements, attributes and",
             "# encodings. Written by make_seeds.py."]
    return "\n".join(lines + [_dict_value(v) for v in vals]) + "\n"


def http_seeds():
    """Bodies of POST /api/v1/lookup (fuzz_http.c)."""
    return {
        "lookup": '{"src_lang": "en", "tgt_lang": "fr", "segments": ["Open the file."], '
                  '"min_score": 50, "max_results": 3}',
        "empty": "",
        "empty-object": "{}",
        "text": '{"src_lang": "en", "tgt_lang": "zh-CN", "text": "One. Two!", "rules": "verso"}',
        "types": '{"a": [1, -2, 3.5, 1e300, true, false, null, "\\u00e9\\ud83d\\ude00"], '
                 '"b": {"c": {}}}',
        "envelope-field": '{"op": "stats", "src_lang": "en"}',
        "not-object": '[1, 2, 3]',
        "deep": "[" * 40 + "]" * 40,
        "bad-utf8": b'{"text": "\xff\xfe"}',
        "duplicate": '{"a": 1, "a": 2}',
        "big-int": '{"n": 18446744073709551615, "m": -9223372036854775808}',
    }


def http_dict():
    words = ['{', '}', '[', ']', ':', ',', '"', 'true', 'false', 'null', '\\u', '\\"',
             '"src_lang"', '"tgt_lang"', '"segments"', '"text"', '"min_score"', '"max_results"',
             '"tm"', '"rules"', '"timeout_ms"', '"v"', '"id"', '"op"', '1e999', '-0', '0.5']
    lines = ["# libFuzzer dictionary for fuzz_http: JSON and lookup's fields.",
             "# Written by make_seeds.py."]
    return "\n".join(lines + [_dict_value(w.encode()) for w in words]) + "\n"


# ---------------------------------------------------------------------------


def outputs():
    """{path relative to tests/fuzz: bytes}, everything this script writes."""
    files = {}
    for target, make in (("request", request_seeds), ("segment", segment_seeds),
                         ("mo", mo_seeds), ("po", po_seeds), ("tmx", tmx_seeds),
                         ("srx", srx_seeds), ("http", http_seeds)):
        for name, data in make().items():
            data = data if isinstance(data, bytes) else data.encode()
            if len(data) >= MAX_LEN:
                raise SystemExit("seed %s/%s is %d bytes (max %d)" % (target, name, len(data),
                                                                       MAX_LEN - 1))
            files[os.path.join("seeds", target, name)] = data
    files["request.dict"] = request_dict().encode()
    files["tmx.dict"] = tmx_dict().encode()
    files["srx.dict"] = srx_dict().encode()
    files["http.dict"] = http_dict().encode()
    return files


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check:
        raise SystemExit(__doc__)
    want = outputs()
    seeds = os.path.join(HERE, "seeds")
    have = set()
    for d, _, names in os.walk(seeds):
        have |= {os.path.relpath(os.path.join(d, n), HERE) for n in names}
    stale = sorted(have - set(want))
    differ = []
    for rel, data in sorted(want.items()):
        path = os.path.join(HERE, rel)
        try:
            with open(path, "rb") as f:
                same = f.read() == data
        except FileNotFoundError:
            same = False
        if same:
            continue
        differ.append(rel)
        if not check:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
    if check:
        for rel in differ + stale:
            print("make_seeds: %s is not what make_seeds.py writes" % rel, file=sys.stderr)
        sys.exit(1 if differ or stale else 0)
    for rel in stale:
        os.remove(os.path.join(HERE, rel))
    print("make_seeds: %d files, %d written, %d stale removed" % (len(want), len(differ),
                                                                   len(stale)))


if __name__ == "__main__":
    main()
