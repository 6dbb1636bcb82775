/*
 * VersoConnection.java - one connection to versod: a ZeroMQ DEALER socket
 * speaking docs/PROTOCOL.md. Requests may be pipelined: send() several, then
 * recv() each by its id; replies arriving for other ids are kept until asked
 * for. With Keys it is a CurveZMQ client and watches the handshake through a
 * socket monitor, so that a key the server refuses is EDENIED at once rather
 * than a timeout.
 *
 * Not thread-safe: callers serialise (the plugin holds one per settings).
 * The caller owns the connection and must close() it; results are plain Java
 * values (Msgpack) owned by the caller.
 */
package verso.omegat;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

public final class VersoConnection implements AutoCloseable {
    public static final String DEFAULT_ENDPOINT = "tcp://127.0.0.1:5555";
    private static final AtomicInteger MONITORS = new AtomicInteger();
    /* The handshake failures the monitor reports: a refused key (ZAP), and a
     * broken CURVE handshake (a wrong server key, a server without keys). */
    private static final int HANDSHAKE_FAILED = Zmq.EVENT_HANDSHAKE_FAILED_AUTH
                                                | Zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                                                | Zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL;

    private final String endpoint;
    private final int timeoutMs;
    private final Zmq Z;
    private Pointer ctx, sock, monitor; /* monitor: null without keys */
    private long nextId = 1;
    private final Set<Long> pending = new HashSet<>();
    private final Map<Long, Map<String, Object>> stash = new HashMap<>();
    private VersoException refused; /* the handshake's failure, once it has failed */
    private boolean hasMore; /* the last frame read has another after it */

    /** Connects (keys may be null: a server without keys); timeoutMs bounds each recv. */
    public VersoConnection(String endpoint, Keys keys, int timeoutMs) throws VersoException {
        this.endpoint = endpoint;
        this.timeoutMs = timeoutMs;
        Z = library();
        ctx = Z.zmq_ctx_new();
        sock = ctx == null ? null : Z.zmq_socket(ctx, Zmq.DEALER);
        if (sock == null) {
            close();
            throw transport("zmq_socket");
        }
        try {
            setInt(Zmq.LINGER, 0);
            if (keys != null)
                secure(keys);
            if (Z.zmq_connect(sock, endpoint) != 0)
                throw transport("connect to \"" + endpoint + "\"");
        } catch (VersoException e) {
            close();
            throw e;
        }
    }

    private void secure(Keys keys) throws VersoException {
        setKey(Zmq.CURVE_SERVERKEY, keys.serverKey);
        setKey(Zmq.CURVE_PUBLICKEY, keys.publicKey);
        setKey(Zmq.CURVE_SECRETKEY, keys.secretKey);
        String addr = "inproc://verso-omegat-monitor-" + MONITORS.incrementAndGet();
        if (Z.zmq_socket_monitor(sock, addr, HANDSHAKE_FAILED) != 0)
            throw transport("zmq_socket_monitor");
        monitor = Z.zmq_socket(ctx, Zmq.PAIR);
        if (monitor == null || Z.zmq_connect(monitor, addr) != 0)
            throw transport("monitor connect");
    }

    /** Sends {v, id, op, ...fields} (null fields left out); returns the id. */
    public long send(String op, Map<String, ?> fields) throws VersoException {
        long id = nextId++;
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("v", 1);
        req.put("id", id);
        req.put("op", op);
        for (Map.Entry<String, ?> f : fields.entrySet())
            if (f.getValue() != null)
                req.put(f.getKey(), f.getValue());
        byte[] body;
        try {
            body = Msgpack.pack(req);
        } catch (IOException e) {
            throw new VersoException("EREPLY", "cannot encode the request: " + e.getMessage());
        }
        if (Z.zmq_send(sock, body, new NativeLong(body.length), Zmq.DONTWAIT) < 0)
            throw transport("send");
        pending.add(id);
        return id;
    }

    /** The `res` map of request id's reply; its error as a VersoException. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> recv(long id) throws VersoException {
        if (!pending.contains(id) && !stash.containsKey(id))
            throw new IllegalArgumentException("no request " + id + " in flight");
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!stash.containsKey(id))
            receiveOne(deadline);
        Map<String, Object> reply = stash.remove(id);
        if (Boolean.TRUE.equals(reply.get("ok"))) {
            Object res = reply.get("res");
            return res instanceof Map ? (Map<String, Object>) res : new HashMap<>();
        }
        throw error(reply);
    }

    /** Gives up on request id: its reply, now or later, is dropped. */
    public void forget(long id) {
        pending.remove(id);
        stash.remove(id);
    }

    @SuppressWarnings("unchecked")
    private static VersoException error(Map<String, Object> reply) {
        Object err = reply.get("err");
        Map<String, Object> e = err instanceof Map ? (Map<String, Object>) err : new HashMap<>();
        return new VersoException(String.valueOf(e.getOrDefault("code", "EREPLY")),
                                  String.valueOf(e.getOrDefault("message", "no error message")));
    }

    /** send + recv. */
    public Map<String, Object> call(String op, Map<String, ?> fields) throws VersoException {
        return recv(send(op, fields));
    }

    /* Waits until deadline for one message on the socket or the monitor. */
    @SuppressWarnings("unchecked")
    private void receiveOne(long deadline) throws VersoException {
        while (true) {
            if (refused != null)
                throw refused;
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0)
                throw new VersoException("ETIMEOUT", "no reply from " + endpoint + " within "
                                                         + timeoutMs + " ms");
            int ready = poll(left);
            if ((ready & 2) != 0)
                readMonitor();
            if ((ready & 1) == 0)
                continue;
            byte[] body = recvFrame(sock);
            if (body == null)
                continue;
            Object reply;
            try {
                reply = Msgpack.unpack(body);
            } catch (IOException e) {
                throw new VersoException("EREPLY", "a reply is not msgpack: " + e.getMessage());
            }
            if (!(reply instanceof Map))
                throw new VersoException("EREPLY", "a reply is not a map");
            Map<String, Object> m = (Map<String, Object>) reply;
            Object rid = m.get("id");
            if (rid instanceof Long && pending.remove(rid)) {
                stash.put((Long) rid, m);
                return;
            }
            /* id nil: the server could not read a request (PROTOCOL section 4); which one
             * is unknown, so the error goes to whoever waits */
            if (rid == null && !Boolean.TRUE.equals(m.get("ok")))
                throw error(m);
            /* else a reply to a request given up on (forget): dropped */
        }
    }

    /* Bit 0: the socket is readable; bit 1: the monitor is. */
    private int poll(long timeoutMs) throws VersoException {
        int n = monitor == null ? 1 : 2;
        int size = Native.POINTER_SIZE + 8; /* void *socket; int fd; short events, revents */
        Memory items = new Memory((long) size * n);
        items.clear();
        for (int i = 0; i < n; i++) {
            items.setPointer((long) size * i, i == 0 ? sock : monitor);
            items.setShort((long) size * i + Native.POINTER_SIZE + 4, (short) Zmq.POLLIN);
        }
        if (Z.zmq_poll(items, n, new NativeLong(timeoutMs)) < 0) {
            if (Native.getLastError() == Zmq.EINTR)
                return 0;
            throw transport("zmq_poll");
        }
        int ready = 0;
        for (int i = 0; i < n; i++)
            if ((items.getShort((long) size * i + Native.POINTER_SIZE + 6) & Zmq.POLLIN) != 0)
                ready |= 1 << i;
        return ready;
    }

    /* A monitor event: [u16 event, u32 value][endpoint]. */
    private void readMonitor() throws VersoException {
        byte[] head = recvFrame(monitor);
        while (head != null && hasMore)
            recvFrame(monitor); /* the endpoint frame */
        if (head == null || head.length < 6)
            return;
        int event = (head[0] & 0xff) | (head[1] & 0xff) << 8;
        long status = (head[2] & 0xffL) | (head[3] & 0xffL) << 8 | (head[4] & 0xffL) << 16
                      | (head[5] & 0xffL) << 24;
        if (event == Zmq.EVENT_HANDSHAKE_FAILED_AUTH)
            refused = new VersoException("EDENIED", "the server refused this client's key (ZAP "
                                                        + "status " + status + "): it is not "
                                                        + "on the server's allow-list");
        else
            refused = new VersoException("ETRANSPORT", "the CurveZMQ handshake with " + endpoint
                                                           + " failed: is the server key "
                                                           + "right, and does the server use "
                                                           + "keys?");
    }

    /* One frame without waiting, or null when none is there. */
    private byte[] recvFrame(Pointer s) throws VersoException {
        Memory msg = new Memory(Zmq.MSG_T_SIZE);
        Z.zmq_msg_init(msg);
        try {
            if (Z.zmq_msg_recv(msg, s, Zmq.DONTWAIT) < 0) {
                int errno = Native.getLastError();
                if (errno == Zmq.EAGAIN || errno == Zmq.EINTR)
                    return null;
                throw transport("recv");
            }
            hasMore = Z.zmq_msg_more(msg) != 0;
            int size = Z.zmq_msg_size(msg).intValue();
            return size == 0 ? new byte[0] : Z.zmq_msg_data(msg).getByteArray(0, size);
        } finally {
            Z.zmq_msg_close(msg);
        }
    }

    private void setInt(int option, int value) throws VersoException {
        byte[] b = new byte[4]; /* a C int in native byte order */
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).putInt(value);
        if (Z.zmq_setsockopt(sock, option, b, new NativeLong(4)) != 0)
            throw transport("setsockopt " + option);
    }

    private void setKey(int option, String z85) throws VersoException {
        byte[] b = z85.getBytes(StandardCharsets.US_ASCII);
        if (Z.zmq_setsockopt(sock, option, b, new NativeLong(b.length)) != 0)
            throw new VersoException("EKEYS", "libzmq refused a CurveZMQ key: "
                                                  + Z.zmq_strerror(Native.getLastError()));
    }

    /* errno as JNA saved it right after the failed call (a later call may change it) */
    private VersoException transport(String what) {
        return new VersoException("ETRANSPORT",
                                  what + ": " + Z.zmq_strerror(Native.getLastError()));
    }

    private static Zmq library() throws VersoException {
        try {
            return Zmq.LIB;
        } catch (LinkageError e) {
            throw new VersoException("ETRANSPORT", "cannot load libzmq (apt-get install libzmq5): "
                                                       + e.getMessage());
        }
    }

    /** Closes the sockets and the context; later calls do nothing. */
    @Override
    public void close() {
        if (monitor != null)
            Z.zmq_close(monitor);
        if (sock != null)
            Z.zmq_close(sock);
        if (ctx != null)
            Z.zmq_ctx_term(ctx);
        monitor = sock = ctx = null;
    }
}
