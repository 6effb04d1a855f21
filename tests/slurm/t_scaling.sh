#!/bin/bash
# slurm/scaling.py on a small simulated cohort, through the local Slurm cluster (srun) and
# through plain mpirun: the TSV has every mode x rank count x phase, speedup and efficiency
# follow their definitions from the seconds, weak-scaling cohorts grow with the ranks, the
# phase times are consistent with the launcher's wall time, and the plots are a real PNG and
# SVG (also redrawn from the table alone with --plot-only).
source "$(dirname "$0")/lib.sh"
start_cluster
cd "$TMP" || exit 1
small=(--patients 12 --views rna:gaussian:300,cn:gaussian:150 --factors 4 --iters 20)

"$PY" "$SLURM_SRC/scaling.py" --out sl --strata "$STRATA_BIN" --ranks 1,2 "${small[@]}" >sl.out 2>sl.err \
  && ok "scaling.py through Slurm" || { bad "scaling.py through Slurm"; show sl.err; finish; }
grep -q "launcher: slurm" sl.err && grep -q "srun --mpi=pmix -n 2" sl.err && ok "it used srun" || { bad "not srun"; show sl.err; }
PATH=/usr/sbin:/usr/bin:/sbin:/bin SLURM_CONF=/nonexistent "$PY" "$SLURM_SRC/scaling.py" --out mp --launcher mpirun \
  --strata "$STRATA_BIN" --modes strong --ranks 1,2 "${small[@]}" >mp.out 2>mp.err \
  && grep -q "^scaling: mpirun -n 2" mp.err && ok "scaling.py through mpirun" || { bad "scaling.py through mpirun"; show mp.err; }

check_table() {
  "$PY" - "$1" "$2" <<'PY'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
modes = sys.argv[2].split(",")
have = {(r["mode"], int(r["ranks"]), r["phase"]) for r in rows}
for m in modes:
    for p in (1, 2):
        for ph in ("factor", "total", "wall", "factor/iter"):
            assert (m, p, ph) in have, (m, p, ph)
by = {(r["mode"], int(r["ranks"]), r["phase"]): r for r in rows}
for r in rows:
    p, s, t = int(r["ranks"]), float(r["speedup"]), float(r["seconds"])
    t1 = float(by[(r["mode"], 1, r["phase"])]["seconds"])
    want = t1 / t if r["mode"] == "strong" else p * t1 / t
    assert math.isclose(s, want, rel_tol=1e-4), (r, want)
    assert math.isclose(float(r["efficiency"]), s / p, rel_tol=1e-4), r
    assert t > 0, r
for m in modes:
    for p in (1, 2):
        tot, wall, fac = (float(by[(m, p, x)]["seconds"]) for x in ("total", "wall", "factor"))
        assert fac <= tot <= wall, (m, p, fac, tot, wall)
n = {(m, p): int(by[(m, p, "total")]["nobs"]) for m in modes for p in (1, 2)}
if "strong" in modes:
    assert n[("strong", 1)] == n[("strong", 2)] == 48, n
if "weak" in modes:
    assert n[("weak", 1)] == 48 and n[("weak", 2)] == 96, n
assert by[(modes[0], 2, "total")]["grid"] in ("1x2", "2x1"), by[(modes[0], 2, "total")]
print("%d rows" % len(rows))
PY
}
check_plots() {
  "$PY" - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
d = sys.argv[1]
png = open(d + "/scaling.png", "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000, len(png)
root = ET.parse(d + "/scaling.svg").getroot()
assert root.tag.endswith("svg"), root.tag
PY
}
msg=$(check_table sl/scaling.tsv strong,weak 2>&1) && ok "Slurm table: $msg, ratios and sizes right" || { bad "Slurm table: $msg"; cat sl/scaling.tsv; }
msg=$(check_table mp/scaling.tsv strong 2>&1) && ok "mpirun table: $msg" || { bad "mpirun table: $msg"; cat mp/scaling.tsv; }
check_plots sl && ok "PNG and SVG plots" || bad "plots"
rm -f sl/scaling.png sl/scaling.svg
"$PY" "$SLURM_SRC/scaling.py" --out sl --plot-only sl/scaling.tsv 2>/dev/null && check_plots sl \
  && ok "--plot-only redraws from the table" || bad "--plot-only"
# A failing run stops the study with exit 3 and says which command failed.
"$PY" "$SLURM_SRC/scaling.py" --out sl --strata "$STRATA_BIN" --modes strong --ranks 1 "${small[@]}" \
  --options=--no-such-option >bad.out 2>bad.err
rc=$?
[ $rc -eq 3 ] && grep -q "run failed with exit code 1: srun .*--no-such-option" bad.err \
  && ok "a failing run: exit 3 naming the command" || { bad "failing run: exit $rc"; show bad.err; }
finish
