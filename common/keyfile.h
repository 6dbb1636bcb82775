/*
 * keyfile.h - CurveZMQ key files, shared by versod and the verso CLI.
 *
 * Keys are Z85 text (40 characters for 32 bytes), as libzmq takes them.
 * `keygen BASE` writes two files:
 *   BASE.pub     mode 0644: "public-key <Z85>"  - hand this out
 *   BASE.secret  mode 0600: "public-key <Z85>" and "secret-key <Z85>"
 * Lines starting with '#' are comments. A secret file that group or others
 * may read is refused, as ssh refuses such an identity file.
 * Ownership: nothing is allocated; keys are written into the caller's
 * verso_keypair or buffer (wipe a secret with explicit_bzero when done),
 * paths are borrowed for the call. Thread-safe.
 */
#ifndef VERSO_KEYFILE_H
#define VERSO_KEYFILE_H

#include "verso/err.h"

#define VERSO_KEY_LEN     40  /* Z85 characters of a CURVE key */
#define VERSO_KEYFILE_WHY 256 /* bytes of the `why` buffers below */

typedef struct verso_keypair {
    char public_key[VERSO_KEY_LEN + 1];
    char secret_key[VERSO_KEY_LEN + 1];
} verso_keypair;

/* Whether s is exactly a Z85 CURVE key (40 Z85 characters, then NUL). */
int verso_key_valid(const char *s);

/* Generates a key pair and writes BASE.pub and BASE.secret; neither may
 * exist yet (EEXIST). *out (may be NULL) receives the pair. Returns EINVAL
 * (libzmq without CURVE, or a path too long), EEXIST, EIO. */
verso_err verso_keyfile_generate(const char *base, verso_keypair *out);

/* Reads a secret file into *out. Returns EIO (unreadable), EDENIED (readable
 * by group or others), EINVAL (malformed, or the public key does not belong
 * to the secret key). `why` (may be NULL; VERSO_KEYFILE_WHY bytes) gets a
 * sentence for the user. */
verso_err verso_keyfile_read_pair(const char *path, verso_keypair *out, char *why);

/* A public key given as itself (40 Z85 characters) or as a file holding a
 * "public-key" line (a .pub or a .secret file). EINVAL or EIO, with `why`. */
verso_err verso_keyfile_read_public(const char *key_or_path, char out[VERSO_KEY_LEN + 1],
                                    char *why);

#endif
