#!/bin/bash
# `strata ith` on a full disk at np $STRATA_NP (issue 14 item 4): the CRC_HZ tables (-o PREFIX
# and --results FILE.h5) are written to a small tmpfs that this script mounts (and unmounts on
# exit), once for each of a series of sizes from one page up to more than the outputs need.
# Each run must either succeed with all four outputs identical to a run on a roomy disk, or
# exit 3 on every rank with one message and leave the tmpfs empty: no PREFIX.region.tsv, no
# temporary file.  Some sizes must fail after the region table (or all three tables) would have
# fit, so the removal of outputs already written is exercised.  Skipped (exit 77) where a tmpfs
# cannot be mounted (not root, no CAP_SYS_ADMIN, a container without mount rights).
set -uo pipefail
E="$STRATA_SRC/examples/crc_hz"
W=$(mktemp -d)
M="$W/disk"
mkdir "$M"
cleanup() {
  mountpoint -q "$M" 2>/dev/null && umount "$M"
  rm -rf "$W"
}
trap cleanup EXIT
if ! err=$(mount -t tmpfs -o size=4k tmpfs "$M" 2>&1); then
  echo "SKIP: cannot mount a tmpfs for the full-disk case: $err"
  exit 77
fi
umount "$M"
fail=0
IN=(--maf "$E/CRC_HZ.maf.tsv.gz" --clin "$E/CRC_HZ.clin.tsv.gz" --ccf "$E/CRC_HZ.ccf.tsv.gz"
    --seg "$E/CRC_HZ.seg.tsv.gz")
# every rank appends its own exit code to $W/rc
run() {
  rm -f "$W/rc"
  "$STRATA_MPIEXEC" -np "$STRATA_NP" bash -c '"$0" ith -q "$@"; echo $? >> "'"$W"'/rc"' \
    "$STRATA_BIN" "$@"
}
mkdir "$W/ref"
run "${IN[@]}" -o "$W/ref/t" --results "$W/ref/t.h5" 2>&1
[[ "$(sort -u "$W/rc")" == 0 ]] || { echo "FAIL: the reference run failed"; exit 1; }
pages() { echo $(( ($(stat -c %s "$1") + 4095) / 4096 )); }
region=$(pages "$W/ref/t.region.tsv"); pair=$(pages "$W/ref/t.pair.tsv")
patient=$(pages "$W/ref/t.patient.tsv"); h5=$(pages "$W/ref/t.h5")
need=$(( region + pair + patient + h5 ))
echo "outputs need $need pages (region $region, pair $pair, patient $patient, h5 $h5)"
# sizes: 1 page, just around each table boundary, a spread through the HDF5 file, and enough
sizes="1 $region $((region + 1)) $((region + pair)) $((region + pair + patient))"
for k in 1 2 3 4 5 6; do sizes="$sizes $(( region + pair + patient + h5 * k / 7 ))"; done
sizes="$sizes $((need + 8))"
failed_after_region=0 failed_after_tables=0 succeeded=0
for p in $sizes; do
  mount -t tmpfs -o size=$((p * 4096)) tmpfs "$M" || { echo "FAIL: mount size $p pages"; fail=1; break; }
  out=$(run "${IN[@]}" -o "$M/t" --results "$M/t.h5" 2>&1)
  rcs=$(sort "$W/rc" | uniq -c | awk '{printf "%s x%s ", $2, $1}')
  left=$(ls -A "$M")
  if [[ "$rcs" == "0 x$STRATA_NP " ]]; then
    ok=1
    for k in region pair patient; do cmp -s "$W/ref/t.$k.tsv" "$M/t.$k.tsv" || ok=0; done
    [[ -s "$M/t.h5" && $(ls -A "$M" | wc -l) == 4 ]] || ok=0
    if [[ $ok == 1 ]]; then echo "ok $p pages: complete outputs"; succeeded=1;
    else echo "FAIL $p pages: exit 0 but outputs differ or are missing: $left"; fail=1; fi
  elif [[ "$rcs" == "3 x$STRATA_NP " ]]; then
    if [[ -n "$left" ]]; then echo "FAIL $p pages: exit 3 but left: $left"; fail=1;
    elif [[ $(grep -c '^strata ith:' <<<"$out") != 1 ]]; then echo "FAIL $p pages: not one message: $out"; fail=1;
    else
      echo "ok $p pages: exit 3, nothing left: $(grep '^strata ith:' <<<"$out")"
      (( p > region )) && failed_after_region=1
      (( p >= region + pair + patient )) && failed_after_tables=1
    fi
  else
    echo "FAIL $p pages: exit codes per rank $rcs: $out"; fail=1
  fi
  umount "$M"
done
[[ $succeeded == 1 ]] || { echo "FAIL: no size was large enough"; fail=1; }
[[ $failed_after_region == 1 ]] || { echo "FAIL: no failure after the region table fitted"; fail=1; }
[[ $failed_after_tables == 1 ]] || { echo "FAIL: no failure in the HDF5 file"; fail=1; }
exit $fail
