#!/bin/sh
# daemon-retire.sh - retiring hosts (DELETE /v1/hosts/ID, migcompat retire)
# against real daemons on loopback: the token check of writes, the host
# gone from the host list, targets, groups and baselines, compat answered
# 410 naming the time, its profile and history still served and marked,
# retiring twice, an unknown host, a new upload bringing it back (logged),
# /healthz and /metrics counting the hosts not retired and the retired ones,
# and migcompat retire over the Unix socket and over HTTPS with the test CA.
. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

[ -d "$MIGCOMPAT_FIXTURES" ] || skip_all "fixtures not found at $MIGCOMPAT_FIXTURES"
T=$TMPDIR_TEST
X="$MIGCOMPAT_FIXTURES/instlatx64"
sky="$X/GenuineIntel00506E3_SkyLake_01_CPUID.json"
coffee="$X/GenuineIntel00906EA_Coffeelake_CPUID.json"
haswell="$X/GenuineIntel00306C3_Haswell_CPUID.json"
zen="$X/AuthenticAMD0800F11_K17_Zen2_CPUID.json"
echo "retire-$$" >"$T/token"
chmod 600 "$T/token"
AUTH="Authorization: Bearer retire-$$"

check "daemon starts with a token" start_daemon D --no-collect --host-id self --token-file "$T/token"
[ -n "$D_PORT" ] || { done_testing; exit 1; }
U=$D_URL
S="--socket $D_SOCK"
for f in sky coffee haswell zen; do
	eval "p=\$$f"
	"$MIGCOMPAT" import $S --host-id $f "$p" >/dev/null
done

# Before: coffee is a host, a target of haswell (plain) and in a group.
check "before: coffee listed" sh -c "curl -sf $U/v1/hosts | jq -e '[.hosts[].id] | index(\"coffee\") != null' >/dev/null"
check "before: coffee a plain target of haswell" sh -c "curl -sf '$U/v1/hosts/haswell/targets?scenario=plain' | jq -e '.targets | index(\"coffee\") != null' >/dev/null"
check "before: coffee in a group" sh -c "curl -sf $U/v1/groups | jq -e '[.classes[].host_ids[]] | index(\"coffee\") != null' >/dev/null"
# /healthz and /metrics count the hosts not retired, /metrics the retired ones apart.
counts() {	# active retired
	curl -sf "$U/healthz" | jq -e ".hosts == $1" >/dev/null &&
	curl -sf "$U/metrics" >"$T/metrics" &&
	grep -qx "migcompat_hosts $1" "$T/metrics" && grep -qx "migcompat_hosts_retired $2" "$T/metrics"
}
check "before: /healthz and /metrics count 4 hosts, 0 retired" counts 4 0

# The token check of writes.
check "DELETE without a token over TCP: 401" expect_error 401 DELETE "$U/v1/hosts/coffee"
check "DELETE with a wrong token: 403" expect_error 403 DELETE "$U/v1/hosts/coffee" -H "Authorization: Bearer nope"
check "still listed after the refused ones" sh -c "curl -sf $U/v1/hosts | jq -e '[.hosts[].id] | index(\"coffee\") != null' >/dev/null"
check "DELETE with the token: 200 with the time" sh -c "[ \"\$(curl -s -o '$T/del' -w '%{http_code}' -X DELETE -H '$AUTH' $U/v1/hosts/coffee)\" = 200 ] && jq -e '.host == \"coffee\" and .already_retired == false and (.retired_at | test(\"^[0-9-]+T[0-9:]+Z\$\"))' '$T/del'"
at=$(jq -r .retired_at "$T/del")
check "the log says who retired what" grep -q "host coffee retired by 127.0.0.1 with the token (version 1" "$D_LOG"

# Gone from the fleet.
check "GET /v1/hosts leaves it out" sh -c "curl -sf $U/v1/hosts | jq -e '([.hosts[].id] | index(\"coffee\") == null) and (.hosts | length == 3)' >/dev/null"
check "?retired=only lists it alone, marked" sh -c "curl -sf '$U/v1/hosts?retired=only' | jq -e '.hosts | length == 1 and .[0].id == \"coffee\" and .[0].retired == true and .[0].retired_at == \"$at\"' >/dev/null"
check "?retired=include lists every host" sh -c "curl -sf '$U/v1/hosts?retired=include' | jq -e '(.hosts | length == 4) and ([.hosts[] | select(.retired)] | length == 1)' >/dev/null"
check "?retired=garbage: 400" expect_error 400 GET "$U/v1/hosts?retired=garbage"
check "/healthz and /metrics count 3 hosts, 1 retired" counts 3 1
check "no longer a target of haswell" sh -c "curl -sf '$U/v1/hosts/haswell/targets?scenario=plain' | jq -e '.targets | index(\"coffee\") == null' >/dev/null"
check "in no group" sh -c "curl -sf $U/v1/groups | jq -e '([.classes[].host_ids[]] | index(\"coffee\") == null) and .hosts == 3' >/dev/null"
check "compat to it: 410 naming the time" sh -c "[ \"\$(curl -s -o '$T/c' -w '%{http_code}' '$U/v1/compat?from=sky&to=coffee')\" = 410 ] && jq -e '.error.code == 410 and .error.message == \"host coffee was retired at $at\" and .error.retired_at == \"$at\"' '$T/c'"
check "compat from it: 410" expect_error 410 GET "$U/v1/compat?from=coffee&to=sky"
check "POST compat to it: 410" expect_error 410 POST "$U/v1/compat" -H 'Content-Type: application/json' -d '{"from": "sky", "to": "coffee"}'
check "its targets: 410" expect_error 410 GET "$U/v1/hosts/coffee/targets"
check "a baseline naming it: 410" expect_error 410 POST "$U/v1/baseline" -H 'Content-Type: application/json' -d '{"hosts": ["sky", "coffee"]}'
check "migcompat check with it: the daemon's reason" sh -c "! '$MIGCOMPAT' check $S sky coffee >/dev/null 2>'$T/e' && grep -q 'retired at $at' '$T/e'"

# Still served, marked retired.
check "its profile: 200 with Migcompat-Retired-At" sh -c "curl -sfi $U/v1/hosts/coffee | tr -d '\\r' | grep -qx 'Migcompat-Retired-At: $at'"
check "an active host has no such header" sh -c "curl -sfi $U/v1/hosts/sky >'$T/sky' && grep -q '^HTTP/[0-9.]* 200' '$T/sky' && ! grep -qi '^Migcompat-Retired-At' '$T/sky'"
check "its history: served, marked" sh -c "curl -sf $U/v1/hosts/coffee/history | jq -e '.retired == true and .retired_at == \"$at\" and (.versions | length == 1)' >/dev/null"
check "migcompat history says retired" sh -c "'$MIGCOMPAT' history $S coffee | tail -1 | grep -qx 'retired at $at'"
check "its diff is served" sh -c "curl -sf $U/v1/hosts/coffee/diff >/dev/null"

# Again, unknown, invalid, other methods.
sleep 1
check "DELETE again: 200, already, the first time" sh -c "curl -sf -X DELETE -H '$AUTH' $U/v1/hosts/coffee | jq -e '.already_retired == true and .retired_at == \"$at\"' >/dev/null"
check "DELETE of an unknown host: 404" expect_error 404 DELETE "$U/v1/hosts/nosuch" -H "$AUTH"
check "DELETE of an invalid id: 400" expect_error 400 DELETE "$U/v1/hosts/a%20b" -H "$AUTH"
check "DELETE with a query: 400" expect_error 400 DELETE "$U/v1/hosts/sky?force=1" -H "$AUTH"
check "DELETE /v1/hosts: 405 with Allow: GET, POST" sh -c "curl -si -X DELETE -H '$AUTH' $U/v1/hosts | tr -d '\\r' | grep -qx 'Allow: GET, POST'"
check "PATCH /v1/hosts/ID: 405 with Allow: GET, PUT, DELETE" sh -c "curl -si -X PATCH -H '$AUTH' $U/v1/hosts/sky | tr -d '\\r' | grep -qx 'Allow: GET, PUT, DELETE'"
check "the Unix socket needs no token" sh -c "curl -sf --unix-socket '$D_SOCK' -X DELETE http://localhost/v1/hosts/coffee | jq -e '.already_retired' >/dev/null"

# A new upload brings it back, and the daemon says so.
check "an upload of it again: 200, unchanged" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H '$AUTH' -H 'Content-Type: application/json' --data-binary @'$coffee' $U/v1/hosts/coffee)\" = 200 ]"
check "the log says it is back" grep -q "host coffee, retired at $at, is back: uploaded again from 127.0.0.1 with the token" "$D_LOG"
check "back: /healthz and /metrics count 4 hosts, 0 retired" counts 4 0
check "listed again, not retired" sh -c "curl -sf $U/v1/hosts | jq -e '.hosts[] | select(.id == \"coffee\") | .retired == false' >/dev/null"
check "a target of haswell again" sh -c "curl -sf '$U/v1/hosts/haswell/targets?scenario=plain' | jq -e '.targets | index(\"coffee\") != null' >/dev/null"
check "compat answers again" sh -c "curl -sf '$U/v1/compat?from=sky&to=coffee' | jq -e '.verdict' >/dev/null"
check "its history: not retired" sh -c "curl -sf $U/v1/hosts/coffee/history | jq -e '.retired == false and (has(\"retired_at\") | not)' >/dev/null"

# migcompat retire and hosts over the Unix socket.
check "migcompat retire HOST: what it did" sh -c "'$MIGCOMPAT' retire $S zen | grep -q '^zen: retired at '"
check "migcompat retire an unknown host among others: exit 2, the others retired" sh -c "'$MIGCOMPAT' retire $S nosuch coffee >'$T/o' 2>'$T/e'; [ \$? = 2 ] && grep -q 'nosuch: .*no host' '$T/e' && grep -q '^coffee: retired at ' '$T/o'"
check "migcompat retire --json" sh -c "'$MIGCOMPAT' retire --json $S zen coffee | jq -e '[.hosts[].already_retired] == [true, true]' >/dev/null"
check "migcompat retire without a host: usage" sh -c "'$MIGCOMPAT' retire $S 2>/dev/null; [ \$? = 2 ]"
check "migcompat hosts leaves them out" sh -c "'$MIGCOMPAT' hosts $S >'$T/h' && ! grep -q '^zen \|^coffee ' '$T/h' && grep -q '^sky ' '$T/h' && ! grep -q RETIRED '$T/h'"
check "migcompat hosts --retired: only them, with the time" sh -c "'$MIGCOMPAT' hosts --retired $S >'$T/h' && [ \$(wc -l <'$T/h') = 3 ] && grep -q '^coffee .*20[0-9-]*T' '$T/h' && grep -q '^zen ' '$T/h' && head -1 '$T/h' | grep -q RETIRED"
check "migcompat hosts --retired --all: usage, exit 2" sh -c "'$MIGCOMPAT' hosts --retired --all $S >'$T/o' 2>'$T/e'; [ \$? = 2 ] && [ ! -s '$T/o' ] && grep -q 'give one of them' '$T/e'"
check "migcompat hosts --all: every host" sh -c "'$MIGCOMPAT' hosts --all $S | tail -n +2 | wc -l | grep -qx 4"
check "the daemon stops cleanly (exit 0)" stop_daemon D

# HTTPS with the test CA: migcompat retire --cacert --token-file.
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=migcompat test ca" \
	    -keyout "$T/ca.key" -out "$T/ca.pem" >/dev/null 2>&1
	printf 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' >"$T/server.ext"
	openssl req -newkey rsa:2048 -nodes -subj "/CN=server" -keyout "$T/server.key" \
	    -out "$T/server.csr" >/dev/null 2>&1
	openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	    -days 2 -extfile "$T/server.ext" -out "$T/server.pem" >/dev/null 2>&1
	chmod 600 "$T"/*.key
	start_daemon_tls() {
		DAEMON_SCHEME=https DAEMON_CURL_OPTS="--cacert $T/ca.pem" start_daemon "$@"
	}
	check "daemon starts with HTTPS" start_daemon_tls H --no-collect --host-id self \
	    --token-file "$T/token" --tls-cert "$T/server.pem" --tls-key "$T/server.key"
	TLSOPT="--server $H_URL --cacert $T/ca.pem"
	"$MIGCOMPAT" import --socket "$H_SOCK" --host-id sky "$sky" >/dev/null
	check "HTTPS: migcompat retire without a token: refused, HTTP 401" sh -c "! '$MIGCOMPAT' retire $TLSOPT sky 2>'$T/e' && grep -q 'HTTP 401' '$T/e'"
	check "HTTPS: migcompat retire --cacert --token-file" sh -c "'$MIGCOMPAT' retire $TLSOPT --token-file '$T/token' sky | grep -q '^sky: retired at '"
	check "HTTPS: the host is retired" sh -c "curl -sf --cacert '$T/ca.pem' '$H_URL/v1/hosts?retired=only' | jq -e '.hosts[0].id == \"sky\"' >/dev/null"
	check "HTTPS: the log names the client" grep -q "host sky retired by 127.0.0.1 with the token" "$H_LOG"
	check "HTTPS: migcompat retire an unknown host: 404 named" sh -c "! '$MIGCOMPAT' retire $TLSOPT --token-file '$T/token' nosuch 2>'$T/e' && grep -q 'nosuch' '$T/e'"
	check "the HTTPS daemon stops cleanly (exit 0)" stop_daemon H
else
	skip "HTTPS" "openssl is not installed"
fi
done_testing
