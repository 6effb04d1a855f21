#!/bin/bash
# Integer option values (issue 14, item 7): every integer option of every command is range-checked
# by one parser (strata_cli_int / strata_cli_int_pair in cli/cli_common.c).  The table below
# lists each command's integer options; each gets an overflow, a value below its range, trailing
# garbage, a leading blank, a float and an empty value, and must exit 1 with the option's name in
# the one error line, before any file is read or written.  The reference is the table itself: the
# accepted ranges are those the --help texts state.  A few cases also run under mpiexec at
# STRATA_NP ranks, each rank's own exit code recorded (all 1), and a good value is still accepted.
set -uo pipefail
bin=$STRATA_BIN
NP=${STRATA_NP:-1}
fail=0
n=0
no() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
work=$(mktemp -d /tmp/strata-options.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export OMPI_MCA_odls_base_sigkill_timeout=0

# command prefix | option | a value below its range (or "" when the range starts at INT_MIN)
table='
simulate -o s.h5mu|--verbosity|-1
simulate -o s.h5mu|--threads|-1
simulate -o s.h5mu|--patients|0
simulate -o s.h5mu|--factors|0
simulate -o s.h5mu|--view-factors|-1
simulate -o s.h5mu|--seed|-1
simulate -o s.h5mu|--mutations-per-patient|0
simulate -o s.h5mu|--depth|4
simulate -o s.h5mu|--clusters|1
simulate -o s.h5mu|--slab-mb|0
factor c.h5mu -o m.h5|-k|
factor c.h5mu -o m.h5|--max-iter|0
factor c.h5mu -o m.h5|--elbo-freq|0
factor c.h5mu -o m.h5|--seed|-1
factor c.h5mu -o m.h5|--checkpoint-every|-1
factor c.h5mu -o m.h5|--top|-1
nmf c.h5mu|--k|0
nmf c.h5mu|--runs|0
nmf c.h5mu|--seed|-1
nmf c.h5mu|--max-iter|0
nmf c.h5mu|--checkpoint-every|-1
nmf c.h5mu|--inner|0
nmf c.h5mu|--compress|-1
pca c.h5mu|--components|0
pca c.h5mu|--oversample|-1
pca c.h5mu|--power-iters|-1
pca c.h5mu|--seed|-1
pca c.h5mu|--impute-maxiter|0
pca c.h5mu|--block-size|0
ith --maf m.maf -o r|--fst-min-depth|-1
'
# an option whose value is two integers: prefix | option | template (N = the bad part)
pairs='
simulate -o s.h5mu|--grid|Nx1
simulate -o s.h5mu|--grid|1xN
simulate -o s.h5mu|--regions|N-2
simulate -o s.h5mu|--regions|1-N
simulate -o s.h5mu|--regions|N
nmf c.h5mu|--k-range|N:4
nmf c.h5mu|--k-range|2:N
'

try() { # try WHAT OPTION CMD...: exit 1, one line naming OPTION, nothing written
  local what=$1 opt=$2
  shift 2
  n=$((n + 1))
  local err rc
  err=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 1 ] || no "$what: exit $rc (want 1): $err"
  [[ ${err%%$'\n'*} == *"$opt"* ]] || no "$what: message does not name $opt: $err"
  [ "$(printf '%s\n' "$err" | grep -c '^strata ')" -eq 1 ] || no "$what: not one message: $err"
  [ -z "$(ls)" ] || no "$what: files left: $(ls)"
  rm -f -- *
}

if [ "$NP" -eq 1 ]; then
# the parser is the same on every rank: the full table runs once, without mpiexec (0.5 s a run)
while IFS='|' read -r prefix opt below; do
  [ -n "$prefix" ] || continue
  read -ra pre <<< "$prefix"
  for v in 99999999999999999999 5x "" $below; do
    try "${pre[0]} $opt '$v'" "$opt" "${pre[@]}" "$opt" "$v"
  done
done <<< "$table"

while IFS='|' read -r prefix opt tmpl; do
  [ -n "$prefix" ] || continue
  read -ra pre <<< "$prefix"
  for v in 99999999999 0 3x ""; do
    val=${tmpl//N/$v}
    try "${pre[0]} $opt '$val'" "$opt" "${pre[@]}" "$opt" "$val"
  done
done <<< "$pairs"

# the issue's own case: --grid 99999999999x1 no longer wraps to 1215752191
err=$("$bin" simulate -o s.h5mu --grid 99999999999x1 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q -- "--grid (before 'x') must be between 1 and 1, got '99999999999'" <<<""$err"" ||
  no "--grid 99999999999x1: $rc $err"
[ -z "$(ls)" ] || no "--grid: files left: $(ls)"
# --views NAME:LIK:FEATURES: the count is an integer option too
for v in 99999999999999999999 0 -3 4x ""; do
  try "simulate --views a:gaussian:$v" "--views a: FEATURES" simulate -o s.h5mu --views "a:gaussian:$v"
done
# --monitor PORT
for v in 65536 99999999999999999999 -1 5x; do
  try "--monitor $v" "--monitor" simulate -o s.h5mu --monitor "$v"
done

# good values are still accepted (the reference: the file is written)
"$bin" simulate -o s.h5mu --patients 3 --regions 2-3 --views a:gaussian:7 --seed 0 -q > /dev/null 2>&1 ||
  no "good values refused"
[ -s s.h5mu ] || no "good values: no output"
rm -f s.h5mu
# other spellings strtoll alone would take or half-take, on one option of each parser
for v in -99999999999999999999 9223372036854775808 0x10 1e3 1.5 " 5" "+5" "5 "; do
  try "--seed '$v'" --seed simulate -o s.h5mu --seed "$v"
done
try "--grid ' 1x1'" --grid simulate -o s.h5mu --grid " 1x1"
try "--grid '1x1x1'" --grid simulate -o s.h5mu --grid 1x1x1
fi

# under mpiexec: every rank exits 1 (each rank's own code, recorded by a wrapper that exits 0 so
# that mpirun never kills a rank before it has written its code)
per_rank() { # per_rank CMD...
  rm -f rc.*
  "$STRATA_MPIEXEC" -n "$NP" bash -c \
    'r=${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-0}}; "$@" > /dev/null 2> err.$r; echo $? > rc.$r; exit 0' _ "$@"
}
for args in "simulate -o s.h5mu --grid 99999999999x1" "simulate -o s.h5mu --patients 99999999999999999999" \
            "nmf c.h5mu --k-range 2:" "factor c.h5mu -o m.h5 -k 4x"; do
  read -ra a <<< "$args"
  per_rank "$bin" "${a[@]}"
  codes=$(cat rc.* 2>/dev/null | sort | uniq -c | awk '{print $1 "x" $2}')
  [ "$codes" = "${NP}x1" ] || no "np $NP '$args': exit codes per rank: $codes"
  [ "$(cat err.* | grep -c '^strata ')" -eq 1 ] || no "np $NP '$args': want one message, got $(cat err.*)"
  rm -f rc.* err.*
  [ -z "$(ls)" ] || no "np $NP '$args': files left: $(ls)"
done

echo "$n option values checked, $fail failures"
[ $fail -eq 0 ]
