#!/bin/sh
# metrics.sh - /metrics of a real daemon that has served requests (writes,
# reads, compat answers, errors) passes promtool check metrics (Debian
# package prometheus), and every metric it exposes is in migcompatd(8).  TAP.
set -u
. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

command -v promtool >/dev/null 2>&1 || skip_all "promtool is not installed (Debian package prometheus)"
T=$TMPDIR_TEST
printf 'secret-token\n' >"$T/token"
chmod 600 "$T/token"
if ! start_daemon D --token-file "$T/token" --no-collect --host-id self; then
	echo "# the daemon did not start"
	done_testing
	exit 1
fi
AUTH="Authorization: Bearer secret-token"
fx=$MIGCOMPAT_FIXTURES/instlatx64
a=$(ls "$fx"/GenuineIntel*.json | head -1)
b=$(ls "$fx"/GenuineIntel*.json | sed -n 2p)

serve() {
	curl -fsS -o /dev/null -X PUT -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$a" "$D_URL/v1/hosts/ha" &&
	curl -fsS -o /dev/null -X PUT -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$b" "$D_URL/v1/hosts/hb" &&
	curl -fsS -o /dev/null "$D_URL/v1/hosts" &&
	curl -fsS -o /dev/null "$D_URL/v1/hosts/ha" &&
	curl -fsS -o /dev/null "$D_URL/v1/compat?from=ha&to=hb" &&
	curl -fsS -o /dev/null "$D_URL/v1/compat?from=ha&to=hb" &&
	curl -fsS -o /dev/null "$D_URL/v1/hosts/ha/targets" &&
	curl -fsS -o /dev/null "$D_URL/v1/groups" &&
	curl -fsS -o /dev/null "$D_URL/healthz" &&
	[ "$(http GET "$D_URL/v1/hosts/nobody")" = 404 ] &&
	[ "$(http GET "$D_URL/v1/hosts?bogus=1")" = 400 ] &&
	[ "$(http GET "$D_URL/no/such/route")" = 404 ] &&
	[ "$(http DELETE "$D_URL/v1/hosts")" = 405 ] &&
	[ "$(http PUT "$D_URL/v1/hosts/ha" --data-binary @"$a")" = 401 ]
}
check "the daemon serves writes, reads, compat answers and errors" serve

metrics() {
	curl -fsS -o "$T/metrics" -D "$T/headers" "$D_URL/metrics" || return 1
	grep -i '^content-type: text/plain' "$T/headers"
}
check "GET /metrics answers text/plain" metrics
check "promtool check metrics reports nothing" \
	sh -c "promtool check metrics <'$T/metrics' >'$T/promtool.out' 2>&1; rc=\$?; cat '$T/promtool.out'; [ \$rc -eq 0 ] && [ ! -s '$T/promtool.out' ]"
check "the requests are counted by method, route and status" \
	sh -c "grep -q '^migcompat_http_requests_total{method=\"GET\",route=\"/v1/compat\",status=\"200\"} 2\$' '$T/metrics' &&
	    grep -q '^migcompat_http_requests_total{method=\"PUT\",route=\"/v1/hosts/{id}\",status=\"401\"} 1\$' '$T/metrics' &&
	    grep -q '^migcompat_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/compat\",le=\"+Inf\"} 2\$' '$T/metrics'"

# Every family in /metrics is named in migcompatd(8), in the text a reader
# sees (the page may break a name only at a line end, never inside it).
documented() {
	mandoc -T ascii "$top_srcdir/man/migcompatd.8" 2>/dev/null | col -b >"$T/page" ||
		sed 's/\\&//g' "$top_srcdir/man/migcompatd.8" >"$T/page"
	rc=0
	for m in $(sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$T/metrics"); do
		grep -q "\\b$m\\b" "$T/page" || { echo "$m is not in migcompatd(8)"; rc=1; }
	done
	return $rc
}
check "migcompatd(8) names every metric /metrics exposes" documented

check "the daemon stops cleanly" stop_daemon D
done_testing
