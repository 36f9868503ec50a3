#!/bin/sh
# completion.sh - the bash completion of migcompat(1): every command, the
# options of a command from its --help, scenario and policy values.
. "$top_srcdir/tests/system/common.sh"

command -v bash >/dev/null 2>&1 || skip_all "bash is not installed"
T=$TMPDIR_TEST
# complete WORDS...: the completions of the last word, one a line.  The
# bash-completion helpers are stubbed: the script needs only these.
complete_words() {
	bash -c '
		_init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
		_filedir() { COMPREPLY=(FILE); }
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_migcompat "$1"
		printf "%s\n" "${COMPREPLY[@]}"' "$top_srcdir/completion/migcompat" "$@"
}
check "the script is valid bash" bash -n "$top_srcdir/completion/migcompat"
"$MIGCOMPAT" --help | awk '/^commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }' >"$T/cmds"
complete_words "$MIGCOMPAT" "" >"$T/got"
check "every command of migcompat --help is offered" sh -c "[ -s '$T/cmds' ] && ! grep -vxFf '$T/got' '$T/cmds'"
complete_words "$MIGCOMPAT" h >"$T/o"
check "h: history and hosts" sh -c "[ \"\$(sort '$T/o' | tr '\n' ' ')\" = 'history hosts ' ]"
complete_words "$MIGCOMPAT" hosts --to >"$T/o"
check "hosts --to: --token-file" grep -qx -- --token-file "$T/o"
complete_words "$MIGCOMPAT" check --ca >"$T/o"
check "check --ca: --cacert" grep -qx -- --cacert "$T/o"
complete_words "$MIGCOMPAT" changes --si >"$T/o"
check "changes --si: --since" grep -qx -- --since "$T/o"
complete_words "$MIGCOMPAT" check --scenario ev >"$T/o"
check "--scenario values" sh -c "[ \"\$(sort '$T/o' | tr '\n' ' ')\" = 'evmcs evmcs-pv ' ]"
complete_words "$MIGCOMPAT" check --policy "" >"$T/o"
check "--policy values" sh -c "[ \"\$(sort '$T/o' | tr '\n' ' ')\" = 'effective strict ' ]"
complete_words "$MIGCOMPAT" check --token-file "" >"$T/o"
check "--token-file completes files" grep -qx FILE "$T/o"
complete_words "$MIGCOMPAT" r >"$T/o"
check "r: retire" grep -qx retire "$T/o"
complete_words "$MIGCOMPAT" retire --to >"$T/o"
check "retire --to: --token-file" grep -qx -- --token-file "$T/o"
complete_words "$MIGCOMPAT" hosts --re >"$T/o"
check "hosts --re: --retired" grep -qx -- --retired "$T/o"
complete_words "$MIGCOMPAT" retire "" >"$T/o"
check "retire HOST: no file names" sh -c "! grep -qx FILE '$T/o'"
for c in whatif history; do
	complete_words "$MIGCOMPAT" $c "" >"$T/o"
	check "$c HOST: no file names" sh -c "! grep -qx FILE '$T/o'"
done
complete_words "$MIGCOMPAT" show "" >"$T/o"
check "show FILE: file names" grep -qx FILE "$T/o"
done_testing
