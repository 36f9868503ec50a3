## tests/fuzz: libFuzzer targets (configure CC=clang --enable-fuzzing).
## tests/fuzz/fuzz.sh runs each target for MIGCOMPAT_FUZZ_SECONDS seconds.

EXTRA_DIST += tests/fuzz/fuzz.sh tests/fuzz/README.md tests/fuzz/corpus

if ENABLE_FUZZING
FUZZ_TARGETS = tests/fuzz/fuzz-profile tests/fuzz/fuzz-vmspec tests/fuzz/fuzz-domxml \
	tests/fuzz/fuzz-rules tests/fuzz/fuzz-http
noinst_PROGRAMS = $(FUZZ_TARGETS)
tests_fuzz_fuzz_profile_SOURCES = tests/fuzz/fuzz_profile.c
tests_fuzz_fuzz_profile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_vmspec_SOURCES = tests/fuzz/fuzz_vmspec.c
tests_fuzz_fuzz_vmspec_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_domxml_SOURCES = tests/fuzz/fuzz_domxml.c
tests_fuzz_fuzz_domxml_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rules_SOURCES = tests/fuzz/fuzz_rules.c
tests_fuzz_fuzz_rules_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c
tests_fuzz_fuzz_http_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
TESTS += tests/fuzz/fuzz.sh
CLEANFILES += tests/fuzz/*.out
endif
