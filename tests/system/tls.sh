#!/bin/sh
# tls.sh - HTTPS through libmicrohttpd's GnuTLS support, against a test CA
# made here with openssl: the server certificate, client certificates as a
# second way to write, a client certificate of another CA refused, reads
# restricted with auth_reads, the Unix socket still plain, agents pushing
# to a fleet node on HTTPS, bad TLS configurations refused with a clear
# message.

. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"
T=$TMPDIR_TEST
echo "tls-$$" >"$T/token"
chmod 600 "$T/token"
AUTH="Authorization: Bearer tls-$$"
JSON='Content-Type: application/json'
DUMP=$MIGCOMPAT_FIXTURES/vbox/vbox_cpudb_i7-6700K.json

# ca NAME: a self-signed CA; cert NAME CA EXT: a key and certificate signed by CA.
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=migcompat test $1" \
	    -keyout "$T/$1.key" -out "$T/$1.pem" >/dev/null 2>&1
}
cert() {
	printf '%s\n' "$3" >"$T/$1.ext"
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$T/$1.key" -out "$T/$1.csr" \
	    >/dev/null 2>&1 &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/$2.pem" -CAkey "$T/$2.key" -CAcreateserial \
	    -days 2 -extfile "$T/$1.ext" -out "$T/$1.pem" >/dev/null 2>&1
}
check "a test CA" ca ca
check "a second, unrelated CA" ca rogue
check "a server certificate for 127.0.0.1" cert server ca "subjectAltName = IP:127.0.0.1
extendedKeyUsage = serverAuth"
check "a client certificate of the CA" cert client ca "extendedKeyUsage = clientAuth"
check "a client certificate of the other CA" cert intruder rogue "extendedKeyUsage = clientAuth"
chmod 600 "$T"/*.key
start_daemon_tls() {
	DAEMON_SCHEME=https DAEMON_CURL_OPTS="--cacert $T/ca.pem" start_daemon "$@"
}

check "daemon starts with HTTPS and client certificates" start_daemon_tls S --no-collect \
    --host-id self --token-file "$T/token" --tls-cert "$T/server.pem" --tls-key "$T/server.key" \
    --tls-client-ca "$T/ca.pem"
[ -n "$S_PORT" ] || { done_testing; exit 1; }
U=https://127.0.0.1:$S_PORT

status_is() {	# status_is STATUS CURL_ARGS...: the answer has STATUS (000: none came)
	want=$1
	shift
	got=$(curl -s -o "$T/body" -w '%{http_code}' "$@")
	[ "$got" = "$want" ] || { echo "status $got, want $want"; cat "$T/body"; return 1; }
}
check "the log says HTTPS" grep -q "listening on 127.0.0.1:$S_PORT (HTTPS, client certificates accepted)" "$S_LOG"
check "healthz over HTTPS, server verified against the test CA" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$T/ca.pem' $U/healthz)\" = 200 ]"
check "a client that does not trust the CA refuses the server" sh -c "! curl -sf -o /dev/null $U/healthz"
check "plain HTTP on the HTTPS port gets no answer" sh -c "! curl -sf -m 3 -o /dev/null http://127.0.0.1:$S_PORT/healthz"
check "the certificate is the test CA's" sh -c "echo | openssl s_client -connect 127.0.0.1:$S_PORT -CAfile '$T/ca.pem' 2>/dev/null | grep -q 'Verify return code: 0'"
check "a write without token or certificate: 401" status_is 401 --cacert "$T/ca.pem" -X PUT -H "$JSON" --data-binary @"$DUMP" $U/v1/hosts/a
check "a write with the CA's client certificate: 201" status_is 201 --cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client.key" -X PUT -H "$JSON" --data-binary @"$DUMP" $U/v1/hosts/a
check "a write with another CA's client certificate: 401" status_is 401 --cacert "$T/ca.pem" --cert "$T/intruder.pem" --key "$T/intruder.key" -X PUT -H "$JSON" --data-binary @"$DUMP" $U/v1/hosts/b
check "a write with the token over HTTPS: 201" status_is 201 --cacert "$T/ca.pem" -H "$AUTH" -X PUT -H "$JSON" --data-binary @"$DUMP" $U/v1/hosts/c
check "a wrong token stays 403 over HTTPS" status_is 403 --cacert "$T/ca.pem" -H "Authorization: Bearer nope" -X PUT -H "$JSON" --data-binary @"$DUMP" $U/v1/hosts/d
check "reads need nothing by default" status_is 200 --cacert "$T/ca.pem" $U/v1/hosts/a
check "the Unix socket still speaks plain HTTP" sh -c "curl -sf --unix-socket '$S_SOCK' http://localhost/v1/hosts/a >/dev/null"
check "compat over HTTPS as over HTTP" sh -c "curl -sf --cacert '$T/ca.pem' '$U/v1/compat?from=a&to=c' | jq -e '.verdict == \"compatible\"'"

# Agents pushing their profile to this daemon as their fleet node over
# HTTPS: the private CA given with fleet_cacert (else the push fails on the
# certificate), the token or a client certificate (fleet_cert, fleet_key).
printf '#!/bin/sh\nexec cat "%s"\n' "$DUMP" >"$T/probe.sh"
chmod 755 "$T/probe.sh"
# fleet_has ID: the fleet node stores host ID (waits up to 10 s).
fleet_has() {
	i=0
	while [ $i -lt 100 ]; do
		curl -sf --cacert "$T/ca.pem" "$U/v1/hosts/$1" >/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# log_has NAME PATTERN: the log of daemon NAME gets a line matching PATTERN (waits up to 10 s).
log_has() {
	eval "lf=\$${1}_LOG"
	i=0
	while [ $i -lt 100 ]; do
		grep -q "$2" "$lf" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# $lf:"
	sed 's/^/#   /' "$lf"
	return 1
}
check "an agent with fleet_cacert starts" start_daemon A1 --probe "$T/probe.sh" --host-id agent-ca \
    --fleet "$U" --fleet-token-file "$T/token" --fleet-cacert "$T/ca.pem"
check "its push reaches the HTTPS fleet node" fleet_has agent-ca
check "same profile on the agent and the fleet node" sh -c "[ \"\$(curl -s $A1_URL/v1/hosts/agent-ca | jq -r .host.hash)\" = \"\$(curl -s --cacert '$T/ca.pem' $U/v1/hosts/agent-ca | jq -r .host.hash)\" ]"
check "the agent counts the push" sh -c "curl -s $A1_URL/metrics | grep -q '^migcompat_fleet_pushes_total{result=\"ok\"} [1-9]'"
check "an agent without fleet_cacert starts" start_daemon A2 --probe "$T/probe.sh" --host-id agent-noca \
    --fleet "$U" --fleet-token-file "$T/token"
check "without the CA the push fails, and the log says it is the certificate" \
    log_has A2 "fleet $U: push failed: .*certificate"
check "the failed push is counted" sh -c "curl -s $A2_URL/metrics | grep -q '^migcompat_fleet_pushes_total{result=\"error\"} [1-9]'"
check "and the fleet node has nothing from that agent" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$T/ca.pem' $U/v1/hosts/agent-noca)\" = 404 ]"
check "an agent with a client certificate and no token starts" start_daemon A3 --probe "$T/probe.sh" \
    --host-id agent-cert --fleet "$U" --fleet-cacert "$T/ca.pem" --fleet-cert "$T/client.pem" \
    --fleet-key "$T/client.key"
check "its push is accepted on the certificate" fleet_has agent-cert
check "an agent with another CA's client certificate starts" start_daemon A4 --probe "$T/probe.sh" \
    --host-id agent-rogue --fleet "$U" --fleet-cacert "$T/ca.pem" --fleet-cert "$T/intruder.pem" \
    --fleet-key "$T/intruder.key"
check "its push is refused with 401" log_has A4 "fleet $U: push failed: HTTP status 401"
for a in A1 A2 A3 A4; do
	check "agent $a stops cleanly" stop_daemon $a
done
check "fleet_cert without fleet_key is refused" sh -c "! '$MIGCOMPATD' -n -f /dev/null --host-id self --fleet '$U' --fleet-cert '$T/client.pem' 2>'$T/err' && grep -q 'fleet_cert, fleet_key: give both' '$T/err'"
stop_daemon S

# auth_reads: every route but /healthz needs a token or a client certificate on TCP.
check "daemon with auth_reads = yes" start_daemon_tls R --no-collect --host-id self \
    --token-file "$T/token" --tls-cert "$T/server.pem" --tls-key "$T/server.key" \
    --tls-client-ca "$T/ca.pem" --auth-reads yes
U=https://127.0.0.1:$R_PORT
curl -sf --unix-socket "$R_SOCK" -X PUT -H "$JSON" --data-binary @"$DUMP" http://localhost/v1/hosts/a >/dev/null
check "auth_reads: a read without credentials: 401" status_is 401 --cacert "$T/ca.pem" "$U/v1/hosts"
check "auth_reads: compat without credentials: 401" status_is 401 --cacert "$T/ca.pem" "$U/v1/compat?from=a&to=a"
check "auth_reads: metrics without credentials: 401" status_is 401 --cacert "$T/ca.pem" $U/metrics
check "auth_reads: a read with the token: 200" status_is 200 --cacert "$T/ca.pem" -H "$AUTH" $U/v1/hosts
check "auth_reads: a read with the client certificate: 200" status_is 200 --cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client.key" $U/v1/hosts/a
check "auth_reads: another CA's certificate: 401" status_is 401 --cacert "$T/ca.pem" --cert "$T/intruder.pem" --key "$T/intruder.key" $U/v1/hosts/a
check "auth_reads: /healthz stays open" status_is 200 --cacert "$T/ca.pem" $U/healthz
check "auth_reads: the Unix socket needs nothing" sh -c "curl -sf --unix-socket '$R_SOCK' http://localhost/v1/hosts >/dev/null"

# migcompat itself against the HTTPS daemon with auth_reads: every subcommand
# that talks to a daemon takes --token-file, --cacert, --cert and --key.
TLSOPT="--server $U --cacert $T/ca.pem"
check "migcompat hosts without a token: refused" sh -c "! '$MIGCOMPAT' hosts $TLSOPT >/dev/null 2>'$T/err' && grep -q 'HTTP 401' '$T/err'"
check "migcompat hosts without --cacert: the server is not trusted" sh -c "! '$MIGCOMPAT' hosts --server $U --token-file '$T/token' >/dev/null 2>&1"
check "migcompat hosts --token-file --cacert" sh -c "'$MIGCOMPAT' hosts $TLSOPT --token-file '$T/token' | grep -q '^a '"
check "migcompat hosts with the client certificate" sh -c "'$MIGCOMPAT' hosts $TLSOPT --cert '$T/client.pem' --key '$T/client.key' | grep -q '^a '"
check "migcompat hosts with another CA's certificate: refused" sh -c "! '$MIGCOMPAT' hosts $TLSOPT --cert '$T/intruder.pem' --key '$T/intruder.key' >/dev/null 2>&1"
check "migcompat show --token-file" sh -c "'$MIGCOMPAT' show --json $TLSOPT --token-file '$T/token' a | jq -e '.host.id == \"a\"' >/dev/null"
check "migcompat check --token-file" "$MIGCOMPAT" check $TLSOPT --token-file "$T/token" a a
check "migcompat diff --token-file" sh -c "'$MIGCOMPAT' diff $TLSOPT --token-file '$T/token' a >/dev/null"
check "migcompat targets --token-file" sh -c "'$MIGCOMPAT' targets --json $TLSOPT --token-file '$T/token' a >/dev/null"
check "migcompat groups --token-file" sh -c "'$MIGCOMPAT' groups --json $TLSOPT --token-file '$T/token' >/dev/null"
check "migcompat baseline --token-file" sh -c "'$MIGCOMPAT' baseline --json $TLSOPT --token-file '$T/token' a >/dev/null"
check "migcompat import --token-file over HTTPS" sh -c "'$MIGCOMPAT' import $TLSOPT --token-file '$T/token' --host-id b '$DUMP' | grep -q '^b: new'"
check "migcompat import with the client certificate" sh -c "'$MIGCOMPAT' import $TLSOPT --cert '$T/client.pem' --key '$T/client.key' --host-id e '$DUMP' | grep -q '^e: new'"
check "--key without --cert is a usage error" sh -c "'$MIGCOMPAT' hosts $TLSOPT --key '$T/client.key' 2>/dev/null; [ \$? = 2 ]"
check "--cacert without --server is a usage error" sh -c "'$MIGCOMPAT' hosts --cacert '$T/ca.pem' 2>/dev/null; [ \$? = 2 ]"
check "an empty token file is a usage error" sh -c ": >'$T/empty'; '$MIGCOMPAT' hosts $TLSOPT --token-file '$T/empty' 2>/dev/null; [ \$? = 2 ]"
stop_daemon R

# auth_reads over plain HTTP, without TLS: the token alone.
check "daemon with auth_reads over plain HTTP" start_daemon P --no-collect --host-id self \
    --token-file "$T/token" --auth-reads yes
check "plain HTTP, auth_reads: no token 401" status_is 401 "$P_URL/v1/hosts"
check "plain HTTP, auth_reads: the token 200" status_is 200 -H "$AUTH" "$P_URL/v1/hosts"
stop_daemon P

# Bad TLS configurations: a clear message, no half-started daemon.
check "tls_cert without tls_key is refused" sh -c "! '$MIGCOMPATD' -n -f /dev/null --host-id self --tls-cert '$T/server.pem' 2>'$T/err' && grep -q 'tls_cert, tls_key: give both' '$T/err'"
check "tls_client_ca without TLS is refused" sh -c "! '$MIGCOMPATD' -n -f /dev/null --host-id self --tls-client-ca '$T/ca.pem' 2>'$T/err' && grep -q 'tls_client_ca' '$T/err'"
check "a key that is not the certificate's: the daemon says so and exits" sh -c "! '$MIGCOMPATD' -f /dev/null --no-collect --host-id self --listen 127.0.0.1:0 --socket '$T/x.sock' --db '$T/x.db' --tls-cert '$T/server.pem' --tls-key '$T/client.key' 2>'$T/err' && grep -q 'cannot start the HTTPS server' '$T/err'"
check "a certificate file that is not PEM is refused" sh -c "! '$MIGCOMPATD' -f /dev/null --no-collect --host-id self --listen 127.0.0.1:0 --socket '$T/y.sock' --db '$T/y.db' --tls-cert '$T/token' --tls-key '$T/server.key' 2>'$T/err' && grep -q 'not a PEM file' '$T/err'"

done_testing
