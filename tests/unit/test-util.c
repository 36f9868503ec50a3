/*
 * test-util.c - number parsing, kernel versions, time formatting, host ids.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "hostid.h"
#include "tap.h"
#include "util.h"

int
main(void)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t v;
	} hex[] = {
		{ "0x0", 0, 0 },
		{ "0x1f", 0, 0x1f },
		{ "0XABCDEF", 0, 0xabcdef },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "0x0000000000000000ffffffffffffffff", 0, UINT64_MAX },
		{ "0x10000000000000000", -1, 0 },
		{ "0x", -1, 0 },
		{ "1f", -1, 0 },
		{ "0x1g", -1, 0 },
		{ "0x1 ", -1, 0 },
		{ " 0x1", -1, 0 },
		{ "", -1, 0 },
		{ "-0x1", -1, 0 },
	};
	static const struct {
		const char *rel;
		int ok;
		unsigned ma, mi;
	} kv[] = {
		{ "6.1.0-13-amd64", 0, 6, 1 },
		{ "5.15.0-91-generic", 0, 5, 15 },
		{ "v6.3", 0, 6, 3 },
		{ "4.18.0-513.el8.x86_64", 0, 4, 18 },
		{ "6.18.44-fc-v782", 0, 6, 18 },
		{ "linux", -1, 0, 0 },
		{ "6", -1, 0, 0 },
		{ "", -1, 0, 0 },
	};
	size_t i;
	uint64_t v;
	unsigned ma, mi;
	int64_t t;
	char buf[64];

	for (i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		int r = util_parse_hex64(hex[i].s, &v);

		tap_ok(r == hex[i].ok && (r != 0 || v == hex[i].v), "util_parse_hex64(\"%s\") %s",
		    hex[i].s, hex[i].ok == 0 ? "parses" : "is refused");
	}
	tap_ok(util_parse_u64("123", 1000, &v) == 0 && v == 123, "decimal within range");
	tap_ok(util_parse_u64("1001", 1000, &v) == -1, "decimal above max refused");
	tap_ok(util_parse_u64("18446744073709551616", UINT64_MAX, &v) == -1, "decimal overflow refused");
	tap_ok(util_parse_u64("0x10", 100, &v) == 0 && v == 16, "hex via util_parse_u64");
	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		int r = util_kernel_version(kv[i].rel, &ma, &mi);

		tap_ok(r == kv[i].ok && (r != 0 || (ma == kv[i].ma && mi == kv[i].mi)),
		    "util_kernel_version(\"%s\")", kv[i].rel);
	}
	util_format_time(1764031526, buf, sizeof(buf));
	tap_ok(strcmp(buf, "2025-11-25T00:45:26Z") == 0, "format time: %s", buf);
	tap_ok(util_parse_time(buf, &t) == 0 && t == 1764031526, "parse formatted time back");
	tap_ok(util_parse_time("2025-11-25 00:45:26", &t) == -1, "non-RFC 3339 time refused");
	tap_ok(hostid_valid("a") && hostid_valid("node-01.example.com") &&
	    hostid_valid("0123456789abcdef0123456789abcdef") && hostid_valid("a:b_c"),
	    "valid host ids");
	tap_ok(!hostid_valid("") && !hostid_valid(".") && !hostid_valid("..") &&
	    !hostid_valid("a/b") && !hostid_valid("-a") && !hostid_valid("a b") &&
	    !hostid_valid("a%2f"), "invalid host ids");
	{
		/* FIPS 180-2 examples: "abc", and the empty message. */
		static const unsigned char abc[UTIL_SHA256_SIZE] = {
			0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde,
			0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
			0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
		};
		static const unsigned char empty[UTIL_SHA256_SIZE] = {
			0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8,
			0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
			0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
		};
		unsigned char d[UTIL_SHA256_SIZE];

		util_sha256("abc", 3, d);
		tap_ok(memcmp(d, abc, sizeof(d)) == 0, "util_sha256(\"abc\") is the FIPS 180-2 digest");
		util_sha256("", 0, d);
		tap_ok(memcmp(d, empty, sizeof(d)) == 0, "util_sha256 of no bytes");
	}
	return tap_done();
}
