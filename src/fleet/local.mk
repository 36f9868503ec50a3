## src/fleet: fleet-wide answers on equivalence classes (pure, in memory):
## targets, groups, baseline, changes.

libmigcompat_a_SOURCES += \
	src/fleet/jbuf.c src/fleet/jbuf.h \
	src/fleet/fleet.c src/fleet/fleet.h src/fleet/fleet_priv.h \
	src/fleet/fleet_targets.c src/fleet/fleet_groups.c \
	src/fleet/baseline.c src/fleet/baseline.h \
	src/fleet/cpuout.c src/fleet/cpuout.h \
	src/fleet/changes.c src/fleet/changes.h \
	src/fleet/whatif.c src/fleet/whatif_profile.c src/fleet/whatif.h
