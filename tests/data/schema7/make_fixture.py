#!/usr/bin/env python3
"""Makes the schema-7 fixture of the store upgrade test (tests/integration/
test_upgrade.py): a data directory written by a versod of schema 7, and what
that versod answered about it, so that a later versod can be checked to keep
every entry and give the same matches after upgrading it.

The TM content is synthetic: sentences drawn from a small made-up vocabulary
(deterministic), plus tests/data/tmx/full.tmx (every TMX 1.4b element). Some
entries are updated and some deleted before the snapshot.

Run once with a schema-7 build (commit 7fa47b4 or earlier):
    tests/data/schema7/make_fixture.py build/release/versod
It writes data.mdb.gz and expected.json.gz beside itself.
"""
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration"))
import test_protocol  # noqa: E402  (start_versod, stop_versod, pack, unpack)

WORDS = ("file window server folder printer network update message setting account "
         "password screen button menu option device driver backup archive record").split()
VERBS = "open close save delete print send check select restore copy".split()
FR = {"file": "fichier", "window": "fenêtre", "server": "serveur", "folder": "dossier",
      "printer": "imprimante", "network": "réseau", "update": "mise à jour",
      "message": "message", "setting": "réglage", "account": "compte",
      "password": "mot de passe", "screen": "écran", "button": "bouton", "menu": "menu",
      "option": "option", "device": "appareil", "driver": "pilote", "backup": "sauvegarde",
      "archive": "archive", "record": "enregistrement", "open": "ouvrir", "close": "fermer",
      "save": "enregistrer", "delete": "supprimer", "print": "imprimer", "send": "envoyer",
      "check": "vérifier", "select": "choisir", "restore": "restaurer", "copy": "copier"}


def sentence(rng):
    """An English sentence and its word-by-word 'French' (synthetic)."""
    n = rng.randint(2, 9)
    en, fr = [], []
    for i in range(n):
        w = rng.choice(VERBS if i == 0 else WORDS)
        en.append(w)
        fr.append(FR[w])
    num = rng.randint(1, 400)
    return ("Please %s the %s %d." % (en[0], " ".join(en[1:]) or "item", num),
            "Veuillez %s le %s %d." % (fr[0], " ".join(fr[1:]) or "élément", num))


def edit(rng, text):
    words = text.split()
    i = rng.randrange(len(words))
    op = rng.randrange(3)
    if op == 0:
        words[i] = rng.choice(WORDS)
    elif op == 1 and len(words) > 2:
        del words[i]
    else:
        words.insert(i, rng.choice(WORDS))
    return " ".join(words)


class Conn:
    def __init__(self, endpoint):
        import zmq
        self.s = zmq.Context.instance().socket(zmq.DEALER)
        self.s.linger = 0
        self.s.connect(endpoint)
        self.seq = 0

    def __call__(self, op, **fields):
        self.seq += 1
        self.s.send(test_protocol.pack(dict(v=1, id=self.seq, op=op, **fields)))
        if not self.s.poll(60000):
            raise RuntimeError("no reply to %s" % op)
        reply = test_protocol.unpack(self.s.recv())
        if not reply.get("ok"):
            raise RuntimeError("%s: %r" % (op, reply.get("err")))
        return reply["res"]


def queries(rng, pairs):
    """Edited copies of stored sources (and of targets, for reverse lookups), and fresh ones."""
    q = [edit(rng, rng.choice(pairs)[0]) for _ in range(40)]
    q += [sentence(rng)[0] for _ in range(10)]
    q += [rng.choice(pairs)[0] for _ in range(5)]  # exact
    return q


def export_all(call, tm):
    out, after = [], 0
    while True:
        page = call("export", tm=tm, after=after, limit=1000)
        out += page["entries"]
        if page.get("next") is None:
            return out
        after = page["next"]


def snapshot(call, qs, rq):
    """What a server answers about the TMs: every entry, lookups, concordance."""
    got = {"tms": sorted((t["name"], t["entries"]) for t in call("tm_list")["tms"])}
    got["export"] = {tm: export_all(call, tm) for tm, _ in got["tms"]}
    got["lookup"] = []
    for tm in ("main", "other"):
        for s in (50, 70, 90):
            got["lookup"].append(call("lookup", tm=tm, src_lang="en", tgt_lang="fr",
                                      segments=qs, min_score=s, max_results=5))
            got["lookup"].append(call("lookup", tm=tm, src_lang="fr", tgt_lang="en",
                                      segments=rq, min_score=s, max_results=5))
    got["concordance"] = [call("concordance", tm="main", lang="en", query=w, max_results=20)
                          for w in ("file", "printer network", "restore the backup")]
    return got


def main():
    versod = os.path.abspath(sys.argv[1])
    test_protocol.VERSOD = versod
    tmp = tempfile.mkdtemp(prefix="verso-schema7-")
    data = os.path.join(tmp, "data")
    proc, log, endpoint = test_protocol.start_versod(tmp, data, "versod", max_msg=16 << 20)
    call = Conn(endpoint)
    rng = random.Random(7)
    call("tm_create", tm="main")
    call("tm_create", tm="other")
    pairs = [sentence(rng) for _ in range(1500)]
    for k in range(0, 1200, 300):
        call("add", tm="main", src_lang="en", tgt_lang="fr", entries=[
            {"src": s, "tgt": t, "note": "n%d" % i if i % 7 == 0 else "",
             "origin": "synthetic-%d" % (i % 3)} for i, (s, t) in enumerate(pairs[k:k + 300], k)])
    call("add", tm="other", src_lang="en", tgt_lang="fr",
         entries=[{"src": s, "tgt": t} for s, t in pairs[1200:]])
    call("add", tm="main", src_lang="en", tgt_lang="de",
         entries=[{"src": s, "tgt": t.replace("Veuillez", "Bitte")} for s, t in pairs[:100]])
    subprocess.run([os.path.join(os.path.dirname(versod), "verso"), "--endpoint", endpoint,
                    "import", os.path.join(HERE, "..", "tmx", "full.tmx"), "--tm", "main"],
                   check=True, capture_output=True)
    ids = [e["id"] for e in export_all(call, "main")]
    for i in ids[5:40:5]:
        call("update", entry_id=i, tgt="Mise à jour %d." % i)
    call("delete", ids=ids[40:60:4])
    until = time.monotonic() + 60  # the fuzzy index posted (the condition, not a time)
    while call("stats")["fuzzy_index"]["pending_ids"] and time.monotonic() < until:
        time.sleep(0.05)
    qs = queries(rng, pairs[:1200])
    rq = [edit(rng, rng.choice(pairs[:1200])[1]) for _ in range(20)]
    got = snapshot(call, qs, rq)
    got["queries"], got["reverse_queries"] = qs, rq
    got["schema_version"] = call("stats")["store"]["schema_version"]
    if test_protocol.stop_versod(proc, log) != 0:
        sys.exit("versod did not stop cleanly")
    with open(os.path.join(data, "data.mdb"), "rb") as f, \
            gzip.open(os.path.join(HERE, "data.mdb.gz"), "wb", compresslevel=9) as g:
        shutil.copyfileobj(f, g)
    with gzip.open(os.path.join(HERE, "expected.json.gz"), "wt", encoding="utf-8") as f:
        json.dump(got, f, ensure_ascii=False, sort_keys=True)
    shutil.rmtree(tmp, ignore_errors=True)
    print("schema %d; %s" % (got["schema_version"], got["tms"]))


if __name__ == "__main__":
    main()
