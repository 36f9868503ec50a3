#!/bin/sh
# daemon-options.sh - migcompatd --help, migcompatd(8) and migcompatd.conf(5)
# name the same options: every key of the page is in --help and the other
# way round, every option of --help that is no key is in migcompatd(8), and
# every option migcompatd(8) names is in --help; the installed
# migcompatd.conf shows every key.  --help exits 0; an unknown
# option, a stray argument and a bad value exit 2 and say what is wrong.  TAP.
. "$top_srcdir/tests/system/common.sh"

[ -x "$MIGCOMPATD" ] || skip_all "migcompatd is not built"
T=$TMPDIR_TEST
man=$top_srcdir/man

check "--help exits 0 and prints to standard output" sh -c "'$MIGCOMPATD' --help >'$T/help' 2>'$T/err' && [ -s '$T/help' ] && [ ! -s '$T/err' ]"
check "-h prints the same" sh -c "'$MIGCOMPATD' -h | cmp - '$T/help'"

# The option column of every help line: "-f", "--config", "--listen"...
sed -n 's/^  \(-[^ ,]*\(, --[^ ]*\)\{0,1\}\).*/\1/p' "$T/help" | tr ', ' '\n\n' | grep . | sort -u >"$T/help-opts"
# The same for the lines that name no configuration key.
grep -v 'config key' "$T/help" | sed -n 's/^  \(-[^ ,]*\(, --[^ ]*\)\{0,1\}\).*/\1/p' | tr ', ' '\n\n' | grep . |
    sort -u >"$T/help-general"
grep -o 'config key [a-z_]*' "$T/help" | awk '{ print $3 }' | sort >"$T/help-keys"
grep '^\.It Cm [a-z_]' "$man/migcompatd.conf.5" | awk '{ print $3 }' | sort >"$T/page-keys"
# What the synopsis and OPTIONS of migcompatd(8) name: "Fl -config", "Fl f", "Fl dhnv".
sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p; /^\.Sh OPTIONS/,/^\.Sh /p' "$man/migcompatd.8" |
    grep -o 'Fl -\{0,1\}[a-z][a-z-]*' | awk '{
	if ($2 ~ /^-/) print "-" $2
	else for (i = 1; i <= length($2); i++) print "-" substr($2, i, 1)
    }' | sort -u >"$T/page-opts"

check "found the options of --help (over 40), the keys of migcompatd.conf(5) (over 30)" sh -c "
	[ \$(wc -l <'$T/help-opts') -gt 40 ] && [ \$(wc -l <'$T/page-keys') -gt 30 ] &&
	[ \$(wc -l <'$T/page-opts') -gt 8 ]"
check "every key of migcompatd.conf(5) is in --help, and every key of --help in the page" \
	diff -u "$T/page-keys" "$T/help-keys"
sed -n 's/^#\{0,1\}\([a-z_]*\) =.*/\1/p' "$top_srcdir/etc/migcompatd.conf.in" | sort -u >"$T/sample-keys"
check "the installed migcompatd.conf shows every key of migcompatd.conf(5), and no other" \
	diff -u "$T/page-keys" "$T/sample-keys"
check "no key is listed twice in --help" sh -c "[ -z \"\$(uniq -d '$T/help-keys')\" ]"
check "every option migcompatd(8) names is in --help" sh -c "comm -23 '$T/page-opts' '$T/help-opts' | grep . && exit 1; exit 0"
check "every option of --help that is no key is in migcompatd(8)" sh -c "comm -23 '$T/help-general' '$T/page-opts' | grep . && exit 1; exit 0"

# A key's option is the key with dashes, or --no-KEY for a yes/no key that takes no value.
key_options() {
	rc=0
	grep 'config key' "$T/help" | while read -r opt rest; do
		key=$(echo "$rest" | sed -n 's/.*config key \([a-z_]*\).*/\1/p')
		want=--$(echo "$key" | tr _ -)
		case $rest in *"config key $key = no)") want=--no-$(echo "$key" | tr _ -) ;; esac
		[ "$opt" = "$want" ] || { echo "$key: option $opt, expected $want"; exit 1; }
	done || rc=1
	return $rc
}
check "every key's option is the key with dashes (--no-collect for collect = no)" key_options
check "every key's line gives a default or says there is none" sh -c "
	! grep 'config key' '$T/help' | grep -v '(default [^;]*; config key\|(no default; config key\|config key [a-z_]* = no)'"
check "the default of max_per_client is 64" grep -q -- '--max-per-client N .*(default 64; config key max_per_client)' "$T/help"

# Every option of --help is accepted: the long ones with a value each check it.
accepted() {
	for o in $(grep -- '^--' "$T/help-opts"); do
		case $o in --help|--version) continue ;; esac
		line=$(grep -- "^  \(-., \)\{0,1\}$o[ ]" "$T/help")
		case $line in
		*"$o "[A-Za-z]*"  "*) set -- "$o" 1 ;;	# takes a value
		*) set -- "$o" ;;
		esac
		out=$("$MIGCOMPATD" -n -f /dev/null --host-id t --db "$T/x.db" "$@" --help 2>&1)
		case $out in *"unrecognized option"*) echo "$o: $out"; return 1 ;; esac
	done
}
check "migcompatd accepts every option --help lists" accepted

expect_fail() {
	want=$1
	shift
	"$MIGCOMPATD" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 2 ] || { echo "exit $rc, expected 2"; cat "$T/err"; return 1; }
	[ ! -s "$T/out" ] || { echo "printed on standard output:"; cat "$T/out"; return 1; }
	grep -q -- "$want" "$T/err" || { echo "no \"$want\" in:"; cat "$T/err"; return 1; }
	[ $(wc -l <"$T/err") -le 3 ] || { echo "more than 3 lines:"; cat "$T/err"; return 1; }
}
check "an unknown option: exit 2, named, with a pointer to --help" expect_fail "unrecognized option '--no-such-option'" --no-such-option
check "the pointer to --help" sh -c "'$MIGCOMPATD' --no-such-option 2>&1 | grep -q 'migcompatd --help lists the options'"
check "an unknown short option: exit 2, named" expect_fail "invalid option -- 'x'" -x
check "an argument that is no option: exit 2, named" expect_fail 'unexpected argument "stray"' stray
check "a bad value: exit 2, names the option" expect_fail '--max-per-client: max_per_client: "lots" is not a number' --max-per-client lots
check "an option without its value: exit 2, named" expect_fail "option '--db' requires an argument" --db
check "-n opens the files the configuration names: one missing is exit 2, naming key and path" sh -c "
	'$MIGCOMPATD' -n -f /dev/null --host-id self --db '$T/x.db' --etcd-cacert '$T/none.pem' 2>'$T/err'
	[ \$? = 2 ] && grep -q 'etcd_cacert: $T/none.pem: No such file or directory' '$T/err'"
check "-n with the files there: configuration OK" sh -c "
	: >'$T/ca.pem' && '$MIGCOMPATD' -n -f /dev/null --host-id self --db '$T/x.db' --etcd-cacert '$T/ca.pem' | grep -q '^configuration OK'"
check "--version exits 0" sh -c "'$MIGCOMPATD' --version | grep -q '^migcompatd [0-9]'"
done_testing
