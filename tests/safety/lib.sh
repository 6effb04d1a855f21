# Shared by the tests/safety scripts: a scratch directory, pass/fail counting, and a runner that
# records every rank's own exit code (each rank appends "RANK CODE" to a file), so a test sees
# that all ranks agreed and not only the code mpirun chose.
set -u
np=${STRATA_NP:-1}
S=$STRATA_BIN
MPIEXEC=${STRATA_MPIEXEC:-mpiexec}
export OMPI_MCA_orte_execute_quiet=1
dir=$(mktemp -d /tmp/strata-safety.XXXXXX)
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
finish() { echo "$fails failed"; [ "$fails" -eq 0 ]; exit $?; }

# ranks TAG N ARGS...: run `strata ARGS` on N ranks; stderr in $dir/TAG.err, stdout in
# $dir/TAG.out, every rank's exit code in $dir/TAG.rc; sets $rc to mpirun's exit code.
ranks() {
  local tag=$1 n=$2
  shift 2
  rm -f "$dir/$tag.rc"
  # a rank waits (at most 30 s) until every rank has written its code before it exits, since
  # mpirun ends the other ranks as soon as one exits non-zero
  "$MPIEXEC" --oversubscribe -n "$n" sh -c '"$@"; c=$?; f="'"$dir/$tag.rc"'"
    echo "${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}} $c" >> "$f"
    i=0; while [ "$(wc -l < "$f")" -lt '"$n"' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
    exit $c' sh "$S" "$@" > "$dir/$tag.out" 2> "$dir/$tag.err"
  rc=$?
}

# same_rc TAG N WANT: N lines in TAG.rc, all with exit code WANT, and mpirun exited WANT
same_rc() {
  local tag=$1 n=$2 want=$3
  local lines codes
  lines=$(wc -l < "$dir/$tag.rc" 2> /dev/null || echo 0)
  codes=$(awk '{print $2}' "$dir/$tag.rc" 2> /dev/null | sort -u | tr '\n' ' ')
  [ "$rc" -eq "$want" ] && [ "$lines" -eq "$n" ] && [ "$codes" = "$want " ]
}

sha() { sha256sum "$1" | cut -d' ' -f1; }
