#!/bin/sh
# hostile.sh - migcompatd against hostile and broken requests on a real
# daemon on 127.0.0.1: a table of bad requests, each answered with the right
# status and a JSON error; requests libmicrohttpd refuses before the API
# sees them (oversized headers, garbage request lines) answered with their
# status and the connection closed; a slowloris client cut at the timeout
# while others are served; afterwards the daemon answers normally and its
# RSS has grown by less than RSS_BOUND_KB.  Then an overload run with wrk at
# four times the connection limit: no crash, no hang, never more
# connections open than the limit, memory bounded.

. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"
command -v bash >/dev/null 2>&1 || skip_all "bash is not installed (raw sockets)"

T=$TMPDIR_TEST
echo "hostile-token-$$" >"$T/token"
chmod 600 "$T/token"
TOKEN=$(cat "$T/token")
AUTH="Authorization: Bearer $TOKEN"
CT="Content-Type: application/json"
MAXCONN=16
TIMEOUT=2
# Growth of VmRSS allowed over three rounds of the whole table after a
# warm-up round: the table sends about 25 MB and must leave nothing behind.
RSS_BOUND_KB=8192
DUMP="$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel00006F6_Conroe_CPUID.json"
[ -r "$DUMP" ] || skip_all "fixture dumps not found in $MIGCOMPAT_FIXTURES"

check "daemon starts" start_daemon H --token-file "$T/token" --no-collect --host-id self \
    --max-connections $MAXCONN --timeout $TIMEOUT
if [ -z "$H_PORT" ]; then
	done_testing
	exit 1
fi
U=$H_URL

# Under AddressSanitizer freed memory sits in its quarantine and RSS says
# nothing about leaks; LeakSanitizer checks them at the clean exit instead.
ASAN=
grep -qa __asan_init "$MIGCOMPATD" && ASAN=1
# rss_check DESCRIPTION BEFORE AFTER BOUND-KB
rss_check() {
	if [ -n "$ASAN" ]; then
		skip "$1" "an ASan build (its quarantine holds freed memory; LeakSanitizer checks at exit)"
	else
		check "$1" test $(($3 - $2)) -lt "$4"
	fi
}
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$H_PID/status"; }

# Regressions found by fuzz-http (UBSan aborts the daemon of the asan pass):
# the changes of an empty store, the targets of a fleet of one host.
check "changes of an empty store: 200" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$U/v1/fleet/changes?since=0')\" = 200 ]"
check "a host uploads" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H '$AUTH' -H '$CT' --data-binary @'$DUMP' $U/v1/hosts/good)\" = 201 ]"
check "targets in a fleet of one: 200" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$U/v1/hosts/good/targets')\" = 200 ]"

# ---- bodies ----
B=$T/bodies
mkdir -p "$B"
head -c 500 "$DUMP" >"$B/truncated.json"
printf '{' >"$B/brace.json"
printf '   \n\t ' >"$B/space.json"
printf 'null' >"$B/null.json"
printf '[]' >"$B/array.json"
printf '42' >"$B/number.json"
printf '"profile"' >"$B/string.json"
# Bad strings inside a profile that is otherwise stored (201): only the
# check of the string itself can refuse these (a bare {"cpu": ...} would
# be refused anyway, as a wrong type and a profile without data).
badname() {	# printf-escaped bytes, file
	sed -n '1,10p' "$DUMP" >"$2"
	printf '    "model_name": "'"$1"'",\n' >>"$2"
	sed -n '12,$p' "$DUMP" >>"$2"
}
badname 'x' "$B/goodname.json"
badname '\377\376' "$B/utf8.json"
badname '\300\257' "$B/overlong.json"
badname '\355\240\200' "$B/surrogate.json"
check "the profile those bodies are made of is stored: 201" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H '$AUTH' -H '$CT' --data-binary @'$B/goodname.json' $U/v1/hosts/goodname)\" = 201 ]"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]" }' >"$B/deep-array.json"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "{\"a\":"; printf "1"; for (i = 0; i < 5000; i++) printf "}" }' >"$B/deep-object.json"
sed 's/"0x1f00000016"/"0x1ffffffffffffffff"/' "$DUMP" >"$B/hex-overflow.json"
sed 's/"0x1f00000016"/"0x10000000000000000"/' "$DUMP" >"$B/hex-overflow2.json"
sed 's/"0x1f00000016"/"0xzz"/' "$DUMP" >"$B/hex-bad.json"
sed 's/"0x1f00000016"/"-0x1"/' "$DUMP" >"$B/hex-negative.json"
sed 's/"0x1f00000016"/"0x"/' "$DUMP" >"$B/hex-empty.json"
sed 's/"0x1f00000016"/12/' "$DUMP" >"$B/type-number.json"
sed 's/"0x1f00000016"/null/' "$DUMP" >"$B/type-null.json"
sed 's/"0x481"/"0x1ffffffffffffffff"/' "$DUMP" >"$B/key-overflow.json"
sed 's/"msrs": {/"msrs": [/; s/^ },$/ ],/' "$DUMP" >"$B/msrs-array.json"
{ cat "$DUMP"; printf 'x'; } >"$B/trailing.json"
{ cat "$DUMP"; cat "$DUMP"; } >"$B/two.json"
badname 'a\000b' "$B/nul.json"
printf '{"msrs":{"0x480":1e999999}}' >"$B/huge-number.json"
head -c 10485760 /dev/zero | tr '\0' ' ' >"$B/10M.json"
printf '{"from":' >"$B/compat-trunc.json"
printf '{"vm":5}' >"$B/compat-vm-type.json"
printf '{"vm":{"scenario":"bogus"}}' >"$B/compat-scenario.json"
printf '{"hosts":"good"}' >"$B/baseline-type.json"
printf '{"hosts":["good","%s"]}' "$(head -c 300 /dev/zero | tr '\0' a)" >"$B/baseline-longid.json"

LONGID=$(head -c 128 /dev/zero | tr '\0' a)
BIGQ=$(head -c 4000 /dev/zero | tr '\0' q)

# The table: STATUS|DESCRIPTION|curl arguments (evaluated; $U, $AUTH, $CT, $B).
cat >"$T/table" <<'EOF'
400|PUT empty body|-X PUT -H "$AUTH" -H "$CT" --data-binary '' $U/v1/hosts/h
400|PUT truncated JSON|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/truncated.json $U/v1/hosts/h
400|PUT a lone brace|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/brace.json $U/v1/hosts/h
400|PUT whitespace only|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/space.json $U/v1/hosts/h
400|PUT null|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/null.json $U/v1/hosts/h
400|PUT an array|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/array.json $U/v1/hosts/h
400|PUT a number|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/number.json $U/v1/hosts/h
400|PUT a string|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/string.json $U/v1/hosts/h
400|PUT invalid UTF-8|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/utf8.json $U/v1/hosts/h
400|PUT overlong UTF-8|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/overlong.json $U/v1/hosts/h
400|PUT UTF-8 surrogate|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/surrogate.json $U/v1/hosts/h
400|PUT 100000 nested arrays|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/deep-array.json $U/v1/hosts/h
400|PUT 5000 nested objects|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/deep-object.json $U/v1/hosts/h
400|PUT MSR value over 64 bits|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/hex-overflow.json $U/v1/hosts/h
400|PUT MSR value 2^64|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/hex-overflow2.json $U/v1/hosts/h
400|PUT MSR value not hex|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/hex-bad.json $U/v1/hosts/h
400|PUT MSR value negative|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/hex-negative.json $U/v1/hosts/h
400|PUT MSR value 0x alone|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/hex-empty.json $U/v1/hosts/h
400|PUT MSR value a number|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/type-number.json $U/v1/hosts/h
400|PUT MSR value null|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/type-null.json $U/v1/hosts/h
400|PUT MSR index over 64 bits|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/key-overflow.json $U/v1/hosts/h
400|PUT msrs an array|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/msrs-array.json $U/v1/hosts/h
400|PUT trailing garbage|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/trailing.json $U/v1/hosts/h
400|PUT two documents|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/two.json $U/v1/hosts/h
400|PUT NUL byte in a string|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/nul.json $U/v1/hosts/h
400|PUT number out of range|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/huge-number.json $U/v1/hosts/h
415|PUT text/plain|-X PUT -H "$AUTH" -H "Content-Type: text/plain" --data-binary @$DUMP $U/v1/hosts/h
413|PUT 10 MB body|-X PUT -H "$AUTH" -H "$CT" --data-binary @$B/10M.json $U/v1/hosts/h
413|PUT 10 MB chunked body|-X PUT -H "$AUTH" -H "$CT" -H "Transfer-Encoding: chunked" --data-binary @$B/10M.json $U/v1/hosts/h
413|PUT Content-Length 10^11|-X PUT -H "$AUTH" -H "$CT" -H "Content-Length: 100000000000" $U/v1/hosts/h
401|PUT without a token|-X PUT -H "$CT" --data-binary @$DUMP $U/v1/hosts/h
401|PUT with Basic auth|-X PUT -H "Authorization: Basic aDpo" -H "$CT" --data-binary @$DUMP $U/v1/hosts/h
401|PUT with an empty bearer|-X PUT -H "Authorization: Bearer " -H "$CT" --data-binary @$DUMP $U/v1/hosts/h
403|PUT with a wrong token|-X PUT -H "Authorization: Bearer nope" -H "$CT" --data-binary @$DUMP $U/v1/hosts/h
403|PUT with a prefix of the token|-X PUT -H "Authorization: Bearer ${TOKEN%?}" -H "$CT" --data-binary @$DUMP $U/v1/hosts/h
403|PUT with the token and one more byte|-X PUT -H "Authorization: Bearer ${TOKEN}x" -H "$CT" --data-binary @$DUMP $U/v1/hosts/h
401|POST /v1/collect without a token|-X POST $U/v1/collect
403|10 MB chunked upload with a wrong token is refused first|-X PUT -H "Authorization: Bearer nope" -H "$CT" -H "Transfer-Encoding: chunked" --data-binary @$B/10M.json $U/v1/hosts/h
400|GET host id with %00|$U/v1/hosts/a%00b
400|PUT host id with %00|-X PUT -H "$AUTH" -H "$CT" --data-binary @$DUMP $U/v1/hosts/good%00evil
400|GET host id ..|--path-as-is $U/v1/hosts/..
400|GET host id %2e%2e|$U/v1/hosts/%2e%2e
400|GET host id .hidden|$U/v1/hosts/.hidden
400|GET host id -x|$U/v1/hosts/-x
400|GET host id of 128 bytes|$U/v1/hosts/$LONGID
400|GET host id with a space|$U/v1/hosts/a%20b
400|GET host id with UTF-8|$U/v1/hosts/%c3%a9
400|GET host id with invalid UTF-8|$U/v1/hosts/%ff
400|GET host id with a newline|$U/v1/hosts/a%0ab
400|PUT host id ..|--path-as-is -X PUT -H "$AUTH" -H "$CT" --data-binary @$DUMP $U/v1/hosts/..
404|GET path traversal out of /v1/hosts|--path-as-is $U/v1/hosts/../../etc/passwd
404|GET encoded path traversal|$U/v1/hosts/..%2f..%2fetc%2fpasswd
404|GET unknown host|$U/v1/hosts/nosuch
404|GET unknown route|$U/nope
404|GET /|$U/
404|GET /v1|$U/v1
404|GET /v1/hosts/x/y/z|$U/v1/hosts/good/y/z
404|GET /v1/hosts/ with an empty id|$U/v1/hosts/
405|PATCH a host|-X PATCH $U/v1/hosts/good
401|DELETE a host without the token|-X DELETE $U/v1/hosts/good
405|POST /healthz|-X POST $U/healthz
405|PUT /v1/compat|-X PUT $U/v1/compat
405|DELETE /v1/hosts|-X DELETE $U/v1/hosts
400|unknown query parameter|$U/v1/hosts?bogus=1
400|query parameter with %00|$U/v1/hosts/good?version=1%00
400|version over 64 bits|$U/v1/hosts/good?version=18446744073709551616
400|version not a number|$U/v1/hosts/good?version=abc
400|since over 64 bits|$U/v1/fleet/changes?since=99999999999999999999999
400|since negative|$U/v1/fleet/changes?since=-1
400|changes without since|$U/v1/fleet/changes
400|unknown scenario|"$U/v1/compat?from=good&to=good&scenario=bogus"
400|unknown policy|"$U/v1/compat?from=good&to=good&policy=%00"
400|a 4000-byte query parameter name|$U/v1/hosts?$BIGQ=1
400|POST /v1/compat truncated JSON|-X POST -H "$CT" --data-binary @$B/compat-trunc.json $U/v1/compat
400|POST /v1/compat vm of the wrong type|-X POST -H "$CT" --data-binary @$B/compat-vm-type.json $U/v1/compat
400|POST /v1/compat 100000 nested arrays|-X POST -H "$CT" --data-binary @$B/deep-array.json $U/v1/compat
400|POST /v1/baseline hosts of the wrong type|-X POST -H "$CT" --data-binary @$B/baseline-type.json $U/v1/baseline
400|POST /v1/baseline a host id of 300 bytes|-X POST -H "$CT" --data-binary @$B/baseline-longid.json $U/v1/baseline
400|POST targets with invalid UTF-8|-X POST -H "$CT" --data-binary @$B/utf8.json $U/v1/hosts/good/targets
413|POST /v1/compat 10 MB|-X POST -H "$CT" --data-binary @$B/10M.json $U/v1/compat
EOF

# bad STATUS CURL-ARGS...: the answer has STATUS and a JSON error body
# {"error": {"code": STATUS, "message": "..."}}.
bad() {
	want=$1
	shift
	got=$(curl -sS -m 20 -o "$T/body" -w '%{http_code}' "$@") || return 1
	[ "$got" = "$want" ] || { echo "status $got, want $want"; head -c 300 "$T/body"; return 1; }
	jq -e --argjson c "$want" '.error.code == $c and (.error.message | type == "string" and length > 0)' \
	    "$T/body" >/dev/null || { echo "not a JSON error:"; head -c 300 "$T/body"; return 1; }
}

# table_round [quiet]: run every row; with quiet, only count failures.
table_round() {
	fails=0
	while IFS='|' read -r want desc args; do
		[ -n "$want" ] || continue
		if [ "$1" = quiet ]; then
			eval "bad $want $args" >/dev/null 2>&1 || fails=$((fails + 1))
		else
			eval "check \"\$desc: \$want with a JSON error\" bad $want $args"
		fi
	done <"$T/table"
	[ "$fails" -eq 0 ]
}
NROWS=$(grep -c '|' "$T/table")
check "the table has at least 50 bad requests ($NROWS)" test "$NROWS" -ge 50
table_round
check "the %00 upload stored nothing as \"good\" or \"good%00evil\"" sh -c "curl -s $U/v1/hosts | jq -e '[.hosts[].id] - [\"goodname\"] == [\"good\"]' && curl -s $U/v1/hosts/good/history | jq -e '.versions | length == 1'"

# ---- raw requests libmicrohttpd answers itself ----
# These never reach the API: libmicrohttpd answers them itself, with its
# own HTML body, and closes the connection.
# raw PRINTF-FORMAT: send the bytes, print what comes back until the server closes.
raw() {
	timeout 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; printf "$2" >&3; cat <&3' _ "$H_PORT" "$1"
}
# raw_status WANT PRINTF-FORMAT: the status of the answer is one of WANT
# ("400|505|": 400, 505 or no answer at all), and the server closes the
# connection (raw returns only then).  A server that answers a request it
# stopped reading (a header over the limit) and closes with the rest of it
# unread makes the kernel send a reset, which may discard the answer before
# it leaves: where no answer is not one of WANT, no answer at all is asked
# again, up to three times in all; a wrong status fails at once.
raw_status() {
	tries=0
	while :; do
		got=$(raw "$2" | head -1 | tr -d '\r' | cut -d' ' -f2)
		tries=$((tries + 1))
		case $1 in *"|") break ;; esac
		[ -n "$got" ] || [ $tries -ge 3 ] && break
	done
	echo "status $got, want $1 (attempts: $tries)"
	case $1 in *"|") [ -z "$got" ] && return 0 ;; esac
	old_ifs=$IFS
	IFS='|'
	for w in $1; do
		case $got in $w) IFS=$old_ifs; return 0 ;; esac
	done
	IFS=$old_ifs
	return 1
}
BIGH=$(head -c 70000 /dev/zero | tr '\0' a)
check "header over the limit: 431" raw_status 431 "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: $BIGH\r\n\r\n"
check "URL over the limit: 414" raw_status 414 "GET /v1/hosts/$BIGH HTTP/1.1\r\nHost: x\r\n\r\n"
check "Content-Length of 2^64: 413" raw_status 413 "PUT /v1/hosts/h HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n"
check "garbage request line: 400 or closed" raw_status "400|" "GARBAGE\r\n\r\n"
check "HTTP/2 preface on HTTP/1.1: 400, 505 or closed" raw_status "400|505|" "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
check "raw NUL byte in the path: 400 or 404" raw_status "40[04]" "GET /v1/hosts/a\000b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

# ---- slowloris ----
# A half-sent request that then stalls: the server must cut it at its
# timeout, and answer other clients meanwhile.
slowloris() {
	start=$(date +%s)
	timeout 30 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "PUT /v1/hosts/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":" >&3
		cat <&3 >/dev/null' _ "$H_PORT" &
	sl=$!
	sleep 0.3
	served=0
	i=0
	while [ $i -lt 10 ]; do
		[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' $U/healthz)" = 200 ] && served=$((served + 1))
		i=$((i + 1))
	done
	wait $sl
	rc=$?
	took=$(($(date +%s) - start))
	echo "served $served/10 meanwhile; stalled client cut after ${took}s (rc $rc)"
	[ $served -eq 10 ] && [ $rc -eq 0 ] && [ $took -le $((TIMEOUT + 3)) ]
}
check "slowloris: cut at the ${TIMEOUT}s timeout, others served meanwhile" slowloris
slowloris_many() {
	# As many stalled clients as the connection limit minus two: the rest still works.
	n=$((MAXCONN - 2))
	i=0
	pids=""
	while [ $i -lt $n ]; do
		timeout 30 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; printf "GET /healthz HTTP/1.1\r\nHo" >&3; cat <&3 >/dev/null' _ "$H_PORT" &
		pids="$pids $!"
		i=$((i + 1))
	done
	sleep 0.3
	ok=$(curl -s -m 2 -o /dev/null -w '%{http_code}' $U/healthz)
	for p in $pids; do wait $p; done
	echo "healthz with $n stalled clients: $ok"
	[ "$ok" = 200 ]
}
check "$((MAXCONN - 2)) stalled clients: others still served" slowloris_many

# ---- afterwards ----
check "the daemon is alive" kill -0 "$H_PID"
check "healthz answers normally" sh -c "curl -sf -m 2 $U/healthz | jq -e '.db == \"ok\"'"
check "a good upload still works" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H '$AUTH' -H '$CT' --data-binary @'$DUMP' $U/v1/hosts/good2)\" = 201 ]"
rss0=$(rss_kb)
r=0
fails=0
while [ $r -lt 3 ]; do
	table_round quiet || fails=$((fails + 1))
	r=$((r + 1))
done
rss1=$(rss_kb)
echo "# VmRSS after the first round ${rss0} kB, after three more ${rss1} kB (bound +${RSS_BOUND_KB} kB)"
check "every round answered right" test $fails -eq 0
rss_check "RSS grew by less than ${RSS_BOUND_KB} kB over three rounds" "$rss0" "$rss1" $RSS_BOUND_KB

# ---- overload ----
if command -v wrk >/dev/null 2>&1; then
	overload() {
		conns=$((MAXCONN * 4))
		max=0
		base=$(ls /proc/$H_PID/fd | wc -l)
		timeout 30 wrk -t 2 -c $conns -d 5s --timeout 3s "$U/v1/hosts/good" >"$T/wrk.out" 2>&1 &
		w=$!
		# Sample the daemon's open descriptors while wrk runs.
		while kill -0 $w 2>/dev/null; do
			n=$(ls /proc/$H_PID/fd 2>/dev/null | wc -l)
			[ "$n" -gt "$max" ] && max=$n
			sleep 0.1
		done
		wait $w
		wrc=$?
		sed 's/^/# /' "$T/wrk.out"
		echo "descriptors: $base before, at most $max during ($conns clients, limit $MAXCONN)"
		[ $wrc -eq 0 ] && grep -q 'requests in' "$T/wrk.out" && [ $max -le $((base + MAXCONN)) ]
	}
	rss0=$(rss_kb)
	check "wrk with $((MAXCONN * 4)) connections (limit $MAXCONN): finishes, never over the limit" overload
	check "no crash under overload" kill -0 "$H_PID"
	check "no hang: healthz answers within 2 s after the overload" sh -c "curl -sf -m 2 $U/healthz >/dev/null"
	rss1=$(rss_kb)
	echo "# VmRSS before the overload ${rss0} kB, after ${rss1} kB"
	rss_check "RSS under overload grew by less than 16384 kB" "$rss0" "$rss1" 16384
else
	skip "overload with wrk" "wrk is not installed (apt-get install wrk)"
fi
check "clean shutdown (exit 0: with ASan, no leak either)" stop_daemon H
done_testing
