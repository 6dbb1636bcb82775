/*
 * VersoException.java - a failed request: the server's error code and
 * message (docs/PROTOCOL.md section 5), or one of the client's own codes:
 *   ETIMEOUT     no reply within the connection's timeout
 *   ETRANSPORT   libzmq failed (bad endpoint, socket error)
 *   EKEYS        a CurveZMQ key or key file is unusable (the message says why)
 *   EREPLY       the reply is not what docs/PROTOCOL.md describes
 * A key the server refuses at the handshake is EDENIED, as the server's own
 * refusal of an op is.
 */
package verso.omegat;

public class VersoException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String code;

    public VersoException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    /** The error code, e.g. "EDENIED" or "ETIMEOUT". */
    public String getCode() {
        return code;
    }

    /** Whether the connection may be in an unknown state and should be made anew. */
    public boolean isTransport() {
        return code.equals("ETIMEOUT") || code.equals("ETRANSPORT") || code.equals("EREPLY");
    }
}
