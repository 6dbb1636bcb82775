#!/usr/bin/env python3
"""The Python client package (client/python/verso) against a real versod: every op, typed
errors, pipelined batches, CURVE keys, and the pre-translation example.

usage: test_pyclient.py /path/to/versod [unittest args]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYCLIENT = os.path.join(HERE, "..", "..", "client", "python")
sys.path.insert(0, HERE)
sys.path.insert(0, PYCLIENT)
import test_protocol  # noqa: E402  (start_versod)
import verso  # noqa: E402

VERSOD = None


class PyClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="verso-pyclient-")
        cls.proc, cls.log, cls.endpoint = test_protocol.start_versod(
            cls.tmp, os.path.join(cls.tmp, "data"), "versod", max_msg=16 << 20)

    @classmethod
    def tearDownClass(cls):
        status = test_protocol.stop_versod(cls.proc, cls.log)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if status != 0:
            raise AssertionError("versod exited with status %d" % status)

    def client(self, **kw):
        c = verso.Client(self.endpoint, **kw)
        self.addCleanup(c.close)
        return c

    def test_server_ops(self):
        c = self.client()
        hello = c.hello()
        self.assertEqual((hello["server"], hello["protocol"], hello["role"]),
                         ("versod", 1, "admin"))
        self.assertEqual(c.ping(), {})
        self.assertGreaterEqual(c.stats()["requests"], 2)
        seg = c.segment("Dr. Smith left. He came back.", "en")
        self.assertEqual([s["text"] for s in seg["segments"]],
                         ["Dr. Smith left.", "He came back."])

    def test_tm_ops_and_errors(self):
        c = self.client()
        c.tm_create("py")
        with self.assertRaises(verso.Exists) as e:
            c.tm_create("py")
        self.assertEqual(e.exception.code, "EEXIST")
        res = c.add([{"src": "The harbour is closed.", "tgt": "Le port est fermé."},
                     {"src": "The road is open.", "tgt": "La route est ouverte."}],
                    "en", "fr", tm="py")
        self.assertEqual(res["added"], 2)
        a, b = res["ids"]
        self.assertEqual(c.get(a)["tgt"], "Le port est fermé.")
        self.assertEqual(c.update(a, tgt="Le port est clos.")["tgt"], "Le port est clos.")
        results = c.lookup("en", "fr", segments=["The harbour is closed.",
                                                 "The harbour was closed."], tm="py")
        self.assertEqual(results[0]["matches"][0]["score"], 100)
        self.assertEqual(results[0]["matches"][0]["tgt"], "Le port est clos.")
        fuzzy = results[1]["matches"][0]
        self.assertTrue(70 <= fuzzy["score"] < 100, fuzzy)
        self.assertEqual(fuzzy["kind"], "fuzzy")
        conc = c.concordance("harbour", "en", tm="py")
        self.assertEqual([r["id"] for r in conc["results"]], [a])
        self.assertFalse(conc["more"])
        self.assertEqual(sorted(e["id"] for e in c.export_all(tm="py", limit=1)), [a, b])
        self.assertEqual(c.tm_list()["py"], 2)
        self.assertEqual(c.delete([b]), 1)
        with self.assertRaises(verso.NotFound):
            c.get(b)
        with self.assertRaises(verso.BadLang):
            c.lookup("e n", "fr", segments=["x"])
        with self.assertRaises(verso.BadRequest) as e:
            c.lookup("en", "fr")  # neither segments nor text
        self.assertIsInstance(e.exception, verso.ServerError)
        with self.assertRaises(verso.BadOp):
            c.call("fly")
        c.tm_delete("py")
        self.assertNotIn("py", c.tm_list())

    def test_align(self):
        c = self.client()
        res = c.align("en", "fr", src_text="One. Two.", tgt_text="Un. Deux.",
                      store={"tm": "default", "min_confidence": 0})
        self.assertEqual(len(res["beads"]), 2)
        self.assertIn("stored", res)

    def test_pipelined_batch(self):
        c = self.client()
        c.tm_create("batch")
        c.add([{"src": "Sentence number %d is here." % i, "tgt": "Phrase %d ici." % i}
               for i in range(50)], "en", "fr", tm="batch")
        docs = [["Sentence number %d is here." % (10 * d + k) for k in range(10)]
                for d in range(5)]
        got = list(c.lookup_batch(docs, "en", "fr", window=3, tm="batch"))
        self.assertEqual(len(got), 5)
        for d, results in enumerate(got):
            self.assertEqual([r["matches"][0]["tgt"] for r in results],
                             ["Phrase %d ici." % (10 * d + k) for k in range(10)])
        # Replies are matched by id, whatever their order.
        ids = [c.send("ping"), c.send("hello"), c.send("ping")]
        self.assertEqual(c.recv(ids[2]), {})
        self.assertEqual(c.recv(ids[1])["server"], "versod")
        self.assertEqual(c.recv(ids[0]), {})

    def test_timeout(self):
        c = verso.Client("tcp://127.0.0.1:1", timeout=0.3)  # nothing listens there
        self.addCleanup(c.close)
        with self.assertRaises(verso.Timeout):
            c.ping()

    def test_pretranslate_example(self):
        c = self.client()
        c.tm_create("news")
        c.add([{"src": "The minister resigned on Monday.", "tgt": "部长周一辞职。"}],
              "en", "zh", tm="news")
        article = os.path.join(self.tmp, "article.txt")
        with open(article, "w") as f:
            f.write("The minister resigned on Monday. Nobody knows why.\n")
        out = os.path.join(self.tmp, "article.tsv")
        p = subprocess.run([sys.executable, os.path.join(PYCLIENT, "examples", "pretranslate.py"),
                            article, "--src", "en", "--tgt", "zh", "--tm", "news", "-o", out,
                            "--endpoint", self.endpoint], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1 of 2 sentences matched", p.stderr)
        with open(out, encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f]
        self.assertEqual(rows, [["source", "target", "score", "kind"],
                                ["The minister resigned on Monday.", "部长周一辞职。", "100",
                                 "exact"],
                                ["Nobody knows why.", "", "", ""]])


class CurveTest(unittest.TestCase):
    def test_keys_roles_and_refusal(self):
        tmp = tempfile.mkdtemp(prefix="verso-pyclient-curve-")
        self.addCleanup(shutil.rmtree, tmp, True)
        for name in ("server", "reader", "eve"):
            subprocess.run([VERSOD, "keygen", os.path.join(tmp, name)], check=True,
                           capture_output=True)
        allow = os.path.join(tmp, "allow")
        with open(allow, "w") as f:
            f.write("%s read reader\n" % verso.load_public_key(os.path.join(tmp, "reader.pub")))
        proc, log, ep = test_protocol.start_versod(
            tmp, os.path.join(tmp, "data"), "curve",
            extra=("--curve-key", os.path.join(tmp, "server.secret"), "--allow", allow))
        try:
            with verso.Client(ep, server_key=os.path.join(tmp, "server.pub"),
                              client_keys=os.path.join(tmp, "reader.secret")) as c:
                self.assertEqual(c.hello()["role"], "read")
                with self.assertRaises(verso.Denied):
                    c.add([{"src": "a", "tgt": "b"}], "en", "fr")
            with verso.Client(ep, server_key=os.path.join(tmp, "server.pub"),
                              client_keys=os.path.join(tmp, "eve.secret"), timeout=20) as c:
                with self.assertRaises(verso.Denied):
                    c.ping()  # refused at the handshake, reported at once
            with self.assertRaises(ValueError):
                verso.Client(ep, server_key=os.path.join(tmp, "server.pub"))
        finally:
            self.assertEqual(test_protocol.stop_versod(proc, log), 0)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_pyclient.py /path/to/versod [unittest args]")
    VERSOD = os.path.abspath(sys.argv.pop(1))
    test_protocol.VERSOD = VERSOD
    unittest.main()
