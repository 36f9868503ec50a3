/*
 * guestimg.c - build the probe guest image and parse its report.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "guestimg.h"

static void
guestimg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
guestimg_put32(uint8_t *p, uint32_t v)
{
	guestimg_put16(p, (uint16_t)v);
	guestimg_put16(p + 2, (uint16_t)(v >> 16));
}

static uint64_t
guestimg_get(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

int
guestimg_build(const uint32_t *idx, size_t n, uint8_t img[GUESTIMG_SIZE])
{
	size_t i;

	if (guestimg_payload_end - guestimg_payload != GUESTIMG_SIZE || n > GUESTIMG_MAX_MSRS)
		return -1;
	memcpy(img, guestimg_payload, GUESTIMG_SIZE);
	guestimg_put16(img + GUESTIMG_LIST_OFF, (uint16_t)n);
	for (i = 0; i < n; i++)
		guestimg_put32(img + GUESTIMG_LIST_OFF + 2 + 4 * i, idx[i]);
	return 0;
}

int
guestimg_parse(const uint8_t *buf, size_t len, struct guestimg_msr *out, size_t max,
    char *err, size_t errsize)
{
	const uint8_t *r;
	size_t count, i;

	if (len < 3 || buf[0] != GUESTIMG_TAG_START) {
		snprintf(err, errsize, "guest report has no start record (%zu bytes)", len);
		return -1;
	}
	count = (size_t)guestimg_get(buf + 1, 2);
	if (count > max) {
		snprintf(err, errsize, "guest report announces %zu MSRs, at most %zu expected", count, max);
		return -1;
	}
	if (len < 3 + count * GUESTIMG_RECORD_SIZE + 1) {
		snprintf(err, errsize, "guest report truncated: %zu bytes for %zu MSRs", len, count);
		return -1;
	}
	for (i = 0; i < count; i++) {
		r = buf + 3 + i * GUESTIMG_RECORD_SIZE;
		if (r[0] != GUESTIMG_TAG_READ && r[0] != GUESTIMG_TAG_ABSENT) {
			snprintf(err, errsize, "guest report record %zu has tag 0x%02x", i, r[0]);
			return -1;
		}
		out[i].present = r[0] == GUESTIMG_TAG_READ;
		out[i].index = (uint32_t)guestimg_get(r + 1, 4);
		out[i].value = guestimg_get(r + 5, 8);
	}
	if (buf[3 + count * GUESTIMG_RECORD_SIZE] != GUESTIMG_TAG_END) {
		snprintf(err, errsize, "guest report has no end record after %zu MSRs", count);
		return -1;
	}
	return (int)count;
}
