#!/bin/sh
# install-deps.sh - install the Debian 12 packages migcompat needs to build,
# test and run, and the npm tools of the tests (tests/install-node.sh).
# Installs only what is missing; needs root (or sudo) for apt-get.
set -eu

PKGS="build-essential autoconf automake pkg-config gawk
libjson-c-dev libmicrohttpd-dev libsqlite3-dev libxml2-dev libgnutls28-dev nettle-dev
libvirt-dev libsystemd-dev libcurl4-openssl-dev
clang libclang-rt-14-dev qemu-system-x86 binutils valgrind curl jq sqlite3 ca-certificates python3
libvirt-daemon-system libvirt-clients systemd
etcd-server etcd-client openssl wrk bash coreutils
dpkg-dev debhelper fakeroot lintian git mandoc prometheus"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# npm (for the OpenAPI validator, tests/install-node.sh): Debian's nodejs
# and npm only where there is no npm at all.  A Node.js from elsewhere
# (e.g. a nodejs package that bundles npm and conflicts with Debian's npm)
# is used as it is.
if ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
else
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "install-deps: installing$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
# The npm tools of the tests, into tests/node/ (not globally).
sh "$(dirname "$0")/install-node.sh"
