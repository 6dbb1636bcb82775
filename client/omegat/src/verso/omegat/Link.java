/*
 * Link.java - the one connection a thread of the plugin keeps to versod,
 * made on first use, made anew when the settings name another server or
 * other keys, and dropped after a failure that may have left it in an
 * unknown state (timeout, transport, refused key), so that the next request
 * starts afresh. After a timeout, requests fail at once for RETRY_MS: OmegaT
 * asks for every segment the translator passes, and each would otherwise wait
 * out the timeout of a server that is down, one after the other.
 * Callers hold no VersoConnection of their own; the Link owns it.
 * Thread-safe: requests through one Link are serialised.
 */
package verso.omegat;

final class Link {
    interface Request<T> {
        T run(VersoConnection c) throws VersoException;
    }

    static final long RETRY_MS = 10_000;

    private VersoConnection connection; /* owned; null until first use */
    private String key;                 /* the settings it was made for */
    private long quietUntil;            /* System.nanoTime() before which we fail at once */
    private String quietWhy;

    synchronized <T> T call(Settings s, Request<T> r) throws VersoException {
        if (quietWhy != null && System.nanoTime() - quietUntil < 0 && s.connectionKey().equals(key))
            throw new VersoException("ETIMEOUT", quietWhy + "; trying again within "
                                                     + RETRY_MS / 1000 + " s");
        quietWhy = null;
        if (connection == null || !s.connectionKey().equals(key)) {
            close();
            connection = new VersoConnection(s.endpoint, Keys.load(s.serverKey, s.clientKey),
                                             Settings.TIMEOUT_MS);
            key = s.connectionKey();
        }
        try {
            return r.run(connection);
        } catch (VersoException e) {
            if (e.isTransport() || e.getCode().equals("EDENIED"))
                close();
            if (e.getCode().equals("ETIMEOUT")) {
                quietUntil = System.nanoTime() + RETRY_MS * 1_000_000L;
                quietWhy = e.getMessage();
            }
            throw e;
        }
    }

    synchronized void close() {
        if (connection != null)
            connection.close();
        connection = null;
    }
}
