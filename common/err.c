/* err.c - symbols and messages of verso_err. Knows no library but libc. */
#include "verso/err.h"

#include <string.h>

struct s_entry {
    const char *symbol;
    const char *message;
};

/* Indexed by -code. */
static const struct s_entry s_table[] = {
    {"OK", "OK: success"},
    {"ENOMEM", "ENOMEM: out of memory"},
    {"EINVAL", "EINVAL: invalid argument"},
    {"EPROTO", "EPROTO: malformed message"},
    {"EBADREQ", "EBADREQ: missing or mistyped request field"},
    {"EBADUTF8", "EBADUTF8: string is not valid UTF-8"},
    {"ETOOBIG", "ETOOBIG: message or field too large"},
    {"EBADOP", "EBADOP: unknown op"},
    {"EVERSION", "EVERSION: unsupported protocol version"},
    {"ESHUTDOWN", "ESHUTDOWN: server is shutting down"},
    {"ESTORE", "ESTORE: storage failure"},
    {"ENOSPC", "ENOSPC: storage full"},
    {"ESCHEMA", "ESCHEMA: unknown schema version in data directory"},
    {"ELOCKED", "ELOCKED: data directory in use by another server"},
    {"EIO", "EIO: input/output error"},
    {"ETRANSPORT", "ETRANSPORT: transport failure"},
    {"ETIMEOUT", "ETIMEOUT: no reply within the timeout"},
    {"ENOTFOUND", "ENOTFOUND: not found"},
    {"EINTERNAL", "EINTERNAL: internal error"},
    {"ESERVER", "ESERVER: server replied with an error"},
    {"EBADLANG", "EBADLANG: malformed BCP 47 language tag"},
    {"EEXIST", "EEXIST: already exists"},
    {"EDENIED", "EDENIED: permission denied (unknown or revoked key, or role too low)"},
    {"ETIMEDOUT", "ETIMEDOUT: the request's deadline passed before it finished"},
    {"ECANCELED", "ECANCELED: the request was cancelled (client gone, or server stopping)"},
    {"EBUSY", "EBUSY: too much work of this kind at once; retry later"},
};

static const struct s_entry *s_lookup(verso_err err)
{
    if (err > 0 || err < VERSO_ERR_MIN_)
        return &s_table[-VERSO_EINTERNAL];
    return &s_table[-err];
}

const char *verso_strerror(verso_err err)
{
    return s_lookup(err)->message;
}

const char *verso_err_symbol(verso_err err)
{
    return s_lookup(err)->symbol;
}

verso_err verso_err_from_symbol(const char *symbol, unsigned len)
{
    for (int i = 1; i <= -VERSO_ERR_MIN_; i++) {
        const char *s = s_table[i].symbol;
        if (strlen(s) == len && memcmp(s, symbol, len) == 0)
            return (verso_err)-i;
    }
    return VERSO_EINTERNAL;
}
