/* The NMF problem: strata_nmf_create checks the views (same grid and samples, positive weights,
 * no infinite value, the --negative policy: error, shift or clip), lists the missing entries
 * of each view as masks and zeroes them; strata_nmf_destroy puts the NaN back.  Also the
 * options' defaults and the problem's accessors.  Not the factorisation (solve.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/nmf/nmf_impl.h"
#include "strata/util.h"

void strata_nmf_opts_default(strata_nmf_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->solver = STRATA_NMF_HALS;
  o->init = STRATA_NMF_INIT_RANDOM;
  o->seed = 1;
  o->max_iter = 500;
  o->tol = 1e-4;
  o->inner = 1;
  o->phase = "nmf";
}

const strata_grid_t *strata_nmf_grid(const strata_nmf_t *p) { return p->grid; }
double strata_nmf_shift(const strata_nmf_t *p, int m) { return p->v[m].shift; }
int64_t strata_nmf_clipped(const strata_nmf_t *p, int m) { return p->v[m].clipped; }

/* "'id' (row 8)" or "row 8": 1-based position in the view, as a user counts rows/columns */
static void name_or_index(char *buf, size_t n, char *const *names, const char *what, int64_t i) {
  if (names && names[i])
    snprintf(buf, n, "'%s' (%s %lld)", names[i], what, (long long)i + 1);
  else
    snprintf(buf, n, "%s %lld", what, (long long)i + 1);
}

/* Collective: find the first negative / infinite observed entry of view m (named vname in
 * messages) and apply the negative policy. */
static int check_values(strata_nmf_t *p, int m, int negative, const strata_nmf_names_t *names,
                        const char *vname) {
  int st = STRATA_OK;
  nmf_view_t *v = &p->v[m];
  strata_dmat_t *y = v->y;
  const strata_grid_t *g = p->grid;
  int64_t mloc = y->mloc, nloc = y->nloc;
  /* pass 1: first bad entry in global row-major order, minimum */
  int64_t key[2] = {INT64_MAX, INT64_MAX}; /* negative, infinite */
  double vmin = INFINITY;
  for (int64_t j = 0; j < nloc; j++)
    for (int64_t i = 0; i < mloc; i++) {
      if (!y->present[i]) continue;
      double a = y->a[i + j * mloc];
      if (isnan(a)) continue;
      int64_t kk = y->rows[i] * y->ncols + y->col0 + j;
      if (isinf(a) && kk < key[1]) key[1] = kk;
      if (a < 0.0 && kk < key[0]) key[0] = kk;
      if (a < vmin) vmin = a;
    }
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, key, 2, MPI_INT64_T, MPI_MIN, g->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &vmin, 1, MPI_DOUBLE, MPI_MIN, g->comm));
  for (int which = 1; which >= 0; which--) {
    if (key[which] == INT64_MAX || (which == 0 && negative != STRATA_NMF_NEG_ERROR)) continue;
    int mine = STRATA_OK;
    int64_t gi = key[which] / y->ncols, gj = key[which] % y->ncols;
    for (int64_t i = 0; i < mloc; i++)
      if (y->rows[i] == gi && gj >= y->col0 && gj < y->col0 + nloc) {
        char sb[320], fb[320];
        name_or_index(sb, sizeof sb, names ? names->obs : NULL, "row", gi);
        name_or_index(fb, sizeof fb, names && names->var ? names->var[m] : NULL, "column", gj);
        double a = y->a[i + (gj - y->col0) * mloc];
        if (which == 1)
          mine = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                                "view '%s': infinite value at sample %s, feature %s", vname, sb, fb);
        else
          mine = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                                "view '%s': negative value %g at sample %s, feature %s; NMF needs "
                                "non-negative data (use --negative shift or --negative clip)",
                                vname, a, sb, fb);
      }
    st = strata_agree(g->comm, mine);
    if (st) goto cleanup;
  }
  if (key[0] != INT64_MAX && negative == STRATA_NMF_NEG_SHIFT) {
    v->shift = vmin;
    for (int64_t j = 0; j < nloc; j++)
      for (int64_t i = 0; i < mloc; i++)
        if (y->present[i] && !isnan(y->a[i + j * mloc])) y->a[i + j * mloc] -= vmin;
    strata_log(g->comm, 1, "nmf: view '%s': subtracted its minimum %g (--negative shift)\n", vname,
               vmin);
  } else if (key[0] != INT64_MAX && negative == STRATA_NMF_NEG_CLIP) {
    for (int64_t j = 0; j < nloc; j++)
      for (int64_t i = 0; i < mloc; i++)
        if (y->present[i] && y->a[i + j * mloc] < 0.0) {
          y->a[i + j * mloc] = 0.0;
          v->clipped++;
        }
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &v->clipped, 1, MPI_INT64_T, MPI_SUM, g->comm));
    strata_log(g->comm, 1, "nmf: view '%s': set %lld negative values to 0 (--negative clip)\n",
               vname, (long long)v->clipped);
  }
cleanup:
  return st;
}

/* Collective: record the mask of view m and zero its missing entries; global sums for the
 * objective and the random start.
 * Pass 2: mask.  Absent rows become 0 and are handled through present[]; NaN inside present
 * rows are listed by column (W update) and by row (H update). */
static int build_mask(strata_nmf_t *p, int m, const char *vname) {
  int st = STRATA_OK;
  nmf_view_t *v = &p->v[m];
  strata_dmat_t *y = v->y;
  const strata_grid_t *g = p->grid;
  int64_t mloc = y->mloc, nloc = y->nloc;
  int64_t *rfill = NULL;
  STRATA_CALLOC(v->cptr, nloc + 1);
  STRATA_CALLOC(v->rptr, mloc + 1);
  for (int64_t j = 0; j < nloc; j++)
    for (int64_t i = 0; i < mloc; i++)
      if (y->present[i] && isnan(y->a[i + j * mloc])) {
        v->cptr[j + 1]++;
        v->rptr[i + 1]++;
      }
  for (int64_t j = 0; j < nloc; j++) v->cptr[j + 1] += v->cptr[j];
  for (int64_t i = 0; i < mloc; i++) v->rptr[i + 1] += v->rptr[i];
  v->nmiss = v->cptr[nloc];
  if (v->nmiss > INT32_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "nmf: view '%s': too many NaN", vname);
  STRATA_MALLOC(v->crow, v->nmiss);
  STRATA_MALLOC(v->rcol, v->nmiss);
  STRATA_MALLOC(rfill, mloc);
  memcpy(rfill, v->rptr, sizeof(int64_t) * (size_t)mloc);
  double loc[2] = {0.0, 0.0};
  int64_t cnt[3] = {0, 0, 1}; /* nobs, nmiss (global max), all present (global min) */
  for (int64_t j = 0; j < nloc; j++) {
    int64_t q = v->cptr[j];
    for (int64_t i = 0; i < mloc; i++) {
      double *a = &y->a[i + j * mloc];
      if (!y->present[i]) {
        *a = 0.0;
      } else if (isnan(*a)) {
        v->crow[q++] = (int32_t)i;
        v->rcol[rfill[i]++] = (int32_t)j;
        *a = 0.0;
      } else {
        loc[0] += *a * *a;
        loc[1] += *a;
        cnt[0]++;
      }
    }
  }
  for (int64_t i = 0; i < mloc; i++) cnt[2] &= y->present[i] ? 1 : 0;
  cnt[1] = v->nmiss;
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, loc, 2, MPI_DOUBLE, MPI_SUM, g->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, cnt, 1, MPI_INT64_T, MPI_SUM, g->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, cnt + 1, 1, MPI_INT64_T, MPI_MAX, g->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, cnt + 2, 1, MPI_INT64_T, MPI_MIN, g->comm));
  v->ss = loc[0];
  v->sum = loc[1];
  v->nobs = cnt[0];
  v->has_nan = cnt[1] > 0;
  v->all_present = cnt[2] == 1;
cleanup:
  free(rfill);
  return st;
}

/* Collective: check view m's values, apply the negative policy, then record the mask. */
static int setup_view(strata_nmf_t *p, int m, int negative, const strata_nmf_names_t *names) {
  int st = STRATA_OK;
  const char *vname = names && names->views && names->views[m] ? names->views[m] : NULL;
  char vbuf[64];
  if (!vname) {
    snprintf(vbuf, sizeof vbuf, "%d", m + 1);
    vname = vbuf;
  }
  STRATA_CHECK(check_values(p, m, negative, names, vname));
  STRATA_CHECK(build_mask(p, m, vname));
cleanup:
  return st;
}

int strata_nmf_create(const strata_grid_t *grid, int nviews, strata_dmat_t *const *views,
                      const double *weights, int negative, const strata_nmf_names_t *names,
                      strata_nmf_t **out) {
  int st = STRATA_OK;
  strata_nmf_t *p = NULL;
  *out = NULL;
  if (nviews < 1) STRATA_FAIL(STRATA_ERR_USAGE, "nmf: no views");
  STRATA_CALLOC(p, 1);
  p->grid = grid;
  p->nviews = nviews;
  p->N = views[0]->nrows;
  p->mloc = views[0]->mloc;
  p->rows = views[0]->rows;
  p->all_present = 1;
  STRATA_CALLOC(p->v, nviews);
  for (int m = 0; m < nviews; m++) {
    const strata_dmat_t *y = views[m];
    if (y->grid != grid || y->nrows != p->N || y->mloc != p->mloc ||
        (p->mloc && memcmp(y->rows, p->rows, sizeof(int64_t) * (size_t)p->mloc)))
      STRATA_FAIL(STRATA_ERR_INTERNAL, "nmf: view %d is not on the same grid and samples", m + 1);
    double w = weights ? weights[m] : 1.0;
    if (!(w > 0.0) || !isfinite(w))
      STRATA_FAIL(STRATA_ERR_USAGE, "nmf: view weight %g of view %d must be positive", w, m + 1);
    p->v[m].y = views[m];
    p->v[m].weight = w;
  }
  st = strata_agree(grid->comm, st);
  if (st) goto cleanup;
  for (int m = 0; m < nviews; m++) {
    STRATA_CHECK(setup_view(p, m, negative, names));
    p->any_nan |= p->v[m].has_nan;
    p->all_present &= p->v[m].all_present;
  }
cleanup:
  st = strata_agree(grid->comm, st);
  if (st) strata_nmf_destroy(&p);
  *out = p;
  return st;
}

void strata_nmf_destroy(strata_nmf_t **pp) {
  if (!pp || !*pp) return;
  strata_nmf_t *p = *pp;
  for (int m = 0; m < p->nviews && p->v; m++) {
    nmf_view_t *v = &p->v[m];
    strata_dmat_t *y = v->y;
    if (y && v->cptr && v->crow) {
      for (int64_t j = 0; j < y->nloc; j++) {
        for (int64_t q = v->cptr[j]; q < v->cptr[j + 1]; q++) y->a[v->crow[q] + j * y->mloc] = NAN;
        for (int64_t i = 0; i < y->mloc; i++)
          if (!y->present[i]) y->a[i + j * y->mloc] = NAN;
      }
    }
    free(v->cptr);
    free(v->crow);
    free(v->rptr);
    free(v->rcol);
  }
  free(p->v);
  free(p);
  *pp = NULL;
}
