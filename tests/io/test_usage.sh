#!/bin/bash
# Usage conventions of every command (the list is what `strata` prints): `strata` alone lists the
# commands on stderr (exit 1); each command without arguments prints its Usage: on stderr
# (exit 1); `strata CMD --help` (and `strata help import`) print it on stdout (exit 0).
set -uo pipefail
bin=$STRATA_BIN
fail=0
no() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
out=$("$bin" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] || no "strata alone: exit $rc"
cmds=$(printf '%s\n' "$out" | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}' | grep -v '^help$')
for c in import check info; do
  grep -qx "$c" <<<""$cmds"" || no "'$c' not listed by strata"
done
n=0
for c in $cmds; do
  n=$((n + 1))
  err=$("$bin" "$c" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 1 ] || no "strata $c: exit $rc (want 1)"
  grep -q "^Usage: strata $c" <<<"$err" || no "strata $c: no 'Usage: strata $c' on stderr"
  so=$("$bin" "$c" --help 2>/dev/null); rc=$?
  [ $rc -eq 0 ] || no "strata $c --help: exit $rc"
  grep -q "^Usage: strata $c" <<<"$so" || no "strata $c --help: no Usage on stdout"
done
so=$("$bin" help import 2>/dev/null); rc=$?
[ $rc -eq 0 ] && grep -q "^Usage: strata import" <<<"$so" || no "strata help import"
[ "$n" -ge 3 ] || no "only $n commands found"
# a misuse of an io command: exit 1 with a hint
err=$("$bin" import -o x.h5mu 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "Try 'strata import --help'" <<<"$err" || no "import misuse: $rc $err"
err=$("$bin" check a.h5mu b.h5mu 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "expected one cohort file" <<<"$err" || no "check with two files: $rc"
echo "$n commands, $fail failures"
[ $fail -eq 0 ]
