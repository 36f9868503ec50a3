#!/bin/sh
# etcd-scale.sh - the fleet store on etcd at fleet scale, measured:
#
#	sh tests/bench/etcd-scale.sh
#
# One etcd member on loopback.  bench-etcd-agents writes what BENCH_HOSTS
# (default 100 000) agents write: a lease each, its host record under it,
# 400 profiles (the 266 fixtures and 134 with another kernel; a few
# fixtures are the same profile, so about 390 distinct blobs).  Then: etcd's database size; a cold fleet node (migcompatd
# --no-collect, empty database) until it serves the last host and its peak
# RSS; a second one; a kernel-upgrade wave (10 % of the hosts move to a new
# profile at once) until both fleet nodes serve its last host; a steady
# state of keep-alives only (a third of the hosts renewed over
# BENCH_STEADY_SECONDS, default 120: the rate of 10-minute collections;
# 0 skips it) and the writes etcd counted meanwhile.  BENCH_WAVES (default
# 1) repeats the wave, each round to another new profile; BENCH_BUILD_F2
# runs the second fleet node from another build (both under the same load
# and the same waves).  Uses the
# binaries of BENCH_BUILD (default /tmp/migcompat-bench, as run.sh builds
# them; bench-etcd-agents is built there if missing).  Not a test: it asserts nothing;
# tests/bench/README.md records the results.

set -u
build=${BENCH_BUILD:-/tmp/migcompat-bench}
hosts=${BENCH_HOSTS:-100000}
steady=${BENCH_STEADY_SECONDS:-120}
waves=${BENCH_WAVES:-1}
T=$(mktemp -d /tmp/migcompat-bench-etcd-scale.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
[ -n "${BENCH_KEEP:-}" ] && trap - EXIT || trap cleanup EXIT INT TERM
say() { echo "$*"; }
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for c in etcd etcdctl curl jq python3; do
	command -v $c > /dev/null || { echo "etcd-scale.sh: $c is not installed"; exit 1; }
done
[ -x "$build/migcompatd" ] || { echo "etcd-scale.sh: no migcompatd in $build (run tests/bench/run.sh first)"; exit 1; }
[ -x "$build/tests/bench/bench-etcd-agents" ] || make -C "$build" tests/bench/bench-etcd-agents > /dev/null 2>&1 ||
    { echo "etcd-scale.sh: cannot build bench-etcd-agents in $build"; exit 1; }
agents=$build/tests/bench/bench-etcd-agents

CP=$(free_port)
PP=$(free_port)
EP=http://127.0.0.1:$CP
etcd --name m0 --data-dir "$T/m0.etcd" --listen-client-urls "$EP" --advertise-client-urls "$EP" \
    --listen-peer-urls "http://127.0.0.1:$PP" --initial-advertise-peer-urls "http://127.0.0.1:$PP" \
    --initial-cluster "m0=http://127.0.0.1:$PP" --logger zap --log-outputs stderr --log-level warn \
    > "$T/etcd.log" 2>&1 &
ETCD_PID=$!
PIDS="$PIDS $!"
i=0
until curl -sf "$EP/health" > /dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "etcd did not start"; cat "$T/etcd.log"; exit 1; }
	sleep 0.1
done
metric() { curl -s "$EP/metrics" | awk -v m="$1" '$1 == m { printf "%d\n", $2 }'; }
writes() {
	echo $(($(metric etcd_mvcc_put_total) + $(metric etcd_mvcc_delete_total) + $(metric etcd_mvcc_txn_total)))
}

t0=$(now_ns)
"$agents" load "$EP" "$T/leases" "$hosts" 3600 > "$T/load.out" || exit 1
say "etcd_scale_load $(cat "$T/load.out") ($(ms_since "$t0") ms: $hosts lease grants, one publish per profile, records in transactions of 60)"
db=$(metric etcd_mvcc_db_total_size_in_bytes)
inuse=$(metric etcd_mvcc_db_total_size_in_use_in_bytes)
keys=$(metric etcd_debugging_mvcc_keys_total)
blobs=$(ETCDCTL_API=3 etcdctl --endpoints="$EP" get --prefix /migcompat/v1/profiles/ --keys-only 2>/dev/null | grep -c profiles)
say "etcd_scale_blobs $blobs distinct profiles in etcd"
say "etcd_scale_db $((db / 1048576)) MiB (in use $((inuse / 1048576)) MiB, $keys keys; target <= 100 MB)"

# daemon NAME: a fleet node on a kernel-chosen port, empty database; sets NAME_URL, NAME_PID.
daemon() {
	bin=$build/migcompatd
	[ "$1" = F2 ] && [ -n "${BENCH_BUILD_F2:-}" ] && bin=$BENCH_BUILD_F2/migcompatd
	"$bin" -f /dev/null --listen 127.0.0.1:0 --socket none --db "$T/$1.db" \
	    --host-id "$1" --no-collect --store etcd --etcd-endpoints "$EP" > "$T/$1.log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	port=""
	w=0
	while [ -z "$port" ] && [ $w -lt 100 ]; do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$T/$1.log" | head -1)
		sleep 0.05
		w=$((w + 1))
	done
	eval "${1}_URL=http://127.0.0.1:$port ${1}_PID=$pid"
}
last=$(printf 'host%06d' $((hosts - 1)))
serves() { curl -sf "$1/v1/hosts/$2" 2>/dev/null | jq -r .host.hash 2>/dev/null; }
wait_for() {	# URL HOST HASH|"" SECONDS
	k=0
	while [ $k -lt $(($4 * 50)) ]; do
		h=$(serves "$1" "$2")
		[ -n "$h" ] && { [ -z "$3" ] || [ "$h" = "$3" ]; } && return 0
		sleep 0.02
		k=$((k + 1))
	done
	return 1
}
hwm() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
puts() { curl -s "$1/metrics" | awk '$1 == "migcompat_etcd_events_total{type=\"put\"}" { print $2 }'; }

cpu() { awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$1/stat"; }
for n in F1 F2; do
	e0=$(cpu "$ETCD_PID")
	t0=$(now_ns)
	daemon $n
	eval "url=\$${n}_URL pid=\$${n}_PID"
	wait_for "$url" "$last" "" 300 || { echo "$n did not serve $last"; tail "$T/$n.log"; exit 1; }
	t=$(ms_since "$t0")
	say "etcd_scale_cold_node $n serves all $hosts hosts $t ms after its start (target <= 15 s), $(puts "$url") hosts stored, peak RSS $(hwm "$pid") MiB (target <= 128 MB); CPU: node $(cpu "$pid") s, etcd $(awk -v a="$e0" -v b="$(cpu "$ETCD_PID")" 'BEGIN { printf "%.1f", b - a }') s; load $(cut -d" " -f1 /proc/loadavg)"
done

# The wave: every tenth host moves to its profile with an upgraded kernel,
# BENCH_WAVES times (each round a new upgrade).
# A node has applied every change before R once it reports R - 1 (the
# events of R count as done with the next change or progress report).
applied() {
	k=0
	while [ $k -lt 3000 ]; do
		r=$(curl -s "$1/metrics" | awk '$1 == "migcompat_etcd_revision" { print $2 }')
		[ "${r:-0}" -ge $((R - 1)) ] && return 0
		sleep 0.01
		k=$((k + 1))
	done
	return 1
}
serves_wave() {
	sed 1d "$T/wave.out" | while read -r id hash; do
		wait_for "$1" "$id" "$hash" 10 || return 1
	done
}
round=1
while [ $round -le "$waves" ]; do
	"$agents" wave "$EP" "$T/leases" "$hosts" 10 $round > "$T/wave.out" || exit 1
	tw=$(now_ns)
	# "wave N hosts in S s (from NS ns)", then the last host of each writer thread.
	set -- $(head -1 "$T/wave.out" | tr -d '()')
	t0=$8 ws=$5
	R=$(ETCDCTL_API=3 etcdctl --endpoints="$EP" get /none -w json | jq -r .header.revision)
	rm -f "$T/t1" "$T/t2"
	# Both nodes polled at once, each by its own loop; then each must serve
	# the last host every writer thread wrote.
	(applied "$F1_URL" && ms_since "$t0" > "$T/t1") &
	w1=$!
	(applied "$F2_URL" && ms_since "$t0" > "$T/t2") &
	w2=$!
	wait $w1 $w2
	t1=$(cat "$T/t1" 2>/dev/null) t2=$(cat "$T/t2" 2>/dev/null)
	serves_wave "$F1_URL" || t1="$t1 (but not every host)"
	serves_wave "$F2_URL" || t2="$t2 (but not every host)"
	say "etcd_scale_wave $round: $((hosts / 10)) hosts to new profiles: written in $ws s (the last acknowledged $(((tw - t0) / 1000000)) ms after the first write); served by F1 ${t1:-?} ms, by F2 ${t2:-?} ms after the first write (target <= 2 s); peak RSS F1 $(hwm "$F1_PID") MiB, F2 $(hwm "$F2_PID") MiB; load $(cut -d" " -f1 /proc/loadavg)"
	round=$((round + 1))
	sleep 2
done
db=$(metric etcd_mvcc_db_total_size_in_bytes)
say "etcd_scale_db_after_wave $((db / 1048576)) MiB"

# Steady state: nothing changes, agents only renew their leases (0: skipped).
[ "$steady" -gt 0 ] || { say "load $(cut -d" " -f1-3 /proc/loadavg) at the end"; exit 0; }
sleep 10
w0=$(writes)
p0=$(metric etcd_server_proposals_committed_total)
"$agents" keepalive "$EP" "$T/leases" $((hosts * steady / 600)) "$steady" > /dev/null || exit 1
w1=$(writes)
p1=$(metric etcd_server_proposals_committed_total)
say "etcd_scale_steady $((hosts * steady / 600)) keep-alives in $steady s ($((hosts / 600))/s, 10-minute collections): $((w1 - w0)) key-value writes, $((p1 - p0)) raft proposals committed ($(awk -v p=$((p1 - p0)) -v s="$steady" 'BEGIN { printf "%.2f", p / s }')/s)"
say "load $(cut -d" " -f1-3 /proc/loadavg) at the end"
