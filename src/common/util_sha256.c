/*
 * util_sha256.c - SHA-256 (nettle's), in an object of its own so that
 * only the programs that hash link nettle.
 */
#include "config.h"

#include <stddef.h>

#include <nettle/sha2.h>

#include "util.h"

void
util_sha256(const void *data, size_t len, unsigned char out[UTIL_SHA256_SIZE])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, UTIL_SHA256_SIZE, out);
}
