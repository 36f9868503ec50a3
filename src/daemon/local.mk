## src/daemon: migcompatd(8) - collection, fleet push, listeners, main().

libmigcompat_a_SOURCES += \
	src/daemon/collector.c src/daemon/collector.h \
	src/daemon/push.c src/daemon/push.h \
	src/daemon/listen.c src/daemon/listen.h

sbin_PROGRAMS += migcompatd
migcompatd_SOURCES = src/daemon/main.c
