#!/bin/sh
# daemon-load.sh - migcompatd under load, against real daemons on loopback
# and a real Unix socket: the hook's question is answered while a 16 MiB
# batch is imported, a hostile URL gives exactly one escaped log line,
# profiles without data are refused at the door, and SIGTERM and SIGHUP
# act at once while a fleet peer black-holes the push.

. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

T=$TMPDIR_TEST
echo "load-$$" >"$T/token"
chmod 600 "$T/token"
AUTH="Authorization: Bearer load-$$"
JSON='Content-Type: application/json'
XML=$top_srcdir/tests/data/domains/plain-custom.xml
FULL=$(ls "$MIGCOMPAT_FIXTURES"/instlatx64/GenuineIntel*.json | head -1)
OTHER=$(ls "$MIGCOMPAT_FIXTURES"/instlatx64/GenuineIntel*.json | sed -n 2p)
[ -r "$FULL" ] && [ -r "$OTHER" ] && [ -r "$XML" ] || skip_all "fixtures not found"

check "daemon starts (debug log)" start_daemon D -d --no-collect --token-file "$T/token" --host-id self --max-body 16M
[ -n "$D_PORT" ] || { done_testing; exit 1; }
URL=$D_URL
SOCK=$D_SOCK
put_sock() {
	curl -s -o "$T/put" -w '%{http_code}' --unix-socket "$SOCK" -X PUT -H "$JSON" --data-binary @"$2" "http://localhost/v1/hosts/$1"
}
codes=$(put_sock src "$FULL")$(put_sock dst "$OTHER")
check "two hosts uploaded over the socket" test "$codes" = 201201

# ---- the hook during a 16 MiB import ----
# A batch just under 16 MiB of full profiles under fresh ids.
size=$(jq -c . "$FULL" | wc -c)
n=$((16 * 1024 * 1024 / (size + 64) - 1))
jq -c -n --slurpfile p "$FULL" --argjson n "$n" '{hosts: [range(0; $n) | {id: "b\(.)", profile: $p[0]}]}' >"$T/batch.json"
echo "# batch: $n hosts, $(wc -c <"$T/batch.json") bytes"
hook_ask() {
	curl -s -o "$T/hook.out" -w '%{http_code} %{time_total}\n' --unix-socket "$SOCK" -X POST \
	    -H 'Content-Type: application/xml' -H 'Expect:' --data-binary @"$XML" \
	    "http://localhost/v1/compat?from=src&to=dst"
}
hook_during_import() {
	curl -s -o "$T/batch.out" -w '%{http_code}' -X POST -H "$AUTH" -H "$JSON" -H 'Expect:' \
	    --data-binary @"$T/batch.json" "$URL/v1/hosts" >"$T/batch.code" &
	bp=$!
	# Wait until the daemon has the whole body (the writer thread is on it).
	i=0
	while [ $i -lt 100 ] && ! grep -q 'POST /v1/hosts: handed to the writer' "$D_LOG"; do
		sleep 0.05
		i=$((i + 1))
	done
	: >"$T/times"
	k=0
	while [ $k -lt 10 ]; do
		hook_ask >>"$T/times"
		k=$((k + 1))
		sleep 0.02
	done
	running=0
	kill -0 $bp 2>/dev/null && running=1
	wait $bp
	{ cat "$T/times"; echo "batch still running after the hook's questions: $running; batch answer $(cat "$T/batch.code")"; } >"$T/hook.summary"
	cat "$T/hook.summary"
	[ "$(cat "$T/batch.code")" = 200 ] || return 1
	# Every answer 200, each within 200 ms.
	awk '$1 != 200 || $2 > 0.2 { bad++ } END { exit bad > 0 }' "$T/times" || return 1
	[ $running = 1 ] || echo "# the import ended before the last question: the bound held for the part that overlapped"
}
check "the hook's question is answered within 200 ms while a 16 MiB batch is imported" hook_during_import
sed 's/^/# /' "$T/hook.summary" 2>/dev/null
check "the batch was stored whole" sh -c "curl -s $URL/v1/hosts | jq -e '.hosts | length == $((n + 2))'"

# ---- one escaped log line for a hostile URL ----
log_line() {
	curl -s -o /dev/null "$URL/v1/hosts/x%0a%3c3%3eforged%1b%5b31m%00y"
	sleep 0.2
	grep -c 'forged' "$D_LOG" | grep -qx 1 || { grep -n 'forged' "$D_LOG"; return 1; }
	grep -q '^<3>forged' "$D_LOG" && return 1
	grep 'forged' "$D_LOG" | grep -F -q 'x\n<3>forged\033[31m%00y' || { grep 'forged' "$D_LOG"; return 1; }
	# No raw control character anywhere in the log.
	! LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$D_LOG"
}
check "a URL with %0a, %1b and %00 gives exactly one escaped log line" log_line

# ---- junk at the door ----
check "PUT {\"schema_version\":1}: 400 naming the missing layers" sh -c "
	c=\$(curl -s -o '$T/j1' -w '%{http_code}' -X PUT -H '$AUTH' -H '$JSON' --data '{\"schema_version\":1}' $URL/v1/hosts/bad)
	[ \"\$c\" = 400 ] && jq -e '.error.code == 400 and (.error.message | test(\"cpuid\") and test(\"vmx\"))' '$T/j1'"
check "PUT {\"msrs\":{}}: 400 naming IA32_VMX_BASIC" sh -c "
	c=\$(curl -s -o '$T/j2' -w '%{http_code}' -X PUT -H '$AUTH' -H '$JSON' --data '{\"msrs\":{}}' $URL/v1/hosts/bad)
	[ \"\$c\" = 400 ] && jq -e '.error.message | test(\"0x480\")' '$T/j2'"
check "nothing was stored for them" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' $URL/v1/hosts/bad) = 404 ]"
check "a batch with a junk entry: 400 naming it, nothing stored" sh -c "
	c=\$(curl -s -o '$T/j3' -w '%{http_code}' -X POST -H '$AUTH' -H '$JSON' --data '{\"hosts\":[{\"id\":\"ok1\",\"profile\":{\"msrs\":{\"0x480\":\"0x1\"}}},{\"id\":\"bad2\",\"profile\":{\"schema_version\":1}}]}' $URL/v1/hosts)
	[ \"\$c\" = 400 ] && jq -e '.error.message | startswith(\"hosts[1].profile (host bad2)\")' '$T/j3' &&
	[ \$(curl -s -o /dev/null -w '%{http_code}' $URL/v1/hosts/ok1) = 404 ]"
check "no junk host is a migration target" sh -c "curl -s '$URL/v1/hosts/src/targets?scenario=plain' | jq -e '[.targets[] | select(. == \"bad\" or . == \"bad2\")] | length == 0'"
check "daemon stops" stop_daemon D

# ---- SIGTERM and SIGHUP with a black-holed fleet peer ----
# A listening socket that never accepts: the push connects and waits for
# an answer that never comes (libcurl's own timeout is 30 s).
command -v python3 >/dev/null 2>&1 || { skip "black-holed fleet" "python3 is not installed"; done_testing; exit $?; }
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
time.sleep(120)' >"$T/hole.port" &
HOLE=$!
i=0
while [ ! -s "$T/hole.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
HP=$(cat "$T/hole.port")
printf '#!/bin/sh\nexec cat "%s"\n' "$FULL" >"$T/probe.sh"
chmod 755 "$T/probe.sh"
check "agent starts, pushing to a black hole" start_daemon A --probe "$T/probe.sh" --host-id agent \
    --fleet "http://127.0.0.1:$HP" --fleet-token-file "$T/token"
sleep 1
exec 3>&1
now_ms() { date +%s%3N; }
hup() {
	n0=$(grep -c 'configuration reloaded' "$A_LOG")
	t0=$(now_ms)
	kill -HUP "$A_PID"
	while [ "$(grep -c 'configuration reloaded' "$A_LOG")" -eq "$n0" ]; do
		[ $(($(now_ms) - t0)) -gt 2000 ] && { echo "no reload within 2 s"; return 1; }
		sleep 0.02
	done
	echo "# reloaded after $(($(now_ms) - t0)) ms" >&3
	curl -sf -m 1 "$A_URL/healthz" >/dev/null
}
check "SIGHUP reloads within 2 s while the push hangs" hup
term() {
	t0=$(now_ms)
	kill -TERM "$A_PID"
	while kill -0 "$A_PID" 2>/dev/null; do
		[ $(($(now_ms) - t0)) -gt 2000 ] && { echo "still running 2 s after SIGTERM"; return 1; }
		sleep 0.02
	done
	wait "$A_PID"
	rc=$?
	echo "# exited $rc after $(($(now_ms) - t0)) ms" >&3
	[ $rc -eq 0 ]
}
check "SIGTERM stops it within 2 s while the push hangs, status 0" term
kill "$HOLE" 2>/dev/null
wait "$HOLE" 2>/dev/null
done_testing
