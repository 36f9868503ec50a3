## systemd/ and etc/: the service units, sysusers/tmpfiles snippets and the
## default configuration, installed by "make install".

systemdsystemunit_DATA = systemd/migcompatd.service systemd/migcompatd.socket
sysusersdir = $(prefix)/lib/sysusers.d
sysusers_DATA = systemd/sysusers.d/migcompat.conf
tmpfilesdir = $(prefix)/lib/tmpfiles.d
tmpfiles_DATA = systemd/tmpfiles.d/migcompat.conf
migcompatconfdir = $(sysconfdir)/migcompat
migcompatconf_DATA = etc/migcompatd.conf

CLEANFILES += $(systemdsystemunit_DATA) $(sysusers_DATA) $(tmpfiles_DATA) $(migcompatconf_DATA)
EXTRA_DIST += \
	systemd/migcompatd.service.in systemd/migcompatd.socket.in \
	systemd/migcompat-sysusers.conf.in systemd/migcompat-tmpfiles.conf.in \
	etc/migcompatd.conf.in

# Substituted at build time so the installed files name the real paths.
systemd_edit = $(SED) \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g'

systemd/migcompatd.service: $(top_srcdir)/systemd/migcompatd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(systemd_edit) $(top_srcdir)/systemd/migcompatd.service.in > $@.tmp && mv $@.tmp $@
systemd/migcompatd.socket: $(top_srcdir)/systemd/migcompatd.socket.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(systemd_edit) $(top_srcdir)/systemd/migcompatd.socket.in > $@.tmp && mv $@.tmp $@
systemd/sysusers.d/migcompat.conf: $(top_srcdir)/systemd/migcompat-sysusers.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd/sysusers.d && $(systemd_edit) $(top_srcdir)/systemd/migcompat-sysusers.conf.in > $@.tmp && mv $@.tmp $@
systemd/tmpfiles.d/migcompat.conf: $(top_srcdir)/systemd/migcompat-tmpfiles.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd/tmpfiles.d && $(systemd_edit) $(top_srcdir)/systemd/migcompat-tmpfiles.conf.in > $@.tmp && mv $@.tmp $@
etc/migcompatd.conf: $(top_srcdir)/etc/migcompatd.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && $(systemd_edit) $(top_srcdir)/etc/migcompatd.conf.in > $@.tmp && mv $@.tmp $@
