#!/bin/bash
# Issue 14, items 1 and 2: an output is never an input, and an output directory that cannot take
# the file is found before any work.  For every command that writes: the output named as the
# input directly, through a symlink, through a hard link, as a checkpoint, a --tsv/--mutations
# prefix file, --events-jsonl, and two outputs naming one file -> exit 1 on every rank with a
# message naming both paths, the input byte-identical (sha256) and no file left in the
# directory; a missing output directory -> exit 3 naming it, before any work.  The allowed case
# (--resume and --checkpoint naming one checkpoint) still works.
source "$(dirname "$0")/lib.sh"
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1

"$MPIEXEC" -n 1 "$S" simulate -o c.h5mu --patients 12 --views rna:gaussian:60,mut:bernoulli:20 --seed 5 > /dev/null 2>&1 \
  || { echo "FAIL: cannot simulate the cohort"; exit 1; }
printf 'sample\tpatient\nS1\tP1\nS2\tP1\nS3\tP2\n' > samples.tsv
printf 'sample\tg1\tg2\nS1\t1\t2\nS2\t3\t4\nS3\t5\t6\n' > rna.tsv
ln -s c.h5mu link.h5mu
ln c.h5mu hard.h5mu
ln -s c.h5mu pre.Z.tsv
want=$(sha c.h5mu)
wants=$(sha samples.tsv)
before=$(ls -A | sort)

# refuse CASE_NAME 'PATH A' 'PATH B' ARGS...: exit 1 on every rank, both paths named
refuse() {
  local name=$1 a=$2 b=$3
  shift 3
  ranks x "$np" "$@"
  if same_rc x "$np" 1 && grep -qF -- "'$a'" "$dir/x.err" && grep -qF -- "'$b'" "$dir/x.err"; then
    ok "$name: exit 1 on all $np ranks, names '$a' and '$b'"
  else
    bad "$name: mpirun $rc, ranks $(cat "$dir/x.rc" 2> /dev/null | tr '\n' ' '): $(head -3 "$dir/x.err")"
  fi
  [ "$(sha c.h5mu)" = "$want" ] && [ "$(sha samples.tsv)" = "$wants" ] || bad "$name: an input changed"
  [ "$(ls -A | sort | grep -v '^x\.')" = "$(echo "$before" | grep -v '^x\.')" ] || bad "$name: files left: $(ls -A | tr '\n' ' ')"
}

refuse "factor -o COHORT" c.h5mu c.h5mu factor c.h5mu -o c.h5mu -k 3
refuse "factor -o symlink to COHORT" link.h5mu c.h5mu factor c.h5mu -o link.h5mu -k 3
refuse "factor -o hard link of COHORT" hard.h5mu c.h5mu factor c.h5mu -o hard.h5mu -k 3
refuse "factor --checkpoint COHORT" ./c.h5mu c.h5mu factor c.h5mu -o m.h5 --checkpoint ./c.h5mu -k 3
refuse "factor --tsv PREFIX.Z.tsv is COHORT" pre.Z.tsv c.h5mu factor c.h5mu -o m.h5 --tsv pre -k 3
refuse "factor --events-jsonl COHORT" c.h5mu c.h5mu factor c.h5mu -o m.h5 --events-jsonl c.h5mu -k 3
refuse "factor --resume -o (a model over its checkpoint)" hard.h5mu c.h5mu factor c.h5mu -o hard.h5mu --resume c.h5mu -k 3
refuse "factor -o and --checkpoint one file" m.h5 m.h5 factor c.h5mu -o m.h5 --checkpoint m.h5 -k 3
refuse "nmf -o COHORT" c.h5mu c.h5mu nmf c.h5mu -o c.h5mu -k 2
refuse "nmf --checkpoint symlink to COHORT" link.h5mu c.h5mu nmf c.h5mu -o n.h5mu --checkpoint link.h5mu -k 2
refuse "pca -o COHORT" c.h5mu c.h5mu pca c.h5mu -o c.h5mu -k 2
refuse "svd -o hard link" hard.h5mu c.h5mu svd c.h5mu -o hard.h5mu -k 2
refuse "import -o the samples table" samples.tsv samples.tsv import -o samples.tsv --samples samples.tsv --view rna=rna.tsv
refuse "import -o symlink to a view" link.h5mu c.h5mu import -o link.h5mu --samples samples.tsv --view rna=c.h5mu
refuse "simulate -o PREFIX.maf.tsv --mutations PREFIX" mut.maf.tsv mut.maf.tsv simulate -o mut.maf.tsv --mutations mut --patients 3 --views rna:gaussian:5
refuse "check --events-jsonl COHORT" c.h5mu c.h5mu check c.h5mu --events-jsonl c.h5mu
refuse "info --events-jsonl COHORT" hard.h5mu c.h5mu info c.h5mu --events-jsonl hard.h5mu
if "$S" ith --help > /dev/null 2>&1 && grep -q strata_cli_start "$STRATA_SRC/cli/cmd_ith.c"; then
  printf 'Hugo_Symbol\n' > m.maf
  ln -s m.maf p.patient.tsv
  before=$(ls -A | sort)
  refuse "ith --results the MAF" m.maf m.maf ith --maf m.maf --results m.maf
  refuse "ith -o PREFIX (PREFIX.patient.tsv a symlink to the MAF)" p.patient.tsv m.maf ith --maf m.maf -o p
fi

# a missing output directory: exit 3 before any work, naming the directory
missing() {
  local name=$1
  shift
  ranks x "$np" "$@"
  if same_rc x "$np" 3 && grep -q "nodir" "$dir/x.err" && grep -q "No such file or directory" "$dir/x.err" \
     && ! grep -q "iteration\|samples, .* views" "$dir/x.err"; then
    ok "$name: exit 3 on all ranks before any work"
  else
    bad "$name: mpirun $rc, ranks $(cat "$dir/x.rc" 2> /dev/null | tr '\n' ' '): $(head -3 "$dir/x.err")"
  fi
}
missing "factor -o nodir/m.h5" factor c.h5mu -o nodir/m.h5 -k 3
missing "factor --checkpoint nodir/ck" factor c.h5mu -o m.h5 --checkpoint nodir/ck.h5 -k 3
missing "nmf -o nodir/n.h5mu" nmf c.h5mu -o nodir/n.h5mu -k 2
missing "pca --tsv nodir/p" pca c.h5mu -o p.h5mu --tsv nodir/p -k 2
missing "import -o nodir/c.h5mu" import -o nodir/c.h5mu --samples samples.tsv --view rna=rna.tsv
missing "simulate -o nodir/s.h5mu" simulate -o nodir/s.h5mu --patients 3 --views rna:gaussian:5
missing "check --events-jsonl nodir/e" check c.h5mu --events-jsonl nodir/e.jsonl
[ ! -e m.h5 ] && [ ! -e p.h5mu ] && ok "nothing written by the refused runs" || bad "outputs written: $(ls)"
# an output that is a directory
mkdir adir
ranks x "$np" factor c.h5mu -o adir -k 3
same_rc x "$np" 3 && grep -q "'adir': it is a directory" "$dir/x.err" && ok "factor -o DIRECTORY: exit 3" \
  || bad "factor -o DIRECTORY: $rc $(head -2 "$dir/x.err")"

# allowed: continue a checkpoint and keep checkpointing to the same file
STRATA_STOP_AFTER=3 "$MPIEXEC" --oversubscribe -n "$np" "$S" factor c.h5mu -o r.h5 -k 3 --checkpoint ck.h5 > /dev/null 2>&1
r1=$?
"$MPIEXEC" --oversubscribe -n "$np" "$S" factor c.h5mu -o r.h5 -k 3 --checkpoint ck.h5 --resume ck.h5 > /dev/null 2> res.err
r2=$?
[ $r1 -eq 6 ] && [ $r2 -eq 0 ] && [ -s r.h5 ] && ok "--resume F --checkpoint F is allowed (exit 6, then 0)" \
  || bad "--resume F --checkpoint F: $r1 $r2 $(head -2 res.err)"
[ "$(sha c.h5mu)" = "$want" ] && ok "cohort byte-identical after all cases" || bad "the cohort changed"
finish
