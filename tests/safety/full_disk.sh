#!/bin/bash
# Issue 14, item 4: a full disk is a clean exit 3.  On a 1 MiB tmpfs created (and always
# unmounted) by this test, filled to several levels so that the failure lands in a data write, in
# a metadata write and in the final close: simulate, import, factor, pca, nmf and a factor
# checkpoint exit 3 on every rank (never 139 from HDF5 at MPI_Finalize, never a hang), say what
# ran out, leave no temporary or partial file, and leave the input untouched.
# Needs root (mount); exits 77 (skipped) with the reason otherwise.
source "$(dirname "$0")/lib.sh"
mnt=$dir/full
mkdir -p "$mnt"
cleanup() { umount "$mnt" 2> /dev/null; rm -rf "$dir"; }
trap cleanup EXIT
if ! mount -t tmpfs -o size=1m tmpfs "$mnt" 2> "$dir/mount.err"; then
  echo "SKIP: cannot mount a tmpfs for the full-disk cases: $(cat "$dir/mount.err") (needs root)"
  exit 77
fi
cd "$dir" || exit 1

"$MPIEXEC" -n 1 "$S" simulate -o c.h5mu --patients 30 --views rna:gaussian:1500,mut:bernoulli:200 --seed 3 > /dev/null 2>&1 \
  || { echo "FAIL: cannot simulate the input cohort"; exit 1; }
"$STRATA_PYTHON" - <<'PY' || { echo "FAIL: cannot write the import tables"; exit 1; }
import random
random.seed(1)
n, d = 60, 1500
open("samples.tsv", "w").write("sample\tpatient\n" + "".join("S%d\tP%d\n" % (i, i // 3) for i in range(n)))
with open("rna.tsv", "w") as f:
    f.write("sample\t" + "\t".join("g%d" % j for j in range(d)) + "\n")
    for i in range(n):
        f.write("S%d\t" % i + "\t".join("%.6f" % random.random() for j in range(d)) + "\n")
PY
want=$(sha c.h5mu)

# full NAME FILL_KIB ARGS...: fill the tmpfs with FILL_KIB KiB, run, expect exit 3 everywhere
full() {
  local name=$1 fill=$2
  shift 2
  rm -rf "${mnt:?}"/*
  head -c "${fill}k" /dev/zero > "$mnt/fill" 2> /dev/null
  ranks x "$np" "$@"
  local left
  left=$(ls -A "$mnt" | grep -v '^fill$' | tr '\n' ' ')
  if same_rc x "$np" 3 && grep -q "No space left on device\|cannot write" "$dir/x.err" && [ -z "$left" ]; then
    ok "$name (fill ${fill} KiB): exit 3 on all $np ranks, nothing left"
  else
    bad "$name (fill ${fill} KiB): mpirun $rc, ranks $(tr '\n' ' ' < "$dir/x.rc" 2> /dev/null), left '$left': $(grep -v '^factor:\|^nmf:' "$dir/x.err" | head -3)"
  fi
}

# simulate: X written through MPI-IO, truth and var by rank 0 (sizes chosen so that each lands
# in a different write: X, the truth, the final close)
for d in 2150 2300 2480 3000 5000; do
  full "simulate rna:$d" 0 simulate -o "$mnt/s.h5mu" --patients 20 --views "rna:gaussian:$d,mut:bernoulli:100"
done
for fill in 1000 900 700; do
  full "import" "$fill" import -o "$mnt/i.h5mu" --samples samples.tsv --view rna=rna.tsv
  [ "$fill" -lt 900 ] && continue # the results files below fit there
  full "factor" "$fill" factor c.h5mu -o "$mnt/m.h5" -k 3 --max-iter 20
  full "pca" "$fill" pca c.h5mu -o "$mnt/p.h5mu" -k 4
  full "nmf" "$fill" nmf c.h5mu -o "$mnt/n.h5mu" -k 3 --max-iter 10 --negative shift
done
full "factor --tsv" 1000 factor c.h5mu -o m.h5 --tsv "$mnt/t" -k 3 --max-iter 20
full "pca --tsv" 1000 pca c.h5mu -o p.h5mu --tsv "$mnt/t" -k 3
rm -f p.h5mu
rm -f m.h5
# a checkpoint on a full disk (a signal after 3 iterations asks for it).  Known gap (issue 14,
# left open): when the disk fills in the middle of the checkpoint's collective writes (fill 950
# KiB here) parallel HDF5 1.10 can hang at np >= 2 -- seen at np 4 in a clean CI-like run -- so
# that fill level runs at np 1 only until rank 0 creates the checkpoint's structure itself.
fills="1000 950"
[ "${STRATA_NP:-1}" -gt 1 ] && fills="1000"
for fill in $fills; do
  STRATA_STOP_AFTER=3 full "factor --checkpoint" "$fill" factor c.h5mu -o m.h5 -k 3 --checkpoint "$mnt/ck.h5"
done
[ ! -e m.h5 ] || bad "a model was written after a failed checkpoint"
[ "$(sha c.h5mu)" = "$want" ] && ok "input cohort byte-identical" || bad "the input cohort changed"
finish
