#!/bin/sh
# openapi.sh - doc/openapi.yaml: valid OpenAPI 3.1 for a real validator
# (tests/install-node.sh installs it), every route of the route table of
# src/api is in it, and every route in it answers on a real daemon (not 404
# or 405) with an answer that matches its schema in the document
# (openapi-answer.mjs), and so do the error bodies.  TAP.
set -u
. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

doc=$top_srcdir/doc/openapi.yaml
T=$TMPDIR_TEST

validator=${MIGCOMPAT_OPENAPI_VALIDATOR:-$top_srcdir/tests/node/node_modules/.bin/validate-api}
node_modules=
if [ -x "$validator" ] && command -v node >/dev/null 2>&1; then
	node_modules=$(dirname "$(dirname "$validator")")
	validate() {
		"$validator" "$doc" >"$T/valid.out" 2>&1
		cat "$T/valid.out"
		jq -e '.valid == true' "$T/valid.out" >/dev/null
	}
	check "doc/openapi.yaml is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)" validate
	check "the validator rejects a broken document" sh -c "
		sed 's/^openapi: 3.1.0/openapi: 3.1.0\nbogus: 1/; s/^      operationId: getHealth/      operationId: 7/' '$doc' >'$T/broken.yaml' &&
		! '$validator' '$T/broken.yaml' >/dev/null 2>&1"
else
	skip "doc/openapi.yaml is valid OpenAPI 3.1" "no validator: run sh tests/install-node.sh (needs node and npm)"
	skip "the validator rejects a broken document" "no validator"
fi

# The route table: { "METHOD", "/pattern", handler, flags } in src/api.
sed -n 's/^[[:space:]]*{ "\(GET\|POST\|PUT\|DELETE\|PATCH\)", "\(\/[^"]*\)".*/\1 \2/p' \
	"$top_srcdir"/src/api/*.c | sort -u >"$T/table"
# The document: "  /path:" then "    get:" ... (block YAML, two-space indent).
awk '/^paths:/ { p = 1; next } p && /^[a-z]/ { p = 0 }
	p && /^  \/[^ ]*:$/ { path = substr($1, 1, length($1) - 1) }
	p && /^    (get|put|post|delete|patch):$/ { m = toupper(substr($1, 1, length($1) - 1)); print m, path }' \
	"$doc" | sort -u >"$T/doc"
check "the route table of src/api has routes (parsed: $(wc -l <"$T/table"))" test -s "$T/table"
check "every route of the route table is in doc/openapi.yaml" \
	sh -c "comm -23 '$T/table' '$T/doc' >'$T/missing'; cat '$T/missing'; [ ! -s '$T/missing' ]"
check "every route of doc/openapi.yaml is in the route table" \
	sh -c "comm -13 '$T/table' '$T/doc' >'$T/extra'; cat '$T/extra'; [ ! -s '$T/extra' ]"

# A real daemon with a fleet of two hosts of one CPU, each with two versions.
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
# hb: the same CPU on another kernel (a baseline needs one VMCS revision).
b=$T/b.json
jq '.kernel = "6.1.0-98-amd64"' "$a" >"$b"
for h in ha hb; do
	f=$a
	[ $h = hb ] && f=$b
	curl -fsS -o /dev/null -X PUT -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$f" "$D_URL/v1/hosts/$h"
	jq '.kernel = "6.1.0-99-amd64"' "$f" |
		curl -fsS -o /dev/null -X PUT -H "$AUTH" -H 'Content-Type: application/json' --data-binary @- "$D_URL/v1/hosts/$h"
done
# hd: a host for DELETE to retire (the routes run in order, DELETE first).
curl -fsS -o /dev/null -X PUT -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$a" "$D_URL/v1/hosts/hd"

# A request for each documented route: the path with the fleet's ids, the
# query and body the route needs.
request() {
	m=$1
	p=$2
	u=$(echo "$p" | sed 's/{id}/ha/g')
	body=
	case "$m $p" in
	"GET /v1/compat") u="$u?from=ha&to=hb" ;;
	"GET /v1/fleet/changes") u="$u?since=0" ;;
	"PUT /v1/hosts/{id}") body=@$a ;;
	"DELETE /v1/hosts/{id}") u=/v1/hosts/hd ;;
	"POST /v1/hosts") jq -n --slurpfile p "$a" '{hosts: [{id: "hc", profile: $p[0]}]}' >"$T/batch.json"; body=@$T/batch.json ;;
	"POST /v1/compat") body='{"from": "ha", "to": "hb", "scenario": "nested"}' ;;
	"POST /v1/hosts/{id}/targets") body='{"scenario": "plain"}' ;;
	"POST /v1/baseline") body='{"hosts": ["ha", "hb"], "scenario": "nested"}' ;;
	"POST /v1/whatif") body='{"hosts": ["ha"], "kernel": "6.8"}' ;;
	esac
	if [ -n "$body" ]; then
		http "$m" "$D_URL$u" -H "$AUTH" -H 'Content-Type: application/json' --data-binary "$body"
	else
		http "$m" "$D_URL$u" -H "$AUTH"
	fi
}
# conforms METHOD PATH [STATUS]: the answer in $T/body (of status STATUS,
# default the last request's) matches its schema in the document; an
# answer the document gives no JSON schema (/metrics) is not checked.
conforms() {
	MIGCOMPAT_NODE_MODULES=$node_modules node "$top_srcdir/tests/system/openapi-answer.mjs" \
	    "$doc" "$1" "$2" "${3:-$(cat "$T/code")}" "$T/body"
	rc=$?
	[ $rc = 2 ] && return 0
	[ $rc = 0 ] || { head -c 300 "$T/body"; echo; }
	return $rc
}
while read -r m p; do
	answers() {
		code=$(request "$1" "$2")
		echo "$code" >"$T/code"
		echo "$1 $2: $code"
		head -c 300 "$T/body"
		echo
		# Success, except a collection on a fleet node (--no-collect): 409.
		case "$1 $2 $code" in "POST /v1/collect 409") return 0 ;; esac
		case $code in 2??) return 0 ;; esac
		return 1
	}
	check "$m $p answers on the daemon (2xx: not 404/405, not an error)" answers "$m" "$p"
	if [ -n "$node_modules" ]; then
		check "$m $p: the answer matches its schema in doc/openapi.yaml" conforms "$m" "$p"
	else
		skip "$m $p: the answer matches its schema" "no validator"
	fi
done <"$T/doc"

# Both ways: what is not documented is not served.
check "an undocumented route is 404 with the documented error body" expect_error 404 GET "$D_URL/v1/nothing-here" -H "$AUTH"
check "an undocumented method on a documented route is 405 with the error body" expect_error 405 DELETE "$D_URL/v1/hosts" -H "$AUTH"
check "a write without the token is 401 with the error body" expect_error 401 PUT "$D_URL/v1/hosts/ha" \
	-H 'Content-Type: application/json' --data-binary @"$a"
[ -n "$node_modules" ] && check "... as documented for PUT /v1/hosts/{id}" conforms PUT "/v1/hosts/{id}" 401
check "an unknown query parameter is 400 with the error body" expect_error 400 GET "$D_URL/v1/hosts?bogus=1"
[ -n "$node_modules" ] && check "... as documented for GET /v1/hosts" conforms GET /v1/hosts 400
check "an unknown host is 404 with the error body" expect_error 404 GET "$D_URL/v1/hosts/nosuch/history" -H "$AUTH"
[ -n "$node_modules" ] && check "... as documented for GET /v1/hosts/{id}/history" conforms GET "/v1/hosts/{id}/history" 404
check "a retired host is 410 with the error body" expect_error 410 GET "$D_URL/v1/compat?from=ha&to=hd" -H "$AUTH"
[ -n "$node_modules" ] && check "... as documented for GET /v1/compat, with the host and the time" conforms GET /v1/compat 410
check "a what-if to a kernel the model lacks is 400 with the error body" expect_error 400 POST "$D_URL/v1/whatif" \
	-H "$AUTH" -H 'Content-Type: application/json' --data-binary '{"hosts": ["ha"], "kernel": "4.1"}'
[ -n "$node_modules" ] && check "... as documented for POST /v1/whatif" conforms POST /v1/whatif 400

check "the daemon stops cleanly" stop_daemon D
done_testing
