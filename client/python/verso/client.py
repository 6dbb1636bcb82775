"""A Verso client (protocol v1, docs/PROTOCOL.md) on pyzmq and msgpack alone.

One Client is one DEALER connection. Requests carry ids, so several may be in flight:
`send` returns an id and `recv(id)` waits for that reply (replies may arrive in any
order). Every op of the protocol has a method that sends it and returns the reply's `res`
map, or raises the error class of its code (errors.py). A Client is not thread-safe: use
one per thread.
"""
import itertools
import os
import time

import msgpack
import zmq
import zmq.utils.monitor

from . import errors

DEFAULT_ENDPOINT = "tcp://127.0.0.1:5555"
_MONITORS = itertools.count(1)


def _read_key_file(path, field):
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0] == field:
                return parts[1]
    raise ValueError("%s has no %s line" % (path, field))


def load_public_key(key_or_path):
    """A server's public key given as its 40 Z85 characters or as a .pub/.secret file."""
    if isinstance(key_or_path, bytes):
        key_or_path = key_or_path.decode("ascii")
    if len(key_or_path) == 40 and not os.path.exists(key_or_path):
        return key_or_path
    return _read_key_file(key_or_path, "public-key")


def load_key_pair(path):
    """(public, secret) Z85 keys from a .secret file written by `verso keygen`; refuses
    a file that its group or others have any right to, as the server and the CLI do."""
    if os.stat(path).st_mode & 0o077:
        raise PermissionError("%s may be read or written by others: chmod 600 it" % path)
    return _read_key_file(path, "public-key"), _read_key_file(path, "secret-key")


class Client:
    """A connection to versod.

    endpoint     e.g. "tcp://tm.example:5555" (default: the local server)
    server_key   CURVE: the server's public key (Z85 str) or its .pub file
    client_keys  CURVE: this client's (public, secret) Z85 pair, or its .secret file
    timeout      seconds to wait for each reply
    """

    def __init__(self, endpoint=DEFAULT_ENDPOINT, server_key=None, client_keys=None,
                 timeout=10.0, context=None):
        if (server_key is None) != (client_keys is None):
            raise ValueError("CURVE needs both server_key and client_keys")
        self.endpoint = endpoint
        self.timeout = timeout
        self._ctx = context or zmq.Context.instance()
        self._sock = self._ctx.socket(zmq.DEALER)
        self._sock.linger = 0
        self._monitor = None
        self._denied = False
        self._ids = itertools.count(1)
        self._stash = {}
        self._pending = set()
        if server_key is not None:
            public, secret = (load_key_pair(client_keys) if isinstance(client_keys, str)
                              else client_keys)
            self._sock.curve_serverkey = load_public_key(server_key).encode("ascii")
            self._sock.curve_publickey = public.encode("ascii") if isinstance(public, str) \
                else public
            self._sock.curve_secretkey = secret.encode("ascii") if isinstance(secret, str) \
                else secret
            # A refused key shows only as a monitor event: turn it into Denied.
            self._monitor = self._sock.get_monitor_socket(
                zmq.EVENT_HANDSHAKE_FAILED_AUTH,
                addr="inproc://verso-py-monitor-%d-%d" % (os.getpid(), next(_MONITORS)))
        self._sock.connect(endpoint)

    def close(self):
        if self._monitor is not None:
            self._sock.disable_monitor()
            self._monitor.close()
            self._monitor = None
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- requests and replies ----------------------------------------------------------

    def send(self, op, **fields):
        """Sends a request; returns its id. Fields whose value is None are left out."""
        rid = next(self._ids)
        req = {"v": 1, "id": rid, "op": op}
        req.update((k, v) for k, v in fields.items() if v is not None)
        self._sock.send(msgpack.packb(req, use_bin_type=True))
        self._pending.add(rid)
        return rid

    def recv(self, rid):
        """Waits for the reply to request `rid`; returns its `res` or raises its error."""
        if rid not in self._pending and rid not in self._stash:
            raise ValueError("no request %r in flight" % (rid,))
        deadline = time.monotonic() + self.timeout
        while rid not in self._stash:
            self._receive_one(deadline)
        reply = self._stash.pop(rid)
        if reply["ok"]:
            return reply.get("res", {})
        raise errors.from_reply(reply.get("err"), rid)

    def call(self, op, **fields):
        """send + recv."""
        return self.recv(self.send(op, **fields))

    def _receive_one(self, deadline):
        poller = zmq.Poller()
        poller.register(self._sock, zmq.POLLIN)
        if self._monitor is not None:
            poller.register(self._monitor, zmq.POLLIN)
        while True:
            if self._denied:
                raise errors.Denied("EDENIED", "the server refused this client's key")
            left = deadline - time.monotonic()
            if left <= 0:
                raise errors.Timeout("no reply from %s within %.1f s" % (self.endpoint,
                                                                          self.timeout))
            ready = dict(poller.poll(left * 1000))
            if self._monitor in ready:
                event = zmq.utils.monitor.recv_monitor_message(self._monitor)
                self._denied |= event["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH
            if self._sock in ready:
                break
        frames = self._sock.recv_multipart()
        if len(frames) != 1:
            raise errors.TransportError("a reply of %d frames" % len(frames))
        try:
            reply = msgpack.unpackb(frames[0], raw=False, strict_map_key=False)
        except Exception as e:  # msgpack raises several types
            raise errors.TransportError("a reply that is not msgpack: %s" % e) from None
        if not isinstance(reply, dict) or reply.get("v") != 1 or \
                not isinstance(reply.get("ok"), bool):
            raise errors.TransportError("a reply that is not a Verso envelope")
        rid = reply.get("id")
        if rid is None and not reply["ok"] and self._pending:
            rid = min(self._pending)  # the server could not read the request's id
        if rid in self._pending:
            self._pending.discard(rid)
            self._stash[rid] = reply

    # ---- ops (docs/PROTOCOL.md section 6) ----------------------------------------------

    def hello(self):
        return self.call("hello")

    def ping(self):
        return self.call("ping")

    def stats(self):
        return self.call("stats")

    def segment(self, text, lang, paragraphs=None, rules=None):
        return self.call("segment", text=text, lang=lang, paragraphs=paragraphs, rules=rules)

    def tm_create(self, tm):
        return self.call("tm_create", tm=tm)

    def tm_delete(self, tm):
        return self.call("tm_delete", tm=tm)

    def tm_list(self):
        """{name: entries}."""
        return {t["name"]: t["entries"] for t in self.call("tm_list")["tms"]}

    def add(self, entries, src_lang, tgt_lang, tm=None, on_conflict=None):
        """entries: maps with src, tgt and optional fields (PROTOCOL "add")."""
        return self.call("add", entries=list(entries), src_lang=src_lang, tgt_lang=tgt_lang,
                         tm=tm, on_conflict=on_conflict)

    def get(self, entry_id):
        return self.call("get", entry_id=entry_id)["entry"]

    def update(self, entry_id, **fields):
        return self.call("update", entry_id=entry_id, **fields)["entry"]

    def delete(self, ids):
        return self.call("delete", ids=list(ids))["deleted"]

    def lookup(self, src_lang, tgt_lang, segments=None, text=None, tm=None, min_score=None,
               max_results=None):
        """Matches for each segment (or each sentence of `text`): the `results` list."""
        return self.call("lookup", src_lang=src_lang, tgt_lang=tgt_lang, segments=segments,
                         text=text, tm=tm, min_score=min_score,
                         max_results=max_results)["results"]

    def lookup_batch(self, documents, src_lang, tgt_lang, window=16, **options):
        """Pipelined lookups: `documents` is an iterable of segment lists; yields each one's
        results in order, keeping up to `window` requests in flight."""
        inflight = []
        for segments in documents:
            inflight.append(self.send("lookup", src_lang=src_lang, tgt_lang=tgt_lang,
                                      segments=list(segments), **options))
            if len(inflight) >= window:
                yield self.recv(inflight.pop(0))["results"]
        for rid in inflight:
            yield self.recv(rid)["results"]

    def concordance(self, query, lang, side=None, tm=None, max_results=None):
        return self.call("concordance", query=query, lang=lang, side=side, tm=tm,
                         max_results=max_results)

    def export(self, tm=None, after=None, limit=None):
        """One page: {"entries", "next"}."""
        return self.call("export", tm=tm, after=after, limit=limit)

    def export_all(self, tm=None, limit=None):
        """Every entry of the TM, page after page."""
        after = None
        while True:
            page = self.export(tm=tm, after=after, limit=limit)
            yield from page["entries"]
            if page.get("next") is None:
                return
            after = page["next"]

    def align(self, src_lang, tgt_lang, src_text=None, tgt_text=None, src_segments=None,
              tgt_segments=None, store=None, links_from=None):
        return self.call("align", src_lang=src_lang, tgt_lang=tgt_lang, src_text=src_text,
                         tgt_text=tgt_text, src_segments=src_segments,
                         tgt_segments=tgt_segments, store=store, links_from=links_from)

    def backup(self, path):
        return self.call("backup", path=path)
