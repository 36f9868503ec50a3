## tests for migcompatd: store, configuration and profile diff unit tests,
## and system tests against real daemons on loopback.

check_PROGRAMS += tests/unit/test-store tests/unit/test-conf tests/unit/test-pdiff
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_conf_SOURCES = tests/unit/test-conf.c
tests_unit_test_pdiff_SOURCES = tests/unit/test-pdiff.c
check_PROGRAMS += tests/unit/test-log tests/unit/test-concurrent
tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_concurrent_SOURCES = tests/unit/test-concurrent.c tests/unit/synth.c \
	tests/unit/synth.h

TESTS += \
	tests/system/daemon.sh \
	tests/system/daemon-batch.sh \
	tests/system/daemon-fleet.sh \
	tests/system/daemon-load.sh \
	tests/system/daemon-options.sh \
	tests/system/daemon-retire.sh \
	tests/system/cli-daemon.sh \
	tests/system/whatif.sh
EXTRA_DIST += \
	tests/system/whatif.sh \
	tests/system/cli-daemon.sh \
	tests/system/daemon-options.sh \
	tests/system/daemon-load.sh \
	tests/system/daemon-lib.sh \
	tests/system/diff-lib.sh \
	tests/system/daemon.sh \
	tests/system/daemon-batch.sh \
	tests/system/daemon-fleet.sh \
	tests/system/daemon-retire.sh
