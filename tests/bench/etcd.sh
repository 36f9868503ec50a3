#!/bin/sh
# etcd.sh - the fleet store on etcd, measured:
#
#	sh tests/bench/etcd.sh
#
# One etcd member on loopback, BENCH_AGENTS (default 20) agents (migcompatd
# collecting through a stand-in probe that prints fixture dumps, store =
# etcd), a fleet node mirroring them (--no-collect, store = etcd) and a
# SQLite-only node holding the same hosts (migcompat import).  Measures the
# time from an agent's new profile to its visibility on the fleet node
# (median of BENCH_ROUNDS, default 9), and GET /v1/compat and
# GET /v1/hosts/ID/targets throughput on both nodes with wrk (2 threads,
# 64 connections, BENCH_WRK_SECONDS each).  Uses the binaries of
# BENCH_BUILD (default /tmp/migcompat-bench, as run.sh builds them).  Not a
# test: it asserts nothing; tests/bench/README.md records the results.

set -u
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
build=${BENCH_BUILD:-/tmp/migcompat-bench}
fixtures=${MIGCOMPAT_FIXTURES:-$srcdir/tests/fixtures}
agents=${BENCH_AGENTS:-20}
rounds=${BENCH_ROUNDS:-9}
wrkdur=${BENCH_WRK_SECONDS:-10}
T=$(mktemp -d /tmp/migcompat-bench-etcd.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
[ -n "${BENCH_KEEP:-}" ] && trap - EXIT || trap cleanup EXIT INT TERM
say() { echo "$*"; }
now_ns() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for c in etcd curl jq wrk python3; do
	command -v $c > /dev/null || { echo "etcd.sh: $c is not installed"; exit 1; }
done
[ -x "$build/migcompatd" ] || make -C "$build" migcompatd migcompat > /dev/null 2>&1 ||
    { echo "etcd.sh: no migcompatd in $build (run tests/bench/run.sh first)"; exit 1; }

CP=$(free_port)
PP=$(free_port)
etcd --name m0 --data-dir "$T/m0.etcd" --listen-client-urls "http://127.0.0.1:$CP" \
    --advertise-client-urls "http://127.0.0.1:$CP" --listen-peer-urls "http://127.0.0.1:$PP" \
    --initial-advertise-peer-urls "http://127.0.0.1:$PP" --initial-cluster "m0=http://127.0.0.1:$PP" \
    --logger zap --log-outputs stderr --log-level warn > "$T/etcd.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until curl -sf "http://127.0.0.1:$CP/health" > /dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "etcd did not start"; cat "$T/etcd.log"; exit 1; }
	sleep 0.1
done
echo "token-$$" > "$T/token"
chmod 600 "$T/token"
cat > "$T/probe.sh" << EOF
#!/bin/sh
id=
while [ \$# -gt 0 ]; do
	[ "\$1" = --host-id ] && id=\$2
	shift
done
exec cat "\$(cat "$T/src.\$id")"
EOF
chmod 755 "$T/probe.sh"

# daemon NAME ARGS...: migcompatd on a kernel-chosen port; sets NAME_URL.
daemon() {
	name=$1
	shift
	"$build/migcompatd" -f /dev/null --listen 127.0.0.1:0 --socket "$T/$name.sock" \
	    --db "$T/$name.db" --token-file "$T/token" --max-connections 512 \
	    "$@" > "$T/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	w=0
	while [ $w -lt 100 ]; do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$T/$name.log" | head -1)
		[ -n "$port" ] && curl -fsS "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
		sleep 0.1
		w=$((w + 1))
	done
	eval "${name}_URL=http://127.0.0.1:$port"
}
# The dumps, in a fixed order: agents take the first ones, rounds the rest.
ls "$fixtures"/instlatx64/*.json | grep -v '/_' > "$T/dumps"
ETCD="--store etcd --etcd-endpoints http://127.0.0.1:$CP"
: > "$T/import"
n=1
while [ $n -le "$agents" ]; do
	sed -n "${n}p" "$T/dumps" > "$T/src.agent$n"
	# shellcheck disable=SC2086
	daemon A$n --host-id agent$n --probe "$T/probe.sh" --interval 3600 $ETCD
	n=$((n + 1))
done
# shellcheck disable=SC2086
daemon F --host-id fleet --no-collect $ETCD
daemon S --host-id sqlite --no-collect
n=1
while [ $n -le "$agents" ]; do
	"$build/migcompat" import --socket "$T/S.sock" --host-id agent$n "$(cat "$T/src.agent$n")" > /dev/null
	n=$((n + 1))
done
i=0
until [ "$(curl -s "$F_URL/v1/hosts" | jq '[.hosts[] | select(.id | startswith("agent"))] | length')" = "$agents" ]; do
	i=$((i + 1)); [ $i -gt 300 ] && { echo "the fleet node did not see $agents agents"; exit 1; }
	sleep 0.1
done
say "etcd_setup 1 etcd member, $agents agents, a fleet node on etcd and a SQLite-only node with the same hosts"

hash_of() { curl -s "$1/v1/hosts/$2" | jq -r .host.hash; }
# Upload -> visibility: agent1 collects a new dump; time until the agent
# serves it, then until the fleet node does (the etcd path).
: > "$T/lat"
r=1
while [ $r -le "$rounds" ]; do
	f=$(sed -n "$((agents + r))p" "$T/dumps")
	echo "$f" > "$T/src.agent1"
	want=$("$build/migcompat" show --json "$f" | jq -r .host.hash)
	curl -s -o /dev/null -X POST -H "Authorization: Bearer token-$$" "$A1_URL/v1/collect"
	k=0
	while [ "$(hash_of "$A1_URL" agent1)" != "$want" ] && [ $k -lt 1000 ]; do k=$((k + 1)); sleep 0.002; done
	t1=$(now_ns)
	k=0
	while [ "$(hash_of "$F_URL" agent1)" != "$want" ] && [ $k -lt 1000 ]; do k=$((k + 1)); sleep 0.002; done
	t2=$(now_ns)
	echo $(( (t2 - t1) / 1000000 )) >> "$T/lat"
	r=$((r + 1))
done
say "etcd_visibility $(median < "$T/lat") ms median of $rounds (agent serves its new profile -> fleet node serves it; each poll is a curl and a jq: $(tr '\n' ' ' < "$T/lat")ms)"

# Query throughput on both nodes, the same questions.
wrk_rps() {
	wrk -t2 -c64 -d"${wrkdur}"s --latency "$1" > "$T/wrk.out" 2>&1
	echo "$(awk '/^Requests\/sec/ { print $2 }' "$T/wrk.out") $(awk '$1 == "99%" { print $2 }' "$T/wrk.out")"
}
for q in "v1/compat?from=agent2&to=agent3&scenario=nested" "v1/hosts/agent2/targets?scenario=nested"; do
	set -- $(wrk_rps "$S_URL/$q")
	s_rps=$1 s_p99=$2
	set -- $(wrk_rps "$F_URL/$q")
	f_rps=$1 f_p99=$2
	say "etcd_node_query /$q: fleet node on etcd $f_rps req/s (p99 $f_p99), SQLite-only node $s_rps req/s (p99 $s_p99), ratio $(awk -v a="$f_rps" -v b="$s_rps" 'BEGIN { printf "%.1f", 100 * a / b }') %"
done
say "load $(cut -d" " -f1-3 /proc/loadavg) at the end"
