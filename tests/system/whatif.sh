#!/bin/sh
# whatif.sh - POST /v1/whatif and migcompat whatif on a real daemon (loopback,
# a real SQLite file) holding a fleet of converted InstLatx64 profiles of
# several generations, every one recorded as running 5.10 with its VMX
# layer the hardware's: all Skylake-SP hosts to 6.8 names the eVMCS
# classes that lose targets, with the rules engine's reasons (checked
# against "migcompat check" on the same profiles under 6.8); the kernel
# they run already changes nothing; half a class splits it; a host with
# only KVM's values is unknown; bad input is 400 or 404 with a message.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

[ -d "$MIGCOMPAT_FIXTURES/instlatx64" ] || skip_all "fixtures not found at $MIGCOMPAT_FIXTURES"
T=$TMPDIR_TEST
fx=$MIGCOMPAT_FIXTURES/instlatx64
old=5.10.0-28-amd64
new=6.8.0-45-generic

# Skylake-SP (06_55H stepping 4) and its neighbours, two hosts each.
mkdir "$T/fleet" "$T/new"
for f in GenuineIntel0050654_SkylakeXeon_CPUID5 GenuineIntel0050654_SkylakeXeon_CPUID6 \
    GenuineIntel0050657_CascadeLakeSP_CPUID1 GenuineIntel0050657_CascadeLakeSP_CPUID2 \
    GenuineIntel00306F2_HaswellEP_CPUID GenuineIntel00406F1_BroadwellE_CPUID \
    GenuineIntel00806F8_SapphireRapids_05_CPUID; do
	for n in 1 2; do
		jq --arg id "$f-$n" --arg k "$old" \
		    '.host.id = $id | .kernel = $k | .layers.vmx.source = "hardware"' \
		    "$fx/$f.json" >"$T/fleet/$f-$n.json"
	done
done
# A host with only what KVM reported (a VirtualBox dump of the VMX MSRs, no hw_msrs).
jq --arg k "$old" '.kernel = $k' "$MIGCOMPAT_FIXTURES/vbox/vbox_cpudb_i7-6700K.json" >"$T/fleet/kvmonly.json"
sky=$(cd "$T/fleet" && for f in *.json; do
	jq -r 'select(.cpu.family == 6 and .cpu.model == 85 and .cpu.stepping == 4) | .host.id' "$f"
done | sort)
check "the fleet has four Skylake-SP hosts" test "$(echo "$sky" | wc -l)" -eq 4

start_daemon D --no-collect --host-id self || { echo "# the daemon did not start"; done_testing; exit 1; }
check "the fleet is imported over the socket" "$MIGCOMPAT" import --socket "$D_SOCK" "$T"/fleet/*.json
check "the daemon keeps its fleet in a SQLite file" sh -c "test -s '$D_DB' && head -c 15 '$D_DB' | grep -q 'SQLite format'"

whatif() {
	curl -sS -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	    --data-binary "$1" "$D_URL/v1/whatif"
}
hosts_json=$(echo "$sky" | jq -R . | jq -sc .)

# All Skylake-SP hosts to 6.8.
code=$(whatif "{\"hosts\": $hosts_json, \"kernel\": \"$new\"}")
cp "$T/body" "$T/w68.json"
check "all Skylake-SP hosts to 6.8: 200" test "$code" = 200
check "their classes change, four hosts" \
    jq -e '.hosts == 4 and ([.changes[] | select(.outcome == "changed")] | length) == 2' "$T/w68.json"
check "eVMCS VMs of some class lose Skylake-SP targets" \
    jq -e '[.classes[] | .scenarios.evmcs.lost[]] | length > 0' "$T/w68.json"
check "every lost target has reasons from the rules engine, each with its message" \
    jq -e '[.classes[].scenarios[].lost[]] | length > 0 and all(.reasons | length > 0 and
	all(.message | length > 0)) and all(.verdict != "compatible")' "$T/w68.json"
# Which eVMCS source classes lose which targets: each pair checked with migcompat check.
jq -r --argjson sky "$hosts_json" '.classes[] | .hosts[0] as $s | .scenarios.evmcs.lost[] |
	"\($s) \(.hosts[0]) \(.verdict)"' "$T/w68.json" >"$T/lost"
check "the eVMCS targets lost are Skylake-SP hosts, or VMs of Skylake-SP hosts that lose others" \
    sh -c "while read -r s d v; do echo '$sky' | grep -qx \"\$s\" || echo '$sky' | grep -qx \"\$d\" || exit 1; done <'$T/lost'"
for id in $sky; do
	jq --arg k "$new" '.kernel = $k' "$T/fleet/$id.json" >"$T/new/$id.json"
done
profile() {	# the profile of host $1 in fleet $2 (fleet or new)
	if [ -f "$T/$2/$1.json" ]; then echo "$T/$2/$1.json"; else echo "$T/fleet/$1.json"; fi
}
agree() {
	while read -r s d v; do
		before=$("$MIGCOMPAT" check --json --scenario evmcs "$(profile "$s" fleet)" "$(profile "$d" fleet)" | jq -r .verdict)
		after=$("$MIGCOMPAT" check --json --scenario evmcs "$(profile "$s" new)" "$(profile "$d" new)" | jq -r .verdict)
		echo "$s -> $d: before $before, after $after, what-if $v"
		[ "$before" = compatible ] && [ "$after" = "$v" ] || return 1
	done <"$T/lost"
}
check "every eVMCS loss is what migcompat check says of the same profiles under $old and $new" agree
check "the groups keep their number: the Skylake-SP classes move whole" \
    jq -e '.groups.before == .groups.after and (.groups.split | length) == 0 and (.groups.merged | length) == 0' "$T/w68.json"

# The CLI: the same answer, and the text names the eVMCS losses with their reasons.
# shellcheck disable=SC2086
"$MIGCOMPAT" whatif --socket "$D_SOCK" --kernel "$new" --json $sky >"$T/cli.json"
check "migcompat whatif --json prints the daemon's answer" \
    sh -c "jq -S 'del(.classes[].scenarios[].lost[].reasons)' '$T/cli.json' >'$T/a'; jq -S 'del(.classes[].scenarios[].lost[].reasons)' '$T/w68.json' >'$T/b'; cmp '$T/a' '$T/b'"
# shellcheck disable=SC2086
"$MIGCOMPAT" whatif --server "$D_URL" --kernel "$new" --scenario evmcs $sky >"$T/cli.txt"
check "migcompat whatif names the eVMCS VMs that lose targets, with reasons" \
    sh -c "grep -q '^  evmcs VMs:' '$T/cli.txt' && grep -q '    loses class' '$T/cli.txt' && grep -Eq '^      (unknown: )?eVMCS' '$T/cli.txt'"
check "--scenario evmcs answers for that scenario only" \
    sh -c "! grep -q '^  nested VMs:' '$T/cli.txt'"

# The kernel they run already: nothing changes.
code=$(whatif "{\"hosts\": $hosts_json, \"kernel\": \"$old\"}")
check "a what-if to the kernel they run changes nothing" \
    sh -c "test '$code' = 200 && jq -e '.unchanged and .lost == 0 and .gained == 0 and (.classes | length) == 0 and
	all(.changes[]; .outcome == \"unchanged\")' '$T/body'"
st=$(status_of "$MIGCOMPAT" whatif --socket "$D_SOCK" --kernel "$old" $sky)
check "migcompat whatif says so" sh -c "test $st -eq 0 && $MIGCOMPAT whatif --socket '$D_SOCK' --kernel '$old' $(echo $sky) | grep -q 'nothing changes'"

# Half of one class: it splits.
one=$(echo "$sky" | head -1)
code=$(whatif "{\"hosts\": [\"$one\"], \"kernel\": \"$new\"}")
check "one host of a two-host class to 6.8: its class splits" \
    sh -c "test '$code' = 200 && jq -e --arg h '$one' '[.groups.split[].into[].hosts[]] | index(\$h) != null' '$T/body'"
# A class by its number in /v1/groups.
cls=$(curl -fsS "$D_URL/v1/groups" | jq --arg h "$one" '.classes[] | select(.host_ids | index($h)) | .class')
code=$(whatif "{\"class\": $cls, \"kernel\": \"$new\", \"scenario\": \"nested\"}")
check "a class by its number: its two hosts change, one scenario answered" \
    sh -c "test '$code' = 200 && jq -e '.hosts == 2 and .scenarios == [\"nested\"]' '$T/body'"

# Only KVM's values, rows that differ between 5.10 and 6.8: unknown, with the reason.
kid=$(jq -r '.host.id // empty' "$T/fleet/kvmonly.json")
[ -n "$kid" ] || kid=kvmonly
code=$(whatif "{\"hosts\": [\"$kid\"], \"kernel\": \"$new\"}")
check "a host with only KVM's values: unknown, with the reason" \
    sh -c "test '$code' = 200 && jq -e '.unknown[0].reason | test(\"cannot be mapped back\")' '$T/body'"
code=$(whatif "{\"hosts\": [\"$kid\"], \"kernel\": \"5.10\"}")
check "... and the same rows (5.10.0 to 5.10): mapped back exactly" \
    sh -c "test '$code' = 200 && jq -e '.changes[0].outcome == \"changed\" and (.unknown | length) == 0' '$T/body'"

# Bad input.
bad() {	# STATUS TEXT BODY
	code=$(whatif "$3")
	echo "$code: $(cat "$T/body")"
	test "$code" = "$1" && jq -e --arg t "$2" '.error.message | contains($t)' "$T/body" >/dev/null
}
check "an unknown kernel is 400" bad 400 "starts at 4.20" "{\"hosts\": [\"$one\"], \"kernel\": \"4.19\"}"
check "a kernel that is no release is 400" bad 400 "not a kernel release" "{\"hosts\": [\"$one\"], \"kernel\": \"latest\"}"
check "an unknown host is 404" bad 404 "unknown host ID" '{"hosts": ["no-such-host"], "kernel": "6.8"}'
check "an unknown class is 404" bad 404 "no class 999" '{"class": 999, "kernel": "6.8"}'
check "bad JSON is 400" bad 400 "JSON" '{"hosts": ['
check "an unknown parameter is 400" bad 400 "unknown kvm_intel parameter" \
    "{\"hosts\": [\"$one\"], \"kernel\": \"6.8\", \"params\": {\"kvm_intel.bogus\": 1}}"
check "no hosts and no class is 400" bad 400 "give the hosts" '{"kernel": "6.8"}'
check "an unknown field is 400" bad 400 "unknown field" "{\"hosts\": [\"$one\"], \"kernel\": \"6.8\", \"x\": 1}"
check "hosts that is no array is 400" bad 400 "hosts" '{"hosts": "a", "kernel": "6.8"}'
check "a host id that is no string is 400" bad 400 "hosts[0]" '{"hosts": [7], "kernel": "6.8"}'
check "a kernel that is no string is 400" bad 400 "kernel" "{\"hosts\": [\"$one\"], \"kernel\": 6.8}"
check "a kernel of 4000 characters is 400" bad 400 "kernel" \
    "{\"hosts\": [\"$one\"], \"kernel\": \"6.$(printf '%04000d' 8)\"}"
check "a parameter value that is an object is 400" bad 400 "params.kvm_intel.ept" \
    "{\"hosts\": [\"$one\"], \"kernel\": \"6.8\", \"params\": {\"kvm_intel.ept\": {}}}"
check "a parameter value of 100 characters is 400, not cut to one that parses" bad 400 "params.kvm_intel.ept: value too long" \
    "{\"hosts\": [\"$one\"], \"kernel\": \"6.8\", \"params\": {\"kvm_intel.ept\": \"$(printf '%0100d' 0)x\"}}"
check "a parameter value with a NUL is 400" bad 400 "params.kvm_intel.ept: value too long or with a NUL" \
    "{\"hosts\": [\"$one\"], \"kernel\": \"6.8\", \"params\": {\"kvm_intel.ept\": \"1\\u0000x\"}}"
check "a parameter of another module is 400" bad 400 "only kvm_intel" \
    "{\"hosts\": [\"$one\"], \"kernel\": \"6.8\", \"params\": {\"kvm.nx_huge_pages\": 1}}"
check "a negative class is 400" bad 400 "class" '{"class": -1, "kernel": "6.8"}'
check "hosts and class together is 400" bad 400 "not both" "{\"hosts\": [\"$one\"], \"class\": 0, \"kernel\": \"6.8\"}"
check "an unknown scenario is 400" bad 400 "scenario" "{\"hosts\": [\"$one\"], \"kernel\": \"6.8\", \"scenario\": \"x\"}"
check "a body that is no object is 400" bad 400 "must be" '[1]'
st=$(status_of "$MIGCOMPAT" whatif --socket "$D_SOCK" --kernel 4.19 "$one")
check "migcompat whatif with an unknown kernel exits 2" test "$st" -eq 2
code=$(whatif "{\"hosts\": $hosts_json, \"params\": {\"kvm_intel.nested\": \"N\"}, \"scenario\": \"nested\"}")
check "a parameter alone: with nested=N the Skylake-SP hosts' KVM reports no VMX MSRs, their nested targets are lost" \
    sh -c "test '$code' = 200 && jq -e '.kernel == null and .lost > 0 and
	all(.classes[].scenarios.nested.lost[]; .verdict != \"compatible\" and any(.reasons[]; .rule == \"layer-missing\"))' '$T/body'"

# A retired host is 410 naming the time, as on the other routes.
curl -fsS -o /dev/null -X DELETE --unix-socket "$D_SOCK" "http://localhost/v1/hosts/$kid"
check "a retired host is 410 naming the time" bad 410 "host $kid was retired at" \
    "{\"hosts\": [\"$one\", \"$kid\"], \"kernel\": \"6.8\"}"
check "... with the host in the error" jq -e --arg h "$kid" '.error.host == $h and (.error.retired_at | length) > 0' "$T/body"
# shellcheck disable=SC2086
"$MIGCOMPAT" whatif --socket "$D_SOCK" --param kvm_intel.nested=N --scenario nested $sky >"$T/param.txt"
check "migcompat whatif with a parameter alone names it and the kernels kept" \
    sh -c "head -1 '$T/param.txt' | grep -qx 'kernel unchanged, kvm_intel.nested=N: 4 hosts change'"
check "... and every class line names both kernels" \
    sh -c "grep '^class ' '$T/param.txt' | grep -q . && ! grep '^class ' '$T/param.txt' | grep -v 'kernel [^ ]* -> [^ ]* ('"

check "the daemon is still serving" curl -fsS -o /dev/null "$D_URL/healthz"
check "the daemon stops cleanly" stop_daemon D
done_testing
