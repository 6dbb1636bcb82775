#!/usr/bin/env python3
"""The store upgrade at start-up (docs/ARCHITECTURE.md, "Storage"): a data
directory written by a versod of schema 7 (tests/data/schema7, made by its
make_fixture.py) is opened by this versod, which upgrades it; every entry is
kept, field for field, and lookups (three minimum scores, both directions, two
TMs) and concordance give what the schema-7 versod gave. A second start finds
the store current, and new entries are found.

Usage: test_upgrade.py VERSOD
"""
import gzip
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "data", "schema7"))
import make_fixture  # noqa: E402  (the same calls and snapshot as the fixture's)
import test_protocol  # noqa: E402

VERSOD = None
FIXTURE = os.path.join(HERE, "..", "data", "schema7")


class UpgradeTest(unittest.TestCase):
    def setUp(self):
        test_protocol.VERSOD = VERSOD
        self.tmp = tempfile.mkdtemp(prefix="verso-upgrade-")
        self.data = os.path.join(self.tmp, "data")
        os.makedirs(self.data)
        with gzip.open(os.path.join(FIXTURE, "data.mdb.gz"), "rb") as f, \
                open(os.path.join(self.data, "data.mdb"), "wb") as g:
            shutil.copyfileobj(f, g)
        with gzip.open(os.path.join(FIXTURE, "expected.json.gz"), "rt", encoding="utf-8") as f:
            self.want = json.load(f)
        self.proc = None

    def tearDown(self):
        if self.proc:
            test_protocol.stop_versod(self.proc, self.log)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self):
        self.proc, self.log, endpoint = test_protocol.start_versod(
            self.tmp, self.data, "versod", max_msg=16 << 20)
        return make_fixture.Conn(endpoint)

    def stop(self):
        self.assertEqual(test_protocol.stop_versod(self.proc, self.log), 0)
        self.proc = None

    def assert_same(self, call):
        got = make_fixture.snapshot(call, self.want["queries"], self.want["reverse_queries"])
        want = {k: self.want[k] for k in got}
        self.assertEqual([tuple(t) for t in want["tms"]], got["tms"])
        for tm, entries in want["export"].items():
            self.assertEqual(len(got["export"][tm]), len(entries), tm)
            for a, b in zip(entries, got["export"][tm]):
                self.assertEqual(a, b)  # every field of every entry
        for a, b in zip(want["lookup"], got["lookup"]):
            self.assertEqual(a, b)
        self.assertEqual(want["concordance"], got["concordance"])

    def test_upgrade_keeps_entries_and_matches(self):
        self.assertEqual(self.want["schema_version"], 7)
        call = self.start()
        schema = call("stats")["store"]["schema_version"]
        self.assertGreater(schema, self.want["schema_version"])  # it was upgraded
        self.assert_same(call)
        self.stop()
        call = self.start()  # again: nothing left to upgrade, the same answers
        self.assertEqual(call("stats")["store"]["schema_version"], schema)
        self.assert_same(call)
        call("add", tm="main", src_lang="en", tgt_lang="fr",
             entries=[{"src": "Please verify the upgraded store now.",
                       "tgt": "Veuillez vérifier le magasin mis à niveau."}])
        got = call("lookup", tm="main", src_lang="en", tgt_lang="fr",
                   segments=["Please verify the upgraded store today."], min_score=50)
        self.assertEqual(got["results"][0]["matches"][0]["tgt"],
                         "Veuillez vérifier le magasin mis à niveau.")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_upgrade.py VERSOD [unittest args]")
    VERSOD = os.path.abspath(sys.argv.pop(1))
    unittest.main()
