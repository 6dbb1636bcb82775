#!/usr/bin/env python3
"""The HTTP front door against a real versod (docs/HTTP.md): Verso's JSON API
(the same results as over ZeroMQ), amaGama's tmserver API checked beside
translate-toolkit's own tmserver on the same units, keep-alive, and hostile
HTTP: each bad request gets a 4xx with a JSON error and the server stays up.

Usage: test_http.py VERSOD [unittest args]
"""
import http.client
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
from urllib.error import HTTPError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_protocol  # noqa: E402  (start_versod, pack, unpack)

VERSOD = None


def start(tmp, extra=(), timeout_s=2):
    """versod with --http on a free port; returns (proc, log, zmq endpoint, http base URL)."""
    proc, log, content = test_protocol.start_versod(
        tmp, os.path.join(tmp, "data"), "versod",
        extra=("--http", "127.0.0.1:0", "--http-timeout-s", str(timeout_s), *extra))
    with open(os.path.join(tmp, "versod.ready")) as f:
        ready = f.read().split("\n")
    return proc, log, ready[0], ready[1]


class HttpHelpers:
    """A versod with --http for a test class (its idle timeout TIMEOUT_S), and what the
    tests call."""

    TIMEOUT_S = 2

    @classmethod
    def setUpClass(cls):
        test_protocol.VERSOD = VERSOD
        cls.tmp = tempfile.mkdtemp(prefix="verso-http-")
        cls.proc, cls.log, cls.endpoint, cls.base = start(cls.tmp, timeout_s=cls.TIMEOUT_S)
        u = urllib.parse.urlparse(cls.base)
        cls.host, cls.port = u.hostname, u.port

    @classmethod
    def tearDownClass(cls):
        status = test_protocol.stop_versod(cls.proc, cls.log)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if status != 0:
            raise AssertionError("versod exited with status %d" % status)

    # -- helpers --------------------------------------------------------------
    def request(self, method, path, body=None, headers=None):
        """(status, content type, body bytes) of one request on a new connection."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=20)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, r.getheader("Content-Type"), data

    def api(self, op, fields=None, status=200):
        st, ctype, data = self.request("POST", "/api/v1/" + op,
                                       json.dumps(fields if fields is not None else {}))
        self.assertEqual(st, status, data)
        self.assertEqual(ctype, "application/json")
        return json.loads(data)

    def error(self, method, path, body=None, status=400, code=None, headers=None):
        st, ctype, data = self.request(method, path, body, headers)
        self.assertEqual(st, status, data)
        self.assertEqual(ctype, "application/json", data)
        err = json.loads(data)["error"]
        if code:
            self.assertEqual(err["code"], code, err)
        self.assertTrue(err["message"])
        self.assertEqual(self.api("ping"), {})  # the server stays up
        return err

    def zmq_call(self, op, **fields):
        import zmq
        s = zmq.Context.instance().socket(zmq.DEALER)
        s.linger = 0
        s.connect(self.endpoint)
        s.send(test_protocol.pack({"v": 1, "id": 1, "op": op, **fields}))
        self.assertTrue(s.poll(20000), "no reply over ZeroMQ")
        reply = test_protocol.unpack(s.recv())
        s.close()
        return reply

    def verso_cli(self, *args):
        cli = os.path.join(os.path.dirname(VERSOD), "verso")
        p = __import__("subprocess").run([cli, "--endpoint", self.endpoint, *args],
                                         capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def make_tmx(self, n, start=0, extra=""):
        """A TMX of n en -> fr TUs (synthetic), with `extra` XML after the first TU."""
        tus = ['<tu><prop type="x-client">Acme</prop>'
               '<tuv xml:lang="en"><seg>Upload sentence %d &amp; more.</seg></tuv>'
               '<tuv xml:lang="fr"><seg>Phrase %d téléversée.</seg></tuv></tu>' % (i, i)
               for i in range(start, start + n)]
        if tus and extra:
            tus.insert(1, extra)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header '
                'creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" '
                'adminlang="en" srclang="en" datatype="plaintext"/><body>\n'
                + "\n".join(tus) + "\n</body></tmx>\n").encode()

    def upload(self, tm, body, query="", status=200):
        st, ctype, data = self.request("POST", "/api/v1/tms/%s/import%s" % (tm, query), body,
                                       {"Content-Type": "application/x-tmx+xml"})
        self.assertEqual(st, status, data)
        self.assertEqual(ctype, "application/json")
        return json.loads(data)

    def job(self, job_id, status=200):
        st, _, data = self.request("GET", "/api/v1/imports/" + job_id)
        self.assertEqual(st, status, data)
        return json.loads(data)

    def wait_job(self, job_id, cond, what):
        """The import's record once cond(record) holds (polled: the condition, not a sleep)."""
        until = time.monotonic() + 30
        while True:
            st, _, data = self.request("GET", "/api/v1/imports/" + job_id)
            self.assertIn(st, (200, 404), data)  # 404 until the server has read the headers
            rec = json.loads(data)
            if st == 200 and cond(rec):
                return rec
            self.assertLess(time.monotonic(), until, "%s never came: %r" % (what, rec))
            time.sleep(0.01)

    def open_upload(self, tm, total, query):
        """A raw connection that has sent an upload's headers (Content-Length: total)."""
        c = socket.create_connection((self.host, self.port), timeout=30)
        c.sendall(("POST /api/v1/tms/%s/import%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Content-Type: application/x-tmx+xml\r\nContent-Length: %d\r\n\r\n"
                   % (tm, query, total)).encode())
        return c

    def tus_of(self, tmx_bytes):
        """The TUs of an export, without their tuid (the entry ids), sorted."""
        import re
        return sorted(re.sub(r'tuid="\d+" ', "", t)
                      for t in re.findall(r"<tu .*?</tu>", tmx_bytes.decode(), re.S))

    def export(self, tm):
        st, _, data = self.request("GET", "/api/v1/tms/%s/export" % tm)
        self.assertEqual(st, 200, data)
        return data


class HttpTest(HttpHelpers, unittest.TestCase):
    # -- the JSON API -----------------------------------------------------------
    def test_api_round_trip_matches_zeromq(self):
        self.api("tm_create", {"tm": "api"})
        added = self.api("add", {"tm": "api", "src_lang": "en", "tgt_lang": "de", "entries": [
            {"src": "Save the file before closing the window.",
             "tgt": "Speichern Sie die Datei, bevor Sie das Fenster schließen."},
            {"src": "Open the file.", "tgt": "Öffnen Sie die Datei."}]})
        self.assertEqual(added["added"], 2)
        q = {"tm": "api", "src_lang": "en", "tgt_lang": "de",
             "segments": ["Save the files before closing the window!", "Open the file."]}
        over_http = self.api("lookup", q)
        over_zmq = self.zmq_call("lookup", **q)
        self.assertTrue(over_zmq["ok"])
        self.assertEqual(over_http, over_zmq["res"])  # the same op, the same result
        m = over_http["results"][0]["matches"][0]
        self.assertEqual(m["kind"], "fuzzy")
        self.assertEqual(m["tgt"], "Speichern Sie die Datei, bevor Sie das Fenster schließen.")
        self.assertEqual(over_http["results"][1]["matches"][0]["score"], 100)
        hello = self.api("hello")
        self.assertEqual(hello["server"], "versod")
        self.assertIn("lookup", hello["ops"])
        tms = {t["name"]: t for t in self.api("tm_list")["tms"]}
        self.assertEqual(tms["api"]["pairs"], [{"src_lang": "en", "tgt_lang": "de", "entries": 2}])

    def test_api_errors(self):
        self.error("POST", "/api/v1/fly", "{}", 404, "EBADOP")
        self.error("POST", "/api/v1/lookup", '{"src_lang": "en"', 400, "EPROTO")
        self.error("POST", "/api/v1/lookup", "[1, 2]", 400, "EBADREQ")
        self.error("POST", "/api/v1/lookup",
                   '{"src_lang": "en", "tgt_lang": "fr", "segments": "not a list"}', 400,
                   "EBADREQ")
        self.error("POST", "/api/v1/lookup",
                   '{"src_lang": "en", "tgt_lang": 7, "segments": []}', 400, "EBADREQ")
        self.error("POST", "/api/v1/lookup",
                   '{"src_lang": "xx-!!", "tgt_lang": "fr", "segments": ["a"]}', 400, "EBADLANG")
        self.error("POST", "/api/v1/get", '{"entry_id": 999999}', 404, "ENOTFOUND")
        self.error("POST", "/api/v1/ping", '{"op": "stats"}', 400, "EBADREQ")
        self.error("GET", "/api/v1/ping", None, 405)
        self.error("GET", "/no/such/route", None, 404, "ENOTFOUND")
        self.api("tm_create", {"tm": "twice"})
        self.error("POST", "/api/v1/tm_create", '{"tm": "twice"}', 409, "EEXIST")

    def test_hostile_bodies(self):
        big = b"[" + b"1," * 70000 + b"1]"  # over this server's max_message_bytes (64 KiB)
        self.error("POST", "/api/v1/ping", big, 413, "ETOOBIG")
        self.error("POST", "/api/v1/ping", "[" * 30000 + "]" * 30000, 400, "EPROTO")
        deep = '{"a": ' + "[" * 40 + "]" * 40 + "}"  # JSON allows it, the wire's cap does not
        self.error("POST", "/api/v1/segment", deep, 400)
        self.error("POST", "/api/v1/segment", b'{"text": "\xff\xfe", "lang": "en"}', 400,
                   "EPROTO")
        self.error("POST", "/api/v1/lookup", '{"src_lang": 1e999}', 400)
        for field, value in [("min_score", "x"), ("max_results", -3), ("segments", [1]),
                             ("timeout_ms", "soon"), ("rules", 5)]:
            body = {"src_lang": "en", "tgt_lang": "fr", "segments": ["a"], field: value}
            self.error("POST", "/api/v1/lookup", json.dumps(body), 400, "EBADREQ")

    def test_bad_paths(self):
        self.error("GET", "/tmserver/en/fr/unit/%FF%FE", None, 400, "EBADUTF8")
        self.error("GET", "/tmserver/en/fr/unit/x?jsoncallback=alert(1)", None, 400, "EBADREQ")
        self.error("GET", "/tmserver/en/fr/unit/x?min_similarity=200", None, 400, "EBADREQ")
        self.error("GET", "/tmserver/en/unit/x", None, 404, "ENOTFOUND")
        self.error("GET", "/tmserver/en%2G/fr/unit/x", None, 400)

    def test_no_keys_serves_this_machine_only(self):
        """Without keys every caller is admin: a foreign Host (DNS rebinding), a request
        the browser marks cross-site, or a foreign Origin is refused (403); this
        machine's own names and the page's own origin are served."""
        h = "127.0.0.1:%d" % self.port
        for headers in ({"Host": "attacker.example"}, {"Host": "10.0.0.1:%d" % self.port},
                        {"Sec-Fetch-Site": "cross-site"},
                        {"Origin": "http://attacker.example"},
                        {"Origin": "http://localhost:1", "Host": h}):
            self.error("POST", "/api/v1/ping", "{}", 403, "EDENIED", headers=headers)
        for headers in ({"Host": "localhost:%d" % self.port}, {"Origin": "http://" + h},
                        {"Sec-Fetch-Site": "same-origin"}):
            st, _, body = self.request("POST", "/api/v1/ping", "{}", headers)
            self.assertEqual((st, body), (200, b"{}"), headers)
        st, _, _ = self.request("GET", "/mymemory/set?seg=a&tra=b&langpair=en|fr", None,
                                {"Sec-Fetch-Site": "cross-site"})  # an <img> of another site
        self.assertEqual(st, 403)

    def test_method_not_allowed_says_allow(self):
        for method, path, allow in (("GET", "/api/v1/ping", "POST"),
                                    ("POST", "/metrics", "GET"),
                                    ("DELETE", "/tmserver/en/fr/unit/x", "GET, PUT, POST")):
            c = http.client.HTTPConnection(self.host, self.port, timeout=20)
            c.request(method, path)
            r = c.getresponse()
            r.read()
            c.close()
            self.assertEqual((r.status, r.getheader("Allow")), (405, allow), path)

    def test_xml_of_any_stored_text(self):
        """of=tmx stays XML whatever an entry holds: control characters and U+FFFE,
        which XML 1.0 does not allow, become U+FFFD; a CR stays a CR."""
        import xml.etree.ElementTree as ET
        self.api("add", {"src_lang": "en", "tgt_lang": "de", "entries": [
            {"src": "Odd\u0001 text\uFFFE here\r.", "tgt": "Seltsam\u000b."}]})
        st, _, body = self.request("GET", "/mymemory/get?q=Odd%20text%20here.&langpair=en|de"
                                          "&of=tmx")
        self.assertEqual(st, 200)
        segs = [s.text for s in ET.fromstring(body).iter("seg")]
        self.assertEqual(segs, ["Odd\ufffd text\ufffd here\r.", "Seltsam\ufffd."])

    def test_keep_alive_and_slow_clients(self):
        c = http.client.HTTPConnection(self.host, self.port, timeout=20)
        for _ in range(20):  # one connection, many requests
            c.request("POST", "/api/v1/ping", body="{}")
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.read(), b"{}")
        c.close()
        # A client that sends half a request line and stops: closed at the timeout (2 s),
        # and others are served meanwhile.
        slow = socket.create_connection((self.host, self.port))
        slow.sendall(b"POST /api/v1/ping HTTP/1.1\r\nHost: x\r\n")
        self.assertEqual(self.api("ping"), {})
        slow.settimeout(20)
        t0 = time.monotonic()
        self.assertEqual(slow.recv(4096), b"")  # the server closed it
        self.assertLess(time.monotonic() - t0, 15)
        slow.close()

    # -- amaGama / translate-toolkit tmserver ------------------------------------
    def test_tmserver_as_translate_toolkit_expects(self):
        """translate-toolkit's own test of its tmserver (test_tmserver.py): GET
        /{slang}/{tlang}/unit/Hello/ after "Hello" -> "Ahoj" is stored gives "Ahoj" first.
        Run against translate-toolkit's server and Verso's on the same unit: the same
        fields, of the same types."""
        st, _, body = self.request("PUT", "/tmserver/en/cs/unit/Hello",
                                   json.dumps({"source": "Hello", "target": "Ahoj"}))
        self.assertEqual(st, 200, body)
        verso = json.loads(urllib.request.urlopen(self.base + "tmserver/en/cs/unit/Hello/").read())
        self.assertEqual(verso[0]["target"], "Ahoj")
        theirs = self.toolkit_candidates("Hello/")
        if theirs is None:
            self.skipTest("translate-toolkit's tmserver cannot run here (cheroot missing)")
        self.assertEqual(theirs[0]["target"], "Ahoj")
        for key in ("source", "target", "quality"):
            self.assertIn(key, verso[0])
            self.assertIs(type(verso[0][key]), type(theirs[0][key]), key)
        self.assertIsInstance(verso[0]["rank"], float)  # amaGama's extra field

    def toolkit_candidates(self, text):
        """translate-toolkit's TMServer with the unit Hello -> Ahoj, asked for text."""
        try:
            from translate.services.tmserver import TMServer
            from cheroot.wsgi import Server
        except ImportError:
            return None
        d = tempfile.mkdtemp(prefix="verso-ttk-")
        po = os.path.join(d, "test.po")
        with open(po, "w") as f:
            f.write('\nmsgid "Hello"\nmsgstr "Ahoj"\n')
        app = TMServer(os.path.join(d, "test.tmdb"), tmfiles=[po], source_lang="en",
                       target_lang="cs")
        server = Server(("127.0.0.1", 0), app.rest)
        server.prepare()
        t = threading.Thread(target=server.serve)
        t.start()
        try:
            url = "http://127.0.0.1:%d/en/cs/unit/%s" % (server.bind_addr[1], text)
            return json.loads(urllib.request.urlopen(url).read())
        finally:
            server.stop()
            t.join()
            app.tmdb.connection.close()
            shutil.rmtree(d, ignore_errors=True)

    def test_tmserver_fields_scores_and_codes(self):
        self.api("add", {"src_lang": "en", "tgt_lang": "pt-BR", "entries": [
            {"src": "Do you want to continue?", "tgt": "Deseja continuar?"},
            {"src": "Do you want to quit?", "tgt": "Deseja sair?"}]})
        q = urllib.parse.quote("Do you want to continue?", safe="")
        got = json.loads(urllib.request.urlopen(
            self.base + "tmserver/en/pt_BR/unit/" + q).read())
        self.assertEqual(got[0], {"source": "Do you want to continue?",
                                  "target": "Deseja continuar?", "quality": 100.0,
                                  "rank": 100.0})
        # best first, cut at max_candidates, held to min_similarity
        got = json.loads(urllib.request.urlopen(
            self.base + "tmserver/en/pt_BR/unit/" + urllib.parse.quote("Do you want to go?") +
            "?min_similarity=40&max_candidates=1").read())
        self.assertEqual(len(got), 1)
        self.assertGreaterEqual(got[0]["quality"], 40.0)
        self.assertLess(got[0]["quality"], 100.0)
        none = json.loads(urllib.request.urlopen(
            self.base + "tmserver/en/pt_BR/unit/" + urllib.parse.quote("Unrelated words here")
            + "?min_similarity=90").read())
        self.assertEqual(none, [])
        # ?source= instead of the path
        got = json.loads(urllib.request.urlopen(
            self.base + "tmserver/en/pt_BR/unit/?source=" + q).read())
        self.assertEqual(got[0]["target"], "Deseja continuar?")
        # JSONP needs keys: without them any page's <script> could read the TM
        self.error("GET", "/tmserver/en/pt_BR/unit/" + q + "?jsoncallback=cb.fn_1", None, 403,
                   "EDENIED")
        # languages, as the clients write them
        langs = json.loads(urllib.request.urlopen(self.base + "tmserver/languages/").read())
        self.assertIn("pt_BR", langs["targetLanguages"])
        self.assertIn("en", langs["sourceLanguages"])
        # a store with PUT replaces the target of the same source (POST too)
        st, _, _ = self.request("POST", "/tmserver/en/pt_BR/unit/" + q,
                                json.dumps({"source": "Do you want to continue?",
                                            "target": "Quer continuar?"}))
        self.assertEqual(st, 200)
        got = json.loads(urllib.request.urlopen(self.base + "tmserver/en/pt_BR/unit/" + q).read())
        self.assertEqual([c["target"] for c in got if c["quality"] == 100.0], ["Quer continuar?"])
        self.error("PUT", "/tmserver/en/pt_BR/unit/x", "not json", 400, "EPROTO")
        self.error("PUT", "/tmserver/en/pt_BR/unit/x", "[1]", 400, "EBADREQ")
        self.error("GET", "/tmserver/en/pt_BR/unit/x?tm=nowhere", None, 404, "ENOTFOUND")


    # -- MyMemory ----------------------------------------------------------------
    def test_mymemory_get_and_set(self):
        """MyMemory's get and set as MateCat and scripts read them (its API
        specification): the field names and types, a set then found by get."""
        got = json.loads(urllib.request.urlopen(
            self.base + "mymemory/set?seg=Hello%20World!&tra=Ciao%20Mondo!&langpair=en|it").read())
        self.assertEqual((got["responseData"], got["responseStatus"]), ("OK", 200))
        got = json.loads(urllib.request.urlopen(
            self.base + "mymemory/get?q=Hello%20World!&langpair=en|it").read())
        self.assertEqual(got["responseStatus"], 200)
        self.assertEqual(got["responseData"], {"translatedText": "Ciao Mondo!", "match": 1.0})
        m = got["matches"][0]
        self.assertEqual((m["segment"], m["translation"], m["source"], m["target"]),
                         ("Hello World!", "Ciao Mondo!", "en", "it"))
        self.assertIsInstance(m["quality"], str)       # MyMemory sends "74"
        self.assertEqual(m["quality"], "100")
        self.assertIsInstance(m["match"], float)
        self.assertIsInstance(m["usage-count"], int)
        self.assertIsInstance(m["created-by"], str)
        time.strptime(m["last-update-date"], "%Y-%m-%d %H:%M:%S")
        time.strptime(m["create-date"], "%Y-%m-%d %H:%M:%S")
        # a fuzzy match: match below 1, best first
        got = json.loads(urllib.request.urlopen(
            self.base + "mymemory/get?q=Hello%20World%20again!&langpair=en|it").read())
        self.assertTrue(0.5 <= got["responseData"]["match"] < 1.0, got)
        none = json.loads(urllib.request.urlopen(
            self.base + "mymemory/get?q=Nothing%20alike%20at%20all&langpair=en|it").read())
        self.assertEqual((none["responseData"]["translatedText"], none["matches"]), ("", []))
        self.error("GET", "/mymemory/get?q=x&langpair=en", None, 400, "EBADREQ")
        self.error("GET", "/mymemory/get?q=x&langpair=en|it&of=php", None, 400, "EBADREQ")
        self.error("GET", "/mymemory/set?seg=x&langpair=en|it", None, 400, "EBADREQ")
        self.error("POST", "/mymemory/get?q=x&langpair=en|it", None, 405)

    def test_mymemory_tmx(self):
        """of=tmx: a TMX document whose tu/tuv carry lang (as OmegaT's MyMemory
        connector asks its XPath) and xml:lang (TMX 1.4)."""
        import xml.etree.ElementTree as ET
        urllib.request.urlopen(self.base + "mymemory/set?seg=Good%20%26%20%3Cbad%3E&"
                               "tra=Bon%20%26%20%3Cmauvais%3E&langpair=en|fr").read()
        st, ctype, body = self.request("GET", "/mymemory/get?q=Good%20%26%20%3Cbad%3E&"
                                              "langpair=en|fr&of=tmx")
        self.assertEqual(st, 200)
        self.assertTrue(ctype.startswith("application/xml"))
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "tmx")
        tus = root.findall(".//tu")
        self.assertGreaterEqual(len(tus), 1)
        segs = {tuv.get("lang"): tuv.find("seg").text for tuv in tus[0].findall("tuv")}
        self.assertEqual(segs, {"en": "Good & <bad>", "fr": "Bon & <mauvais>"})
        xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
        self.assertEqual([t.get(xml_lang) for t in tus[0].findall("tuv")], ["en", "fr"])


    # -- TMX download ----------------------------------------------------------------
    def test_tmx_download_is_the_cli_export(self):
        """GET /api/v1/tms/{name}/export streams the same bytes as `verso export`:
        a TMX file imported (its header and kept metadata), and a TM of three pages."""
        import xml.etree.ElementTree as ET
        here = os.path.dirname(os.path.abspath(__file__))
        tmx = os.path.join(here, "..", "data", "tmx", "full.tmx")
        self.verso_cli("import", tmx, "--tm", "dl")
        self.api("tm_create", {"tm": "dl-big"})
        for k in range(0, 2500, 500):  # three pages of 1,000
            self.api("add", {"tm": "dl-big", "src_lang": "en", "tgt_lang": "fr", "entries": [
                {"src": "Sentence number %d & <more>." % i, "tgt": "Phrase %d." % i,
                 "note": "n%d" % i} for i in range(k, k + 500)]})
        for tm, n in (("dl", None), ("dl-big", 2500)):
            out = os.path.join(self.tmp, tm + ".tmx")
            self.verso_cli("export", "--tm", tm, "-o", out)
            with open(out, "rb") as f:
                want = f.read()
            c = http.client.HTTPConnection(self.host, self.port, timeout=60)
            c.request("GET", "/api/v1/tms/%s/export" % tm)
            r = c.getresponse()
            got = r.read()
            c.close()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.getheader("Content-Disposition"),
                             'attachment; filename="verso-%s.tmx"' % tm)
            self.assertEqual(got, want, tm)
            if n:
                self.assertEqual(len(ET.fromstring(got).findall(".//tu")), n)
        self.error("GET", "/api/v1/tms/nowhere/export", None, 404, "ENOTFOUND")
        self.error("POST", "/api/v1/tms/dl/export", None, 405)
        self.error("GET", "/api/v1/tms/dl/import", None, 405)  # POST: the upload
        self.error("GET", "/api/v1/tms/dl/other", None, 404, "ENOTFOUND")

    # -- TMX import by upload --------------------------------------------------------
    def test_tmx_upload_is_the_cli_import(self):
        """POST /api/v1/tms/{name}/import maps a file as `verso import` does: the TM
        it makes exports the same TUs (header, notes, props, kept attributes)."""
        here = os.path.dirname(os.path.abspath(__file__))
        tmx = os.path.join(here, "..", "data", "tmx", "full.tmx")
        self.verso_cli("import", tmx, "--tm", "up-cli")
        with open(tmx, "rb") as f:
            body = f.read()
        rec = self.upload("up-http", body, "?filename=full.tmx&id=full-tmx-1")  # made (admin)
        self.assertEqual((rec["id"], rec["state"], rec["file"]), ("full-tmx-1", "done", "full.tmx"))
        self.assertEqual(rec["bytes"], len(body))
        self.assertEqual(rec["bytes_total"], len(body))
        self.assertEqual(rec["added"], rec["entries"])
        self.assertGreater(rec["added"], 0)
        self.assertEqual(self.tus_of(self.export("up-http")), self.tus_of(self.export("up-cli")))
        head = self.export("up-http").split(b"<body>")[0]
        self.assertIn(b'o-tmf="test-tmf"', head)  # the file's header, kept
        self.assertEqual(self.job("full-tmx-1"), rec)  # the record stays, pollable
        listed = json.loads(self.request("GET", "/api/v1/imports")[2])["imports"]
        self.assertIn("full-tmx-1", [r["id"] for r in listed])
        # again: every entry is there already (the default on_conflict)
        again = self.upload("up-http", body, "?on_conflict=skip")
        self.assertEqual(again["skipped"], rec["added"])
        self.assertNotEqual(again["id"], rec["id"])  # a new random id

    def test_tmx_upload_bad_records_and_bodies(self):
        """Bad TUs are counted with their lines and reasons while the rest loads;
        a body that is not TMX fails with EPROTO; ?src= / ?tgt= pick the pair."""
        bad = ('<tu><tuv xml:lang="en"><seg>Only a source.</seg></tuv></tu>\n'
               '<tu><tuv xml:lang="en"><seg></seg></tuv><tuv xml:lang="fr"><seg>Vide.</seg></tuv></tu>\n'
               '<tu><tuv xml:lang="en"><seg>Broken <b></seg></tuv></tu>\n')
        rec = self.upload("up-bad", self.make_tmx(20, extra=bad))
        self.assertEqual(rec["state"], "done")
        self.assertEqual(rec["added"], 20)
        self.assertGreaterEqual(rec["rejected"], 3)
        whys = {r["why"] for r in rec["reasons"]}
        self.assertIn("no target tuv", whys)
        self.assertIn("empty source", whys)
        self.assertTrue(any("XML" in w for w in whys), whys)
        self.assertTrue(all(r["line"] >= 3 for r in rec["first_rejects"]), rec["first_rejects"])
        for body in (b"", b"not xml at all", b"\xff\xfe\x00<"):
            rec = self.upload("up-bad", body, status=400)
            self.assertEqual((rec["state"], rec["error"]["code"]), ("failed", "EPROTO"), rec)
        three = ('<?xml version="1.0"?><tmx version="1.4"><header srclang="en"/><body>'
                 '<tu><tuv xml:lang="en"><seg>Three languages.</seg></tuv>'
                 '<tuv xml:lang="de"><seg>Drei Sprachen.</seg></tuv>'
                 '<tuv xml:lang="fr_FR"><seg>Trois langues.</seg></tuv></tu></body></tmx>')
        rec = self.upload("up-pick", three.encode(), "?tgt=fr")
        self.assertEqual(rec["added"], 1)
        got = self.api("lookup", {"tm": "up-pick", "src_lang": "en", "tgt_lang": "fr-FR",
                                  "segments": ["Three languages."]})
        self.assertEqual(got["results"][0]["matches"][0]["tgt"], "Trois langues.")
        rec = self.upload("up-pick", three.encode(), "?src=de")
        self.assertEqual(rec["added"], 2)  # de -> en, de -> fr-FR

    # -- /metrics ------------------------------------------------------------------
    def metrics(self):
        """{(name, labels): value} of GET /metrics, checking the text format."""
        st, ctype, body = self.request("GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        out, typed = {}, set()
        for line in body.decode().splitlines():
            if line.startswith("# TYPE "):
                typed.add(line.split()[2])
                continue
            if line.startswith("#") or not line:
                continue
            name_labels, value = line.rsplit(" ", 1)
            name, _, labels = name_labels.partition("{")
            base = name
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and name[:-len(suffix)] in typed:
                    base = name[:-len(suffix)]
            self.assertIn(base, typed, line)  # every sample under a TYPE line
            out[(name, labels.rstrip("}"))] = float(value)
        return out

    def test_metrics(self):
        self.api("tm_create", {"tm": "metered"})
        self.api("add", {"tm": "metered", "src_lang": "en", "tgt_lang": "fr",
                         "entries": [{"src": "One.", "tgt": "Un."}, {"src": "Two.", "tgt": "Deux."}]})
        before = self.metrics()
        for _ in range(3):
            self.api("ping")
        self.error("POST", "/api/v1/get", '{"entry_id": 424242}', 404, "ENOTFOUND")
        after = self.metrics()
        ping = ("verso_requests_total", 'op="ping"')
        self.assertGreaterEqual(after[ping] - before[ping], 3)
        err = ("verso_request_errors_total", 'op="get"')
        self.assertEqual(after[err] - before[err], 1)
        self.assertEqual(after[("verso_tm_entries", 'tm="metered"')], 2)
        # a histogram: cumulative buckets, +Inf equal to the count
        les = [v for (n, l), v in sorted(after.items())
               if n == "verso_request_duration_seconds_bucket" and l.startswith('op="ping"')]
        bounds = sorted(((float(l.split('le="')[1].rstrip('"').replace("+Inf", "inf")), v)
                         for (n, l), v in after.items()
                         if n == "verso_request_duration_seconds_bucket"
                         and l.startswith('op="ping"')))
        self.assertEqual(len(les), 19)
        counts = [v for _, v in bounds]
        self.assertEqual(counts, sorted(counts))  # never decreasing
        self.assertEqual(counts[-1], after[("verso_request_duration_seconds_count", 'op="ping"')])
        self.assertGreater(after[("verso_store_used_bytes", "")], 0)
        self.assertIn(("verso_fuzzy_index_pending_ids", ""), after)
        for name in ("searches", "postings_read", "candidates", "verified", "scans"):
            self.assertIn(("verso_fuzzy_%s_total" % name, ""), after)
        self.assertIn(("verso_handshakes_refused_total", ""), after)


class HttpUploadWaitTest(HttpHelpers, unittest.TestCase):
    """Uploads stopped half way while the test looks at them: a server of its own whose
    idle timeout (60 s) outlasts the look, however slow the build (TSan)."""

    TIMEOUT_S = 60

    def test_tmx_upload_progress_while_it_runs(self):
        """An import's record is readable while its body is still coming: the bytes
        read, the TUs stored so far; the reply at the end has every entry."""
        body = self.make_tmx(6000)  # adds go 2,000 entries at a time
        half = len(body) // 2
        c = self.open_upload("up-progress", len(body), "?id=progress-1")
        try:
            c.sendall(body[:half])
            rec = self.wait_job("progress-1", lambda r: r["bytes"] == half and r["added"] > 0,
                                "the first half read and some entries stored")
            self.assertEqual(rec["state"], "running")
            self.assertEqual(rec["bytes_total"], len(body))
            self.assertLess(rec["tus"], 6000)
            self.assertEqual(rec["ended_ms"], 0)
            c.sendall(body[half:])
            reply = c.makefile("rb")
            status = reply.readline()
            self.assertIn(b" 200 ", status)
            headers = {}
            for line in iter(reply.readline, b"\r\n"):
                k, _, v = line.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            final = json.loads(reply.read(int(headers["content-length"])))
        finally:
            c.close()
        self.assertEqual((final["state"], final["tus"], final["added"]), ("done", 6000, 6000))
        self.assertEqual(self.job("progress-1")["state"], "done")
        got = self.api("lookup", {"tm": "up-progress", "src_lang": "en", "tgt_lang": "fr",
                                  "segments": ["Upload sentence 5999 & more."]})
        self.assertEqual(got["results"][0]["matches"][0]["tgt"], "Phrase 5999 téléversée.")

    def test_tmx_upload_cancel_and_client_gone(self):
        """DELETE /api/v1/imports/{id} stops a running import (the connection is
        closed, what was stored stays); a client that goes away mid-file leaves its
        import failed; ids are checked and unique."""
        body = self.make_tmx(6000)
        half = len(body) // 2
        c = self.open_upload("up-cancel", len(body), "?id=cancel-1")
        try:
            c.sendall(body[:half])
            self.wait_job("cancel-1", lambda r: r["added"] > 0, "some entries stored")
            st, _, data = self.request("DELETE", "/api/v1/imports/cancel-1")
            self.assertEqual(st, 202, data)
            with self.assertRaises(OSError):  # closed once it reads the next piece
                for _ in range(200):
                    c.sendall(body[half:half + 4096])
                    c.settimeout(5)
                    if not c.recv(1):
                        raise ConnectionResetError("closed")
        finally:
            c.close()
        rec = self.wait_job("cancel-1", lambda r: r["state"] != "running", "the end")
        self.assertEqual((rec["state"], rec["error"]["code"]), ("cancelled", "ECANCELED"))
        self.assertLess(rec["added"], 6000)
        st, _, data = self.request("DELETE", "/api/v1/imports/cancel-1")
        self.assertEqual(st, 200, data)  # ended already: nothing to stop
        # a client that goes away
        c = self.open_upload("up-gone", len(body), "?id=gone-away-1")
        c.sendall(body[:half])
        self.wait_job("gone-away-1", lambda r: r["bytes"] == half, "the first half read")
        c.close()
        rec = self.wait_job("gone-away-1", lambda r: r["state"] != "running", "the end")
        self.assertEqual((rec["state"], rec["error"]["code"]), ("failed", "ECANCELED"))
        self.assertIn("went away", rec["error"]["message"])
        # ids (a refusal comes before the body is read, and closes the connection: a
        # small body here, which the client has sent before it reads the reply)
        small = self.make_tmx(1)
        self.error("POST", "/api/v1/tms/up-gone/import?id=short", small, 400, "EBADREQ")
        self.error("POST", "/api/v1/tms/up-gone/import?id=gone-away-1", small, 409, "EEXIST")
        self.error("GET", "/api/v1/imports/nosuchimport", None, 404, "ENOTFOUND")
        self.error("PUT", "/api/v1/imports/gone-away-1", None, 405)
        self.error("GET", "/api/v1/tms/up-gone/import", None, 405)


TOKENS = {"reader": "r" * 30, "writer": "w-riter_key.0123456789abcdef", "admin": "A" * 40}


def write_allow(path, tokens):
    with open(path + ".tmp", "w") as f:
        for name, role in (("reader", "read"), ("writer", "write"), ("admin", "admin")):
            if name in tokens:
                f.write("http:%s %s %s\n" % (tokens[name], role, name))
    os.chmod(path + ".tmp", 0o600)
    os.replace(path + ".tmp", path)


class HttpKeysTest(unittest.TestCase):
    """API keys (bearer tokens of the allow-list) over HTTPS: each role on each
    kind of route, unknown and revoked keys, the key= argument, plain HTTP refused."""

    @classmethod
    def setUpClass(cls):
        import ssl
        cls.tmp = tempfile.mkdtemp(prefix="verso-https-")
        t = lambda *a: os.path.join(cls.tmp, *a)  # noqa: E731
        subprocess_run = __import__("subprocess").run
        subprocess_run([VERSOD, "keygen", t("server")], check=True, capture_output=True)
        subprocess_run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", t("key.pem"), "-out", t("cert.pem")],
                       check=True, capture_output=True)
        cls.allow = t("allow")
        write_allow(cls.allow, TOKENS)
        cls.proc, cls.log, cls.endpoint, cls.base = start(
            cls.tmp, ("--curve-key", t("server.secret"), "--allow", cls.allow,
                      "--http-cert", t("cert.pem"), "--http-key", t("key.pem"),
                      "--log-level", "info", "--max-message-bytes", "4M"))
        cls.ctx = ssl.create_default_context(cafile=t("cert.pem"))
        u = urllib.parse.urlparse(cls.base)
        cls.host, cls.port = u.hostname, u.port

    @classmethod
    def tearDownClass(cls):
        status = test_protocol.stop_versod(cls.proc, cls.log)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if status != 0:
            raise AssertionError("versod exited with status %d" % status)

    def call(self, method, path, body=None, key=None):
        c = http.client.HTTPSConnection(self.host, self.port, timeout=20, context=self.ctx)
        headers = {"Authorization": "Bearer " + key} if key else {}
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, r.getheader("WWW-Authenticate"), data

    def test_https_and_plain_http(self):
        self.assertTrue(self.base.startswith("https://"), self.base)
        st, _, body = self.call("POST", "/api/v1/ping", "{}", TOKENS["reader"])
        self.assertEqual((st, body), (200, b"{}"))
        plain = http.client.HTTPConnection(self.host, self.port, timeout=10)
        with self.assertRaises((http.client.HTTPException, ConnectionError, OSError)):
            plain.request("POST", "/api/v1/ping", body="{}")
            plain.getresponse().read()

    def test_no_or_unknown_key_on_every_route(self):
        routes = [("POST", "/api/v1/ping", "{}"), ("GET", "/tmserver/en/fr/unit/x", None),
                  ("POST", "/api/v1/tms/default/import", "<tmx/>"), ("GET", "/api/v1/imports", None),
                  ("GET", "/tmserver/languages/", None), ("GET", "/metrics", None),
                  ("GET", "/mymemory/get?q=x&langpair=en|fr", None)]
        for method, path, body in routes:
            for key in (None, "x" * 30, TOKENS["reader"] + "x"):
                st, challenge, data = self.call(method, path, body, key)
                self.assertEqual(st, 401, (path, key, data))
                self.assertEqual(json.loads(data)["error"]["code"], "EDENIED")
                self.assertTrue(challenge.startswith("Bearer"))
        st, _, _ = self.call("GET", "/mymemory/get?q=x&langpair=en|fr&key=" + TOKENS["reader"])
        self.assertEqual(st, 200)  # MyMemory's key= argument

    def test_roles(self):
        r, w, a = TOKENS["reader"], TOKENS["writer"], TOKENS["admin"]
        add = json.dumps({"src_lang": "en", "tgt_lang": "fr",
                          "entries": [{"src": "Keyed.", "tgt": "Clé."}]})
        self.assertEqual(self.call("POST", "/api/v1/add", add, r)[0], 403)
        self.assertEqual(self.call("POST", "/api/v1/add", add, w)[0], 200)
        self.assertEqual(self.call("PUT", "/tmserver/en/fr/unit/Hi", '{"target": "Salut"}', r)[0],
                         403)
        self.assertEqual(self.call("PUT", "/tmserver/en/fr/unit/Hi", '{"target": "Salut"}', w)[0],
                         200)
        self.assertEqual(self.call("GET", "/mymemory/set?seg=a&tra=b&langpair=en|fr", None, r)[0],
                         403)
        self.assertEqual(self.call("POST", "/api/v1/tm_create", '{"tm": "k"}', w)[0], 403)
        self.assertEqual(self.call("POST", "/api/v1/tm_create", '{"tm": "k"}', a)[0], 200)
        st, _, body = self.call("POST", "/api/v1/hello", "{}", w)
        self.assertEqual(json.loads(body)["role"], "write")
        st, _, body = self.call("GET", "/tmserver/en/fr/unit/Keyed.", None, r)
        self.assertEqual(json.loads(body)[0]["target"], "Clé.")
        tmx = ('<?xml version="1.0"?><tmx version="1.4"><header srclang="en"/><body><tu>'
               '<tuv xml:lang="en"><seg>Uploaded.</seg></tuv><tuv xml:lang="fr"><seg>Envoyé.</seg>'
               '</tuv></tu></body></tmx>').encode()
        self.assertEqual(self.call("POST", "/api/v1/tms/default/import", tmx, r)[0], 403)
        st, _, body = self.call("POST", "/api/v1/tms/newtm/import", tmx, w)
        self.assertEqual((st, json.loads(body)["error"]["code"]), (404, "ENOTFOUND"))
        st, _, body = self.call("POST", "/api/v1/tms/default/import?id=writer-job-1", tmx, w)
        self.assertEqual((st, json.loads(body)["added"]), (200, 1), body)
        st, _, body = self.call("POST", "/api/v1/tms/newtm/import", tmx, a)  # an admin makes it
        self.assertEqual((st, json.loads(body)["added"]), (200, 1), body)
        # an import is its caller's: another key does not see it, an admin does
        self.assertEqual(self.call("GET", "/api/v1/imports/writer-job-1", None, w)[0], 200)
        self.assertEqual(self.call("GET", "/api/v1/imports/writer-job-1", None, r)[0], 404)
        self.assertEqual(self.call("GET", "/api/v1/imports/writer-job-1", None, a)[0], 200)
        st, _, body = self.call("GET", "/api/v1/imports", None, r)
        self.assertEqual(json.loads(body)["imports"], [])

    def reload_keys(self, tokens):
        """Writes the allow-list with tokens, sends SIGHUP and waits until the reload is
        logged (the condition), so that the next request sees the new keys."""
        write_allow(self.allow, tokens)
        with open(os.path.join(self.tmp, "versod.log")) as f:
            before = f.read().count("http: API keys reloaded")
        self.proc.send_signal(__import__("signal").SIGHUP)
        wait_until = time.monotonic() + 20
        while time.monotonic() < wait_until:
            with open(os.path.join(self.tmp, "versod.log")) as f:
                if f.read().count("http: API keys reloaded") > before:
                    return
            time.sleep(0.05)  # polling interval for the condition above
        self.fail("the API keys were not reloaded within 20 s")

    def test_revoked_key(self):
        tokens = dict(TOKENS)
        self.assertEqual(self.call("POST", "/api/v1/ping", "{}", tokens["reader"])[0], 200)
        del tokens["reader"]
        try:
            self.reload_keys(tokens)
            st, _, data = self.call("POST", "/api/v1/ping", "{}", TOKENS["reader"])
            self.assertEqual(st, 401, data)
            self.assertEqual(self.call("POST", "/api/v1/ping", "{}", TOKENS["writer"])[0], 200)
        finally:  # the next tests (test_roles) need the reader's key back, not on its way
            self.reload_keys(TOKENS)

    def test_jsonp_console_and_early_refusals(self):
        r = TOKENS["reader"]
        st, _, body = self.call("GET", "/tmserver/en/fr/unit/Keyed.?jsoncallback=cb.fn_1", None, r)
        self.assertEqual(st, 200)
        self.assertTrue(body.startswith(b"cb.fn_1(") and body.endswith(b");"), body)
        # the console's files need no key (a browser sends none for a page or a script)
        for path in ("/", "/console/app.js", "/console/style.css"):
            c = http.client.HTTPSConnection(self.host, self.port, timeout=20, context=self.ctx)
            c.request("GET", path)
            resp = c.getresponse()
            resp.read()
            c.close()
            self.assertEqual(resp.status, 200, path)
            self.assertIn("frame-ancestors 'none'", resp.getheader("Content-Security-Policy"))
        # refused on its headers: answered at once, the body never read
        import socket
        import ssl  # noqa: F401
        raw = self.ctx.wrap_socket(socket.create_connection((self.host, self.port)),
                                   server_hostname="127.0.0.1")
        raw.sendall(b"POST /api/v1/add HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Length: 3000000\r\n\r\n")
        raw.settimeout(20)
        self.assertTrue(raw.recv(4096).startswith(b"HTTP/1.1 401"))
        raw.close()
        # JSON with more values than the cap: refused before jansson builds its tree
        big = "[" + "0," * 1000001 + "0]"
        st, _, body = self.call("POST", "/api/v1/ping", big, r)
        self.assertEqual(st, 413, body)
        self.assertIn("JSON values", json.loads(body)["error"]["message"])

    def test_refused_on_other_addresses(self):
        d = tempfile.mkdtemp(prefix="verso-http-bind-")
        try:
            with self.assertRaises(RuntimeError):
                start(d, ("--http", "0.0.0.0:0"))
            with open(os.path.join(d, "versod.log")) as f:
                self.assertIn("refusing to serve 0.0.0.0:0 without keys", f.read())
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_http.py VERSOD [unittest args]")
    VERSOD = os.path.abspath(sys.argv.pop(1))
    test_protocol.VERSOD = VERSOD
    unittest.main()
