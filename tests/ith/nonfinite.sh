#!/bin/bash
# Numbers that are not finite, and NUL bytes, in the inputs of `strata ith` at np $STRATA_NP
# (issue 14 item 6): a VAF, depth or CCF of NaN, inf, -Infinity or 1e400, a NUL byte inside a
# cell (plain, range-split over the ranks, and gzip), and an infinite or out-of-range number in
# rows stored in a cohort file (--cohort) are exit 2 on every rank, with one message naming the
# file, the line (absolute, whichever rank read it) and the column, and no output file or
# temporary left.  'NA' and an empty cell stay missing values (exit 0).  The bad rows belong to
# the last patient, owned by the last busy rank, so at np > 1 only that rank detects them.
set -uo pipefail
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
fail=0
# every rank appends its own exit code to $W/rc: the check is per rank, not mpirun's summary
run() {
  rm -f "$W/rc"
  "$STRATA_MPIEXEC" -np "$STRATA_NP" bash -c '"$0" ith "$@"; echo $? >> "'"$W"'/rc"' \
    "$STRATA_BIN" "$@"
}
H=$'Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Classification\tVariant_Type\tReference_Allele\tTumor_Seq_Allele2\tRef_allele_depth\tAlt_allele_depth\tVAF\tTumor_Sample_Barcode'
row() { printf 'G\t%s\t%s\t%s\tMissense_Mutation\tSNP\tC\tT\t%s\t%s\t%s\t%s\n' "$1" "$2" "$2" "$3" "$4" "$5" "$6"; }
printf 'Tumor_Sample_Barcode\tTumor_ID\tPatient_ID\nA1\tP\tPA\nA2\tP\tPA\nB1\tP\tPB\nB2\tM\tPB\n' > "$W/clin.tsv"
good() {
  echo "$H"
  row 1 100 60 40 0.4 A1; row 1 100 70 30 0.3 A2; row 1 200 80 20 0.2 A1; row 2 300 50 50 0.5 A2
  row 1 100 60 40 0.4 B1; row 1 100 70 30 0.3 B2; row 3 400 90 10 0.1 B1; row 3 500 0 0 0 B2
}
CCFH=$'Patient_ID\tTumor_Sample_Barcode\tChromosome\tStart_Position\tCCF\tCCF_Std'
ccf_good() {
  echo "$CCFH"
  printf 'PA\tA1\t1\t100\t0.8\t0.1\nPA\tA2\t1\t100\t0.6\t0.1\nPB\tB1\t1\t100\t0.9\t0.05\n'
  printf 'PB\tB2\t1\t100\t0.7\t0.05\nPB\tB1\t3\t400\t0.2\t0.1\n'
}
check() { # name expected-substring args...
  local name=$1 pat=$2; shift 2
  rm -f "$W"/o.* "$W"/o.h5*
  out=$(run "$@" -o "$W/o" --results "$W/o.h5" 2>&1)
  local rcs; rcs=$(sort "$W/rc" | uniq -c | awk '{printf "%s x%s ", $2, $1}')
  if [[ "$rcs" != "2 x$STRATA_NP " ]]; then echo "FAIL $name: exit codes per rank: $rcs: $out"; fail=1; return; fi
  if ! grep -qF -- "$pat" <<<"$out"; then echo "FAIL $name: message '$out' lacks '$pat'"; fail=1; return; fi
  if [[ $(grep -c "^strata ith:" <<<"$out") != 1 ]]; then echo "FAIL $name: not one error line: $out"; fail=1; fi
  if ls "$W"/o.* >/dev/null 2>&1; then echo "FAIL $name: output left: $(ls "$W"/o.*)"; fail=1; fi
  echo "ok $name: $(grep '^strata ith:' <<<"$out")"
}
maf() { # name: good rows plus, on line 10, a row of patient PB whose cells come from stdin
  { good; cat; } > "$W/$1.maf"
}
row 1 900 10 10 NaN B1 | maf vafnan
check vafnan "vafnan.maf:10: VAF 'NaN' is not a finite number (column 11)" --maf "$W/vafnan.maf" --clin "$W/clin.tsv"
row 1 900 10 10 nan B1 | maf vafnan2
check vafnan-lower "vafnan2.maf:10: VAF 'nan' is not a finite number (column 11)" --maf "$W/vafnan2.maf" --clin "$W/clin.tsv"
row 1 900 10 10 inf B1 | maf vafinf
check vafinf "vafinf.maf:10: VAF 'inf' is not a finite number (column 11)" --maf "$W/vafinf.maf" --clin "$W/clin.tsv"
row 1 900 10 10 -Infinity B1 | maf vafninf
check vafneginf "vafninf.maf:10: VAF '-Infinity' is not a finite number (column 11)" --maf "$W/vafninf.maf" --clin "$W/clin.tsv"
row 1 900 10 10 1e400 B1 | maf vafhuge
check vafoverflow "vafhuge.maf:10: VAF '1e400' is not a finite number (column 11)" --maf "$W/vafhuge.maf" --clin "$W/clin.tsv"
row 1 900 NaN 10 0.5 B1 | maf depnan
check depthnan "depnan.maf:10: allele depth 'NaN' is not a non-negative integer (column 9)" --maf "$W/depnan.maf" --clin "$W/clin.tsv"
# a NUL byte: "0.1<NUL>2" was read as 0.1 before
printf 'G\t1\t900\t900\tMissense_Mutation\tSNP\tC\tT\t10\t10\t0.1\0002\tB1\n' | maf nul
check nul "nul.maf:10: NUL byte in column 11" --maf "$W/nul.maf" --clin "$W/clin.tsv"
gzip -c "$W/nul.maf" > "$W/nulgz.maf.gz"
check nul-gzip "nulgz.maf.gz:10: NUL byte in column 11" --maf "$W/nulgz.maf.gz" --clin "$W/clin.tsv"
# in the middle of the file (line 6, the range of a middle rank at np 4): the absolute line
{ good | head -5; printf 'G\t1\t900\t900\tMiss\0ense_Mutation\tSNP\tC\tT\t10\t10\t0.1\tA1\n'; good | tail -n +6; } > "$W/mid.maf"
check nul-middle "mid.maf:6: NUL byte in column 5" --maf "$W/mid.maf" --clin "$W/clin.tsv"
printf 'Hugo\0_Symbol\tChromosome\n' > "$W/hdr.maf"
check nul-header "hdr.maf:1: NUL byte in column 1" --maf "$W/hdr.maf" --clin "$W/clin.tsv"
printf 'Tumor_Sample_Barcode\tTumor_ID\tPatient_ID\nA1\tP\tPA\nA2\tP\tPA\nB1\tP\tPB\nB2\tM\tP\0B\n' > "$W/nulclin.tsv"
good > "$W/good.maf"
check nul-clin "nulclin.tsv:5: NUL byte in column 3" --maf "$W/good.maf" --clin "$W/nulclin.tsv"
# the CCF file
{ ccf_good; printf 'PB\tB2\t3\t400\tNaN\t0.1\n'; } > "$W/ccfnan.tsv"
check ccfnan "ccfnan.tsv:7: CCF 'NaN' is not a finite number (column 5)" --maf "$W/good.maf" --clin "$W/clin.tsv" --ccf "$W/ccfnan.tsv"
{ ccf_good; printf 'PB\tB2\t3\t400\t0.5\t-inf\n'; } > "$W/ccfinf.tsv"
check ccfstd-inf "ccfinf.tsv:7: CCF_Std '-inf' is not a finite number (column 6)" --maf "$W/good.maf" --clin "$W/clin.tsv" --ccf "$W/ccfinf.tsv"
{ ccf_good; printf 'PB\tB2\t3\t400\t0.5\t0.\0001\n'; } > "$W/ccfnul.tsv"
check ccf-nul "ccfnul.tsv:7: NUL byte in column 6" --maf "$W/good.maf" --clin "$W/clin.tsv" --ccf "$W/ccfnul.tsv"

# 'NA' and an empty cell are missing values, not errors
{ good; row 1 900 10 10 NA B1; row 1 901 NA NA '' B1; } > "$W/na.maf"
out=$(run --maf "$W/na.maf" --clin "$W/clin.tsv" -o "$W/na" 2>&1)
if [[ "$(sort -u "$W/rc")" == 0 && -s "$W/na.patient.tsv" ]]; then echo "ok na-missing"; else echo "FAIL na-missing: $out"; fail=1; fi

# rows stored in a cohort file: an infinite or out-of-range VAF/CCF is bad input (NaN = missing)
run --maf "$W/good.maf" --clin "$W/clin.tsv" --store "$W/c.h5" -q > /dev/null 2>&1
"$STRATA_PYTHON" - "$W/c.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r+')
v = f['uns/strata/mutations/rows/vaf']; a = v[:]; a[-1] = np.inf; v[...] = a
PY
check cohort-inf "rows/vaf: row 6 (source line 8) is inf" --cohort "$W/c.h5"
exit $fail
