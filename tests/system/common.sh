# common.sh - TAP helpers and paths for the shell system tests.
#
# Source it first.  Tests call ok/not_ok through check, skip_all for a
# whole-file skip, and done at the end.

: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MIGCOMPAT_FIXTURES:=$top_srcdir/tests/fixtures}"
MIGCOMPAT="$top_builddir/migcompat"
PROBE="$top_builddir/migcompat-probe"
MIGCOMPATD="$top_builddir/migcompatd"
HOOK="$top_builddir/migcompat-hook"
export MIGCOMPAT PROBE MIGCOMPATD HOOK MIGCOMPAT_FIXTURES

tap_n=0
tap_failed=0
TMPDIR_TEST=$(mktemp -d "${TMPDIR:-/tmp}/migcompat-test.XXXXXX")
trap 'rm -rf "$TMPDIR_TEST"' EXIT

# check DESCRIPTION COMMAND...: run the command; ok when it exits 0.
check() {
	desc=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@" >"$TMPDIR_TEST/check.out" 2>&1; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
		sed 's/^/# /' "$TMPDIR_TEST/check.out" | head -20
		tap_failed=$((tap_failed + 1))
	fi
}

# skip DESCRIPTION REASON
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1: $2"
}

# skip_all REASON: the whole file does not apply here.
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# Exit status of a command, without tripping set -e.
status_of() {
	"$@" >/dev/null 2>&1
	echo $?
}
