"""Verso's Python client: see client.py (Client) and errors.py (the error classes)."""
from .client import DEFAULT_ENDPOINT, Client, load_key_pair, load_public_key  # noqa: F401
from .errors import (  # noqa: F401
    BadLang, BadOp, BadRequest, BadUtf8, Denied, Exists, InternalError, IOFailure, Locked,
    NoSpace, NotFound, OutOfMemory, ProtocolError, ServerError, ShuttingDown, StoreError,
    Timeout, TooBig, TransportError, VersionError, VersoError)
