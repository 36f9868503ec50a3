#!/bin/sh
# check.sh - "migcompat check" on the real hardware profiles and dumps:
# verdicts and exit statuses, the JSON answer, scenarios, policies, VM
# specs, Intel and AMD, bad input.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"

[ -d "$MIGCOMPAT_FIXTURES" ] || skip_all "fixtures not found at $MIGCOMPAT_FIXTURES"

X="$MIGCOMPAT_FIXTURES/instlatx64"
V="$MIGCOMPAT_FIXTURES/vbox"
T="$TMPDIR_TEST"
sky="$X/GenuineIntel00506E3_SkyLake_01_CPUID.json"
coffee="$X/GenuineIntel00906EA_Coffeelake_CPUID.json"
haswell="$X/GenuineIntel00306C3_Haswell_CPUID.json"
broadwell="$X/GenuineIntel00306D4_Broadwell_CPUID.json"
vb9750="$V/vboxlog_coffeelake_i7-9750H_msi-gs65.json"

# A copy of a dump with a kernel release added.
with_kernel() {
	sed "s/^{/{ \"kernel\": \"$2\",/" "$1" >"$3"
}
# The VMX MSRs of a hardware profile as an MSR dump (what a VMX-only tool sees).
vmx_dump() {
	jq '{cpu: .cpu.model_name, msrs: .layers.vmx.msrs}' "$1" >"$2"
}
# The layers of the reasons of a check --json answer, sorted and unique.
reason_layers() {
	jq -r '[.reasons[].layer] | unique | join(",")' "$1"
}

vmx_dump "$sky" "$T/sky-vmx.json"
check "same CPU from two tools (VMX MSRs): exit 0" "$MIGCOMPAT" check "$V/vbox_cpudb_i7-6700K.json" "$T/sky-vmx.json"
check "... and back" "$MIGCOMPAT" check "$T/sky-vmx.json" "$V/vbox_cpudb_i7-6700K.json"
st=$(status_of "$MIGCOMPAT" check "$sky" "$V/vbox_cpudb_i7-6700K.json")
check "full profile -> VMX-only dump: the CPUID cannot be checked, unknown (exit 3)" test "$st" -eq 3
"$MIGCOMPAT" check --json "$sky" "$V/vbox_cpudb_i7-6700K.json" >"$T/lm.json"
check "... the reason: the destination lacks the CPUID layer" \
    jq -e '[.reasons[] | select(.layer == "cpuid" and .rule == "layer-missing")] | length == 1' "$T/lm.json"
check "Haswell -> Broadwell: exit 0" "$MIGCOMPAT" check "$haswell" "$broadwell"
st=$(status_of "$MIGCOMPAT" check "$broadwell" "$haswell")
check "Broadwell -> Haswell: exit 1" test "$st" -eq 1
"$MIGCOMPAT" check --json --scenario plain "$broadwell" "$haswell" >"$T/bh.json"
check "Broadwell -> Haswell, plain: blocked by CPUID (adx, rdseed: Broadwell's new instructions)" \
    jq -e '[.reasons[] | select(.layer == "cpuid") | .name] | index("adx") != null and index("rdseed") != null' "$T/bh.json"

# AMD: the CPUID layer (and nested SVM in it) of real EPYC generations.
naples="$X/AuthenticAMD0800F12_K17_Zen_CPUID.json"
rome="$X/AuthenticAMD0830F10_K17_Rome_CPUID.json"
milan="$X/AuthenticAMD0A00F11_K19_Milan_02_CPUID.json"
genoa="$X/AuthenticAMD0A10F11_K19_Genoa_01_CPUID.json"
for f in "$naples" "$rome" "$milan" "$genoa"; do
	check "$(basename "$f") against itself, nested: exit 0" "$MIGCOMPAT" check "$f" "$f"
done
check "EPYC Naples -> Rome: exit 0" "$MIGCOMPAT" check --scenario plain "$naples" "$rome"
"$MIGCOMPAT" check --json --scenario plain "$rome" "$naples" >"$T/rn.json"
check "EPYC Rome -> Naples: blocked on Zen 2's clwb, wbnoinvd and rdpid" \
    jq -e '.verdict == "incompatible" and ([.reasons[] | select(.layer == "cpuid") | .name] | index("clwb") != null and index("wbnoinvd") != null and index("rdpid") != null)' "$T/rn.json"
"$MIGCOMPAT" check --json --scenario plain "$genoa" "$milan" >"$T/gm.json"
check "EPYC Genoa -> Milan: blocked on AVX-512" \
    jq -e '.verdict == "incompatible" and ([.reasons[] | select(.layer == "cpuid") | .name] | index("avx512f") != null)' "$T/gm.json"
"$MIGCOMPAT" check --json "$genoa" "$X/GenuineIntel0050654_SkylakeX_CPUID.json" >"$T/gi.json"
check "EPYC -> Xeon: blocked by the vendor rule alone" \
    jq -e '.verdict == "incompatible" and ([.reasons[].rule] | unique == ["vendor"])' "$T/gi.json"

"$MIGCOMPAT" check "$coffee" "$sky" >"$T/out.txt"
check "text names the control, the bit and the MSR" grep -qx \
    "secondary controls: mode-based execute control for EPT (bit 22 of IA32_VMX_PROCBASED_CTLS2) allowed on source, not on destination" "$T/out.txt"
check "text starts with the verdict" grep -q "^incompatible (scenario nested, policy strict)" "$T/out.txt"

"$MIGCOMPAT" check --json "$coffee" "$sky" >"$T/out.json"
check "--json verdict" grep -q '"verdict": "incompatible"' "$T/out.json"
check "--json compatible false" grep -q '"compatible": false' "$T/out.json"
check "--json msr in lower-case hex" grep -q '"msr": "0x48b"' "$T/out.json"
check "--json bit and half" grep -q '"half": "allowed-1"' "$T/out.json"
check "--json rule" grep -q '"rule": "allowed-1-subset"' "$T/out.json"
check "--json not_checked lists the layers hardware profiles lack" grep -q '"kvm"' "$T/out.json"
if command -v python3 >/dev/null 2>&1; then
	check "--json is one valid JSON document with every key" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
for k in ("compatible", "verdict", "scenario", "policy", "other_policy_differs", "reasons", "not_checked"):
    assert k in a, k
for r in a["reasons"]:
    for k in ("layer", "msr", "bit", "name", "src", "dst", "rule", "message"):
        assert k in r, k
    assert r["msr"] is None or r["msr"] == r["msr"].lower()
    assert r["src"].startswith("0x")
' "$T/out.json"
else
	skip "--json keys" "no python3"
fi

"$MIGCOMPAT" check --json --scenario plain "$coffee" "$sky" >"$T/plain.json"
check "plain scenario does not judge VMX" \
    jq -e '[.reasons[] | select(.layer == "vmx")] | length == 0' "$T/plain.json"
vmx_dump "$coffee" "$T/coffee-vmx.json"
st=$(status_of "$MIGCOMPAT" check --scenario plain "$T/coffee-vmx.json" "$T/sky-vmx.json")
check "plain scenario between VMX-only dumps: exit 0" test "$st" -eq 0
st=$(status_of "$MIGCOMPAT" check --scenario evmcs "$sky" "$sky")
check "eVMCS without a kernel: unknown, exit 3" test "$st" -eq 3

with_kernel "$vb9750" "6.1.0-13-amd64" "$T/k61.json"
with_kernel "$vb9750" "5.19.0-46-generic" "$T/k519.json"
st=$(status_of "$MIGCOMPAT" check --scenario evmcs-pv "$T/k61.json" "$T/k519.json")
check "6.1 with PV bit -> 5.19, strict: exit 1" test "$st" -eq 1
st=$(status_of "$MIGCOMPAT" check --scenario evmcs-pv --policy effective "$T/k61.json" "$T/k519.json")
check "6.1 with PV bit -> 5.19, effective: exit 1 (PERF_GLOBAL_CTRL in hardware)" test "$st" -eq 1
"$MIGCOMPAT" check --json --scenario evmcs-pv --policy effective "$T/k61.json" "$T/k519.json" >"$T/ev.json"
check "eVMCS reason names the exit control" grep -q '"name": "vmx-exit-load-perf-global-ctrl"' "$T/ev.json"
st=$(status_of "$MIGCOMPAT" check --scenario evmcs "$T/k61.json" "$T/k519.json")
check "6.1 without PV bit -> 5.19: exit 0" test "$st" -eq 0

# Kernels whose eVMCS filters are identical: a real Sapphire Rapids profile
# that differs only in its kernel release.
spr="$X/GenuineIntel00806F8_SapphireRapids_05_CPUID.json"
for k in 5.7.0 5.8.0 5.10.70 5.10.71 5.15.23 5.15.24 5.15.0-91-generic; do
	jq --arg k "$k" '.kernel = $k' "$spr" >"$T/spr-$k.json"
done
st=$(status_of "$MIGCOMPAT" check --scenario evmcs "$T/spr-5.7.0.json" "$T/spr-5.8.0.json")
check "eVMCS 5.7 -> 5.8 (identical filters): exit 0" test "$st" -eq 0
st=$(status_of "$MIGCOMPAT" check --scenario evmcs "$T/spr-5.8.0.json" "$T/spr-5.10.70.json")
check "eVMCS 5.8 -> 5.10.70 (no backport yet): exit 0" test "$st" -eq 0
"$MIGCOMPAT" check --json --scenario evmcs "$T/spr-5.10.70.json" "$T/spr-5.10.71.json" >"$T/s71.json"
check "eVMCS 5.10.70 -> 5.10.71 (8d68bad6d869): incompatible, names the secondary controls hidden" \
    jq -e '.verdict == "incompatible" and ([.reasons[] | select(.layer == "evmcs" and .rule == "evmcs-hidden" and .msr == "0x48b") | .bit] | sort == [8, 9, 10, 13, 17, 25])' "$T/s71.json"
"$MIGCOMPAT" check --json --scenario evmcs "$T/spr-5.15.23.json" "$T/spr-5.15.24.json" >"$T/s24.json"
check "eVMCS 5.15.23 -> 5.15.24 (7a601e2cf615, f80ae0ef089a): incompatible, preemption timer and posted interrupts" \
    jq -e '.verdict == "incompatible" and ([.reasons[] | select(.rule == "evmcs-hidden") | "\(.msr):\(.bit)"] | sort == ["0x48d:6", "0x48d:7", "0x48f:22"])' "$T/s24.json"
"$MIGCOMPAT" check --json --scenario evmcs "$T/spr-5.15.0-91-generic.json" "$T/spr-5.15.24.json" >"$T/sdist.json"
check "eVMCS distribution 5.15.0-91 -> 5.15.24: unknown, the reason names the backported commits" \
    jq -e '.verdict == "unknown" and ([.reasons[] | select(.rule == "evmcs-backport-dependent") | .message | test("7a601e2cf615,f80ae0ef089a")] | all and length == 3)' "$T/sdist.json"
st=$(status_of "$MIGCOMPAT" check --scenario evmcs "$T/spr-5.15.24.json" "$T/spr-5.15.0-91-generic.json")
check "eVMCS 5.15.24 -> distribution 5.15.0-91: either variant keeps what 5.17's filter shows: exit 0" test "$st" -eq 0

cat >"$T/vm.json" <<'JSON'
{ "scenario": "nested",
  "cpu": { "mode": "host-passthrough",
           "features": { "vmx-ept-advanced-exitinfo": false } } }
JSON
st=$(status_of "$MIGCOMPAT" check --vm "$T/vm.json" "$coffee" "$sky")
check "VM spec without mode-based EPT still blocked" test "$st" -eq 1
cat >"$T/vm2.json" <<'JSON'
{ "cpu": { "features": { "vmx-ept-advanced-exitinfo": false, "vmx-mbec": false } } }
JSON
st=$(status_of "$MIGCOMPAT" check --vm "$T/vm2.json" "$coffee" "$sky")
check "unknown vmx-* name disabled: ignored, still exit 1" test "$st" -eq 1

# Bad input: exit 2 with one line naming the file and the field.
printf '{"nested": "yes"}' >"$T/badvm.json"
st=$(status_of "$MIGCOMPAT" check --vm "$T/badvm.json" "$sky" "$sky")
check "bad VM spec: exit 2" test "$st" -eq 2
"$MIGCOMPAT" check --vm "$T/badvm.json" "$sky" "$sky" 2>"$T/err" >/dev/null
check "bad VM spec error names file and field" grep -q "badvm.json: nested:" "$T/err"
check "... on one line" test "$(wc -l <"$T/err")" -eq 1
printf '{"msrs": {"0x48b": "zz"}}' >"$T/bad.json"
st=$(status_of "$MIGCOMPAT" check "$T/bad.json" "$sky")
check "bad profile: exit 2" test "$st" -eq 2
"$MIGCOMPAT" check "$sky" "$T/bad.json" 2>"$T/err" >/dev/null
check "bad profile error names file and field" grep -q "bad.json: msrs.0x48b" "$T/err"
st=$(status_of "$MIGCOMPAT" check "$sky")
check "one profile only: exit 2" test "$st" -eq 2
st=$(status_of "$MIGCOMPAT" check --scenario nestd "$sky" "$sky")
check "unknown scenario: exit 2" test "$st" -eq 2
st=$(status_of "$MIGCOMPAT" check --policy lax "$sky" "$sky")
check "unknown policy: exit 2" test "$st" -eq 2
st=$(status_of "$MIGCOMPAT" check --scenario plain --vm "$T/vm.json" "$sky" "$sky")
check "--scenario with --vm: exit 2" test "$st" -eq 2
st=$(status_of "$MIGCOMPAT" check "$sky" "$T/does-not-exist.json")
check "missing file: exit 2" test "$st" -eq 2

done_testing
