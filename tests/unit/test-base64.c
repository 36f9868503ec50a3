/*
 * test-base64.c - the etcd client's base64 (nettle) against the RFC 4648
 * vectors, round trips and malformed input.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "etcd_priv.h"
#include "tap.h"

static const struct {
	const char *plain;
	const char *enc;
} vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
	{ "/migcompat/v1/hosts/", "L21pZ2NvbXBhdC92MS9ob3N0cy8=" },
};

int
main(void)
{
	unsigned char bin[256];
	char *s, *d;
	size_t i, n;
	static const char *bad[] = { "Zg=", "Zg", "Z===", "Zm9v!", "Zh==", "Zm9=", "Zm=v", "=m9v",
	    "Zm 9v" };

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		s = etcd_json_b64_encode(vectors[i].plain, strlen(vectors[i].plain));
		tap_ok(strcmp(s, vectors[i].enc) == 0, "encode \"%s\" -> %s (got %s)",
		    vectors[i].plain, vectors[i].enc, s);
		free(s);
		d = etcd_json_b64_decode(vectors[i].enc, &n);
		tap_ok(d != NULL && n == strlen(vectors[i].plain) &&
		    memcmp(d, vectors[i].plain, n) == 0 && d[n] == '\0', "decode %s", vectors[i].enc);
		free(d);
	}
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 37 + 11);
	for (i = 0; i <= sizeof(bin); i += 17) {
		s = etcd_json_b64_encode(bin, i);
		d = etcd_json_b64_decode(s, &n);
		tap_ok(d != NULL && n == i && memcmp(d, bin, n) == 0, "round trip of %zu binary bytes", i);
		free(s);
		free(d);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		d = etcd_json_b64_decode(bad[i], &n);
		tap_ok(d == NULL && errno == EINVAL, "\"%s\" is refused", bad[i]);
		free(d);
	}
	return tap_done();
}
