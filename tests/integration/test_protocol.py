"""Integration test for versod's wire protocol, version 1.

Written from docs/PROTOCOL.md alone (no server source was consulted), to show that
the document is enough to write a client. Usage:

    /usr/bin/python3 tests/integration/test_protocol.py /path/to/versod [unittest args]
"""
import os
import random
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
         "ENOMEM", "ESTORE", "ENOSPC", "EIO", "ENOTFOUND", "EBADLANG", "EINTERNAL"}
# Unicode's White_Space property, for "surrounding white space" in segment (section 6).
WHITE_SPACE = set("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | \
    {chr(c) for c in range(0x2000, 0x200B)}


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


def raw_request(*pairs):
    """A map built by hand from already-encoded key and value bytes."""
    return bytes([0x80 | len(pairs)]) + b"".join(k + v for k, v in pairs)


class ProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="verso-proto-")
        ready = os.path.join(cls.tmp, "ready")
        cls.log = open(os.path.join(cls.tmp, "versod.log"), "wb")
        cls.proc = subprocess.Popen(
            [VERSOD, "--bind", "tcp://127.0.0.1:*", "--data", os.path.join(cls.tmp, "data"),
             "--ready-file", ready, "--max-message-bytes", str(MAX_MSG), "--log-level", "warn"],
            stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        content = ""
        while True:
            if os.path.exists(ready):
                with open(ready) as f:
                    content = f.read()
                if content.endswith("\n"):
                    break
            if cls.proc.poll() is not None:
                cls._cleanup()
                raise RuntimeError("versod exited early with status %d" % cls.proc.returncode)
            if time.monotonic() > deadline:
                cls.proc.kill()
                cls.proc.wait()
                cls._cleanup()
                raise RuntimeError("versod did not write its ready file within 20 s")
            time.sleep(0.02)  # polling interval for the condition above
        cls.endpoint = content.strip()
        cls.ctx = zmq.Context()

    @classmethod
    def _cleanup(cls):
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

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

    def socket(self, kind):
        s = self.ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(self.endpoint)
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
        for tag in ("qaa", "zxx", "tlh-Latn"):
            with self.subTest(tag=tag):
                res = self.segment(text, tag)
                self.assertEqual(res["lang"], tag)
                self.assertEqual(res["rules"], "root")
                self.assertTrue(res["segments"])

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


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_protocol.py /path/to/versod [unittest args]")
    VERSOD = os.path.abspath(sys.argv.pop(1))
    unittest.main()
