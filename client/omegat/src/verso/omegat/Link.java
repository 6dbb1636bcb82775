/*
 * Link.java - the one connection a thread of the plugin keeps to versod,
 * made on first use, made anew when the settings name another server or
 * other keys, and dropped after a failure that may have left it in an
 * unknown state (timeout, transport, refused key), so that the next request
 * starts afresh. Callers hold no VersoConnection of their own; the Link owns
 * it. Thread-safe: requests through one Link are serialised.
 */
package verso.omegat;

final class Link {
    interface Request<T> {
        T run(VersoConnection c) throws VersoException;
    }

    private VersoConnection connection; /* owned; null until first use */
    private String key;                 /* the settings it was made for */

    synchronized <T> T call(Settings s, Request<T> r) throws VersoException {
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
            throw e;
        }
    }

    synchronized void close() {
        if (connection != null)
            connection.close();
        connection = null;
    }
}
