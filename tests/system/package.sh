#!/bin/sh
# package.sh - the Debian package: build it from a clean copy of the tracked
# files with dpkg-buildpackage, lint it, install it, run what it installed
# and purge it.  TAP.  Needs root (dpkg -i) and dpkg-buildpackage; takes
# two to four minutes.  tests/run runs it once, after the plain/valgrind
# pass (not in make check: dh_auto_test runs make check itself).
#
# Environment: MIGCOMPAT_PACKAGE_KEEP=DIR keeps the build (the .deb, the
# build log, lintian's output) in DIR.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=$(pwd)
. "$top_srcdir/tests/system/common.sh"

[ "$(id -u)" -eq 0 ] || skip_all "not root: dpkg -i and dpkg --purge need root"
command -v dpkg-buildpackage >/dev/null 2>&1 || skip_all "dpkg-buildpackage is missing (Debian package dpkg-dev)"
command -v dh >/dev/null 2>&1 || skip_all "dh is missing (Debian package debhelper)"
command -v lintian >/dev/null 2>&1 || skip_all "lintian is missing"
command -v git >/dev/null 2>&1 && git -c safe.directory='*' -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 ||
	skip_all "$top_srcdir is not a git checkout: the package is built from its tracked files"
if dpkg-query -W -f='${Status}' migcompat 2>/dev/null | grep -q 'install ok installed'; then
	skip_all "a migcompat package is installed already; this test would replace and purge it"
fi

work=${MIGCOMPAT_PACKAGE_KEEP:-$TMPDIR_TEST/pkg}
rm -rf "$work/src"
mkdir -p "$work/src"
purged=1
trap '[ "$purged" -eq 1 ] || dpkg --purge migcompat >/dev/null 2>&1; rm -rf "$TMPDIR_TEST"' EXIT

# The tracked files as they are in the work tree (uncommitted edits
# included), nothing generated: no configure, no build directories.
copy_tracked() {
	(cd "$top_srcdir" && git -c safe.directory='*' ls-files -z | tar --null -T - -cf -) |
		tar -C "$work/src" -xf - &&
	[ -f "$work/src/debian/rules" ] && [ ! -e "$work/src/configure" ]
}
check "a clean copy of the tracked files (no configure, no build output)" copy_tracked

t0=$(date +%s)
build() {
	(cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=${JOBS:-2}" \
		dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; return 1; }
}
check "dpkg-buildpackage -us -uc -b builds the binary package" build
echo "# dpkg-buildpackage took $(( $(date +%s) - t0 )) s"
deb=$(ls "$work"/migcompat_*_amd64.deb 2>/dev/null | head -1)
changes=$(ls "$work"/migcompat_*_amd64.changes 2>/dev/null | head -1)
if [ -z "$deb" ] || [ -z "$changes" ]; then
	echo "# no .deb or .changes in $work: nothing else to test"
	done_testing
	exit 1
fi

# Contents: every binary, page, unit and snippet where Debian expects it.
contents() {
	dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$work/contents"
	rc=0
	for f in /usr/bin/migcompat /usr/sbin/migcompatd /usr/sbin/migcompat-probe /usr/sbin/migcompat-hook \
	    /etc/migcompat/migcompatd.conf /etc/libvirt/hooks/qemu.d/50-migcompat \
	    /lib/systemd/system/migcompatd.service /lib/systemd/system/migcompatd.socket \
	    /usr/lib/sysusers.d/migcompat.conf /usr/lib/tmpfiles.d/migcompat.conf \
	    /usr/share/man/man1/migcompat.1.gz /usr/share/man/man5/migcompatd.conf.5.gz \
	    /usr/share/man/man5/migcompat-profile.5.gz /usr/share/man/man5/migcompat-vmspec.5.gz \
	    /usr/share/man/man8/migcompatd.8.gz /usr/share/man/man8/migcompat-probe.8.gz \
	    /usr/share/man/man8/migcompat-hook.8.gz /usr/share/doc/migcompat/copyright \
	    /usr/share/bash-completion/completions/migcompat; do
		grep -qx "$f" "$work/contents" || { echo "missing: $f"; rc=1; }
	done
	return $rc
}
check "the package has the binaries, pages, units, snippets, hook and configuration" contents
check "postinst creates the user (sysusers), the directories (tmpfiles) and enables the unit" \
	sh -c "dpkg-deb -I '$deb' postinst | grep -q 'systemd-sysusers.*migcompat.conf' &&
	    dpkg-deb -I '$deb' postinst | grep -q 'systemd-tmpfiles.*migcompat.conf' &&
	    dpkg-deb -I '$deb' postinst | grep -q \"enable 'migcompatd.service'\""

lint() {
	lintian --display-info --pedantic --tag-display-limit 0 "$changes" >"$work/lintian.out" 2>&1
	sed 's/^/lintian: /' "$work/lintian.out" | grep -v 'running with root privileges' | head -60
	! grep -q '^E: ' "$work/lintian.out"
}
check "lintian reports no error (E:) on the .changes and .deb" lint
grep -v 'running with root privileges' "$work/lintian.out" | sed 's/^/# lintian: /'

install_pkg() {
	DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" || {
		DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq || return 1
	}
	dpkg-query -W -f='${Status}' migcompat | grep -q 'install ok installed'
}
purged=0
check "dpkg -i installs the package" install_pkg

check "migcompatd --version runs from /usr/sbin" sh -c '/usr/sbin/migcompatd --version | grep -q "^migcompatd [0-9]"'
check "the system user migcompat exists (systemd-sysusers in postinst)" getent passwd migcompat
check "the hook is where libvirt runs hooks, a link to the binary" \
	sh -c '[ -L /etc/libvirt/hooks/qemu.d/50-migcompat ] && [ -x /etc/libvirt/hooks/qemu.d/50-migcompat ] &&
	    [ "$(readlink -f /etc/libvirt/hooks/qemu.d/50-migcompat)" = /usr/sbin/migcompat-hook ]'

# The compiled-in defaults are the unit's directories: /etc, /var/lib, /run.
defaults() {
	/usr/sbin/migcompatd -n -v >"$work/defaults" 2>&1 || { cat "$work/defaults"; return 1; }
	/usr/sbin/migcompatd --help >>"$work/defaults" 2>&1
	grep -E '^(config|socket|db|probe) =|--config FILE' "$work/defaults"
	grep -Eq 'configuration file \(default /etc/migcompat/migcompatd\.conf[;)]' "$work/defaults" &&
	grep -qx 'config = /etc/migcompat/migcompatd.conf' "$work/defaults" &&
	grep -qx 'socket = /run/migcompat/migcompatd.sock' "$work/defaults" &&
	grep -qx 'db = /var/lib/migcompat/migcompat.db' "$work/defaults" &&
	grep -qx 'probe = /usr/sbin/migcompat-probe' "$work/defaults"
}
check "migcompatd -n -v: config in /etc/migcompat, db in /var/lib/migcompat, socket in /run/migcompat" defaults
check "the unit starts the installed daemon with the installed configuration" \
	grep -qx 'ExecStart=/usr/sbin/migcompatd --config /etc/migcompat/migcompatd.conf' /lib/systemd/system/migcompatd.service
check "the socket unit listens where the CLI and the hook look" \
	grep -qx 'ListenStream=/run/migcompat/migcompatd.sock' /lib/systemd/system/migcompatd.socket

if [ -d /run/systemd/system ]; then
	running() {
		i=0
		while [ $i -lt 30 ]; do
			systemctl is-active --quiet migcompatd.service && [ -S /run/migcompat/migcompatd.sock ] &&
				/usr/bin/migcompat hosts >/dev/null 2>&1 && return 0
			sleep 1
			i=$((i + 1))
		done
		systemctl status --no-pager migcompatd.service
		journalctl -u migcompatd.service --no-pager | tail -20
		return 1
	}
	check "systemd runs migcompatd.service; the CLI reaches it on the default socket" running
else
	skip "the installed unit runs" "systemd is not running here (no /run/systemd/system)"
fi

if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	check "migcompat collect --no-libvirt prints this host's profile" \
		sh -c '/usr/bin/migcompat collect --no-libvirt >"$1" && grep -q "^layers" "$1"' sh "$work/profile.json"
else
	skip "migcompat collect --no-libvirt" "no read-write /dev/kvm on this machine"
fi

purge() {
	DEBIAN_FRONTEND=noninteractive dpkg --purge migcompat || return 1
	purged=1
	for f in /usr/sbin/migcompatd /usr/bin/migcompat /etc/migcompat/migcompatd.conf \
	    /etc/libvirt/hooks/qemu.d/50-migcompat /lib/systemd/system/migcompatd.service; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			echo "left behind: $f"
			return 1
		fi
	done
}
check "dpkg --purge removes the package and its files" purge

done_testing
