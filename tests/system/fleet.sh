#!/bin/sh
# fleet.sh - the fleet queries through the CLI (offline, on files) and the
# API (a real migcompatd on loopback): targets agree with "migcompat check"
# pair by pair and between CLI and API, groups partition the hosts by
# profile hash, a baseline checks compatible against every member (and is
# refused across VMCS revisions), and fleet changes show a re-uploaded
# host's diff while its targets follow the new profile.

. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

T=$TMPDIR_TEST
I=$MIGCOMPAT_FIXTURES/instlatx64
[ -d "$I" ] || skip_all "no fixture dumps"
mkdir "$T/fleet"
n=0
# Skylake and Coffee Lake parts (one VMCS revision), two Alder Lakes (another),
# and copies under other names: identical profiles, one class.  Each host
# is the real profile under its own host id.
as_host() {	# FILE ID
	jq --arg id "$2" '.host.id = $id' "$1" >"$T/fleet/$2.json"
}
for f in "$I"/GenuineIntel0050654_Skylake*.json "$I"/GenuineIntel00906EA_Coffeelake_CPUID*.json \
    "$I"/GenuineIntel0090672_AlderLake_02_CPUID.json "$I"/GenuineIntel0090672_AlderLake_03_CPUID.json; do
	n=$((n + 1))
	as_host "$f" "h$(printf %02d $n)"
done
as_host "$T/fleet/h01.json" dup1
as_host "$T/fleet/h01.json" dup2
HOSTS=$(ls "$T/fleet" | sed 's/\.json$//')
NHOSTS=$(echo $HOSTS | wc -w)

# ---- CLI, offline ----
check "targets --json" sh -c "'$MIGCOMPAT' targets --json h01 '$T/fleet' > '$T/t.json'"
pairwise_targets() {	# SRC: the hosts "migcompat check" accepts, sorted
	for h in $HOSTS; do
		[ "$h" = "$1" ] && continue
		"$MIGCOMPAT" check "$T/fleet/$1.json" "$T/fleet/$h.json" > /dev/null 2>&1 && echo "$h"
	done | sort
}
pairwise_targets h01 > "$T/want"
check "targets agree with migcompat check on every pair ($(wc -l < "$T/want") targets)" \
    sh -c "jq -r '.targets[]' '$T/t.json' | sort | diff - '$T/want'"
check "targets list the identical copies" sh -c "jq -e '.targets | index(\"dup1\") and index(\"dup2\")' '$T/t.json'"
check "targets + blocked account for every other host" \
    sh -c "jq -e '.n_targets + ([.blocked[].hosts] | add // 0) + .unknown.hosts == $NHOSTS - 1' '$T/t.json'"
check "blocked reasons name layer and rule" sh -c "jq -e '.blocked | length > 0 and all(.layer and .rule and .message)' '$T/t.json'"
pairwise_targets h17 > "$T/want20"
check "targets from another source agree too" \
    sh -c "'$MIGCOMPAT' targets --json h17 '$T/fleet' | jq -r '.targets[]' | sort | diff - '$T/want20'"
check "targets text output" sh -c "'$MIGCOMPAT' targets h01 '$T/fleet' | grep -q 'target hosts of $NHOSTS'"
check "targets of an unknown source fails" sh -c "! '$MIGCOMPAT' targets nosuch '$T/fleet' 2>/dev/null"

check "groups --json" sh -c "'$MIGCOMPAT' groups --json '$T/fleet' > '$T/g.json'"
for h in $HOSTS; do "$MIGCOMPAT" show --json "$T/fleet/$h.json" | jq -r '.host.hash'; done | sort -u > "$T/hashes"
check "groups: one class per distinct profile hash ($(wc -l < "$T/hashes"))" \
    sh -c "jq -r '.classes[].hash' '$T/g.json' | sort | diff - '$T/hashes'"
check "groups: every host in exactly one class" \
    sh -c "[ \$(jq '[.classes[].host_ids[]] | length' '$T/g.json') -eq $NHOSTS ] && [ \$(jq -r '.classes[].host_ids[]' '$T/g.json' | sort -u | wc -l) -eq $NHOSTS ]"
check "groups: the copies share a class" \
    sh -c "jq -e '[.classes[] | select(.host_ids | index(\"h01\")) | .host_ids | (index(\"dup1\") and index(\"dup2\"))] == [true]' '$T/g.json'"
# The order agrees with the pairwise answer for the class of h01.
c01=$(jq '.classes[] | select(.host_ids | index("h01")) | .class' "$T/g.json")
jq -r --argjson c "$c01" '.order.nested[$c].to[] as $t | .classes[$t].host_ids[]' "$T/g.json" | sort > "$T/gto"
grep -v -e '^dup1$' -e '^dup2$' "$T/want" > "$T/want_nodup"
check "groups order (nested) agrees with the pairwise targets of h01" sh -c "diff '$T/gto' '$T/want_nodup'"

SAME="$T/fleet/h01.json $T/fleet/h05.json $T/fleet/h12.json $T/fleet/h15.json"
check "baseline of one VMCS revision" sh -c "'$MIGCOMPAT' baseline --json $SAME > '$T/b.json'"
check "baseline checks compatible with every member" \
    sh -c "jq -e '.check.compatible == 4 and .check.incompatible == 0 and .check.unknown == 0' '$T/b.json'"
jq '.profile' "$T/b.json" > "$T/baseline-profile.json"
for f in $SAME; do
	check "migcompat check baseline -> $(basename "$f" .json)" "$MIGCOMPAT" check "$T/baseline-profile.json" "$f"
done
# The CPU is rendered for given releases (else the installed clients):
# libvirt names vmx-* controls only from 9.10 on, so ask for 11.3 here.
check "baseline libvirt <cpu> and QEMU -cpu" \
    sh -c "'$MIGCOMPAT' baseline --libvirt --qemu-version 10.2 --libvirt-version 11.3 $SAME | grep -q '<feature policy=\"require\" name=\"vmx-ept\"/>' && '$MIGCOMPAT' baseline --qemu $SAME | grep -q '^kvm64,.*,+vmx,'"
check "baseline across VMCS revisions is refused (exit 1)" \
    sh -c "'$MIGCOMPAT' baseline $T/fleet/h01.json $T/fleet/h17.json 2>'$T/err'; [ \$? -eq 1 ] && grep -q 'VMCS revision' '$T/err'"

# ---- AMD: real EPYC and Ryzen profiles (nested virtualization is SVM, in CPUID) ----
mkdir "$T/amd"
n=0
for f in "$I"/AuthenticAMD0800F12_K17_Zen_CPUID*.json "$I"/AuthenticAMD0830F10_K17_Rome_CPUID*.json \
    "$I"/AuthenticAMD0A00F11_K19_Milan*.json "$I"/AuthenticAMD0A10F11_K19_Genoa*.json \
    "$I"/AuthenticAMD0B00F21_K20_Turin_01_CPUID.json "$I"/AuthenticAMD0A60F12_K19_Raphael_0[1-3]_CPUID.json; do
	n=$((n + 1))
	jq --arg id "a$(printf %02d $n)" '.host.id = $id' "$f" >"$T/amd/a$(printf %02d $n).json"
done
AMD_HOSTS=$(ls "$T/amd" | sed 's/\.json$//')
check "AMD fleet: $n real profiles" test "$n" -ge 10
amd_pairwise() {	# SRC SCENARIO
	for h in $AMD_HOSTS; do
		[ "$h" = "$1" ] && continue
		"$MIGCOMPAT" check --scenario "$2" "$T/amd/$1.json" "$T/amd/$h.json" >/dev/null 2>&1 && echo "$h"
	done | sort
}
for src in a01 a05; do
	for sc in plain nested; do
		amd_pairwise $src $sc >"$T/amd-want"
		check "AMD targets of $src ($sc) agree with migcompat check on every pair ($(wc -l <"$T/amd-want") targets)" \
		    sh -c "'$MIGCOMPAT' targets --json --scenario $sc $src '$T/amd' | jq -r '.targets[]' | sort | diff - '$T/amd-want'"
	done
done
"$MIGCOMPAT" groups --json "$T/amd" >"$T/amd-g.json"
check "AMD groups: every host in exactly one class" \
    sh -c "[ \$(jq '[.classes[].host_ids[]] | length' '$T/amd-g.json') -eq $n ]"
ROME_ON=$(ls "$T"/amd/*.json | sed -n '3,6p' | tr '\n' ' ')
check "AMD baseline (Rome, Milan, ...) for nested SVM" sh -c "'$MIGCOMPAT' baseline --json $ROME_ON >'$T/amd-b.json'"
check "AMD baseline checks compatible with every member, CPUID and SVM included" \
    jq -e '.check.compatible == 4 and .check.incompatible == 0 and .check.unknown == 0 and (.profile.layers | has("cpuid")) and (.profile.layers | has("vmx") | not)' "$T/amd-b.json"
check "AMD baseline CPU: qemu64 with +svm and the SVM features every host has" \
    sh -c "'$MIGCOMPAT' baseline --qemu $ROME_ON | grep -q '^qemu64,.*+svm' && '$MIGCOMPAT' baseline --qemu $ROME_ON | grep -q '+npt'"
check "an AMD and an Intel host have no baseline (exit 1, the vendors named)" \
    sh -c "'$MIGCOMPAT' baseline '$T/amd/a01.json' '$T/fleet/h01.json' 2>'$T/err'; [ \$? -eq 1 ] && grep -q AuthenticAMD '$T/err'"

# ---- API ----
echo "tok-$$" > "$T/token"
chmod 600 "$T/token"
AUTH="Authorization: Bearer $(cat "$T/token")"
JSON="Content-Type: application/json"
check "daemon starts" start_daemon D --no-collect --token-file "$T/token"
[ -n "${D_PORT:-}" ] || { done_testing; exit 1; }
URL=$D_URL
for h in $HOSTS; do
	curl -sf -o /dev/null -X PUT -H "$AUTH" -H "$JSON" --data-binary @"$T/fleet/$h.json" "$URL/v1/hosts/$h" ||
	    echo "# upload of $h failed"
done
# Versions stored from T0 on are "changes since T0" (whole seconds).
sleep 1
T0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
check "GET targets equals the CLI's" \
    sh -c "curl -sf '$URL/v1/hosts/h01/targets' | jq -r '.targets[]' | sort | diff - '$T/want'"
check "POST targets with a scenario" \
    sh -c "curl -sf -X POST -H '$JSON' -d '{\"scenario\": \"nested\"}' '$URL/v1/hosts/h01/targets' | jq -r '.targets[]' | sort | diff - '$T/want'"
check "POST targets with domain XML" \
    sh -c "curl -sf -X POST -H 'Content-Type: application/xml' --data-binary @'$top_srcdir/tests/data/domains/host-model-expanded.xml' '$URL/v1/hosts/h01/targets' | jq -e '.hosts == $NHOSTS'"
check "targets: unknown host 404" expect_error 404 GET "$URL/v1/hosts/nosuch/targets"
check "targets: bad scenario 400" expect_error 400 GET "$URL/v1/hosts/h01/targets?scenario=bogus"
check "targets: bad body 400" expect_error 400 POST "$URL/v1/hosts/h01/targets" -H "$JSON" -d '{"bogus": 1}'
check "GET groups: same classes as the CLI" \
    sh -c "curl -sf '$URL/v1/groups' | jq -r '.classes[].hash' | sort | diff - '$T/hashes'"
check "GET groups?hosts=0 leaves host ids out" \
    sh -c "curl -sf '$URL/v1/groups?hosts=0' | jq -e '[.classes[] | has(\"host_ids\")] | any | not'"
check "POST baseline" sh -c "curl -sf -X POST -H '$JSON' -d '{\"hosts\": [\"h01\", \"h05\", \"h12\", \"h15\"], \"scenario\": \"nested\"}' '$URL/v1/baseline' > '$T/ab.json'"
check "API baseline equals the CLI's" sh -c "[ \"\$(jq -r .hash '$T/ab.json')\" = \"\$(jq -r .hash '$T/b.json')\" ] && jq -e '.check.compatible == 4' '$T/ab.json'"
check "baseline across revisions 409" expect_error 409 POST "$URL/v1/baseline" -H "$JSON" -d '{"hosts": ["h01", "h17"]}'
check "baseline of an unknown host 404" expect_error 404 POST "$URL/v1/baseline" -H "$JSON" -d '{"hosts": ["h01", "nosuch"]}'
check "baseline without hosts 400" expect_error 400 POST "$URL/v1/baseline" -H "$JSON" -d '{"hosts": []}'

# A "kernel upgrade": h01 becomes an Alder Lake.  Its targets follow at once.
curl -sf -o /dev/null -X PUT -H "$AUTH" -H "$JSON" --data-binary @"$T/fleet/h17.json" "$URL/v1/hosts/h01"
cp "$T/fleet/h17.json" "$T/fleet/h01.json"
pairwise_targets h01 > "$T/want_new"
check "targets follow the re-uploaded profile" \
    sh -c "curl -sf '$URL/v1/hosts/h01/targets' | jq -r '.targets[]' | sort | diff - '$T/want_new'"
check "fleet changes since T list h01 with a diff" \
    sh -c "curl -sf '$URL/v1/fleet/changes?since=$T0' > '$T/c.json' && jq -e '.n_changes == 1 and .changes[0].host == \"h01\" and .changes[0].version == 2 and (.transitions[.changes[0].transition].diff | (.lost | length) + (.gained | length) + (.changed | length) > 0)' '$T/c.json'"
check "fleet changes since 0 list every upload" \
    sh -c "[ \$(curl -sf '$URL/v1/fleet/changes?since=0' | jq .n_changes) -eq $((NHOSTS + 1)) ]"
check "fleet changes: bad since 400" expect_error 400 GET "$URL/v1/fleet/changes?since=yesterday"

# The CLI against the daemon gives the API's answers.
check "migcompat targets --server" \
    sh -c "'$MIGCOMPAT' targets --json --server '$URL' h01 | jq -r '.targets[]' | sort | diff - '$T/want_new'"
check "migcompat targets --socket, text" sh -c "'$MIGCOMPAT' targets --socket '$D_SOCK' h01 | grep -q 'target hosts of $NHOSTS'"
check "migcompat groups --server" \
    sh -c "'$MIGCOMPAT' groups --json --server '$URL' | jq -e '.n_classes > 1 and (.classes | length) == .n_classes'"
check "migcompat baseline --server" \
    sh -c "'$MIGCOMPAT' baseline --json --server '$URL' h05 h12 | jq -e '.check.compatible == 2'"
check "migcompat baseline --server across revisions exits 1" \
    sh -c "'$MIGCOMPAT' baseline --server '$URL' h05 h17 2>/dev/null; [ \$? -eq 1 ]"
check "daemon stops cleanly" stop_daemon D
done_testing
