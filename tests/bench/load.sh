#!/bin/sh
# load.sh - the daemon under load, measured as its users load it:
#
#	sh tests/bench/load.sh
#
# (a) the hook's request (bench-hook: POST /v1/compat with domain XML over
#     the Unix socket, a new connection each, every 50 ms) on the idle
#     daemon, then while BENCH_HOSTS (100 000) hosts are imported over TCP
#     and GET /v1/groups is asked again and again (each a first run: every
#     batch changes the partition); p50, p99 and the ratio of the two p99s.
#     The import client and the groups loop run at nice 10: they stand for
#     other machines, and on a small box their own CPU time would otherwise
#     be counted against the daemon;
# (b) wrk -t2 -c64 with pairs.lua (PAIRS, 20 000 distinct pairs rotating)
#     on GET /v1/compat against bench-mhd, a trivial libmicrohttpd server
#     with the daemon's TCP thread count answering a compat body, in the
#     same run, alternating, BENCH_REPEAT (2) times each;
# (c) targets p50 in process (bench-fleet) and over HTTP (client side,
#     21 hosts), against GET /healthz over the same path;
# (d) SIGTERM to exit of an agent whose fleet URL never answers (a socket
#     that never accepts, and an address nothing routes), against one
#     without a fleet URL, BENCH_REPEAT + 1 times each.
# BENCH_PARTS (default "a b c d") picks measurements; (a) imports the
# fleet the others use, so (b) and the HTTP half of (c) need it.
# One "name value unit (notes)" line per result on stdout and in
# BENCH_BUILD/load-results.txt.  Not a test: tests/bench/README.md records
# the results.

set -u
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
build=${BENCH_BUILD:-/tmp/migcompat-bench}
fixtures=${MIGCOMPAT_FIXTURES:-$srcdir/tests/fixtures}
hosts=${BENCH_HOSTS:-100000}
port=${BENCH_PORT:-17490}
mhdport=$((port + 1))
wrkdur=${BENCH_WRK_SECONDS:-10}
repeat=${BENCH_REPEAT:-2}
parts=" ${BENCH_PARTS:-a b c d} "
tmp=$(mktemp -d /tmp/migcompat-load.XXXXXX)
out=$build/load-results.txt
daemon_pid= mhd_pid= hole_pid= hook_pid=

say() { echo "$*" | tee -a "$out"; }
load() { cut -d" " -f1 /proc/loadavg; }
cleanup() {
	for p in $daemon_pid $mhd_pid $hole_pid $hook_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
now_ms() { date +%s%3N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

mkdir -p "$build"
: > "$out"
if [ ! -f "$build/Makefile" ]; then
	[ -x "$srcdir/configure" ] || (cd "$srcdir" && autoreconf -fi) || exit 1
	(cd "$build" && "$srcdir/configure" -q --with-fixtures="$fixtures" CFLAGS='-O2 -g') || exit 1
fi
make -C "$build" -j"$(nproc)" migcompatd tests/bench/bench-fleet tests/bench/bench-mhd \
    tests/bench/bench-hook > "$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; exit 1; }
bf=$build/tests/bench/bench-fleet
threads=$(nproc); [ "$threads" -lt 2 ] && threads=2; [ "$threads" -gt 16 ] && threads=16

say "machine $(uname -m), $(nproc) CPUs, kernel $(uname -r); date $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(cd "$srcdir" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
say "load $(cut -d" " -f1-3 /proc/loadavg) at the start"

start_daemon() {	# name, then options
	dn=$1; shift
	rm -f "$tmp/$dn.db"*
	"$build/migcompatd" -f /dev/null --db "$tmp/$dn.db" --listen "127.0.0.1:$port" \
	    --socket "$tmp/$dn.sock" --token-file "$tmp/token" --log-level warning "$@" 2> "$tmp/$dn.log" &
	daemon_pid=$!
	i=0
	until curl -sf "http://127.0.0.1:$port/healthz" > /dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && { say "daemon did not start:"; cat "$tmp/$dn.log"; exit 1; }
		sleep 0.1
	done
}
stop_daemon() { kill "$daemon_pid"; wait "$daemon_pid"; daemon_pid=; }
echo "bench-token-$$" > "$tmp/token"
chmod 600 "$tmp/token"
url=http://127.0.0.1:$port

# ---- (c) targets in process ----
case $parts in *" c "*)
	say "# (c) targets, in process (load $(load))"
	BENCH_SKIP_PAIRWISE=1 MIGCOMPAT_FIXTURES=$fixtures "$bf" inproc "$hosts" > "$tmp/inproc.out"
	grep -E '^(fleet_index_build|targets_)' "$tmp/inproc.out" | tee -a "$out"
esac

# ---- (a) the hook during an import and first groups runs ----
say "# (a) the hook's request during a $hosts-host import and first groups runs"
start_daemon a --no-collect --host-id host-000001 --max-connections 512
MIGCOMPAT_FIXTURES=$fixtures "$bf" import "$url" "$tmp/token" 100 > /dev/null
xml=$srcdir/tests/data/domains/plain-custom.xml
"$build/tests/bench/bench-hook" "$tmp/a.sock" "$xml" 10 50 > "$tmp/hook.idle"
say "hook_idle $(tr '\n' ' ' < "$tmp/hook.idle")(idle daemon, 100 hosts; load $(load))"
"$build/tests/bench/bench-hook" "$tmp/a.sock" "$xml" 0 50 > "$tmp/hook.load" &
hook_pid=$!
(
	while [ ! -f "$tmp/import.done" ]; do
		nice -n 10 curl -s -o /dev/null -w '%{time_total}\n' "$url/v1/groups"
	done > "$tmp/groups.times"
) &
gl=$!
t0=$(now_ms)
MIGCOMPAT_FIXTURES=$fixtures nice -n 10 "$bf" import "$url" "$tmp/token" "$hosts" > "$tmp/import.out"
t1=$(now_ms)
touch "$tmp/import.done"
wait "$gl"
# The first groups run on the whole fleet, still under the hook's questions.
g=$(curl -s -o /dev/null -w '%{time_total}' "$url/v1/groups" | awk '{ printf "%.0f", $1 * 1000 }')
kill -TERM "$hook_pid"; wait "$hook_pid"; hook_pid=
gmax=$(sort -n "$tmp/groups.times" | tail -1 | awk '{ printf "%.0f", $1 * 1000 }')
say "import $(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 )) s ($(grep -c . "$tmp/groups.times") GET /v1/groups meanwhile, $(median < "$tmp/groups.times" | awk '{ printf "%.0f", $1 * 1000 }') ms median, $gmax ms max: one after each batch computes the order; then $g ms)"
say "hook_load $(tr '\n' ' ' < "$tmp/hook.load")(load $(load))"
# The daemon's own view of the hook's route: time from the request's headers to its answer.
curl -s "$url/metrics" | awk '/^migcompat_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/compat"/ {
	match($0, /le="[^"]*"/); printf "%s%s %s", sep, substr($0, RSTART + 4, RLENGTH - 5), $2; sep = ", " }
	END { print "" }' | sed 's/^/hook_server_side_histogram (le seconds, count): /' | tee -a "$out"
p99i=$(awk '/^hook_p99/ { print $2 }' "$tmp/hook.idle")
p99l=$(awk '/^hook_p99/ { print $2 }' "$tmp/hook.load")
say "hook_p99_ratio $(ratio "$p99l" "$p99i") x the idle daemon's p99 (target: p99 <= 20 ms under load)"

# ---- (c) targets over HTTP ----
case $parts in *" c "*)
say "# (c) targets over HTTP, client side (load $(load))"
curl -s -o /dev/null "$url/v1/hosts/host-000000/targets"
for n in $(seq 21); do
	h=$("$bf" hostid $((n * 4649 % hosts)))
	curl -s -o /dev/null -w '%{time_total}\n' "$url/v1/hosts/$h/targets?scenario=nested"
done | awk '{ print $1 * 1000 }' | median > "$tmp/t.http"
for n in $(seq 21); do
	curl -s -o /dev/null -w '%{time_total}\n' "$url/healthz"
done | awk '{ print $1 * 1000 }' | median > "$tmp/t.health"
say "http_targets_p50 $(cat "$tmp/t.http") ms ($(curl -s "$url/v1/hosts/host-000000/targets?scenario=nested" | wc -c) bytes; GET /healthz the same way $(cat "$tmp/t.health") ms, ratio $(ratio "$(cat "$tmp/t.http")" "$(cat "$tmp/t.health")"))"
esac

# ---- (b) distinct pairs against the trivial server ----
case $parts in *" b "*)
if command -v wrk > /dev/null; then
	say "# (b) wrk -t2 -c64, ${PAIRS:-20000} distinct pairs rotating, $threads threads on both servers"
	curl -s "$url/v1/compat?from=host-000000&to=host-000001&scenario=nested" > "$tmp/body.json"
	"$build/tests/bench/bench-mhd" "$mhdport" "$tmp/body.json" "$threads" &
	mhd_pid=$!
	sleep 0.3
	export PAIRS_HOSTS=$hosts PAIRS=${PAIRS:-20000} PAIRS_THREADS=2
	wrk_run() {	# name url
		wrk -t2 -c64 -d"$wrkdur"s --latency -s "$srcdir/tests/bench/pairs.lua" "$2" > "$tmp/wrk.$1" 2>&1
		rps=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.$1")
		p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.$1")
		errs=$(grep -E 'Non-2xx|Socket errors' "$tmp/wrk.$1" | tr '\n' ' ')
		echo "$rps" >> "$tmp/rps.$3"
		say "$1 $rps req/s (p99 $p99${errs:+, $errs}; load $(load))"
	}
	for r in $(seq "$repeat"); do
		wrk_run "wrk_trivial_$r" "http://127.0.0.1:$mhdport" trivial
		wrk_run "wrk_compat_$r" "$url" daemon
	done
	a=$(median < "$tmp/rps.daemon")
	b=$(median < "$tmp/rps.trivial")
	say "wrk_pairs_ratio $(ratio "$a" "$b") x the trivial server (medians $a vs $b req/s; target >= 0.90)"
	curl -s "$url/metrics" | grep -E '^migcompat_compat_answers(_cached)?_total' | tr '\n' ' ' | sed 's/^/# /' | tee -a "$out"; echo | tee -a "$out"
	say "daemon_rss $(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' /proc/$daemon_pid/status) MiB after (b) (peak $(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' /proc/$daemon_pid/status) MiB; the compat answer cache filled)"
	kill "$mhd_pid"; wait "$mhd_pid" 2>/dev/null; mhd_pid=
else
	say "wrk - (not installed)"
fi
esac
curl -s "$url/v1/hosts/host-000000" > "$tmp/profile.json"
stop_daemon

# ---- (d) SIGTERM with a fleet URL that never answers ----
case $parts in *" d "*) ;; *) say "load $(cut -d" " -f1-3 /proc/loadavg) at the end"; exit 0 ;; esac
say "# (d) SIGTERM to exit, the agent pushing to a fleet that never answers"
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
time.sleep(600)' > "$tmp/hole.port" &
hole_pid=$!
i=0
while [ ! -s "$tmp/hole.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
printf '#!/bin/sh\nexec cat "%s"\n' "$tmp/profile.json" > "$tmp/probe.sh"
chmod 755 "$tmp/probe.sh"
term() {	# name, then fleet options
	n=$1; shift
	: > "$tmp/term.$n"
	for r in $(seq $((repeat + 1))); do
		start_daemon "term-$n" --probe "$tmp/probe.sh" --host-id agent "$@"
		sleep 1
		t0=$(now_ms)
		kill -TERM "$daemon_pid"
		wait "$daemon_pid"
		echo $(($(now_ms) - t0)) >> "$tmp/term.$n"
		daemon_pid=
	done
	say "sigterm_$n $(median < "$tmp/term.$n") ms median ($(tr '\n' ' ' < "$tmp/term.$n")ms; load $(load))"
}
term none
term blackhole --fleet "http://127.0.0.1:$(cat "$tmp/hole.port")" --fleet-token-file "$tmp/token"
term unroutable --fleet "http://192.0.2.1:7480" --fleet-token-file "$tmp/token"
say "load $(cut -d" " -f1-3 /proc/loadavg) at the end"
say "results in $out"
