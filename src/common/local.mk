## src/common: logging, allocation, JSON helpers, the profile model.

libmigcompat_a_SOURCES += \
	src/common/log.c src/common/log.h src/common/log_journal.c \
	src/common/xmalloc.c src/common/xmalloc.h \
	src/common/util.c src/common/util.h src/common/util_sha256.c \
	src/common/jsonu.c src/common/jsonu.h \
	src/common/vmx.h \
	src/common/vmxbits.c src/common/vmxbits.h \
	src/common/kvmnested.c src/common/kvmnested.h \
	src/common/profile.c src/common/profile.h src/common/profile_priv.h \
	src/common/profile_json.c src/common/profile_parse.c \
	src/common/plibvirt.c src/common/plibvirt.h \
	src/common/report.c src/common/report.h \
	src/common/pdiff.c src/common/pdiff.h src/common/pdiff_priv.h src/common/pdiff_layers.c \
	src/common/httpx.c src/common/httpx.h

nodist_libmigcompat_a_SOURCES += src/common/vmxbits-table.c
BUILT_SOURCES += src/common/vmxbits-table.c
CLEANFILES += src/common/vmxbits-table.c
dist_pkgdata_DATA += data/vmx-bits.tsv

src/common/vmxbits-table.c: $(top_srcdir)/data/vmx-bits.tsv $(top_srcdir)/data/tsv2c.awk
	$(AM_V_GEN)$(MKDIR_P) src/common && \
	$(TSV2C) -v header=vmxbits.h -v type=vmxbits_entry -v name=vmxbits_table \
	    -v src=data/vmx-bits.tsv $(top_srcdir)/data/vmx-bits.tsv > $@.tmp && mv $@.tmp $@

## AIDA64 CPUID+MSR text dumps to profiles (migcompat convert).
libmigcompat_a_SOURCES += src/common/aida64.c src/common/aida64.h

## KVM's nested VMX MSRs per kernel release (data/kvm-nested-vmx.tsv).
nodist_libmigcompat_a_SOURCES += src/common/kvmnested-table.c
BUILT_SOURCES += src/common/kvmnested-table.c
CLEANFILES += src/common/kvmnested-table.c
dist_pkgdata_DATA += data/kvm-nested-vmx.tsv

src/common/kvmnested-table.c: $(top_srcdir)/data/kvm-nested-vmx.tsv $(top_srcdir)/data/tsv2c.awk
	$(AM_V_GEN)$(MKDIR_P) src/common && \
	$(TSV2C) -v header=kvmnested.h -v type=kvmnested_row -v name=kvmnested_table \
	    -v src=data/kvm-nested-vmx.tsv -v strcols=1,2 $(top_srcdir)/data/kvm-nested-vmx.tsv > $@.tmp && mv $@.tmp $@

## Host ids (checked by the store, the API, the daemon and the CLI alike).
libmigcompat_a_SOURCES += src/common/hostid.c src/common/hostid.h

## migcompatd.conf(5): read by migcompatd and by migcompat-hook.
libmigcompat_a_SOURCES += src/common/conf.c src/common/conf.h

## KVM's eVMCS filter of the VMX MSRs per kernel release
## (data/evmcs-filter.tsv) and the stable releases that backported changes
## to it (data/evmcs-stable.tsv): used by the probe, the rules and the fleet.
libmigcompat_a_SOURCES += src/common/evmcs.c src/common/evmcs.h

nodist_libmigcompat_a_SOURCES += src/common/evmcs-table.c src/common/evmcs-stable-table.c
BUILT_SOURCES += src/common/evmcs-table.c src/common/evmcs-stable-table.c
CLEANFILES += src/common/evmcs-table.c src/common/evmcs-stable-table.c
dist_pkgdata_DATA += data/evmcs-filter.tsv data/evmcs-stable.tsv

src/common/evmcs-table.c: $(top_srcdir)/data/evmcs-filter.tsv $(top_srcdir)/data/tsv2c.awk
	$(AM_V_GEN)$(MKDIR_P) src/common && \
	$(TSV2C) -v header=evmcs.h -v type=evmcs_row -v name=evmcs_rows \
	    -v src=data/evmcs-filter.tsv $(top_srcdir)/data/evmcs-filter.tsv > $@.tmp && mv $@.tmp $@

src/common/evmcs-stable-table.c: $(top_srcdir)/data/evmcs-stable.tsv $(top_srcdir)/data/tsv2c.awk
	$(AM_V_GEN)$(MKDIR_P) src/common && \
	$(TSV2C) -v header=evmcs.h -v type=evmcs_stable -v name=evmcs_stable_rows -v strcols=1,3,4 \
	    -v src=data/evmcs-stable.tsv $(top_srcdir)/data/evmcs-stable.tsv > $@.tmp && mv $@.tmp $@

## A string-keyed hash table (the API's profile cache, the fleet index).
libmigcompat_a_SOURCES += src/common/htab.c src/common/htab.h
