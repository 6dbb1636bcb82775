"""Errors of the Verso client: one class per wire code of docs/PROTOCOL.md section 5.

Every server error reply raises a subclass of ServerError carrying `code` (the stable
wire symbol, e.g. "ENOTFOUND") and `message` (human-readable). Problems that never reached
an answer raise TransportError or Timeout. `Denied` is raised both for an EDENIED reply and
for a handshake the server refused (an unknown or revoked CURVE key).
"""


class VersoError(Exception):
    """Base of every error this package raises."""


class TransportError(VersoError):
    """The socket failed, or the server sent something that is not a Verso reply."""


class Timeout(VersoError):
    """No reply within the client's timeout (the server may be down or overloaded)."""


class ServerError(VersoError):
    """An error reply: `code` is the wire code, `message` the server's explanation."""
    code = "EINTERNAL"

    def __init__(self, code, message, request_id=None):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.request_id = request_id


class ProtocolError(ServerError):
    code = "EPROTO"


class BadUtf8(ServerError):
    code = "EBADUTF8"


class TooBig(ServerError):
    code = "ETOOBIG"


class BadRequest(ServerError):
    code = "EBADREQ"


class VersionError(ServerError):
    code = "EVERSION"


class BadOp(ServerError):
    code = "EBADOP"


class ShuttingDown(ServerError):
    code = "ESHUTDOWN"


class OutOfMemory(ServerError):
    code = "ENOMEM"


class StoreError(ServerError):
    code = "ESTORE"


class NoSpace(ServerError):
    code = "ENOSPC"


class IOFailure(ServerError):
    code = "EIO"


class NotFound(ServerError):
    code = "ENOTFOUND"


class BadLang(ServerError):
    code = "EBADLANG"


class Exists(ServerError):
    code = "EEXIST"


class Denied(ServerError):
    code = "EDENIED"


class Locked(ServerError):
    code = "ELOCKED"


class InternalError(ServerError):
    code = "EINTERNAL"


class DeadlinePassed(ServerError):
    """The server stopped the request at its deadline (`timeout_ms` or the server's default)."""
    code = "ETIMEDOUT"


class Cancelled(ServerError):
    """The server stopped the request: the client went away, or the server is stopping."""
    code = "ECANCELED"


class Busy(ServerError):
    """A limit on work of this kind is reached (as imports running at once): retry later."""
    code = "EBUSY"


_BY_CODE = {cls.code: cls for cls in (
    ProtocolError, BadUtf8, TooBig, BadRequest, VersionError, BadOp, ShuttingDown,
    OutOfMemory, StoreError, NoSpace, IOFailure, NotFound, BadLang, Exists, Denied, Locked,
    InternalError, DeadlinePassed, Cancelled, Busy)}


def from_reply(err, request_id=None):
    """The exception for an error reply's `err` map (an unknown code gives ServerError)."""
    code = err.get("code") if isinstance(err, dict) else None
    message = err.get("message", "") if isinstance(err, dict) else ""
    if not isinstance(code, str):
        return TransportError("error reply without a code: %r" % (err,))
    return _BY_CODE.get(code, ServerError)(code, message, request_id)
