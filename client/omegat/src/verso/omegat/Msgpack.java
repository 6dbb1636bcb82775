/*
 * Msgpack.java - plain Java values to and from MessagePack, on Debian's
 * msgpack-core (org.msgpack.core).
 *
 * Packs String, Integer, Long, Boolean, null, List and Map<String, ?>.
 * Unpacks to String, Long (BigInteger past its range), Double, Boolean, null,
 * byte[] (bin, and ext's payload), List<Object> and Map<String, Object> (a
 * non-string key becomes its text form), checking every length and count
 * against the bytes first: replies come from the network. The caller owns
 * every returned object.
 */
package verso.omegat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

final class Msgpack {
    private Msgpack() {
    }

    static byte[] pack(Object value) throws IOException {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        write(p, value);
        p.close();
        return p.toByteArray();
    }

    /**
     * The single object in bytes; anything else is an IOException: trailing bytes (as on
     * the server), nesting deeper than MAX_DEPTH, a length or count larger than the bytes
     * that follow, malformed msgpack. Nothing is allocated before its length is checked.
     */
    static Object unpack(byte[] bytes) throws IOException {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            Object v = read(u, bytes.length, 1);
            if (u.hasNext())
                throw new IOException("bytes after the reply's object");
            return v;
        } catch (MessagePackException e) {
            throw new IOException("malformed msgpack: " + e.getMessage(), e);
        }
    }

    static final int MAX_DEPTH = 32;

    private static Object read(MessageUnpacker u, int size, int depth) throws IOException {
        if (depth > MAX_DEPTH)
            throw new IOException("nesting deeper than " + MAX_DEPTH);
        switch (u.getNextFormat().getValueType()) {
        case STRING:
            return new String(payload(u, u.unpackRawStringHeader(), size),
                              StandardCharsets.UTF_8);
        case BINARY:
            return payload(u, u.unpackBinaryHeader(), size);
        case EXTENSION:
            return payload(u, u.unpackExtensionTypeHeader().getLength(), size);
        case ARRAY: {
            int n = count(u, u.unpackArrayHeader(), 1, size);
            List<Object> l = new ArrayList<>();
            for (int i = 0; i < n; i++)
                l.add(read(u, size, depth + 1));
            return l;
        }
        case MAP: {
            int n = count(u, u.unpackMapHeader(), 2, size);
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                Object k = read(u, size, depth + 1);
                m.put(String.valueOf(k), read(u, size, depth + 1));
            }
            return m;
        }
        default:
            return scalar(u.unpackValue()); /* nil, bool, int, float: no length */
        }
    }

    /* n items of at least `least` bytes each must fit in what is left. */
    private static int count(MessageUnpacker u, int n, int least, int size) throws IOException {
        if (n < 0 || (long) n * least > size - u.getTotalReadBytes())
            throw new IOException("a count of " + n + " past the end of the reply");
        return n;
    }

    private static byte[] payload(MessageUnpacker u, int len, int size) throws IOException {
        if (len < 0 || len > size - u.getTotalReadBytes())
            throw new IOException("a length of " + len + " past the end of the reply");
        return u.readPayload(len);
    }

    private static void write(MessagePacker p, Object o) throws IOException {
        if (o == null) {
            p.packNil();
        } else if (o instanceof String) {
            p.packString((String) o);
        } else if (o instanceof Integer || o instanceof Long) {
            p.packLong(((Number) o).longValue());
        } else if (o instanceof Boolean) {
            p.packBoolean((Boolean) o);
        } else if (o instanceof List) {
            List<?> l = (List<?>) o;
            p.packArrayHeader(l.size());
            for (Object x : l)
                write(p, x);
        } else if (o instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) o;
            p.packMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                p.packString((String) e.getKey());
                write(p, e.getValue());
            }
        } else {
            throw new IllegalArgumentException("cannot pack a " + o.getClass().getName());
        }
    }

    private static Object scalar(Value v) {
        switch (v.getValueType()) {
        case BOOLEAN:
            return v.asBooleanValue().getBoolean();
        case INTEGER:
            if (!v.asIntegerValue().isInLongRange())
                return v.asIntegerValue().toBigInteger();
            return v.asIntegerValue().toLong();
        case FLOAT:
            return v.asFloatValue().toDouble();
        default:
            return null;
        }
    }
}
