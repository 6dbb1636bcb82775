/*
 * admincli.c - the `verso` commands of an operator: keygen (no server
 * involved) and backup, and the reading of the CurveZMQ key options.
 */
#define _GNU_SOURCE /* explicit_bzero */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "keyfile.h"

int verso_cli_keygen(verso_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc != 1)
        return VERSO_CLI_USAGE;
    verso_keypair kp;
    verso_err err = verso_keyfile_generate(argv[0], &kp);
    if (err) {
        fprintf(stderr, "verso: cannot write %s.pub and %s.secret: %s\n", argv[0], argv[0],
                verso_strerror(err));
        return 1;
    }
    printf("public key %s\nwritten to %s.pub; the key pair to %s.secret (mode 0600)\n"
           "give the server's operator the public key, with the role you need\n",
           kp.public_key, argv[0], argv[0]);
    explicit_bzero(&kp, sizeof kp);
    return 0;
}

int verso_cli_keys(const char *server_key, const char *key_file, char *skey,
                   struct verso_keypair *kp, verso_client_opts *o)
{
    char why[VERSO_KEYFILE_WHY];
    server_key = server_key && *server_key ? server_key : NULL;
    key_file = key_file && *key_file ? key_file : NULL;
    if (!server_key && !key_file)
        return 0;
    if (!server_key || !key_file) {
        fprintf(stderr, "verso: CurveZMQ needs both --server-key and --key\n");
        return -1;
    }
    if (verso_keyfile_read_public(server_key, skey, why) ||
        verso_keyfile_read_pair(key_file, kp, why)) {
        fprintf(stderr, "verso: %s\n", why);
        return -1;
    }
    o->server_key = skey;
    o->public_key = kp->public_key;
    o->secret_key = kp->secret_key;
    return 0;
}

int verso_cli_backup(verso_cli *cli, int argc, char **argv)
{
    if (argc != 1 || argv[0][0] != '/')
        return VERSO_CLI_USAGE;
    verso_backup_res *r = NULL;
    verso_err err = verso_backup(cli->client, argv[0], &r);
    if (err)
        return verso_cli_fail(cli, err);
    if (!verso_cli_json(cli)) {
        printf("backed up %.2f MiB into ", (double)r->bytes / (1 << 20));
        verso_cli_put(r->path.ptr, r->path.len);
        printf(" in %lld ms\n", (long long)r->ms);
    }
    verso_backup_res_destroy(&r);
    return 0;
}
