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
jq '.kernel = "6.1\nforged  1  6.1" | .cpu.model_name = "Intel\u001b[31mRED\u001b[0m"' "$sky" >"$T/ctl.json"
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
stop_daemon D
done_testing
