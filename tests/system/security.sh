#!/bin/sh
# security.sh - the protections migcompatd promises in the SECURITY section
# of migcompatd(8): bearer tokens (every wrong length and every prefix of
# the right one refused), the token read from its own file, loopback and a
# 0660 Unix socket by default with a configurable group, the probe run as a
# separate process with a minimal environment and no inherited descriptors,
# and the systemd unit's exposure score.

. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

T=$TMPDIR_TEST
TOKEN="sec-$$-0123456789abcdef"
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"
DUMP="$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel00006F6_Conroe_CPUID.json"
[ -r "$DUMP" ] || skip_all "fixture dumps not found in $MIGCOMPAT_FIXTURES"

# ---- defaults ----
"$MIGCOMPATD" -f /dev/null -n -v >"$T/defaults" 2>&1
check "default listen is loopback only" sh -c "[ \"\$(grep '^listen = ' '$T/defaults')\" = 'listen = 127.0.0.1:7480' ]"
check "default socket mode is 0660" grep -qx 'socket_mode = 0660' "$T/defaults"
check "no token by default (TCP writes refused)" grep -qx 'token_file = ' "$T/defaults"

# ---- the probe: a separate process, minimal environment, no descriptors ----
# A stand-in probe that records its environment and open descriptors and
# prints a real dump as its profile.
cat >"$T/probe" <<EOF
#!/bin/sh
env | sort >"$T/probe.env"
ls -l /proc/\$\$/fd >"$T/probe.fds"
echo \$\$ >"$T/probe.pid"
cat "$DUMP"
EOF
chmod 755 "$T/probe"
SECRET_ENV="migcompat-secret-$$"
export SECRET_ENV
# A socket group other than the one a new socket gets anyway.
SOCK_GROUP=
if [ "$(id -u)" = 0 ]; then
	for g in nogroup kvm daemon; do
		if getent group "$g" >/dev/null && [ "$g" != "$(id -gn)" ]; then
			SOCK_GROUP=$g
			break
		fi
	done
else
	for g in $(id -Gn); do
		[ "$g" != "$(id -gn)" ] && { SOCK_GROUP=$g; break; }
	done
fi
# No --socket-mode: the socket gets the default mode.
# shellcheck disable=SC2086
start_daemon S --token-file "$T/token" --probe "$T/probe" \
    --host-id self ${SOCK_GROUP:+--socket-group $SOCK_GROUP}
unset SECRET_ENV
i=0
while [ ! -s "$T/probe.fds" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the daemon ran the probe" test -s "$T/probe.env"
check "the probe ran as its own process" sh -c "[ \"\$(cat '$T/probe.pid')\" != '$S_PID' ]"
check "the probe's environment is PATH and LC_ALL only" sh -c "grep -v '^PWD=' '$T/probe.env' | cut -d= -f1 | tr '\n' ' ' | grep -qx 'LC_ALL PATH '"
check "nothing of the daemon's environment reaches the probe" sh -c "! grep -q migcompat-secret '$T/probe.env'"
# The shell keeps descriptors of its own (the script, saved stdout): what
# must not be there is any of the daemon's sockets, databases, epoll or
# signal descriptors.
check "the probe inherits none of the daemon's sockets, databases or event descriptors" \
    sh -c "cat '$T/probe.fds'; ! grep -E 'socket:|anon_inode:|\\.db' '$T/probe.fds'"
check "the probe's profile is stored" sh -c "curl -sf $S_URL/v1/hosts/self | jq -e '.host.id == \"self\"'"

# ---- the Unix socket ----
check "Unix socket mode 0660 by default" sh -c "[ \"\$(stat -c %a '$S_SOCK')\" = 660 ]"
if [ -n "$SOCK_GROUP" ]; then
	check "Unix socket group as configured ($SOCK_GROUP, not $(id -gn))" sh -c "[ \"\$(stat -c %G '$S_SOCK')\" = '$SOCK_GROUP' ]"
else
	skip "Unix socket group as configured" "no second group to give the socket here"
fi

# ---- tokens ----
put() {
	curl -s -o "$T/body" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
	    --data-binary @"$DUMP" "$@" "$S_URL/v1/hosts/tok"
}
every_wrong() {
	# Every prefix of the token, the token with each byte changed, and
	# wrong tokens of every length up to twice the right one's.
	bad=0
	n=${#TOKEN}
	k=1
	while [ $k -le $((n * 2)) ]; do
		if [ $k -lt $n ]; then
			cand=$(printf '%s' "$TOKEN" | cut -c1-$k)
			[ "$(put -H "Authorization: Bearer $cand")" = 403 ] || { echo "prefix $cand"; bad=$((bad + 1)); }
			cand=$(printf '%s' "$TOKEN" | cut -c1-$((k - 1)))X$(printf '%s' "$TOKEN" | cut -c$((k + 1))-)
			[ "$(put -H "Authorization: Bearer $cand")" = 403 ] || { echo "changed byte $k"; bad=$((bad + 1)); }
		fi
		cand=$(head -c $k /dev/zero | tr '\0' z)
		[ "$(put -H "Authorization: Bearer $cand")" = 403 ] || { echo "length $k"; bad=$((bad + 1)); }
		k=$((k + 1))
	done
	[ "$(put -H "Authorization: Bearer ${TOKEN}${TOKEN}")" = 403 ] || bad=$((bad + 1))
	echo "$bad wrong tokens accepted"
	[ $bad -eq 0 ]
}
check "every prefix, every one-byte change and every length of a wrong token: 403" every_wrong
no_token() { [ "$(put)" = 401 ]; }
right_token() { [ "$(put -H "Authorization: Bearer $TOKEN")" = 201 ]; }
check "no token: 401" no_token
check "the right token: 201" right_token
check "the Unix socket needs no token (file modes guard it)" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$S_SOCK' -X PUT -H 'Content-Type: application/json' --data-binary @'$DUMP' http://localhost/v1/hosts/viaunix)\" = 201 ]"
check "clean shutdown" stop_daemon S

# A world-readable token file is used but warned about.
chmod 644 "$T/token"
start_daemon W --token-file "$T/token" --no-collect --host-id self >/dev/null 2>&1
check "a world-readable token file is warned about" grep -q 'world-readable' "$W_LOG"
stop_daemon W

# ---- the systemd unit ----
UNIT="$top_builddir/systemd/migcompatd.service"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip "systemd unit exposure" "systemd-analyze is not installed"
elif ! systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
	skip "systemd unit exposure" "systemd-analyze lacks --offline (systemd < 252)"
elif [ ! -r "$UNIT" ]; then
	skip "systemd unit exposure" "$UNIT is not built"
else
	score() {
		systemd-analyze security --offline=yes --no-pager "$UNIT" >"$T/analyze" 2>&1
		s=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$T/analyze")
		echo "exposure $s"
		[ -n "$s" ] && awk -v s="$s" 'BEGIN { exit !(s <= 2.0) }'
	}
	check "systemd-analyze security --offline: exposure at most 2.0" score
	check "the unit grants no capabilities" sh -c "grep -qx 'CapabilityBoundingSet=' '$UNIT' && grep -qx 'AmbientCapabilities=' '$UNIT'"
	check "the unit runs as the migcompat user" grep -qx 'User=migcompat' "$UNIT"
fi
done_testing
