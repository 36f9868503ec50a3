## src/probe: migcompat-probe, the small kernel helper that collects a profile.

libmigcompat_a_SOURCES += \
	src/probe/kvmdev.c src/probe/kvmdev.h \
	src/probe/guest.S src/probe/guestimg.c src/probe/guestimg.h \
	src/probe/guestrun.c src/probe/guestrun.h \
	src/probe/guestprobe.c src/probe/guestprobe.h \
	src/probe/hvcpuid.c src/probe/hvcpuid.h \
	src/probe/hwmsr.c src/probe/hwmsr.h \
	src/probe/evmcsview.c src/probe/evmcsview.h \
	src/probe/collect.c src/probe/collect.h

if WITH_LIBVIRT
libmigcompat_a_SOURCES += src/probe/lv.c src/probe/lv.h
endif

sbin_PROGRAMS += migcompat-probe
migcompat_probe_SOURCES = src/probe/main.c
