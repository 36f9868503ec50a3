#!/bin/sh
# cli-daemon.sh - migcompat against a daemon answers as it does offline:
# check's text (verdict line with scenario and policy, "unknown:" marks,
# the not-checked line, the other policy's verdict) and exit status, diff
# of two hosts; history and changes over the API.
. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

[ -d "$MIGCOMPAT_FIXTURES" ] || skip_all "fixtures not found at $MIGCOMPAT_FIXTURES"
T=$TMPDIR_TEST
X="$MIGCOMPAT_FIXTURES/instlatx64"
V="$MIGCOMPAT_FIXTURES/vbox"
sky="$X/GenuineIntel00506E3_SkyLake_01_CPUID.json"
coffee="$X/GenuineIntel00906EA_Coffeelake_CPUID.json"
haswell="$X/GenuineIntel00306C3_Haswell_CPUID.json"
broadwell="$X/GenuineIntel00306D4_Broadwell_CPUID.json"
vb="$V/vbox_cpudb_i7-6700K.json"
zen="$X/AuthenticAMD0800F11_K17_Zen2_CPUID.json"

check "daemon starts" start_daemon D --no-collect --host-id self
[ -n "$D_SOCK" ] || { done_testing; exit 1; }
S="--socket $D_SOCK"
for f in sky coffee haswell broadwell vb zen; do
	eval "p=\$$f"
	"$MIGCOMPAT" import $S --host-id $f "$p" >/dev/null
done

# same_check SRC DST ARGS...: the same text and exit status offline and from the daemon.
same_check() {
	a=$1
	b=$2
	shift 2
	eval "pa=\$$a pb=\$$b"
	"$MIGCOMPAT" check "$@" "$pa" "$pb" >"$T/off" 2>&1
	so=$?
	"$MIGCOMPAT" check "$@" $S "$a" "$b" >"$T/on" 2>&1
	sd=$?
	[ "$so" = "$sd" ] || { echo "exit $so offline, $sd from the daemon"; return 1; }
	diff -u "$T/off" "$T/on"
}
n=0
for pair in "haswell broadwell" "broadwell haswell" "sky vb" "vb sky" "sky coffee" "coffee sky" \
    "sky zen" "haswell haswell"; do
	for sc in plain nested evmcs evmcs-pv; do
		for po in strict effective; do
			check "check $pair --scenario $sc --policy $po: as offline" \
			    same_check $pair --scenario $sc --policy $po
			n=$((n + 1))
		done
	done
done
check "check sky vb says unknown: somewhere" sh -c "'$MIGCOMPAT' check $S sky vb | grep -q '^unknown: \|^not checked: '"
check "check --json from the daemon as offline" sh -c "'$MIGCOMPAT' check --json '$sky' '$coffee' >'$T/j1'; '$MIGCOMPAT' check --json $S sky coffee >'$T/j2'; cmp '$T/j1' '$T/j2'"

# diff HOST_A HOST_B from the daemon as diff FILE_A FILE_B offline.
check "diff of two hosts as of two files" sh -c "'$MIGCOMPAT' diff '$haswell' '$sky' >'$T/d1' && '$MIGCOMPAT' diff $S haswell sky >'$T/d2' && diff -u '$T/d1' '$T/d2'"
check "diff --json of two hosts as of two files" sh -c "'$MIGCOMPAT' diff --json '$haswell' '$sky' >'$T/d1' && '$MIGCOMPAT' diff --json $S haswell sky >'$T/d2' && diff -u '$T/d1' '$T/d2'"

# history and changes.
"$MIGCOMPAT" import $S --host-id haswell "$broadwell" >/dev/null
check "history lists both versions" sh -c "'$MIGCOMPAT' history $S haswell >'$T/h' && [ \$(wc -l <'$T/h') = 3 ] && grep -q '^VERSION\|^ *VERSION' '$T/h' && grep -q '^ *2 ' '$T/h'"
check "history --json" sh -c "'$MIGCOMPAT' history --json $S haswell | jq -e '.versions | length == 2' >/dev/null"
check "history of an unknown host: exit 2" sh -c "'$MIGCOMPAT' history $S nosuch 2>/dev/null; [ \$? = 2 ]"
check "diff HOST FROM still compares versions" sh -c "'$MIGCOMPAT' diff $S haswell 1 2 | tail -n +2 >'$T/v' && '$MIGCOMPAT' diff '$haswell' '$broadwell' >'$T/f' && diff -u '$T/f' '$T/v'"
check "changes --since 0 lists every version" sh -c "'$MIGCOMPAT' changes --json $S --since 0 | jq -e '.n_changes == 7' >/dev/null"
check "changes text: the change lines and transitions" sh -c "'$MIGCOMPAT' changes $S --since 0 >'$T/c' && grep -q '^since .*: 7 change' '$T/c' && grep -q '^transition ' '$T/c'"
check "changes without --since: usage" sh -c "'$MIGCOMPAT' changes $S 2>/dev/null; [ \$? = 2 ]"
check "changes --since garbage: the daemon's message" sh -c "! '$MIGCOMPAT' changes $S --since yesterday 2>'$T/e' && grep -q 'since' '$T/e'"

# Every layer of a profile: the same profiles imported into the daemon diff
# as the files do, byte for byte, both ways, in text and JSON.
if command -v jq >/dev/null 2>&1; then
	. "$top_srcdir/tests/system/diff-lib.sh"
	D=$T/diff
	mkdir -p "$D"
	check "diff: the profiles of every layer are made" diff_profiles "$D"
	for p in base all libvirt_status; do
		"$MIGCOMPAT" import $S --host-id "layers-$p" "$D/$p.json" >/dev/null
	done
	# same_diff A B [--json]: diff of the files and of the hosts, compared byte for byte.
	same_diff() {
		"$MIGCOMPAT" diff $3 "$D/$1.json" "$D/$2.json" >"$D/off" || return 1
		"$MIGCOMPAT" diff $3 $S "layers-$1" "layers-$2" >"$D/on" || return 1
		[ "$(wc -l <"$D/off")" -ge "$4" ] || { echo "only $(wc -l <"$D/off") lines:"; cat "$D/off"; return 1; }
		cmp "$D/off" "$D/on" || { diff -u "$D/off" "$D/on" | head -20; return 1; }
	}
	for pair in "base all" "all base" "base libvirt_status" "libvirt_status all"; do
		check "diff $pair: from the daemon as offline, every layer, byte for byte" same_diff $pair "" 1
		check "diff --json $pair: from the daemon as offline, byte for byte" same_diff $pair --json 5
	done
	check "diff base all names every layer, from the daemon too" sh -c "
		'$MIGCOMPAT' diff $S layers-base layers-all >'$D/all.out' &&
		for l in host kvm cpuid hv_cpuid feature_msrs vmx vmx_vcpu evmcs_emulated/evmcs hw_msrs tsc \
		    module_params libvirt guest sgx; do grep -q \"^[-+~] \$l \" '$D/all.out' || { echo \"no \$l\"; exit 1; }; done"
else
	skip "diff of every layer from the daemon" "jq is not installed"
fi

# hosts: columns as wide as their widest cell, nothing cut; last seen, stale.
long=host-with-a-rather-long-identifier-that-goes-past-forty-characters.example.org
"$MIGCOMPAT" import $S --host-id $long "$sky" >/dev/null
cpu=$(jq -r '.cpu.model_name' "$sky")
check "hosts: a long host id whole" sh -c "'$MIGCOMPAT' hosts $S | grep -q '^$long  '"
check "hosts: the CPU whole" sh -c "'$MIGCOMPAT' hosts $S | grep -qF '$cpu'"
check "hosts: last seen and stale columns" sh -c "'$MIGCOMPAT' hosts $S | head -1 | grep -q 'LAST SEEN  *STALE SINCE'"
check "hosts: the columns line up" sh -c "'$MIGCOMPAT' hosts $S | awk '{ print index(\$0, \$2) }' | sort -u | wc -l | grep -qx 1"
# What a profile says cannot break a row or reach the terminal: escaped as in the logs.
jq '.host.id = "ctl" | .host.hostname = "ctl\u001b[31mhost\tname\nforged" |
    .kernel = "6.1\nforged  1  6.1\t\u001b[2Jcleared" | .cpu.model_name = "Intel\u001b[31mRED\u001b[0m" |
    .layers.vmx.source = "hardware"' \
    "$sky" >"$T/ctl.json"
"$MIGCOMPAT" import $S --host-id ctl "$T/ctl.json" >/dev/null
hosts_escaped() {
	"$MIGCOMPAT" hosts $S >"$T/hosts.txt" || return 1
	n=$("$MIGCOMPAT" hosts --json $S | jq '.hosts | length')
	[ "$(wc -l <"$T/hosts.txt")" = $((n + 1)) ] && ! grep -q '^forged' "$T/hosts.txt" &&
	    grep -qF 'ctl  ' "$T/hosts.txt" && grep -qF '6.1\nforged  1  6.1' "$T/hosts.txt" ||
	    { cat -A "$T/hosts.txt"; return 1; }
}
check "hosts: a newline in a profile's kernel makes no row of its own, escaped" hosts_escaped
check "hosts: no control character reaches the terminal" sh -c "
	! LC_ALL=C grep -q \"\$(printf '\\033')\" '$T/hosts.txt' && grep -qF 'Intel\\033[31mRED\\033[0m' '$T/hosts.txt'"
check "hosts: the columns still line up" sh -c "'$MIGCOMPAT' hosts $S | awk '{ print index(\$0, \$2) }' | sort -u | wc -l | grep -qx 1"

# Every other text output of profile text is escaped the same way: no
# control character (tab included) but the newline ending each line.
no_ctl() {
	! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]' "$1" || { cat -A "$1"; return 1; }
}
# out FILE CMD...: CMD's standard output into $T/FILE.txt, which has no control character.
out() {
	o=$T/$1.txt
	shift
	"$@" >"$o"
	st=$?
	no_ctl "$o" || return 1
	[ $st -le 3 ] || { echo "exit $st"; return 1; }
}
ctl_host='host        ctl (ctl\033[31mhost\tname\nforged)'
ctl_kernel='kernel      6.1\nforged  1  6.1\t\033[2Jcleared'
show_escaped() {
	out show "$MIGCOMPAT" show "$@" && grep -qxF "$ctl_host" "$T/show.txt" &&
	    grep -qxF "$ctl_kernel" "$T/show.txt" && grep -qxF '            Intel\033[31mRED\033[0m' "$T/show.txt" &&
	    grep -qF 'judge them as the KVM of kernel 6.1\nforged  1  6.1\t\033[2Jcleared)' "$T/show.txt" ||
	    { cat "$T/show.txt"; return 1; }
}
check "show HOST: hostname, kernel and CPU escaped, each on its line" show_escaped $S ctl
check "show FILE: the same" show_escaped "$T/ctl.json"
check "check from and to the host: escaped" sh -c "
	'$MIGCOMPAT' check $S ctl sky >'$T/c1.txt'; '$MIGCOMPAT' check $S sky ctl >'$T/c2.txt'; true"
check "check from the host: no control character" no_ctl "$T/c1.txt"
check "check to the host: no control character" no_ctl "$T/c2.txt"
ctl=$T/ctl.json
check "check ctl sky: as offline" same_check ctl sky
check "check sky ctl --policy effective: as offline" same_check sky ctl --policy effective
# diff: one line per item.
diff_rows() {
	n=$("$MIGCOMPAT" diff --json "$@" | jq '[.lost, .gained, .changed | length] | add') &&
	    out diff "$MIGCOMPAT" diff "$@" && [ "$(grep -c '^[-+~] ' "$T/diff.txt")" = "$n" ] &&
	    [ "$(wc -l <"$T/diff.txt")" = $((n + ${ROWS_EXTRA:-0})) ] || { cat "$T/diff.txt"; return 1; }
}
check "diff of the files: one line per item, escaped" diff_rows "$sky" "$T/ctl.json"
check "diff of the hosts: one line per item, escaped" diff_rows $S sky ctl
check "diff of the files: the hostname escaped" grep -qF '6.1\nforged  1  6.1\t\033[2Jcleared' "$T/diff.txt"
# history: a second version with a long kernel; the columns sized from the data.
long_kernel='6.1.0-28-cloud-amd64+with-a-rather-long-local-version'
jq --arg k "$long_kernel" '.kernel = $k + "\t\u001b[0mend"' "$T/ctl.json" >"$T/ctl2.json"
"$MIGCOMPAT" import $S --host-id ctl "$T/ctl2.json" >/dev/null
# Each title's column starts at the same place on every line, after a space.
history_aligned() {
	out history "$MIGCOMPAT" history $S ctl && [ "$(wc -l <"$T/history.txt")" = 3 ] &&
	    grep -qF "$long_kernel\\t\\033[0mend  Intel\\033[31mRED\\033[0m" "$T/history.txt" &&
	    awk 'NR == 1 {
		n = split("VERSION STORED COLLECTED KERNEL CPU", t, " ")
		for (i = 1; i <= n; i++)
			p[i] = index($0, t[i])
		next
	    }
	    {
		for (i = 1; i <= n; i++)
			if (substr($0, p[i], 1) == " " || (p[i] > 1 && substr($0, p[i] - 1, 1) != " "))
				bad = 1
		if (substr($0, p[4], 4) != "6.1\\" && substr($0, p[4], 4) != "6.1.")
			bad = 1
		if (substr($0, p[5]) != "Intel\\033[31mRED\\033[0m")
			bad = 1
	    }
	    END { exit bad }' "$T/history.txt" || { cat "$T/history.txt"; return 1; }
}
check "history: escaped, one row per version, columns line up past a long kernel" history_aligned
check "diff HOST 1 2: the kernels escaped in the heading" sh -c "'$MIGCOMPAT' diff $S ctl 1 2 >'$T/d12.txt' &&
	head -1 '$T/d12.txt' | grep -qxF 'host ctl: version 1 (6.1\\nforged  1  6.1\\t\\033[2Jcleared) -> version 2 ($long_kernel\\t\\033[0mend)'"
ROWS_EXTRA=1
check "diff HOST 1 2: one line per item, escaped" diff_rows $S ctl 1 2
ROWS_EXTRA=0
# changes: every line is a heading, a change, a transition or a diff item.
changes_rows() {
	out changes "$MIGCOMPAT" changes $S --since 0 &&
	    ! grep -vE '^(since |TIME  |[0-9]{4}-[0-9]{2}-[0-9]{2}T|transition [0-9]+: |[-+~] |no changes$|$)' \
	    "$T/changes.txt" || { cat "$T/changes.txt"; return 1; }
}
check "changes: escaped, one line per change and per item" changes_rows
check "targets from the host: escaped" out targets "$MIGCOMPAT" targets $S ctl
check "targets to the host: escaped" sh -c "'$MIGCOMPAT' targets $S sky >'$T/t2.txt'; true"
check "targets to the host: no control character" no_ctl "$T/t2.txt"
groups_rows() {
	n=$("$MIGCOMPAT" groups --json $S | jq '.classes | length') && out groups "$MIGCOMPAT" groups $S &&
	    [ "$(grep -c '^  class [0-9]*: ' "$T/groups.txt")" = "$n" ] &&
	    grep -qF "Intel\\033[31mRED\\033[0m, kernel $long_kernel\\t\\033[0mend: ctl" "$T/groups.txt" &&
	    ! grep -vE '^([0-9]+ classes of |  class [0-9]+: |[a-z-]+: class -> |  [0-9]+ ->)' "$T/groups.txt" ||
	    { cat "$T/groups.txt"; return 1; }
}
check "groups: escaped, one line per class" groups_rows
whatif_rows() {
	out whatif "$MIGCOMPAT" whatif $S --kernel 6.6.0 ctl &&
	    grep -qF "(kernel $long_kernel\\t\\033[0mend): changed: ctl" "$T/whatif.txt" ||
	    { cat "$T/whatif.txt"; return 1; }
}
check "whatif: the class's kernel escaped" whatif_rows
check "retire: escaped, one line" sh -c "'$MIGCOMPAT' retire $S ctl >'$T/retire.txt' && [ \$(wc -l <'$T/retire.txt') = 1 ]"
check "retire: no control character" no_ctl "$T/retire.txt"
check "hosts --retired: escaped, one row per host" sh -c "'$MIGCOMPAT' hosts --retired $S >'$T/retired.txt' &&
	[ \$(wc -l <'$T/retired.txt') = 2 ] && grep -q '^ctl  ' '$T/retired.txt'"
check "hosts --retired: no control character" no_ctl "$T/retired.txt"
stop_daemon D

# A server that answers every request with JSON of another shape (members
# of the wrong type): each subcommand ends with a status, never a crash.
if command -v python3 >/dev/null 2>&1; then
	cat >"$T/odd.py" <<'EOF'
import http.server, sys
body = b'{"classes": 3, "order": [1], "targets": {}, "blocked": "x", "scenarios": 5, "notes": 1, "vmx_msrs": [], "versions": {}, "hosts": {"a": 1}}'
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_DELETE = answer
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
	python3 "$T/odd.py" >"$T/odd.port" &
	odd=$!
	DAEMON_PIDS="$DAEMON_PIDS $odd"
	for i in $(seq 1 50); do [ -s "$T/odd.port" ] && break; sleep 0.1; done
	OU=http://127.0.0.1:$(cat "$T/odd.port")
	odd_answers() {
		for c in groups "targets h1" "whatif --kernel 6.8 h1" "changes --since 2020-01-01T00:00:00Z" \
		    "baseline h1 h2" hosts "history h1" "diff h1 h2" "check h1 h2" "show h1" "retire h1"; do
			# shellcheck disable=SC2086
			"$MIGCOMPAT" $c --server "$OU" >/dev/null 2>"$T/odd.err"
			st=$?
			[ $st -lt 128 ] || { echo "# migcompat $c: status $st"; sed 's/^/#   /' "$T/odd.err"; return 1; }
		done
	}
	check "answers of another shape: every subcommand ends without a crash" odd_answers
	kill "$odd"
else
	skip "answers of another shape" "no python3"
fi
done_testing
