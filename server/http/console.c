/*
 * console.c - the web console's files (console/ in the source tree:
 * index.html, app.js, style.css), read once at start-up and served from
 * memory: GET / and /console/{file}. Only these three names are served,
 * so no path reaches the file system. The console itself talks to
 * /api/v1 like any client (docs/HTTP.md, "Console").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "log.h"

#define S_FILE_MAX ((size_t)1 << 20)

static const struct {
    const char *name, *type;
} s_files[VERSO_HTTP_CONSOLE_FILES] = {
    {"index.html", "text/html; charset=utf-8"},
    {"app.js", "text/javascript; charset=utf-8"},
    {"style.css", "text/css; charset=utf-8"},
};

verso_err verso_http_console_load(verso_http *h, const char *dir)
{
    if (!dir)
        return VERSO_OK;
    for (int i = 0; i < VERSO_HTTP_CONSOLE_FILES; i++)
        verso_buf_init(&h->console[i], S_FILE_MAX);
    h->has_console = true; /* the buffers are set up: freed by verso_http_console_free */
    for (int i = 0; i < VERSO_HTTP_CONSOLE_FILES; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, s_files[i].name);
        FILE *f = fopen(path, "re");
        verso_buf *b = &h->console[i];
        char chunk[8192];
        size_t n;
        verso_err err = f ? VERSO_OK : VERSO_EIO;
        while (!err && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            err = verso_buf_append(b, chunk, n);
        if (f)
            fclose(f);
        if (err) {
            verso_log(VERSO_LOG_ERROR, "http: cannot read the console's %s: %s", path,
                      verso_strerror(err));
            return err;
        }
    }
    return VERSO_OK;
}

void verso_http_console_free(verso_http *h)
{
    for (int i = 0; h->has_console && i < VERSO_HTTP_CONSOLE_FILES; i++)
        verso_buf_fini(&h->console[i]);
}

bool verso_http_console(verso_http_req *r, verso_http_reply *rep)
{
    const char *name = !strcmp(r->url, "/")               ? "index.html"
                       : !strncmp(r->url, "/console/", 9) ? r->url + 9
                                                          : NULL;
    if (!name)
        return false;
    for (int i = 0; i < VERSO_HTTP_CONSOLE_FILES; i++) {
        if (strcmp(name, s_files[i].name))
            continue;
        if (!r->h->has_console) {
            verso_http_reply_error(rep, MHD_HTTP_NOT_FOUND, "ENOTFOUND",
                                   "this server has no console (--console DIR)");
        } else if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
            verso_http_reply_method(rep, "GET, HEAD");
        } else {
            verso_buf_reset(&rep->body);
            verso_buf_append(&rep->body, r->h->console[i].data ? r->h->console[i].data : "",
                             r->h->console[i].len);
            rep->status = MHD_HTTP_OK;
            rep->type = s_files[i].type;
            rep->csp = true; /* no framing (clickjacking), scripts from this server only */
        }
        return true;
    }
    verso_http_reply_error(rep, MHD_HTTP_NOT_FOUND, "ENOTFOUND", "no console file %.64s", name);
    return true;
}
