/* Writers for `strata simulate` (strata/simulate_io.h): the planted truth under uns/strata_truth
 * of the cohort file, written by rank 0 through strata_cohort_writer_rank0, and the multi-region
 * mutation tables (MesKit MAF, CCF, clinical, planted clones) as TSV by one process, each under a
 * temporary name until commit.  The data matrices go through the cohort writer
 * (io/h5mu_write.c) from io/simulate_write.c, not here.  Nothing here calls simulate/: the
 * loadings come through the caller's strata_sim_model_t. */
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

/* ---- planted truth -------------------------------------------------------------------------- */
typedef struct {
  const strata_sim_t *s;
  const strata_sim_model_t *model;
  const double *r2f, *r2s, *r2t;
  const strata_sim_clones_t *clones;
} truth_t;

/* rows x cols float64 (1-D of rows when cols < 0), anndata's array encoding. */
static int truth_matrix(hid_t loc, const char *name, int64_t rows, int64_t cols, const double *data) {
  /* cols < 0: a vector of rows values; cols == 0 (no view factors, no clusters): a rows x 0
   * matrix with no data, never a vector read from an array that has none */
  if (cols >= 0) return strata_h5_write_matrix(loc, name, rows, cols, data, 0, 8);
  return strata_h5_write_double(loc, name, rows, data);
}

/* uns/strata_truth/<view>: W, V (features x factors), Zv, active, noise precision or intercepts;
 * tmp holds at least max(D*max(K,Kv), nobs*Kv) + 1 doubles. */
static int truth_view(hid_t tg, const strata_sim_t *s, int v, const strata_sim_loadings_t *l,
                      double *tmp) {
  int st = STRATA_OK;
  const int K = s->par.K, Kv = s->par.Kv;
  const int64_t D = s->par.views[v].nvar;
  hid_t vg = H5I_INVALID_HID;
  STRATA_CHECK(strata_h5_group(tg, s->par.views[v].name, "dict", "0.1.0", &vg));
  STRATA_CHECK(strata_h5_attr_double(vg, "bernoulli", s->par.views[v].lik == STRATA_SIM_BERNOULLI));
  /* W and V as D x K, features x factors (MOFA's and muon's varm layout) */
  for (int64_t d = 0; d < D; d++)
    for (int k = 0; k < K; k++) tmp[d * K + k] = l->W[(int64_t)k * D + d];
  STRATA_CHECK(truth_matrix(vg, "W", D, K, tmp));
  for (int64_t d = 0; d < D; d++)
    for (int j = 0; j < Kv; j++) tmp[d * Kv + j] = l->V[(int64_t)j * D + d];
  STRATA_CHECK(truth_matrix(vg, "V", D, Kv, tmp));
  STRATA_CHECK(truth_matrix(vg, "Zv", s->nobs, Kv, l->Zv));
  for (int k = 0; k < K; k++) tmp[k] = l->active[k];
  STRATA_CHECK(truth_matrix(vg, "active", K, -1, tmp));
  if (s->par.views[v].lik == STRATA_SIM_GAUSSIAN) {
    for (int64_t d = 0; d < D; d++) tmp[d] = 1.0 / (l->sd[d] * l->sd[d]);
    STRATA_CHECK(truth_matrix(vg, "noise_precision", D, -1, tmp));
  } else {
    STRATA_CHECK(truth_matrix(vg, "intercept", D, -1, l->bias));
  }
cleanup:
  if (vg >= 0) H5Gclose(vg);
  return st;
}

/* uns/strata_truth/clones: ccf (samples x clusters) and parent (patients x clusters). */
static int truth_clones(hid_t tg, const strata_sim_t *s, const strata_sim_clones_t *c) {
  int st = STRATA_OK;
  hid_t cg = H5I_INVALID_HID;
  double *tmp = NULL;
  STRATA_CHECK(strata_h5_group(tg, "clones", "dict", "0.1.0", &cg));
  STRATA_CHECK(truth_matrix(cg, "ccf", s->nobs, c->maxc, c->ccf));
  STRATA_MALLOC(tmp, s->par.npatients * c->maxc + 1);
  for (int64_t k = 0; k < s->par.npatients * c->maxc; k++) tmp[k] = c->parent[k];
  STRATA_CHECK(truth_matrix(cg, "parent", s->par.npatients, c->maxc, tmp));
cleanup:
  free(tmp);
  if (cg >= 0) H5Gclose(cg);
  return st;
}

/* Rank 0 (strata_cohort_writer_rank0's callback): everything under uns/strata_truth. */
static int write_truth(int64_t file, void *arg) {
  int st = STRATA_OK;
  const truth_t *t = arg;
  const strata_sim_t *s = t->s;
  const int K = s->par.K, Kv = s->par.Kv, M = s->par.nviews;
  hid_t uns = H5I_INVALID_HID, tg = H5I_INVALID_HID;
  double *tmp = NULL;
  strata_sim_loadings_t *l = NULL;
  uns = H5Gopen2((hid_t)file, "uns", H5P_DEFAULT);
  if (uns < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot open /uns");
  STRATA_CHECK(strata_h5_group(uns, "strata_truth", "dict", "0.1.0", &tg));
  STRATA_CHECK(strata_h5_attr_double(tg, "seed", (double)s->par.seed));
  STRATA_CHECK(strata_h5_attr_double(tg, "patient_corr", s->par.patient_corr));
  STRATA_CHECK(strata_h5_attr_double(tg, "active", s->par.active));
  STRATA_CHECK(strata_h5_attr_double(tg, "density", s->par.density));
  STRATA_CHECK(strata_h5_attr_double(tg, "noise", s->par.noise));
  STRATA_CHECK(truth_matrix(tg, "Z", s->nobs, K, s->Z));
  STRATA_CHECK(truth_matrix(tg, "r2_per_factor", M, K, t->r2f));
  STRATA_CHECK(truth_matrix(tg, "r2_view_specific", M, Kv, t->r2s));
  STRATA_CHECK(truth_matrix(tg, "r2_total", M, -1, t->r2t));
  for (int v = 0; v < M; v++) {
    const int64_t D = s->par.views[v].nvar;
    int64_t n = D * (K > Kv ? K : Kv);
    if (s->nobs * Kv > n) n = s->nobs * Kv;
    STRATA_CHECK(t->model->loadings(s, v, &l));
    STRATA_MALLOC(tmp, n + 1);
    STRATA_CHECK(truth_view(tg, s, v, l, tmp));
    t->model->loadings_destroy(&l);
    free(tmp);
    tmp = NULL;
  }
  if (t->clones) STRATA_CHECK(truth_clones(tg, s, t->clones));
cleanup:
  if (l) t->model->loadings_destroy(&l);
  free(tmp);
  if (tg >= 0) H5Gclose(tg);
  if (uns >= 0) H5Gclose(uns);
  return st;
}

int strata_sim_write_truth(strata_cohort_writer_t *w, const strata_sim_t *s,
                           const strata_sim_model_t *model, const double *r2_factor,
                           const double *r2_specific, const double *r2_total,
                           const strata_sim_clones_t *clones) {
  truth_t truth = {s, model, r2_factor, r2_specific, r2_total, clones};
  return strata_cohort_writer_rank0(w, write_truth, &truth);
}

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
