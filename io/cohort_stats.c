/* Per-view summaries of a cohort for `strata check` and `strata info`: missing and non-finite
 * entries, constant and empty features, value range, from a parallel read of the view.  Counting
 * only: no statistics that a model would use. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strata/cohort.h"

int strata_cohort_view_stats(const strata_cohort_t *c, int v, const strata_grid_t *grid,
                             strata_view_stats_t *out) {
  int st = STRATA_OK;
  strata_partition_t *part = NULL;
  strata_dmat_t *m = NULL;
  double *fmin = NULL, *fmax = NULL;
  int64_t *fobs = NULL, *rowobs = NULL;
  memset(out, 0, sizeof *out);
  out->local_inf_row = out->local_inf_col = out->first_constant = -1;
  STRATA_CHECK(strata_partition_patients(c->nobs, c->patient, c->npatients, NULL, grid->nprow, &part));
  STRATA_CHECK(strata_cohort_read_view(c, v, grid, part, &m));
  int64_t nloc = m->nloc, mloc = m->mloc;
  fmin = malloc((size_t)(nloc ? nloc : 1) * sizeof *fmin);
  fmax = malloc((size_t)(nloc ? nloc : 1) * sizeof *fmax);
  fobs = calloc((size_t)(nloc ? nloc : 1), sizeof *fobs);
  rowobs = calloc((size_t)(mloc ? mloc : 1), sizeof *rowobs);
  if (!fmin || !fmax || !fobs || !rowobs) st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  STRATA_CHECK(strata_agree(grid->comm, st)); /* before the reductions below */
  /* present (counted on grid column 0), missing, non-finite, -, empty features (grid row 0) */
  int64_t loc[5] = {0, 0, 0, 0, 0};
  double mm[2] = {INFINITY, INFINITY}; /* -max, min */
  for (int64_t j = 0; j < nloc; j++) {
    fmin[j] = INFINITY;
    fmax[j] = -INFINITY;
  }
  for (int64_t i = 0; i < mloc; i++) {
    if (!m->present[i]) continue;
    if (grid->mycol == 0) loc[0]++;
    for (int64_t j = 0; j < nloc; j++) {
      double x = m->a[j * mloc + i];
      if (isnan(x)) {
        loc[1]++;
        continue;
      }
      rowobs[i]++;
      if (isinf(x)) {
        if (loc[2]++ == 0) {
          out->local_inf_row = m->rows[i];
          out->local_inf_col = m->col0 + j;
        }
        continue;
      }
      fobs[j]++;
      if (x < fmin[j]) fmin[j] = x;
      if (x > fmax[j]) fmax[j] = x;
    }
  }
  /* per feature over the samples (grid column), then totals over everyone */
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, fmin, (int)nloc, MPI_DOUBLE, MPI_MIN, grid->colcomm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, fmax, (int)nloc, MPI_DOUBLE, MPI_MAX, grid->colcomm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, fobs, (int)nloc, MPI_INT64_T, MPI_SUM, grid->colcomm));
  int64_t firstc = INT64_MAX;
  for (int64_t j = 0; j < nloc; j++) {
    if (fobs[j] == 0) {
      if (grid->myrow == 0) loc[4]++;
      continue;
    }
    if (fmin[j] < mm[1]) mm[1] = fmin[j];
    if (-fmax[j] < mm[0]) mm[0] = -fmax[j];
    if (fmin[j] == fmax[j] && grid->myrow == 0) {
      if (m->col0 + j < firstc) firstc = m->col0 + j;
      out->constant++;
    }
  }
  /* empty samples: a present row with no observed entry in any column block */
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, rowobs, (int)mloc, MPI_INT64_T, MPI_SUM, grid->rowcomm));
  int64_t empty_rows = 0;
  for (int64_t i = 0; i < mloc; i++) empty_rows += grid->mycol == 0 && m->present[i] && rowobs[i] == 0;
  int64_t red[6] = {loc[0], loc[1], loc[2], out->constant, loc[4], empty_rows}, tot[6];
  STRATA_MPI_CHECK(MPI_Allreduce(red, tot, 6, MPI_INT64_T, MPI_SUM, grid->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPI_DOUBLE, MPI_MIN, grid->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &firstc, 1, MPI_INT64_T, MPI_MIN, grid->comm));
  out->present = tot[0];
  out->entries = tot[0] * c->views[v].nvar;
  out->missing = tot[1];
  out->nonfinite = tot[2];
  out->constant = tot[3];
  out->empty_features = tot[4];
  out->empty_samples = tot[5];
  out->min = isinf(mm[1]) ? NAN : mm[1];
  out->max = isinf(mm[0]) ? NAN : -mm[0];
  out->first_constant = firstc == INT64_MAX ? -1 : firstc;
cleanup:
  free(fmin);
  free(fmax);
  free(fobs);
  free(rowobs);
  strata_dmat_destroy(&m);
  strata_partition_destroy(&part);
  return st;
}

int strata_cohort_check_finite(const strata_cohort_t *c, int vi, const strata_dmat_t *m) {
  int st = STRATA_OK;
  const strata_grid_t *grid = m->grid;
  /* this rank's first +-Inf (smallest global sample, then feature) among present samples */
  int64_t first[2] = {INT64_MAX, INT64_MAX}, count = 0;
  double val = 0;
  for (int64_t j = 0; j < m->nloc; j++) {
    for (int64_t i = 0; i < m->mloc; i++) {
      double x = m->a[j * m->mloc + i];
      if (!m->present[i] || !isinf(x)) continue;
      count++;
      int64_t r = m->rows[i], col = m->col0 + j;
      if (r < first[0] || (r == first[0] && col < first[1])) {
        first[0] = r;
        first[1] = col;
        val = x;
      }
    }
  }
  /* every rank learns the global first entry (sample, then feature) and the count, and the
   * verdict is the same everywhere: no collective call is skipped by one rank */
  int64_t grow = first[0], gcol = INT64_MAX, gcount = 0;
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &grow, 1, MPI_INT64_T, MPI_MIN, grid->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &count, 1, MPI_INT64_T, MPI_SUM, grid->comm));
  gcount = count;
  if (gcount == 0) goto cleanup;
  gcol = first[0] == grow ? first[1] : INT64_MAX;
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &gcol, 1, MPI_INT64_T, MPI_MIN, grid->comm));
  double sign = first[0] == grow && first[1] == gcol ? (val > 0 ? 1.0 : -1.0) : 0.0;
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &sign, 1, MPI_DOUBLE, MPI_SUM, grid->comm));
  const strata_view_t *v = &c->views[vi];
  st = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                      "%s: view '%s' holds %lld non-finite value%s (first: %s at sample '%s', feature '%s'): "
                      "the methods need finite numbers (NaN is read as missing); 'strata check' lists them",
                      c->path, v->name, (long long)gcount, gcount == 1 ? "" : "s", sign > 0 ? "+Inf" : "-Inf",
                      c->obs_names[grow], v->var_names[gcol]);
cleanup:
  return st;
}

int strata_cohort_read_view_finite(const strata_cohort_t *c, int vi, const strata_grid_t *grid,
                                   const strata_partition_t *rows, strata_dmat_t **out) {
  int st = STRATA_OK;
  *out = NULL;
  STRATA_CHECK(strata_cohort_read_view(c, vi, grid, rows, out));
  STRATA_CHECK(strata_cohort_check_finite(c, vi, *out));
cleanup:
  if (st) strata_dmat_destroy(out);
  return st;
}
