/* Writers for `strata simulate`: the multi-region mutation tables (MesKit MAF, CCF, clinical,
 * planted clones) as TSV by one process, each under a temporary name until commit.  The planted
 * truth goes into the cohort file through strata_cohort_writer_rank0 (cli/cmd_simulate.c), the
 * data matrices through the cohort writer (io/h5mu_write.c), not here. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "strata/h5util.h"
#include "strata/simulate_io.h"
#include "strata/util.h"

/* ---- mutation tables ------------------------------------------------------------------------ */
enum { F_MAF, F_CCF, F_CLIN, F_CLONES, NFILES };
static const char *const suffix[NFILES] = {".maf.tsv", ".ccf.tsv", ".clin.tsv", ".clones.tsv"};

struct strata_mutwriter {
  char *final[NFILES], *tmp[NFILES];
  FILE *f[NFILES];
};

static void mutwriter_free(strata_mutwriter_t *w, int unlink_tmp) {
  for (int k = 0; k < NFILES; k++) {
    if (w->f[k]) fclose(w->f[k]);
    if (unlink_tmp && w->tmp[k]) unlink(w->tmp[k]);
    free(w->final[k]);
    free(w->tmp[k]);
  }
  free(w);
}

int strata_mutwriter_open(const char *prefix, strata_mutwriter_t **out) {
  int st = STRATA_OK;
  strata_mutwriter_t *w = NULL;
  *out = NULL;
  STRATA_CALLOC(w, 1);
  for (int k = 0; k < NFILES; k++) {
    size_t len = strlen(prefix) + 64;
    STRATA_MALLOC(w->final[k], len);
    STRATA_MALLOC(w->tmp[k], len + 32);
    snprintf(w->final[k], len, "%s%s", prefix, suffix[k]);
    strata_tmpname(w->final[k], w->tmp[k], len + 32);
    if (!(w->f[k] = fopen(w->tmp[k], "w")))
      STRATA_FAIL(STRATA_ERR_IO, "cannot create '%s': %s", w->final[k], strerror(errno));
  }
  fputs("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Classification\t"
        "Variant_Type\tReference_Allele\tTumor_Seq_Allele2\tRef_allele_depth\tAlt_allele_depth\t"
        "VAF\tTumor_Sample_Barcode\tPatient_ID\tTumor_ID\tCluster\n", w->f[F_MAF]);
  fputs("Patient_ID\tTumor_Sample_Barcode\tChromosome\tStart_Position\tCCF\tCCF_Std\n", w->f[F_CCF]);
  fputs("Tumor_Sample_Barcode\tTumor_ID\tPatient_ID\tTumor_Sample_Label\n", w->f[F_CLIN]);
  fputs("Patient_ID\tTumor_Sample_Barcode\tCluster\tParent\tCCF\tPurity\n", w->f[F_CLONES]);
cleanup:
  if (st && w) {
    mutwriter_free(w, 1);
    w = NULL;
  }
  *out = w;
  return st;
}

int strata_mutwriter_patient(strata_mutwriter_t *w, const char *patient, char *const *samples,
                             const double *purity, int nclust, const int *parent,
                             const double *ccf, int maxc, const strata_sim_mutations_t *m) {
  int st = STRATA_OK;
  const int R = m->R;
  for (int r = 0; r < R; r++) {
    fprintf(w->f[F_CLIN], "%s\t%s_T\t%s\tR%d\n", samples[r], patient, patient, r + 1);
    for (int c = 0; c < nclust; c++)
      fprintf(w->f[F_CLONES], "%s\t%s\t%d\t%d\t%.17g\t%.17g\n", patient, samples[r], c,
              parent[c], ccf[r * maxc + c], purity[r]);
  }
  for (int64_t k = 0; k < m->n; k++) {
    for (int r = 0; r < R; r++) {
      int depth = m->depth[k * R + r], alt = m->altc[k * R + r];
      double vaf = (double)alt / depth;
      fprintf(w->f[F_MAF], "SIM%d_%lld\t%d\t%lld\t%lld\t%s\tSNP\t%c\t%c\t%d\t%d\t%.6g\t%s\t%s\t%s_T\t%d\n",
              m->chrom[k], (long long)m->pos[k], m->chrom[k], (long long)m->pos[k],
              (long long)m->pos[k], m->vclass_names[m->vclass[k]], m->ref[k], m->alt[k],
              depth - alt, alt, vaf, samples[r], patient, patient, m->cluster[k]);
      if (alt > 0) {
        double est = 2.0 * vaf / purity[r];
        double se = 2.0 / purity[r] * sqrt(vaf * (1.0 - vaf) / depth);
        fprintf(w->f[F_CCF], "%s\t%s\t%d\t%lld\t%.6g\t%.6g\n", patient, samples[r], m->chrom[k],
                (long long)m->pos[k], est, se);
      }
    }
  }
  for (int k = 0; k < NFILES; k++)
    if (ferror(w->f[k])) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s': %s", w->final[k], strerror(errno));
cleanup:
  return st;
}

int strata_mutwriter_commit(strata_mutwriter_t **wp) {
  int st = STRATA_OK;
  strata_mutwriter_t *w = *wp;
  *wp = NULL;
  for (int k = 0; k < NFILES; k++) {
    int rc = fclose(w->f[k]);
    w->f[k] = NULL;
    if (rc != 0) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s': %s", w->final[k], strerror(errno));
  }
  for (int k = 0; k < NFILES; k++)
    if (rename(w->tmp[k], w->final[k]) != 0)
      STRATA_FAIL(STRATA_ERR_IO, "cannot rename '%s' to '%s': %s", w->tmp[k], w->final[k], strerror(errno));
cleanup:
  mutwriter_free(w, st != STRATA_OK);
  return st;
}

void strata_mutwriter_abort(strata_mutwriter_t **wp) {
  if (!wp || !*wp) return;
  mutwriter_free(*wp, 1);
  *wp = NULL;
}
