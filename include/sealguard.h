/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsealguard: ask sealguardd to seal files that the kernel cannot seal
 * natively.  The calls have exactly the contract of fcntl(F_ADD_SEALS) and
 * fcntl(F_GET_SEALS): on failure they return -1 and set errno to what the
 * kernel would have set for a natively sealable memfd.
 *
 * The daemon's socket is $SEALGUARD_SOCKET, or /run/sealguard/control.sock.
 */
#ifndef SEALGUARD_H
#define SEALGUARD_H

#ifdef __cplusplus
extern "C" {
#endif

/* Add seals (F_SEAL_* bits) to the file behind fd. 0, or -1 with errno. */
int sg_add_seals(int fd, unsigned int seals);

/* Seals in force on the file behind fd, or -1 with errno. */
int sg_get_seals(int fd);

#ifdef __cplusplus
}
#endif

#endif
