/*
 * Zmq.java - the few libzmq calls the plugin needs, bound through JNA to the
 * system's libzmq.so.5.
 *
 * Why not a Java binding: Debian's JeroMQ (0.3.6) and jzmq (3.1.0) cannot do
 * CurveZMQ, which a Verso server with keys requires. JNA ships with OmegaT
 * and libzmq5 is on every machine that runs versod's clients.
 *
 * Memory: sockets and contexts are owned by whoever created them and must be
 * closed with zmq_close / zmq_ctx_term. A zmq_msg_t is 64 bytes of native
 * memory (a JNA Memory), never a Java array.
 */
package verso.omegat;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

public interface Zmq extends Library {
    Zmq LIB = load();

    /* libzmq.so comes only with libzmq3-dev; a translator's machine has libzmq.so.5. */
    static Zmq load() {
        try {
            return Native.load("zmq", Zmq.class);
        } catch (UnsatisfiedLinkError e) {
            return Native.load("libzmq.so.5", Zmq.class);
        }
    }

    int PAIR = 0, DEALER = 5;
    int LINGER = 17, CURVE_PUBLICKEY = 48, CURVE_SECRETKEY = 49, CURVE_SERVERKEY = 50;
    int DONTWAIT = 1, POLLIN = 1;
    int EVENT_HANDSHAKE_FAILED_NO_DETAIL = 0x0800, EVENT_HANDSHAKE_FAILED_PROTOCOL = 0x2000,
        EVENT_HANDSHAKE_FAILED_AUTH = 0x4000;
    int EAGAIN = 11, EINTR = 4;
    int MSG_T_SIZE = 64; /* sizeof (zmq_msg_t) */

    Pointer zmq_ctx_new();

    int zmq_ctx_term(Pointer ctx);

    Pointer zmq_socket(Pointer ctx, int type);

    int zmq_close(Pointer socket);

    int zmq_setsockopt(Pointer socket, int option, byte[] value, NativeLong len);

    int zmq_connect(Pointer socket, String endpoint);

    int zmq_socket_monitor(Pointer socket, String endpoint, int events);

    int zmq_send(Pointer socket, byte[] buf, NativeLong len, int flags);

    int zmq_msg_init(Pointer msg);

    int zmq_msg_recv(Pointer msg, Pointer socket, int flags);

    Pointer zmq_msg_data(Pointer msg);

    NativeLong zmq_msg_size(Pointer msg);

    int zmq_msg_more(Pointer msg);

    int zmq_msg_close(Pointer msg);

    int zmq_poll(Pointer items, int nitems, NativeLong timeoutMs);

    String zmq_strerror(int errnum);
}
