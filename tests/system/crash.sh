#!/bin/sh
# crash.sh - nothing acknowledged is ever lost.  Twenty times: fire
# concurrent PUT /v1/hosts/{id} uploads at migcompatd, kill -9 it at a
# random moment, restart it on the same database, and check that
# PRAGMA integrity_check says ok, that no version is partial, and that every
# upload answered 2xx is there with its content (the hash the daemon
# answered, which addresses the stored blob; the last one's MSRs compared).
# Then as many times the same with SIGTERM, which must exit 0.
# MIGCOMPAT_CRASH_ROUNDS sets the number of rounds of each (default 20).

. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"

T=$TMPDIR_TEST
echo "crash-token-$$" >"$T/token"
chmod 600 "$T/token"
AUTH="Authorization: Bearer $(cat "$T/token")"
DB_OVERRIDE=$T/crash.db
export DB_OVERRIDE
LOOPS=4
KILLS=${MIGCOMPAT_CRASH_ROUNDS:-20}
TERMS=$KILLS
FILES=$(ls "$MIGCOMPAT_FIXTURES"/instlatx64/*.json | awk 'NR % 7 == 1' | head -16)
[ -n "$FILES" ] || skip_all "fixture dumps not found in $MIGCOMPAT_FIXTURES"
ACKED=$T/acked			# "id hash file" of every 2xx
: >"$ACKED"

# uploader ROUND LOOP URL: upload the dumps under fresh ids until the daemon
# stops answering; record what was acknowledged.
uploader() {
	k=0
	while :; do
		for f in $FILES; do
			id="r$1-l$2-$k"
			k=$((k + 1))
			code=$(curl -s -m 5 -o "$T/up-$2.out" -w '%{http_code}' -X PUT -H "$AUTH" \
			    -H 'Content-Type: application/json' --data-binary @"$f" "$3/v1/hosts/$id")
			case $code in
			2??) echo "$id $(jq -r .hash "$T/up-$2.out") $f" >>"$T/acked-$2" ;;
			000) return 0 ;;
			*) echo "$id $code" >>"$T/unexpected" ;;
			esac
		done
	done
}

# whole: no partial versions in the database itself: every host's current
# version exists, every version's blob exists and is valid JSON, no foreign
# key is dangling.
whole() {
	q="SELECT (SELECT count(*) FROM hosts h WHERE NOT EXISTS (SELECT 1 FROM versions v
	    WHERE v.host_id = h.id AND v.version = h.current)) +
	    (SELECT count(*) FROM versions v WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = v.hash)) +
	    (SELECT count(*) FROM blobs WHERE json_valid(json) = 0)"
	n=$(sqlite3 "$DB_OVERRIDE" "$q")
	fk=$(sqlite3 "$DB_OVERRIDE" 'PRAGMA foreign_key_check' | wc -l)
	[ "$n" = 0 ] && [ "$fk" = 0 ] || { echo "$n partial rows, $fk dangling keys"; return 1; }
}

# verify: integrity_check ok, no partial versions, every acknowledged
# upload present with its hash, the last one with the MSRs it sent.
verify() {
	ic=$(sqlite3 "$DB_OVERRIDE" 'PRAGMA integrity_check')
	[ "$ic" = ok ] || { echo "integrity_check: $ic"; return 1; }
	whole || return 1
	curl -sf "$C_URL/v1/hosts" | jq -r '.hosts[] | "\(.id) \(.hash)"' | sort >"$T/stored"
	cut -d' ' -f1,2 "$ACKED" | sort >"$T/acked.sorted"
	missing=$(comm -23 "$T/acked.sorted" "$T/stored" | wc -l)
	[ "$missing" -eq 0 ] || { echo "$missing acknowledged uploads lost:"; comm -23 "$T/acked.sorted" "$T/stored" | head; return 1; }
	last=$(tail -1 "$ACKED")
	[ -n "$last" ] || return 0
	set -- $last
	curl -sf "$C_URL/v1/hosts/$1" | jq -S '.layers.vmx.msrs // .msrs' >"$T/got.json"
	"$MIGCOMPAT" show --json "$3" | jq -S '.layers.vmx.msrs // .msrs' >"$T/want.json"
	cmp -s "$T/got.json" "$T/want.json" || { echo "content of $1 differs"; diff "$T/want.json" "$T/got.json" | head; return 1; }
}

# uploads_then ROUND SIGNAL: upload from LOOPS clients to the running
# daemon C, signal it at a random moment (0.2 to 0.9 s), collect the
# acknowledgements.  With TERM the exit status must be 0.
uploads_then() {
	l=0
	pids=""
	while [ $l -lt $LOOPS ]; do
		: >"$T/acked-$l"
		uploader "$1" $l "$C_URL" &
		pids="$pids $!"
		l=$((l + 1))
	done
	sleep "0.$(awk -v s="$1$$" 'BEGIN { srand(s); printf "%d", 2 + int(rand() * 8) }')"
	kill -"$2" "$C_PID"
	wait "$C_PID"
	rc=$?
	for p in $pids; do wait $p; done
	cat "$T"/acked-* >>"$ACKED"
	rm -f "$T"/acked-*
	[ "$2" = KILL ] || [ $rc -eq 0 ] || { echo "exit status $rc after SIG$2"; return 1; }
}

# Each round signals the daemon during uploads, restarts it on the same
# database and checks; the restarted daemon takes the next round's uploads.
check "daemon starts" start_daemon C --token-file "$T/token" --no-collect --host-id self
rnd=1
while [ $rnd -le $((KILLS + TERMS)) ]; do
	sig=KILL
	[ $rnd -gt $KILLS ] && sig=TERM
	check "round $rnd: SIG$sig during uploads" uploads_then $rnd $sig
	check "round $rnd: after SIG$sig, integrity ok and no partial versions before a restart" whole
	check "round $rnd: restarts" start_daemon C --token-file "$T/token" --no-collect --host-id self
	check "round $rnd: integrity ok, all $(wc -l <"$ACKED") acknowledged uploads there" verify
	rnd=$((rnd + 1))
done
check "no upload got an unexpected status" sh -c "[ ! -s '$T/unexpected' ] || { cat '$T/unexpected'; false; }"
check "uploads were acknowledged in most rounds ($(wc -l <"$ACKED") in all)" test "$(wc -l <"$ACKED")" -gt $((KILLS + TERMS))
check "clean shutdown" stop_daemon C
done_testing
