"""Integration test for versod's wire protocol, version 1.

Written from docs/PROTOCOL.md alone (no server source was consulted), to show that
the document is enough to write a client. Usage:

    /usr/bin/python3 tests/integration/test_protocol.py /path/to/versod [unittest args]
"""
import itertools
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
import unittest

import msgpack
import zmq
import zmq.utils.monitor

VERSOD = None
MAX_MSG = 65536
FRAME_LIMIT = 2 * MAX_MSG + 64 * 1024          # PROTOCOL.md section 2
TIMEOUT_MS = 5000
CODES = {"EPROTO", "EBADUTF8", "ETOOBIG", "EBADREQ", "EVERSION", "EBADOP", "ESHUTDOWN",
         "ENOMEM", "ESTORE", "ENOSPC", "EIO", "ENOTFOUND", "EBADLANG", "EEXIST", "EDENIED",
         "ELOCKED", "EINTERNAL", "ETIMEDOUT", "ECANCELED"}
# Unicode's White_Space property, for "surrounding white space" in segment (section 6).
WHITE_SPACE = set("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | \
    {chr(c) for c in range(0x2000, 0x200B)}
# Translation memories (section 6).
TM_OPS = {"tm_create", "tm_delete", "tm_list", "add", "get", "delete", "lookup"}
ENTRY_STR_KEYS = ("tm", "src_lang", "tgt_lang", "src", "tgt", "author", "note", "origin")
ENTRY_INT_KEYS = ("id", "created", "changed", "usage")
# Near-exact penalties, in points (section 6, lookup).
PENALTIES = {"case": 1, "tags": 1, "punctuation": 2, "numbers": 3}
MISSING_ID = 2**62          # positive, and far beyond any id these tests can cause
TM_NAMES = itertools.count(1)   # fresh TM names: the server is shared by all tests


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def unpack(body):
    # unpackb raises ExtraData on trailing bytes: a reply must be exactly one object.
    return msgpack.unpackb(body, raw=False, strict_map_key=False)


def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def nested(depth):
    """A value made of `depth` arrays, each inside the previous one."""
    value = None
    for _ in range(depth):
        value = [value]
    return value


def nfc(text):
    return unicodedata.normalize("NFC", text)


def private_use_tag(length, prefix="en-x"):
    """A well-formed BCP 47 tag (prefix-...) of exactly `length` bytes (length >= 6)."""
    tag, i = prefix, 0
    while length - len(tag) > 9:
        i += 1
        tag += "-pu%06d" % i
    return tag + "-" + "z" * (length - len(tag) - 1)


def mark(k):
    """The tag mark of the k-th inline tag of a segment: U+F0000 + k."""
    return chr(0xF0000 + k)


def raw_request(*pairs):
    """A map built by hand from already-encoded key and value bytes."""
    return bytes([0x80 | len(pairs)]) + b"".join(k + v for k, v in pairs)


def start_versod(workdir, data, tag, max_msg=MAX_MSG, extra=()):
    """Start versod on the data directory `data` (with `extra` arguments), logging to
    workdir/<tag>.log, and wait for its ready file. Returns (process, open log file,
    endpoint); raises if it does not start."""
    ready = os.path.join(workdir, tag + ".ready")
    if os.path.exists(ready):
        os.unlink(ready)   # left by an earlier run on this directory
    log = open(os.path.join(workdir, tag + ".log"), "ab")
    proc = subprocess.Popen(
        [VERSOD, "--bind", "tcp://127.0.0.1:*", "--data", data,
         "--ready-file", ready, "--max-message-bytes", str(max_msg), "--log-level", "warn",
         *extra],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    content = ""
    while True:
        if os.path.exists(ready):
            with open(ready) as f:
                content = f.read()
            if content.endswith("\n"):
                break
        if proc.poll() is not None:
            log.close()
            raise RuntimeError("versod exited early with status %d" % proc.returncode)
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            log.close()
            raise RuntimeError("versod did not write its ready file within 20 s")
        time.sleep(0.02)  # polling interval for the condition above
    return proc, log, content.strip()


def stop_versod(proc, log=None):
    """SIGTERM, wait up to 20 s (then kill); closes the log. Returns the exit status."""
    proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = proc.wait()
    if log is not None:
        log.close()
    return status


class ProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="verso-proto-")
        try:
            cls.proc, cls.log, cls.endpoint = start_versod(
                cls.tmp, os.path.join(cls.tmp, "data"), "versod")
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise
        cls.ctx = zmq.Context()

    @classmethod
    def tearDownClass(cls):
        cls.ctx.term()
        cls.proc.send_signal(signal.SIGTERM)
        try:
            status = cls.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            status = cls.proc.wait()
        cls.log.close()
        with open(os.path.join(cls.tmp, "versod.log"), "rb") as f:
            log = f.read().decode("utf-8", "replace")
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert status == 0, "versod exit status %d; log:\n%s" % (status, log)

    def setUp(self):
        self.sockets = []
        self.seq = 0
        self.dealer = self.socket(zmq.DEALER)

    def tearDown(self):
        for s in self.sockets:
            s.close(linger=0)

    # ---- helpers -------------------------------------------------------------

    def socket(self, kind, endpoint=None):
        s = self.ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(endpoint or self.endpoint)
        self.sockets.append(s)
        return s

    def recv(self, sock, timeout_ms=TIMEOUT_MS):
        """One multipart message, or None on timeout."""
        if sock.poll(timeout_ms, zmq.POLLIN):
            return sock.recv_multipart()
        return None

    def must_recv(self, sock):
        frames = self.recv(sock)
        self.assertIsNotNone(frames, "no reply within %d ms" % TIMEOUT_MS)
        return frames

    def check_reply(self, body, ok, id_, code=None):
        reply = unpack(body)
        self.assertIsInstance(reply, dict)
        self.assertEqual(reply.get("v"), 1)
        self.assertIn("id", reply)
        self.assertEqual(reply["id"], id_, reply)
        self.assertIs(type(reply["id"]), type(id_), reply)
        self.assertIs(reply.get("ok"), ok, reply)
        if ok:
            self.assertEqual(set(reply), {"v", "id", "ok", "res"})
            self.assertIsInstance(reply["res"], dict)
            return reply["res"]
        self.assertEqual(set(reply), {"v", "id", "ok", "err"})
        self.assertIsInstance(reply["err"], dict)
        self.assertEqual(reply["err"].get("code"), code, reply)
        self.assertIsInstance(reply["err"].get("message"), str)
        return reply["err"]

    def call(self, sock, op, id_=None, **fields):
        self.seq += 1
        id_ = self.seq if id_ is None else id_
        sock.send(pack(dict(v=1, id=id_, op=op, **fields)))
        frames = self.must_recv(sock)
        self.assertEqual(len(frames), 1)
        return self.check_reply(frames[0], True, id_)

    def assert_ping(self, sock):
        self.assertEqual(self.call(sock, "ping", id_="ping-%d" % (self.seq + 1)), {})

    def assert_error(self, msg, code, id_=None, delimited=False):
        """Send msg (bytes, or a list of frames) on the DEALER; expect one error reply."""
        frames = msg if isinstance(msg, list) else [msg]
        self.dealer.send_multipart(frames)
        reply = self.must_recv(self.dealer)
        self.assertEqual(len(reply), 2 if delimited else 1, reply)
        if delimited:
            self.assertEqual(reply[0], b"")
        self.check_reply(reply[-1], False, id_, code)
        self.assert_ping(self.dealer)

    def segment(self, text, lang, sock=None, **fields):
        """Call segment; check the result's documented shape and its segments against text."""
        res = self.call(sock or self.dealer, "segment", text=text, lang=lang, **fields)
        self.assertIsInstance(res.get("lang"), str, res)
        self.assertIsInstance(res.get("rules"), str, res)
        self.assertIsInstance(res.get("segments"), list, res)
        self.check_segments(text, res["segments"])
        return res

    def check_segments(self, text, segments):
        """What section 6 promises of every segment list, for any input text."""
        data = text.encode("utf-8")
        pos, para = 0, 0
        for seg in segments:
            self.assertIsInstance(seg, dict)
            self.assertTrue({"text", "start", "end", "para"} <= set(seg), seg)
            self.assertIsInstance(seg["text"], str, seg)
            for key in ("start", "end", "para"):
                self.assertTrue(is_int(seg[key]), seg)
            # In text order, never overlapping, within the text.
            self.assertLessEqual(pos, seg["start"], seg)
            self.assertLess(seg["start"], seg["end"], seg)
            self.assertLessEqual(seg["end"], len(data), seg)
            # "the bytes between them are the sentence as sent, before NFC"
            sent = data[seg["start"]:seg["end"]].decode("utf-8")
            self.assertEqual(nfc(sent), seg["text"], seg)
            self.assertTrue(unicodedata.is_normalized("NFC", seg["text"]), seg)
            # "never include leading or trailing white space"
            self.assertNotIn(sent[0], WHITE_SPACE, seg)
            self.assertNotIn(sent[-1], WHITE_SPACE, seg)
            # Paragraph indexes start at 0 and never go back.
            self.assertGreaterEqual(seg["para"], para, seg)
            para = seg["para"]
            # "Cuts a text into sentences": what lies between sentences is white space only.
            gap = data[pos:seg["start"]].decode("utf-8")
            self.assertTrue(set(gap) <= WHITE_SPACE, (gap, seg))
            pos = seg["end"]
        self.assertTrue(set(data[pos:].decode("utf-8")) <= WHITE_SPACE, segments)
        if segments:
            self.assertEqual(segments[0]["para"], 0, segments)

    # ---- translation-memory helpers ------------------------------------------

    def error(self, op, code, sock=None, id_=None, **fields):
        """Send one request; expect an error reply with `code`. Returns the err map."""
        sock = sock or self.dealer
        self.seq += 1
        id_ = "err-%d" % self.seq if id_ is None else id_
        sock.send(pack(dict(v=1, id=id_, op=op, **fields)))
        frames = self.must_recv(sock)
        self.assertEqual(len(frames), 1)
        return self.check_reply(frames[0], False, id_, code)

    def new_tm(self, sock=None):
        """Create a TM with a name no other test uses."""
        name = "%s-%d" % (self._testMethodName, next(TM_NAMES))
        self.assertEqual(self.call(sock or self.dealer, "tm_create", tm=name), {})
        return name

    def tm_list(self, sock=None):
        """tm_list, checked; returns {name: entries}."""
        res = self.call(sock or self.dealer, "tm_list")
        tms = res.get("tms")
        self.assertIsInstance(tms, list, res)
        for tm in tms:
            self.assertIsInstance(tm, dict, tms)
            self.assertIsInstance(tm.get("name"), str, tm)
            self.assertTrue(is_int(tm.get("entries")), tm)
            self.assertGreaterEqual(tm["entries"], 0, tm)
        names = [tm["name"] for tm in tms]
        self.assertEqual(len(set(names)), len(names), names)
        # "in name order (bytewise)"
        self.assertEqual(names, sorted(names, key=lambda n: n.encode("utf-8")))
        self.assertIn("default", names)   # "one named "default" always exists"
        return {tm["name"]: tm["entries"] for tm in tms}

    def check_entry(self, entry):
        """The keys and types of an entry map (get, lookup matches)."""
        self.assertIsInstance(entry, dict)
        for key in ENTRY_STR_KEYS:
            self.assertIsInstance(entry.get(key), str, (key, entry))
        for key in ENTRY_INT_KEYS:
            self.assertTrue(is_int(entry.get(key)), (key, entry))
        self.assertGreater(entry["id"], 0, entry)

    def add(self, entries, tm=None, src_lang="en", tgt_lang="fr", sock=None, **fields):
        """add, with the result's documented shape checked; `tm` None leaves the field out."""
        if tm is not None:
            fields["tm"] = tm
        res = self.call(sock or self.dealer, "add", src_lang=src_lang, tgt_lang=tgt_lang,
                        entries=entries, **fields)
        for key in ("added", "updated", "skipped"):
            self.assertTrue(is_int(res.get(key)), (key, res))
            self.assertGreaterEqual(res[key], 0, res)
        self.assertEqual(res["added"] + res["updated"] + res["skipped"], len(entries), res)
        self.assertIsInstance(res.get("ids"), list, res)
        self.assertEqual(len(res["ids"]), len(entries), res)   # one id per entry
        for id_ in res["ids"]:
            self.assertTrue(is_int(id_), res)
            self.assertGreater(id_, 0, res)
        return res

    def add_one(self, src, tgt, tm=None, src_lang="en", tgt_lang="fr", sock=None, **entry):
        """Add one new entry; returns its id."""
        res = self.add([dict(src=src, tgt=tgt, **entry)], tm, src_lang, tgt_lang, sock)
        self.assertEqual((res["added"], res["updated"], res["skipped"]), (1, 0, 0), res)
        return res["ids"][0]

    def get(self, entry_id, sock=None):
        """get: the entry is named by `entry_id`; `id` stays the request id (section 6)."""
        res = self.call(sock or self.dealer, "get", entry_id=entry_id)
        self.check_entry(res.get("entry"))
        self.assertEqual(res["entry"]["id"], entry_id)
        return res["entry"]

    def get_missing(self, entry_id, sock=None):
        self.error("get", "ENOTFOUND", sock=sock, entry_id=entry_id)

    def lookup(self, tm=None, src_lang="en", tgt_lang="fr", sock=None, **fields):
        """lookup, with the result's documented shape checked; returns the results list."""
        if tm is not None:
            fields["tm"] = tm
        res = self.call(sock or self.dealer, "lookup", src_lang=src_lang, tgt_lang=tgt_lang,
                        **fields)
        results = res.get("results")
        self.assertIsInstance(results, list, res)
        with_text = fields.get("text") is not None
        if not with_text:
            # "one per segment in order: segment (str, as given ...)"
            self.assertEqual([r.get("segment") for r in results], fields["segments"])
        min_score = fields.get("min_score")
        min_score = 70 if min_score is None else min_score
        max_results = fields.get("max_results")
        max_results = 5 if max_results is None else max_results
        for r in results:
            self.assertIsInstance(r, dict, results)
            self.assertIsInstance(r.get("segment"), str, r)
            if with_text:
                self.assertTrue(is_int(r.get("start")) and is_int(r.get("end")), r)
            else:
                self.assertNotIn("start", r)   # "only with text"
                self.assertNotIn("end", r)
            self.assertIsInstance(r.get("matches"), list, r)
            self.assertLessEqual(len(r["matches"]), max_results, r)
            for m in r["matches"]:
                self.check_entry(m)
                self.assertTrue(is_int(m.get("score")), m)
                self.assertIsInstance(m.get("kind"), str, m)
                self.assertTrue(min_score <= m["score"] <= 101, (min_score, m))
            scores = [m["score"] for m in r["matches"]]
            self.assertEqual(scores, sorted(scores, reverse=True), r)   # "best first"
        return results

    def hits(self, result):
        """A lookup result's matches as (id, score, kind), best first."""
        return [(m["id"], m["score"], m["kind"]) for m in result["matches"]]

    # ---- near-exact, reversed, tags, update and export helpers -----------------

    def match_info(self, result):
        """A lookup result's matches as (id, score, kind, penalties, reversed), best first,
        with what section 6 promises of every match checked."""
        out = []
        for m in result["matches"]:
            self.assertIsInstance(m.get("penalties"), dict, m)
            self.assertIsInstance(m.get("reversed"), bool, m)
            self.check_tags(m)
            if m["kind"] in ("exact", "context"):
                # "penalties (... empty for exact and context matches)"
                self.assertEqual(m["penalties"], {}, m)
                self.assertEqual(m["score"], 100 if m["kind"] == "exact" else 101, m)
            if m["kind"] == "near":
                self.assertTrue(m["penalties"], m)
                for penalty, points in m["penalties"].items():
                    self.assertEqual(points, PENALTIES.get(penalty), m)
                # "score 100 minus its penalties"
                self.assertEqual(m["score"], 100 - sum(m["penalties"].values()), m)
            out.append((m["id"], m["score"], m["kind"], m["penalties"], m["reversed"]))
        return out

    def look(self, tm, segment, src_lang="en", tgt_lang="fr", **fields):
        """Look one segment up; its matches as match_info gives them."""
        return self.match_info(self.lookup(tm, src_lang, tgt_lang, segments=[segment],
                                           **fields)[0])

    def check_tags(self, entry):
        """The tag lists and properties of an entry map (get, lookup, update, export)."""
        for key in ("src_tags", "tgt_tags"):
            self.assertIsInstance(entry.get(key), list, (key, entry))
            self.assertTrue(all(isinstance(t, str) for t in entry[key]), (key, entry))
        self.assertIsInstance(entry.get("props"), list, entry)
        for prop in entry["props"]:
            self.assertIsInstance(prop, list, entry)
            self.assertEqual(len(prop), 2, entry)
            self.assertTrue(all(isinstance(x, str) for x in prop), entry)

    def full_get(self, entry_id, sock=None):
        entry = self.get(entry_id, sock)
        self.check_tags(entry)
        return entry

    def update(self, entry_id, sock=None, **fields):
        """update, checked: the result is the entry as get returns it now."""
        res = self.call(sock or self.dealer, "update", entry_id=entry_id, **fields)
        entry = res.get("entry")
        self.check_entry(entry)
        self.check_tags(entry)
        self.assertEqual(entry["id"], entry_id)
        self.assertEqual(entry, self.full_get(entry_id, sock))
        return entry

    def export_all(self, tm=None, limit=None, after=None, sock=None):
        """Read a TM with export, page after page until next is nil, checking every page.
        Returns (entries, pages)."""
        entries, pages = [], 0
        cursor = after
        while True:
            fields = {}
            if tm is not None:
                fields["tm"] = tm
            if limit is not None:
                fields["limit"] = limit
            if cursor is not None:
                fields["after"] = cursor
            res = self.call(sock or self.dealer, "export", **fields)
            pages += 1
            self.assertIsInstance(res.get("entries"), list, res)
            self.assertIn("next", res)
            self.assertLessEqual(len(res["entries"]), 1000 if limit is None else limit, res)
            floor = cursor or 0
            for entry in res["entries"]:
                self.check_entry(entry)
                self.check_tags(entry)
                self.assertEqual(entry["tm"], "default" if tm is None else tm, entry)
                # "in id order, with ids greater than after"
                self.assertGreater(entry["id"], floor, entry)
                floor = entry["id"]
            entries += res["entries"]
            if res["next"] is None:
                return entries, pages
            self.assertTrue(is_int(res["next"]), res)
            self.assertGreater(res["next"], cursor or 0, res)   # a cursor that moves on
            self.assertGreaterEqual(res["next"], floor, res)
            cursor = res["next"]
            self.assertLess(pages, 100000, "export never ends")

    # ---- ops -----------------------------------------------------------------

    def test_req_hello_ping_stats(self):
        req = self.socket(zmq.REQ)
        hello = self.call(req, "hello")
        self.assertEqual(hello["server"], "versod")
        self.assertIsInstance(hello["version"], str)
        self.assertTrue(hello["version"])
        self.assertEqual(hello["protocol"], 1)
        self.assertTrue(is_int(hello["protocol"]))
        self.assertEqual(hello["max_message_bytes"], MAX_MSG)
        self.assertIsInstance(hello["ops"], list)
        self.assertTrue(all(isinstance(op, str) for op in hello["ops"]))
        self.assertTrue({"hello", "ping", "stats"} <= set(hello["ops"]))
        libs = hello["libraries"]
        self.assertIsInstance(libs, dict)
        self.assertTrue({"icu", "unicode", "zmq", "lmdb", "msgpack"} <= set(libs), libs)
        for k, v in libs.items():
            self.assertIsInstance(k, str)
            self.assertIsInstance(v, str)
        self.assertEqual(self.call(req, "ping"), {})

        first = self.call(req, "stats")
        for key in ("started", "uptime_s", "requests", "errors", "threads"):
            self.assertTrue(is_int(first[key]), key)
        self.assertEqual(first["endpoint"], self.endpoint)
        store = first["store"]
        self.assertIsInstance(store, dict)
        self.assertIsInstance(store["path"], str)
        self.assertIsInstance(store["engine"], str)
        for key in ("schema_version", "created", "map_size", "max_map_size", "map_grows",
                    "used_bytes", "file_bytes", "page_size", "last_txn", "readers_used",
                    "readers_max"):
            self.assertTrue(is_int(store[key]), key)
        self.assertLessEqual(first["started"], time.time() + 1)
        self.assertGreaterEqual(first["requests"], 3)   # hello, ping, this stats
        self.assertLessEqual(first["errors"], first["requests"])
        second = self.call(req, "stats")
        self.assertGreater(second["requests"], first["requests"])

    def test_dealer_pipelining(self):
        ids = list(range(1, 8)) + [-1, -7, -300, -2**63, 2**64 - 1, 0] + \
            ["a", "b", "x" * 256, "\u00e9\u4e2d", "", "7", "-1"]
        self.assertEqual(len(ids), 20)
        for i, id_ in enumerate(ids):
            self.dealer.send(pack({"v": 1, "id": id_, "op": ("ping", "hello", "stats")[i % 3]}))
        seen = []
        for _ in ids:
            reply = unpack(self.must_recv(self.dealer)[0])
            self.assertIs(reply["ok"], True, reply)
            self.assertEqual(reply["v"], 1)
            seen.append(reply["id"])
        key = lambda x: (type(x).__name__, x)
        self.assertEqual(sorted(seen, key=key), sorted(ids, key=key))

    def test_absent_and_nil_id(self):
        # "A field whose value is nil is treated as absent" (section 3).
        for req in ({"v": 1, "op": "ping"}, {"v": 1, "id": None, "op": "ping"}):
            with self.subTest(request=req):
                self.dealer.send(pack(req))
                self.check_reply(self.must_recv(self.dealer)[0], True, None)

    def test_any_integer_encoding(self):
        # v as uint64 (cf), id as int64 (d3), op as str8 (d9): values are what count.
        body = raw_request((pack("v"), b"\xcf" + (1).to_bytes(8, "big")),
                           (pack("id"), b"\xd3" + (5).to_bytes(8, "big")),
                           (pack("op"), b"\xd9\x04ping"))
        self.dealer.send(body)
        self.check_reply(self.must_recv(self.dealer)[0], True, 5)

    def test_document_example_bytes(self):
        self.dealer.send(bytes.fromhex("83a17601a2696407a26f70a470696e67"))
        self.assertEqual(self.check_reply(self.must_recv(self.dealer)[0], True, 7), {})

    def test_unknown_keys_ignored_and_nesting_within_limit(self):
        self.assertEqual(self.call(self.dealer, "ping", future=nested(8), x={"a": 1}), {})

    # ---- segment -------------------------------------------------------------

    def test_segment_in_hello_ops(self):
        self.assertIn("segment", self.call(self.dealer, "hello")["ops"])

    def test_segment_document_example(self):
        self.dealer.send(pack({"v": 1, "id": 3, "op": "segment",
                               "text": "Dr. Smith left. He came back.", "lang": "en"}))
        self.assertEqual(unpack(self.must_recv(self.dealer)[0]), {
            "v": 1, "id": 3, "ok": True, "res": {
                "lang": "en", "rules": "en", "segments": [
                    {"text": "Dr. Smith left.", "start": 0, "end": 15, "para": 0},
                    {"text": "He came back.", "start": 16, "end": 29, "para": 0}]}})
        # Over REQ too, with the example's optional fields spelled out at their defaults.
        res = self.segment("Dr. Smith left. He came back.", "en", sock=self.socket(zmq.REQ),
                           paragraphs="auto", rules=True)
        self.assertEqual([(s["start"], s["end"]) for s in res["segments"]], [(0, 15), (16, 29)])

    def test_segment_byte_offsets_non_ascii(self):
        texts = [
            ("zh", "\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002\u6211\u4eec\u53bb"
                   "\u516c\u56ed\u5427\uff01\u4f60\u89c9\u5f97\u5462\uff1f"),
            ("fr", "\u00c9lodie est all\u00e9e \u00e0 la plage. O\u00f9 es-tu\u00a0? "
                   "Je suis l\u00e0."),
            ("de", "  Gr\u00fc\u00dfe aus M\u00fcnchen!\tSch\u00f6nes Wetter heute.  "),
            ("en", "I love \U0001f355 pizza. Do you? \U0001f600 Yes!\n\n"
                   "Na\u00efve caf\u00e9 \U0001f1eb\U0001f1f7 here.\u3000Fine."),
        ]
        for lang, text in texts:
            with self.subTest(lang=lang):
                self.assertTrue(unicodedata.is_normalized("NFC", text))
                data = text.encode("utf-8")
                segments = self.segment(text, lang)["segments"]
                self.assertTrue(segments)
                for seg in segments:
                    # Already NFC: the bytes sent are exactly the segment's text.
                    self.assertEqual(data[seg["start"]:seg["end"]], seg["text"].encode("utf-8"))
                # The input is chosen so that byte and character offsets differ.
                last = segments[-1]
                self.assertNotEqual(last["start"], text.index(last["text"]))

    def test_segment_nfc(self):
        decomposed = ("Le caf\u0065\u0301 est ferm\u0065\u0301. "
                      "Ren\u0065\u0301e a dit \u212b et \u1100\u1161. "
                      "\u0041\u030a la fin\u0065\u0301")
        self.assertFalse(unicodedata.is_normalized("NFC", decomposed))
        data = decomposed.encode("utf-8")
        segments = self.segment(decomposed, "fr")["segments"]
        self.assertTrue(segments)
        # check_segments has compared every text with the NFC form of its original bytes;
        # make sure that those bytes did differ from the text, i.e. were not normalised.
        self.assertTrue(any(data[s["start"]:s["end"]] != s["text"].encode("utf-8")
                            for s in segments))
        # The offsets index the original bytes, so the last sentence ends where the text does.
        self.assertEqual(segments[-1]["end"], len(data))
        self.assertTrue(segments[-1]["text"].endswith("fin\u00e9"))
        self.assertIn("caf\u00e9", segments[0]["text"])

    def test_segment_lang(self):
        text = "Dr. Smith left. He came back."
        res = self.segment(text, "en-us")
        self.assertEqual(res["lang"], "en-US")
        self.assertEqual(res["rules"], "en")
        for tag in ("en", "de-CH", "zh-Hant-TW", "pt", "de-CH-1996"):
            with self.subTest(tag=tag):
                self.assertEqual(self.segment(text, tag)["lang"], tag)
        for tag, canonical in (("EN", "en"), ("de-ch", "de-CH"), ("ZH-HANT-TW", "zh-Hant-TW")):
            with self.subTest(tag=tag):
                self.assertEqual(self.segment(text, tag)["lang"], canonical)
        self.assertEqual(self.segment(text, "pt")["rules"], "pt")
        # Well-formed, but no language has its own rules for it: the root rules are used.
        # The special tags are tags like any other: "und" (undetermined, ICU's root locale,
        # which has no tag of its own) included.
        for tag in ("qaa", "zxx", "tlh-Latn", "und", "mul", "mis", "und-Latn", "und-x-notes"):
            with self.subTest(tag=tag):
                res = self.segment(text, tag)
                self.assertEqual(res["lang"], tag)
                self.assertEqual(res["rules"], "root")
                self.assertTrue(res["segments"])
        self.assertEqual(self.segment(text, "UND")["lang"], "und")
        self.assertEqual(self.segment(text, "x-notes")["lang"], "und-x-notes")

    def test_segment_lang_length_limit(self):
        # Only tags "over 63 bytes" get EBADLANG (64 bytes: test_segment_bad_lang), so these
        # well-formed 63-byte tags, with and without a language subtag, must be served.
        for tag in (private_use_tag(63), private_use_tag(63, prefix="x")):
            with self.subTest(tag=tag):
                self.assertEqual(len(tag.encode("utf-8")), 63)
                self.assertTrue(self.segment("Hello there.", tag)["segments"])

    def test_segment_bad_lang(self):
        bad = ["en_US", "", "a" * 100, "123", "en-", "-en", "en--US", "e", "en US", "\u00e9n",
               "en-US-", private_use_tag(64), private_use_tag(64, prefix="x")]
        for i, tag in enumerate(bad):
            for id_ in (100 + i, "lang-%d" % i):
                with self.subTest(tag=tag, id=id_):
                    self.assert_error(pack({"v": 1, "id": id_, "op": "segment",
                                            "text": "Hello there.", "lang": tag}),
                                      "EBADLANG", id_)

    def test_segment_paragraphs(self):
        text = "Roses are red\nand violets are blue.\n\nSugar is sweet\nand so are you.\n"
        lines = [line for line in text.split("\n") if line]
        # "line": every line is a paragraph; a segment belongs to one paragraph.
        segments = self.segment(text, "en", paragraphs="line")["segments"]
        self.assertEqual([s["text"] for s in segments], lines)
        self.assertEqual([s["para"] for s in segments], [0, 1, 2, 3])
        # "blank": single newlines are spaces, so each paragraph is one sentence here.
        segments = self.segment(text, "en", paragraphs="blank")["segments"]
        self.assertEqual([s["para"] for s in segments], [0, 1])
        data = text.encode("utf-8")
        self.assertEqual([data[s["start"]:s["end"]] for s in segments],
                         [b"Roses are red\nand violets are blue.",
                          b"Sugar is sweet\nand so are you."])
        # "auto" is the default.
        self.assertEqual(self.segment(text, "en", paragraphs="auto"), self.segment(text, "en"))

    def test_segment_empty_paragraphs_not_counted(self):
        text = "\n\nFirst one.\n\n\n\nSecond one.\n\n\nThird one.\n\n"
        for mode in ("line", "blank"):
            with self.subTest(paragraphs=mode):
                segments = self.segment(text, "en", paragraphs=mode)["segments"]
                self.assertEqual([s["text"] for s in segments],
                                 ["First one.", "Second one.", "Third one."])
                self.assertEqual([s["para"] for s in segments], [0, 1, 2])

    def test_segment_rules_false(self):
        text = "Dr. Smith left. He came back."
        res = self.segment(text, "en", rules=False)
        self.assertEqual(res["rules"], "none")
        self.assertEqual(res["lang"], "en")
        self.assertTrue(res["segments"])
        self.assertEqual(self.segment(text, "en", rules=True), self.segment(text, "en"))
        self.assertEqual(self.segment(text, "en", rules=None)["rules"], "en")   # nil = absent

    def test_segment_empty_text(self):
        for text in ("", " ", "\n\n", " \t\r\n  \n\n\t"):
            for mode in ("auto", "line", "blank"):
                with self.subTest(text=text, paragraphs=mode):
                    res = self.segment(text, "en-us", paragraphs=mode)
                    self.assertEqual(res["segments"], [])
                    self.assertEqual(res["lang"], "en-US")
                    self.assertEqual(res["rules"], "en")

    def test_segment_bad_fields(self):
        base = {"v": 1, "op": "segment", "text": "Hello there.", "lang": "en"}
        cases = [({"text": None}, "text"), ({"lang": None}, "lang"),
                 ({"text": 5}, "int text"), ({"text": b"Hello."}, "bin text"),
                 ({"text": ["Hello."]}, "array text"), ({"lang": 5}, "int lang"),
                 ({"lang": b"en"}, "bin lang"), ({"rules": "false"}, "str rules"),
                 ({"rules": 0}, "int rules"), ({"paragraphs": "para"}, "unknown paragraphs"),
                 ({"paragraphs": "LINE"}, "paragraphs case"),
                 ({"paragraphs": ""}, "empty paragraphs"), ({"paragraphs": 1}, "int paragraphs"),
                 ({"paragraphs": True}, "bool paragraphs")]
        for i, (fields, what) in enumerate(cases):
            request = dict(base, id=200 + i, **fields)
            with self.subTest(what):
                self.assert_error(pack(request), "EBADREQ", 200 + i)
        for key in ("text", "lang"):   # absent, not nil
            request = dict(base, id="missing-%s" % key)
            del request[key]
            with self.subTest(missing=key):
                self.assert_error(pack(request), "EBADREQ", "missing-%s" % key)

    def test_segment_pipelined_and_long_text(self):
        sentence = "Caf\u00e9 \u4e2d\u6587 \U0001f600 number %d is here.\n"
        long_text = "".join(sentence % i for i in range(1500))
        self.assertLess(len(long_text.encode("utf-8")), MAX_MSG - 1024)
        requests = {"long": dict(text=long_text, lang="en", paragraphs="line")}
        for i in range(1, 10):
            requests["part-%d" % i] = dict(text=long_text[:200 * i],
                                           lang=("en", "fr", "zh-TW")[i % 3],
                                           paragraphs=("auto", "line", "blank")[i % 3])
        # One at a time first, then all pipelined: the replies, matched by id, must agree.
        expected = {id_: self.segment(**fields) for id_, fields in requests.items()}
        # Every line is a paragraph, and none is empty: indexes 0 to 1499, all used.
        self.assertEqual(sorted({s["para"] for s in expected["long"]["segments"]}),
                         list(range(1500)))
        for id_, fields in requests.items():
            self.dealer.send(pack(dict(v=1, id=id_, op="segment", **fields)))
        for _ in requests:
            reply = unpack(self.must_recv(self.dealer)[0])
            self.assertIs(reply["ok"], True, reply)
            self.assertEqual(reply["res"], expected[reply["id"]], reply["id"])

    # ---- errors --------------------------------------------------------------

    def test_bad_requests(self):
        e = self.assert_error
        e(pack({"v": 1, "id": 11, "op": "fly"}), "EBADOP", 11)
        e(pack({"v": 1, "id": "s", "op": "fly"}), "EBADOP", "s")
        e(pack({"v": 1, "id": 12}), "EBADREQ", 12)
        e(pack({"v": 1, "id": 13, "op": None}), "EBADREQ", 13)
        e(pack({"v": 1, "id": 14, "op": 5}), "EBADREQ", 14)
        e(pack({"v": 1, "id": 15, "op": b"ping"}), "EBADREQ", 15)
        for bad_id in ([1], {"a": 1}, 1.5, True, b"bin"):
            with self.subTest(id=bad_id):
                e(pack({"v": 1, "id": bad_id, "op": "ping"}), "EBADREQ", None)
        e(pack({"v": 1, "id": "x" * 257, "op": "ping"}), "EBADREQ", None)
        e(pack({"v": 1, "id": "\u00e9" * 129, "op": "ping"}), "EBADREQ", None)  # 258 bytes
        e(pack({"id": 16, "op": "ping"}), "EBADREQ", 16)
        e(pack({"v": "1", "id": 17, "op": "ping"}), "EBADREQ", 17)
        e(pack({"v": 2, "id": 18, "op": "ping"}), "EVERSION", 18)

    def test_malformed_bodies(self):
        e = self.assert_error
        e(pack([1, 2]), "EPROTO")
        e(pack(None), "EPROTO")
        e(pack("ping"), "EPROTO")
        e(pack(7), "EPROTO")
        e(b"", "EPROTO")
        e(pack({"v": 1, "id": 21, "op": "ping"})[:-3], "EPROTO")
        e(b"\xdd\xff\xff\xff\xff", "EPROTO")
        e(b"\xdf\xff\xff\xff\xff", "EPROTO")
        e(b"\xda\xff\xff" + b"ab", "EPROTO")              # str16 longer than the data
        e(b"\x91" * 100 + b"\xc0", "EPROTO")
        e(pack({"v": 1, "id": 22, "op": "ping", "x": nested(20)}), "EPROTO", None)
        e(pack({"v": 1, "id": 23, "op": "ping"}) + b"\xc0", "EPROTO", None)
        e(pack({"v": 1, "id": 24, "op": "ping"}) * 2, "EPROTO", None)

    def test_bad_utf8(self):
        head = [(pack("v"), pack(1)), (pack("id"), pack(30)), (pack("op"), pack("ping"))]
        for bad in (b"\xff\xfe", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                    b"ab\xe2\x82"):
            str_bad = bytes([0xa0 | len(bad)]) + bad
            with self.subTest(value=bad):
                self.assert_error(raw_request(*head, (pack("x"), str_bad)), "EBADUTF8", None)
            with self.subTest(key=bad):
                self.assert_error(raw_request(*head, (str_bad, pack(1))), "EBADUTF8", None)

    def test_too_big(self):
        body = pack({"v": 1, "id": 40, "op": "ping", "pad": "x" * 100 * 1024})
        self.assertTrue(MAX_MSG < len(body) < FRAME_LIMIT)
        self.assert_error(body, "ETOOBIG", None)

    def test_framing(self):
        ping = pack({"v": 1, "id": 50, "op": "ping"})
        self.assert_error([b"junk", ping], "EPROTO", None)
        self.assert_error([b"", ping, b"extra"], "EPROTO", None, delimited=True)
        self.assert_error([ping, ping], "EPROTO", None)
        self.dealer.send_multipart([b"", ping])
        reply = self.must_recv(self.dealer)
        self.assertEqual(len(reply), 2)
        self.assertEqual(reply[0], b"")
        self.check_reply(reply[1], True, 50)

    def test_oversize_frame_drops_connection(self):
        victim = self.socket(zmq.DEALER)
        self.assert_ping(victim)   # make sure it is connected before the big send
        monitor = victim.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self.sockets.insert(0, monitor)
        victim.send(pack({"v": 1, "id": 60, "op": "ping", "pad": "x" * 300 * 1024}))
        # "libzmq drops the connection; no reply" (section 2).
        event = self.recv(monitor)
        self.assertIsNotNone(event, "connection was not dropped")
        self.assertEqual(zmq.utils.monitor.parse_monitor_message(event)["event"],
                         zmq.EVENT_DISCONNECTED)
        self.assertIsNone(self.recv(victim, timeout_ms=1000), "reply to an oversize frame")
        self.assert_ping(self.socket(zmq.DEALER))

    def test_random_garbage(self):
        rng = random.Random(20240601)
        count = 200
        for _ in range(count):
            self.dealer.send(bytes(rng.randrange(256) for _ in range(rng.randint(0, 200))))
        for _ in range(count):
            frames = self.must_recv(self.dealer)
            self.assertEqual(len(frames), 1)
            reply = unpack(frames[0])
            self.assertEqual(reply["v"], 1)
            self.assertIn(reply["ok"], (True, False))
            if not reply["ok"]:
                self.assertIn(reply["err"]["code"], CODES)
        self.assert_ping(self.dealer)   # the next reply must be the ping's, not a 201st

    # ---- translation memories: tm_create, tm_delete, tm_list -----------------

    def test_tm_ops_in_hello(self):
        self.assertTrue(TM_OPS <= set(self.call(self.dealer, "hello")["ops"]))

    def test_tm_create_list_delete(self):
        self.assertIn("default", self.tm_list())
        name = self.new_tm()
        self.assertEqual(self.tm_list()[name], 0)
        # Names whose byte order differs from case-insensitive or alphabetical order.
        n = next(TM_NAMES)
        others = ["Zz-%d" % n, "aa-%d" % n, "\u00e9t\u00e9-%d" % n, "\u4e2d\u6587-%d" % n,
                  "A b-%d" % n]
        for other in others:
            self.assertEqual(self.call(self.dealer, "tm_create", tm=other), {})
        listed = self.tm_list()   # checks the bytewise order of the whole list
        for other in others:
            self.assertEqual(listed[other], 0)
        # "EEXIST when the name is taken"
        self.error("tm_create", "EEXIST", tm=name)
        self.error("tm_create", "EEXIST", tm="default")
        self.error("tm_create", "EEXIST", tm=others[2])
        self.assertEqual(self.tm_list()[name], 0)
        # tm_delete -> {}; gone from the list; a second delete finds nothing.
        self.assertEqual(self.call(self.dealer, "tm_delete", tm=name), {})
        self.assertNotIn(name, self.tm_list())
        self.error("tm_delete", "ENOTFOUND", tm=name)
        for other in others:
            self.assertEqual(self.call(self.dealer, "tm_delete", tm=other), {})
        listed = self.tm_list()
        self.assertFalse(set(others) & set(listed), listed)
        # The name can be used again.
        self.assertEqual(self.call(self.dealer, "tm_create", tm=name), {})
        self.assertEqual(self.tm_list()[name], 0)

    def test_tm_delete_default_and_missing(self):
        self.error("tm_delete", "EBADREQ", tm="default")
        self.assertIn("default", self.tm_list())
        self.error("tm_delete", "ENOTFOUND", tm="no-such-tm-%d" % next(TM_NAMES))
        # "Every op below that takes tm uses "default" when it is absent": tm_delete without
        # a name is a delete of "default", EBADREQ either way.
        self.error("tm_delete", "EBADREQ")
        self.assertIn("default", self.tm_list())

    def test_tm_create_and_delete_need_a_name(self):
        # "tm_create and tm_delete require it"; nil counts as absent (section 3).
        for op in ("tm_create", "tm_delete"):
            self.error(op, "EBADREQ")
            self.error(op, "EBADREQ", tm=None)

    def test_tm_name_limits(self):
        n = next(TM_NAMES)
        ok = ["%d-" % n + "x" * (128 - len("%d-" % n)),                    # 128 bytes
              "\u00e9" * 63 + "%02d" % (n % 100),                           # 128 bytes
              "a"]
        bad = ["", "%d-" % n + "x" * (129 - len("%d-" % n)),               # 0, 129 bytes
               "\u00e9" * 64 + "x",                                         # 129 bytes, 65 chars
               "\u4e2d" * 43]                                               # 129 bytes
        self.assertEqual([len(name.encode("utf-8")) for name in ok + bad],
                         [128, 128, 1, 0, 129, 129, 129])
        for name in bad:
            with self.subTest(name=name):
                self.error("tm_create", "EBADREQ", tm=name)
        for name in ok:
            with self.subTest(name=name):
                self.assertEqual(self.call(self.dealer, "tm_create", tm=name), {})
        listed = self.tm_list()
        for name in ok:
            self.assertEqual(listed[name], 0)
            self.add_one("Name limit %d." % n, "Limite %d." % n, tm=name)
            self.assertEqual(self.tm_list()[name], 1)
            self.assertEqual(self.call(self.dealer, "tm_delete", tm=name), {})
        self.assertFalse(set(bad) & set(self.tm_list()))
        for value in (5, b"bin", ["x"], True):
            with self.subTest(tm=value):
                self.error("tm_create", "EBADREQ", tm=value)

    def test_tm_delete_removes_entries(self):
        name = self.new_tm()
        res = self.add([{"src": "One apple.", "tgt": "Une pomme."},
                        {"src": "Two pears.", "tgt": "Deux poires."},
                        {"src": "Three plums.", "tgt": "Trois prunes."}], tm=name)
        ids = res["ids"]
        self.assertEqual(self.tm_list()[name], 3)
        for id_ in ids:
            self.assertEqual(self.get(id_)["tm"], name)
        self.assertEqual(self.call(self.dealer, "tm_delete", tm=name), {})
        for id_ in ids:
            self.get_missing(id_)
        self.error("lookup", "ENOTFOUND", tm=name, src_lang="en", tgt_lang="fr",
                   segments=["One apple."])
        self.error("add", "ENOTFOUND", tm=name, src_lang="en", tgt_lang="fr",
                   entries=[{"src": "One apple.", "tgt": "Une pomme."}])
        # Created again, it is empty: the old entries went with the old TM.
        self.assertEqual(self.call(self.dealer, "tm_create", tm=name), {})
        self.assertEqual(self.tm_list()[name], 0)
        results = self.lookup(name, segments=["One apple.", "Two pears.", "Three plums."])
        self.assertEqual([r["matches"] for r in results], [[], [], []])
        self.assertEqual(self.call(self.dealer, "delete", ids=ids), {"deleted": 0})
        # Ids are never reused.
        new_id = self.add_one("One apple.", "Une pomme.", tm=name)
        self.assertGreater(new_id, max(ids))

    # ---- add -----------------------------------------------------------------

    def test_add_ids(self):
        name = self.new_tm()
        entries = [{"src": "Sentence number %d." % i, "tgt": "Phrase num\u00e9ro %d." % i}
                   for i in range(6)]
        res = self.add(entries, tm=name)
        self.assertEqual((res["added"], res["updated"], res["skipped"]), (6, 0, 0))
        ids = res["ids"]
        self.assertEqual(len(set(ids)), 6)
        # One id per entry, in request order.
        for id_, entry in zip(ids, entries):
            got = self.get(id_)
            self.assertEqual((got["src"], got["tgt"], got["tm"]),
                             (entry["src"], entry["tgt"], name))
        self.assertEqual(self.tm_list()[name], 6)
        # Unique in the server: another TM's entries get other ids.
        other = self.new_tm()
        other_ids = self.add(entries, tm=other)["ids"]
        self.assertFalse(set(ids) & set(other_ids))
        self.assertEqual(len(set(other_ids)), 6)
        seen = ids + other_ids
        # Deleted ids are not handed out again: new ids are larger than any before.
        self.assertEqual(self.call(self.dealer, "delete", ids=ids[:3]), {"deleted": 3})
        self.assertEqual(self.tm_list()[name], 3)
        again = self.add(entries[:3], tm=name)
        self.assertEqual(again["added"], 3)
        self.assertGreater(min(again["ids"]), max(seen))
        self.assertEqual(len(set(again["ids"])), 3)
        self.assertEqual(self.tm_list()[name], 6)
        for id_ in ids[:3]:
            self.get_missing(id_)

    def test_add_default_tm(self):
        n = next(TM_NAMES)
        before = self.tm_list()["default"]
        first = self.add_one("Default TM sentence %d." % n, "Phrase %d." % n)
        self.assertEqual(self.get(first)["tm"], "default")
        # nil is absent too.
        res = self.add([{"src": "Default TM nil %d." % n, "tgt": "Nil %d." % n}], tm=None)
        self.assertEqual(res["added"], 1)
        self.assertEqual(self.get(res["ids"][0])["tm"], "default")
        self.assertEqual(self.tm_list()["default"], before + 2)
        results = self.lookup(segments=["Default TM sentence %d." % n], min_score=100)
        self.assertEqual(self.hits(results[0]), [(first, 100, "exact")])
        results = self.lookup("default", segments=["Default TM nil %d." % n], min_score=100)
        self.assertEqual(self.hits(results[0]), [(res["ids"][0], 100, "exact")])
        self.assertEqual(self.call(self.dealer, "delete", ids=[first, res["ids"][0]]),
                         {"deleted": 2})
        self.assertEqual(self.tm_list()["default"], before)

    def test_add_keep_both(self):
        name = self.new_tm()
        src = "The cat sleeps."
        a = self.add_one(src, "Le chat dort.", tm=name)
        # keep_both is the default: another target makes another entry.
        b = self.add_one(src, "Le chat fait la sieste.", tm=name)
        self.assertNotEqual(a, b)
        for policy in ({}, {"on_conflict": "keep_both"}, {"on_conflict": None}):
            with self.subTest(policy=policy):
                # Exactly the same target as an existing entry: skipped, that entry's id.
                res = self.add([{"src": src, "tgt": "Le chat dort."}], tm=name, **policy)
                self.assertEqual((res["added"], res["updated"], res["skipped"], res["ids"]),
                                 (0, 0, 1, [a]))
                res = self.add([{"src": src, "tgt": "Le chat fait la sieste."}], tm=name,
                               **policy)
                self.assertEqual((res["skipped"], res["ids"]), (1, [b]))
        self.assertEqual(self.tm_list()[name], 2)
        self.assertEqual(self.get(a)["tgt"], "Le chat dort.")
        self.assertEqual(self.get(b)["tgt"], "Le chat fait la sieste.")
        results = self.lookup(name, segments=[src])
        self.assertEqual(sorted(self.hits(results[0])), sorted([(a, 100, "exact"),
                                                                (b, 100, "exact")]))
        # The same source after normalisation, same target: still a duplicate.
        res = self.add([{"src": "  The   cat\tsleeps. ", "tgt": "Le chat dort."}], tm=name)
        self.assertEqual((res["skipped"], res["ids"]), (1, [a]))
        # The duplicate rule wants "exactly the same target"; sources are compared after
        # normalisation, targets are not: this one differs in white space, so it is added.
        c = self.add_one(src, "Le  chat dort.", tm=name)
        self.assertNotIn(c, (a, b))
        self.assertEqual(self.get(c)["tgt"], "Le  chat dort.")
        self.assertEqual(self.tm_list()[name], 3)

    def test_add_overwrite(self):
        name = self.new_tm()
        src = "The dog barks."
        t0 = int(time.time())
        a = self.add_one(src, "Le chien aboie.", tm=name, author="ann", origin="a.txt")
        b = self.add_one(src, "Le chien jappe.", tm=name)
        old_a = self.get(a)
        self.assertTrue(t0 - 1 <= old_a["created"] <= time.time() + 1, old_a)
        res = self.add([{"src": " The dog  barks.", "tgt": "Le chien hurle.", "author": "bob",
                         "origin": "b.txt", "note": "louder"}], tm=name, on_conflict="overwrite")
        # "the oldest such entry takes the new target and fields (same id, created kept,
        # changed set)"
        self.assertEqual((res["added"], res["updated"], res["skipped"], res["ids"]),
                         (0, 1, 0, [a]))
        new_a = self.get(a)
        self.assertEqual((new_a["tgt"], new_a["author"], new_a["origin"], new_a["note"]),
                         ("Le chien hurle.", "bob", "b.txt", "louder"))
        self.assertEqual(new_a["created"], old_a["created"])
        self.assertEqual((new_a["tm"], new_a["src_lang"], new_a["tgt_lang"]),
                         (name, "en", "fr"))
        self.assertTrue(new_a["created"] <= new_a["changed"] <= time.time() + 1, new_a)
        self.assertEqual(self.get(b)["tgt"], "Le chien jappe.")
        self.assertEqual(self.tm_list()[name], 2)
        # Without a conflict, overwrite adds.
        res = self.add([{"src": "The bird sings.", "tgt": "L'oiseau chante."}], tm=name,
                       on_conflict="overwrite")
        self.assertEqual((res["added"], res["updated"], res["skipped"]), (1, 0, 0))
        self.assertNotIn(res["ids"][0], (a, b))
        self.assertEqual(self.tm_list()[name], 3)

    def test_add_skip(self):
        name = self.new_tm()
        a = self.add_one("The sun shines.", "Le soleil brille.", tm=name)
        res = self.add([{"src": "The sun shines.", "tgt": "Il fait soleil."},
                        {"src": "The moon rises.", "tgt": "La lune se l\u00e8ve."}],
                       tm=name, on_conflict="skip")
        self.assertEqual((res["added"], res["updated"], res["skipped"]), (1, 0, 1))
        self.assertEqual(res["ids"][0], a)
        self.assertNotEqual(res["ids"][1], a)
        self.assertEqual(self.get(a)["tgt"], "Le soleil brille.")
        self.assertEqual(self.tm_list()[name], 2)
        # With two entries of that source, the skip names one of them.
        b = self.add_one("The sun shines.", "Le soleil luit.", tm=name)
        res = self.add([{"src": "The sun shines.", "tgt": "Soleil !"}], tm=name,
                       on_conflict="skip")
        self.assertEqual(res["skipped"], 1)
        self.assertIn(res["ids"][0], (a, b))
        self.assertEqual(self.tm_list()[name], 3)

    def test_add_sameness(self):
        name = self.new_tm()
        base = self.add_one("Hello world.", "Bonjour le monde.", tm=name)
        cafe = self.add_one("Caf\u00e9 cr\u00e8me.", "Caf\u00e9 cr\u00e8me.", tm=name)
        decomposed = self.add_one("Cafe\u0301 noir.", "Caf\u00e9 noir.", tm=name)
        same = [("  Hello world.", base), ("Hello world.  ", base), ("Hello   world.", base),
                ("Hello\tworld.", base), ("\n Hello \n\n world.\t", base),
                ("Cafe\u0301 cre\u0300me.", cafe), ("Caf\u00e9  cr\u00e8me. ", cafe),
                ("Caf\u00e9 noir.", decomposed)]
        different = ["hello world.", "HELLO WORLD.", "Hello World.", "Hello world",
                     "Hello, world.", "Hello world!", "Helloworld.", "Hello-world.",
                     "caf\u00e9 cr\u00e8me.", "Cafe cr\u00e8me."]
        entries = [{"src": s, "tgt": "Autre."} for s, _ in same] + \
                  [{"src": s, "tgt": "Autre."} for s in different]
        res = self.add(entries, tm=name, on_conflict="skip")
        self.assertEqual((res["added"], res["updated"], res["skipped"]),
                         (len(different), 0, len(same)), res)
        self.assertEqual(res["ids"][:len(same)], [id_ for _, id_ in same])
        new_ids = res["ids"][len(same):]
        self.assertEqual(len(set(new_ids)), len(different))
        self.assertFalse(set(new_ids) & {base, cafe, decomposed})
        self.assertEqual(self.tm_list()[name], 3 + len(different))
        # Lookups compare the same way.
        # Lookups compare the same way (min_score 100: near-exact matches aside).
        results = self.lookup(name, segments=[s for s, _ in same] + different, min_score=100)
        for result, (_, id_) in zip(results, same):
            self.assertEqual(self.hits(result), [(id_, 100, "exact")], result["segment"])
        for result, id_ in zip(results[len(same):], new_ids):
            self.assertEqual(self.hits(result), [(id_, 100, "exact")], result["segment"])

    def test_add_language_pair(self):
        name = self.new_tm()
        a = self.add_one("Good morning.", "Bonjour.", tm=name)
        # "same language pair": another pair does not conflict.
        for src_lang, tgt_lang in (("en", "de"), ("fr", "en"), ("en", "fr-CA"), ("en-GB", "fr")):
            with self.subTest(pair=(src_lang, tgt_lang)):
                res = self.add([{"src": "Good morning.", "tgt": "Bonjour."}], tm=name,
                               src_lang=src_lang, tgt_lang=tgt_lang, on_conflict="skip")
                self.assertEqual(res["added"], 1, res)
                self.assertNotEqual(res["ids"][0], a)
        # Tags are stored in canonical form, so "EN"->"FR" is the pair "en"->"fr".
        res = self.add([{"src": "Good morning.", "tgt": "Salut."}], tm=name, src_lang="EN",
                       tgt_lang="FR", on_conflict="skip")
        self.assertEqual((res["skipped"], res["ids"]), (1, [a]))
        c = self.add_one("See you.", "\u00c0 plus.", tm=name, src_lang="en-us",
                         tgt_lang="FR-ca")
        got = self.get(c)
        self.assertEqual((got["src_lang"], got["tgt_lang"]), ("en-US", "fr-CA"))
        for src_lang, tgt_lang in (("en-US", "fr-CA"), ("EN-us", "fr-ca")):
            results = self.lookup(name, src_lang, tgt_lang, segments=["See you."])
            self.assertEqual(self.hits(results[0]), [(c, 100, "exact")])
            m = results[0]["matches"][0]
            self.assertEqual((m["src_lang"], m["tgt_lang"]), ("en-US", "fr-CA"))
        self.assertEqual(self.lookup(name, "en", "fr", segments=["See you."])[0]["matches"], [])
        self.assertEqual(self.tm_list()[name], 6)

    def test_add_conflicts_within_request(self):
        name = self.new_tm()
        res = self.add([{"src": "Rain falls.", "tgt": "La pluie tombe."},
                        {"src": "Rain falls.", "tgt": "Il pleut."},
                        {"src": " Rain  falls.", "tgt": "La pluie tombe."}], tm=name)
        a, b, c = res["ids"]
        self.assertEqual((res["added"], res["updated"], res["skipped"]), (2, 0, 1))
        self.assertNotEqual(a, b)
        self.assertEqual(c, a)
        res = self.add([{"src": "Snow falls.", "tgt": "La neige tombe."},
                        {"src": "Snow falls.", "tgt": "Il neige."}], tm=name, on_conflict="skip")
        self.assertEqual((res["added"], res["updated"], res["skipped"]), (1, 0, 1))
        self.assertEqual(res["ids"][0], res["ids"][1])
        self.assertEqual(self.get(res["ids"][0])["tgt"], "La neige tombe.")
        res = self.add([{"src": "Wind blows.", "tgt": "Le vent souffle."},
                        {"src": "Wind\tblows.", "tgt": "Il vente."}], tm=name,
                       on_conflict="overwrite")
        self.assertEqual((res["added"], res["updated"], res["skipped"]), (1, 1, 0))
        self.assertEqual(res["ids"][0], res["ids"][1])
        self.assertEqual(self.get(res["ids"][0])["tgt"], "Il vente.")
        self.assertEqual(self.tm_list()[name], 4)

    def test_add_bad_entries_write_nothing(self):
        name = self.new_tm()
        self.add_one("Already here.", "D\u00e9j\u00e0 l\u00e0.", tm=name)
        good = [{"src": "Fresh %d." % i, "tgt": "Nouveau %d." % i} for i in range(3)]
        bad_entries = [
            ({"tgt": "x"}, "src missing"), ({"src": None, "tgt": "x"}, "src nil"),
            ({"src": "", "tgt": "x"}, "src empty"), ({"src": 5, "tgt": "x"}, "src int"),
            ({"src": b"x", "tgt": "x"}, "src bin"), ({"src": "x"}, "tgt missing"),
            ({"src": "x", "tgt": ""}, "tgt empty"), ({"src": "x", "tgt": ["y"]}, "tgt array"),
            ({"src": "x", "tgt": "y", "author": 5}, "author int"),
            ({"src": "x", "tgt": "y", "author": True}, "author bool"),
            ({"src": "x", "tgt": "y", "note": b"n"}, "note bin"),
            ({"src": "x", "tgt": "y", "origin": {"f": 1}}, "origin map"),
            ({"src": "x", "tgt": "y", "prev": 1}, "prev int"),
            ({"src": "x", "tgt": "y", "next": ["z"]}, "next array"),
            ("src=x tgt=y", "str entry"), (5, "int entry"), (["x", "y"], "array entry"),
            (None, "nil entry")]
        for bad, what in bad_entries:
            for index in (0, 1, 3):
                entries = good[:index] + [bad] + good[index:]
                with self.subTest(what, index=index):
                    err = self.error("add", "EBADREQ", tm=name, src_lang="en", tgt_lang="fr",
                                     entries=entries)
                    # "EBADREQ names the first bad entry (entries[3].tgt must be ...)"
                    self.assertIn("entries[%d]" % index, err["message"])
        # A second bad entry after the first: the first is named.
        err = self.error("add", "EBADREQ", tm=name, src_lang="en", tgt_lang="fr",
                         entries=[good[0], {"src": ""}, good[1], {"tgt": ""}])
        self.assertIn("entries[1]", err["message"])
        self.assertNotIn("entries[3]", err["message"])
        # Nothing of any of these requests was written.
        self.assertEqual(self.tm_list()[name], 1)
        results = self.lookup(name, segments=[e["src"] for e in good] + ["x"])
        self.assertEqual([r["matches"] for r in results], [[]] * 4)
        # Unknown keys in an entry, and nil optional fields, are fine.
        res = self.add([{"src": "Extra keys.", "tgt": "Cl\u00e9s en plus.", "colour": "red",
                         "author": None, "note": None, "prev": None}], tm=name)
        got = self.get(res["ids"][0])
        self.assertEqual((got["author"], got["note"], got["origin"]), ("", "", ""))

    def test_add_bad_requests_write_nothing(self):
        name = self.new_tm()
        entries = [{"src": "Never stored.", "tgt": "Jamais enregistr\u00e9."}]
        base = dict(tm=name, src_lang="en", tgt_lang="fr", entries=entries)
        cases = [({"entries": None}, "EBADREQ"), ({"entries": []}, "EBADREQ"),
                 ({"entries": entries[0]}, "EBADREQ"), ({"entries": "x"}, "EBADREQ"),
                 ({"src_lang": None}, "EBADREQ"), ({"tgt_lang": None}, "EBADREQ"),
                 ({"src_lang": 5}, "EBADREQ"), ({"tgt_lang": b"fr"}, "EBADREQ"),
                 ({"tm": 5}, "EBADREQ"), ({"on_conflict": "replace"}, "EBADREQ"),
                 ({"on_conflict": "SKIP"}, "EBADREQ"), ({"on_conflict": 1}, "EBADREQ"),
                 ({"src_lang": "en_US"}, "EBADLANG"), ({"tgt_lang": ""}, "EBADLANG"),
                 ({"tgt_lang": "fr--CA"}, "EBADLANG"),
                 ({"src_lang": private_use_tag(64)}, "EBADLANG"),
                 ({"tm": "no-such-tm-%d" % next(TM_NAMES)}, "ENOTFOUND")]
        for fields, code in cases:
            with self.subTest(fields=fields):
                self.error("add", code, **dict(base, **fields))
        self.assertEqual(self.tm_list()[name], 0)
        self.assertEqual(self.lookup(name, segments=["Never stored."])[0]["matches"], [])

    # ---- get, delete ---------------------------------------------------------

    def test_get(self):
        name = self.new_tm()
        t0 = int(time.time())
        full = {"src": "Stra\u00dfe und Br\u00fccke.", "tgt": "Rue et pont.",
                "prev": "Vorher.", "next": "Nachher.", "author": "J\u00fcrgen",
                "note": "checked \u2713", "origin": "docs/br\u00fccke.odt"}
        a = self.add_one(tm=name, src_lang="de", tgt_lang="fr", **full)
        b = self.add_one("Nur Text.", "Seulement du texte.", tm=name, src_lang="de",
                         tgt_lang="fr")
        t1 = int(time.time())
        got = self.get(a)
        self.assertEqual(set(ENTRY_STR_KEYS + ENTRY_INT_KEYS) - set(got), set())
        self.assertEqual(got["id"], a)
        self.assertEqual((got["tm"], got["src_lang"], got["tgt_lang"]), (name, "de", "fr"))
        for key in ("src", "tgt", "author", "note", "origin"):
            self.assertEqual(got[key], full[key], key)
        self.assertTrue(t0 - 1 <= got["created"] <= t1 + 1, got)
        self.assertGreaterEqual(got["usage"], 0)
        got = self.get(b)
        # "" for the fields not given.
        self.assertEqual((got["src"], got["tgt"], got["author"], got["note"], got["origin"]),
                         ("Nur Text.", "Seulement du texte.", "", "", ""))
        self.assertTrue(t0 - 1 <= got["created"] <= t1 + 1, got)
        # Over REQ too.
        self.assertEqual(self.get(a, sock=self.socket(zmq.REQ))["tgt"], "Rue et pont.")
        # Ids that are not entries.
        for missing in (MISSING_ID, 0, -1, 2**64 - 1):
            with self.subTest(id=missing):
                self.get_missing(missing)
        self.assertEqual(self.call(self.dealer, "delete", ids=[b]), {"deleted": 1})
        self.get_missing(b)
        # The entry id is required and an int; the request id is echoed, whatever it is.
        self.dealer.send(pack({"v": 1, "op": "get"}))
        self.check_reply(self.must_recv(self.dealer)[0], False, None, "EBADREQ")
        self.error("get", "EBADREQ", entry_id="%d" % a)
        self.assertEqual(self.call(self.dealer, "get", id_="req-7", entry_id=a)["entry"]["id"], a)

    def test_delete(self):
        name = self.new_tm()
        ids = self.add([{"src": "Delete me %d." % i, "tgt": "Efface-moi %d." % i}
                        for i in range(4)], tm=name)["ids"]
        self.assertEqual(self.call(self.dealer, "delete", ids=[ids[0], MISSING_ID, ids[1]]),
                         {"deleted": 2})
        self.assertEqual(self.tm_list()[name], 2)
        self.get_missing(ids[0])
        self.get_missing(ids[1])
        self.assertEqual(self.get(ids[2])["src"], "Delete me 2.")
        # Missing ids are not an error; they are not counted.
        self.assertEqual(self.call(self.dealer, "delete", ids=[ids[0], ids[1], MISSING_ID]),
                         {"deleted": 0})
        results = self.lookup(name, segments=["Delete me 0.", "Delete me 2."], min_score=100)
        self.assertEqual(results[0]["matches"], [])
        self.assertEqual(self.hits(results[1]), [(ids[2], 100, "exact")])
        # Bad requests delete nothing.
        for bad in ([ids[2], "x"], [ids[3], 1.5], [ids[2], None], [ids[3], True], ids[2],
                    "%d" % ids[2], {"a": ids[2]}, None, [ids[2], [ids[3]]]):
            with self.subTest(ids=bad):
                self.error("delete", "EBADREQ", ids=bad)
        self.error("delete", "EBADREQ")
        self.assertEqual(self.tm_list()[name], 2)
        self.assertEqual(self.call(self.dealer, "delete", ids=ids[2:]), {"deleted": 2})
        self.assertEqual(self.tm_list()[name], 0)

    # ---- lookup --------------------------------------------------------------

    def test_lookup_segments_exact(self):
        name = self.new_tm()
        a = self.add_one("The train is late.", "Le train est en retard.", tm=name,
                         author="ann", note="n", origin="o.txt")
        b = self.add_one("Where is the station?", "O\u00f9 est la gare ?", tm=name)
        segments = ["Where is the station?", "Nothing like this.", "The train is late.",
                    "The train is late."]
        results = self.lookup(name, segments=segments)
        self.assertEqual([self.hits(r) for r in results],
                         [[(b, 100, "exact")], [], [(a, 100, "exact")], [(a, 100, "exact")]])
        # A match is an entry map as get returns it.
        match, got = results[2]["matches"][0], self.get(a)
        for key in ("id", "tm", "src_lang", "tgt_lang", "src", "tgt", "author", "note",
                    "origin", "created"):
            self.assertEqual(match[key], got[key], key)
        self.assertEqual(match["tgt"], "Le train est en retard.")
        # The other direction of the pair finds the entries by their target,
        # turned round ("lookups in both directions of a language pair").
        results = self.lookup(name, "fr", "en", segments=["O\u00f9 est la gare ?",
                                                           "Le train est en retard."])
        self.assertEqual([self.hits(r) for r in results], [[(b, 100, "exact")],
                                                           [(a, 100, "exact")]])
        turned = results[1]["matches"][0]
        self.assertEqual((turned["src_lang"], turned["tgt_lang"], turned["src"], turned["tgt"],
                          turned["reversed"]),
                         ("fr", "en", "Le train est en retard.", "The train is late.", True))
        self.assertIs(self.lookup(name, segments=["The train is late."])[0]["matches"][0]
                      ["reversed"], False)
        # Other pairs see nothing.
        for src_lang, tgt_lang, segs in (("fr", "en", segments), ("en", "de", segments),
                                         ("de", "fr", segments), ("en", "fr-FR", segments)):
            with self.subTest(pair=(src_lang, tgt_lang), segments=segs):
                results = self.lookup(name, src_lang, tgt_lang, segments=segs)
                self.assertEqual([r["matches"] for r in results], [[]] * len(segs))
        # Other TMs do not see these entries.
        other = self.new_tm()
        self.assertEqual([r["matches"] for r in self.lookup(other, segments=segments)],
                         [[]] * 4)
        self.assertEqual([r["matches"] for r in self.lookup(segments=segments)], [[]] * 4)
        # nil fields are absent: defaults apply.
        results = self.lookup(name, segments=segments[:1], min_score=None, max_results=None,
                              text=None)
        self.assertEqual(self.hits(results[0]), [(b, 100, "exact")])

    def test_lookup_limits(self):
        name = self.new_tm()
        src = "Many translations."
        ids = self.add([{"src": src, "tgt": "Traduction %d." % i} for i in range(7)],
                       tm=name)["ids"]
        self.assertEqual(len(set(ids)), 7)
        for max_results, count in ((None, 5), (1, 1), (2, 2), (5, 5), (7, 7), (100, 7)):
            with self.subTest(max_results=max_results):
                results = self.lookup(name, segments=[src], max_results=max_results)
                hits = self.hits(results[0])
                self.assertEqual(len(hits), count)
                self.assertEqual(len({h[0] for h in hits}), count)
                self.assertTrue({h[0] for h in hits} <= set(ids))
                self.assertTrue(all(h[1:] == (100, "exact") for h in hits), hits)
        for min_score, count in ((0, 5), (70, 5), (100, 5), (101, 0)):
            with self.subTest(min_score=min_score):
                results = self.lookup(name, segments=[src], min_score=min_score)
                self.assertEqual(len(results[0]["matches"]), count)
        base = dict(tm=name, src_lang="en", tgt_lang="fr", segments=[src])
        bad = [{"max_results": 0}, {"max_results": 101}, {"max_results": -1},
               {"max_results": "5"}, {"max_results": 2.0}, {"max_results": True},
               {"min_score": -1}, {"min_score": 102}, {"min_score": "70"},
               {"min_score": 70.5}, {"segments": None}, {"segments": src},
               {"segments": [src, 5]}, {"segments": [b"x"]}, {"segments": {"a": src}},
               {"text": src}, {"text": "", "segments": []}, {"src_lang": None},
               {"tgt_lang": None}, {"src_lang": 5}, {"tm": 5}]
        for fields in bad:
            with self.subTest(fields=fields):
                self.error("lookup", "EBADREQ", **dict(base, **fields))
        self.error("lookup", "EBADREQ", tm=name, src_lang="en", tgt_lang="fr", text=5)
        for fields in ({"src_lang": "en_GB"}, {"tgt_lang": "f"}, {"tgt_lang": ""}):
            with self.subTest(fields=fields):
                self.error("lookup", "EBADLANG", **dict(base, **fields))
        self.error("lookup", "ENOTFOUND", **dict(base, tm="no-such-tm-%d" % next(TM_NAMES)))

    def test_lookup_context(self):
        name = self.new_tm()
        prev, src, nxt = "Open the box.", "Take out the cable.", "Plug it in."
        ctx = self.add_one(src, "Sortez le c\u00e2ble.", tm=name, prev=prev, next=nxt)
        # Added later, so more recently changed: still ranked after the context match.
        plain = self.add_one(src, "Retirez le c\u00e2ble.", tm=name)
        results = self.lookup(name, segments=[prev, src, nxt])
        self.assertEqual(results[0]["matches"], [])
        self.assertEqual(results[2]["matches"], [])
        self.assertEqual(self.hits(results[1]), [(ctx, 101, "context"), (plain, 100, "exact")])
        self.assertEqual(results[1]["matches"][0]["tgt"], "Sortez le c\u00e2ble.")
        # The neighbours compare normalised, like sources.
        results = self.lookup(name, segments=["  Open  the box.", "Take out\tthe cable. ",
                                              "Plug it\n in."])
        self.assertEqual(self.hits(results[1])[0], (ctx, 101, "context"))
        # min_score 101 keeps only context matches.
        results = self.lookup(name, segments=[prev, src, nxt], min_score=101)
        self.assertEqual([self.hits(r) for r in results], [[], [(ctx, 101, "context")], []])
        # Other or missing neighbours: the stored context entry is only an exact match.
        for segments, index in (([src], 0), ([prev, src], 1), ([src, nxt], 0),
                                (["Close the box.", src, nxt], 1),
                                ([prev, src, "Unplug it."], 1), ([nxt, src, prev], 1),
                                ([prev, src, src, nxt], 1)):
            with self.subTest(segments=segments):
                results = self.lookup(name, segments=segments)
                hits = dict((h[0], h[1:]) for h in self.hits(results[index]))
                self.assertEqual(hits.get(ctx), (100, "exact"), results[index])
                self.assertIn(plain, hits)
                top = self.lookup(name, segments=segments, min_score=101)[index]
                self.assertNotIn(ctx, [m["id"] for m in top["matches"]])
        # The first segment has nothing before it, the last nothing after it.
        first = self.add_one("Chapter one.", "Chapitre un.", tm=name, next="It was dark.")
        last = self.add_one("The end.", "Fin.", tm=name, prev="They left.")
        results = self.lookup(name, segments=["Chapter one.", "It was dark."])
        self.assertEqual(self.hits(results[0]), [(first, 101, "context")])
        results = self.lookup(name, segments=["Preface.", "Chapter one.", "It was dark."])
        self.assertEqual(self.hits(results[1]), [(first, 100, "exact")])
        results = self.lookup(name, segments=["They left.", "The end."])
        self.assertEqual(self.hits(results[1]), [(last, 101, "context")])
        results = self.lookup(name, segments=["They left.", "The end.", "Epilogue."])
        self.assertEqual(self.hits(results[1]), [(last, 100, "exact")])

    def test_lookup_text(self):
        name = self.new_tm()
        text = ("\u00c9lodie est all\u00e9e \u00e0 la plage. Le caf\u00e9 \u00e9tait "
                "ferm\u00e9. Il pleuvait sur la mer.  Elle est rentr\u00e9e \u00e0 pied.")
        sentences = ["\u00c9lodie est all\u00e9e \u00e0 la plage.",
                     "Le caf\u00e9 \u00e9tait ferm\u00e9.", "Il pleuvait sur la mer.",
                     "Elle est rentr\u00e9e \u00e0 pied."]
        data = text.encode("utf-8")
        first = self.add_one(sentences[0], "\u00c9lodie went to the beach.", tm=name,
                             src_lang="fr", tgt_lang="en")
        ctx = self.add_one(sentences[1], "The caf\u00e9 was closed.", tm=name, src_lang="fr",
                           tgt_lang="en", prev=sentences[0], next=sentences[2])
        last = self.add_one(sentences[3], "She walked home.", tm=name, src_lang="fr",
                            tgt_lang="en")
        results = self.lookup(name, "fr", "en", text=text)
        self.assertEqual([r["segment"] for r in results], sentences)
        pos = 0
        for r in results:
            self.assertLessEqual(pos, r["start"])
            self.assertLess(r["start"], r["end"])
            self.assertEqual(data[r["start"]:r["end"]], r["segment"].encode("utf-8"))
            pos = r["end"]
        # Byte offsets, not character offsets.
        self.assertNotEqual(results[3]["start"], text.index(sentences[3]))
        self.assertEqual(results[3]["end"], len(data))
        # The same cut as segment with src_lang.
        segs = self.segment(text, "fr")["segments"]
        self.assertEqual([(r["segment"], r["start"], r["end"]) for r in results],
                         [(s["text"], s["start"], s["end"]) for s in segs])
        self.assertEqual([self.hits(r) for r in results],
                         [[(first, 100, "exact")], [(ctx, 101, "context")], [],
                          [(last, 100, "exact")]])
        # Chinese, cut by zh rules.
        zh = "\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002\u6211\u4eec\u53bb\u516c\u56ed\u5427\uff01"
        zh_id = self.add_one("\u6211\u4eec\u53bb\u516c\u56ed\u5427\uff01",
                             "Let's go to the park!", tm=name, src_lang="zh", tgt_lang="en")
        results = self.lookup(name, "zh", "en", text=zh)
        self.assertEqual([(r["segment"], r["start"], r["end"]) for r in results],
                         [("\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002", 0, 21),
                          ("\u6211\u4eec\u53bb\u516c\u56ed\u5427\uff01", 21, 42)])
        self.assertEqual([self.hits(r) for r in results], [[], [(zh_id, 100, "exact")]])
        # An empty text cuts into no sentences.
        for empty in ("", "  \n\n "):
            self.assertEqual(self.lookup(name, "fr", "en", text=empty), [])

    # ---- near-exact matches ----------------------------------------------------

    def test_lookup_near_penalties_alone(self):
        name = self.new_tm()
        tags = ['<bpt i="1" x="1">&lt;b&gt;</bpt>', '<ept i="1">&lt;/b&gt;</ept>']
        file_ = self.add_one("Save the file.", "Enregistrez le fichier.", tm=name)
        cafe = self.add_one("Caf\u00e9 au lait.", "Caf\u00e9 au lait.", tm=name)
        click = self.add_one("Click " + mark(0) + "OK" + mark(1) + " now",
                             "Cliquez sur " + mark(0) + "OK" + mark(1) + " maintenant",
                             tm=name, src_tags=tags, tgt_tags=tags)
        page = self.add_one("Page 3 of 10", "Page 3 sur 10", tm=name)
        cases = [("save the file.", file_, {"case": 1}),
                 ("SAVE THE FILE.", file_, {"case": 1}),
                 ("CAF\u00c9 AU LAIT.", cafe, {"case": 1}),
                 ("Save the file", file_, {"punctuation": 2}),
                 ("Save the file!", file_, {"punctuation": 2}),
                 ("Save, the file.", file_, {"punctuation": 2}),
                 ("\u00bfSave the file?", file_, {"punctuation": 2}),
                 ("Save the file .", file_, {"punctuation": 2}),     # spacing
                 ("Savethe file.", file_, {"punctuation": 2}),       # spacing
                 ("Click OK now", click, {"tags": 1}),
                 ("Click " + mark(0) + "OK now", click, {"tags": 1}),
                 ("Click " + mark(0) + "OK" + mark(1) + mark(2) + " now", click, {"tags": 1}),
                 ("Page 4 of 10", page, {"numbers": 3}),            # the document's example
                 ("Page 3 of 12", page, {"numbers": 3}),
                 ("Page 4 of 11", page, {"numbers": 3})]
        for segment, id_, penalties in cases:
            with self.subTest(segment=segment):
                score = 100 - sum(penalties.values())
                self.assertEqual(self.look(name, segment),
                                 [(id_, score, "near", penalties, False)])
        # The stored sources themselves are exact matches, without penalties.
        for src, id_ in (("Save the file.", file_), ("Caf\u00e9 au lait.", cafe),
                         ("Click " + mark(0) + "OK" + mark(1) + " now", click),
                         ("Page 3 of 10", page), ("  Save  the file. ", file_)):
            with self.subTest(segment=src):
                self.assertEqual(self.look(name, src), [(id_, 100, "exact", {}, False)])

    def test_lookup_near_combined_and_ranked(self):
        name = self.new_tm()
        ph = ['<ph x="1"/>', '<ph x="2"/>']
        # The document's example: "Save the file." for the stored "Save the File:" is 97.
        colon = self.add_one("Save the File:", "Enregistrez le fichier :", tm=name)
        self.assertEqual(self.look(name, "Save the file."),
                         [(colon, 97, "near", {"case": 1, "punctuation": 2}, False)])
        every = self.add_one("Press " + mark(0) + "Save" + mark(1) + " to keep 3 files.",
                             "Appuyez sur " + mark(0) + "Enregistrer" + mark(1) +
                             " pour garder 3 fichiers.", tm=name, src_tags=ph, tgt_tags=ph)
        self.assertEqual(self.look(name, "press save to keep 4 files"),
                         [(every, 93, "near", {"case": 1, "tags": 1, "punctuation": 2,
                                                "numbers": 3}, False)])
        self.assertEqual(self.look(name, "PRESS " + mark(0) + "SAVE" + mark(1) +
                                   " TO KEEP 3 FILES."),
                         [(every, 99, "near", {"case": 1}, False)])
        self.assertEqual(self.look(name, "Press Save to keep 12 files."),
                         [(every, 96, "near", {"tags": 1, "numbers": 3}, False)])
        page = self.add_one("Page 3.", "Page 3.", tm=name)
        self.assertEqual(self.look(name, "page 4"),
                         [(page, 94, "near", {"case": 1, "punctuation": 2, "numbers": 3},
                           False)])
        # Exact is 100 and comes before every near match, even older ones; near matches
        # rank by score, ties by the most recently changed.
        other = self.new_tm()
        old = dict(created=1000, changed=1000)
        exact = self.add_one("Close the door.", "Fermez la porte.", tm=other, **old)
        n99 = self.add_one("CLOSE THE DOOR.", "FERMEZ LA PORTE.", tm=other)
        n98 = self.add_one("Close the door!", "Fermez la porte !", tm=other)
        n97a = self.add_one("Close, " + mark(0) + "the door.", "Fermez " + mark(0) +
                            "la porte.", tm=other, src_tags=ph[:1], tgt_tags=ph[:1],
                            created=1000, changed=2000)
        n97b = self.add_one("close the door", "fermez la porte", tm=other, created=1000,
                            changed=3000)
        ranked = [(exact, 100, "exact", {}, False), (n99, 99, "near", {"case": 1}, False),
                  (n98, 98, "near", {"punctuation": 2}, False),
                  (n97b, 97, "near", {"case": 1, "punctuation": 2}, False),
                  (n97a, 97, "near", {"tags": 1, "punctuation": 2}, False)]
        self.assertEqual(self.look(other, "Close the door."), ranked)
        self.assertEqual(self.look(other, "Close the door.", max_results=2), ranked[:2])
        # min_score leaves near matches out.
        for min_score, count in ((0, 5), (97, 5), (98, 3), (99, 2), (100, 1), (101, 0)):
            with self.subTest(min_score=min_score):
                self.assertEqual(self.look(other, "Close the door.", min_score=min_score),
                                 ranked[:count])
        self.assertEqual(self.look(other, "Close the door:", min_score=99), [])
        # A near match is never a context match.
        ctx = self.new_tm()
        c = self.add_one("Open the window.", "Ouvrez la fen\u00eatre.", tm=ctx,
                         prev="It is hot.", next="Thank you.")
        results = self.lookup(ctx, segments=["It is hot.", "open the window.", "Thank you."])
        self.assertEqual(self.match_info(results[1]), [(c, 99, "near", {"case": 1}, False)])
        results = self.lookup(ctx, segments=["It is hot.", "open the window.", "Thank you."],
                              min_score=101)
        self.assertEqual([r["matches"] for r in results], [[], [], []])
        results = self.lookup(ctx, segments=["It is hot.", "Open the window.", "Thank you."])
        self.assertEqual(self.match_info(results[1]), [(c, 101, "context", {}, False)])

    def test_lookup_near_punctuation_only_sources(self):
        name = self.new_tm()
        dots = self.add_one("...", "...", tm=name)
        bangs = self.add_one("!!!", "!!!", tm=name)
        question = self.add_one("?", "?", tm=name)
        dash = self.add_one("\u2014 \u00bb", "\u2014 \u00bb", tm=name)
        only_mark = self.add_one(mark(0), mark(0), tm=name, src_tags=['<ph x="1"/>'],
                                 tgt_tags=['<ph x="1"/>'])
        # Sources with nothing left after removal have only exact matches.
        cases = [("...", [dots]), ("!!!", [bangs]), (" ? ", [question]),
                 ("\u2014  \u00bb", [dash]), (mark(0), [only_mark]), ("\u2026", []),
                 (". . .", []), ("!", []), ("?!", []), ("\u2014\u00bb", []), ("\u00bb", []),
                 (mark(0) + mark(1), []), ("\u3002", [])]
        for segment, ids in cases:
            with self.subTest(segment=segment):
                self.assertEqual(self.look(name, segment, min_score=0),
                                 [(id_, 100, "exact", {}, False) for id_ in ids])
        # A source with words is no near match for them either, nor they for it.
        word = self.add_one("Yes!", "Oui !", tm=name)
        self.assertEqual(self.look(name, "!", min_score=0), [])
        self.assertEqual(self.look(name, "Yes", min_score=0),
                         [(word, 98, "near", {"punctuation": 2}, False)])

    def test_lookup_near_cjk(self):
        name = self.new_tm()
        hello = self.add_one("\u4f60\u597d\uff0c\u4e16\u754c\u3002", "Hello, world.",
                             tm=name, src_lang="zh", tgt_lang="en")
        punct = {"punctuation": 2}
        cases = [("\u4f60\u597d\u4e16\u754c", punct),                 # 你好世界
                 ("\u4f60\u597d, \u4e16\u754c.", punct),              # ASCII punctuation
                 ("\u4f60\u597d\uff0c\u4e16\u754c\uff01", punct),     # ！ for 。
                 ("\u4f60\u597d\u3000\u4e16\u754c\u3002", punct),     # ideographic space
                 ("\u300c\u4f60\u597d\uff0c\u4e16\u754c\u3002\u300d", punct)]
        for segment, penalties in cases:
            with self.subTest(segment=segment):
                self.assertEqual(self.look(name, segment, "zh", "en"),
                                 [(hello, 98, "near", penalties, False)])
        self.assertEqual(self.look(name, "\u4f60\u597d\uff0c\u4e16\u754c\u3002", "zh", "en"),
                         [(hello, 100, "exact", {}, False)])
        # Other characters are not near matches.
        for segment in ("\u4f60\u597d\uff0c\u5730\u7403\u3002", "\u4f60\u597d",
                        "\u4f60\u597d\uff0c\u4e16\u754c\u554a\u3002"):
            with self.subTest(segment=segment):
                kinds = [i[2] for i in self.look(name, segment, "zh", "en", min_score=0)]
                self.assertFalse({"exact", "near", "context"} & set(kinds), kinds)
        # Reversed, on the target: "Hello world" for "Hello, world." looked up en->zh.
        self.assertEqual(self.look(name, "hello world", "en", "zh"),
                         [(hello, 97, "near", {"case": 1, "punctuation": 2}, True)])

    def test_lookup_near_numbers(self):
        name = self.new_tm()
        total = self.add_one("Total: 1,234.5 kg", "Total : 1 234,5 kg", tm=name)
        version = self.add_one("Version 1.2 and 3", "Version 1.2 et 3", tm=name)
        numbers = {"numbers": 3}
        near = [("Total: 1,234.6 kg", total, numbers),
                ("Total: 9,876.5 kg", total, numbers),
                ("Total: 7 kg", total, numbers),              # one number for another
                ("Total: 12,345,678.25 kg", total, numbers),
                ("total: 1,234.5 kg", total, {"case": 1}),
                ("Total 1,234.5 kg", total, {"punctuation": 2}),
                ("Total: 1,234.5 kg.", total, {"punctuation": 2}),
                ("Total; 7 kg", total, {"punctuation": 2, "numbers": 3}),
                ("Version 1 and 2.3", version, numbers),
                ("Version 1.2.3 and 4", version, numbers),
                ("Version 10,5 and 3", version, numbers),
                ("version 1.2 and 3.", version, {"case": 1, "punctuation": 2})]
        for segment, id_, penalties in near:
            with self.subTest(segment=segment):
                score = 100 - sum(penalties.values())
                self.assertEqual(self.look(name, segment), [(id_, score, "near", penalties,
                                                             False)])
        # A separator doubled, or numbers missing or added, make other token lists.
        for segment in ("Total: 1,,234.5 kg", "Total: 1..234 kg", "Total: kg",
                        "Total: 1 and 2 kg", "Version 1.2 and", "Version 1.2 and 3 4",
                        "Version 1..2 and 3", "Total: one kg"):
            with self.subTest(segment=segment):
                kinds = [i[2] for i in self.look(name, segment, min_score=0)]
                self.assertFalse({"exact", "near", "context"} & set(kinds), kinds)

    def test_lookup_near_other_words(self):
        name = self.new_tm()
        self.add_one("Save the file.", "Enregistrez le fichier.", tm=name)
        self.add_one("The cat sleeps.", "Le chat dort.", tm=name)
        for segment in ("Save the fire.", "Save file.", "Save the files.", "Save the file now.",
                        "Sav the file.", "Save a file.", "Save the fil\u00e9.", "The cats sleep.",
                        "The dog sleeps.", "Sleeps the cat."):
            with self.subTest(segment=segment):
                kinds = [i[2] for i in self.look(name, segment, min_score=0)]
                self.assertFalse({"exact", "near", "context"} & set(kinds), kinds)

    def test_lookup_ties(self):
        name = self.new_tm()
        src = "Tie breaker."
        spec = [("A", 3000, 1), ("B", 3000, 5), ("C", 4000, 0), ("D", 3000, 5), ("E", 2000, 9)]
        ids = {}
        for tgt, changed, usage in spec:
            ids[tgt] = self.add_one(src, tgt, tm=name, created=1000, changed=changed,
                                    usage=usage)
        self.assertLess(ids["B"], ids["D"])
        # "the most recently changed entry, then the most used, then the lowest id"
        order = [ids[t] for t in "CBDAE"]
        self.assertEqual([i[0] for i in self.look(name, src)], order)
        # Near matches of one score likewise, after all exact ones.
        n1 = self.add_one("tie breaker.", "a", tm=name, created=1000, changed=1500)
        n2 = self.add_one("TIE BREAKER.", "b", tm=name, created=1000, changed=1600)
        self.assertEqual([i[0] for i in self.look(name, src, max_results=7)],
                         order + [n2, n1])
        # used raises usage without changing changed: A becomes the most used of 3000.
        self.update(ids["A"], used=10)
        self.assertEqual([i[0] for i in self.look(name, src)],
                         [ids[t] for t in "CABDE"])

    def test_lookup_near_cap_never_misses_exact(self):
        name = self.new_tm()
        # Hundreds of entries that share the source up to case and punctuation.
        near = self.add([{"src": ("turn it off", "TURN IT OFF!", "Turn it off")[i % 3],
                          "tgt": "\u00c9teins %d." % i} for i in range(240)], tm=name)["ids"]
        self.assertEqual(len(set(near)), 240)
        exact = self.add([{"src": "Turn it off.", "tgt": "Arr\u00eate %d." % i}
                          for i in range(3)], tm=name)["ids"]
        results = self.lookup(name, segments=["Turn it off."], max_results=100)
        info = self.match_info(results[0])
        self.assertEqual(sorted(i[0] for i in info[:3]), sorted(exact))
        self.assertTrue(all(i[1:3] == (100, "exact") for i in info[:3]), info[:3])
        self.assertTrue(all(i[2] == "near" and i[0] in near for i in info[3:]), info)
        self.assertGreater(len(info), 3)
        # Exact matches are never capped: 150 of them, and 240 near ones; and 30 more
        # stored the other way round (fr->en, target "Turn it off."), changed later so that
        # they rank first.
        more = self.add([{"src": "Turn it off.", "tgt": "Coupe %d." % i} for i in range(147)],
                        tm=name)["ids"]
        turned = self.add([{"src": "\u00c9teins-le %d." % i, "tgt": "Turn it off.",
                            "created": 1000, "changed": 4000000000} for i in range(30)],
                          tm=name, src_lang="fr", tgt_lang="en")["ids"]
        self.assertEqual(len(set(exact + more + turned)), 180)
        # Ranked by the tie rules: most recently changed, most used, lowest id.
        got = [self.full_get(id_) for id_ in exact + more + turned]
        ranked = [e["id"] for e in sorted(got, key=lambda e: (-e["changed"], -e["usage"],
                                                               e["id"]))]
        self.assertEqual(ranked[:30], sorted(turned))
        for min_score in (0, 100):
            with self.subTest(min_score=min_score):
                info = self.look(name, "Turn it off.", max_results=100, min_score=min_score)
                self.assertEqual([i[0] for i in info], ranked[:100])
                self.assertTrue(all(i[1:3] == (100, "exact") for i in info), info)
                self.assertEqual([i[4] for i in info], [True] * 30 + [False] * 70)
        for max_results in (1, 5, 64, 65, 99):
            with self.subTest(max_results=max_results):
                info = self.look(name, "Turn it off.", max_results=max_results)
                self.assertEqual([i[0] for i in info], ranked[:max_results])

    def test_lookup_near_after_normalisation(self):
        name = self.new_tm()
        cafe = self.add_one("Caf\u00e9 au lait.", "Caf\u00e9 au lait.", tm=name)
        # The segment is NFC-normalised and its white space runs folded first: these are
        # exact matches, not near ones.
        for segment in ("Cafe\u0301 au lait.", "Caf\u00e9\u00a0au\u3000lait.",
                        "\u2003Caf\u00e9 \t au lait.\u2029"):
            with self.subTest(segment=segment):
                self.assertEqual(self.look(name, segment), [(cafe, 100, "exact", {}, False)])
        self.assertEqual(self.look(name, "CAFE\u0301 AU LAIT."),
                         [(cafe, 99, "near", {"case": 1}, False)])
        self.assertEqual(self.look(name, "Cafe\u0301 au lait"),
                         [(cafe, 98, "near", {"punctuation": 2}, False)])

    def test_update_keeps_id_tm_pair_context(self):
        name, other = self.new_tm(), self.new_tm()
        a = self.add_one("Keep me here.", "Garde-moi ici.", tm=name, prev="Before.",
                         next="After.", created=1000, changed=1000, usage=4)
        # tm, the language pair, the context and the dated fields are not update fields:
        # unknown keys, ignored.
        self.error("update", "EBADREQ", entry_id=a, tm=other, src_lang="de", prev="P.")
        entry = self.update(a, tgt="Reste ici.", tm=other, src_lang="de", tgt_lang="it",
                            prev="P.", next="N.", created=5, changed=6, usage=9)
        self.assertEqual((entry["id"], entry["tm"], entry["src_lang"], entry["tgt_lang"],
                          entry["created"], entry["usage"]), (a, name, "en", "fr", 1000, 4))
        self.assertNotEqual(entry["changed"], 6)
        self.assertEqual(self.tm_list()[other], 0)
        results = self.lookup(name, segments=["Before.", "Keep me here.", "After."])
        self.assertEqual(self.match_info(results[1]), [(a, 101, "context", {}, False)])
        results = self.lookup(name, segments=["P.", "Keep me here.", "N."])
        self.assertEqual(self.match_info(results[1]), [(a, 100, "exact", {}, False)])
        self.assertEqual(self.look(other, "Keep me here.", min_score=0), [])

    def test_add_overwrite_tags_and_props(self):
        name = self.new_tm()
        tags = ['<ph x="1"/>']
        a = self.add_one("Overwrite " + mark(0) + "me.", "\u00c9crase " + mark(0) + "moi.",
                         tm=name, src_tags=tags, tgt_tags=tags, props=[["k", "v"]],
                         author="ann")
        # The new entry's fields replace the old ones, and fields it does not give are lost.
        res = self.add([{"src": "Overwrite " + mark(0) + "me.", "src_tags": tags,
                         "tgt": "Remplace " + mark(0) + "moi.", "tgt_tags": ['<ph x="2"/>'],
                         "props": [["k", "w"], ["j", "x"]]}], tm=name, on_conflict="overwrite")
        self.assertEqual((res["updated"], res["ids"]), (1, [a]))
        got = self.full_get(a)
        self.assertEqual((got["tgt"], got["tgt_tags"], got["props"], got["author"]),
                         ("Remplace " + mark(0) + "moi.", ['<ph x="2"/>'],
                          [["k", "w"], ["j", "x"]], ""))
        res = self.add([{"src": "Overwrite " + mark(0) + "me.", "src_tags": tags,
                         "tgt": "Remplace-moi."}], tm=name, on_conflict="overwrite")
        self.assertEqual((res["updated"], res["ids"]), (1, [a]))
        got = self.full_get(a)
        self.assertEqual((got["tgt"], got["tgt_tags"], got["props"]), ("Remplace-moi.", [], []))

    # ---- reversed matches --------------------------------------------------------

    def test_lookup_reversed(self):
        name = self.new_tm()
        src_tags = ['<bpt i="1" x="1">&lt;b&gt;</bpt>', '<ept i="1">&lt;/b&gt;</ept>']
        tgt_tags = ['<bpt i="1" x="1">&lt;strong&gt;</bpt>', '<ept i="1">&lt;/strong&gt;</ept>']
        src = "Click " + mark(0) + "OK" + mark(1) + " to go on."
        tgt = "Cliquez sur " + mark(0) + "OK" + mark(1) + " pour continuer."
        a = self.add_one(src, tgt, tm=name, src_tags=src_tags, tgt_tags=tgt_tags,
                         props=[["x-domain", "ui"], ["x-client", "ACME"]], author="ann",
                         note="checked", origin="ui.po", prev="Read this.", next="Wait.")
        got = self.full_get(a)
        turned = dict(got, src=got["tgt"], tgt=got["src"], src_lang=got["tgt_lang"],
                      tgt_lang=got["src_lang"], src_tags=got["tgt_tags"],
                      tgt_tags=got["src_tags"])
        extra = {"score", "kind", "penalties", "reversed", "base", "diffs", "substituted"}
        # en->fr on its source: as stored.
        results = self.lookup(name, "en", "fr", segments=[src])
        self.assertEqual(self.match_info(results[0]), [(a, 100, "exact", {}, False)])
        m = results[0]["matches"][0]
        self.assertEqual({k: v for k, v in m.items() if k not in extra}, got)
        # fr->en on its target: turned round, everything else as stored.
        results = self.lookup(name, "fr", "en", segments=[tgt])
        self.assertEqual(self.match_info(results[0]), [(a, 100, "exact", {}, True)])
        m = results[0]["matches"][0]
        self.assertEqual({k: v for k, v in m.items() if k not in extra}, turned)
        self.assertEqual((m["src"], m["tgt"], m["src_lang"], m["tgt_lang"], m["src_tags"],
                          m["tgt_tags"]), (tgt, src, "fr", "en", tgt_tags, src_tags))
        # Near matches on the target, turned round too.
        results = self.lookup(name, "fr", "en", segments=["cliquez sur OK pour continuer"])
        self.assertEqual(self.match_info(results[0]),
                         [(a, 96, "near", {"case": 1, "tags": 1, "punctuation": 2}, True)])
        self.assertEqual(results[0]["matches"][0]["tgt"], src)
        # Never a context match, whatever the neighbours.
        for segments in (["Read this.", tgt, "Wait."], [tgt], ["Lisez ceci.", tgt, "Attendez."]):
            with self.subTest(segments=segments):
                index = segments.index(tgt)
                results = self.lookup(name, "fr", "en", segments=segments)
                self.assertEqual(self.match_info(results[index]),
                                 [(a, 100, "exact", {}, True)])
                results = self.lookup(name, "fr", "en", segments=segments, min_score=101)
                self.assertEqual([r["matches"] for r in results], [[]] * len(segments))
        # The forward direction still has its context match.
        results = self.lookup(name, "en", "fr", segments=["Read this.", src, "Wait."])
        self.assertEqual(self.match_info(results[1]), [(a, 101, "context", {}, False)])
        # No other pair finds it, on its source or its target.
        for pair in (("fr", "en-GB"), ("fr-CA", "en"), ("fr", "de"), ("de", "en"), ("en", "en"),
                     ("fr", "fr"), ("en", "de"), ("de", "fr"), ("en-US", "fr")):
            with self.subTest(pair=pair):
                results = self.lookup(name, *pair, segments=[src, tgt], min_score=0)
                self.assertEqual([r["matches"] for r in results], [[], []])
        # The forward pair does not find it by its target, nor the reverse by its source.
        self.assertEqual(self.lookup(name, "en", "fr", segments=[tgt])[0]["matches"], [])
        self.assertEqual(self.lookup(name, "fr", "en", segments=[src])[0]["matches"], [])
        # Regions count: an en-US entry is found by fr->en-US (any case), not by fr->en.
        color = self.add_one("Color.", "Couleur.", tm=name, src_lang="en-us")
        for pair in (("fr", "en-US"), ("FR", "en-us")):
            with self.subTest(pair=pair):
                results = self.lookup(name, *pair, segments=["Couleur."])
                self.assertEqual(self.match_info(results[0]),
                                 [(color, 100, "exact", {}, True)])
                m = results[0]["matches"][0]
                self.assertEqual((m["src_lang"], m["tgt_lang"], m["tgt"]),
                                 ("fr", "en-US", "Color."))
        self.assertEqual(self.lookup(name, "fr", "en", segments=["Couleur."])[0]["matches"],
                         [])
        # Forward and reversed matches together, ranked as one list (ties: most recently
        # changed first), "tgt" always in the requested tgt_lang.
        yes = self.add_one("Yes.", "Oui.", tm=name, created=1000, changed=2000)
        oui = self.add_one("Oui.", "Yes indeed.", tm=name, src_lang="fr", tgt_lang="en",
                           created=1000, changed=1500)
        results = self.lookup(name, "fr", "en", segments=["Oui."])
        self.assertEqual(self.match_info(results[0]), [(yes, 100, "exact", {}, True),
                                                       (oui, 100, "exact", {}, False)])
        self.assertEqual([m["tgt"] for m in results[0]["matches"]], ["Yes.", "Yes indeed."])
        no = self.add_one("No.", "Non.", tm=name, created=1000, changed=1000)
        non = self.add_one("Non.", "No way.", tm=name, src_lang="fr", tgt_lang="en",
                           created=1000, changed=3000)
        results = self.lookup(name, "fr", "en", segments=["Non.", "non"])
        self.assertEqual(self.match_info(results[0]), [(non, 100, "exact", {}, False),
                                                       (no, 100, "exact", {}, True)])
        self.assertEqual(self.match_info(results[1]),
                         [(non, 97, "near", {"case": 1, "punctuation": 2}, False),
                          (no, 97, "near", {"case": 1, "punctuation": 2}, True)])
        # Other TMs do not see it either way.
        other = self.new_tm()
        results = self.lookup(other, "fr", "en", segments=[tgt, "Oui."], min_score=0)
        self.assertEqual([r["matches"] for r in results], [[], []])

    # ---- inline tags, properties, dated fields ----------------------------------

    def test_add_tags_and_props(self):
        name = self.new_tm()
        src_tags = ['<bpt i="1" x="1">&lt;b&gt;</bpt>', '<ept i="1">&lt;/b&gt;</ept>',
                    '<ph x="2"/>', '<hi x="3" type="b">', '</hi>']
        tgt_tags = ['<ph x="2"/>', '<bpt i="1" x="1">&lt;b&gt;</bpt>',
                    '<ept i="1">&lt;/b&gt;</ept>', "not XML & <", "\u00e9\u4e2d"]
        src = ("Press " + mark(0) + "Enter" + mark(1) + " " + mark(2) + " or " + mark(3) +
               "Tab" + mark(4) + ".")
        tgt = (mark(0) + " Appuyez sur " + mark(1) + "Entr\u00e9e" + mark(2) + " ou " +
               mark(3) + "Tab" + mark(4) + ".")
        props = [["x-client", "ACME"], ["x-domain", "IT"], ["x-client", "Other \u00e9"],
                 ["", ""]]
        res = self.add([{"src": src, "tgt": tgt, "src_tags": src_tags, "tgt_tags": tgt_tags,
                         "props": props},
                        {"src": "Plain.", "tgt": "Simple."},
                        {"src": "Nil lists.", "tgt": "Listes nil.", "src_tags": None,
                         "tgt_tags": None, "props": None},
                        {"src": "Empty lists.", "tgt": "Listes vides.", "src_tags": [],
                         "tgt_tags": [], "props": []},
                        {"src": "Only props.", "tgt": "Seulement.",
                         "props": [["note", "a"], ["note", "a"]]}], tm=name)
        a, plain, nil, empty, only = res["ids"]
        got = self.full_get(a)
        self.assertEqual((got["src"], got["tgt"], got["src_tags"], got["tgt_tags"],
                          got["props"]), (src, tgt, src_tags, tgt_tags, props))
        self.assertEqual(got["src"].count(chr(0xF0000)), 1)
        for id_ in (plain, nil, empty):
            got = self.full_get(id_)
            self.assertEqual((got["src_tags"], got["tgt_tags"], got["props"]), ([], [], []))
        self.assertEqual(self.full_get(only)["props"], [["note", "a"], ["note", "a"]])
        # Lookups return them too, and match with the marks as part of the source.
        results = self.lookup(name, segments=[src])
        self.assertEqual(self.match_info(results[0]), [(a, 100, "exact", {}, False)])
        m = results[0]["matches"][0]
        self.assertEqual((m["src_tags"], m["tgt_tags"], m["props"]), (src_tags, tgt_tags, props))

    def test_add_tags_and_props_validation(self):
        name = self.new_tm()
        good = [{"src": "Fine %d." % i, "tgt": "Bien %d." % i} for i in range(3)]
        bad = [({"src_tags": "<ph/>"}, "src_tags str"), ({"src_tags": {"a": "b"}}, "src_tags map"),
               ({"src_tags": 5}, "src_tags int"), ({"src_tags": [5]}, "src_tags int item"),
               ({"src_tags": ["<ph/>", b"<ph/>"]}, "src_tags bin item"),
               ({"src_tags": [["<ph/>"]]}, "src_tags array item"),
               ({"src_tags": [True]}, "src_tags bool item"),
               ({"src_tags": ["<ph/>", None]}, "src_tags nil item"),
               ({"tgt_tags": "x"}, "tgt_tags str"), ({"tgt_tags": [1.5]}, "tgt_tags float item"),
               ({"tgt_tags": [{"x": 1}]}, "tgt_tags map item"),
               ({"props": "a=b"}, "props str"), ({"props": {"a": "b"}}, "props map"),
               ({"props": ["a", "b"]}, "props of str"), ({"props": [["a"]]}, "props single"),
               ({"props": [["a", "b", "c"]]}, "props triple"), ({"props": [[]]}, "props empty"),
               ({"props": [["a", 5]]}, "props int value"),
               ({"props": [[5, "b"]]}, "props int name"),
               ({"props": [["a", None]]}, "props nil value"),
               ({"props": [["a", b"b"]]}, "props bin value"),
               ({"props": [["a", "b"], "c"]}, "props str item"),
               ({"props": [{"a": "b"}]}, "props map item"),
               ({"created": -1}, "created negative"), ({"changed": "5"}, "changed str"),
               ({"usage": -2}, "usage negative"), ({"usage": 1.0}, "usage float"),
               ({"created": True}, "created bool")]
        for fields, what in bad:
            for index in (0, 2):
                entries = good[:index] + [dict(src="Bad.", tgt="Mauvais.", **fields)] + \
                    good[index:]
                with self.subTest(what, index=index):
                    err = self.error("add", "EBADREQ", tm=name, src_lang="en", tgt_lang="fr",
                                     entries=entries)
                    self.assertIn("entries[%d]" % index, err["message"])
        self.assertEqual(self.tm_list()[name], 0)

    def test_add_dated_fields(self):
        name = self.new_tm()
        t0 = int(time.time())
        res = self.add([{"src": "All three.", "tgt": "Les trois.", "created": 1000000000,
                         "changed": 1200000000, "usage": 7},
                        {"src": "Created only.", "tgt": "Cr\u00e9\u00e9.", "created": 1000000000},
                        {"src": "Usage only.", "tgt": "Usage.", "usage": 3},
                        {"src": "Zeros.", "tgt": "Z\u00e9ros.", "created": 0, "changed": 0,
                         "usage": 0},
                        {"src": "Changed only.", "tgt": "Modifi\u00e9.", "changed": 1300000000},
                        {"src": "Nils.", "tgt": "Nils.", "created": None, "changed": None,
                         "usage": None},
                        {"src": "Big.", "tgt": "Grand.", "created": 2**40, "changed": 2**40 + 1,
                         "usage": 2**40}],
                       tm=name)
        t1 = int(time.time())
        now = lambda x: t0 - 1 <= x <= t1 + 1
        dated = [self.full_get(id_) for id_ in res["ids"]]
        got = [(e["created"], e["changed"], e["usage"]) for e in dated]
        self.assertEqual(got[0], (1000000000, 1200000000, 7))
        # "A new entry's changed equals its created unless given."
        self.assertEqual(got[1], (1000000000, 1000000000, 0))
        self.assertTrue(now(got[2][0]) and got[2][1] == got[2][0] and got[2][2] == 3, got[2])
        self.assertTrue(now(got[3][0]) and got[3][1] == got[3][0] and got[3][2] == 0, got[3])
        self.assertTrue(now(got[4][0]) and got[4][1:] == (1300000000, 0), got[4])
        self.assertTrue(now(got[5][0]) and got[5][1] == got[5][0] and got[5][2] == 0, got[5])
        self.assertEqual(got[6], (2**40, 2**40 + 1, 2**40))
        # Lookups show the same.
        results = self.lookup(name, segments=["All three."])
        m = results[0]["matches"][0]
        self.assertEqual((m["created"], m["changed"], m["usage"]), (1000000000, 1200000000, 7))

    # ---- update ------------------------------------------------------------------

    def test_update_fields(self):
        name = self.new_tm()
        a = self.add_one("The lamp is on.", "La lampe est allum\u00e9e.", tm=name, author="ann",
                         note="n1", origin="o1.txt", props=[["k", "v"]], prev="Look.",
                         next="Nice.", created=1000, changed=1000, usage=2)
        other = self.add_one("The lamp is off.", "La lampe est \u00e9teinte.", tm=name)
        other_before = self.full_get(other)
        expected = self.full_get(a)
        t0 = int(time.time())
        steps = [{"tgt": "La lampe brille."}, {"author": "bob"}, {"note": "n2 \u2713"},
                 {"origin": "o2.txt"}, {"props": [["a", "1"], ["b", "2"], ["a", "3"]]},
                 {"src": "The lamp shines."}, {"author": ""}, {"props": []},
                 {"tgt": "La lampe luit.", "author": "cy", "note": "", "origin": "o3.txt",
                  "props": [["x", "y"]]},
                 {"note": "n4", "author": None, "colour": "red"}]   # nil and unknown: absent
        for fields in steps:
            with self.subTest(fields=fields):
                entry = self.update(a, **fields)
                expected.update((k, v) for k, v in fields.items()
                                if v is not None and k != "colour")
                t1 = int(time.time())
                # "changed becomes now"; the rest as sent, or kept.
                self.assertTrue(t0 - 1 <= entry["changed"] <= t1 + 1, entry)
                self.assertEqual(dict(entry, changed=None), dict(expected, changed=None))
        # Kept: id, TM, language pair, created, usage, the other entry.
        entry = self.full_get(a)
        self.assertEqual((entry["id"], entry["tm"], entry["src_lang"], entry["tgt_lang"],
                          entry["created"], entry["usage"]), (a, name, "en", "fr", 1000, 2))
        self.assertEqual(self.full_get(other), other_before)
        self.assertEqual(self.tm_list()[name], 2)

    def test_update_used_and_changed(self):
        name = self.new_tm()
        a = self.add_one("Use me.", "Utilise-moi.", tm=name, created=1000, changed=2000)
        # Only used: usage grows, changed stays.
        for used, usage in ((1, 1), (4, 5), (0, 5), (2**31, 2**31 + 5)):
            with self.subTest(used=used):
                entry = self.update(a, used=used)
                self.assertEqual((entry["usage"], entry["changed"], entry["created"]),
                                 (usage, 2000, 1000))
        entry = self.update(a, used=1, tgt=None, note=None)   # nil fields are absent
        self.assertEqual((entry["usage"], entry["changed"]), (2**31 + 6, 2000))
        # used with another field: changed becomes now.
        t0 = int(time.time())
        entry = self.update(a, used=1, note="taken")
        t1 = int(time.time())
        self.assertEqual((entry["usage"], entry["note"], entry["created"]),
                         (2**31 + 7, "taken", 1000))
        self.assertTrue(t0 - 1 <= entry["changed"] <= t1 + 1, entry)
        # Usage given at add is the base.
        b = self.add_one("Used before.", "D\u00e9j\u00e0 utilis\u00e9.", tm=name, usage=7)
        self.assertEqual(self.update(b, used=3)["usage"], 10)
        # Lookups show the new usage.
        m = self.lookup(name, segments=["Used before."])[0]["matches"][0]
        self.assertEqual((m["id"], m["usage"]), (b, 10))

    def test_update_tags(self):
        name = self.new_tm()
        s = ['<bpt i="1" x="1">&lt;b&gt;</bpt>', '<ept i="1">&lt;/b&gt;</ept>']
        t = ['<bpt i="1" x="1">&lt;strong&gt;</bpt>', '<ept i="1">&lt;/strong&gt;</ept>']
        src = "Press " + mark(0) + "Enter" + mark(1) + "."
        tgt = "Appuyez sur " + mark(0) + "Entr\u00e9e" + mark(1) + "."
        a = self.add_one(src, tgt, tm=name, src_tags=s, tgt_tags=t, props=[["p", "q"]])
        before = self.full_get(a)
        # A tag list without its text is EBADREQ, and changes nothing.
        for fields in ({"src_tags": ["<ph/>"]}, {"tgt_tags": ["<ph/>"]},
                       {"tgt": "Autre " + mark(0) + ".", "src_tags": ["<ph/>"]},
                       {"src": "Other " + mark(0) + ".", "tgt_tags": ["<ph/>"]},
                       {"src_tags": [], "tgt_tags": []},
                       {"src": "Bad " + mark(0) + ".", "src_tags": [5]},
                       {"tgt": "Mauvais " + mark(0) + ".", "tgt_tags": "<ph/>"}):
            with self.subTest(fields=fields):
                self.error("update", "EBADREQ", entry_id=a, **fields)
                self.assertEqual(self.full_get(a), before)
        # tgt alone: tgt_tags emptied, src_tags kept.
        entry = self.update(a, tgt="Appuyez sur Entr\u00e9e.")
        self.assertEqual((entry["src"], entry["src_tags"], entry["tgt_tags"], entry["props"]),
                         (src, s, [], [["p", "q"]]))
        # tgt with tgt_tags.
        tgt2 = mark(0) + " Appuyez."
        entry = self.update(a, tgt=tgt2, tgt_tags=['<ph x="9"/>'])
        self.assertEqual((entry["tgt"], entry["tgt_tags"], entry["src_tags"]),
                         (tgt2, ['<ph x="9"/>'], s))
        # src alone (or with nil src_tags): src_tags emptied, tgt_tags kept.
        entry = self.update(a, src="Press Enter.")
        self.assertEqual((entry["src"], entry["src_tags"], entry["tgt_tags"]),
                         ("Press Enter.", [], ['<ph x="9"/>']))
        entry = self.update(a, src=src, src_tags=s)
        self.assertEqual((entry["src"], entry["src_tags"]), (src, s))
        entry = self.update(a, src="Press the Enter key.", src_tags=None)
        self.assertEqual((entry["src"], entry["src_tags"]), ("Press the Enter key.", []))
        # Both at once; then other fields leave the lists alone.
        entry = self.update(a, src=src, src_tags=s, tgt=tgt, tgt_tags=t)
        self.assertEqual((entry["src"], entry["tgt"], entry["src_tags"], entry["tgt_tags"]),
                         (src, tgt, s, t))
        entry = self.update(a, note="n", used=1)
        self.assertEqual((entry["src_tags"], entry["tgt_tags"]), (s, t))
        # Lookups see the new tags: the old mark-less source is now near (tags), not exact.
        self.assertEqual(self.look(name, src), [(a, 100, "exact", {}, False)])
        self.assertEqual(self.look(name, "Press Enter."), [(a, 99, "near", {"tags": 1}, False)])

    def test_update_bad_requests(self):
        name = self.new_tm()
        a = self.add_one("Stay as you are.", "Reste comme tu es.", tm=name, author="ann")
        before = self.full_get(a)
        # Nothing to update: EBADREQ.
        for fields in ({}, {"tgt": None, "author": None}, {"colour": "red"},
                       {"src_tags": None, "tgt_tags": None, "used": None, "props": None}):
            with self.subTest(fields=fields):
                self.error("update", "EBADREQ", entry_id=a, **fields)
        # A missing or bad entry_id.
        self.error("update", "EBADREQ", tgt="x")
        self.error("update", "EBADREQ", entry_id=None, tgt="x")
        for entry_id in ("%d" % a, 1.0 * a, True, [a]):
            with self.subTest(entry_id=entry_id):
                self.error("update", "EBADREQ", entry_id=entry_id, tgt="x")
        # Fields of the wrong type.
        bad = [{"src": ""}, {"tgt": ""}, {"src": 5}, {"tgt": b"x"}, {"tgt": ["x"]},
               {"author": 5}, {"note": []}, {"origin": True}, {"props": "a"},
               {"props": [["a"]]}, {"props": [["a", 1]]}, {"props": ["a", "b"]},
               {"used": -1}, {"used": "1"}, {"used": 1.5}, {"used": True},
               {"tgt": "Bien.", "author": 5}, {"used": 1, "note": 7}]
        for fields in bad:
            with self.subTest(fields=fields):
                self.error("update", "EBADREQ", entry_id=a, **fields)
        self.assertEqual(self.full_get(a), before)
        # A missing entry: ENOTFOUND.
        gone = self.add_one("Soon gone.", "Bient\u00f4t parti.", tm=name)
        self.assertEqual(self.call(self.dealer, "delete", ids=[gone]), {"deleted": 1})
        for entry_id in (MISSING_ID, 0, gone):
            for fields in ({"tgt": "x"}, {"used": 1}, {"src": "y", "src_tags": []}):
                with self.subTest(entry_id=entry_id, fields=fields):
                    self.error("update", "ENOTFOUND", entry_id=entry_id, **fields)
        self.get_missing(gone)
        self.assertEqual(self.full_get(a), before)
        self.assertEqual(self.tm_list()[name], 1)

    def test_update_seen_by_lookups(self):
        name = self.new_tm()
        a = self.add_one("The door is open.", "La porte est ouverte.", tm=name,
                         prev="Come in.", next="Sit down.")
        b = self.add_one("The window is shut.", "La fen\u00eatre est ferm\u00e9e.", tm=name)
        self.update(a, src="The gate is open.")
        # The old source is no longer an exact or near match (the new one is a fuzzy
        # match of it, one word apart); the new one is exact.
        for segment in ("The door is open.", "the door is open"):
            with self.subTest(segment=segment):
                got = self.look(name, segment, min_score=0)
                self.assertTrue(got and all(m[2] == "fuzzy" and m[1] < 90 for m in got), got)
        self.assertEqual(self.look(name, "The gate is open."), [(a, 100, "exact", {}, False)])
        self.assertEqual(self.look(name, "the gate is open."),
                         [(a, 99, "near", {"case": 1}, False)])
        # Its context is kept.
        results = self.lookup(name, segments=["Come in.", "The gate is open.", "Sit down."])
        self.assertEqual(self.match_info(results[1]), [(a, 101, "context", {}, False)])
        self.assertEqual(results[1]["matches"][0]["tgt"], "La porte est ouverte.")
        # The reverse direction sees the new source as the target.
        results = self.lookup(name, "fr", "en", segments=["La porte est ouverte."])
        self.assertEqual(self.match_info(results[0]), [(a, 100, "exact", {}, True)])
        self.assertEqual(results[0]["matches"][0]["tgt"], "The gate is open.")
        # A new target: the reverse direction finds it by the new one only.
        self.update(a, tgt="Le portail est ouvert.")
        got = self.look(name, "La porte est ouverte.", "fr", "en", min_score=0)
        self.assertTrue(all(m[2] == "fuzzy" and m[1] < 90 for m in got), got)
        self.assertEqual(self.look(name, "Le portail est ouvert.", "fr", "en"),
                         [(a, 100, "exact", {}, True)])
        self.assertEqual(self.lookup(name, segments=["The gate is open."])[0]["matches"][0]
                         ["tgt"], "Le portail est ouvert.")
        # add's conflict rules see the new source, not the old one.
        res = self.add([{"src": "The gate is open.", "tgt": "Autre."},
                        {"src": "The door is open.", "tgt": "La porte est ouverte."}],
                       tm=name, on_conflict="skip")
        self.assertEqual((res["added"], res["skipped"], res["ids"][0]), (1, 1, a))
        door = res["ids"][1]
        self.assertNotIn(door, (a, b))
        # An update that gives two entries the same source keeps both.
        self.update(b, src="The gate is open.", tgt="Le portail est ferm\u00e9.")
        self.assertEqual(sorted(i[:3] for i in self.look(name, "The gate is open.")),
                         sorted([(a, 100, "exact"), (b, 100, "exact"), (door, 75, "fuzzy")]))
        self.assertEqual(self.look(name, "The window is shut.", min_score=51), [])
        self.assertEqual(self.tm_list()[name], 3)

    # ---- fuzzy matches ---------------------------------------------------------------

    def fuzzy_look(self, tm, segment, src_lang="en", tgt_lang="fr", **fields):
        """Look one segment up; its match maps, with match_info's checks and what section 6
        says of base, penalties, diffs and substituted checked for every match."""
        result = self.lookup(tm, src_lang, tgt_lang, segments=[segment], **fields)[0]
        self.match_info(result)
        seg_bytes = segment.encode("utf-8")
        for m in result["matches"]:
            self.assertTrue(is_int(m.get("base")), m)
            self.assertIsInstance(m.get("substituted"), bool, m)
            self.assertIn("diffs", m)
            if m["kind"] in ("exact", "context", "near"):
                self.assertEqual(m["base"], 100, m)
            if m["kind"] in ("exact", "context"):
                self.assertEqual(m["diffs"], [], m)
                self.assertIs(m["substituted"], False, m)
            if m["kind"] == "fuzzy":
                # ED >= 1 (else the tokens are the query's: near) and "base >= 1".
                self.assertTrue(1 <= m["base"] <= 99, m)
                self.assertTrue(set(m["penalties"]) <= set(PENALTIES), m)
                self.assertTrue(all(is_int(p) and p > 0 for p in m["penalties"].values()), m)
                self.assertEqual(m["score"], max(0, m["base"] - sum(m["penalties"].values())),
                                 m)
                self.assertIs(m["substituted"], False, m)   # not every token is paired
            if m["diffs"] is None:
                continue
            self.assertIsInstance(m["diffs"], list, m)
            src_bytes = m["src"].encode("utf-8")
            last = (0, 0)
            for d in m["diffs"]:
                self.assertIsInstance(d, dict, m)
                self.assertIn(d.get("kind"), ("edit", "case", "numbers"), m)
                for key, text in (("segment", seg_bytes), ("src", src_bytes)):
                    span = d.get(key)
                    self.assertIsInstance(span, list, m)
                    self.assertEqual(len(span), 2, m)
                    self.assertTrue(all(is_int(x) for x in span), m)
                    self.assertTrue(0 <= span[0] <= span[1] <= len(text), (key, m))
                    text[span[0]:span[1]].decode("utf-8")   # on character boundaries
                # "in text order"
                here = (d["segment"][0], d["src"][0])
                self.assertTrue(here[0] >= last[0] and here[1] >= last[1], m)
                last = here
                if d["kind"] != "edit":
                    self.assertTrue(d["segment"][0] < d["segment"][1] and
                                    d["src"][0] < d["src"][1], m)
        return result["matches"]

    def diff_texts(self, segment, match):
        """A match's diffs as (kind, the segment's bytes, the src's bytes), decoded."""
        seg, src = segment.encode("utf-8"), match["src"].encode("utf-8")
        return [(d["kind"], seg[d["segment"][0]:d["segment"][1]].decode("utf-8"),
                 src[d["src"][0]:d["src"][1]].decode("utf-8")) for d in match["diffs"]]

    def assert_gap(self, text, offset, before, after):
        """`offset` (bytes into text) is in the space between the words `before` and
        `after`, the place where an insertion's tokens go."""
        data = text.encode("utf-8")
        self.assertTrue(data[:offset].rstrip().endswith(before.encode("utf-8")),
                        (text, offset))
        self.assertTrue(data[offset:].lstrip().startswith(after.encode("utf-8")),
                        (text, offset))

    def test_lookup_fuzzy_replaced_word(self):
        name = self.new_tm()
        src = "Save the file before closing the window."
        a = self.add_one(src, "Enregistrez le fichier avant de fermer la fen\u00eatre.",
                         tm=name)
        # 7 tokens, 1 replaced: base floor(100 x (1 - 1/7)) = 85; the same punctuation.
        seg = "Save the files before closing the window."
        [m] = self.fuzzy_look(name, seg)
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"], m["penalties"],
                          m["reversed"]), (a, "fuzzy", 85, 85, {}, False))
        self.assertEqual((m["src"], m["tgt"]), (src, self.get(a)["tgt"]))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "files", "file")])
        self.assertEqual(m["diffs"][0]["segment"], [9, 14])
        # The document's example: "!" for "." costs punctuation 2.
        seg = "Save the files before closing the window!"
        [m] = self.fuzzy_look(name, seg)
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"], m["penalties"]),
                         (a, "fuzzy", 85, 83, {"punctuation": 2}))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "files", "file")])
        # A word in other case is a case diff and costs 1, in text order with the edit.
        seg = "SAVE the files before closing the window."
        [m] = self.fuzzy_look(name, seg)
        self.assertEqual((m["kind"], m["base"], m["score"], m["penalties"]),
                         ("fuzzy", 85, 84, {"case": 1}))
        self.assertEqual(self.diff_texts(seg, m), [("case", "SAVE", "Save"),
                                                   ("edit", "files", "file")])
        # Non-ASCII text: byte offsets are not character offsets.
        cafe = "Le caf\u00e9 \u00e9tait tr\u00e8s froid \u00e0 Z\u00fcrich."
        b = self.add_one(cafe, "The coffee was very cold in Z\u00fcrich.", tm=name)
        seg = "Le caf\u00e9 \u00e9tait tr\u00e8s chaud \u00e0 Z\u00fcrich."
        [m] = self.fuzzy_look(name, seg)
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"]), (b, "fuzzy", 85, 85))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "chaud", "froid")])
        start = len("Le caf\u00e9 \u00e9tait tr\u00e8s ".encode("utf-8"))
        self.assertEqual(start, seg.index("chaud") + 3)
        self.assertEqual((m["diffs"][0]["segment"], m["diffs"][0]["src"]),
                         ([start, start + 5], [start, start + 5]))
        # Tag marks are not tokens; a different count of them between paired tokens
        # costs tags 1. 6 tokens, 1 replaced: base 83.
        ph = ['<ph x="1"/>', '<ph x="2"/>']
        c = self.add_one("Click " + mark(0) + "Save" + mark(1) + " to keep the file",
                         "Cliquez sur " + mark(0) + "Enregistrer" + mark(1) +
                         " pour garder le fichier", tm=name, src_tags=ph, tgt_tags=ph)
        seg = "Click Save to keep the files"
        [m] = self.fuzzy_look(name, seg)
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"], m["penalties"]),
                         (c, "fuzzy", 83, 82, {"tags": 1}))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "files", "file")])
        # Not in NFC: no diffs (the offsets would not be exact), the match all the same.
        seg = "Le cafe\u0301 \u00e9tait tr\u00e8s chaud \u00e0 Z\u00fcrich."
        [m] = self.fuzzy_look(name, seg)
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"], m["diffs"]),
                         (b, "fuzzy", 85, 85, None))
        # Offsets are into the segment as sent and the src as returned, white space and all.
        other = self.new_tm()
        padded = "  Save the  file before closing the window. "
        d = self.add_one(padded, "Enregistrez.", tm=other)
        seg = "   Save  the files\u00a0before closing the window."
        [m] = self.fuzzy_look(other, seg)
        self.assertEqual((m["id"], m["kind"], m["base"], m["src"]), (d, "fuzzy", 85, padded))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "files", "file")])
        self.assertEqual((m["diffs"][0]["segment"], m["diffs"][0]["src"]),
                         ([13, 18], [12, 16]))

    def test_lookup_fuzzy_inserted_and_deleted_words(self):
        name = self.new_tm()
        src = "Save the file before closing the window."
        a = self.add_one(src, "Enregistrez le fichier avant de fermer la fen\u00eatre.",
                         tm=name)
        # One token inserted: 8 against 7, base floor(100 x (1 - 1/8)) = 87.
        seg = "Save the file now before closing the window."
        [m] = self.fuzzy_look(name, seg)
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"]), (a, "fuzzy", 87, 87))
        [d] = m["diffs"]
        self.assertEqual(d["kind"], "edit")
        self.assertEqual(self.diff_texts(seg, m)[0][1], "now")
        self.assertEqual(d["src"][0], d["src"][1])
        self.assert_gap(src, d["src"][0], "file", "before")
        # One token deleted: 6 against 7, base floor(100 x (1 - 1/7)) = 85.
        seg = "Save file before closing the window."
        [m] = self.fuzzy_look(name, seg)
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"]), (a, "fuzzy", 85, 85))
        [d] = m["diffs"]
        self.assertEqual(d["kind"], "edit")
        self.assertEqual(self.diff_texts(seg, m)[0][2], "the")
        self.assertEqual(d["segment"][0], d["segment"][1])
        self.assert_gap(seg, d["segment"][0], "Save", "file")
        # At the ends, and in a non-ASCII text.
        # Κλείστε το παράθυρο τώρα: 4 tokens.
        greek = "\u039a\u03bb\u03b5\u03af\u03c3\u03c4\u03b5 \u03c4\u03bf \u03c0\u03b1\u03c1" \
                "\u03ac\u03b8\u03c5\u03c1\u03bf \u03c4\u03ce\u03c1\u03b1"
        b = self.add_one(greek, "Fermez la fen\u00eatre maintenant.", tm=name, src_lang="el")
        seg = greek + " \u03b1\u03bc\u03ad\u03c3\u03c9\u03c2"    # ... αμέσως: 5 against 4
        [m] = self.fuzzy_look(name, seg, "el", "fr")
        self.assertEqual((m["id"], m["kind"], m["base"]), (b, "fuzzy", 80))
        [d] = m["diffs"]
        self.assertEqual(self.diff_texts(seg, m), [("edit", "\u03b1\u03bc\u03ad\u03c3\u03c9"
                                                    "\u03c2", "")])
        self.assertEqual(d["src"], [len(greek.encode("utf-8"))] * 2)
        seg = greek.split(" ", 1)[1]    # the first word deleted: 3 against 4, base 75
        [m] = self.fuzzy_look(name, seg, "el", "fr")
        self.assertEqual((m["id"], m["kind"], m["base"]), (b, "fuzzy", 75))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "", greek.split(" ")[0])])
        self.assertEqual(m["diffs"][0]["segment"], [0, 0])
        self.assertEqual(m["diffs"][0]["src"], [0, len(greek.split(" ")[0].encode("utf-8"))])

    def test_lookup_fuzzy_min_score_max_results_ranking(self):
        name = self.new_tm()
        seg = "one two three four five six seven"
        # 1, 2 and 3 of 7 tokens replaced: bases 85, 71 and 57.
        e85 = self.add_one("one two three four five six eight", "a", tm=name)
        e71 = self.add_one("one two three four five nine eight", "b", tm=name)
        e57 = self.add_one("one two three four ten nine eight", "c", tm=name)
        ranked = [(e85, 85), (e71, 71), (e57, 57)]
        for fields, count in (({}, 2), ({"min_score": 0}, 3), ({"min_score": 57}, 3),
                              ({"min_score": 58}, 2), ({"min_score": 71}, 2),
                              ({"min_score": 72}, 1), ({"min_score": 80}, 1),
                              ({"min_score": 85}, 1), ({"min_score": 86}, 0),
                              ({"min_score": 100}, 0), ({"min_score": 0, "max_results": 2}, 2),
                              ({"min_score": 0, "max_results": 1}, 1)):
            with self.subTest(fields=fields):
                got = self.fuzzy_look(name, seg, **fields)
                self.assertEqual([(m["id"], m["score"]) for m in got], ranked[:count])
                self.assertTrue(all(m["kind"] == "fuzzy" and m["base"] == m["score"]
                                    for m in got), got)
        # Exact and near matches rank above fuzzy ones; a near one of base 100 too.
        near = self.add_one("One two three four five six seven!", "d", tm=name)
        exact = self.add_one(seg, "e", tm=name)
        got = self.fuzzy_look(name, seg, min_score=0, max_results=100)
        self.assertEqual([(m["id"], m["score"], m["kind"]) for m in got],
                         [(exact, 100, "exact"), (near, 97, "near"), (e85, 85, "fuzzy"),
                          (e71, 71, "fuzzy"), (e57, 57, "fuzzy")])
        self.assertEqual(self.diff_texts(seg, got[1]), [("case", "one", "One")])
        # Penalties count against min_score: base 85, score 84.
        seg = "One two three four five six seven"
        got = self.fuzzy_look(name, seg, min_score=85)
        self.assertNotIn(e85, [m["id"] for m in got])
        got = self.fuzzy_look(name, seg, min_score=84)
        self.assertIn((e85, 85, 84, {"case": 1}),
                      [(m["id"], m["base"], m["score"], m["penalties"]) for m in got])

    def test_lookup_fuzzy_exhaustive(self):
        rng = random.Random(5)
        name = self.new_tm()
        words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
                 "india", "juliet"]
        others = ["kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
                  "sierra", "tango", "uniform", "victor"]

        def distance(a, b):
            """Edit distance of two token lists (insert, delete, replace: 1 each)."""
            row = list(range(len(b) + 1))
            for i, x in enumerate(a, 1):
                prev, row[0] = row[0], i
                for j, y in enumerate(b, 1):
                    prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1,
                                               prev + (x != y))
            return row[-1]

        # k = 0 to 5 random edits (fewer entries for small k, so that most thresholds
        # below keep within max_results 100).
        edits = [0] * 5 + [1] * 15 + [2] * 30 + [3] * 40 + [4] * 50 + [5] * 60
        rng.shuffle(edits)
        entries, expected = [], {}
        for i, k in enumerate(edits):
            tokens = list(words)
            for _ in range(k):
                op = rng.choice(("replace", "insert", "delete"))
                if op == "replace":
                    tokens[rng.randrange(len(tokens))] = rng.choice(others)
                elif op == "insert":
                    tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(others))
                else:
                    del tokens[rng.randrange(len(tokens))]
            entries.append({"src": " ".join(tokens), "tgt": "target %d" % i})
        # Half of them given time to be posted, the other half just added: lookups see both.
        ids = self.add(entries[:100], tm=name)["ids"]
        time.sleep(1)
        ids += self.add(entries[100:], tm=name)["ids"]
        self.assertEqual(len(set(ids)), 200)
        for id_, entry in zip(ids, entries):
            tokens = entry["src"].split()
            ed = distance(words, tokens)
            expected[id_] = 100 * (max(len(words), len(tokens)) - ed) // \
                max(len(words), len(tokens))
        seg = " ".join(words)

        def check(min_score):
            want = {id_: base for id_, base in expected.items() if base >= min_score and
                    base >= 1}
            got = self.fuzzy_look(name, seg, min_score=min_score, max_results=100)
            for m in got:
                self.assertEqual(m["base"], expected.get(m["id"]), m)
                self.assertEqual(m["score"], m["base"], m)
                self.assertEqual(m["kind"], "fuzzy" if m["base"] < 100 else "exact", m)
            if len(want) <= 100:
                self.assertEqual({m["id"]: m["base"] for m in got}, want)
            else:
                # The best 100: every entry scoring above the last one's score, and some of
                # those that tie with it.
                self.assertEqual(len(got), 100)
                self.assertEqual([m["score"] for m in got],
                                 sorted(want.values(), reverse=True)[:100])
                last = got[-1]["score"]
                self.assertEqual({m["id"] for m in got if m["score"] > last},
                                 {id_ for id_, base in want.items() if base > last})
            return len(want)

        # Right after the second add (entries perhaps not posted yet), and a moment later.
        counts = []
        for min_score in (90, 80, 75, 70, 60, 1):
            with self.subTest(min_score=min_score):
                counts.append(check(min_score))
        time.sleep(1)
        for min_score in (95, 85, 72, 65, 55):
            with self.subTest(min_score=min_score, later=True):
                counts.append(check(min_score))
        self.assertTrue(any(50 < n <= 100 for n in counts), counts)
        self.assertTrue(any(n > 100 for n in counts), counts)

    def test_lookup_numbers_substituted(self):
        name = self.new_tm()
        page = self.add_one("Page 3 of 10", "Seite 3 von 10", tm=name, src_lang="en",
                            tgt_lang="de")
        # The document's example.
        seg = "Page 4 of 12"
        [m] = self.fuzzy_look(name, seg, "en", "de")
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"], m["penalties"],
                          m["substituted"], m["tgt"], m["src"]),
                         (page, "near", 100, 97, {"numbers": 3}, True, "Seite 4 von 12",
                          "Page 3 of 10"))
        self.assertEqual(self.diff_texts(seg, m), [("numbers", "4", "3"),
                                                   ("numbers", "12", "10")])
        self.assertEqual(self.get(page)["tgt"], "Seite 3 von 10")    # stored as it was
        # Only the differing numbers are replaced.
        [m] = self.fuzzy_look(name, "Page 3 of 11", "en", "de")
        self.assertEqual((m["substituted"], m["tgt"]), (True, "Seite 3 von 11"))
        # The exact source: nothing substituted.
        [m] = self.fuzzy_look(name, "Page 3 of 10", "en", "de")
        self.assertEqual((m["kind"], m["substituted"], m["tgt"]),
                         ("exact", False, "Seite 3 von 10"))
        # The target's decimal marks: "1,5" in the source, "1.5" in the target.
        weight = self.add_one("Gewicht: 1,5 kg", "Weight: 1.5 kg", tm=name, src_lang="de",
                              tgt_lang="en")
        for seg, tgt in (("Gewicht: 2,5 kg", "Weight: 2.5 kg"),
                         ("Gewicht: 12,75 kg", "Weight: 12.75 kg")):
            with self.subTest(segment=seg):
                [m] = self.fuzzy_look(name, seg, "de", "en")
                self.assertEqual((m["id"], m["kind"], m["score"], m["substituted"], m["tgt"]),
                                 (weight, "near", 97, True, tgt))
                self.assertEqual([d[0] for d in self.diff_texts(seg, m)], ["numbers"])
        # A differing number that is not in the target: not substituted, tgt as stored.
        spelled = self.add_one("Step 3 of 10", "\u00c9tape trois sur 10", tm=name)
        [m] = self.fuzzy_look(name, "Step 4 of 10")
        self.assertEqual((m["id"], m["kind"], m["score"], m["substituted"], m["tgt"]),
                         (spelled, "near", 97, False, "\u00c9tape trois sur 10"))
        # One stored number that stands for two different query numbers: not substituted.
        twice = self.add_one("From 5 to 5", "De 5 \u00e0 5", tm=name)
        for seg, substituted, tgt in (("From 6 to 7", False, "De 5 \u00e0 5"),
                                      ("From 6 to 6", True, "De 6 \u00e0 6")):
            with self.subTest(segment=seg):
                [m] = self.fuzzy_look(name, seg)
                self.assertEqual((m["id"], m["kind"], m["score"], m["substituted"], m["tgt"]),
                                 (twice, "near", 97, substituted, tgt))
        # A word differs too: a fuzzy match, not substituted. 4 tokens, 1 replaced: base 75,
        # and the differing number costs numbers 3.
        seg = "Sheet 4 of 10"
        [m] = self.fuzzy_look(name, seg, "en", "de")
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"], m["penalties"],
                          m["substituted"], m["tgt"]),
                         (page, "fuzzy", 75, 72, {"numbers": 3}, False, "Seite 3 von 10"))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "Sheet", "Page"),
                                                   ("numbers", "4", "3")])
        # A token inserted: every number paired, but not every token: not substituted.
        seg = "Page 4 of 10 now"
        [m] = self.fuzzy_look(name, seg, "en", "de")
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"], m["substituted"],
                          m["tgt"]), (page, "fuzzy", 80, 77, False, "Seite 3 von 10"))
        # Reversed: an entry stored de->en, found by its target, substituted in its source
        # (the tgt of the turned match).
        other = self.new_tm()
        back = self.add_one("Seite 3 von 10", "Page 3 of 10", tm=other, src_lang="de",
                            tgt_lang="en")
        [m] = self.fuzzy_look(other, "Page 4 of 12", "en", "de")
        self.assertEqual((m["id"], m["kind"], m["score"], m["reversed"], m["substituted"],
                          m["src"], m["tgt"]),
                         (back, "near", 97, True, True, "Page 3 of 10", "Seite 4 von 12"))
        self.assertEqual(self.get(back)["src"], "Seite 3 von 10")

    def test_lookup_near_diffs_and_beyond_the_cap(self):
        name = self.new_tm()
        src = "Save the file 1,234.5 times."
        a = self.add_one(src, "Enregistrez le fichier 1 234,5 fois.", tm=name)
        # Near matches locate case and numbers differences, not punctuation ones.
        for seg, penalties, diffs in (
                ("Save the file 1,234.5 times", {"punctuation": 2}, []),
                ("Save, the file 1,234.5 times!", {"punctuation": 2}, []),
                ("save the FILE 1,234.5 times.", {"case": 1},
                 [("case", "save", "Save"), ("case", "FILE", "file")]),
                ("Save the file 1234.5 times.", {"numbers": 3},
                 [("numbers", "1234.5", "1,234.5")]),
                ("\u00c9pargnez: save the file 7 times", None, None)):
            with self.subTest(segment=seg):
                got = self.fuzzy_look(name, seg, min_score=0)
                if penalties is None:   # a word inserted: fuzzy, 6 tokens against 5
                    self.assertEqual([(m["id"], m["kind"], m["base"]) for m in got],
                                     [(a, "fuzzy", 83)])
                    self.assertEqual([d[:2] for d in self.diff_texts(seg, got[0])],
                                     [("edit", "\u00c9pargnez"), ("case", "save"),
                                      ("numbers", "7")])
                    continue
                self.assertEqual([(m["id"], m["kind"], m["penalties"]) for m in got],
                                 [(a, "near", penalties)])
                self.assertEqual(self.diff_texts(seg, got[0]), diffs)
        # More near candidates than the cap of 64: fuzzy matching finds the others, as
        # near matches of base 100, so the best 100 come back.
        other = self.new_tm()
        spec = {"turn it off": 97, "TURN IT OFF!": 97, "Turn it off": 98}
        srcs = list(spec) * 80
        ids = self.add([{"src": s, "tgt": "\u00c9teins %d." % i} for i, s in enumerate(srcs)],
                       tm=other)["ids"]
        score = {id_: spec[s] for id_, s in zip(ids, srcs)}
        exact = self.add([{"src": "Turn it off.", "tgt": "Arr\u00eate %d." % i}
                          for i in range(3)], tm=other)["ids"]
        got = self.fuzzy_look(other, "Turn it off.", max_results=100)
        self.assertEqual(len(got), 100)
        self.assertEqual(sorted(m["id"] for m in got[:3]), sorted(exact))
        self.assertTrue(all(m["kind"] == "near" and m["base"] == 100 and
                            m["score"] == score[m["id"]] for m in got[3:]), got)
        # All 80 of 98, then 17 of 97.
        self.assertEqual([m["score"] for m in got], [100] * 3 + [98] * 80 + [97] * 17)

    def test_lookup_fuzzy_cjk(self):
        name = self.new_tm()
        # 我明天早上去北京开会。: 10 Han characters, 10 tokens.
        src = "\u6211\u660e\u5929\u65e9\u4e0a\u53bb\u5317\u4eac\u5f00\u4f1a\u3002"
        a = self.add_one(src, "I am going to a meeting in Beijing tomorrow morning.",
                         tm=name, src_lang="zh", tgt_lang="en")
        # 北 -> 南: 1 of 10 replaced, base 90.
        seg = src.replace("\u5317", "\u5357")
        [m] = self.fuzzy_look(name, seg, "zh", "en")
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"]), (a, "fuzzy", 90, 90))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "\u5357", "\u5317")])
        self.assertEqual(m["diffs"][0]["segment"], [18, 21])     # 6 characters of 3 bytes
        # 要 inserted: 11 against 10, base floor(100 x (1 - 1/11)) = 90.
        seg = src.replace("\u53bb", "\u8981\u53bb")
        [m] = self.fuzzy_look(name, seg, "zh", "en")
        self.assertEqual((m["id"], m["kind"], m["base"]), (a, "fuzzy", 90))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "\u8981", "")])
        # Two characters replaced (北京 -> 上海): base 80; not at min_score 81.
        seg = src.replace("\u5317\u4eac", "\u4e0a\u6d77")
        [m] = self.fuzzy_look(name, seg, "zh", "en")
        self.assertEqual((m["id"], m["kind"], m["base"]), (a, "fuzzy", 80))
        self.assertEqual(self.fuzzy_look(name, seg, "zh", "en", min_score=81), [])
        # Kana are single-character tokens too: テレビを見る, 6 tokens; を -> も: base
        # floor(100 x (1 - 1/6)) = 83.
        kana = "\u30c6\u30ec\u30d3\u3092\u898b\u308b"
        b = self.add_one(kana, "Watch TV.", tm=name, src_lang="ja", tgt_lang="en")
        seg = kana.replace("\u3092", "\u3082")
        [m] = self.fuzzy_look(name, seg, "ja", "en")
        self.assertEqual((m["id"], m["kind"], m["base"]), (b, "fuzzy", 83))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "\u3082", "\u3092")])

    def test_lookup_fuzzy_reversed(self):
        name = self.new_tm()
        fr = "Fermez la fen\u00eatre avant de partir."
        en = "Close the window before you leave."
        a = self.add_one(fr, en, tm=name, src_lang="fr", tgt_lang="en", author="ann",
                         created=1000, changed=3000)
        # en->fr finds it by its target: 6 tokens, 1 replaced, base 83; turned round.
        seg = "Close the door before you leave."
        [m] = self.fuzzy_look(name, seg, "en", "fr")
        self.assertEqual((m["id"], m["kind"], m["base"], m["score"], m["reversed"]),
                         (a, "fuzzy", 83, 83, True))
        self.assertEqual((m["src"], m["tgt"], m["src_lang"], m["tgt_lang"], m["author"]),
                         (en, fr, "en", "fr", "ann"))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "door", "window")])
        # fr->en finds it by its source, as stored.
        seg = "Fermez la porte avant de partir."
        [m] = self.fuzzy_look(name, seg, "fr", "en")
        self.assertEqual((m["id"], m["kind"], m["base"], m["reversed"], m["tgt"]),
                         (a, "fuzzy", 83, False, en))
        self.assertEqual(self.diff_texts(seg, m), [("edit", "porte", "fen\u00eatre")])
        # The forward pair does not find it by its target, nor the reverse by its source.
        self.assertEqual(self.fuzzy_look(name, "Close the door before you leave.", "fr", "en",
                                         min_score=0), [])
        self.assertEqual(self.fuzzy_look(name, "Fermez la porte avant de partir.", "en", "fr",
                                         min_score=0), [])
        # Forward and reversed fuzzy matches rank together (a tie: the most recently
        # changed first).
        b = self.add_one("Close the door before you go.", "Fermez la porte avant d'y aller.",
                         tm=name, created=1000, changed=2000)
        got = self.fuzzy_look(name, "Close the door before you leave.", "en", "fr")
        self.assertEqual([(m["id"], m["base"], m["reversed"]) for m in got],
                         [(a, 83, True), (b, 83, False)])

    def test_lookup_fuzzy_sees_writes_at_once(self):
        name = self.new_tm()
        fox = "the quick brown fox jumps over the lazy dog"
        seg = "the quick brown fox jumps over the lazy cat"      # 9 tokens, base 88
        a = self.add_one(fox, "le renard", tm=name)
        self.assertEqual([(m["id"], m["base"]) for m in self.fuzzy_look(name, seg)],
                         [(a, 88)])
        self.assertEqual(self.call(self.dealer, "delete", ids=[a]), {"deleted": 1})
        self.assertEqual(self.fuzzy_look(name, seg, min_score=0), [])
        # Many entries, given time to be posted, then updated and deleted.
        self.add([{"src": "filler %d number %d" % (i, i * 7), "tgt": "x %d" % i}
                  for i in range(500)], tm=name)
        b = self.add_one(fox, "le renard encore", tm=name)
        c = self.add_one("a slow green turtle walks under the busy bridge", "la tortue",
                         tm=name)
        time.sleep(1)
        self.assertEqual([(m["id"], m["base"]) for m in self.fuzzy_look(name, seg)],
                         [(b, 88)])
        turtle = "a slow green turtle walks under the busy road"
        self.assertEqual([(m["id"], m["base"]) for m in self.fuzzy_look(name, turtle)],
                         [(c, 88)])
        self.update(b, src="a slow green turtle walks under the old bridge")
        self.assertEqual(self.fuzzy_look(name, seg), [])   # only "the" left in common
        self.assertEqual([(m["id"], m["base"]) for m in self.fuzzy_look(name, turtle)],
                         [(c, 88), (b, 77)])
        self.update(c, src=fox)
        self.assertEqual([(m["id"], m["base"]) for m in self.fuzzy_look(name, seg)],
                         [(c, 88)])
        self.assertEqual([(m["id"], m["base"]) for m in self.fuzzy_look(name, turtle)],
                         [(b, 77)])
        self.assertEqual(self.call(self.dealer, "delete", ids=[b, c]), {"deleted": 2})
        self.assertEqual(self.fuzzy_look(name, seg, min_score=0), [])
        self.assertEqual(self.fuzzy_look(name, turtle, min_score=0), [])
        # An add answered is matched by the next lookup.
        d = self.add_one(fox, "le renard de nouveau", tm=name)
        self.assertEqual([(m["id"], m["base"]) for m in self.fuzzy_look(name, seg)],
                         [(d, 88)])

    def test_lookup_fuzzy_needs_tokens(self):
        name = self.new_tm()
        self.add_one("Hello world.", "Bonjour le monde.", tm=name)
        self.add_one("...", "...", tm=name)
        four = self.add_one("one two three four", "un deux trois quatre", tm=name)
        # A segment without tokens has no fuzzy matches (and "..." only its exact one).
        for segment in ("!?", "\u2014", ". . ,", mark(0), mark(0) + " " + mark(1), "\u3002"):
            with self.subTest(segment=segment):
                self.assertEqual(self.fuzzy_look(name, segment, min_score=0), [])
        self.assertEqual([m["kind"] for m in self.fuzzy_look(name, "...", min_score=0)],
                         ["exact"])
        # base 0 is no match, even at min_score 0: no token in common.
        self.assertEqual(self.fuzzy_look(name, "five six seven", min_score=0), [])
        # 4 edits for 5 tokens: base 20.
        got = self.fuzzy_look(name, "one five six seven eight", min_score=0)
        self.assertEqual([(m["id"], m["base"], m["score"], m["kind"]) for m in got],
                         [(four, 20, 20, "fuzzy")])

    # ---- concordance -----------------------------------------------------------------

    def concordance(self, query, lang="en", tm=None, sock=None, **fields):
        """concordance, with what section 6 promises of its result checked; returns res."""
        if tm is not None:
            fields["tm"] = tm
        res = self.call(sock or self.dealer, "concordance", query=query, lang=lang, **fields)
        self.assertIsInstance(res.get("results"), list, res)
        self.assertIsInstance(res.get("more"), bool, res)
        max_results = fields.get("max_results")
        self.assertLessEqual(len(res["results"]), 20 if max_results is None else max_results)
        side = fields.get("side") or "src"
        for r in res["results"]:
            self.check_entry(r)
            self.check_tags(r)
            self.assertEqual(r["tm"], "default" if tm is None else tm, r)
            self.assertIsInstance(r.get("phrase"), bool, r)
            self.assertIn("spans", r)
            if r["spans"] is None:
                continue
            self.assertIsInstance(r["spans"], list, r)
            self.assertTrue(r["spans"], r)   # every query word occurs
            text = r[side].encode("utf-8")
            end = 0
            for span in r["spans"]:
                self.assertIsInstance(span, list, r)
                self.assertEqual(len(span), 2, r)
                self.assertTrue(all(is_int(x) for x in span), r)
                # sorted, never overlapping, inside the searched text, never empty
                self.assertTrue(end <= span[0] < span[1] <= len(text), r)
                text[span[0]:span[1]].decode("utf-8")   # on character boundaries
                end = span[1]
        # "phrase matches first, then newest first (higher id)"
        phrases = [r["phrase"] for r in res["results"]]
        self.assertEqual(phrases, sorted(phrases, reverse=True), res)
        for group in (True, False):
            ids = [r["id"] for r in res["results"] if r["phrase"] is group]
            self.assertEqual(ids, sorted(ids, reverse=True), res)
        return res

    def conc(self, query, lang="en", side=None, **fields):
        """A concordance's results as (id, [the text of each span], phrase)."""
        if side is not None:
            fields["side"] = side
        res = self.concordance(query, lang, **fields)
        out = []
        for r in res["results"]:
            text = r[side or "src"].encode("utf-8")
            spans = None if r["spans"] is None else \
                [text[a:b].decode("utf-8") for a, b in r["spans"]]
            out.append((r["id"], spans, r["phrase"]))
        return out

    def wait_posted(self, upto):
        """Waits until the fuzzy index has the postings of every entry up to `upto`."""
        deadline = time.monotonic() + 20
        while self.call(self.dealer, "stats")["fuzzy_index"]["posted_upto"] < upto:
            self.assertLess(time.monotonic(), deadline, "postings never written")
            time.sleep(0.02)   # polling interval for the condition above

    def test_stats_count_fuzzy_searches(self):
        """stats' fuzzy_index counts what lookups' fuzzy searches read: a posted entry
        that shares words with the query is a candidate, and is verified; "method":
        "scan" counts as a scan and reads no postings."""
        name = self.new_tm()
        last = self.add_one("Open the configuration file in the editor",
                            "Ouvrir le fichier de configuration dans l'\u00e9diteur", tm=name)
        self.wait_posted(last)
        def counts():
            f = self.call(self.dealer, "stats")["fuzzy_index"]
            return {k: f[k] for k in ("searches", "postings_read", "candidates", "verified",
                                      "scans")}
        before = counts()
        seg = "Open the configuration file in an editor"
        self.assertEqual(len(self.lookup(tm=name, segments=[seg])[0]["matches"]), 1)
        mid = counts()
        self.assertGreaterEqual(mid["searches"] - before["searches"], 1)
        self.assertGreaterEqual(mid["postings_read"] - before["postings_read"], 1)
        self.assertGreaterEqual(mid["candidates"] - before["candidates"], 1)
        self.assertGreaterEqual(mid["verified"] - before["verified"], 1)
        self.assertLessEqual(mid["verified"] - before["verified"],
                             mid["candidates"] - before["candidates"])
        self.assertEqual(mid["scans"], before["scans"])
        self.assertEqual(len(self.lookup(tm=name, segments=[seg], method="scan")[0]["matches"]),
                         1)
        after = counts()
        self.assertGreaterEqual(after["scans"] - mid["scans"], 1)
        self.assertEqual(after["postings_read"], mid["postings_read"])

    def test_concordance_in_hello(self):
        self.assertIn("concordance", self.call(self.dealer, "hello")["ops"])

    def test_concordance_words_case_insensitive(self):
        name = self.new_tm()
        a = self.add_one("Open the File", "Ouvrir le fichier", tm=name)
        b = self.add_one("Save the file now.", "Enregistrer le fichier maintenant.", tm=name)
        c = self.add_one("Close the window", "Fermer la fen\u00eatre", tm=name)
        self.add_one("Open files", "Ouvrir des fichiers", tm=name)   # "files" is another word
        self.add_one("My profile", "Mon profil", tm=name)            # words are whole
        e = self.add_one("A file", "Un fichier", tm=name, src_lang="en-GB")
        self.add_one("file", "fichier", tm=self.new_tm())            # another TM
        self.assertEqual(self.conc("FILE", tm=name), [(b, ["file"], True), (a, ["File"], True)])
        # Every word, in any order; each occurrence is a span.
        self.assertEqual(self.conc("file the", tm=name),
                         [(b, ["the", "file"], False), (a, ["the", "File"], False)])
        self.assertEqual(self.conc("the FILE", tm=name),
                         [(b, ["the", "file"], True), (a, ["the", "File"], True)])
        # A repeated query word needs one occurrence, but the phrase has it twice.
        self.assertEqual(self.conc("the the", tm=name),
                         [(c, ["the"], False), (b, ["the"], False), (a, ["the"], False)])
        self.assertEqual(self.conc("open window", tm=name), [])
        # The language: canonicalised, and only that one.
        self.assertEqual(self.conc("file", lang="EN-gb", tm=name), [(e, ["file"], True)])
        self.assertEqual(self.conc("file", lang="en-US", tm=name), [])

    def test_concordance_spans_non_ascii(self):
        name = self.new_tm()
        g = self.add_one("Gr\u00f6\u00dfe der Datei \u00e4ndern", "Change the file size",
                         tm=name, src_lang="de", tgt_lang="en")
        # White space as stored (runs, U+00A0) and full case folding (GR\u00d6SSE).
        h = self.add_one("\u00c4ndern  Sie\u00a0die GR\u00d6SSE", "Change the size", tm=name,
                         src_lang="de", tgt_lang="en")
        i = self.add_one("  Die Stra\u00dfe \U0001F697 ist lang", "The road is long", tm=name,
                         src_lang="de", tgt_lang="en")
        self.assertEqual(self.conc("gr\u00f6\u00dfe \u00c4NDERN", "de", tm=name),
                         [(h, ["\u00c4ndern", "GR\u00d6SSE"], False),
                          (g, ["Gr\u00f6\u00dfe", "\u00e4ndern"], False)])
        self.assertEqual(self.conc("strasse", "de", tm=name),
                         [(i, ["Stra\u00dfe"], True)])
        self.assertEqual(self.conc("\U0001F697 IST", "de", tm=name),
                         [(i, ["\U0001F697", "ist"], True)])
        # A stored text not in NFC has no exact offsets: spans nil; the query is
        # normalised, so either form finds it.
        j = self.add_one("Cafe\u0301 noir", "Black coffee", tm=name, src_lang="fr",
                         tgt_lang="en")
        k = self.add_one("Un caf\u00e9", "A coffee", tm=name, src_lang="fr", tgt_lang="en")
        for query in ("CAF\u00c9", "cafe\u0301"):
            with self.subTest(query=query):
                self.assertEqual(self.conc(query, "fr", tm=name),
                                 [(k, ["caf\u00e9"], True), (j, None, True)])
        # Tag marks are not words; a span never holds one.
        t = self.add_one("Click " + mark(0) + "Save" + mark(1) + " now", "Cliquez", tm=name,
                         src_tags=["<bpt i=\"1\">&lt;b&gt;</bpt>", "<ept i=\"1\">&lt;/b&gt;</ept>"])
        self.assertEqual(self.conc("save now", tm=name), [(t, ["Save", "now"], True)])

    def test_concordance_phrase_first(self):
        name = self.new_tm()
        p1 = self.add_one("the big house", "la grande maison", tm=name)
        p2 = self.add_one("house big", "x", tm=name)
        p3 = self.add_one("big, house", "x", tm=name)            # punctuation between
        p4 = self.add_one("Big   HOUSE here", "x", tm=name)      # case and white space
        p5 = self.add_one("the house is big", "x", tm=name)
        p6 = self.add_one("big " + mark(0) + "house", "x", tm=name, src_tags=['<ph x="1"/>'])
        p7 = self.add_one("a big-house", "x", tm=name)
        p8 = self.add_one("house big and big house", "x", tm=name)
        self.add_one("big home", "x", tm=name)
        got = self.conc("big house", tm=name)
        self.assertEqual([(i, phrase) for i, _, phrase in got],
                         [(p8, True), (p6, True), (p4, True), (p1, True),
                          (p7, False), (p5, False), (p3, False), (p2, False)])
        self.assertEqual(got[0][1], ["house", "big", "big", "house"])   # every occurrence
        self.assertEqual(got[2][1], ["Big", "HOUSE"])
        # The query's own punctuation between its words counts; around them it does not.
        self.assertEqual([(i, phrase) for i, _, phrase in self.conc("big-house", tm=name)],
                         [(p7, True), (p8, False), (p6, False), (p5, False), (p4, False),
                          (p3, False), (p2, False), (p1, False)])
        self.assertEqual(self.conc("\u00abBig house.\u00bb", tm=name), got)
        self.assertEqual([i for i, _, phrase in self.conc("big , house", tm=name) if phrase],
                         [p3])

    def test_concordance_newest_first_posted_or_not(self):
        name = self.new_tm()
        ids = [self.add_one("apple %d" % n, "pomme %d" % n, tm=name) for n in range(5)]
        expect = [(i, ["apple"], True) for i in reversed(ids)]
        self.assertEqual(self.conc("Apple", tm=name), expect)
        # The same once the index holds their postings.
        self.wait_posted(ids[-1])
        self.assertEqual(self.conc("Apple", tm=name), expect)
        # Deletes and updates are seen at once.
        self.assertEqual(self.call(self.dealer, "delete", ids=[ids[1]]), {"deleted": 1})
        self.update(ids[2], src="pear 2")
        self.assertEqual([i for i, _, _ in self.conc("apple", tm=name)],
                         [ids[4], ids[3], ids[0]])
        self.assertEqual(self.conc("pear", tm=name), [(ids[2], ["pear"], True)])
        new = self.add_one("An apple", "Une pomme", tm=name)
        self.assertEqual([i for i, _, _ in self.conc("apple", tm=name)],
                         [new, ids[4], ids[3], ids[0]])

    def test_concordance_target_side(self):
        name = self.new_tm()
        e1 = self.add_one("Open the file", "Ouvrir le fichier", tm=name)
        e2 = self.add_one("Datei \u00f6ffnen", "Ouvrir le Fichier", tm=name, src_lang="de")
        e3 = self.add_one("Le fichier est ouvert", "The file is open", tm=name,
                          src_lang="fr", tgt_lang="en")
        e4 = self.add_one("Open the file", "Datei \u00f6ffnen", tm=name, tgt_lang="de")
        for lang in ("fr", "FR"):
            got = self.conc("fichier", lang, side="tgt", tm=name)
            self.assertEqual(got, [(e2, ["Fichier"], True), (e1, ["fichier"], True)])
        self.assertEqual(self.conc("fichier", "fr", side="src", tm=name),
                         [(e3, ["fichier"], True)])
        self.assertEqual(self.conc("fichier", "fr", tm=name), [(e3, ["fichier"], True)])
        self.assertEqual(self.conc("file", "en", side="tgt", tm=name), [(e3, ["file"], True)])
        self.assertEqual(self.conc("file", "en", tm=name),
                         [(e4, ["file"], True), (e1, ["file"], True)])
        self.assertEqual(self.conc("datei", "de", side="tgt", tm=name),
                         [(e4, ["Datei"], True)])
        # Entries come as stored, never turned round.
        res = self.concordance("fichier", "fr", side="tgt", tm=name)["results"]
        self.assertEqual([(r["src_lang"], r["tgt_lang"], r["src"]) for r in res],
                         [("de", "fr", "Datei \u00f6ffnen"), ("en", "fr", "Open the file")])

    def test_concordance_cjk(self):
        name = self.new_tm()
        c1 = self.add_one("\u6253\u5f00\u6587\u4ef6", "Open the file", tm=name,
                          src_lang="zh-CN", tgt_lang="en")
        c2 = self.add_one("\u6587\u4ef6\u5df2\u4fdd\u5b58\u3002", "File saved.", tm=name,
                          src_lang="zh-CN", tgt_lang="en")
        c3 = self.add_one("\u4fdd\u5b58\u6587\u4ef6\u5939", "Save the folder", tm=name,
                          src_lang="zh-CN", tgt_lang="en")
        c4 = self.add_one("\u4ef6\u548c\u6587", "x", tm=name, src_lang="zh-CN", tgt_lang="en")
        self.add_one("\u6587\u672c", "Text", tm=name, src_lang="zh-CN", tgt_lang="en")
        # Every character is a word: each is a span of its own (3 bytes).
        want = [(c3, ["\u6587", "\u4ef6"], True), (c2, ["\u6587", "\u4ef6"], True),
                (c1, ["\u6587", "\u4ef6"], True), (c4, ["\u4ef6", "\u6587"], False)]
        for query in ("\u6587\u4ef6", "\u6587 \u4ef6", "\u300c\u6587\u4ef6\u300d"):
            with self.subTest(query=query):
                self.assertEqual(self.conc(query, "zh-cn", tm=name), want)
        res = self.concordance("\u6587\u4ef6", "zh-CN", tm=name)["results"]
        self.assertEqual(res[0]["spans"], [[6, 9], [9, 12]])
        # Japanese: kana one by one, a Latin word whole.
        j = self.add_one("USB\u30e1\u30e2\u30ea\u30fc\u3092\u633f\u5165", "Insert the USB stick",
                         tm=name, src_lang="ja", tgt_lang="en")
        self.assertEqual(self.conc("\u30e1\u30e2\u30ea\u30fc", "ja", tm=name),
                         [(j, ["\u30e1", "\u30e2", "\u30ea", "\u30fc"], True)])
        self.assertEqual(self.conc("usb \u633f\u5165", "ja", tm=name),
                         [(j, ["USB", "\u633f", "\u5165"], False)])

    def test_concordance_numbers_match_as_written(self):
        name = self.new_tm()
        n1 = self.add_one("Page 3 of 10", "Page 3 sur 10", tm=name)
        n2 = self.add_one("Page 4 of 10", "Page 4 sur 10", tm=name)
        n3 = self.add_one("Page 3,5 of 10", "Page 3,5 sur 10", tm=name)
        n4 = self.add_one("Page 13 of 10", "Page 13 sur 10", tm=name)
        n5 = self.add_one("Page 10 of 3", "Page 10 sur 3", tm=name)
        self.assertEqual(self.conc("page 3", tm=name),
                         [(n1, ["Page", "3"], True), (n5, ["Page", "3"], False)])
        self.assertEqual(self.conc("3,5", tm=name), [(n3, ["3,5"], True)])
        self.assertEqual(self.conc("3.5", tm=name), [])
        self.assertEqual(self.conc("page 7", tm=name), [])
        self.assertEqual([i for i, _, _ in self.conc("10", tm=name)], [n5, n4, n3, n2, n1])
        self.assertEqual(self.conc("10 of 3", tm=name)[0], (n5, ["10", "of", "3"], True))
        self.assertEqual(self.conc("of 10", tm=name)[:1], [(n4, ["of", "10"], True)])

    def test_concordance_max_results_and_more(self):
        name = self.new_tm()
        phrase = self.add([{"src": "Ship item %d" % n, "tgt": "x"} for n in range(5)],
                          tm=name)["ids"]
        other = self.add([{"src": "Item ship %d" % n, "tgt": "x"} for n in range(25)],
                         tm=name)["ids"]
        newest = sorted(phrase, reverse=True) + sorted(other, reverse=True)

        def ids(**fields):
            res = self.concordance("ship item", tm=name, **fields)
            return [r["id"] for r in res["results"]], res["more"]

        self.assertEqual(ids(), (newest[:20], True))   # default 20
        self.assertEqual(ids(max_results=None), (newest[:20], True))   # nil is absent
        for n, more in ((1, True), (3, True), (5, True), (6, True), (29, True),
                        (30, False), (31, False), (1000, False)):
            with self.subTest(max_results=n):
                self.assertEqual(ids(max_results=n), (newest[:n], more))
        self.assertEqual(self.conc("ship item 3", tm=name),
                         [(phrase[3], ["Ship", "item", "3"], True),
                          (other[3], ["Item", "ship", "3"], False)])
        got = self.concordance("ship item 3", tm=name, max_results=1)
        self.assertEqual(([r["id"] for r in got["results"]], got["more"]), ([phrase[3]], True))

    def test_concordance_examines_a_bounded_number_of_entries(self):
        # "At most 20 x max_results + 1,000 entries are examined, newest first": a phrase
        # match older than that is not reached, and more says that results were left.
        name = self.new_tm()
        old = self.add_one("zebra crossing", "passage pour pi\u00e9tons", tm=name)
        newer = self.add([{"src": "crossing zebra %d" % n, "tgt": "x"} for n in range(1100)],
                         tm=name)["ids"]
        for n, first in ((1, newer[-1]), (5, newer[-1]), (6, old)):
            with self.subTest(max_results=n):
                res = self.concordance("zebra crossing", tm=name, max_results=n)
                self.assertEqual(res["results"][0]["id"], first)
                self.assertEqual(len(res["results"]), n)
                self.assertIs(res["more"], True)
        # With the phrase found, the rest are the newest others.
        res = self.concordance("zebra crossing", tm=name, max_results=6)
        self.assertEqual([r["id"] for r in res["results"]],
                         [old] + sorted(newer, reverse=True)[:5])

    def test_concordance_bad_requests(self):
        name = self.new_tm()
        self.add_one("Hello world", "Bonjour le monde", tm=name)
        ok = dict(query="hello", lang="en", tm=name)
        cases = [
            ("EBADREQ", dict(query="hello", tm=name)),                  # no lang
            ("EBADREQ", dict(ok, lang=5)),
            ("EBADLANG", dict(ok, lang="en_US")),
            ("EBADLANG", dict(ok, lang="")),
            ("EBADREQ", dict(ok, side="both")),
            ("EBADREQ", dict(ok, side="")),
            ("EBADREQ", dict(ok, side="SRC")),
            ("EBADREQ", dict(ok, side=1)),
            ("EBADREQ", dict(lang="en", tm=name)),                      # no query
            ("EBADREQ", dict(ok, query="")),
            ("EBADREQ", dict(ok, query=5)),
            ("EBADREQ", dict(ok, query=b"hello")),
            ("EBADREQ", dict(ok, query=["hello"])),
            ("EBADREQ", dict(ok, query="a " * 2100)),                  # over 4,096 bytes
            ("EBADREQ", dict(ok, query="a " * 257)),                   # over 256 words
            ("EBADREQ", dict(ok, max_results=0)),
            ("EBADREQ", dict(ok, max_results=-1)),
            ("EBADREQ", dict(ok, max_results=1001)),
            ("EBADREQ", dict(ok, max_results=5000)),
            ("EBADREQ", dict(ok, max_results="5")),
            ("EBADREQ", dict(ok, max_results=1.5)),
            ("EBADREQ", dict(ok, tm="")),
            ("EBADREQ", dict(ok, tm=5)),
            ("ENOTFOUND", dict(ok, tm="no such tm %d" % next(TM_NAMES))),
        ]
        for code, fields in cases:
            with self.subTest(fields=fields):
                self.error("concordance", code, **fields)
        # Only punctuation, white space or tags: no word to look for.
        for query in ("...", " ", "\u3002\uff01", mark(0), "- , -"):
            with self.subTest(query=query):
                err = self.error("concordance", "EBADREQ", **dict(ok, query=query))
                self.assertIn("query", err["message"])
        # The limits themselves are fine, and nil is absent.
        self.concordance("a " * 256, tm=name)
        self.concordance("hello", tm=name, max_results=1000, side=None)
        self.assertEqual(self.conc("hello", tm=name, side="src", max_results=1),
                         self.conc("hello", tm=name))
        self.assert_ping(self.dealer)

    # ---- export --------------------------------------------------------------------

    # ---- align -----------------------------------------------------------

    def align(self, **fields):
        res = self.call(self.dealer, "align", **fields)
        self.check_beads(res)
        return res

    def check_beads(self, res):
        """Beads in source order cover every segment of both sides exactly once; their
        targets are in order too, but for those marked moved."""
        ns, nt = len(res["src_segments"]), len(res["tgt_segments"])
        si = ti = 0
        seen = []
        for b in res["beads"]:
            self.assertIn(set(b), ({"src", "tgt", "score"}, {"src", "tgt", "score", "moved"}))
            self.assertIs(b.get("moved", True), True)
            self.assertTrue(b["src"] or b["tgt"])
            self.assertLessEqual(len(b["src"]), 4)
            self.assertLessEqual(len(b["tgt"]), 4)
            self.assertLessEqual(len(b["src"]) + len(b["tgt"]), 5)
            self.assertEqual(b["src"], list(range(si, si + len(b["src"]))))
            if b["tgt"]:
                self.assertEqual(b["tgt"], list(range(b["tgt"][0], b["tgt"][0] + len(b["tgt"]))))
                if "moved" not in b:
                    self.assertGreaterEqual(b["tgt"][0], ti)
                    ti = b["tgt"][-1] + 1
            si += len(b["src"])
            seen += b["tgt"]
            self.assertTrue(0 <= b["score"] <= 1)
        self.assertEqual(si, ns)
        self.assertEqual(sorted(seen), list(range(nt)))

    def pairs(self, res):
        return [(tuple(b["src"]), tuple(b["tgt"])) for b in res["beads"]]

    EN = ["The meeting starts at 9.30 tomorrow morning.",
          "Please bring the report on the 2024 budget and the figures for March.",
          "Lunch will be served in the main hall.",
          "We expect to finish before 16.00."]
    FR = ["La réunion commence demain matin à 9,30.",
          "Veuillez apporter le rapport sur le budget 2024 et les chiffres de mars.",
          "Le déjeuner sera servi dans la grande salle.",
          "Nous pensons terminer avant 16,00."]

    def test_align_in_hello(self):
        self.assertIn("align", self.call(self.dealer, "hello")["ops"])

    def test_align_one_to_one_segments(self):
        res = self.align(src_lang="en", tgt_lang="fr", src_segments=self.EN,
                         tgt_segments=self.FR)
        self.assertEqual(res["src_segments"], self.EN)
        self.assertEqual(res["tgt_segments"], self.FR)
        self.assertEqual(self.pairs(res), [((i,), (i,)) for i in range(4)])

    def test_align_split_sentence(self):
        fr = [self.FR[0], "Veuillez apporter le rapport sur le budget 2024.",
              "Apportez aussi les chiffres de mars.", self.FR[2], self.FR[3]]
        res = self.align(src_lang="en", tgt_lang="fr", src_segments=self.EN, tgt_segments=fr)
        self.assertEqual(self.pairs(res), [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)),
                                           ((3,), (4,))])

    def test_align_texts_are_segmented_nfc(self):
        src = " ".join(self.EN)
        tgt = "\n\n".join(self.FR).replace("é", "e\u0301")  # decomposed: NFC comes back
        res = self.align(src_lang="en", tgt_lang="fr", src_text=src, tgt_text=tgt)
        self.assertEqual(res["src_segments"], self.EN)
        self.assertEqual(res["tgt_segments"], self.FR)
        self.assertEqual(self.pairs(res), [((i,), (i,)) for i in range(4)])

    def test_align_empty_and_one_sided(self):
        res = self.align(src_lang="en", tgt_lang="fr", src_segments=[], tgt_segments=[])
        self.assertEqual(res, {"src_segments": [], "tgt_segments": [], "beads": [],
                               "lexicon": None})
        res = self.align(src_lang="en", tgt_lang="fr", src_segments=self.EN, tgt_segments=[])
        self.assertEqual(self.pairs(res), [((i,), ()) for i in range(4)])
        res = self.align(src_lang="en", tgt_lang="fr", src_segments=[], tgt_text="Bonjour.")
        self.assertEqual(self.pairs(res), [((), (0,))])

    def test_align_lopsided_does_not_fail(self):
        res = self.align(src_lang="en", tgt_lang="zh", src_segments=["One."],
                         tgt_segments=["第%d句。" % i for i in range(100)])
        self.assertEqual(len(res["tgt_segments"]), 100)

    def test_align_store(self):
        name = self.new_tm()
        res = self.align(src_lang="en", tgt_lang="fr", src_segments=self.EN,
                         tgt_segments=self.FR, store=dict(tm=name, min_confidence=0,
                                                          origin="memo-12"))
        held = {"low_confidence": 0, "shape": 0, "unpaired": 0, "too_long": 0}
        self.assertEqual(res["stored"], {"candidates": 4, "added": 4, "skipped": 0,
                                         "held_back": held})
        # Stored with the document as origin and the neighbours as context.
        hit = self.lookup(tm=name, segments=self.EN)[1]["matches"][0]
        self.assertEqual((hit["tgt"], hit["kind"], hit["origin"]),
                         (self.FR[1], "context", "memo-12"))
        again = self.align(src_lang="en", tgt_lang="fr", src_segments=self.EN,
                           tgt_segments=self.FR, store=dict(tm=name, min_confidence=0))
        self.assertEqual(again["stored"], {"candidates": 4, "added": 0, "skipped": 4,
                                           "held_back": held})
        none = self.align(src_lang="en", tgt_lang="fr", src_segments=self.EN,
                          tgt_segments=self.FR, store=dict(tm=name, min_confidence=1.0))
        self.assertEqual(none["stored"]["added"], 0)
        # Every bead not stored is counted by its reason: here every pair bead scoring
        # under 1 (the reply's scores are rounded, so counted from the shapes).
        beads = none["beads"]
        pairs = sum(1 for b in beads if b["src"] and b["tgt"] and len(b["src"]) + len(b["tgt"]) <= 3)
        self.assertEqual(none["stored"]["held_back"]["low_confidence"],
                         pairs - none["stored"]["candidates"])
        self.assertEqual(none["stored"]["candidates"] + sum(none["stored"]["held_back"].values()),
                         len(beads))
        extra = self.align(src_lang="en", tgt_lang="fr", src_segments=self.EN,
                           tgt_segments=self.FR[:2] + ["Une phrase sans original, assez longue "
                                                       "pour rester seule dans son coin."]
                           + self.FR[2:], store=dict(tm=name, min_confidence=0.5))
        kinds = extra["stored"]["held_back"]
        unpaired = sum(1 for b in extra["beads"] if not b["src"] or not b["tgt"])
        shape = sum(1 for b in extra["beads"] if b["src"] and b["tgt"]
                    and len(b["src"]) + len(b["tgt"]) > 3)
        self.assertEqual((kinds["unpaired"], kinds["shape"]), (unpaired, shape))
        self.assertEqual(extra["stored"]["candidates"] + sum(kinds.values()),
                         len(extra["beads"]))

    def test_align_lexicon(self):
        """A server with --dict uses the word list of the pair, either way round, and names
        it; the same text aligns with lower confidence where no list applies."""
        dicts = tempfile.mkdtemp(prefix="verso-proto-dict-")
        self.addCleanup(shutil.rmtree, dicts, True)
        with open(os.path.join(dicts, "en-zh.tsv"), "w", encoding="utf-8") as f:
            f.write("# a word list written for this test\nmountain\t山\nhigh\t高\nriver\t河\n"
                    "long\t长\nforest\t森林\ndark\t黑\nbad line without a tab\n")
        with open(os.path.join(dicts, "README"), "w") as f:
            f.write("not a word list: ignored\n")
        proc, endpoint = self.own_server(extra=("--dict", dicts))()
        sock = self.socket(zmq.DEALER, endpoint)
        en = ["The mountain is very high.", "The river is very long.", "The forest is very dark."]
        zh = ["这座山很高。", "那条河很长。", "那片森林很黑暗。"]
        want = [((i,), (i,)) for i in range(3)]
        plain = self.align(src_lang="en", tgt_lang="zh-CN", src_segments=en, tgt_segments=zh)
        self.assertIsNone(plain["lexicon"])
        for sl, tl, s, t in (("en", "zh-CN", en, zh), ("zh-Hans", "en-GB", zh, en)):
            res = self.call(sock, "align", src_lang=sl, tgt_lang=tl, src_segments=s,
                            tgt_segments=t)
            self.assertEqual(res["lexicon"], "en-zh")
            self.check_beads(res)
            self.assertEqual(self.pairs(res), want)
        res = self.call(sock, "align", src_lang="en", tgt_lang="zh-CN", src_segments=en,
                        tgt_segments=zh)
        for with_list, without in zip(res["beads"], plain["beads"]):
            self.assertGreater(with_list["score"], without["score"])
        other = self.call(sock, "align", src_lang="de", tgt_lang="fr", src_segments=["Ja."],
                          tgt_segments=["Oui."])
        self.assertIsNone(other["lexicon"])
        self.assertIsNone(proc.poll())

    def test_align_links_from_tm(self):
        """links_from: the TM's entries of the pair, in either direction, teach the aligner
        which words go together; the same beads come back, surer."""
        en_w = ["mountain", "river", "forest", "village", "harbour", "castle", "bridge",
                "valley", "island", "tower", "garden", "market"]
        zh_w = ["山峰", "河流", "森林", "村庄", "港口", "城堡", "桥梁", "山谷", "岛屿", "塔楼",
                "花园", "市场"]

        def pair(a, b, c):
            return ("The %s and the %s are near the %s." % (en_w[a], en_w[b], en_w[c]),
                    "%s和%s靠近%s。" % (zh_w[a], zh_w[b], zh_w[c]))
        name = self.new_tm()
        rng = random.Random(7)
        entries = sorted({pair(*rng.sample(range(12), 3)) for _ in range(36)})
        half = len(entries) // 2
        self.add([{"src": s, "tgt": t} for s, t in entries[:half]], tm=name, tgt_lang="zh-CN")
        # The other half stored the other way round: zh -> en.
        self.add([{"src": t, "tgt": s} for s, t in entries[half:]], tm=name, src_lang="zh-Hans",
                 tgt_lang="en")
        self.add_one("Le château.", "The castle.", tm=name)  # another pair: not used
        doc = [pair(0, 6, 9), pair(4, 2, 11), pair(10, 1, 7)]
        en, zh = [d[0] for d in doc], [d[1] for d in doc]
        plain = self.align(src_lang="en", tgt_lang="zh-CN", src_segments=en, tgt_segments=zh)
        self.assertNotIn("links_from", plain)
        res = self.align(src_lang="en", tgt_lang="zh-CN", src_segments=en, tgt_segments=zh,
                         links_from=name)
        self.assertEqual(res["links_from"], {"tm": name, "entries": len(entries)})
        self.check_beads(res)
        self.assertEqual(self.pairs(res), [((i,), (i,)) for i in range(3)])
        self.assertEqual(self.pairs(plain), self.pairs(res))
        for learned, without in zip(res["beads"], plain["beads"]):
            self.assertGreater(learned["score"], without["score"])
        self.error("align", "ENOTFOUND", src_lang="en", tgt_lang="zh", src_segments=en,
                   tgt_segments=zh, links_from=name + "-missing")
        for bad in ("", 7, ["x"], "x" * 129):
            self.error("align", "EBADREQ", src_lang="en", tgt_lang="zh", src_segments=en,
                       tgt_segments=zh, links_from=bad)

    MOVE_NAMES = ["Moreau", "Lefebvre", "Garnier", "Rousseau", "Fontaine", "Chevalier", "Girard",
                  "Bonnet", "Dupont", "Lambert", "Faure", "Mercier", "Blanc", "Guerin", "Muller",
                  "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clement",
                  "Gauthier", "Dumont"]
    MOVE_CITIES = ["Nantes", "Brest", "Lorient", "Vannes", "Quimper", "Rennes", "Angers", "Tours",
                   "Poitiers", "Limoges", "Rouen", "Caen", "Amiens", "Lille", "Metz", "Nancy",
                   "Dijon", "Lyon", "Grenoble", "Nice", "Toulon", "Nimes", "Pau", "Bayonne"]
    MOVE_TEMPLATES = [
        ("{n} counted {x} containers at the gate in {c}.",
         "{n} a compté {x} conteneurs à la porte de {c}."),
        ("The ferry of {n} left {c} with {x} passengers on board.",
         "Le ferry de {n} a quitté {c} avec {x} passagers à bord."),
        ("{n} replaced {x} cables on the crane near {c}.",
         "{n} a remplacé {x} câbles sur la grue près de {c}."),
        ("Since the storm, {n} has recorded {x} incidents around {c}.",
         "Depuis la tempête, {n} a recensé {x} incidents autour de {c}."),
        ("{n} promised {x} new jobs in {c} by the end of the year.",
         "{n} a promis {x} nouveaux emplois à {c} d'ici la fin de l'année."),
        ("In {c}, {n} signed a contract worth {x} euros.",
         "À {c}, {n} a signé un contrat de {x} euros.")]

    def test_align_moved_paragraph(self):
        """Four paragraphs of six sentences whose translation has the second and third
        in the other order: all four are paired, those out of order marked moved."""
        blocks = []
        for b in range(4):
            blocks.append([tuple(t.format(n=self.MOVE_NAMES[6 * b + k], c=self.MOVE_CITIES[6 * b + k],
                                          x=1000 * b + 37 * k + 11) for t in pair)
                           for k, pair in enumerate(self.MOVE_TEMPLATES)])
        order = [0, 2, 1, 3]
        src = [e for blk in blocks for e, _ in blk]
        tgt = [f for b in order for _, f in blocks[b]]
        res = self.align(src_lang="en", tgt_lang="fr", src_segments=src, tgt_segments=tgt)
        want = {(6 * b + k,): (6 * order.index(b) + k,) for b in range(4) for k in range(6)}
        got = {tuple(b["src"]): tuple(b["tgt"]) for b in res["beads"] if b["src"] and b["tgt"]}
        right = sum(1 for s, t in want.items() if got.get(s) == t)
        self.assertGreaterEqual(right, 22)
        moved = [b for b in res["beads"] if b.get("moved")]
        self.assertGreaterEqual(len(moved), 5)
        for b in moved:
            self.assertTrue(6 <= b["src"][0] < 18 if b["src"] else 6 <= b["tgt"][0] < 18)
        # The same paragraphs in order: nothing moved.
        res = self.align(src_lang="en", tgt_lang="fr", src_segments=src,
                         tgt_segments=[f for blk in blocks for _, f in blk])
        self.assertFalse(any(b.get("moved") for b in res["beads"]))

    def test_align_bad_requests(self):
        name = self.new_tm()
        ok = dict(src_lang="en", tgt_lang="fr", src_segments=["A."], tgt_segments=["B."])
        cases = [
            ("EBADREQ", dict(ok, src_text="A.")),                      # both
            ("EBADREQ", {k: v for k, v in ok.items() if k != "tgt_segments"}),  # neither
            ("EBADREQ", dict(ok, src_segments="A.")),
            ("EBADREQ", dict(ok, src_segments=["A.", 5])),
            ("EBADREQ", dict(ok, tgt_text=5, tgt_segments=None)),
            ("EBADLANG", dict(ok, src_lang="en_US")),
            ("EBADREQ", {k: v for k, v in ok.items() if k != "tgt_lang"}),
            ("EBADREQ", dict(ok, store="x")),
            ("EBADREQ", dict(ok, store=dict(tm=name, min_confidence=2))),
            ("EBADREQ", dict(ok, store=dict(tm=name, min_confidence=-0.5))),
            ("EBADREQ", dict(ok, store=dict(tm=name, min_confidence="high"))),
            ("EBADREQ", dict(ok, store=dict(tm=""))),
            ("EBADREQ", dict(ok, store=dict(tm=name, origin=7))),
            ("ENOTFOUND", dict(ok, store=dict(tm=name + "-missing"))),
        ]
        for code, fields in cases:
            fields = {k: v for k, v in fields.items() if v is not None}
            with self.subTest(fields=fields):
                self.error("align", code, **fields)
        self.assertEqual(self.tm_list()[name], 0)
        self.assert_ping(self.dealer)

    def test_update_and_export_in_hello(self):
        ops = self.call(self.dealer, "hello")["ops"]
        self.assertTrue({"update", "export"} <= set(ops), ops)

    def test_export_pages(self):
        name, other = self.new_tm(), self.new_tm()
        ids = []
        for i in range(23):   # ids of the two TMs interleaved
            entry = {"src": "Export %d." % i, "tgt": "Exporter %d." % i}
            if i % 3 == 0:
                entry.update(src="Export " + mark(0) + "%d." % i, src_tags=['<ph x="1"/>'],
                             props=[["n", str(i)]], author="a%d" % i, prev="Before.",
                             created=1000 + i, changed=2000 + i, usage=i)
            ids.append(self.add_one(tm=name, **entry))
            self.add_one("Other %d." % i, "Autre %d." % i, tm=other)
            if i % 5 == 0:   # another language pair, same TM
                ids.append(self.add_one("Umgekehrt %d." % i, "Inversé %d." % i, tm=name,
                                        src_lang="de", tgt_lang="fr"))
        self.assertEqual(self.call(self.dealer, "delete", ids=[ids[4], ids[9]]), {"deleted": 2})
        expected = [id_ for id_ in ids if id_ not in (ids[4], ids[9])]
        self.assertEqual(self.tm_list()[name], len(expected))
        for limit in (None, 1, 2, 7, 10000):
            with self.subTest(limit=limit):
                entries, pages = self.export_all(name, limit)
                # Every entry of the TM exactly once, in id order, none of other TMs.
                self.assertEqual([e["id"] for e in entries], expected)
                if limit is not None:
                    self.assertGreaterEqual(pages, -(-len(expected) // limit))
        # Fields as get gives them.
        entries, _ = self.export_all(name, 5)
        for entry in entries:
            self.assertEqual(entry, self.full_get(entry["id"]))
        first = entries[0]
        self.assertEqual((first["src"], first["src_tags"], first["props"], first["created"],
                          first["changed"], first["usage"], first["author"]),
                         ("Export " + mark(0) + "0.", ['<ph x="1"/>'], [["n", "0"]], 1000,
                          2000, 0, "a0"))
        # after: only the ids above it; nil is absent.
        for index in (0, 5, len(expected) - 2, len(expected) - 1):
            with self.subTest(after_index=index):
                entries, _ = self.export_all(name, 4, after=expected[index])
                self.assertEqual([e["id"] for e in entries], expected[index + 1:])
        self.assertEqual(self.export_all(name, 3, after=MISSING_ID)[0], [])
        # The other TM has only its own.
        entries, _ = self.export_all(other, 10)
        self.assertEqual(len(entries), 23)
        self.assertFalse({e["id"] for e in entries} & set(expected))
        self.assertTrue(all(e["src"].startswith("Other ") for e in entries))
        # An empty TM.
        self.assertEqual(self.export_all(self.new_tm(), 10)[0], [])

    def test_export_pages_are_snapshots(self):
        name = self.new_tm()
        ids = self.add([{"src": "Snap %d." % i, "tgt": "Instantan\u00e9 %d." % i}
                        for i in range(9)], tm=name)["ids"]
        res = self.call(self.dealer, "export", tm=name, limit=3)
        seen = [e["id"] for e in res["entries"]]
        self.assertIsNotNone(res["next"])
        cursor = res["next"]
        self.assertEqual(seen, ids[:len(seen)])
        # Between pages: one entry added (its id is above the cursor), the last deleted,
        # one already read deleted, one already read updated.
        late = self.add_one("Snap late.", "Instantan\u00e9 tardif.", tm=name)
        self.assertEqual(self.call(self.dealer, "delete", ids=[ids[-1], ids[0]]),
                         {"deleted": 2})
        self.update(ids[1], tgt="Chang\u00e9.")
        rest, _ = self.export_all(name, 3, after=cursor)
        self.assertEqual([e["id"] for e in rest], [i for i in ids[1:-1] if i > cursor] + [late])
        self.assertEqual(rest[-1]["src"], "Snap late.")

    def test_export_default_tm(self):
        n = next(TM_NAMES)
        mine = self.add_one("Default export %d." % n, "Export par d\u00e9faut %d." % n)
        entries, _ = self.export_all(None, 10000, after=mine - 1)
        self.assertIn(mine, [e["id"] for e in entries])   # export_all checks tm == "default"
        entries, _ = self.export_all("default", 10000, after=mine - 1)
        self.assertIn(mine, [e["id"] for e in entries])
        self.assertEqual(self.call(self.dealer, "delete", ids=[mine]), {"deleted": 1})

    def test_export_default_limit(self):
        name = self.new_tm()
        ids = self.add([{"src": "Bulk %d." % i, "tgt": "Lot %d." % i} for i in range(1234)],
                       tm=name)["ids"]
        entries, pages = self.export_all(name)   # checks at most 1,000 a page
        self.assertEqual([e["id"] for e in entries], sorted(ids))
        self.assertGreaterEqual(pages, 2)
        entries, pages = self.export_all(name, 10000)
        self.assertEqual([e["id"] for e in entries], sorted(ids))
        # A deleted TM is not found.
        self.assertEqual(self.call(self.dealer, "tm_delete", tm=name), {})
        self.error("export", "ENOTFOUND", tm=name)

    def test_export_bad_requests(self):
        name = self.new_tm()
        self.add_one("Exported.", "Export\u00e9.", tm=name)
        for fields in ({"limit": 0}, {"limit": 10001}, {"limit": -1}, {"limit": "5"},
                       {"limit": 1.5}, {"limit": True}, {"limit": [5]},
                       {"after": "0"}, {"after": 1.5}, {"after": True}, {"after": [1]},
                       {"after": {"id": 1}}, {"tm": 5}, {"tm": ""}, {"tm": "x" * 129},
                       {"tm": b"bin"}, {"tm": [name]}):
            with self.subTest(fields=fields):
                self.error("export", "EBADREQ", **dict({"tm": name}, **fields))
        self.error("export", "ENOTFOUND", tm="no-such-tm-%d" % next(TM_NAMES))
        self.error("export", "ENOTFOUND", tm="no-such-tm-%d" % next(TM_NAMES), limit=5)
        # The bounds themselves are fine.
        for limit in (1, 10000):
            with self.subTest(limit=limit):
                entries, _ = self.export_all(name, limit)
                self.assertEqual([e["src"] for e in entries], ["Exported."])
        # nil fields are absent.
        res = self.call(self.dealer, "export", tm=name, after=None, limit=None)
        self.assertIsInstance(res.get("entries"), list, res)

    # ---- a server of the test's own -------------------------------------------

    def own_server(self, max_msg=MAX_MSG, extra=()):
        """A function starting a versod of this test's own on one fresh data directory, each
        call on the same directory (a restart); returns (process, endpoint). Every process
        it starts is killed, if still running, and the directory removed when the test ends."""
        workdir = tempfile.mkdtemp(prefix="verso-proto-own-")
        self.addCleanup(shutil.rmtree, workdir, True)

        def stop(proc, log):
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            log.close()

        def start():
            proc, log, endpoint = start_versod(workdir, os.path.join(workdir, "data"), "own",
                                               max_msg, extra)
            self.addCleanup(stop, proc, log)
            return proc, endpoint
        return start

    def stop_gracefully(self, proc):
        self.assertEqual(stop_versod(proc), 0)

    def test_stop_cuts_a_long_lookup(self):
        """SIGTERM during a lookup of many segments: the lookup has the grace period
        (--stop-grace-ms) to finish, is then cancelled between two segments with ECANCELED
        (naming how far it got), and the server exits within the grace period, instead of
        finishing it. (The signal may also land while the request is still being decoded:
        then it is not run at all, ESHUTDOWN, which is the same promise.)"""
        start = self.own_server(max_msg=16 << 20, extra=("--threads", "2", "--stop-grace-ms", "500"))
        proc, endpoint = start()
        sock = self.socket(zmq.DEALER, endpoint)
        entries = [{"src": "Report %d on the state of the northern harbour works." % i,
                    "tgt": "Rapport %d sur les travaux du port nord." % i} for i in range(2000)]
        self.call(sock, "add", src_lang="en", tgt_lang="fr", entries=entries)
        segments = ["Report %d on the state of the southern harbour work." % (i % 5000)
                    for i in range(100000)]
        sock.send(pack({"v": 1, "id": "long", "op": "lookup", "src_lang": "en",
                        "tgt_lang": "fr", "segments": segments}))
        # A control op is answered while the lookup runs (it never queues behind work):
        # wait until stats counts two requests running, itself and the lookup.
        deadline = time.monotonic() + 20
        while True:
            sock.send(pack({"v": 1, "id": "probe", "op": "stats"}))
            reply = unpack(self.recv(sock)[-1])
            self.assertEqual(reply["id"], "probe")
            if reply["res"]["running"] >= 2 or time.monotonic() > deadline:
                break
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        reply = unpack(self.recv(sock, timeout_ms=20000)[-1])
        self.assertEqual(reply["id"], "long")
        self.assertFalse(reply["ok"], "the lookup finished before the stop: make it longer")
        self.assertIn(reply["err"]["code"], ("ECANCELED", "ESHUTDOWN"))
        got = re.search(r"cancelled after (\d+) of 100000 segments", reply["err"]["message"])
        self.assertTrue(got or '"lookup" not run' in reply["err"]["message"], reply["err"])
        self.assertEqual(proc.wait(timeout=20), 0)
        # the grace (0.5 s) and a little: the whole lookup takes tens of seconds
        self.assertLess(time.monotonic() - signalled, 5.0)

    def test_acknowledged_writes_survive_kill(self):
        start = self.own_server()
        proc, endpoint = start()
        sock = self.socket(zmq.DEALER, endpoint)
        self.assertEqual(self.tm_list(sock), {"default": 0})
        self.assertEqual(self.call(sock, "tm_create", tm="durable"), {})
        self.assertEqual(self.call(sock, "tm_create", tm="gone"), {})
        self.add_one("In a TM that goes.", "Dans une MT qui part.", tm="gone", sock=sock)
        self.assertEqual(self.call(sock, "tm_delete", tm="gone"), {})
        expected = {}   # id -> (tm, src_lang, tgt_lang, src, tgt, author)
        for i in range(12):
            tm = ("default", "durable")[i % 2]
            pair = (("en", "fr"), ("de", "zh-Hant-TW"))[i % 3 == 0]
            entries = [{"src": "Durable %d.%d \u00e9\u4e2d." % (i, j),
                        "tgt": "Cible %d.%d." % (i, j), "author": "a%d" % i} for j in range(3)]
            res = self.add(entries, tm if tm != "default" else None, *pair, sock=sock)
            self.assertEqual(res["added"], 3)
            for id_, e in zip(res["ids"], entries):
                expected[id_] = (tm, pair[0], pair[1], e["src"], e["tgt"], e["author"])
        ids = sorted(expected)
        self.assertEqual(self.call(sock, "delete", ids=ids[:2]), {"deleted": 2})
        deleted = ids[:2]
        for id_ in deleted:
            del expected[id_]
        first = expected[ids[2]]
        res = self.add([{"src": first[3], "tgt": "R\u00e9\u00e9crit.", "author": "z"}],
                       None if first[0] == "default" else first[0], first[1], first[2],
                       sock=sock, on_conflict="overwrite")
        self.assertEqual((res["updated"], res["ids"]), (1, [ids[2]]))
        expected[ids[2]] = first[:4] + ("R\u00e9\u00e9crit.", "z")
        # Pipelined adds, one request of three entries each: kill the server as soon as
        # half of them are acknowledged. Acknowledged requests must all be there after the
        # restart; the others all or nothing ("A request's writes commit together").
        pending = {}
        for i in range(30):
            entries = [{"src": "Piped %d.%d." % (i, j), "tgt": "Tub\u00e9 %d.%d." % (i, j)}
                       for j in range(3)]
            pending["pipe-%d" % i] = entries
            sock.send(pack({"v": 1, "id": "pipe-%d" % i, "op": "add", "tm": "durable",
                            "src_lang": "en", "tgt_lang": "fr", "entries": entries}))
        acked = {}
        while len(acked) < 15:
            reply = unpack(self.must_recv(sock)[0])
            self.assertIs(reply["ok"], True, reply)
            acked[reply["id"]] = reply["res"]["ids"]
        proc.kill()   # SIGKILL, right after the 15th ok reply
        proc.wait()
        all_ids = ids + [id_ for v in acked.values() for id_ in v]

        proc, endpoint = start()
        sock = self.socket(zmq.DEALER, endpoint)
        listed = self.tm_list(sock)
        self.assertEqual(set(listed), {"default", "durable"})
        self.assertEqual(listed["default"], sum(v[0] == "default" for v in expected.values()))
        for id_, (tm, src_lang, tgt_lang, src, tgt, author) in expected.items():
            got = self.get(id_, sock)
            self.assertEqual((got["tm"], got["src_lang"], got["tgt_lang"], got["src"],
                              got["tgt"], got["author"]),
                             (tm, src_lang, tgt_lang, src, tgt, author))
        for id_ in deleted:
            self.get_missing(id_, sock)
        for req_id, entry_ids in acked.items():
            for id_, entry in zip(entry_ids, pending[req_id]):
                got = self.get(id_, sock)
                self.assertEqual((got["tm"], got["src"], got["tgt"]),
                                 ("durable", entry["src"], entry["tgt"]))
        unacked = 0
        for req_id, entries in pending.items():
            results = self.lookup("durable", sock=sock, segments=[e["src"] for e in entries],
                                  min_score=100)
            found = [len(r["matches"]) for r in results]
            self.assertIn(found, ([0, 0, 0], [1, 1, 1]), req_id)
            if req_id in acked:
                self.assertEqual(found, [1, 1, 1], req_id)
            unacked += found[0]
        self.assertEqual(listed["durable"],
                         sum(v[0] == "durable" for v in expected.values()) + 3 * unacked)
        # Ids are never reused, across restarts too.
        new_id = self.add_one("After the crash.", "Apr\u00e8s la panne.", sock=sock)
        self.assertGreater(new_id, max(all_ids))
        self.stop_gracefully(proc)

    def test_add_and_delete_count_limits(self):
        proc, endpoint = self.own_server(max_msg=8 * 1024 * 1024)()
        sock = self.socket(zmq.DEALER, endpoint)
        entry = {"src": "Same.", "tgt": "Pareil."}
        # "1 to 100,000 entries"
        self.error("add", "EBADREQ", sock=sock, src_lang="en", tgt_lang="fr",
                   entries=[entry] * 100001)
        self.assertEqual(self.tm_list(sock), {"default": 0})
        res = self.add([entry] * 100000, sock=sock)
        self.assertEqual((res["added"], res["updated"], res["skipped"]), (1, 0, 99999))
        self.assertEqual(set(res["ids"]), {res["ids"][0]})
        self.assertEqual(self.tm_list(sock), {"default": 1})
        # "(up to 100,000)" ids
        many = [res["ids"][0]] + list(range(MISSING_ID, MISSING_ID + 100000))
        self.error("delete", "EBADREQ", sock=sock, ids=many)
        self.assertEqual(self.tm_list(sock), {"default": 1})
        self.assertEqual(self.call(sock, "delete", ids=many[:100000]), {"deleted": 1})
        self.assertEqual(self.tm_list(sock), {"default": 0})
        self.stop_gracefully(proc)

    def test_add_tag_list_limit(self):
        proc, endpoint = self.own_server(max_msg=4 * 1024 * 1024)()
        sock = self.socket(zmq.DEALER, endpoint)
        # "at most 65,534": the marks U+F0000 to U+FFFFD.
        most = ['<ph x="%d"/>' % k for k in range(65534)]
        text = "".join(mark(k) for k in range(65534))
        self.assertEqual(text[-1], "\U000FFFFD")
        good = {"src": "Fine.", "tgt": "Bien."}
        for key in ("src_tags", "tgt_tags"):
            with self.subTest(key=key):
                bad = {"src": "x" + text, "tgt": "y" + text, "src_tags": most,
                       "tgt_tags": most, key: most + ['<ph/>']}
                err = self.error("add", "EBADREQ", sock=sock, src_lang="en", tgt_lang="fr",
                                 entries=[good, bad])
                self.assertIn("entries[1]", err["message"])
        self.assertEqual(self.tm_list(sock), {"default": 0})
        a = self.add_one("x" + text, "y" + text, sock=sock, src_tags=most, tgt_tags=most)
        got = self.full_get(a, sock)
        self.assertEqual((got["src"], got["tgt"], got["src_tags"], got["tgt_tags"]),
                         ("x" + text, "y" + text, most, most))
        # update has the same limit.
        self.error("update", "EBADREQ", sock=sock, entry_id=a, src="z" + text,
                   src_tags=most + ['<ph/>'])
        self.assertEqual(self.full_get(a, sock), got)
        entry = self.update(a, sock=sock, tgt="w" + text, tgt_tags=most[::-1])
        self.assertEqual(entry["tgt_tags"], most[::-1])
        self.stop_gracefully(proc)

    # -- protocol truth (issue 19) --------------------------------------------------------

    def test_map_keys_are_strings_each_once(self):
        """Section 3: a repeated key, or a key that is not a string, in any map of the
        request gets EBADREQ naming it (the reply still echoes the id)."""
        def refused(body, id_):
            self.dealer.send(body)
            reply = unpack(self.must_recv(self.dealer)[-1])
            self.assertEqual((reply["id"], reply["err"]["code"]), (id_, "EBADREQ"), reply)
            return reply["err"]["message"]
        head = [(pack("v"), pack(1)), (pack("id"), pack(41)), (pack("op"), pack("ping"))]
        self.assertIn('"op" appears twice', refused(raw_request(*head, (pack("op"), pack("ping"))),
                                                   41))
        self.assertIn("keys must be strings", refused(raw_request(*head, (pack(7), pack("x"))), 41))
        entry = raw_request((pack("src"), pack("A.")), (pack("tgt"), pack("B.")),
                            (pack("src"), pack("C.")))
        body = raw_request((pack("v"), pack(1)), (pack("id"), pack(42)), (pack("op"), pack("add")),
                           (pack("src_lang"), pack("en")), (pack("tgt_lang"), pack("fr")),
                           (pack("entries"), b"\x91" + entry))
        self.assertIn('"src" appears twice', refused(body, 42))
        self.assertEqual(self.call(self.dealer, "ping"), {})

    def test_tag_marks_match_tag_lists(self):
        """Entry text: every mark names an item of its list and every item has a mark."""
        cases = [({"src": "a" + mark(0), "src_tags": []}, "tag mark 0 (U+F0000)"),
                 ({"src": "a" + mark(1), "src_tags": ["<ph/>"]}, "tag mark 1 (U+F0001)"),
                 ({"src": "a", "src_tags": ["<ph/>"]}, "src_tags[0] has no mark"),
                 ({"tgt": "b" + mark(0), "tgt_tags": ["<ph/>", "<ph x=\"2\"/>"]},
                  "tgt_tags[1] has no mark")]
        for fields, says in cases:
            with self.subTest(fields=fields):
                entry = dict({"src": "a", "tgt": "b"}, **fields)
                err = self.error("add", "EBADREQ", src_lang="en", tgt_lang="fr",
                                 entries=[{"src": "ok", "tgt": "ok"}, entry])
                self.assertIn("entries[1]", err["message"])
                self.assertIn(says, err["message"])
        # the noncharacters U+FFFFE and U+FFFFF are text, not marks
        self.add([{"src": "x" + chr(0xFFFFE) + chr(0xFFFFF), "tgt": "y"}])
        ids = self.add([{"src": "a" + mark(0) + "b" + mark(1) + mark(0), "tgt": "c",
                         "src_tags": ["<bpt i=\"1\"/>", "<ept i=\"1\"/>"]}])["ids"]
        err = self.error("update", "EBADREQ", entry_id=ids[0], tgt="d" + mark(0))
        self.assertIn("tag mark 0", err["message"])

    def test_local_binds(self):
        """The local endpoints SECURITY.md lists bind: localhost (as 127.0.0.1) and [::1]."""
        for bind in ("tcp://localhost:*", "tcp://[::1]:*", "tcp://lo:*"):
            with self.subTest(bind=bind):
                start = self.own_server(extra=("--bind", bind))
                proc, endpoint = start()
                sock = self.ctx.socket(zmq.DEALER)
                sock.setsockopt(zmq.LINGER, 0)
                sock.setsockopt(zmq.IPV6, 1)   # a client of [::1] needs it as well
                sock.connect(endpoint)
                self.assertEqual(self.call(sock, "ping"), {})
                sock.close()
                self.stop_gracefully(proc)

    SRX = """<?xml version="1.0" encoding="UTF-8"?>
<srx xmlns="http://www.lisa.org/srx20" version="2.0">
<header segmentsubflows="yes" cascade="{cascade}"/>
<body><languagerules>
<languagerule languagerulename="Semicolons">
  <rule break="no"><beforebreak>\\bno;</beforebreak><afterbreak>\\s</afterbreak></rule>
  <rule break="yes"><beforebreak>;</beforebreak><afterbreak>\\s</afterbreak></rule>
</languagerule>
<languagerule languagerulename="Stops">
  <rule break="yes"><beforebreak>[.!?]+</beforebreak><afterbreak>\\s</afterbreak></rule>
</languagerule>
</languagerules>
<maprules>
  <languagemap languagepattern="xx.*" languagerulename="Semicolons"/>
  <languagemap languagepattern=".*" languagerulename="Stops"/>
</maprules></body></srx>
"""

    def srx_server(self, **files):
        """A versod with the SRX files {name: cascade} written from SRX."""
        workdir = tempfile.mkdtemp(prefix="verso-srx-")
        self.addCleanup(shutil.rmtree, workdir, True)
        extra = []
        for name, cascade in files.items():
            path = os.path.join(workdir, name + ".srx")
            with open(path, "w") as f:
                f.write(self.SRX.format(cascade=cascade))
            extra += ["--srx", path]
        proc, endpoint = self.own_server(extra=tuple(extra))()
        sock = self.ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        self.addCleanup(sock.close)
        return proc, sock

    def test_srx_rules_through_the_ops(self):
        """"rules" names an SRX rule set (versod --srx) in segment, lookup and align: its
        rules cut the text, cascading or not as its header says; "verso" and "none" name
        the built-in rules and plain ICU; an unknown name is refused with the list."""
        proc, sock = self.srx_server(casc="yes", first="no")
        text = "One; two no; three. Four! Five"
        def segs(lang, rules):
            res = self.call(sock, "segment", text=text, lang=lang, rules=rules)
            return res["rules"], [s["text"] for s in res["segments"]]
        self.assertEqual(segs("xx", "casc"), ("casc:Semicolons+Stops",
                         ["One;", "two no; three.", "Four!", "Five"]))
        self.assertEqual(segs("xx", "first"), ("first:Semicolons", ["One;", "two no; three. Four! Five"]))
        self.assertEqual(segs("en", "first"), ("first:Stops", ["One; two no; three.", "Four!", "Five"]))
        self.assertEqual(segs("en", "verso")[0], "en")
        self.assertEqual(segs("en", "none")[0], "none")
        err = self.error("segment", "EBADREQ", sock=sock, text=text, lang="en", rules="nope")
        for name in ("verso", "none", "casc", "first"):
            self.assertIn('"%s"' % name, err["message"])
        self.call(sock, "tm_create", tm="t")
        self.call(sock, "add", tm="t", src_lang="xx", tgt_lang="en",
                  entries=[{"src": "two no; three.", "tgt": "2 3"}])
        for rules in ("nope", 5):   # checked with "segments" too
            self.error("lookup", "EBADREQ", sock=sock, tm="t", src_lang="xx", tgt_lang="en",
                       segments=["One;"], rules=rules)
        res = self.call(sock, "lookup", tm="t", src_lang="xx", tgt_lang="en", text=text,
                        rules="casc")
        self.assertEqual([r["segment"] for r in res["results"]],
                         ["One;", "two no; three.", "Four!", "Five"])
        self.assertEqual(res["results"][1]["matches"][0]["tgt"], "2 3")
        res = self.call(sock, "align", src_lang="xx", tgt_lang="en", src_text=text,
                        tgt_text="Un. Deux trois. Quatre! Cinq", rules="casc")
        self.assertEqual(res["src_segments"], ["One;", "two no; three.", "Four!", "Five"])
        self.assertEqual(len(res["tgt_segments"]), 4)
        self.stop_gracefully(proc)

    def test_srx_load_errors(self):
        """A bad SRX file stops versod at start, naming the file and the fault's line."""
        workdir = tempfile.mkdtemp(prefix="verso-srx-bad-")
        self.addCleanup(shutil.rmtree, workdir, True)
        good = self.SRX.format(cascade="yes")
        for name, body, says in (
                ("regex", good.replace("[.!?]+", "[.!?+"), "line 10"),
                ("version", good.replace('version="2.0"', 'version="1.0"'), "not SRX 2.0"),
                ("map", good.replace('languagerulename="Stops"/>', 'languagerulename="X"/>'),
                 '"X"'),
                ("xml", good[:300], "line"),
                ("root", "<tmx version='1.4'/>", "not <srx>")):
            path = os.path.join(workdir, name + ".srx")
            with open(path, "w") as f:
                f.write(body)
            with self.subTest(name):
                out = subprocess.run([VERSOD, "--data", os.path.join(workdir, "d"), "--srx", path],
                                     capture_output=True, text=True, timeout=30)
                self.assertNotEqual(out.returncode, 0)
                self.assertIn(path, out.stderr)
                self.assertIn(says, out.stderr)

    def test_startup_error_names_its_cause(self):
        workdir = tempfile.mkdtemp(prefix="verso-start-")
        self.addCleanup(shutil.rmtree, workdir, True)
        for bind, extra, says in (("tcp://no-such-interface-x:5555", ["--insecure"], "cannot bind"),
                                  ("tcp://10.1.2.3:5555", [], "refusing to serve")):
            out = subprocess.run([VERSOD, "--bind", bind, "--data", os.path.join(workdir, "d"),
                                  *extra], capture_output=True, text=True, timeout=30)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn(says, out.stderr)
            self.assertNotIn("revoked", out.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_protocol.py /path/to/versod [unittest args]")
    VERSOD = os.path.abspath(sys.argv.pop(1))
    unittest.main()
