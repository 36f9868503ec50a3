#!/bin/sh
# daemon-batch.sh - POST /v1/hosts against a real daemon and SQLite file:
# migcompat import in batches, all-or-nothing on a bad entry, auth, limits,
# a daemon with a small max_body, and a kill -9 after the answer.

. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

T=$TMPDIR_TEST
echo "batch-$$" >"$T/token"
chmod 600 "$T/token"
AUTH="Authorization: Bearer batch-$$"
JSON='Content-Type: application/json'

FILES=$(echo $(ls "$MIGCOMPAT_FIXTURES"/instlatx64/*.json | grep -v '/_'))
NFILES=$(echo $FILES | wc -w)

check "daemon starts" start_daemon B --no-collect --token-file "$T/token" --host-id self
[ -n "$B_PORT" ] || { done_testing; exit 1; }
URL=$B_URL

# migcompat import: every file stored, fewer requests than files.
check "migcompat import of $NFILES dumps" sh -c "'$MIGCOMPAT' import --server $URL --token-file '$T/token' $FILES >'$T/imp'"
check "every file reported as a new version 1" sh -c "[ \$(grep -c ': new version 1\$' '$T/imp') -eq $NFILES ]"
check "the import went in batches" sh -c "n=\$(grep -c 'batch upload: ' '$B_LOG'); [ \$n -ge 1 ] && [ \$n -lt $NFILES ]"
check "every host listed" sh -c "[ \$(curl -s $URL/v1/hosts | jq '.hosts | length') -eq $NFILES ]"
f1=$(echo $FILES | cut -d' ' -f1)
id1=$(basename "$f1" .json)
check "a stored host has its file's hash" sh -c "[ \"\$(curl -s $URL/v1/hosts/$id1 | jq -r .host.hash)\" = \"\$('$MIGCOMPAT' show --json '$f1' | jq -r .host.hash)\" ]"
check "importing again changes nothing" sh -c "'$MIGCOMPAT' import --server $URL --token-file '$T/token' $FILES | grep -c ': unchanged version 1\$' | grep -qx $NFILES"

# The request itself.
body() {
	# body ID1 MSR480_1 ID2 MSR480_2: two dumps with one MSR each.
	printf '{"hosts":[{"id":"%s","profile":{"msrs":{"0x480":"%s"}}},{"id":"%s","profile":{"msrs":{"0x480":"%s"}}}]}' "$@"
}
check "POST /v1/hosts stores two hosts: 200" sh -c "[ \"\$(curl -s -o '$T/b' -w '%{http_code}' -X POST -H '$AUTH' -H '$JSON' --data '$(body n1 0x1 n2 0x2)' $URL/v1/hosts)\" = 200 ] && jq -e '.created == 2 and .unchanged == 0 and (.hosts | length) == 2 and .hosts[0].host == \"n1\" and .hosts[0].version == 1' '$T/b'"
check "the same host twice: two versions, in order" sh -c "curl -sf -X POST -H '$AUTH' -H '$JSON' --data '$(body n3 0x1 n3 0x2)' $URL/v1/hosts | jq -e '.hosts[1].version == 2' && curl -s $URL/v1/hosts/n3 | jq -e '.layers.vmx.msrs.\"0x480\" == \"0x2\"'"
bad_entry() {
	expect_error 400 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data "$(body n4 0x1 n5 0xzz)" &&
	    jq -e '.error.message | startswith("hosts[1].profile (host n5)")' "$T/body"
}
check "a bad entry: 400 naming it" bad_entry
check "a bad entry: the good one before it is not stored" expect_error 404 GET "$URL/v1/hosts/n4"
# A large batch is parsed on two threads: a bad entry in the second half is
# still the one named, and nothing of the batch is stored.
awk 'BEGIN { printf "{\"hosts\":["; for (i = 0; i < 30; i++) printf "%s{\"id\":\"t%d\",\"profile\":{\"msrs\":{\"0x480\":\"%s\"}}}", (i ? "," : ""), i, (i == 20 ? "0xzz" : "0x1"); print "]}" }' >"$T/thirty"
bad_second_half() {
	expect_error 400 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data-binary @"$T/thirty" &&
	    jq -e '.error.message | startswith("hosts[20].profile (host t20)")' "$T/body"
}
check "30 entries, the 21st bad: 400 naming hosts[20]" bad_second_half
check "none of the 30 stored" expect_error 404 GET "$URL/v1/hosts/t0"
check "a bad host id: 400" expect_error 400 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data "$(body n6 0x1 ../x 0x1)"
check "nothing of it stored" expect_error 404 GET "$URL/v1/hosts/n6"
check "no token: 401" expect_error 401 POST "$URL/v1/hosts" -H "$JSON" --data "$(body n7 0x1 n8 0x1)"
check "wrong token: 403" expect_error 403 POST "$URL/v1/hosts" -H 'Authorization: Bearer nope' -H "$JSON" --data "$(body n7 0x1 n8 0x1)"
check "over the Unix socket no token is needed" sh -c "curl -sf --unix-socket '$B_SOCK' -X POST -H '$JSON' --data '$(body n7 0x1 n8 0x1)' http://localhost/v1/hosts | jq -e '.created == 2'"
check "an empty list: 400" expect_error 400 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data '{"hosts":[]}'
check "not a list: 400" expect_error 400 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data '{"hosts":{}}'
check "an unknown member: 400" expect_error 400 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data '{"hosts":[],"force":true}'
check "an entry without a profile: 400" expect_error 400 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data '{"hosts":[{"id":"n9"}]}'
check "malformed JSON: 400" expect_error 400 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data '{"hosts":[{"id":"n9",'
check "another Content-Type: 415" expect_error 415 POST "$URL/v1/hosts" -H "$AUTH" -H 'Content-Type: text/plain' --data "$(body n7 0x1 n8 0x1)"
awk 'BEGIN { printf "{\"hosts\":["; for (i = 0; i <= 10000; i++) printf "%s{\"id\":\"m%d\",\"profile\":{\"msrs\":{}}}", (i ? "," : ""), i; print "]}" }' >"$T/many"
check "more than 10000 entries: 413" expect_error 413 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data-binary @"$T/many"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big"
check "a body over max_body: 413" expect_error 413 POST "$URL/v1/hosts" -H "$AUTH" -H "$JSON" --data-binary @"$T/big"
check "the daemon still serves" curl -sf "$URL/healthz"

# Acknowledged means on disk: kill -9 right after the answer.
check "a batch acknowledged" sh -c "curl -sf -X POST -H '$AUTH' -H '$JSON' --data '$(body k1 0x5 k2 0x6)' $URL/v1/hosts >/dev/null"
kill -KILL "$B_PID"
wait "$B_PID" 2>/dev/null
DB_OVERRIDE=$B_DB check "restart on the same database after kill -9" start_daemon B2 --no-collect --token-file "$T/token" --host-id self
check "both hosts of the batch survived" sh -c "curl -sf $B2_URL/v1/hosts/k1 >/dev/null && curl -sf $B2_URL/v1/hosts/k2 >/dev/null"
check "integrity_check ok" sh -c "[ \"\$(sqlite3 '$B_DB' 'PRAGMA integrity_check')\" = ok ]"
stop_daemon B2

# A daemon whose max_body is smaller than a batch: the CLI uploads one by one.
check "daemon with max_body 64K starts" start_daemon S --no-collect --token-file "$T/token" --host-id self --max-body 64K
check "migcompat import falls back to one PUT per host" sh -c "'$MIGCOMPAT' import --server $S_URL --token-file '$T/token' $FILES 2>'$T/err' | grep -c ': new version 1\$' | grep -qx $NFILES && grep -q 'one by one' '$T/err'"
check "every host listed there too" sh -c "[ \$(curl -s $S_URL/v1/hosts | jq '.hosts | length') -eq $NFILES ]"
stop_daemon S

done_testing
