/*
 * synth.h - synthetic full host profiles for the fleet tests and the
 * benchmark: a real VMX MSR dump from the fixtures combined with a kernel
 * release (which selects the eVMCS filter) and a CPUID/KVM variation, so
 * that every layer the rules engine compares carries data.
 */
#ifndef MIGCOMPAT_SYNTH_H
#define MIGCOMPAT_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* Kernel releases the synthetic fleet runs (each a different eVMCS filter row). */
extern const char *const synth_kernels[];
extern const size_t synth_nkernels;

/* Number of CPUID/KVM variations synth_build knows. */
#define SYNTH_NVARIANTS	3

/*
 * Load the fixture dumps under dir (instlatx64/ and vbox/), keeping one per
 * distinct set of VMX MSR values, in file name order.  Returns the number
 * loaded into *out (allocated array of allocated profiles), or -1.
 */
int synth_load_dumps(const char *dir, struct profile ***out);

/*
 * Build into p (initialised by the caller) the full profile of a host with
 * the VMX MSRs of dump, kernel release kernel and variation variant
 * (0 .. SYNTH_NVARIANTS-1): 0 every CPUID flag of the template, 1 TSX and
 * AVX-512 off (a microcode/BIOS difference) and no KVM_CAP_HYPERV_ENFORCE_CPUID,
 * 2 without TSC scaling.  The eVMCS views are emulated for the kernel.
 */
void synth_build(struct profile *p, const struct profile *dump, const char *kernel, int variant);

/* Free what synth_load_dumps returned. */
void synth_free_dumps(struct profile **v, int n);

/* A small deterministic PRNG (xorshift64*). */
static inline uint64_t
synth_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

#endif
