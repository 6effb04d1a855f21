/* Distributed truncated SVD / PCA of one or several views (include/strata/svd.h), the driver:
 * options, the choice of method, MFA view weights, soft-impute refits, sign normalisation,
 * explained variance and gathering.  The stages are beside it: the operator (op.c), its
 * preprocessing (preprocess.c), the randomized solve (randomized.c) and the ScaLAPACK paths
 * (exact.c).  No file I/O here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/svd/svd_impl.h"
#include "strata/svd.h"
#include "strata/util.h"

#define LD(n) ((n) > 0 ? (n) : 1)

void strata_svd_opts_default(strata_svd_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->k = 10;
  o->oversample = 10;
  o->power_iters = 2;
  o->method = STRATA_SVD_AUTO;
  o->center = 1;
  o->scale = 0;
  o->mfa = 1;
  o->impute = STRATA_IMPUTE_MEAN;
  o->impute_tol = 1e-5;
  o->impute_maxiter = 100;
  o->soft_lambda = 0.0;
  o->mfa_power_iters = 4;
  o->nb = 64;
  o->seed = 42;
}

const char *strata_svd_method_name(int method) {
  switch (method) {
    case STRATA_SVD_AUTO: return "auto";
    case STRATA_SVD_RANDOMIZED: return "randomized";
    case STRATA_SVD_EXACT: return "exact";
    case STRATA_SVD_GRAM: return "gram";
    default: return "?";
  }
}

int strata_svd_method_parse(const char *name) {
  for (int m = STRATA_SVD_AUTO; m <= STRATA_SVD_GRAM; m++)
    if (strcmp(name, strata_svd_method_name(m)) == 0) return m;
  return -1;
}

int strata_svd_choose_method(int64_t N, int64_t D, int k, int p, int nviews, char *reason,
                             size_t reason_size) {
  int64_t mn = N < D ? N : D;
  int64_t l = (int64_t)k + p;
  int method;
  char buf[200];
  /* A sketch of l columns costs q+2 to 2q+2 passes over the data; a dense solver costs
   * O(N D min(N,D)).  When l is a sizeable fraction of min(N,D), or min(N,D) is small, the dense
   * solvers cost about the same and are exact. */
  if (mn <= 256 || 2 * l >= mn) {
    if (D > 4 * N && N <= 40000) {
      method = STRATA_SVD_GRAM;
      snprintf(buf, sizeof buf,
               "gram: k+p = %lld is not small next to min(N,D) = %lld and the data are wide "
               "(D = %lld > 4N), so the N x N Gram matrix is the cheap exact route",
               (long long)l, (long long)mn, (long long)D);
    } else {
      method = STRATA_SVD_EXACT;
      snprintf(buf, sizeof buf,
               "exact: k+p = %lld is not small next to min(N,D) = %lld, so a dense pdgesvd costs "
               "about what a sketch would",
               (long long)l, (long long)mn);
    }
  } else {
    method = STRATA_SVD_RANDOMIZED;
    snprintf(buf, sizeof buf,
             "randomized: k+p = %lld << min(N,D) = %lld, a few passes over the data instead of "
             "O(N D min(N,D)) dense work",
             (long long)l, (long long)mn);
  }
  (void)nviews;
  if (reason && reason_size) snprintf(reason, reason_size, "%s", buf);
  return method;
}


/* Collective over grid->comm: make the largest-magnitude entry of each U column positive
 * (ties: the lowest global row), flipping V with it. */
static int flip_signs(const svd_op_t *op, int k, double *U, double *V) {
  int st = STRATA_OK;
  int64_t ldm = LD(op->mloc), ldn = LD(op->ntot);
  int nr = op->grid->nprow;
  double *mine = NULL, *all = NULL;
  const int64_t *rows = op->views[0]->rows;
  STRATA_MALLOC(mine, 3 * (size_t)k);
  STRATA_MALLOC(all, 3 * (size_t)k * nr);
  for (int c = 0; c < k; c++) {
    double best = -1, val = 0, row = (double)INT64_MAX;
    for (int64_t i = 0; i < op->mloc; i++) {
      double a = fabs(U[c * ldm + i]);
      if (a > best) {
        best = a;
        val = U[c * ldm + i];
        row = (double)rows[i];
      }
    }
    mine[3 * c] = best;
    mine[3 * c + 1] = val;
    mine[3 * c + 2] = row;
  }
  STRATA_MPI_CHECK(MPI_Allgather(mine, 3 * k, MPI_DOUBLE, all, 3 * k, MPI_DOUBLE, op->grid->colcomm));
  for (int c = 0; c < k; c++) {
    double best = -1, val = 0, row = 0;
    for (int p = 0; p < nr; p++) {
      const double *e = all + (size_t)p * 3 * k + 3 * c;
      if (e[0] > best || (e[0] == best && e[2] < row)) {
        best = e[0];
        val = e[1];
        row = e[2];
      }
    }
    if (val < 0) {
      for (int64_t i = 0; i < op->mloc; i++) U[c * ldm + i] = -U[c * ldm + i];
      for (int64_t j = 0; j < op->ntot; j++) V[c * ldn + j] = -V[c * ldn + j];
    }
  }
cleanup:
  free(mine);
  free(all);
  return st;
}


/* ---- the driver ------------------------------------------------------------------------------ */

static int solve(svd_op_t *op, int method, const strata_svd_opts_t *o, int k, const char *phase,
                 double *s, double *U, double *V) {
  switch (method) {
    case STRATA_SVD_RANDOMIZED:
      return svd_randomized(op, k, o->oversample, o->power_iters, o->seed, o->ev, phase, s, U, V);
    case STRATA_SVD_EXACT: return svd_exact(op, k, o->nb, o->ev, s, U, V);
    case STRATA_SVD_GRAM: return svd_gram(op, k, o->nb, o->ev, s, U, V);
    default: return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                                   "svd: unknown method %d", method);
  }
}

void strata_svd_result_destroy(strata_svd_result_t **rp) {
  if (!rp || !*rp) return;
  strata_svd_result_t *r = *rp;
  free(r->s);
  free(r->variance);
  free(r->variance_ratio);
  free(r->view_weight);
  free(r->view_sigma1);
  free(r->u);
  if (r->v)
    for (int m = 0; m < r->nviews; m++) free(r->v[m]);
  free(r->v);
  free(r->nloc);
  free(r);
  *rp = NULL;
}

/* The first singular value of view m alone (centred, scaled, unweighted) by a small randomized
 * pass: the MFA weight's denominator. */
static int view_sigma1(svd_op_t *op, int m, const strata_svd_opts_t *o, double *sigma1) {
  int st = STRATA_OK;
  svd_op_t sub = *op;
  int64_t voff[2] = {0, op->voff[m + 1] - op->voff[m]};
  double w1 = 1.0, s1 = 0, *U = NULL, *V = NULL;
  sub.nviews = 1;
  sub.views = op->views + m;
  sub.D = op->views[m]->ncols;
  sub.ntot = voff[1];
  sub.voff = voff;
  sub.mu = op->mu + op->voff[m];
  sub.sinv = op->sinv + op->voff[m];
  sub.w = &w1;
  STRATA_MALLOC(U, LD(sub.mloc));
  STRATA_MALLOC(V, LD(sub.ntot));
  int64_t mn = sub.N < sub.D ? sub.N : sub.D;
  int p = (int)(mn - 1 < 9 ? mn - 1 : 9);
  STRATA_CHECK(svd_randomized(&sub, 1, p, o->mfa_power_iters, o->seed, o->ev, "mfa-weight",
                              &s1, U, V));
  *sigma1 = s1;
  op->data_passes += sub.data_passes;
cleanup:
  free(U);
  free(V);
  return st;
}

/* Not collective: validate the views and options, set up the operator and allocate the result. */
static int svd_setup(int nviews, strata_dmat_t *const *views, const strata_svd_opts_t *o,
                     svd_op_t *op, strata_svd_result_t **rp) {
  int st = STRATA_OK;
  strata_svd_result_t *r = NULL;
  const strata_grid_t *g = views[0]->grid;
  op->grid = g;
  op->nviews = nviews;
  op->views = views;
  op->N = views[0]->nrows;
  op->mloc = views[0]->mloc;
  op->center = o->center;
  for (int m = 1; m < nviews; m++) {
    const strata_dmat_t *v = views[m];
    int same = v->grid == g && v->nrows == op->N && v->mloc == op->mloc;
    for (int64_t i = 0; same && i < op->mloc; i++) same = v->rows[i] == views[0]->rows[i];
    if (!same) STRATA_FAIL(STRATA_ERR_INTERNAL, "svd: view %d has another grid or row layout than view 1", m + 1);
  }
  STRATA_CALLOC(op->voff, nviews + 1);
  for (int m = 0; m < nviews; m++) {
    op->voff[m + 1] = op->voff[m] + views[m]->nloc;
    op->D += views[m]->ncols;
  }
  op->ntot = op->voff[nviews];
  int64_t mn = op->N < op->D ? op->N : op->D;
  if (o->k < 1 || o->k > mn)
    STRATA_FAIL(STRATA_ERR_INPUT, "svd: k = %d components asked, but the matrix is %lld x %lld (k must be in 1..%lld)",
                o->k, (long long)op->N, (long long)op->D, (long long)mn);
  if (o->oversample < 0 || o->power_iters < 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "svd: oversampling and power iterations must be >= 0");
  if (o->weights)
    for (int m = 0; m < nviews; m++)
      if (!(o->weights[m] > 0) || !isfinite(o->weights[m]))
        STRATA_FAIL(STRATA_ERR_INPUT, "svd: view weight %d is %g; weights must be positive", m + 1, o->weights[m]);
  STRATA_CALLOC(op->mu, LD(op->ntot));
  STRATA_CALLOC(op->sinv, LD(op->ntot));
  STRATA_CALLOC(op->w, nviews);
  STRATA_CALLOC(r, 1);
  r->k = o->k;
  r->nviews = nviews;
  r->nrows = op->N;
  r->mloc = op->mloc;
  STRATA_CALLOC(r->s, o->k);
  STRATA_CALLOC(r->variance, o->k);
  STRATA_CALLOC(r->variance_ratio, o->k);
  STRATA_CALLOC(r->view_weight, nviews);
  STRATA_CALLOC(r->view_sigma1, nviews);
  STRATA_CALLOC(r->u, (size_t)LD(op->mloc) * o->k);
  STRATA_CALLOC(r->nloc, nviews);
  STRATA_CALLOC(r->v, nviews);
  r->method = o->method;
  if (r->method == STRATA_SVD_AUTO) {
    r->method = strata_svd_choose_method(op->N, op->D, o->k, o->oversample, nviews, r->method_reason,
                                         sizeof r->method_reason);
    int64_t need = 0;
    if (r->method == STRATA_SVD_EXACT && !svd_exact_fits(op, o->nb, &need)) {
      r->method = STRATA_SVD_RANDOMIZED;
      snprintf(r->method_reason, sizeof r->method_reason,
               "randomized: exact would pass ScaLAPACK's redistribution limit (pdgesvd's left "
               "vectors, %lld elements on one process)",
               (long long)need);
    }
  } else {
    snprintf(r->method_reason, sizeof r->method_reason, "%s: as asked", strata_svd_method_name(r->method));
  }
cleanup:
  if (st) strata_svd_result_destroy(&r);
  *rp = r;
  return st;
}

/* Collective: soft-impute refits after the first decomposition (see svd.h).  Each refit puts the
 * rank-k fit (singular values shrunk by soft_lambda) into the missing entries, re-estimates the
 * means and decomposes again; stops when the imputed values move by less than impute_tol
 * relative to ||A||_F.  Every rank holds the U rows and V rows its missing entries need. */
static int soft_impute(svd_op_t *op, const strata_svd_opts_t *o, const missing_t *miss,
                       strata_svd_result_t *r, double *V) {
  int st = STRATA_OK;
  const strata_grid_t *g = op->grid;
  int64_t ldm = LD(op->mloc), ldn = LD(op->ntot);
  for (int it = 1; it <= o->impute_maxiter; it++) {
    double ch2 = 0, tss = 0, ch = 0;
    for (int m = 0; m < op->nviews; m++) {
      strata_dmat_t *v = (strata_dmat_t *)op->views[m];
      int64_t mloc = LD(v->mloc);
      for (int64_t t = 0; t < miss[m].n; t++) {
        int64_t i = miss[m].idx[t] % mloc, j = miss[m].idx[t] / mloc, jj = op->voff[m] + j;
        double fit = 0;
        for (int c = 0; c < o->k; c++) {
          double sc = r->s[c] - o->soft_lambda;
          if (sc > 0) fit += r->u[c * ldm + i] * sc * V[c * ldn + jj];
        }
        /* back from A's scale: y = c mu + s fit / w */
        double ynew = (op->center ? op->mu[jj] : 0.0) + fit / (op->w[m] * op->sinv[jj]);
        double d = (ynew - v->a[miss[m].idx[t]]) * op->w[m] * op->sinv[jj];
        ch2 += d * d;
        v->a[miss[m].idx[t]] = ynew;
      }
    }
    st = MPI_Allreduce(MPI_IN_PLACE, &ch2, 1, MPI_DOUBLE, MPI_SUM, g->comm) == MPI_SUCCESS
             ? STRATA_OK
             : strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: soft-impute reduction failed");
    if (!st && op->center) st = svd_recenter(op);
    if (!st) st = svd_total_ss(op, &tss);
    if (!st) {
      ch = tss > 0 ? sqrt(ch2 / tss) : 0.0;
      st = solve(op, r->method, o, o->k, "svd", r->s, r->u, V);
    }
    st = strata_agree(g->comm, st);
    if (st) return st;
    r->impute_iters = it;
    r->impute_change = ch;
    strata_ev_iteration(o->ev, "soft-impute", it, o->impute_maxiter, r->s[0], ch, op->t_comp, op->t_comm);
    if (ch < o->impute_tol) {
      r->impute_converged = 1;
      break;
    }
  }
  if (!r->impute_converged)
    strata_ev_warning(o->ev, "soft-impute stopped after %d refits with change %.3g >= tol %.3g",
                      r->impute_iters, r->impute_change, o->impute_tol);
  return st;
}

int strata_svd_compute(int nviews, strata_dmat_t *const *views, const strata_svd_opts_t *o,
                       strata_svd_result_t **out) {
  int st = STRATA_OK;
  svd_op_t op;
  strata_svd_result_t *r = NULL;
  missing_t *miss = NULL;
  double *V = NULL, *view_ss = NULL;
  memset(&op, 0, sizeof op);
  *out = NULL;
  if (nviews < 1 || !views || !views[0])
    return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__, "svd: no views");
  MPI_Comm comm = views[0]->grid->comm;
  st = svd_setup(nviews, views, o, &op, &r);
  if (!st && !(miss = calloc((size_t)nviews, sizeof *miss)))
    st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  if (!st && !(view_ss = calloc((size_t)nviews, sizeof *view_ss)))
    st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  if (!st && !(V = calloc((size_t)LD(op.ntot) * o->k, sizeof *V)))
    st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  st = strata_agree(comm, st);
  if (st) goto cleanup;

  /* Preprocessing, in place.  For the randomized method without scaling, MFA or soft-impute,
   * with every sample present in every view, it is deferred: the first product gathers the
   * feature statistics from each chunk of the data while it is in cache (centring is applied
   * after the product anyway), which saves a whole pass over the data; a NaN found then is
   * mean-imputed and that product taken again. */
  op.view_ss = view_ss;
  int defer = r->method == STRATA_SVD_RANDOMIZED && !o->scale && !(o->mfa && nviews > 1) &&
              o->impute != STRATA_IMPUTE_SOFT;
  for (int m = 0; m < nviews && defer; m++)
    for (int64_t i = 0; i < views[m]->mloc; i++) defer &= views[m]->present[i] != 0;
  if (MPI_Allreduce(MPI_IN_PLACE, &defer, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
    st = strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: reduction failed");
  if (!st && defer) {
    if (!(op.defer_stats = malloc(sizeof(double) * 3 * (size_t)LD(op.ntot))))
      st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    for (int64_t j = 0; j < op.ntot; j++) op.sinv[j] = 1.0;
  }
  for (int m = 0; m < nviews && !st && !defer; m++)
    st = svd_preprocess_view(&op, m, o->scale, o->impute == STRATA_IMPUTE_SOFT, &miss[m], &op.n_empty,
                         &view_ss[m], NULL);
  if (!defer) op.data_passes++;
  st = strata_agree(comm, st);
  if (st) goto cleanup;

  /* MFA weights: with two or more views each is divided by its own first singular value */
  for (int m = 0; m < nviews; m++) {
    double uw = o->weights ? o->weights[m] : 1.0;
    op.w[m] = uw;
    if (o->mfa && nviews > 1) {
      st = view_sigma1(&op, m, o, &r->view_sigma1[m]);
      if (!st && !(r->view_sigma1[m] > 0))
        st = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                            "svd: view %d is constant after centring (first singular value 0), "
                            "it cannot be MFA-weighted", m + 1);
      st = strata_agree(comm, st);
      if (st) goto cleanup;
      op.w[m] = uw / r->view_sigma1[m];
    }
    r->view_weight[m] = op.w[m];
  }

  st = strata_agree(comm, solve(&op, r->method, o, o->k, "svd", r->s, r->u, V));
  if (st) goto cleanup;
  if (op.n_empty > 0)
    strata_ev_warning(o->ev, "svd: %lld features have no observed value (treated as 0)",
                      (long long)op.n_empty);
  if (o->impute == STRATA_IMPUTE_SOFT) STRATA_CHECK(soft_impute(&op, o, miss, r, V));

  r->data_passes = op.data_passes;
  st = flip_signs(&op, o->k, r->u, V);
  /* ||A||_F^2: from the statistics pass, unless soft-impute has changed the data since */
  if (!st && o->impute == STRATA_IMPUTE_SOFT) {
    st = svd_total_ss(&op, &r->total_ss);
  } else if (!st) {
    double t = 0;
    for (int m = 0; m < nviews; m++) t += op.w[m] * op.w[m] * view_ss[m];
    st = MPI_Allreduce(&t, &r->total_ss, 1, MPI_DOUBLE, MPI_SUM, op.grid->rowcomm) == MPI_SUCCESS
             ? STRATA_OK
             : strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: reduction failed");
  }
  for (int c = 0; c < o->k && !st; c++) {
    r->variance[c] = op.N > 1 ? r->s[c] * r->s[c] / (double)(op.N - 1) : 0.0;
    r->variance_ratio[c] = r->total_ss > 0 ? r->s[c] * r->s[c] / r->total_ss : 0.0;
  }
  for (int m = 0; m < nviews && !st; m++) {
    int64_t n = views[m]->nloc, ldn = LD(op.ntot);
    r->nloc[m] = n;
    if (!(r->v[m] = malloc((size_t)LD(n) * o->k * sizeof(double)))) {
      st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
      break;
    }
    for (int c = 0; c < o->k; c++)
      memcpy(r->v[m] + c * LD(n), V + c * ldn + op.voff[m], (size_t)n * sizeof(double));
  }
  st = strata_agree(comm, st);
cleanup:
  if (st) strata_svd_result_destroy(&r);
  *out = r;
  if (miss)
    for (int m = 0; m < nviews; m++) free(miss[m].idx);
  free(miss);
  free(V);
  free(view_ss);
  free(op.voff);
  free(op.mu);
  free(op.sinv);
  free(op.w);
  free(op.defer_stats);
  return st;
}

int strata_svd_gather(const strata_svd_result_t *r, strata_dmat_t *const *views, int root,
                      double **u, double ***v) {
  int st = STRATA_OK;
  const strata_grid_t *g = views[0]->grid;
  int size = g->size, k = r->k;
  int *counts = NULL, *displs = NULL;
  double *sendu = NULL, *recv = NULL, *U = NULL, **Vs = NULL;
  int64_t *rowsall = NULL, *rowsend = NULL;
  *u = NULL;
  *v = NULL;
  STRATA_MALLOC(counts, size);
  STRATA_MALLOC(displs, size);
  /* U: the ranks of grid column 0 send their rows (row-major per row: k values) */
  int64_t mine = g->mycol == 0 ? r->mloc : 0;
  STRATA_CHECK(svd_check_count(r->nrows * k, "the gathered U"));
  STRATA_MALLOC(sendu, LD(mine) * k);
  STRATA_MALLOC(rowsend, LD(mine));
  for (int64_t i = 0; i < mine; i++) {
    rowsend[i] = views[0]->rows[i];
    for (int c = 0; c < k; c++) sendu[i * k + c] = r->u[c * LD(r->mloc) + i];
  }
  int cnt = (int)mine;
  STRATA_MPI_CHECK(MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, root, g->comm));
  if (g->rank == root) {
    int64_t tot = 0;
    for (int p = 0; p < size; p++) {
      displs[p] = (int)tot;
      tot += counts[p];
    }
    STRATA_MALLOC(rowsall, LD(tot));
  }
  STRATA_MPI_CHECK(MPI_Gatherv(rowsend, cnt, MPI_INT64_T, rowsall, counts, displs, MPI_INT64_T, root, g->comm));
  if (g->rank == root)
    for (int p = 0; p < size; p++) {
      counts[p] *= k;
      displs[p] *= k;
    }
  if (g->rank == root) STRATA_MALLOC(recv, (size_t)LD(r->nrows) * k);
  STRATA_MPI_CHECK(MPI_Gatherv(sendu, cnt * k, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, root, g->comm));
  if (g->rank == root) {
    STRATA_MALLOC(U, (size_t)LD(r->nrows) * k);
    for (int64_t i = 0; i < r->nrows; i++)
      for (int c = 0; c < k; c++) U[c * r->nrows + rowsall[i]] = recv[i * k + c];
  }
  /* V_m: the ranks of grid row 0 send their feature block (contiguous, in grid-column order) */
  if (g->rank == root) STRATA_CALLOC(Vs, r->nviews);
  for (int m = 0; m < r->nviews; m++) {
    int64_t D = views[m]->ncols, n = g->myrow == 0 ? r->nloc[m] : 0;
    double *send = NULL, *rv = NULL;
    STRATA_CHECK(svd_check_count(D * k, "a gathered V"));
    send = malloc((size_t)LD(n) * k * sizeof(double));
    if (!send) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    for (int64_t j = 0; j < n; j++)
      for (int c = 0; c < k; c++) send[j * k + c] = r->v[m][c * LD(r->nloc[m]) + j];
    if (g->rank == root) {
      for (int p = 0; p < size; p++) {
        int prow = p / g->npcol, pcol = p % g->npcol;
        int64_t s0, cn;
        strata_block_range(D, g->npcol, pcol, &s0, &cn);
        counts[p] = prow == 0 ? (int)(cn * k) : 0;
        displs[p] = (int)(s0 * k);
      }
      rv = malloc((size_t)LD(D) * k * sizeof(double));
      Vs[m] = malloc((size_t)LD(D) * k * sizeof(double));
      if (!rv || !Vs[m]) {
        free(send);
        free(rv);
        STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      }
    }
    int rc = MPI_Gatherv(send, (int)(n * k), MPI_DOUBLE, rv, counts, displs, MPI_DOUBLE, root, g->comm);
    free(send);
    if (rc != MPI_SUCCESS) {
      free(rv);
      STRATA_FAIL(STRATA_ERR_MPI, "mpi: gathering V failed");
    }
    if (g->rank == root)
      for (int64_t j = 0; j < D; j++)
        for (int c = 0; c < k; c++) Vs[m][c * D + j] = rv[j * k + c];
    free(rv);
  }
cleanup:
  free(counts);
  free(displs);
  free(sendu);
  free(recv);
  free(rowsall);
  free(rowsend);
  if (st) {
    free(U);
    if (Vs)
      for (int m = 0; m < r->nviews; m++) free(Vs[m]);
    free(Vs);
    U = NULL;
    Vs = NULL;
  }
  *u = U;
  *v = Vs;
  return st;
}

