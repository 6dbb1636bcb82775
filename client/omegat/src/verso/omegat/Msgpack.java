/*
 * Msgpack.java - plain Java values to and from MessagePack, on Debian's
 * msgpack-core (org.msgpack.core).
 *
 * Packs String, Integer, Long, Boolean, null, List and Map<String, ?>.
 * Unpacks to String, Long (BigInteger past its range), Double, Boolean, null,
 * byte[], List<Object> and Map<String, Object> (a non-string key becomes its
 * text form). The caller owns every returned object.
 */
package verso.omegat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
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

    /** The single object in bytes; trailing bytes are an error, as on the server. */
    static Object unpack(byte[] bytes) throws IOException {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            Object v = toJava(u.unpackValue());
            if (u.hasNext())
                throw new IOException("bytes after the reply's object");
            return v;
        }
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

    private static Object toJava(Value v) {
        switch (v.getValueType()) {
        case NIL:
            return null;
        case BOOLEAN:
            return v.asBooleanValue().getBoolean();
        case INTEGER:
            if (!v.asIntegerValue().isInLongRange())
                return v.asIntegerValue().toBigInteger();
            return v.asIntegerValue().toLong();
        case FLOAT:
            return v.asFloatValue().toDouble();
        case STRING:
            return v.asStringValue().asString();
        case BINARY:
            return v.asBinaryValue().asByteArray();
        case ARRAY: {
            List<Object> l = new ArrayList<>();
            for (Value x : v.asArrayValue())
                l.add(toJava(x));
            return l;
        }
        case MAP: {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
                Value k = e.getKey();
                m.put(k.isStringValue() ? k.asStringValue().asString() : k.toString(),
                      toJava(e.getValue()));
            }
            return m;
        }
        default:
            return v.toString(); /* ext: kept as text, never used by the protocol */
        }
    }
}
