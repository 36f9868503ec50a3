/*
 * guestimg.h - the probe guest: the image layout shared by guest.S and the
 * host side, building an image with an MSR list, and parsing the report the
 * guest writes over port I/O.
 *
 * The image is one 512-byte sector of 16-bit real-mode code, loaded at
 * 0000:7C00 (where a PC BIOS loads a boot sector, and where the probe puts
 * it in a KVM guest).  The MSR list lives inside the sector at
 * GUESTIMG_LIST_OFF: a 16-bit count followed by 32-bit indices.  The guest
 * reports on port GUESTIMG_PORT, one byte per OUT:
 *
 *	'S' count(2 bytes LE)
 *	count records of 13 bytes: tag ('M' read, 'A' absent: RDMSR raised
 *	    #GP), index (4 bytes LE), value (8 bytes LE, 0 when absent)
 *	'E'
 *
 * then writes GUESTIMG_DONE_VALUE to port GUESTIMG_DONE_PORT (the QEMU
 * isa-debug-exit port) and halts with interrupts off.
 */
#ifndef MIGCOMPAT_GUESTIMG_H
#define MIGCOMPAT_GUESTIMG_H

#define GUESTIMG_LOAD		0x7c00
#define GUESTIMG_SIZE		512
#define GUESTIMG_LIST_OFF	0x100
#define GUESTIMG_MAX_MSRS	((GUESTIMG_SIZE - 2 - GUESTIMG_LIST_OFF - 2) / 4)
#define GUESTIMG_PORT		0xe9
#define GUESTIMG_DONE_PORT	0xf4
#define GUESTIMG_DONE_VALUE	0x10
#define GUESTIMG_TAG_START	0x53	/* 'S' */
#define GUESTIMG_TAG_READ	0x4d	/* 'M' */
#define GUESTIMG_TAG_ABSENT	0x41	/* 'A' */
#define GUESTIMG_TAG_END	0x45	/* 'E' */
#define GUESTIMG_RECORD_SIZE	13

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>

/* The payload assembled from guest.S, GUESTIMG_SIZE bytes, list empty. */
extern const uint8_t guestimg_payload[];
extern const uint8_t guestimg_payload_end[];

/* One MSR as the guest reported it. */
struct guestimg_msr {
	uint32_t index;
	int present;		/* 0: RDMSR raised #GP */
	uint64_t value;
};

/*
 * Copy the payload into img (GUESTIMG_SIZE bytes) and write the list of n
 * MSR indices into it.  Returns 0, or -1 when n exceeds GUESTIMG_MAX_MSRS
 * or the embedded payload has the wrong size.
 */
int guestimg_build(const uint32_t *idx, size_t n, uint8_t img[GUESTIMG_SIZE]);

/*
 * Parse len bytes of a guest report into out (room for max entries).
 * Returns the number of records, or -1 with a message in err when the
 * report is truncated, malformed or holds more than max records.
 */
int guestimg_parse(const uint8_t *buf, size_t len, struct guestimg_msr *out, size_t max,
    char *err, size_t errsize);

#endif
#endif
