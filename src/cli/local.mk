## src/cli: migcompat(1), one file per subcommand.

libmigcompat_a_SOURCES += \
	src/cli/cli.h \
	src/cli/clitable.c src/cli/clitable.h \
	src/cli/cmd_collect.c \
	src/cli/cmd_show.c \
	src/cli/httpc.c src/cli/httpc.h \
	src/cli/cmd_hosts.c \
	src/cli/cmd_diff.c \
	src/cli/cmd_import.c \
	src/cli/cmd_check.c \
	src/cli/fleetload.c src/cli/fleetload.h \
	src/cli/cmd_targets.c \
	src/cli/cmd_groups.c \
	src/cli/cmd_baseline.c

bin_PROGRAMS += migcompat
migcompat_SOURCES = src/cli/main.c
libmigcompat_a_SOURCES += src/cli/cmd_convert.c
libmigcompat_a_SOURCES += src/cli/cmd_emulate.c
libmigcompat_a_SOURCES += src/cli/cmd_whatif.c
libmigcompat_a_SOURCES += src/cli/cmd_history.c src/cli/cmd_changes.c
libmigcompat_a_SOURCES += src/cli/cmd_retire.c
