/* Simulated multi-region cohort for the ITH benchmark: P patients with 2..7 regions each and
 * about 1,000 mutation rows per region (100x TRACERx100 at the default P = 10,000), written as a
 * MesKit MAF, its clinical file and a CCF file (plain TSV).  Deterministic from the seed; not a
 * model of tumour evolution, only of the table shapes (truncal, shared and private mutations,
 * VAF/CCF/depth ranges).  Usage: gen_mutations OUTDIR [PATIENTS] [ROWS_PER_REGION] [SEED] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mix(uint64_t x) { /* splitmix64 finaliser: a counter-based generator */
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
static double unif(uint64_t seed, uint64_t a, uint64_t b) {
  return (double)(mix(seed ^ mix(a * 0x100000001b3ULL + b)) >> 11) * 0x1.0p-53;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: gen_mutations OUTDIR [PATIENTS] [ROWS_PER_REGION] [SEED]\n");
    return 1;
  }
  long P = argc > 2 ? atol(argv[2]) : 10000, R = argc > 3 ? atol(argv[3]) : 1000;
  uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 42;
  char path[4096];
  snprintf(path, sizeof path, "%s/sim.maf.tsv", argv[1]);
  FILE *m = fopen(path, "w");
  snprintf(path, sizeof path, "%s/sim.ccf.tsv", argv[1]);
  FILE *c = fopen(path, "w");
  snprintf(path, sizeof path, "%s/sim.clin.tsv", argv[1]);
  FILE *k = fopen(path, "w");
  if (!m || !c || !k) {
    perror("gen_mutations");
    return 1;
  }
  static char mb[1 << 20], cb[1 << 20];
  setvbuf(m, mb, _IOFBF, sizeof mb);
  setvbuf(c, cb, _IOFBF, sizeof cb);
  fprintf(m,
          "Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Classification\t"
          "Variant_Type\tReference_Allele\tTumor_Seq_Allele2\tRef_allele_depth\t"
          "Alt_allele_depth\tVAF\tTumor_Sample_Barcode\n");
  fprintf(c, "Patient_ID\tTumor_Sample_Barcode\tChromosome\tStart_Position\tCCF\tCCF_Std\n");
  fprintf(k, "Tumor_Sample_Barcode\tTumor_ID\tPatient_ID\n");
  const char *base = "ACGT";
  const char *cls[] = {"Missense_Mutation", "Silent", "Nonsense_Mutation", "Splice_Site"};
  long rows = 0;
  for (long p = 0; p < P; p++) {
    int S = 2 + (int)(unif(seed, (uint64_t)p, 1) * 6); /* 2..7 regions */
    long trunk = R * 2 / 5, window = R - trunk, shift = window / 2;
    long pool = trunk + window + shift * (S - 1);
    for (int s = 0; s < S; s++)
      fprintf(k, "P%05ld_R%d\t%s\tP%05ld\n", p, s, s == S - 1 && S > 3 ? "M" : "P", p);
    for (long u = 0; u < pool; u++) {
      uint64_t key = (uint64_t)p * 1000003ULL + (uint64_t)u;
      int chr = 1 + (int)(unif(seed, key, 2) * 22);
      long pos = 1000 + (long)(unif(seed, key, 3) * 2e8);
      int rb = (int)(unif(seed, key, 4) * 4), ab = (rb + 1 + (int)(unif(seed, key, 5) * 3)) % 4;
      const char *vc = cls[(int)(unif(seed, key, 6) * 4)];
      int truncal = u < trunk;
      for (int s = 0; s < S; s++) {
        long lo = trunk + shift * s, hi = lo + window;
        if (!truncal && (u < lo || u >= hi)) continue;
        double ccf =
            truncal ? 0.85 + 0.3 * unif(seed, key, 10 + s) : 0.05 + 0.6 * unif(seed, key, 10 + s);
        int depth = 30 + (int)(unif(seed, key, 20 + s) * 170);
        double vaf = (ccf > 1 ? 1 : ccf) * 0.5 * (0.8 + 0.4 * unif(seed, key, 30 + s));
        int alt = (int)(vaf * depth + 0.5);
        if (alt < 1) alt = 1;
        fprintf(m, "G%ld\t%d\t%ld\t%ld\t%s\tSNP\t%c\t%c\t%d\t%d\t%.3f\tP%05ld_R%d\n", u % 20000,
                chr, pos, pos, vc, base[rb], base[ab], depth - alt, alt, (double)alt / depth, p, s);
        fprintf(c, "P%05ld\tP%05ld_R%d\t%d\t%ld\t%.3f\t%.3f\n", p, p, s, chr, pos, ccf,
                0.03 + 0.12 * unif(seed, key, 40 + s));
        rows++;
      }
    }
  }
  if (fclose(m) || fclose(c) || fclose(k)) {
    perror("gen_mutations");
    return 1;
  }
  printf("%ld patients, %ld rows\n", P, rows);
  return 0;
}
