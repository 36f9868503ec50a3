## tests of reliability and security: fuzzer regressions, hostile input,
## crash safety, TLS and authentication, the systemd unit's hardening.

check_PROGRAMS += tests/unit/test-fuzz-regress
tests_unit_test_fuzz_regress_SOURCES = tests/unit/test-fuzz-regress.c

TESTS += tests/system/hostile.sh
EXTRA_DIST += tests/system/hostile.sh
TESTS += tests/system/crash.sh
EXTRA_DIST += tests/system/crash.sh
TESTS += tests/system/security.sh
EXTRA_DIST += tests/system/security.sh
TESTS += tests/system/tls.sh
EXTRA_DIST += tests/system/tls.sh
