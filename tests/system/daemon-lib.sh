# daemon-lib.sh - start and stop real migcompatd instances on loopback for
# the system tests.  Source after common.sh.
#
# start_daemon NAME ARGS...: run migcompatd with a database, socket and log
# in the test directory, listening on 127.0.0.1 on a free port the kernel
# picks (read back from the log), and wait until it answers /healthz.  Sets
# NAME_PID, NAME_PORT, NAME_URL, NAME_SOCK, NAME_DB, NAME_LOG.  DAEMON_SCHEME
# (default http) and DAEMON_CURL_OPTS (e.g. "--cacert FILE") serve HTTPS.

DAEMON_PIDS=""
trap 'for p in $DAEMON_PIDS; do kill -TERM "$p" 2>/dev/null; done; rm -rf "$TMPDIR_TEST"' EXIT

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
command -v jq >/dev/null 2>&1 || skip_all "jq is not installed"
[ -x "$MIGCOMPATD" ] || skip_all "migcompatd is not built"

start_daemon() {
	name=$1
	shift
	db=${DB_OVERRIDE:-$TMPDIR_TEST/$name.db}
	sock=$TMPDIR_TEST/$name.sock
	log=$TMPDIR_TEST/$name.log
	listen=${LISTEN_OVERRIDE:-127.0.0.1:0}
	: >"$log"
	"$MIGCOMPATD" -f /dev/null --listen "$listen" --socket "$sock" --db "$db" --libvirt-uri none "$@" >>"$log" 2>&1 &
	pid=$!
	DAEMON_PIDS="$DAEMON_PIDS $pid"
	port=""
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | head -1)
		# shellcheck disable=SC2086
		if [ -n "$port" ] && curl -fsS ${DAEMON_CURL_OPTS:-} "${DAEMON_SCHEME:-http}://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "# $name exited early:"
			sed 's/^/#   /' "$log"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	eval "${name}_PID=$pid ${name}_PORT=$port ${name}_URL=${DAEMON_SCHEME:-http}://127.0.0.1:$port"
	eval "${name}_SOCK=$sock ${name}_DB=$db ${name}_LOG=$log"
	[ -n "$port" ]
}

# stop_daemon NAME: SIGTERM and wait (at most 10 s) for a clean exit 0.
stop_daemon() {
	eval "pid=\$${1}_PID"
	kill -TERM "$pid" 2>/dev/null || return 1
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		return 1
	fi
	wait "$pid" 2>/dev/null
}

# http METHOD URL [CURL ARGS...]: prints the body to $TMPDIR_TEST/body and
# the status code on stdout.
http() {
	m=$1
	u=$2
	shift 2
	curl -sS -o "$TMPDIR_TEST/body" -w '%{http_code}' -X "$m" "$@" "$u"
}

# expect_error STATUS METHOD URL [CURL ARGS...]: the answer has STATUS and a
# JSON error body {"error": {"code": STATUS, "message": "..."}}.
expect_error() {
	want=$1
	shift
	got=$(http "$@") || return 1
	[ "$got" = "$want" ] || { echo "status $got, want $want"; cat "$TMPDIR_TEST/body"; return 1; }
	jq -e --argjson c "$want" '.error.code == $c and (.error.message | type == "string" and length > 0)' \
	    "$TMPDIR_TEST/body" >/dev/null || { echo "not a JSON error:"; cat "$TMPDIR_TEST/body"; return 1; }
}
