#!/usr/bin/env python3
"""Write the seed corpus of the fuzz harnesses (tests/fuzz/corpus/<harness>/) and the fixed
mutation table the ccf and segments harnesses read (tests/fuzz/fuzz_fixed.h) from small slices
of the bundled data (examples/miniacc, examples/crc_hz), plus hand-made edge cases.

Usage: make_corpus.py [SRC]   (SRC: the repository, default two levels up from this file)
The output is committed; rerun after changing this script.  Deterministic.

The events seeds are cut from corpus/events/factor_np2_stream, every message `strata monitor
--jsonl` received from `mpirun -np 2 strata factor` on two miniacc views (-k 3, 40 iterations,
a checkpoint every 20): snapshot, heartbeats and events.

Input layout (tests/fuzz/fuzz_common.h): one flag byte (XOR 0x30: the ASCII digits here are
options 0..9, '0' none, 'p' gzip), then the files separated by a line "%%".
"""
import gzip
import os
import json
import sys

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(here))
ex = os.path.join(src, "examples")
out = os.path.join(here, "corpus")
SEP = "\n%%\n"


def table(path):
    with gzip.open(path, "rt") as f:
        return [l.rstrip("\n").split("\t") for l in f]


def tsv(rows, sep="\t", eol="\n"):
    return eol.join(sep.join(r) for r in rows) + eol


def seed(harness, name, flag, *files):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    data = flag.encode() if isinstance(flag, str) else flag
    parts = [f.encode() if isinstance(f, str) else f for f in files]
    # parts end with a newline: the separator's leading newline is that one
    body = b""
    for i, p in enumerate(parts):
        if i:
            body = body.rstrip(b"\n") + SEP.encode()
        body += p
    with open(os.path.join(d, name), "wb") as f:
        f.write(data + body)


# Files are (over)written, never deleted: a corpus directory also keeps the regression input of
# every crash found (regress_*) and, for events, a stream captured from a real run.

# ---------------------------------------------------------------- miniACC: import, samples
mini = os.path.join(ex, "miniacc")
samples = table(os.path.join(mini, "samples.tsv.gz"))
rna = table(os.path.join(mini, "RNASeq2GeneNorm.tsv.gz"))
cn = table(os.path.join(mini, "gistict.tsv.gz"))
mut = table(os.path.join(mini, "Mutations.tsv.gz"))
mirna = table(os.path.join(mini, "miRNASeqGene.tsv.gz"))
rppa = table(os.path.join(mini, "RPPAArray.tsv.gz"))


def cut(t, nrows, ncols):
    return [r[:ncols] for r in t[: nrows + 1]]


def transpose(t):
    return [list(c) for c in zip(*t)]


ids = [r[0] for r in rna[1:7]]
samp = [samples[0][:8]] + [r[:8] for r in samples[1:] if r[0] in ids or r[0] == samples[1][0]]
sm = tsv(samp)
keep = {r[0] for r in samp[1:]}


def rows_of(t, n, ncols):  # the header and the first n rows whose sample is in the samples slice
    return [t[0][:ncols]] + [r[:ncols] for r in t[1:] if r[0] in keep][:n]


seed("import", "rna", "0", sm, tsv(cut(rna, 5, 7)))
seed("import", "rna_gz", "p", sm, tsv(cut(rna, 5, 7)))
seed("import", "rna_by_column", "1", sm, tsv(transpose(cut(rna, 5, 7))))
seed("import", "rna_cn", "0", sm, tsv(cut(rna, 4, 6)), tsv(rows_of(cn, 5, 5)))
seed("import", "rna_cn_by_column_b", chr(0x30 ^ 0x50), sm, tsv(cut(rna, 4, 6)), tsv(transpose(rows_of(cn, 5, 5))))
seed("import", "mirna_log1p", "2", sm, tsv(rows_of(mirna, 5, 6)))
seed("import", "mut_bernoulli", "4", sm, tsv(rows_of(mut, 5, 8)))
seed("import", "rppa_csv", "8", tsv(samp, ","), tsv(rows_of(rppa, 3, 5), ","))
seed("import", "csv_quoted", "8", 'sample,"patientID",age\n"a,1",p1,3\n"b""2",p2,NA\n',
     'sample,"g 1",g2\n"a,1",1.5,"2"\n"b""2",NA,-3e2\n')
# hand-made edge cases (each is bad input or a corner the readers must take)
s2 = "sample\tpatient\tage\tsex\nS1\tP1\t50\tm\nS2\tP1\tNA\tf\nS3\tP2\t\t\n"
for name, flag, view in [
    ("ragged", "0", "sample\tg1\tg2\nS1\t1\t2\nS2\t3\n"),
    ("nonnumeric", "0", "sample\tg1\nS1\tabc\n"),
    ("missing_values", "0", "sample\tg1\tg2\nS1\tNA\tnan\nS2\tN/A\tnull\nS3\t\t 4 \n"),
    ("huge_values", "0", "sample\tg1\tg2\nS1\t1e400\tinf\nS2\t-1e-400\t0x1p3\n"),
    ("nul_in_cell", "0", "sample\tg1\nS1\t1\x002\n"),
    ("crlf_blank_lines", "0", "sample\tg1\r\n\r\n   \r\nS1\t1\r\nS2\t2\r\n"),
    ("duplicate_sample", "0", "sample\tg1\nS1\t1\nS1\t2\n"),
    ("unknown_sample", "0", "sample\tg1\nS9\t1\n"),
    ("header_only", "0", "sample\tg1\n"),
    ("no_features", "0", "sample\nS1\n"),
    ("empty_view", "0", ""),
    ("by_column_dup", "1", "feature\tS1\tS1\ng1\t1\t2\n"),
    ("by_column_header_only", "1", "feature\tS1\tS2\n"),
    ("log1p_negative", "2", "sample\tg1\nS1\t-1\n"),
    ("bernoulli_half", "4", "sample\tg1\nS1\t0.5\n"),
    ("trailing_tab", "0", "sample\tg1\t\nS1\t1\t\n"),
    ("long_line", "0", "sample\t" + "\t".join("g%d" % i for i in range(300)) + "\nS1\t" +
     "\t".join(str(i) for i in range(300)) + "\n"),
]:
    seed("import", "edge_" + name, flag, s2, view)
seed("import", "huge_values_as_missing", chr(0x30 ^ 0x20), s2, "sample\tg1\tg2\nS1\t1e400\tinf\nS2\t-1e-400\t0x1p3\n")
seed("import", "float32_overflow", chr(0x30 ^ 0x80), s2, "sample\tg1\nS1\t1e39\nS2\t3.4e38\n")
seed("import", "float32_log1p_as_missing", chr(0x30 ^ 0xa2), s2, "sample\tg1\nS1\t1e300\nS2\t7\n")
seed("import", "edge_csv_quote_text", "8", "sample,patient\nS1,P1\n", 'sample,g1\nS1,"1"x\n')
seed("import", "edge_csv_open_quote", "8", "sample,patient\nS1,P1\n", 'sample,g1\nS1,"1\n')
seed("import", "edge_not_gzip", b"0", b"\x1f\x8b\x08\x00garbage\n", b"sample\tg1\nS1\t1\n")

seed("samples", "miniacc", "0", tsv(samples[:12]))
seed("samples", "miniacc_gz", "p", tsv(samples[:12]))
seed("samples", "miniacc_csv", "8", tsv([r[:10] for r in samples[:12]], ","))
seed("samples", "columns_named", "3", "id\tsample\tpatient\tx\n1\tS1\tP1\t0.5\n2\tS2\tP1\tNA\n")
for name, body in [
    ("duplicate", "sample\tpatient\nS1\tP1\nS1\tP2\n"),
    ("no_patient_column", "sample\tgroup\nS1\tg\n"),
    ("empty_patient", "sample\tpatient\nS1\t\nS2\tNA\n"),
    ("empty_sample", "sample\tpatient\n\tP1\n"),
    ("header_only", "sample\tpatient\n"),
    ("empty", ""),
    ("ragged", "sample\tpatient\tx\nS1\tP1\n"),
    ("mixed_covariate", "sample\tpatient\tx\tflag\nS1\tP1\t1\tTRUE\nS2\tP2\tb\tNA\nS3\tP3\t1e400\t\n"),
    ("patient_is_sample_column", "patient\tsample\nP1\tS1\n"),
    # found by fuzz_samples: covariate names HDF5 cannot take were an HDF5 error (exit 3)
    ("covariate_empty_name", "sample\tpatient\t\nS1\tP1\t3\n"),
    ("covariate_slash", "sample\tpatient\ta/b\nS1\tP1\t3\n"),
    ("covariate_dot", "sample\tpatient\t.\nS1\tP1\t3\n"),
    ("covariate_twice", "sample\tpatient\tx\tx\nS1\tP1\t3\t4\n"),
    ("covariate_named_patient", "sample\tpatient_id\tpatient\nS1\tP1\tx\n"),
]:
    seed("samples", "edge_" + name, "0", body)

# ---------------------------------------------------------------- CRC_HZ: mutation formats
crc = os.path.join(ex, "crc_hz")
maf = table(os.path.join(crc, "CRC_HZ.maf.tsv.gz"))
clin = table(os.path.join(crc, "CRC_HZ.clin.tsv.gz"))
ccf = table(os.path.join(crc, "CRC_HZ.ccf.tsv.gz"))
seg = table(os.path.join(crc, "CRC_HZ.seg.tsv.gz"))
H = maf[0]
col = {n: i for i, n in enumerate(H)}
S = ["V402_P_1", "V402_P_2", "V750_P_1", "V750_LN_1"]
# keep rows whose position was chosen for their patient
chosen_pos = set()
for pat in ("V402", "V750"):
    pr = [r for r in maf[1:] if r[col["Tumor_Sample_Barcode"]] in S and r[col["Tumor_Sample_Barcode"]].startswith(pat)]
    ks, have_indel, have_x = [], False, False
    for r in pr:
        k = (r[col["Chromosome"]], r[col["Start_Position"]])
        if k in ks:
            continue
        indel = r[col["Variant_Type"]] in ("DEL", "INS")
        if len(ks) < 3 or (indel and not have_indel) or (k[0] == "X" and not have_x):
            ks.append(k)
            have_indel |= indel
            have_x |= k[0] == "X"
    chosen_pos |= {(pat,) + k for k in ks}
mrows = [r for r in maf[1:] if r[col["Tumor_Sample_Barcode"]] in S and
         (r[col["Tumor_Sample_Barcode"]][:4], r[col["Chromosome"]], r[col["Start_Position"]]) in chosen_pos]
maf_s = tsv([H] + mrows)
clin_s = tsv([clin[0]] + [r for r in clin[1:] if r[0] in S])
cs = [r for r in ccf[1:] if r[1] in S and (r[0], r[2], r[3]) in chosen_pos]
ccf_s = tsv([ccf[0]] + cs + [r for r in ccf[1:] if r[1] in S][:2])
seg_s = tsv([seg[0]] + [r for s in S for r in [x for x in seg[1:] if x[1] == s][:3]])

# the fixed table of the ccf and segments harnesses
with open(os.path.join(here, "fuzz_fixed.h"), "w") as f:
    f.write("/* Generated by tests/fuzz/make_corpus.py from examples/crc_hz: a MesKit MAF slice and its\n"
            " * clinical table, read once per input by the ccf and segments harnesses. */\n")
    f.write("#ifndef STRATA_FUZZ_FIXED_H\n#define STRATA_FUZZ_FIXED_H\n")
    for name, text in (("FUZZ_FIXED_MAF", maf_s), ("FUZZ_FIXED_CLIN", clin_s)):
        f.write("static const char %s[] =\n" % name)
        for line in text.splitlines(True):
            f.write('    "%s"\n' % line.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n"))
        f.write("    ;\n")
    f.write("#endif\n")


def rename(rows_, old, new):
    return [[new if (i == 0 and c == old) else c for c in r] if i == 0 else r for i, r in enumerate(rows_)]


# maf: MesKit (flag '0') and GDC (flag '1'); files: MAF %% sample table %% CCF
seed("maf", "meskit_clin", "0", maf_s, clin_s)
seed("maf", "meskit_clin_ccf", "0", maf_s, clin_s, ccf_s)
seed("maf", "meskit_clin_ccf_gz", "p", maf_s, clin_s, ccf_s)
seed("maf", "meskit_conf90", "2", maf_s, clin_s, ccf_s)
pct = [H] + [r[:col["VAF"]] + ["%g" % (float(r[col["VAF"]]) * 100)] + r[col["VAF"] + 1:] for r in mrows]
seed("maf", "meskit_percent", "0", tsv(pct), clin_s)
pid = {r[0]: r[2] for r in clin[1:]}
gH = [c.replace("Ref_allele_depth", "t_ref_count").replace("Alt_allele_depth", "t_alt_count") for c in H if c != "VAF"]
g = [gH + ["Patient_ID"]] + [[c for i, c in enumerate(r) if i != col["VAF"]] + [pid[r[col["Tumor_Sample_Barcode"]]]] for r in mrows]
seed("maf", "gdc_patient_column", "1", tsv(g))
seed("maf", "gdc_sample_table", "1", tsv([r[:-1] for r in g]), tsv([["sample_id", "patient_id"]] + [[s, pid[s]] for s in S]))
seed("maf", "meskit_comments_crlf", "0", "#version 2.4\n" + tsv([H] + mrows[:4], eol="\r\n"), clin_s)
edge_row = dict(zip(H, mrows[0]))


def maf_with(**kw):
    r = dict(edge_row)
    r.update(kw)
    return tsv([H, [r[h] for h in H]])


for name, body in [
    ("negative_depth", maf_with(Ref_allele_depth="-3")),
    ("fraction_depth", maf_with(Alt_allele_depth="2.5")),
    ("vaf_150", maf_with(VAF="150")),
    ("vaf_nan", maf_with(VAF="NaN")),
    ("vaf_inf", maf_with(VAF="inf")),
    ("bad_position", maf_with(Start_Position="12a")),
    ("huge_position", maf_with(Start_Position="1e300")),
    ("chrM", maf_with(Chromosome="chrMT")),
    ("empty_sample", maf_with(Tumor_Sample_Barcode="")),
    ("unknown_sample", maf_with(Tumor_Sample_Barcode="V999_P_1")),
    ("ragged", tsv([H]) + "a\tb\n"),
    ("missing_column", tsv([H[:-1]])),
    ("header_only", tsv([H])),
    ("many_columns", "\t".join("c%d" % i for i in range(600)) + "\n"),
]:
    seed("maf", "edge_" + name, "0", body, clin_s)
seed("maf", "edge_clin_conflict", "0", maf_s, clin_s + "V402_P_1\tP\tV750\tP_1\n")
seed("maf", "edge_no_patient", "0", maf_s)

# ccf: the CCF file against the fixed MAF slice
seed("ccf", "ccf", "0", ccf_s)
seed("ccf", "ccf_gz", "p", ccf_s)
seed("ccf", "ccf_conf90", "2", ccf_s)
ci = [ccf[0][:5] + ["CCF_CI_High"]] + [r[:5] + ["%.3f" % min(1.0, float(r[4]) + 0.2)] for r in cs]
seed("ccf", "ccf_ci_high", "0", tsv(ci))
seed("ccf", "ccf_chr_prefix", "0", tsv([ccf[0]] + [r[:2] + ["chr" + r[2]] + r[3:] for r in cs]))
for name, body in [
    ("negative", tsv([ccf[0], cs[0][:4] + ["-0.5", "0.1"]])),
    ("bad_position", tsv([ccf[0], cs[0][:3] + ["x", "0.5", "0.1"]])),
    ("huge_position", tsv([ccf[0], cs[0][:3] + ["-1e300", "0.5", "0.1"]])),
    ("ragged", tsv([ccf[0], cs[0][:3]])),
    ("missing_column", tsv([ccf[0][:4]])),
    ("empty", ""),
]:
    seed("ccf", "edge_" + name, "0", body)

# pyclone: PyClone-VI output made from the slice (mutation_id, sample_id, cluster_id and the
# CCF as cellular_prevalence) %% the sample table
ccf_of = {(r[1], r[2], r[3]): r[4] for r in ccf[1:] if r[1] in S}
py = [["mutation_id", "sample_id", "cluster_id", "cellular_prevalence", "cellular_prevalence_std", "cluster_assignment_prob"]]
for r in mrows:
    s, c, p = r[col["Tumor_Sample_Barcode"]], r[col["Chromosome"]], r[col["Start_Position"]]
    v = ccf_of.get((s, c, p), "0")
    py.append(["%s:%s:%s" % (r[col["Hugo_Symbol"]], c, p), s, str(int(float(v) * 4)), v, "0.05", "1.0"])
pys = tsv([["sample_id", "patient_id", "tumor_id"]] + [[s, pid[s], s.split("_")[1]] for s in S])
seed("pyclone", "pyclone", "0", tsv(py), pys)
seed("pyclone", "pyclone_gz", "p", tsv(py), pys)
seed("pyclone", "edge_no_sample_table", "0", tsv(py))
seed("pyclone", "edge_cluster_fraction", "0", tsv(py[:1] + [py[1][:2] + ["1.5"] + py[1][3:]]), pys)
seed("pyclone", "edge_cluster_huge", "0", tsv(py[:1] + [py[1][:2] + ["1e10"] + py[1][3:]]), pys)
seed("pyclone", "edge_negative_prevalence", "0", tsv(py[:1] + [py[1][:3] + ["-0.1"] + py[1][4:]]), pys)

# conipher: CONIPHER input made from the slice (CCF_PHYLO from the CCF file)
cp = [["CASE_ID", "SAMPLE", "CHR", "POS", "REF", "ALT", "REF_COUNT", "VAR_COUNT", "DEPTH", "CLUSTER", "CCF_PHYLO", "CCF_OBS", "MUT_COPY", "COPY_NUMBER_A", "COPY_NUMBER_B", "ACF", "PLOIDY"]]
for r in mrows:
    s, c, p = r[col["Tumor_Sample_Barcode"]], r[col["Chromosome"]], r[col["Start_Position"]]
    v = ccf_of.get((s, c, p), "0")
    rd, ad = r[col["Ref_allele_depth"]], r[col["Alt_allele_depth"]]
    cp.append([pid[s], s, c, p, r[col["Reference_Allele"]], r[col["Tumor_Seq_Allele2"]], rd, ad,
               str(int(rd) + int(ad)), str(int(float(v) * 4) + 1), v, v, "1", "1", "1", "0.6", "2.1"])
seed("conipher", "conipher", "0", tsv(cp))
seed("conipher", "conipher_gz", "p", tsv(cp))
seed("conipher", "conipher_sample_table", "0", tsv(cp), clin_s)
seed("conipher", "edge_minimal_columns", "0", tsv([r[:8] for r in cp]))
seed("conipher", "edge_negative_count", "0", tsv(cp[:1] + [cp[1][:6] + ["-1"] + cp[1][7:]]))
seed("conipher", "edge_empty_case", "0", tsv(cp[:1] + [[""] + cp[1][1:]]))

# segments: segment file against the fixed MAF slice
seed("segments", "crc_hz", "0", seg_s)
seed("segments", "crc_hz_gz", "p", seg_s)
sh = seg[0]
sr = [x for s in S for x in [y for y in seg[1:] if y[1] == s][:2]]
ascat = [["sample", "chr", "startpos", "endpos", "nMajor", "nMinor"]] + [[r[1], "chr" + r[2], r[3], r[4], r[7], r[6]] for r in sr]
seed("segments", "ascat_names", "0", tsv(ascat))
seed("segments", "total_only", "0", tsv([["SAMPLE", "chrom", "start", "end", "cn"]] + [[r[1], r[2], r[3], r[4], r[5]] for r in sr]))
seed("segments", "conipher_names", "0", tsv([["SAMPLE", "CHR", "Start", "End", "COPY_NUMBER_A", "COPY_NUMBER_B"]] + [[r[1], "X", r[3], r[4], r[7], r[6]] for r in sr]))
for name, row in [
    ("end_before_start", sr[0][:3] + ["100", "50"] + sr[0][5:]),
    ("negative_cn", sr[0][:5] + ["-1"] + sr[0][6:]),
    ("huge_coordinates", sr[0][:3] + ["1e300", "1e301"] + sr[0][5:]),
    ("inf_coordinates", sr[0][:3] + ["-inf", "inf"] + sr[0][5:]),
    ("nan_cn", sr[0][:5] + ["NA", "NA", "NA"] + sr[0][8:]),
    ("unknown_sample", [sr[0][0], "V999_P_1"] + sr[0][2:]),
]:
    seed("segments", "edge_" + name, "0", tsv([sh, row]))
seed("segments", "edge_no_cn_columns", "0", tsv([sh[:5]]))
seed("segments", "edge_ragged", "0", tsv([sh]) + "V402\tV402_P_1\t1\n")

# events: one message per line (no flag byte), cut from the captured stream
with open(os.path.join(out, "events", "factor_np2_stream")) as f:
    stream = [l.rstrip("\n") for l in f if l.strip()]
msgs = [json.loads(l) for l in stream]


def ev_seed(name, lines):
    with open(os.path.join(out, "events", name), "w") as f:
        f.write("".join(l + "\n" for l in lines))


def dump(o):
    return json.dumps(o, separators=(",", ":"))


ev_seed("start", stream[:8])
ev_seed("end", stream[-6:])
its = [m for m in msgs if m["type"] == "iteration"]
run = next(m for m in msgs if m["type"] == "run_start")
ck = next(m for m in msgs if m["type"] == "checkpoint")
snap = dict(next(m for m in msgs if m["type"] == "snapshot"))
snap.update(last_seq=its[10]["seq"], run=run, iteration=its[10], checkpoint=ck, warnings=1,
            open_phases=[{"schema": run["schema"], "type": "phase_begin", "seq": 4, "phase": "factor", "total_steps": 40}],
            done_phases=[{"phase": "read", "seconds": 0.44}],
            last_warning={"schema": run["schema"], "type": "warning", "seq": 9, "message": "view 'cn': 3 constant features"})
ev_seed("snapshot_mid_run", [dump(snap)])
end = dict(msgs[-1])
end.update(status="bad input", status_code=2, exit_code=2, message="c.h5mu: view 'rna' has NaN at (3, 7)")
ev_seed("run_end_failed", stream[:3] + [dump(end)])
big = dict(its[0])
big.update(iter=9223372036854775807, max_iter=9223372036854775807)
ev_seed("edge_iteration_int64_max", [stream[1], dump(dict(msgs[3], seq=4)), dump(big)])
long_time = dict(msgs[4])
long_time.update(seconds=1e51)
late = dict(its[1])
late.update(eta=1e300, phase_elapsed=-1e300, objective=None, change=None)
ev_seed("edge_huge_seconds", [stream[1], dump(long_time), dump(late), dump(dict(msgs[-1], elapsed=1e308))])
ev_seed("edge_many_phases", [stream[1]] + [dump({"schema": run["schema"], "type": "phase_begin", "seq": 2 + i,
                                                 "phase": "p%d" % i + "x" * (i * 3), "total_steps": i})
                                           for i in range(40)])
ev_seed("edge_wrong_types", [dump(dict(run, grid={"a": 1}, nobs="92", pid=-1)),
                              dump(dict(its[0], compute=[1, 2], mem_hwm="big", phase=7, iter=-5, max_iter=-1)),
                              dump(dict(snap, open_phases={"x": 1}, done_phases=[1, None, "a"], iteration=[]))])
ev_seed("edge_schema", ['{"schema":"strata.events/2","type":"run_start","seq":1}',
                        '{"schema":"strata.events/1x","type":"run_start","seq":1}',
                        '{"schema":"strata.events/","type":"run_end"}',
                        '{"schema":7}', '[1,2,3]', '{"schema":"strata.events/1"', "", "null",
                        r'{"schema":"strata.events/1.2","type":"warning","seq":2,"message":"caf\u00e9 \ud83d\ude00"}'])
# found by fuzz_events (UBSan): seq arithmetic overflowed at the int64 limits
ev_seed("regress_seq_overflow", ['{"schema":"strata.events/1","type":"warning","seq":9223372036854775807}',
                                 '{"schema":"strata.events/1","type":"warning","seq":9223372036854775807}',
                                 '{"schema":"strata.events/1","type":"run_start","seq":-9223372036854775808}',
                                 '{"schema":"strata.events/1","type":"warning","seq":9223372036854775807}'])
ev_seed("edge_seq_gaps", [dump(dict(m, seq=s)) for m, s in zip(msgs[1:6], [1, 5, 3, -9223372036854775807, 9223372036854775807])])

print("wrote", sum(len(fs) for _, _, fs in os.walk(out)), "seeds under", out)
