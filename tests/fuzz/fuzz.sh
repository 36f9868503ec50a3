#!/bin/sh
# fuzz.sh - run every libFuzzer target for MIGCOMPAT_FUZZ_SECONDS seconds
# (default 60) on its seed corpus; one TAP line per target.  A crash leaves
# the input in tests/fuzz/crashes/ of the build tree and fails the test.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"

secs=${MIGCOMPAT_FUZZ_SECONDS:-60}
crashes="$top_builddir/tests/fuzz/crashes"
mkdir -p "$crashes"

seed() {
	# seed TARGET: a fresh corpus directory with the seeds for a target.
	dir="$TMPDIR_TEST/corpus-$1"
	mkdir -p "$dir"
	case $1 in
	profile)
		cp "$MIGCOMPAT_FIXTURES"/instlatx64/*.json "$MIGCOMPAT_FIXTURES"/vbox/*.json "$dir"/ 2>/dev/null
		cp "$top_srcdir"/tests/data/profiles/*.json "$dir"/ 2>/dev/null ;;
	rules)
		# Synthetic full profile pairs, and dumps alone (each against itself).
		cp "$top_srcdir"/tests/fuzz/corpus/rules/* "$dir"/ 2>/dev/null
		cp "$MIGCOMPAT_FIXTURES"/vbox/*.json "$dir"/ 2>/dev/null ;;
	*)
		cp "$top_srcdir"/tests/fuzz/corpus/"$1"/* "$dir"/ 2>/dev/null ;;
	esac
	echo "$dir"
}

# fuzz_run NAME TARGET ARGS...: run a target with its whole output in
# tests/fuzz/NAME.out of the build tree; on failure print what libFuzzer
# and the sanitizers said went wrong, where, and which input it kept.
fuzz_run() {
	out="$top_builddir/tests/fuzz/$1.out"
	shift
	"$@" >"$out" 2>&1 && return 0
	grep -E 'ERROR|SUMMARY|fuzz-[a-z]+:|Test unit written|out-of-memory|in LLVMFuzzerTestOneInput|in fuzz_|in api_|in rules_|in profile_|in store_' "$out" | head -20
	return 1
}

for t in "$top_builddir"/tests/fuzz/fuzz-*; do
	[ -x "$t" ] || continue
	name=${t##*/fuzz-}
	corpus=$(seed "$name")
	# The API thread of fuzz-http allocates outside the input being run,
	# which the per-input leak check misreads; leaks are still checked at exit.
	extra=
	[ "$name" = http ] && extra=-detect_leaks=0
	check "fuzz target $name runs ${secs}s without a crash" \
	    fuzz_run "$name" "$t" $extra -max_total_time="$secs" -max_len=65536 -timeout=10 \
	    -rss_limit_mb=1024 -artifact_prefix="$crashes/$name-" -print_final_stats=1 "$corpus"
done
done_testing
