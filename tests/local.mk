## tests: unit tests (C, TAP), system tests (shell, TAP) on the real binaries.

LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	MIGCOMPAT_FIXTURES='$(FIXTURES_DIR)'; export MIGCOMPAT_FIXTURES; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	QEMU_SYSTEM='$(QEMU_SYSTEM)'; export QEMU_SYSTEM;

EXTRA_DIST += tests/unit/tap.h tests/unit/fixture.h tests/system/common.sh tests/fixtures

check_PROGRAMS += tests/unit/test-util tests/unit/test-profile tests/unit/test-kvmnested
tests_unit_test_kvmnested_SOURCES = tests/unit/test-kvmnested.c
check_PROGRAMS += tests/unit/test-evmcs tests/unit/test-rules tests/unit/test-rules-layers \
	tests/unit/test-rules-vmspec tests/unit/test-rules-alloc tests/unit/test-rules-evmcs
tests_unit_test_evmcs_SOURCES = tests/unit/test-evmcs.c
tests_unit_test_rules_evmcs_SOURCES = tests/unit/test-rules-evmcs.c
check_PROGRAMS += tests/unit/test-guestrun tests/unit/test-guest-tcg tests/unit/test-hvcpuid \
	tests/unit/test-hwmsr tests/unit/test-evmcsview
tests_unit_test_guestrun_SOURCES = tests/unit/test-guestrun.c
tests_unit_test_guest_tcg_SOURCES = tests/unit/test-guest-tcg.c
tests_unit_test_hvcpuid_SOURCES = tests/unit/test-hvcpuid.c
tests_unit_test_hwmsr_SOURCES = tests/unit/test-hwmsr.c
tests_unit_test_evmcsview_SOURCES = tests/unit/test-evmcsview.c
TESTS += tests/system/probe-guest.sh
EXTRA_DIST += tests/system/probe-guest.sh
tests_unit_test_rules_SOURCES = tests/unit/test-rules.c
check_PROGRAMS += tests/unit/test-rules-model
tests_unit_test_rules_model_SOURCES = tests/unit/test-rules-model.c
check_PROGRAMS += tests/unit/test-rules-restore
tests_unit_test_rules_restore_SOURCES = tests/unit/test-rules-restore.c
check_PROGRAMS += tests/unit/test-whatif
tests_unit_test_whatif_SOURCES = tests/unit/test-whatif.c
tests_unit_test_rules_layers_SOURCES = tests/unit/test-rules-layers.c
tests_unit_test_rules_vmspec_SOURCES = tests/unit/test-rules-vmspec.c
tests_unit_test_rules_alloc_SOURCES = tests/unit/test-rules-alloc.c
tests_unit_test_rules_alloc_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc -Wl,--wrap=calloc \
	-Wl,--wrap=realloc -Wl,--wrap=snprintf -Wl,--wrap=vsnprintf \
	-Wl,--wrap=__snprintf_chk -Wl,--wrap=__vsnprintf_chk
check_PROGRAMS += tests/unit/test-domxml tests/unit/test-plibvirt
tests_unit_test_domxml_SOURCES = tests/unit/test-domxml.c
tests_unit_test_plibvirt_SOURCES = tests/unit/test-plibvirt.c
check_PROGRAMS += tests/unit/test-hookreq
tests_unit_test_hookreq_SOURCES = tests/unit/test-hookreq.c
check_PROGRAMS += tests/unit/test-httpx
tests_unit_test_httpx_SOURCES = tests/unit/test-httpx.c
TESTS += tests/system/hook.sh tests/system/libvirt.sh
EXTRA_DIST += tests/system/hook.sh tests/system/libvirt.sh
EXTRA_DIST += \
	tests/data/domains/custom-vmx-disabled.xml \
	tests/data/domains/host-model-expanded.xml \
	tests/data/domains/passthrough-hyperv.xml \
	tests/data/domains/plain-custom.xml \
	tests/data/domains/windows-evmcs.xml \
	tests/data/domains/nested-mpx-disabled.xml \
	tests/data/domains/libvirt-spellings.xml \
	tests/data/domains/custom-forbid.xml \
	tests/data/domains/newer-names.xml \
	tests/data/domains/custom-skylake-nested.xml \
	tests/data/domains/libvirt/README.md \
	tests/data/domains/libvirt/cpu-strict1.xml \
	tests/data/domains/libvirt/cpu-exact1.xml \
	tests/data/domains/libvirt/cpu-host-model-features.xml \
	tests/data/domains/libvirt/cpu-host-passthrough-features.xml
check_PROGRAMS += tests/unit/test-fleet
tests_unit_test_fleet_SOURCES = tests/unit/test-fleet.c tests/unit/synth.c tests/unit/synth.h
TESTS += tests/system/fleet.sh tests/system/clients.sh
EXTRA_DIST += tests/system/fleet.sh tests/system/clients.sh
tests_unit_test_util_SOURCES = tests/unit/test-util.c
check_PROGRAMS += tests/unit/test-htab
tests_unit_test_htab_SOURCES = tests/unit/test-htab.c
tests_unit_test_profile_SOURCES = tests/unit/test-profile.c

TESTS += $(check_PROGRAMS)
TESTS += \
	tests/system/cli.sh \
	tests/system/emulate.sh \
	tests/system/check.sh \
	tests/system/probe.sh
EXTRA_DIST += \
	tests/system/cli.sh \
	tests/system/emulate.sh \
	tests/system/check.sh \
	tests/system/probe.sh
check_PROGRAMS += tests/unit/test-rules-msr
tests_unit_test_rules_msr_SOURCES = tests/unit/test-rules-msr.c
check_PROGRAMS += tests/unit/test-rules-hw
tests_unit_test_rules_hw_SOURCES = tests/unit/test-rules-hw.c
check_PROGRAMS += tests/unit/test-aida64
tests_unit_test_aida64_SOURCES = tests/unit/test-aida64.c
EXTRA_DIST += \
	tests/data/aida64/amd-zen4.txt \
	tests/data/aida64/garbage.txt \
	tests/data/aida64/hybrid-percpu.txt \
	tests/data/aida64/no-msr.txt \
	tests/data/aida64/old-single.txt \
	tests/data/aida64/report-layout.txt
check_PROGRAMS += tests/unit/test-cpunames
tests_unit_test_cpunames_SOURCES = tests/unit/test-cpunames.c

TESTS += tests/system/completion.sh
EXTRA_DIST += tests/system/completion.sh

## The layers of src/: each directory compiles with the include path of
## the layers it may use (Makefile.am), checked both ways.
TESTS += tests/system/layers.sh
EXTRA_DIST += tests/system/layers.sh
