## src/rules: the rules engine (pure: profiles and a VM spec in, a verdict out).

libmigcompat_a_SOURCES += \
	src/rules/evmcs.c src/rules/evmcs.h \
	src/rules/domxml.c src/rules/domxml.h

nodist_libmigcompat_a_SOURCES += src/rules/evmcs-table.c
BUILT_SOURCES += src/rules/evmcs-table.c
CLEANFILES += src/rules/evmcs-table.c
dist_pkgdata_DATA += data/evmcs-filter.tsv

src/rules/evmcs-table.c: $(top_srcdir)/data/evmcs-filter.tsv $(top_srcdir)/data/tsv2c.awk
	$(AM_V_GEN)$(MKDIR_P) src/rules && \
	$(TSV2C) -v header=evmcs.h -v type=evmcs_row -v name=evmcs_rows \
	    -v src=data/evmcs-filter.tsv $(top_srcdir)/data/evmcs-filter.tsv > $@.tmp && mv $@.tmp $@
