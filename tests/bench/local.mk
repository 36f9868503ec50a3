## tests/bench: the fleet benchmark (sh tests/bench/run.sh); built on demand.

EXTRA_PROGRAMS += tests/bench/bench-fleet tests/bench/bench-mhd tests/bench/bench-ioctl \
	tests/bench/bench-hook tests/bench/bench-etcd-agents
tests_bench_bench_fleet_SOURCES = tests/bench/bench-fleet.c tests/unit/synth.c tests/unit/synth.h
tests_bench_bench_fleet_LDADD = $(LDADD) $(LIBVIRT_LIBS)
tests_bench_bench_fleet_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-DFIXTURES_DIR=\"$(FIXTURES_DIR)\"
tests_bench_bench_mhd_SOURCES = tests/bench/bench-mhd.c
tests_bench_bench_ioctl_SOURCES = tests/bench/bench-ioctl.c
tests_bench_bench_hook_SOURCES = tests/bench/bench-hook.c
tests_bench_bench_etcd_agents_SOURCES = tests/bench/bench-etcd-agents.c
tests_bench_bench_etcd_agents_CPPFLAGS = $(AM_CPPFLAGS) -DFIXTURES_DIR=\"$(FIXTURES_DIR)\"
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += tests/bench/run.sh tests/bench/etcd.sh tests/bench/load.sh tests/bench/pairs.lua \
	tests/bench/etcd-scale.sh tests/bench/README.md
