/* sha256.h: SHA-256 (FIPS 180-4), for the stable scenario hash of the results
 * database. None of nmsim's dependencies provides it (zlib has only CRC-32). */
#ifndef NMSIM_SIM_SHA256_H
#define NMSIM_SIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Digest of n bytes at data into out; hex writes 64 lowercase digits and a NUL. */
void nm_sha256(const void *data, size_t n, uint8_t out[32]);
void nm_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
