#!/bin/bash
# Bad input to `strata ith` at np $STRATA_NP: exit 2 on all ranks with one message naming the
# file and line, and no output files; duplicated rows are a warning; percent VAFs are converted;
# usage errors exit 1.  The bad row of the "late" case belongs to the last patient, which is owned
# by the last rank at np 2 (so only that rank detects it).
set -uo pipefail
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
fail=0
run() { "$STRATA_MPIEXEC" -np "$STRATA_NP" "$STRATA_BIN" ith "$@"; }
H=$'Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Classification\tVariant_Type\tReference_Allele\tTumor_Seq_Allele2\tRef_allele_depth\tAlt_allele_depth\tVAF\tTumor_Sample_Barcode'
row() { printf 'G\t%s\t%s\t%s\tMissense_Mutation\tSNP\tC\tT\t%s\t%s\t%s\t%s\n' "$1" "$2" "$2" "$3" "$4" "$5" "$6"; }
printf 'Tumor_Sample_Barcode\tTumor_ID\tPatient_ID\nA1\tP\tPA\nA2\tP\tPA\nB1\tP\tPB\nB2\tM\tPB\n' > "$W/clin.tsv"
good() {
  echo "$H"
  row 1 100 60 40 0.4 A1; row 1 100 70 30 0.3 A2; row 1 200 80 20 0.2 A1; row 2 300 50 50 0.5 A2
  row 1 100 60 40 0.4 B1; row 1 100 70 30 0.3 B2; row 3 400 90 10 0.1 B1; row 3 500 0 0 0 B2
}
expect_err() { # name expected-substring file...
  local name=$1 pat=$2; shift 2
  rm -f "$W"/o.*
  out=$(run --maf "$W/$name.maf" --clin "$W/clin.tsv" -o "$W/o" "$@" 2>&1); rc=$?
  if [[ $rc != 2 ]]; then echo "FAIL $name: exit $rc, expected 2: $out"; fail=1; return; fi
  if ! grep -q -- "$pat" <<<"$out"; then echo "FAIL $name: message '$out' lacks '$pat'"; fail=1; return; fi
  if [[ $(grep -c "^strata ith:" <<<"$out") != 1 ]]; then echo "FAIL $name: not one error line: $out"; fail=1; fi
  if ls "$W"/o.* >/dev/null 2>&1; then echo "FAIL $name: partial output written"; fail=1; fi
  echo "ok $name: $(grep '^strata ith:' <<<"$out")"
}
{ good; row 1 900 10 10 0.5 X9; } > "$W/unknown.maf"
expect_err unknown "unknown.maf:10: unknown sample 'X9'"
{ good; row 1 900 10 10 150 A1; } > "$W/vafbig.maf"
expect_err vafbig "vafbig.maf:10: VAF 150 outside"
{ good; row 1 900 -3 10 -0.2 B1; } > "$W/late.maf"
expect_err late "late.maf:10: negative allele depth"
{ good; printf 'G\t1\t5\n'; } > "$W/ragged.maf"
expect_err ragged "ragged.maf:10: 3 fields, header has 12"
{ good; row 1 900 10 10 abc A1; } > "$W/nan.maf"
expect_err nan "nan.maf:10: VAF 'abc' is not a number"
{ good | cut -f1-10,12; } > "$W/nocol.maf"
expect_err nocol "missing column VAF"

# duplicated rows: kept, one warning with the count
{ good; row 1 200 80 20 0.2 A1; row 1 200 80 20 0.2 A1; } > "$W/dup.maf"
out=$(run --maf "$W/dup.maf" --clin "$W/clin.tsv" -o "$W/dup" 2>&1) || { echo "FAIL dup: $out"; fail=1; }
grep -q "warning: 2 duplicated mutation rows" <<<"$out" && echo "ok dup" || { echo "FAIL dup: $out"; fail=1; }

# percent VAFs (max > 1): divided by 100, same MATH as fractions
good > "$W/frac.maf"
good | awk -F'\t' 'BEGIN{OFS="\t"} NR>1{$11=$11*100} {print}' > "$W/pct.maf"
run --maf "$W/frac.maf" --clin "$W/clin.tsv" -o "$W/frac" -q && run --maf "$W/pct.maf" --clin "$W/clin.tsv" -o "$W/pct" -q
if diff <(grep -v '^#' "$W/frac.region.tsv") <(grep -v '^#' "$W/pct.region.tsv") >/dev/null &&
   grep -q "vaf_percent=1" "$W/pct.region.tsv"; then echo "ok percent"; else echo "FAIL percent"; fail=1; fi
# mostly fractions and one VAF of 1.5: converted as MesKit does, with a warning about mixed units
{ good; row 1 900 10 10 1.5 A1; } > "$W/mixed.maf"
out=$(run --maf "$W/mixed.maf" --clin "$W/clin.tsv" -o "$W/mixed" 2>&1) || { echo "FAIL mixed: $out"; fail=1; }
grep -q "warning: VAF read as percent .* 7 of 8 rows had VAF <= 1" <<<"$out" && echo "ok mixed" ||
  { echo "FAIL mixed: $out"; fail=1; }
# VAF == 0 rows dropped and counted (1 row in good())
grep -q "VAF==0 1," "$W/frac.region.tsv" && echo "ok vaf0" || { echo "FAIL vaf0"; fail=1; }

# usage
"$STRATA_BIN" ith >/dev/null 2>&1; [[ $? == 1 ]] && echo "ok usage" || { echo "FAIL usage"; fail=1; }
"$STRATA_BIN" ith --help >/dev/null; [[ $? == 0 ]] && echo "ok help" || { echo "FAIL help"; fail=1; }
out=$(run --maf "$W/frac.maf" --math-convention foo 2>&1); rc=$?
[[ $rc == 1 ]] && grep -q "math-convention must be" <<<"$out" && echo "ok badopt" || { echo "FAIL badopt $rc $out"; fail=1; }
exit $fail
