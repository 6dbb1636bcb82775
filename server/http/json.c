/*
 * json.c - a JSON value packed as msgpack (http_int.h), by the mapping of
 * docs/PROTOCOL.md ("JSON"): object -> map, array -> array, string -> str,
 * integer -> int, real -> float 64, true/false -> bool, null -> nil. The
 * depth is jansson's parser's to bound (it refuses deeper documents); the
 * dispatch's pre-scan then bounds it again, as for any frame.
 */
#include "http_int.h"
#include "mp.h"

static verso_err s_object(const json_t *j, verso_pack *p)
{
    const char *key;
    json_t *v;
    verso_pack_map(p, (uint32_t)json_object_size(j));
    json_object_foreach((json_t *)j, key, v)
    {
        verso_pack_str(p, key);
        verso_err err = verso_http_json_pack(v, p);
        if (err)
            return err;
    }
    return verso_pack_err(p);
}

static verso_err s_array(const json_t *j, verso_pack *p)
{
    size_t n = json_array_size(j);
    verso_pack_array(p, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        verso_err err = verso_http_json_pack(json_array_get(j, i), p);
        if (err)
            return err;
    }
    return verso_pack_err(p);
}

verso_err verso_http_json_pack(const json_t *j, verso_pack *p)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        if (json_object_size(j) > UINT32_MAX)
            return verso_pack_fail(p, VERSO_ETOOBIG);
        return s_object(j, p);
    case JSON_ARRAY:
        if (json_array_size(j) > UINT32_MAX)
            return verso_pack_fail(p, VERSO_ETOOBIG);
        return s_array(j, p);
    case JSON_STRING: verso_pack_strn(p, json_string_value(j), json_string_length(j)); break;
    case JSON_INTEGER: verso_pack_int(p, (int64_t)json_integer_value(j)); break;
    case JSON_REAL: verso_pack_double(p, json_real_value(j)); break;
    case JSON_TRUE: verso_pack_bool(p, true); break;
    case JSON_FALSE: verso_pack_bool(p, false); break;
    case JSON_NULL: verso_pack_nil(p); break;
    }
    return verso_pack_err(p);
}

json_t *verso_http_json_str(const msgpack_object *m, const char *key)
{
    const msgpack_object *o = verso_mp_get(m, key);
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return json_string("");
    return json_stringn(o->via.str.ptr, o->via.str.size);
}
