#!/usr/bin/env python3
"""CurveZMQ, roles, revocation and hot backup (docs/SECURITY.md), against a real versod.

Keys are made by `versod keygen` and `verso keygen`; clients are pyzmq sockets speaking
CURVE, so this also checks that SECURITY.md's recipe works without libverso. Every
refusal is checked for its reply (or its handshake event) and for its log line.

usage: test_auth.py /path/to/versod [unittest args]   (verso is found beside versod)
"""
import itertools
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import msgpack
import zmq
import zmq.utils.monitor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_protocol  # noqa: E402  (start_versod, pack, unpack)

VERSOD = None
TIMEOUT_MS = 10000
MONITORS = itertools.count(1)


def verso_cli():
    return os.path.join(os.path.dirname(VERSOD), "verso")


def keygen(tool, base):
    """Runs `TOOL keygen BASE`; returns (public, secret) Z85 strings."""
    out = subprocess.run([tool, "keygen", base], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    with open(base + ".secret") as f:
        fields = dict(line.split() for line in f if not line.startswith("#"))
    return fields["public-key"], fields["secret-key"]


def wait_for(cond, what, timeout=20.0, fail=True):
    """Polls cond until it holds (returns True) or timeout passes (raises, or returns False
    with fail=False)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            if not fail:
                return False
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)  # polling interval for the condition
    return True


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="verso-auth-")
        cls.ctx = zmq.Context()
        k = lambda tool, name: keygen(tool, os.path.join(cls.tmp, name))  # noqa: E731
        cls.server_keys = k(VERSOD, "server")
        cls.keys = {name: k(verso_cli(), name) for name in ("reader", "writer", "admin", "eve")}
        cls.allow = os.path.join(cls.tmp, "allow")
        cls.write_allow({"reader": "read", "writer": "write", "admin": "admin"})
        cls.proc, cls.log, cls.endpoint = test_protocol.start_versod(
            cls.tmp, os.path.join(cls.tmp, "data"), "versod",
            extra=("--curve-key", os.path.join(cls.tmp, "server.secret"),
                   "--allow", cls.allow, "--log-level", "info"))
        cls.next_id = 0

    @classmethod
    def tearDownClass(cls):
        status = test_protocol.stop_versod(cls.proc, cls.log)
        cls.ctx.term()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if status != 0:
            raise AssertionError("versod exited with status %d" % status)

    @classmethod
    def write_allow(cls, roles, extra=""):
        text = "# test allow-list\n" + "".join(
            "%s %s %s\n" % (cls.keys[name][0], role, name) for name, role in roles.items())
        with open(cls.allow + ".tmp", "w") as f:
            f.write(text + extra)
        os.chmod(cls.allow + ".tmp", 0o644)
        os.replace(cls.allow + ".tmp", cls.allow)

    def log_text(self):
        with open(os.path.join(self.tmp, "versod.log"), errors="replace") as f:
            return f.read()

    def sock(self, name=None, monitor=False):
        """A DEALER speaking CURVE with the named key pair (None: plain, no CURVE)."""
        s = self.ctx.socket(zmq.DEALER)
        s.linger = 0
        s.rcvtimeo = TIMEOUT_MS
        if name:
            s.curve_serverkey = self.server_keys[0].encode()
            s.curve_publickey = self.keys[name][0].encode()
            s.curve_secretkey = self.keys[name][1].encode()
        # A unique address: pyzmq's default reuses the fd number, which a closed socket's
        # monitor may still hold.
        mon = s.get_monitor_socket(addr="inproc://auth-test-monitor-%d" % next(MONITORS)) \
            if monitor else None
        s.connect(self.endpoint)
        self.addCleanup(s.close)
        if mon is not None:
            self.addCleanup(mon.close)
        return (s, mon) if monitor else s

    def request(self, s, op, **fields):
        AuthTest.next_id += 1
        rid = AuthTest.next_id
        s.send(test_protocol.pack({"v": 1, "id": rid, "op": op, **fields}))
        try:
            body = s.recv()
        except zmq.Again:
            self.fail("no reply to %s within %d ms; the server's log ends:\n%s"
                      % (op, TIMEOUT_MS, self.log_tail()))
        reply = test_protocol.unpack(body)
        self.assertEqual(reply["id"], rid)
        return reply

    def ok(self, s, op, **fields):
        reply = self.request(s, op, **fields)
        self.assertTrue(reply["ok"], reply)
        return reply["res"]

    def denied(self, s, op, **fields):
        reply = self.request(s, op, **fields)
        self.assertFalse(reply["ok"], reply)
        self.assertEqual(reply["err"]["code"], "EDENIED")
        return reply["err"]["message"]

    def wait_event(self, mon, event):
        """Waits for a monitor event; returns it."""
        poller = zmq.Poller()
        poller.register(mon, zmq.POLLIN)
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            if poller.poll(100):
                ev = zmq.utils.monitor.recv_monitor_message(mon)
                if ev["event"] == event:
                    return ev
        self.fail("no monitor event %d; the server's log ends:\n%s" % (event, self.log_tail()))

    def log_tail(self, lines=40):
        return "".join(self.log_text().splitlines(True)[-lines:])

    def admin_stats(self):
        return self.ok(self.admin_sock, "stats")

    @property
    def admin_sock(self):
        if not hasattr(self, "_admin"):
            self._admin = self.sock("admin")
        return self._admin

    def hup(self, field):
        """Sends SIGHUP and waits until stats' auth.<field> has grown."""
        before = self.admin_stats()["auth"][field]
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.admin_stats()["auth"][field] > before, "auth." + field)

    # ---- tests ------------------------------------------------------------------------

    def test_key_cap_counts_all_connections(self):
        """With CURVE a client is its key: four connections of one key run at most
        threads - 1 (here 3) requests together, and another key still gets a worker."""
        writer = self.sock("writer")
        entries = [{"src": "Report %d on the state of the northern harbour works." % i,
                    "tgt": "Rapport %d sur les travaux du port nord." % i} for i in range(2000)]
        self.ok(self.sock("admin"), "tm_create", tm="capped")
        for k in range(0, len(entries), 400):   # this server takes 64 KiB messages
            self.ok(writer, "add", tm="capped", src_lang="en", tgt_lang="fr",
                    entries=entries[k:k + 400])
        # a second or more each: every entry is a candidate of every segment
        segments = ["Report %d on the state of the southern harbour work." % i
                    for i in range(1000)]
        conns = [self.sock("writer") for _ in range(4)]
        for c in conns:
            c.send(test_protocol.pack({"v": 1, "id": 0, "op": "lookup", "tm": "capped",
                                       "src_lang": "en", "tgt_lang": "fr",
                                       "segments": segments}))
        admin = self.sock("admin")
        def three_run_one_waits():
            st = self.ok(admin, "stats")
            return st["running"] >= 4 and st["queued"] == 1
        wait_for(three_run_one_waits, "three lookups of the key running, one waiting")
        st = self.ok(admin, "stats")
        self.assertEqual((st["running"], st["queued"]), (4, 1))   # stats itself runs too
        reader = self.sock("reader")
        res = self.ok(reader, "lookup", tm="capped", src_lang="en", tgt_lang="fr",
                      segments=["Report 7 on the state of the northern harbour works."])
        self.assertEqual(res["results"][0]["matches"][0]["score"], 100)
        for c in conns:   # gone: their lookups are cancelled, the workers free again
            c.close(linger=0)
        wait_for(lambda: self.ok(admin, "stats")["running"] == 1, "the lookups cancelled")

    def test_keygen_files(self):
        base = os.path.join(self.tmp, "reader")
        self.assertEqual(stat.S_IMODE(os.stat(base + ".secret").st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(base + ".pub").st_mode), 0o644)
        pub, sec = self.keys["reader"]
        self.assertEqual(zmq.curve_public(sec.encode()).decode(), pub)
        with open(base + ".pub") as f:
            self.assertIn("public-key " + pub, f.read())
        # Existing keys are never overwritten.
        out = subprocess.run([VERSOD, "keygen", base], capture_output=True, text=True)
        self.assertEqual(out.returncode, 1)
        self.assertIn("EEXIST", out.stderr)
        with open(base + ".secret") as f:
            self.assertIn("secret-key " + sec, f.read())

    def test_roles(self):
        reader, writer, admin = self.sock("reader"), self.sock("writer"), self.sock("admin")
        self.ok(reader, "ping")
        self.assertIn("backup", self.ok(reader, "hello")["ops"])
        self.assertEqual([self.ok(x, "hello")["role"] for x in (reader, writer, admin)],
                         ["read", "write", "admin"])
        entry = {"src": "The door is open.", "tgt": "La porte est ouverte."}
        msg = self.denied(reader, "add", src_lang="en", tgt_lang="fr", entries=[entry])
        self.assertIn("write", msg)
        added = self.ok(writer, "add", src_lang="en", tgt_lang="fr", entries=[entry])
        got = self.ok(reader, "lookup", src_lang="en", tgt_lang="fr", segments=[entry["src"]])
        self.assertTrue(any(m["tgt"] == entry["tgt"] for m in got["results"][0]["matches"]),
                        got)
        self.denied(reader, "delete", ids=added["ids"])
        self.denied(writer, "tm_create", tm="auth-made")
        self.denied(writer, "backup", path=os.path.join(self.tmp, "never"))
        self.ok(admin, "tm_create", tm="auth-made")
        self.denied(writer, "tm_delete", tm="auth-made")
        self.ok(admin, "tm_delete", tm="auth-made")
        # align: reading is the reader's, storing the writer's.
        doc = {"src_lang": "en", "tgt_lang": "fr", "src_text": "One. Two.",
               "tgt_text": "Un. Deux."}
        self.ok(reader, "align", **doc)
        self.denied(reader, "align", store={"tm": "default"}, **doc)
        self.ok(writer, "align", store={"tm": "default"}, **doc)
        # stats: the detail (store path, op latencies, auth) is the admin's.
        self.assertNotIn("store", self.ok(writer, "stats"))
        auth = self.ok(admin, "stats")["auth"]
        self.assertEqual((auth["mode"], auth["clients"]), ("curve", 3))
        self.assertGreaterEqual(auth["requests_denied"], 7)
        self.assertIn("auth: refused op \"add\" from 'reader': needs role write, has read",
                      self.log_text())

    def test_unknown_key_refused(self):
        s, mon = self.sock("eve", monitor=True)
        s.send(test_protocol.pack({"v": 1, "id": 1, "op": "ping"}))
        ev = self.wait_event(mon, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        self.assertEqual(ev["value"], 400)
        self.assertEqual(s.poll(0), 0)  # no reply was ever sent
        wait_for(lambda: "auth: refused unknown key %s" % self.keys["eve"][0] in self.log_text(),
                 "the refusal in the log")
        # libverso (through the CLI) reports it as EDENIED, not as a timeout.
        out = subprocess.run([verso_cli(), "--endpoint", self.endpoint, "--server-key",
                              os.path.join(self.tmp, "server.pub"), "--key",
                              os.path.join(self.tmp, "eve.secret"), "ping"],
                             capture_output=True, text=True, timeout=60)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("EDENIED", out.stderr)

    def test_refusals_do_not_flood_the_log(self):
        """40 unknown keys at once: at most 10 refusal lines a second, the rest summed up."""
        before = self.admin_stats()["auth"]["handshakes_refused"]
        keys, socks, first = [], [], int(time.time())
        for _ in range(40):
            pub, sec = zmq.curve_keypair()
            s = self.ctx.socket(zmq.DEALER)
            s.linger = 0
            s.reconnect_ivl = 60000  # one handshake each: no retries to load the server
            s.curve_serverkey = self.server_keys[0].encode()
            s.curve_publickey, s.curve_secretkey = pub, sec
            s.connect(self.endpoint)
            s.send(test_protocol.pack({"v": 1, "id": 1, "op": "ping"}))
            socks.append(s)
            keys.append(pub.decode())
        try:
            wait_for(lambda: self.admin_stats()["auth"]["handshakes_refused"] >= before + 40,
                     "40 refusals")
        finally:
            for s in socks:
                s.close()
        last = int(time.time())
        logged = sum(self.log_text().count("refused unknown key " + k) for k in keys)
        self.assertLessEqual(logged, 10 * (last - first + 1))
        self.assertLess(logged, self.admin_stats()["auth"]["handshakes_refused"] - before)
        # The next refusal in a later second writes the sum of those left out. versod's
        # time() reads the kernel's coarse clock, which may lag time.time() by a tick (a
        # few ms): wait until its second has surely turned too.
        wait_for(lambda: time.time() >= last + 1.05, "the next second")
        s, mon = self.sock("eve", monitor=True)
        s.send(test_protocol.pack({"v": 1, "id": 1, "op": "ping"}))
        self.wait_event(mon, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        if not wait_for(lambda: "more handshake(s) refused, not logged one by one"
                        in self.log_text(), "the summary line", fail=False):
            self.fail("no summary line (%d of the 40 logged one by one); the server's log "
                      "ends:\n%s" % (logged, self.log_tail(60)))

    def test_plain_client_refused(self):
        s, mon = self.sock(None, monitor=True)
        s.send(test_protocol.pack({"v": 1, "id": 1, "op": "ping"}))
        self.wait_event(mon, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
        self.assertEqual(s.poll(0), 0)

    def test_cli_with_keys(self):
        base = [verso_cli(), "--endpoint", self.endpoint, "--server-key",
                os.path.join(self.tmp, "server.pub")]
        out = subprocess.run(base + ["--key", os.path.join(self.tmp, "reader.secret"), "ping"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("pong", out.stdout)
        # A secret file others may read is refused before any connection.
        loose = os.path.join(self.tmp, "loose.secret")
        shutil.copy(os.path.join(self.tmp, "reader.secret"), loose)
        os.chmod(loose, 0o644)
        out = subprocess.run(base + ["--key", loose, "ping"], capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(out.returncode, 2)
        self.assertIn("chmod 600", out.stderr)

    def test_revoked_key(self):
        writer = self.sock("writer")
        self.ok(writer, "ping")  # connected and admitted
        try:
            self.write_allow({"reader": "read", "admin": "admin"})
            self.hup("reloads")
            # The same open connection: its next request is refused.
            msg = self.denied(writer, "ping")
            self.assertIn("no longer", msg)
            self.assertEqual(self.admin_stats()["auth"]["clients"], 2)
            self.assertIn("not on the allow-list (revoked?)", self.log_text())
            # A new connection with the revoked key fails its handshake.
            s, mon = self.sock("writer", monitor=True)
            s.send(test_protocol.pack({"v": 1, "id": 1, "op": "ping"}))
            self.wait_event(mon, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        finally:
            self.write_allow({"reader": "read", "writer": "write", "admin": "admin"})
            self.hup("reloads")
        self.ok(writer, "ping")  # reinstated

    def test_bad_reload_keeps_list(self):
        reader = self.sock("reader")
        self.ok(reader, "ping")
        try:
            self.write_allow({"reader": "read", "admin": "admin"}, extra="garbage line\n")
            self.hup("reload_errors")
            self.ok(reader, "ping")
            self.ok(self.sock("writer"), "ping")  # the old list still stands
            self.assertIn("allow-list not reloaded, the old one stays", self.log_text())
            os.chmod(self.allow, 0o666)  # writable by others: refused too
            self.hup("reload_errors")
            self.assertIn("may be written by group or others", self.log_text())
        finally:
            self.write_allow({"reader": "read", "writer": "write", "admin": "admin"})
            self.hup("reloads")

    def test_backup_while_writing(self):
        """A hot backup: adds go on during it; the copy holds every entry acknowledged
        before the backup was asked for, opens cleanly and serves them."""
        writer, admin = self.sock("writer"), self.sock("admin")
        self.ok(admin, "tm_create", tm="hot")
        acked = []
        for b in range(20):
            entries = [{"src": "Sentence %d of batch %d is here." % (i, b),
                        "tgt": "Phrase %d du lot %d est ici." % (i, b)} for i in range(200)]
            acked += self.ok(writer, "add", tm="hot", src_lang="en", tgt_lang="fr",
                             entries=entries)["ids"]
        stop = threading.Event()
        during = []

        def keep_adding():
            s = self.ctx.socket(zmq.DEALER)
            s.linger = 0
            s.curve_serverkey = self.server_keys[0].encode()
            s.curve_publickey, s.curve_secretkey = (k.encode() for k in self.keys["writer"])
            s.connect(self.endpoint)
            n = 0
            while not stop.is_set():
                n += 1
                s.send(test_protocol.pack({"v": 1, "id": n, "op": "add", "tm": "hot",
                                           "src_lang": "en", "tgt_lang": "fr",
                                           "entries": [{"src": "During %d." % n,
                                                        "tgt": "Pendant %d." % n}]}))
                reply = test_protocol.unpack(s.recv())
                during.append(reply["ok"])
            s.close()

        t = threading.Thread(target=keep_adding)
        t.start()
        wait_for(lambda: len(during) >= 5, "adds running beside the backup")
        path = os.path.join(self.tmp, "backup-1")
        try:
            res = self.ok(admin, "backup", path=path)
        finally:
            stop.set()
            t.join()
        self.assertTrue(all(during) and during)
        self.assertEqual(res["path"], path)
        self.assertEqual(res["bytes"], os.path.getsize(os.path.join(path, "data.mdb")))
        self.assertFalse(os.path.exists(os.path.join(path, "data.mdb.partial")))
        # Again into the same directory: refused, the copy untouched.
        msg = self.request(admin, "backup", path=path)["err"]
        self.assertEqual(msg["code"], "EEXIST")
        self.assertEqual(self.request(admin, "backup", path="relative/dir")["err"]["code"],
                         "EBADREQ")
        self.assertEqual(self.request(admin, "backup", path="/nonexistent-parent/x/y")["err"]
                         ["code"], "ENOTFOUND")
        # A backup running (or interrupted) in a directory: a second one is refused.
        busy = os.path.join(self.tmp, "backup-busy")
        os.mkdir(busy, 0o700)
        open(os.path.join(busy, "data.mdb.partial"), "w").close()
        self.assertEqual(self.request(admin, "backup", path=busy)["err"]["code"], "ELOCKED")
        self.assertFalse(os.path.exists(os.path.join(busy, "data.mdb")))
        # A directory others may write to, or a link planted for the server to follow.
        shared = os.path.join(self.tmp, "backup-shared")
        os.mkdir(shared)
        os.chmod(shared, 0o777)
        self.assertEqual(self.request(admin, "backup", path=shared)["err"]["code"], "EDENIED")
        self.assertEqual(os.listdir(shared), [])
        os.symlink(path, os.path.join(self.tmp, "backup-link"))
        self.assertEqual(self.request(admin, "backup", path=os.path.join(
            self.tmp, "backup-link"))["err"]["code"], "EDENIED")
        # Restore: a server on the copy (no keys: loopback) finds every entry.
        proc, log, ep = test_protocol.start_versod(self.tmp, path, "restored")
        try:
            s = self.ctx.socket(zmq.DEALER)
            s.linger = 0
            s.rcvtimeo = TIMEOUT_MS
            s.connect(ep)
            self.addCleanup(s.close)
            for i in range(0, len(acked), 500):  # pipelined gets, 500 at a time
                for n, eid in enumerate(acked[i:i + 500]):
                    s.send(test_protocol.pack({"v": 1, "id": n + 1, "op": "get",
                                               "entry_id": eid}))
                for _ in acked[i:i + 500]:
                    reply = test_protocol.unpack(s.recv())
                    self.assertTrue(reply["ok"], reply)
                    self.assertEqual(reply["res"]["entry"]["tm"], "hot")
            counts = self.ok(s, "tm_list")
            hot = [t for t in counts["tms"] if t["name"] == "hot"][0]
            self.assertGreaterEqual(hot["entries"], len(acked))
            self.assertLessEqual(hot["entries"], len(acked) + len(during))
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=20), 0)
            log.close()


class StartupPolicyTest(unittest.TestCase):
    """What versod refuses to start with."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="verso-auth-start-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def run_versod(self, *args):
        p = subprocess.run([VERSOD, "--data", os.path.join(self.tmp, "d"), *args],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stderr

    def test_non_local_without_curve(self):
        status, err = self.run_versod("--bind", "tcp://0.0.0.0:*")
        self.assertNotEqual(status, 0)
        self.assertIn("refusing to serve tcp://0.0.0.0:* without CURVE", err)
        # --insecure lets it start, with a warning.
        proc, log, ep = test_protocol.start_versod(self.tmp, os.path.join(self.tmp, "d"), "i",
                                                   extra=("--bind", "tcp://0.0.0.0:*",
                                                          "--insecure"))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=20), 0)
        log.close()
        with open(os.path.join(self.tmp, "i.log")) as f:
            self.assertIn("--insecure: serving", f.read())

    def test_bad_key_setups(self):
        keygen(VERSOD, os.path.join(self.tmp, "srv"))
        secret = os.path.join(self.tmp, "srv.secret")
        status, err = self.run_versod("--curve-key", secret)
        self.assertNotEqual(status, 0)
        self.assertIn("CURVE needs an allow-list", err)
        allow = os.path.join(self.tmp, "allow")
        with open(allow, "w") as f:
            f.write("tooshort read someone\n")
        os.chmod(allow, 0o644)
        status, err = self.run_versod("--curve-key", secret, "--allow", allow)
        self.assertNotEqual(status, 0)
        self.assertIn("allow:1: not a 40-character Z85 public key", err)
        os.chmod(secret, 0o640)
        status, err = self.run_versod("--curve-key", secret, "--allow", allow)
        self.assertIn("may be read or written by others", err)
        self.assertNotEqual(status, 0)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_auth.py /path/to/versod [unittest args]")
    VERSOD = os.path.abspath(sys.argv.pop(1))
    test_protocol.VERSOD = VERSOD
    unittest.main()
