#!/bin/sh
# etcd-fleet.sh - the fleet store on a real three-member etcd cluster on
# loopback: two agents (migcompatd collecting through a stand-in probe that
# prints fixture dumps) publish with leases, two fleet nodes
# (migcompatd --no-collect --store etcd) mirror them.  Queries agree on both
# nodes, uploads to either too; a dead fleet node or etcd member changes
# nothing for the rest; an agent that stops goes stale within its lease
# TTL; a restarted fleet node resumes from its revision, or lists again when
# etcd compacted it; hosts in the old layout are served and converted; a
# host retired on one node is retired on all, and comes back with its next
# upload; a batch larger than an etcd transaction is stored whole; with the
# whole cluster down uploads answer 503 and reads go on, until it is back.
# The upload-to-visibility latency is measured and printed as "# bench:".
#
# Needs etcd, etcdctl (Debian: etcd-server, etcd-client), curl and jq.

. "$top_srcdir/tests/system/common.sh"

for c in etcd etcdctl curl jq; do
	command -v $c >/dev/null 2>&1 || skip_all "$c is not installed"
done
[ -x "$MIGCOMPATD" ] || skip_all "migcompatd is not built"

T=$TMPDIR_TEST
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# Bounded in time whatever happens: a watchdog ends the script.
main_pid=$$
(
	trap 'kill $sp 2>/dev/null; exit 0' TERM
	sleep 300 &
	sp=$!
	wait $sp
	echo "Bail out! etcd-fleet.sh ran out of time"
	kill -TERM $main_pid
) &
WATCHDOG=$!

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
	    echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
}

# The etcd cluster.
cluster=""
for i in 0 1 2; do
	eval "CP$i=$(free_port) PP$i=$(free_port)"
	eval "cluster=\"\${cluster:+\$cluster,}m$i=http://127.0.0.1:\$PP$i\""
done
EPS="http://127.0.0.1:$CP0,http://127.0.0.1:$CP1,http://127.0.0.1:$CP2"

start_member() {
	eval "cp=\$CP$1 pp=\$PP$1"
	etcd --name "m$1" --data-dir "$T/m$1.etcd" \
	    --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
	    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
	    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "mc-$$" \
	    --heartbeat-interval 50 --election-timeout 500 \
	    --logger zap --log-outputs stderr --log-level warn >>"$T/m$1.log" 2>&1 &
	eval "M$1_PID=$!"
	PIDS="$PIDS $!"
}

kill_member() {
	eval "kill -KILL \$M$1_PID"
	eval "wait \$M$1_PID" 2>/dev/null
}

ectl() {
	ETCDCTL_API=3 etcdctl --endpoints="$EPS" --dial-timeout=2s --command-timeout=5s "$@"
}

# until SECONDS COMMAND...: retry the command every 0.1 s.
until_ok() {
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

# The stand-in probe: prints the dump named in $T/src.HOSTID.
cat >"$T/probe.sh" <<EOF
#!/bin/sh
id=
while [ \$# -gt 0 ]; do
	[ "\$1" = --host-id ] && id=\$2
	shift
done
exec cat "\$(cat "$T/src.\$id")"
EOF
chmod 755 "$T/probe.sh"
FIX=$MIGCOMPAT_FIXTURES/instlatx64
set -- $(ls "$FIX" | grep '\.json$' | head -12)
[ $# -ge 8 ] || skip_all "fewer than 8 fixture dumps in $FIX"
echo "$FIX/$1" >"$T/src.agent1"
echo "$FIX/$2" >"$T/src.agent2"
F3=$FIX/$3 F4=$FIX/$4 F5=$FIX/$5 F6=$FIX/$6 F7=$FIX/$7 F8=$FIX/$8
echo "token-$$" >"$T/token"
chmod 600 "$T/token"

# start_daemon NAME ARGS...: migcompatd on a kernel-chosen port; sets NAME_PID and NAME_URL.
start_daemon() {
	name=$1
	shift
	# NAME.log.new holds this run's log, NAME.log the runs before.
	cat "$T/$name.log.new" >>"$T/$name.log" 2>/dev/null
	: >"$T/$name.log.new"
	"$MIGCOMPATD" -f /dev/null -d --listen 127.0.0.1:0 --socket none --db "$T/$name.db" \
	    --token-file "$T/token" --store etcd --etcd-endpoints "$EPS" "$@" >"$T/$name.log.new" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	port=""
	n=0
	while [ $n -lt 100 ]; do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$T/$name.log.new" | head -1)
		[ -n "$port" ] && curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || { sed 's/^/# /' "$T/$name.log.new"; return 1; }
		sleep 0.1
		n=$((n + 1))
	done
	eval "${name}_PID=$pid ${name}_URL=http://127.0.0.1:$port"
	[ -n "$port" ]
}

kill_daemon() {
	eval "kill -KILL \$${1}_PID; wait \$${1}_PID" 2>/dev/null
}

# hash URL ID: the current hash of a host on a daemon ("" if none).
hash_of() {
	curl -s "$1/v1/hosts" | jq -r --arg id "$2" '.hosts[] | select(.id == $id) | .hash'
}
stale_of() {
	curl -s "$1/v1/hosts" | jq -r --arg id "$2" '.hosts[] | select(.id == $id) | .stale'
}
has_hash() {
	[ "$(hash_of "$1" "$2")" = "$3" ]
}
is_stale() {
	[ "$(stale_of "$1" "$2")" = "$3" ]
}
same_hosts() {
	a=$(curl -s "$1/v1/hosts" | jq -S '[.hosts[] | {id, hash, version, stale}]')
	b=$(curl -s "$2/v1/hosts" | jq -S '[.hosts[] | {id, hash, version, stale}]')
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "$(echo "$a" | jq length)" -ge 2 ]
}
same_compat() {
	a=$(curl -s "$1/v1/compat?from=agent1&to=agent2&scenario=nested" | jq -S .)
	b=$(curl -s "$2/v1/compat?from=agent1&to=agent2&scenario=nested" | jq -S .)
	[ -n "$a" ] && [ "$a" = "$b" ] && echo "$a" | jq -e '.verdict | type == "string"' >/dev/null
}
# The hash a dump gets as a profile (what the fleet nodes must show).
dump_hash() {
	"$MIGCOMPAT" show --json "$1" 2>/dev/null | jq -r '.host.hash // .hash'
}
collect() {
	curl -sf -X POST -H "Authorization: Bearer token-$$" "$1/v1/collect" >/dev/null
}

for i in 0 1 2; do
	start_member $i
done
check "three-member etcd cluster is up" until_ok 30 ectl put /ready 1

INTERVAL=2	# lease TTL 3 x 2 = 6 s
check "fleet node F1 starts" start_daemon F1 --no-collect --host-id fleet1
check "fleet node F2 starts" start_daemon F2 --no-collect --host-id fleet2
check "agent 1 starts" start_daemon A1 --probe "$T/probe.sh" --host-id agent1 --interval $INTERVAL
check "agent 2 starts" start_daemon A2 --probe "$T/probe.sh" --host-id agent2 --interval $INTERVAL

H1=$(hash_of "$A1_URL" agent1)
H2=$(hash_of "$A2_URL" agent2)
check "the agents stored their profiles" test -n "$H1" -a -n "$H2"
check "both agents' keys are in etcd with a lease" \
    sh -c "ETCDCTL_API=3 etcdctl --endpoints=$EPS get /migcompat/v1/hosts/ --prefix -w json |
    jq -e '[.kvs[] | select(.lease != null)] | length == 2'"
has_both() {
	has_hash "$1" agent1 "$H1" && has_hash "$1" agent2 "$H2"
}
check "F1 sees both agents' profiles" until_ok 5 has_both "$F1_URL"
check "F2 has the same hosts, versions and hashes as F1" until_ok 5 same_hosts "$F1_URL" "$F2_URL"
check "a compat query gives the same answer on both fleet nodes" same_compat "$F1_URL" "$F2_URL"
check "F2's /healthz: mirroring etcd, synced" sh -c \
    "curl -s $F2_URL/healthz | jq -e '.fleet_store.role == \"mirroring\" and .fleet_store.synced and .fleet_store.revision > 0'"
check "agent 1's /healthz: its profile is published" sh -c \
    "curl -s $A1_URL/healthz | jq -e '.fleet_store.role == \"publishing\" and .fleet_store.published'"

# Uploads to either fleet node go to etcd, without a lease: both serve them.
check "migcompat import to F1 is acknowledged" "$MIGCOMPAT" import --server "$F1_URL" \
    --token-file "$T/token" --host-id imp1 "$F5"
check "PUT /v1/hosts/imp2 to F2 is acknowledged" sh -c "curl -sf -X PUT -H 'Authorization: Bearer token-$$' \
    -H 'Content-Type: application/json' --data-binary @$F6 $F2_URL/v1/hosts/imp2 >/dev/null"
jq -n --slurpfile a "$F3" --slurpfile b "$F4" \
    '{hosts: [{id: "imp3", profile: $a[0]}, {id: "imp4", profile: $b[0]}, {id: "imp5", profile: $a[0]}]}' >"$T/batch.json"
check "POST /v1/hosts of 3 hosts to F1 is acknowledged" sh -c "curl -sf -X POST -H 'Authorization: Bearer token-$$' \
    -H 'Content-Type: application/json' --data-binary @$T/batch.json $F1_URL/v1/hosts >/dev/null"
HB3=$(dump_hash "$F3")
HB4=$(dump_hash "$F4")
has_batch() {
	has_hash "$1" imp3 "$HB3" && has_hash "$1" imp4 "$HB4" && has_hash "$1" imp5 "$HB3"
}
check "F2 serves all 3 hosts of the batch (one etcd transaction)" until_ok 5 has_batch "$F2_URL"
HI1=$(dump_hash "$F5")
HI2=$(dump_hash "$F6")
has_imports() {
	has_hash "$1" imp1 "$HI1" && has_hash "$1" imp2 "$HI2"
}
check "F2 serves the host imported on F1" until_ok 5 has_imports "$F2_URL"
check "F1 serves the host uploaded to F2" until_ok 5 has_imports "$F1_URL"
check "F1 and F2 give the same hosts, versions and hashes after the uploads" until_ok 5 same_hosts "$F1_URL" "$F2_URL"
check "uploaded hosts are records without a lease, their profiles blobs" sh -c \
    "ETCDCTL_API=3 etcdctl --endpoints=$EPS get /migcompat/v1/hosts/imp1 -w json |
    jq -e '.kvs[0].lease == null and (.kvs[0].value | @base64d | fromjson | .record == 1 and .hash == \"$HI1\")' >/dev/null &&
    ETCDCTL_API=3 etcdctl --endpoints=$EPS get /migcompat/v1/profiles/${HI1#sha256:} --keys-only | grep -q profiles"

# Retiring on one fleet node reaches the others through etcd: a retired
# record without a lease takes the host's place, every node marks the host
# retired (not stale), and an upload brings it back everywhere.
listed() {	# listed URL QUERY ID: the host is in GET /v1/hosts?QUERY
	curl -s "$1/v1/hosts?$2" | jq -e --arg id "$3" '[.hosts[].id] | index($id) != null' >/dev/null
}
retired_on() {
	listed "$1" retired=only "$2" && ! listed "$1" retired=exclude "$2"
}
check "DELETE /v1/hosts/imp2 without the token on F1: 401" sh -c \
    "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X DELETE $F1_URL/v1/hosts/imp2)\" = 401 ]"
check "DELETE /v1/hosts/imp2 on F1 is acknowledged" sh -c "curl -sf -X DELETE \
    -H 'Authorization: Bearer token-$$' $F1_URL/v1/hosts/imp2 | jq -e '.already_retired == false' >/dev/null"
check "etcd holds imp2's retired record, without a lease" sh -c \
    "ETCDCTL_API=3 etcdctl --endpoints=$EPS get /migcompat/v1/hosts/imp2 -w json |
    jq -e '.kvs[0].lease == null and (.kvs[0].value | @base64d | fromjson | .retired_at > 0 and .hash == \"$HI2\")' >/dev/null"
check "F2 marks imp2 retired" until_ok 5 retired_on "$F2_URL" imp2
check "F1 marks it retired too" retired_on "$F1_URL" imp2
check "F2 says so in its log" grep -q "etcd: host imp2 was retired at" "$T/F2.log.new"
check "retired, not stale, on F2" sh -c "curl -s '$F2_URL/v1/hosts?retired=only' | jq -e '.hosts[] | select(.id == \"imp2\") | .stale == false' >/dev/null"
check "F2 answers compat with imp2 410" sh -c \
    "[ \"\$(curl -s -o '$T/c' -w '%{http_code}' '$F2_URL/v1/compat?from=imp1&to=imp2')\" = 410 ] && grep -q 'host imp2 was retired at' '$T/c'"
check "F2 still serves imp2's history, marked retired" sh -c \
    "curl -sf $F2_URL/v1/hosts/imp2/history | jq -e '.retired and (.versions | length == 1)' >/dev/null"
check "DELETE of a host etcd and F2 never had: 404" sh -c \
    "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H 'Authorization: Bearer token-$$' $F2_URL/v1/hosts/nosuch)\" = 404 ]"
check "PUT /v1/hosts/imp2 again on F2 is acknowledged" sh -c "curl -sf -X PUT -H 'Authorization: Bearer token-$$' \
    -H 'Content-Type: application/json' --data-binary @$F6 $F2_URL/v1/hosts/imp2 >/dev/null"
check "F1 has imp2 back" until_ok 5 listed "$F1_URL" retired=exclude imp2
check "F1 says so in its log" until_ok 5 grep -q "etcd: host imp2, retired at .*, is back" "$T/F1.log.new"
check "F2 has it back" sh -c "curl -s '$F2_URL/v1/hosts' | jq -e '.hosts[] | select(.id == \"imp2\") | .retired == false' >/dev/null"

# Upload -> visibility on a fleet node: the agent collects a changed
# profile and publishes it to etcd; time until the agent itself serves it
# (collection and local store) and until fleet node F2 serves it.  The
# etcd path is the difference.  Polling costs a curl and a jq (~10-30 ms).
lat_e2e=""
lat_etcd=""
for f in "$F3" "$F4" "$F5" "$F6" "$F7"; do
	echo "$f" >"$T/src.agent1"
	want=$(dump_hash "$f")
	t0=$(date +%s%N)
	collect "$A1_URL"
	n=0
	while [ "$(hash_of "$A1_URL" agent1)" != "$want" ] && [ $n -lt 500 ]; do
		n=$((n + 1))
		sleep 0.005
	done
	t1=$(date +%s%N)
	n=0
	while [ "$(hash_of "$F2_URL" agent1)" != "$want" ] && [ $n -lt 500 ]; do
		n=$((n + 1))
		sleep 0.005
	done
	t2=$(date +%s%N)
	lat_e2e="$lat_e2e $(((t2 - t0) / 1000000))"
	lat_etcd="$lat_etcd $(((t2 - t1) / 1000000))"
done
# The median of the five against the target: one try slowed by a loaded
# machine (or the polling) is not the path.
med_e2e=$(echo $lat_e2e | tr ' ' '\n' | sort -n | sed -n 3p)
med_etcd=$(echo $lat_etcd | tr ' ' '\n' | sort -n | sed -n 3p)
echo "# bench: POST /v1/collect on the agent -> new profile on fleet node F2 (ms):$lat_e2e"
echo "# bench: new profile on the agent -> on fleet node F2, the etcd path (ms):$lat_etcd"
check "a published profile is visible on a fleet node within 1 s (median $med_etcd ms)" \
    test "$med_etcd" -le 1000
check "collection included, within 2 s (median $med_e2e ms)" test "$med_e2e" -le 2000
H1=$(hash_of "$A1_URL" agent1)
check "F1 also has agent 1's last profile" until_ok 5 has_hash "$F1_URL" agent1 "$H1"

kill_daemon F1
check "with F1 dead F2 answers and has agent 1's last profile" has_hash "$F2_URL" agent1 "$H1"

kill_member 0
echo "$F8" >"$T/src.agent2"
H2=$(dump_hash "$F8")
collect "$A2_URL"
check "with etcd member 0 dead a new profile still reaches F2" until_ok 10 has_hash "$F2_URL" agent2 "$H2"
start_member 0
check "member 0 is back" until_ok 20 sh -c "ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:$CP0 get /ready"

in_groups() {
	curl -s "$1/v1/groups" | grep -q "\"$2\""
}
check "agent 2 is in F2's equivalence groups" in_groups "$F2_URL" agent2

# The agent's keep-alive stops: its host goes stale within the lease TTL.
t0=$(date +%s)
kill_daemon A2
check "F2 marks agent 2 stale within its TTL of $((INTERVAL * 3)) s" until_ok $((INTERVAL * 3 + 2)) is_stale "$F2_URL" agent2 true
echo "# stale after $(($(date +%s) - t0)) s"
check "agent 2 keeps its history on F2" sh -c "curl -sf $F2_URL/v1/hosts/agent2/history | jq -e '.versions | length >= 2'"
check "agent 1 is not stale" is_stale "$F2_URL" agent1 false
# migcompat hosts shows it: the time it went stale in its row, "-" in agent 1's.
hosts_stale_text() {
	since=$(curl -s "$F2_URL/v1/hosts" | jq -r '.hosts[] | select(.id == "agent2") | .stale_since')
	seen=$(curl -s "$F2_URL/v1/hosts" | jq -r '.hosts[] | select(.id == "agent2") | .last_seen')
	"$MIGCOMPAT" hosts --server "$F2_URL" >"$T/hosts.txt" || return 1
	awk -v s="$since" -v l="$seen" '$1 == "agent2" && $5 == l && $6 == s { ok2 = 1 }
	    $1 == "agent1" && $6 == "-" { ok1 = 1 } END { exit !(ok1 && ok2) }' "$T/hosts.txt" ||
	    { echo "stale since $since, last seen $seen:"; cat "$T/hosts.txt"; return 1; }
}
check "migcompat hosts: agent 2 last seen and stale since, agent 1 not stale" hosts_stale_text
etcd_metrics_ok() {
	curl -s "$F2_URL/metrics" | grep '^migcompat_etcd' >"$T/metrics"
	grep -q '^migcompat_etcd_events_total{type="delete"} [1-9]' "$T/metrics" &&
	    grep -q '^migcompat_etcd_listings_total [1-9]' "$T/metrics" &&
	    grep -q '^migcompat_etcd_synced 1$' "$T/metrics" || { cat "$T/metrics"; return 1; }
}
check "F2's /metrics count the delete and the listing" etcd_metrics_ok
sed 's/^/# F2: /' "$T/metrics"
check "a stale host leaves the groups (no migration target)" sh -c \
    "! curl -s $F2_URL/v1/groups | grep -q '\"agent2\"' && curl -s $F2_URL/v1/groups | grep -q '\"agent1\"'"

# F1 comes back before any compaction: it resumes from its revision.
check "F1 restarts" start_daemon F1 --no-collect --host-id fleet1
check "F1 catches up: agent 2 stale, agent 2's new profile, agent 1 current" until_ok 10 sh -c \
    "[ \"\$(curl -s $F1_URL/v1/hosts | jq -r '.hosts[] | select(.id==\"agent2\") | \"\\(.stale) \\(.hash)\"')\" = \"true $H2\" ]"
check "... from the watch, without a full listing" sh -c \
    "grep -q 'resuming from revision' $T/F1.log.new && ! grep -q 'etcd: listing' $T/F1.log.new"
check "F1 and F2 agree again" until_ok 5 same_hosts "$F1_URL" "$F2_URL"

# F1 stops, the fleet changes, etcd compacts past F1's revision: a full listing.
kill_daemon F1
echo "$F3" >"$T/src.agent1"
H1=$(dump_hash "$F3")
collect "$A1_URL"
check "F2 has agent 1's newest profile" until_ok 5 has_hash "$F2_URL" agent1 "$H1"
REV=$(ectl get /ready -w json | jq -r .header.revision)
check "etcdctl compact $REV" ectl compact "$REV" --physical
check "F1 restarts after the compaction" start_daemon F1 --no-collect --host-id fleet1
check "F1 found its revision compacted and listed the fleet again" until_ok 10 sh -c \
    "grep -q 'etcd: listing' $T/F1.log.new"
check "F1 has agent 1's newest profile and agent 2 still stale" until_ok 10 sh -c \
    "[ \"\$(curl -s $F1_URL/v1/hosts | jq -r '[.hosts[] | select(.id | startswith(\"agent\")) | \"\\(.id)=\\(.stale)=\\(.hash)\"] | join(\" \")')\" = \
    \"agent1=false=$H1 agent2=true=$H2\" ]"
check "F1 and F2 agree after the listing" until_ok 5 same_hosts "$F1_URL" "$F2_URL"
check "the compat answer agrees too" same_compat "$F1_URL" "$F2_URL"

# Hosts in the layout of before (the whole profile under hosts/ID): a
# fleet node reads them, and its housekeeping converts them to records
# under the same lease without losing one.
LEASE=$(ectl lease grant 600 | sed -n 's/^lease \([0-9a-f]*\) granted.*/\1/p')
ectl put /migcompat/v1/hosts/legacy1 <"$F7" >/dev/null
ectl put --lease="$LEASE" /migcompat/v1/hosts/legacy2 <"$F8" >/dev/null
HL1=$(dump_hash "$F7")
HL2=$(dump_hash "$F8")
has_legacy() {
	has_hash "$1" legacy1 "$HL1" && has_hash "$1" legacy2 "$HL2"
}
check "F2 serves the hosts of the old layout" until_ok 5 has_legacy "$F2_URL"
check "fleet node F3 starts on a new database, housekeeping every 2 s" \
    start_daemon F3 --no-collect --host-id fleet3 --etcd-gc-interval 2
check "F3 serves every host, the old layout's too" until_ok 10 has_legacy "$F3_URL"
is_record() {
	ETCDCTL_API=3 etcdctl --endpoints="$EPS" get "/migcompat/v1/hosts/$1" --print-value-only |
	    jq -e ".record == 1 and .hash == \"$2\"" >/dev/null
}
both_records() {
	is_record legacy1 "$HL1" && is_record legacy2 "$HL2"
}
check "the housekeeping converted both to records" until_ok 15 both_records
check "legacy2 kept its lease" sh -c \
    "ETCDCTL_API=3 etcdctl --endpoints=$EPS get /migcompat/v1/hosts/legacy2 -w json | jq -e '.kvs[0].lease != null' >/dev/null"
# F3 never saw agent 2, stale before it started, nor the versions before:
# the hosts etcd has, with their hashes.
live_hosts() {
	curl -s "$1/v1/hosts" | jq -S '[.hosts[] | select(.stale | not) | {id, hash}]'
}
all_agree() {
	a=$(live_hosts "$F3_URL")
	[ "$(echo "$a" | jq length)" -ge 5 ] && [ "$a" = "$(live_hosts "$F2_URL")" ] &&
	    [ "$a" = "$(live_hosts "$F1_URL")" ]
}
check "F3, F2 and F1 agree on every host etcd has after the conversion" until_ok 10 all_agree
check "F3's housekeeping logged its pass" grep -q "housekeeping at revision" "$T/F3.log.new"

# An agent's host retired: its record loses its lease, so it stays retired
# (not stale) after the TTL while the agent runs on; the agent's next
# changed profile brings it back on every node.
check "DELETE /v1/hosts/agent1 on F3" sh -c "curl -sf -X DELETE -H 'Authorization: Bearer token-$$' \
    $F3_URL/v1/hosts/agent1 >/dev/null"
check "F1 and F2 mark agent 1 retired" until_ok 5 sh -c \
    "curl -s '$F1_URL/v1/hosts?retired=only' | grep -q '\"agent1\"' && curl -s '$F2_URL/v1/hosts?retired=only' | grep -q '\"agent1\"'"
check "agent 1 leaves F2's groups" until_ok 5 sh -c "curl -sf $F2_URL/v1/groups | jq -e '.classes | length > 0 and ([.[].host_ids[]] | index(\"agent1\") == null)' >/dev/null"
sleep $((INTERVAL * 3 + 1))
check "after its lease TTL agent 1 is still retired, not stale, on F2" sh -c \
    "curl -s '$F2_URL/v1/hosts?retired=only' | jq -e '.hosts[] | select(.id == \"agent1\") | .stale == false' >/dev/null"
echo "$F4" >"$T/src.agent1"
H1=$(dump_hash "$F4")
collect "$A1_URL"
check "agent 1's next profile brings it back on F2" until_ok 10 has_hash "$F2_URL" agent1 "$H1"
check "... and on F1" until_ok 5 sh -c "curl -s $F1_URL/v1/hosts | jq -e '.hosts[] | select(.id == \"agent1\") | .retired == false' >/dev/null"

# A batch larger than one etcd transaction takes (128 records): stored in
# order, a transaction at a time, and acknowledged once all are.
code_of() {	# METHOD URL FILE: the status, headers to $T/hdr, body to $T/body
	curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$1" -H "Authorization: Bearer token-$$" \
	    -H 'Content-Type: application/json' --data-binary "@$3" "$2"
}
jq -n --slurpfile a "$F3" --slurpfile b "$F4" \
    '{hosts: [range(200) | {id: "big\(.)", profile: (if . % 2 == 0 then $a[0] else $b[0] end)}]}' >"$T/big.json"
kill_daemon F2
check "F2 restarts with a body limit for 200 profiles" start_daemon F2 --no-collect --host-id fleet2 \
    --max-body 8M
code=$(code_of POST "$F2_URL/v1/hosts" "$T/big.json")
check "POST /v1/hosts of 200 hosts to F2 (two etcd transactions) is acknowledged ($code)" \
    jq -e '.hosts | length == 200' "$T/body"
big_served() {
	has_hash "$F1_URL" big0 "$HB3" && has_hash "$F1_URL" big199 "$HB4"
}
check "F1 serves the first and the last host of the 200" until_ok 10 big_served
check "etcd has the 200 records" sh -c \
    "[ \$(ETCDCTL_API=3 etcdctl --endpoints=$EPS get --prefix /migcompat/v1/hosts/big --keys-only | grep -c big) -eq 200 ]"

# The whole etcd cluster down: uploads answer 503 with Retry-After and
# write nothing; reads go on from the mirror, which /healthz says is stale;
# once the members are back the node resumes its watch.
kill_member 0
kill_member 1
kill_member 2
t0=$(date +%s)
code=$(code_of PUT "$F2_URL/v1/hosts/down1" "$F5")
t1=$(date +%s)
check "with etcd down PUT /v1/hosts/down1 answers 503 (in $((t1 - t0)) s)" test "$code" = 503
check "... with Retry-After" grep -qi '^Retry-After: [0-9]' "$T/hdr"
check "... saying the fleet store is unavailable and nothing was stored" \
    jq -e '.error.message | test("fleet store unavailable.*none of the 1 hosts was stored")' "$T/body"
t0=$(date +%s)
code=$(code_of POST "$F2_URL/v1/hosts" "$T/batch.json")
t1=$(date +%s)
check "a batch answers 503 too, at once now that etcd is known down (in $((t1 - t0)) s)" \
    test "$code" = 503 -a $((t1 - t0)) -le 4
check "... naming no host committed" jq -e '.error.committed == []' "$T/body"
check "reads are served from the mirror" has_hash "$F2_URL" agent1 "$H1"
check "F2's /healthz: fleet store unreachable, stale, degraded" until_ok 15 sh -c \
    "curl -s $F2_URL/healthz | jq -e '.status == \"degraded\" and .fleet_store.reachable == false and
    .fleet_store.stale and .fleet_store.unreachable_seconds >= 0' >/dev/null"
check "F2's /metrics: migcompat_etcd_reachable 0" sh -c \
    "curl -s -H 'Authorization: Bearer token-$$' $F2_URL/metrics | grep -qx 'migcompat_etcd_reachable 0'"
start_member 0
start_member 1
start_member 2
check "the etcd members are back" until_ok 30 ectl put /ready 2
check "nothing of the refused uploads is in etcd" sh -c \
    "[ -z \"\$(ETCDCTL_API=3 etcdctl --endpoints=$EPS get /migcompat/v1/hosts/down1 --keys-only)\" ]"
check "F2's /healthz: reachable again" until_ok 20 sh -c \
    "curl -s $F2_URL/healthz | jq -e '.status == \"ok\" and .fleet_store.reachable and (.fleet_store.stale | not)' >/dev/null"
acked() {
	c=$(code_of PUT "$F2_URL/v1/hosts/down1" "$F5")
	[ "$c" = 201 ] || [ "$c" = 200 ]
}
check "the upload tried again is acknowledged" until_ok 10 acked
check "F1 resumed its watch and serves it" until_ok 20 has_hash "$F1_URL" down1 "$HI1"

kill -TERM "$WATCHDOG" 2>/dev/null
done_testing
