## src/rules: the rules engine (pure: profiles and a VM spec in, a verdict out).

libmigcompat_a_SOURCES += \
	src/rules/domxml.c src/rules/domxml.h \
	src/rules/rules.c src/rules/rules.h src/rules/rules_priv.h \
	src/rules/rules_vmx.c src/rules/rules_model.c src/rules/rules_evmcs.c src/rules/rules_cpuid.c \
	src/rules/rules_host.c src/rules/rules_hv.c src/rules/rules_libvirt.c src/rules/rules_explain.c \
	src/rules/vmspec.c src/rules/vmspec.h \
	src/rules/cpuidfeat.c src/rules/cpuidfeat.h

nodist_libmigcompat_a_SOURCES += src/rules/cpuidfeat-table.c
BUILT_SOURCES += src/rules/cpuidfeat-table.c
CLEANFILES += src/rules/cpuidfeat-table.c
dist_pkgdata_DATA += data/cpuid-features.tsv

src/rules/cpuidfeat-table.c: $(top_srcdir)/data/cpuid-features.tsv $(top_srcdir)/data/tsv2c.awk
	$(AM_V_GEN)$(MKDIR_P) src/rules && \
	$(TSV2C) -v header=cpuidfeat.h -v type=cpuidfeat_entry -v name=cpuidfeat_table \
	    -v src=data/cpuid-features.tsv $(top_srcdir)/data/cpuid-features.tsv > $@.tmp && mv $@.tmp $@

libmigcompat_a_SOURCES += \
	src/rules/rules_msr.c \
	src/rules/msrfeat.c src/rules/msrfeat.h

nodist_libmigcompat_a_SOURCES += src/rules/msrfeat-table.c
BUILT_SOURCES += src/rules/msrfeat-table.c
CLEANFILES += src/rules/msrfeat-table.c
dist_pkgdata_DATA += data/msr-features.tsv

src/rules/msrfeat-table.c: $(top_srcdir)/data/msr-features.tsv $(top_srcdir)/data/tsv2c.awk
	$(AM_V_GEN)$(MKDIR_P) src/rules && \
	$(TSV2C) -v header=msrfeat.h -v type=msrfeat_entry -v name=msrfeat_table \
	    -v src=data/msr-features.tsv $(top_srcdir)/data/msr-features.tsv > $@.tmp && mv $@.tmp $@

libmigcompat_a_SOURCES += src/rules/cpunames.c src/rules/cpunames.h \
	src/rules/vmcpu.c src/rules/vmcpu.h

nodist_libmigcompat_a_SOURCES += src/rules/cpunames-table.c
BUILT_SOURCES += src/rules/cpunames-table.c
CLEANFILES += src/rules/cpunames-table.c
dist_pkgdata_DATA += data/cpu-names.tsv data/qemu-deps.tsv data/qemu-models.tsv \
	data/libvirt-models.tsv data/qemu-machines.tsv

src/rules/cpunames-table.c: $(top_srcdir)/data/cpu-names.tsv $(top_srcdir)/data/qemu-deps.tsv \
	    $(top_srcdir)/data/qemu-models.tsv $(top_srcdir)/data/libvirt-models.tsv \
	    $(top_srcdir)/data/qemu-machines.tsv $(top_srcdir)/data/tsv2c.awk
	$(AM_V_GEN)$(MKDIR_P) src/rules && \
	$(TSV2C) -v header=cpunames.h -v type=cpunames_entry -v name=cpunames_table \
	    -v src=data/cpu-names.tsv $(top_srcdir)/data/cpu-names.tsv > $@.tmp && \
	$(TSV2C) -v header=cpunames.h -v type=cpunames_dep -v name=cpunames_deps \
	    -v src=data/qemu-deps.tsv $(top_srcdir)/data/qemu-deps.tsv >> $@.tmp && \
	$(TSV2C) -v header=cpunames.h -v type=cpunames_qmodel -v name=cpunames_qmodels -v strcols=1,3 \
	    -v src=data/qemu-models.tsv $(top_srcdir)/data/qemu-models.tsv >> $@.tmp && \
	$(TSV2C) -v header=cpunames.h -v type=cpunames_lvmodel -v name=cpunames_lvmodels -v strcols=1,4 \
	    -v src=data/libvirt-models.tsv $(top_srcdir)/data/libvirt-models.tsv >> $@.tmp && \
	$(TSV2C) -v header=cpunames.h -v type=cpunames_machine -v name=cpunames_machines \
	    -v src=data/qemu-machines.tsv $(top_srcdir)/data/qemu-machines.tsv >> $@.tmp && \
	mv $@.tmp $@
