#!/bin/sh
# run.sh - the migcompat fleet benchmark, in one command:
#
#	sh tests/bench/run.sh
#
# Builds an optimised out-of-tree copy (BENCH_BUILD, default
# /tmp/migcompat-bench), then measures: in-process pairwise checks, fleet
# index, targets, groups and baseline on a synthetic fleet of BENCH_HOSTS
# (default 100 000) full profiles; the import of that fleet into a real
# migcompatd over HTTP with its RSS and database size; targets and groups
# over HTTP; GET /v1/compat with wrk against a trivial libmicrohttpd server
# answering the same body; virsh hypervisor-cpu-compare and
# virConnectCompareHypervisorCPU against a real libvirtd; probe collection
# (needs /dev/kvm).  Every result is one "name value unit (notes)" line on
# stdout, also written to BENCH_BUILD/bench-results.txt.  Not a test: it
# asserts nothing; tests/bench/README.md records the results.  The daemon
# under load (the hook during an import, distinct pairs, targets, SIGTERM)
# is tests/bench/load.sh.

set -u
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
build=${BENCH_BUILD:-/tmp/migcompat-bench}
fixtures=${MIGCOMPAT_FIXTURES:-$srcdir/tests/fixtures}
hosts=${BENCH_HOSTS:-100000}
port=${BENCH_PORT:-17490}
mhdport=$((port + 1))
wrkdur=${BENCH_WRK_SECONDS:-10}
tmp=$(mktemp -d /tmp/migcompat-bench.XXXXXX)
out=$build/bench-results.txt
daemon_pid= mhd_pid= libvirtd_started=

say() { echo "$*" | tee -a "$out"; }
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	[ -n "$mhd_pid" ] && kill "$mhd_pid" 2>/dev/null && wait "$mhd_pid" 2>/dev/null
	if [ -n "$libvirtd_started" ] && [ -f "$tmp/libvirtd.pid" ]; then
		kill "$(cat "$tmp/libvirtd.pid")" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Median of numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
now_ns() { date +%s%N; }

mkdir -p "$build"
: > "$out"

# ---- build ----
if [ ! -f "$build/Makefile" ]; then
	[ -x "$srcdir/configure" ] || (cd "$srcdir" && autoreconf -fi) || exit 1
	(cd "$build" && "$srcdir/configure" -q --with-fixtures="$fixtures" CFLAGS='-O2 -g') || exit 1
fi
make -C "$build" -j"$(nproc)" migcompatd migcompat migcompat-probe tests/bench/bench-fleet \
    tests/bench/bench-mhd tests/bench/bench-ioctl > "$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; exit 1; }
bf=$build/tests/bench/bench-fleet

# ---- machine ----
say "machine $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
say "load $(cut -d" " -f1-3 /proc/loadavg) (1, 5, 15 min averages at the start: other work on the machine skews every number)"
say "date $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(cd "$srcdir" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"

# ---- in-process ----
MIGCOMPAT_FIXTURES=$fixtures "$bf" inproc "$hosts" | tee -a "$out"

# ---- the daemon: import, memory, database, targets and groups over HTTP ----
echo "bench-token-$$" > "$tmp/token"
chmod 600 "$tmp/token"
"$build/migcompatd" -f /dev/null --no-collect --db "$tmp/db.sqlite" --listen "127.0.0.1:$port" \
    --socket "$tmp/sock" --token-file "$tmp/token" --max-connections 512 --log-level warning \
    2> "$tmp/daemon.log" &
daemon_pid=$!
url=http://127.0.0.1:$port
i=0
until curl -sf "$url/healthz" > /dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && { say "daemon did not start:"; cat "$tmp/daemon.log"; exit 1; }
	sleep 0.1
done
MIGCOMPAT_FIXTURES=$fixtures "$bf" import "$url" "$tmp/token" "$hosts" | grep -v '^fleet_' | tee -a "$out"
src=$("$bf" hostid 0)
dst=$("$bf" hostid 1)
# The fleet index is in memory already (updated on every PUT); one query warms the page cache.
curl -s "$url/v1/hosts/$src/targets" > /dev/null
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21; do
	h=$("$bf" hostid $((n * 4649 % hosts)))
	curl -s -o /dev/null -w '%{time_total}\n' "$url/v1/hosts/$h/targets?scenario=nested"
done | awk '{ print $1 * 1000 }' | median | { read -r m; say "http_targets_p50 $m ms (client-side over loopback, $(curl -s "$url/v1/hosts/$src/targets" | wc -c) bytes)"; }
t0=$(now_ns); curl -s -o /dev/null "$url/v1/groups"; t1=$(now_ns)
curl -s -o /dev/null -w '%{time_total}\n' "$url/v1/groups" | awk '{ print $1 * 1000 }' > "$tmp/g2"
say "http_groups_first $(( (t1 - t0) / 1000000 )) ms (order computed after the import)"
say "http_groups_cached $(cat "$tmp/g2") ms ($(curl -s "$url/v1/groups" | wc -c) bytes with every host id)"
say "daemon_rss $(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' /proc/$daemon_pid/status) MiB (peak $(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' /proc/$daemon_pid/status) MiB)"
say "database $(du -cb "$tmp"/db.sqlite* | awk 'END { printf "%.1f", $1 / 1048576 }') MiB (db + WAL; $(ls -1 "$tmp"/db.sqlite* | wc -l) files)"

# ---- HTTP: GET /v1/compat against the trivial server ----
curl -s "$url/v1/compat?from=$src&to=$dst&scenario=nested" > "$tmp/body.json"
# The trivial server with the daemon's TCP threads: one per CPU, 2 to 16.
threads=$(nproc); [ "$threads" -lt 2 ] && threads=2; [ "$threads" -gt 16 ] && threads=16
"$build/tests/bench/bench-mhd" "$mhdport" "$tmp/body.json" "$threads" &
mhd_pid=$!
sleep 0.3
if command -v wrk > /dev/null; then
	wrk_run() {	# name url threads connections
		wrk -t"$3" -c"$4" -d"$wrkdur"s --latency "$2" > "$tmp/wrk.$1" 2>&1
		rps=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.$1")
		p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.$1")
		avg=$(awk '$1 == "Latency" { print $2; exit }' "$tmp/wrk.$1")
		errs=$(grep -E 'Non-2xx|Socket errors' "$tmp/wrk.$1" | tr '\n' ' ')
		say "$1 $rps req/s (p99 $p99, mean $avg${errs:+, $errs})"
	}
	wrk_run wrk_trivial_mhd "http://127.0.0.1:$mhdport/v1/compat" 2 64
	wrk_run wrk_api_compat "$url/v1/compat?from=$src&to=$dst&scenario=nested" 2 64
	wrk_run wrk_api_compat_1client "$url/v1/compat?from=$src&to=$dst&scenario=nested" 1 1
	a=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.wrk_api_compat")
	b=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.wrk_trivial_mhd")
	say "wrk_ratio $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", 100 * a / b }') % of the trivial server"
else
	say "wrk - (not installed: apt-get install wrk)"
fi

# ---- libvirt: what a user reaches for today ----
if command -v virsh > /dev/null && command -v libvirtd > /dev/null; then
	if ! virsh -r -c qemu:///system version > /dev/null 2>&1; then
		libvirtd -d -p "$tmp/libvirtd.pid" > /dev/null 2>&1 && libvirtd_started=1
		i=0
		until virsh -r -c qemu:///system version > /dev/null 2>&1 || [ $i -gt 50 ]; do
			i=$((i + 1)); sleep 0.2
		done
	fi
	cat > "$tmp/cpu.xml" <<-'XML'
	<cpu mode='custom' match='exact'>
	  <model fallback='forbid'>qemu64</model>
	</cpu>
	XML
	virsh -c qemu:///system hypervisor-cpu-compare --virttype qemu "$tmp/cpu.xml" > "$tmp/virsh.out" 2>&1
	say "virsh_result $(head -1 "$tmp/virsh.out")"
	t0=$(now_ns)
	for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		virsh -c qemu:///system hypervisor-cpu-compare --virttype qemu "$tmp/cpu.xml" > /dev/null 2>&1
	done
	t1=$(now_ns)
	say "virsh_hypervisor_cpu_compare $(( (t1 - t0) / 20000 )) us/call (20 calls, a new virsh process each)"
	"$bf" libvirt qemu:///system "$tmp/cpu.xml" 3 | tee -a "$out"
else
	say "libvirt - (virsh/libvirtd not installed)"
fi

# ---- probe collection ----
# The probe without its guest and libvirt, against a bare program doing the
# same KVM ioctls, alternating, 21 runs each: the medians and their ratio.
if [ -c /dev/kvm ] && "$build/tests/bench/bench-ioctl" > "$tmp/ioctl.out" 2>&1; then
	: > "$tmp/t.probe"
	: > "$tmp/t.bare"
	for n in $(seq 21); do
		t0=$(now_ns); "$build/migcompat-probe" --no-guest --no-libvirt > /dev/null 2>&1; t1=$(now_ns)
		echo $(( (t1 - t0) / 1000 )) >> "$tmp/t.probe"
		t0=$(now_ns); "$build/tests/bench/bench-ioctl" > /dev/null 2>&1; t1=$(now_ns)
		echo $(( (t1 - t0) / 1000 )) >> "$tmp/t.bare"
	done
	pm=$(median < "$tmp/t.probe")
	bm=$(median < "$tmp/t.bare")
	say "probe_collection $pm us median of 21 (migcompat-probe --no-guest --no-libvirt)"
	say "bare_ioctls $bm us median of 21 (bench-ioctl: $(cat "$tmp/ioctl.out"))"
	say "probe_ratio $(awk -v a="$pm" -v b="$bm" 'BEGIN { printf "%.2f", a / b }') x the bare program"
	t0=$(now_ns); "$build/migcompat-probe" > "$tmp/full.json" 2>/dev/null; t1=$(now_ns)
	say "probe_full $(( (t1 - t0) / 1000 )) us (with the probe guest and libvirt; guest: $(jq -r .layers.guest.reason "$tmp/full.json" 2>/dev/null))"
else
	say "probe_collection - (no usable /dev/kvm on this machine: not measured)"
fi
say "load $(cut -d" " -f1-3 /proc/loadavg) at the end"
say "results in $out"
