## tests/fuzz: libFuzzer targets (configure CC=clang --enable-fuzzing).
## tests/fuzz/fuzz.sh runs each target for MIGCOMPAT_FUZZ_SECONDS seconds.

EXTRA_DIST += tests/fuzz/fuzz.sh tests/fuzz/README.md

if ENABLE_FUZZING
FUZZ_TARGETS = tests/fuzz/fuzz-profile
noinst_PROGRAMS = $(FUZZ_TARGETS)
tests_fuzz_fuzz_profile_SOURCES = tests/fuzz/fuzz_profile.c
tests_fuzz_fuzz_profile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
TESTS += tests/fuzz/fuzz.sh
endif
