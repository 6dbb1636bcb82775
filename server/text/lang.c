/* lang.c - BCP 47 tags through ICU's locale API; see lang.h. */
#include "lang.h"

#include <string.h>
#include <unicode/uloc.h>

verso_err verso_lang_canon(const char *tag, size_t len, char *out)
{
    char in[VERSO_LANG_MAX], loc[ULOC_FULLNAME_CAPACITY];
    if (len == 0 || len > VERSO_LANG_INPUT_MAX || memchr(tag, '\0', len))
        return VERSO_EBADLANG;
    memcpy(in, tag, len);
    in[len] = '\0';
    /* ICU accepts "_" and other legacy forms; BCP 47 has only letters, digits
     * and "-". */
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return VERSO_EBADLANG;
    }
    UErrorCode st = U_ZERO_ERROR;
    int32_t parsed = 0;
    uloc_forLanguageTag(in, loc, sizeof loc, &parsed, &st);
    if (U_FAILURE(st) || parsed != (int32_t)len)
        return VERSO_EBADLANG;
    if (loc[0] == '\0') { /* "und" alone: ICU's root locale, which has no tag of its own */
        memcpy(out, "und", 4);
        return VERSO_OK;
    }
    st = U_ZERO_ERROR;
    uloc_toLanguageTag(loc, out, VERSO_LANG_MAX, 1 /* strict */, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
        return VERSO_EBADLANG;
    return VERSO_OK;
}

void verso_lang_base(const char *canon, char *out)
{
    size_t n = strcspn(canon, "-");
    if (n >= VERSO_LANG_MAX)
        n = VERSO_LANG_MAX - 1;
    memcpy(out, canon, n);
    out[n] = '\0';
}
