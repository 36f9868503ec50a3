#!/bin/sh
# rundir.sh - migcompatd run by hand, without the unit's StateDirectory= and
# RuntimeDirectory=: it creates the directories of its database and socket
# when their parent exists, and otherwise stops at once with one line that
# says what to pass.  -n -v prints the effective paths.  TAP.
set -u
. "$top_srcdir/tests/system/common.sh"
[ -x "$MIGCOMPATD" ] || skip_all "migcompatd is not built"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
T=$TMPDIR_TEST
D="$MIGCOMPATD -f /dev/null --no-collect --host-id self --libvirt-uri none --listen none"

check "-n -v prints the configuration file, the database and the socket" \
	sh -c "$D -n -v >'$T/n.out' 2>&1 && grep -qx 'config = /dev/null' '$T/n.out' &&
	    grep -q '^db = /' '$T/n.out' && grep -q '^socket = /' '$T/n.out'"

# fails NAME ARGS...: migcompatd exits non-zero within 10 s.
fails() {
	out=$1
	shift
	timeout 10 $D "$@" >"$T/$out" 2>&1
	rc=$?
	cat "$T/$out"
	[ $rc -ne 0 ] && [ $rc -ne 124 ]
}
check "a database under a missing directory: exits at once" fails db.out --db "$T/no/such/dir/m.db" --socket "$T/s.sock"
check "... with one line naming the path and --db PATH" \
	sh -c "[ \$(grep -c . '$T/db.out') -eq 1 ] &&
	    grep -qx 'migcompatd: db $T/no/such/dir/m.db: cannot create $T/no/such/dir: No such file or directory; pass --db PATH' '$T/db.out'"
check "a socket under a missing directory: exits at once" fails sock.out --db "$T/m.db" --socket "$T/no/such/dir/s.sock"
check "... with one error line naming the path and --socket PATH" \
	sh -c "[ \$(grep -c 'pass --socket PATH' '$T/sock.out') -eq 1 ] &&
	    grep -qx 'migcompatd: socket $T/no/such/dir/s.sock: cannot create $T/no/such/dir: No such file or directory; pass --socket PATH (or socket = none)' '$T/sock.out'"
if [ "$(id -u)" -ne 0 ]; then
	mkdir -p "$T/ro" && chmod 0555 "$T/ro"
	check "a socket in a directory it may not write: one line with --socket PATH" \
		sh -c "! timeout 10 $D --db '$T/m2.db' --socket '$T/ro/s.sock' >'$T/ro.out' 2>&1 &&
		    grep -q 'socket $T/ro/s.sock: Permission denied; pass --socket PATH' '$T/ro.out'"
else
	skip "a socket in a directory it may not write" "root may write anywhere"
fi

# The parents exist: both directories are created and the daemon serves.
$D --db "$T/state/m.db" --socket "$T/run/s.sock" >"$T/ok.out" 2>&1 &
pid=$!
serves() {
	i=0
	while [ $i -lt 100 ]; do
		curl -fsS --unix-socket "$T/run/s.sock" http://localhost/healthz >/dev/null 2>&1 && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	cat "$T/ok.out"
	[ -d "$T/state" ] && [ -S "$T/run/s.sock" ] && [ -f "$T/state/m.db" ] &&
		curl -fsS --unix-socket "$T/run/s.sock" http://localhost/healthz
}
check "missing directories under existing parents are created; the daemon serves" serves
kill -TERM $pid 2>/dev/null
wait $pid 2>/dev/null
check "the state directory is private (0750)" sh -c "[ \$(stat -c %a '$T/state') = 750 ]"

done_testing
