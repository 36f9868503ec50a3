## src/hook: migcompat-hook(8), the libvirt qemu hook, installed as
## $(libvirthookdir)/50-migcompat (libvirt >= 6.5 runs qemu.d/*).

libmigcompat_a_SOURCES += src/hook/hookreq.c src/hook/hookreq.h

sbin_PROGRAMS += migcompat-hook
migcompat_hook_SOURCES = src/hook/main.c
# Only what it uses: every library loaded costs start-up time on each call.
migcompat_hook_LDADD = libmigcompat.a $(CURL_LIBS) $(JSONC_LIBS)

install-exec-hook: install-libvirt-hook
uninstall-hook: uninstall-libvirt-hook

install-libvirt-hook:
	$(MKDIR_P) '$(DESTDIR)$(libvirthookdir)'
	$(INSTALL_PROGRAM) migcompat-hook$(EXEEXT) '$(DESTDIR)$(libvirthookdir)/50-migcompat'

uninstall-libvirt-hook:
	rm -f '$(DESTDIR)$(libvirthookdir)/50-migcompat'

.PHONY: install-libvirt-hook uninstall-libvirt-hook
