/*
 * Keys.java - CurveZMQ keys for a connection, read the way versod and the
 * verso CLI read them (docs/SECURITY.md): a key is 40 Z85 characters, given
 * as itself or in a file written by `verso keygen BASE`:
 *   BASE.pub     "public-key <Z85>"
 *   BASE.secret  "public-key <Z85>" and "secret-key <Z85>", mode 0600
 * A secret file that its group or others have any right to is refused.
 * Immutable; the caller owns it.
 */
package verso.omegat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

public final class Keys {
    public final String serverKey, publicKey, secretKey;

    private Keys(String serverKey, String publicKey, String secretKey) {
        this.serverKey = serverKey;
        this.publicKey = publicKey;
        this.secretKey = secretKey;
    }

    /**
     * The keys for a CURVE connection, or null when both settings are empty (a server
     * without keys). serverKey: the server's key or its .pub file; clientSecretFile: this
     * client's .secret file.
     */
    public static Keys load(String serverKey, String clientSecretFile) throws VersoException {
        boolean hasServer = serverKey != null && !serverKey.isBlank();
        boolean hasClient = clientSecretFile != null && !clientSecretFile.isBlank();
        if (!hasServer && !hasClient)
            return null;
        if (hasServer != hasClient)
            throw new VersoException("EKEYS", "CurveZMQ needs both the server's public key "
                                                  + "and this client's .secret file");
        Path secret = Paths.get(clientSecretFile.trim());
        checkPrivate(secret);
        return new Keys(publicKey(serverKey.trim()), field(secret, "public-key"),
                        field(secret, "secret-key"));
    }

    /** A public key given as itself or as a file with a "public-key" line. */
    static String publicKey(String keyOrPath) throws VersoException {
        if (valid(keyOrPath) && !Files.exists(Paths.get(keyOrPath)))
            return keyOrPath;
        return field(Paths.get(keyOrPath), "public-key");
    }

    static boolean valid(String key) {
        if (key.length() != 40)
            return false;
        String z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     + ".-:+=^!/*?&<>()[]{}@%$#";
        for (int i = 0; i < key.length(); i++)
            if (z85.indexOf(key.charAt(i)) < 0)
                return false;
        return true;
    }

    private static void checkPrivate(Path secret) throws VersoException {
        Set<PosixFilePermission> open = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
        try {
            open.retainAll(Files.getPosixFilePermissions(secret));
        } catch (IOException | UnsupportedOperationException e) {
            throw new VersoException("EKEYS", "cannot read " + secret + ": " + e.getMessage());
        }
        if (!open.isEmpty())
            throw new VersoException("EKEYS", secret + " may be read or written by others: "
                                                  + "chmod 600 it");
    }

    private static String field(Path file, String name) throws VersoException {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2 && parts[0].equals(name) && valid(parts[1]))
                    return parts[1];
            }
        } catch (IOException e) {
            throw new VersoException("EKEYS", "cannot read " + file + ": " + e.getMessage());
        }
        throw new VersoException("EKEYS", file + " has no valid " + name + " line "
                                              + "(files from `verso keygen BASE`)");
    }
}
