## man: a page for every binary and file.

dist_man_MANS += \
	man/migcompat.1 \
	man/migcompat-probe.8 \
	man/migcompat-hook.8 \
	man/migcompatd.8 \
	man/migcompatd.conf.5 \
	man/migcompat-profile.5 \
	man/migcompat-vmspec.5
