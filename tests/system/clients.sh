#!/bin/sh
# clients.sh - the CPU configurations "migcompat baseline" emits, given to
# the real clients installed here: every QEMU -cpu string starts
# qemu-system-x86_64 (TCG, stopped, then quit over QMP) without an unknown
# property or a dropped-dependency warning for a feature it asks for, and
# every libvirt <cpu> element is accepted by libvirt (a domain using it
# defined on the test driver, and its model and feature names validated
# against libvirt's cpu_map by the test driver's cpu-baseline).  Intel sets
# of several generations and AMD EPYC sets, plain and nested.  Without
# QEMU or virsh the checks needing them are skipped.

. "$top_srcdir/tests/system/common.sh"

T=$TMPDIR_TEST
I=$MIGCOMPAT_FIXTURES/instlatx64
[ -d "$I" ] || skip_all "no fixture dumps"
QEMU=$(command -v qemu-system-x86_64 || true)
VIRSH=$(command -v virsh || true)

# The sets: NAME VENDOR FILE...
SETS="
skylake-sp Intel GenuineIntel0050654_SkylakeXeon_CPUID5 GenuineIntel0050654_SkylakeX_CPUID
haswell-ep Intel GenuineIntel00306F2_HaswellEP_00_CPUID GenuineIntel00306F2_HaswellEP_01_CPUID
broadwell-e Intel GenuineIntel00406F1_BroadwellE_01_CPUID GenuineIntel00406F1_BroadwellE_02_CPUID
cascadelake-sp Intel GenuineIntel0050657_CascadeLakeSP_CPUID1 GenuineIntel0050657_CascadeLakeSP_CPUID2
sapphirerapids Intel GenuineIntel00806F8_SapphireRapids_05_CPUID GenuineIntel00806F8_SapphireRapids_06_CPUID
alderlake Intel GenuineIntel0090672_AlderLake_02_CPUID GenuineIntel0090672_AlderLake_03_CPUID
epyc-rome AMD AuthenticAMD0830F10_K17_Rome_CPUID AuthenticAMD0830F10_K17_Rome_CPUID2
epyc-milan AMD AuthenticAMD0A00F11_K19_Milan_CPUID1 AuthenticAMD0A00F11_K19_Milan_CPUID2
epyc-genoa AMD AuthenticAMD0A10F11_K19_Genoa_01_CPUID AuthenticAMD0A10F11_K19_Genoa_02_CPUID
"

# qemu_starts CPU: QEMU starts with -cpu CPU and quits when asked; TCG's
# "doesn't support requested feature" warnings are about TCG and allowed.
qemu_starts() {
	out=$(printf '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n' |
	    timeout 30 "$QEMU" -accel tcg -machine q35 -cpu "$1" -S -display none -nodefaults -qmp stdio 2>&1)
	if ! printf '%s\n' "$out" | grep -q '"return"'; then
		printf '%s\n' "$out" | head -5
		return 1
	fi
	if printf '%s\n' "$out" | grep -E "not found|can't apply global|depends on other features|[Ii]nvalid|error"; then
		return 1
	fi
	return 0
}

# libvirt_accepts FILE: a domain with the <cpu> of FILE defines on the
# test driver, and cpu-baseline (which validates every model and feature
# name against the cpu_map) takes its names.
libvirt_accepts() {
	{
		echo "<domain type='test'><name>mc-$$-$(basename "$1" .xml)</name><memory>1048576</memory>"
		echo "<os><type arch='x86_64'>hvm</type></os>"
		cat "$1"
		echo "</domain>"
	} > "$1.dom"
	sed -e 's/ policy="[a-z]*"//' -e 's/<model fallback="[a-z]*">/<model>/' \
	    -e "s|<cpu [^>]*>|<cpu><arch>x86_64</arch>|" "$1" > "$1.host"
	"$VIRSH" -q -c test:///default define "$1.dom" >/dev/null &&
	    "$VIRSH" -q -c test:///default cpu-baseline "$1.host" >/dev/null
}

echo "$SETS" | while read -r name vendor files; do
	[ -n "$name" ] || continue
	args=
	for f in $files; do
		args="$args $I/$f.json"
	done
	# (eVMCS needs a host kernel, which the hardware dumps do not record.)
	for sc in plain nested; do
		echo "$name $sc $args"
	done
done > "$T/runs"

while read -r name sc args; do
	b="$T/$name-$sc"
	check "$name $sc: baseline" sh -c "'$MIGCOMPAT' baseline --json --scenario $sc $args > '$b.json'"
	jq -r .qemu_cpu "$b.json" > "$b.qemu"
	jq -r .libvirt_cpu "$b.json" > "$b.xml"
	if [ -z "$QEMU" ]; then
		skip "$name $sc: QEMU starts with the -cpu string" "qemu-system-x86_64 not installed"
	else
		check "$name $sc: QEMU $(jq -r .versions.qemu "$b.json") starts with the -cpu string" \
		    qemu_starts "$(cat "$b.qemu")"
	fi
	if [ -z "$VIRSH" ]; then
		skip "$name $sc: libvirt accepts the <cpu>" "virsh not installed"
	else
		check "$name $sc: libvirt $(jq -r .versions.libvirt "$b.json") accepts the <cpu>" \
		    libvirt_accepts "$b.xml"
	fi
done < "$T/runs"

# The issue's example: the Skylake-SP baseline names nothing QEMU 7.2 or
# libvirt 9.0 lacks, whatever is installed here.
SK="$I/GenuineIntel0050654_SkylakeXeon_CPUID5.json $I/GenuineIntel0050654_SkylakeX_CPUID.json"
check "Skylake-SP for QEMU 7.2: no vmx-any-errcode, the release is reported" \
    sh -c "'$MIGCOMPAT' baseline --json --qemu-version 7.2 --libvirt-version 9.0 $SK > '$T/sk72.json' &&
    ! jq -r .qemu_cpu '$T/sk72.json' | grep -q vmx-any-errcode &&
    jq -e '.versions.qemu == \"7.2\" and .versions.qemu_from == \"option\"' '$T/sk72.json' >/dev/null"
check "Skylake-SP for libvirt 9.0: no vmx-* name, tsc_adjust spelled libvirt's way, what is lost said" \
    sh -c "jq -r .libvirt_cpu '$T/sk72.json' > '$T/sk72.xml' && ! grep -q 'name=\"vmx-' '$T/sk72.xml' &&
    ! grep -q tsc-adjust '$T/sk72.xml' && grep -q 'name=\"tsc_adjust\"' '$T/sk72.xml' &&
    grep -q 'name=\"vmx\"' '$T/sk72.xml' &&
    jq -e '[.notes[] | select(test(\"cannot name VMX controls\"))] | length == 1' '$T/sk72.json' >/dev/null"
check "Skylake-SP for libvirt 11.3: the VMX controls by name" \
    sh -c "'$MIGCOMPAT' baseline --libvirt --qemu-version 10.2 --libvirt-version 11.3 $SK 2>/dev/null |
    grep -q 'name=\"vmx-ept\"'"
check "the text forms say on stderr which releases they are for" \
    sh -c "'$MIGCOMPAT' baseline --qemu --qemu-version 7.2 --libvirt-version 9.0 $SK 2>&1 >/dev/null |
    grep -q 'QEMU 7.2 (option) and libvirt 9.0 (option)'"
if [ -n "$QEMU" ]; then
	check "Skylake-SP for QEMU 7.2 starts QEMU" qemu_starts "$(jq -r .qemu_cpu "$T/sk72.json")"
else
	skip "Skylake-SP for QEMU 7.2 starts QEMU" "qemu-system-x86_64 not installed"
fi
if [ -n "$VIRSH" ]; then
	check "Skylake-SP for libvirt 9.0 is accepted by libvirt" libvirt_accepts "$T/sk72.xml"
else
	skip "Skylake-SP for libvirt 9.0 is accepted by libvirt" "virsh not installed"
fi

# ---- Domain XMLs: libvirt's own test domains and ours ----
# Every one gets a verdict (exit 0 compatible, 1 incompatible, 3 unknown;
# never 2, a refused document, nor a crash), and no feature name stays
# unmapped.
SKX="$I/GenuineIntel0050654_SkylakeXeon_CPUID5.json"
for d in "$top_srcdir"/tests/data/domains/*.xml "$top_srcdir"/tests/data/domains/libvirt/*.xml; do
	n=$(basename "$d")
	check "domain $n: a verdict, every feature name mapped" sh -c "
	    '$MIGCOMPAT' check --json --domain '$d' '$SKX' '$I/GenuineIntel0050654_SkylakeX_CPUID.json' >'$T/v.json'
	    rc=\$?; { [ \$rc -le 1 ] || [ \$rc -eq 3 ]; } && jq -e '[.reasons[]? | select(.rule == \"feature-unknown\")] | length == 0' '$T/v.json' >/dev/null"
done
check "libvirt's own spellings (pclmuldq, tsc_adjust, vmx-invvpid-single-context, cmt) are known" \
    sh -c "'$MIGCOMPAT' check --json --domain '$top_srcdir/tests/data/domains/libvirt-spellings.xml' '$SKX' '$SKX' |
    jq -e '.verdict == \"compatible\" or .verdict == \"unknown\"' >/dev/null"

check "policy forbid: a destination that has the feature cannot run the VM" \
    sh -c "'$MIGCOMPAT' check --json --domain '$top_srcdir/tests/data/domains/custom-forbid.xml' '$SKX' '$SKX' |
    jq -e '.verdict == \"incompatible\" and ([.reasons[] | select(.rule == \"cpuid-forbidden\" and .name == \"avx2\")] | length == 1)' >/dev/null"

# What the destination's QEMU and libvirt cannot name blocks: QEMU 7.2
# has no vmx-any-errcode (8.2), libvirt 9.0 no vmx-* name at all.
jq '.layers.libvirt = {"status": "measured", "reason": "test", "libvirt_version": "9.0.0",
    "qemu_version": "7.2.0", "domcaps": false}' "$SKX" > "$T/dst-deb12.json"
check "names the destination's QEMU 7.2 and libvirt 9.0 lack block, each said" \
    sh -c "'$MIGCOMPAT' check --json --domain '$top_srcdir/tests/data/domains/newer-names.xml' '$SKX' '$T/dst-deb12.json' |
    jq -e '[.reasons[] | select(.rule == \"feature-name\") | .name] | sort == [\"vmx-any-errcode\", \"vmx-ept\"]' >/dev/null"

MPX="$top_srcdir/tests/data/domains/nested-mpx-disabled.xml"
# A custom model's VMX features are the model's, not the source host's:
# controls QEMU has no name for (conceal from PT) and those the model lacks
# (the BNDCFGS controls of Skylake-Server) do not block, the model's own do.
BDW="$I/GenuineIntel00406F1_BroadwellE_01_CPUID.json"
check "custom Skylake-Server with vmx: only the model's VMX features are compared" \
    sh -c "'$MIGCOMPAT' check --domain '$top_srcdir/tests/data/domains/custom-skylake-nested.xml' '$SKX' '$BDW' >'$T/cs.txt';
    ! grep -qi 'bndcfgs\|from PT' '$T/cs.txt' && grep -q 'VMCS shadowing' '$T/cs.txt' &&
    '$MIGCOMPAT' check --domain '$MPX' '$SKX' '$BDW' | grep -q 'from PT'"

# The issue's example: mpx disabled, so QEMU drops the BNDCFGS controls;
# they never block, and targets --domain keeps the hosts lacking them.
ICX="$I/GenuineIntel00606A6_ICX_CPUID3.json"
check "mpx disabled: the BNDCFGS controls do not block" \
    sh -c "'$MIGCOMPAT' check --domain '$MPX' '$SKX' '$ICX' >'$T/mpx.txt'; ! grep -qi bndcfgs '$T/mpx.txt'"
check "mpx disabled: targets --domain keeps what the check accepts" \
    sh -c "'$MIGCOMPAT' targets --json --domain '$MPX' '$SKX' '$I'/GenuineIntel0050654_Skylake*.json '$ICX' > '$T/mpxt.json' &&
    ! grep -qi bndcfgs '$T/mpxt.json'"

done_testing
