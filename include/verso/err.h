/*
 * verso/err.h - the one error enum of Verso, shared by server, client and CLI.
 *
 * Every fallible function returns verso_err: 0 (VERSO_OK) or a negative code.
 * The symbol of a code (e.g. "EPROTO") is also its stable wire code in error
 * replies; see docs/PROTOCOL.md.
 */
#ifndef VERSO_ERR_H
#define VERSO_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum verso_err {
    VERSO_OK = 0,
    VERSO_ENOMEM = -1,      /* out of memory */
    VERSO_EINVAL = -2,      /* invalid argument (caller error) */
    VERSO_EPROTO = -3,      /* malformed message: not msgpack, bad framing, ... */
    VERSO_EBADREQ = -4,     /* well-formed message, but a field is missing or mistyped */
    VERSO_EBADUTF8 = -5,    /* a string is not valid UTF-8 */
    VERSO_ETOOBIG = -6,     /* message or field larger than allowed */
    VERSO_EBADOP = -7,      /* unknown op */
    VERSO_EVERSION = -8,    /* unsupported protocol version */
    VERSO_ESHUTDOWN = -9,   /* server is shutting down; request not executed */
    VERSO_ESTORE = -10,     /* storage engine failure */
    VERSO_ENOSPC = -11,     /* storage full (map at its maximum, or disk full) */
    VERSO_ESCHEMA = -12,    /* data directory has an unknown schema version */
    VERSO_ELOCKED = -13,    /* data directory in use by another server */
    VERSO_EIO = -14,        /* operating-system I/O failure */
    VERSO_ETRANSPORT = -15, /* ZeroMQ transport failure */
    VERSO_ETIMEOUT = -16,   /* no reply within the timeout */
    VERSO_ENOTFOUND = -17,  /* no such object */
    VERSO_EINTERNAL = -18,  /* bug: should never happen */
    VERSO_ESERVER = -19,    /* client side: the server replied with an error */
    VERSO_EBADLANG = -20,   /* malformed BCP 47 language tag */
    VERSO_EEXIST = -21,     /* the object already exists */
    VERSO_EDENIED = -22,    /* the client's key is unknown, revoked, or lacks the op's role */
    VERSO_ETIMEDOUT = -23,  /* the server stopped the request at its deadline */
    VERSO_ECANCELED = -24,  /* the server stopped the request: client gone, or shutting down */
    VERSO_EBUSY = -25,      /* a limit on work of this kind is reached: retry later */
    VERSO_ERR_MIN_ = -25
} verso_err;

/* "SYMBOL: message" for a code. Static storage; never NULL. */
const char *verso_strerror(verso_err err);

/* "SYMBOL" alone (the wire code), e.g. "EPROTO". Static storage; never NULL. */
const char *verso_err_symbol(verso_err err);

/* The code for a wire symbol, or VERSO_EINTERNAL when the symbol is unknown. */
verso_err verso_err_from_symbol(const char *symbol, unsigned len);

#ifdef __cplusplus
}
#endif
#endif
