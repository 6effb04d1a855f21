/* Joint NMF on the 2D process grid: strata_nmf_solve and its steps.  HALS, ANLS (BPP NNLS) and
 * MU share one iteration (H step, W step, objective from Grams), on the data or compressed
 * (--compress); then the stop/checkpoint/signal step and the result with the exact error.  Data
 * stay where the dmat put them; only k x n factor blocks and k x k Grams travel (MPI-FAUN/PLANC).
 * Not here: the per-row solvers (rows.c), the starts (init.c), the checkpoint (state.c). */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "solvers/nmf/nmf_impl.h"
#include "strata/util.h"

/* ---- the work arrays of one solve ------------------------------------------------------------ */

/* Sized once before the first iteration.  bufH is reduced over the grid row (H side), bufC over
 * the grid column (W side), each in one call per iteration for all views. */
typedef struct nmf_work {
  int k, M, solver, inner;
  int cl;              /* --compress: columns of the range basis, 0 = exact data */
  int simpleH;         /* every sample in every view, no NaN: one G for all samples */
  size_t kk;
  double *bufH;        /* [nH] BH (k x mloc: b_i of the H step), then with NaN CH (k*k/sample) */
  int64_t nH;
  double *bufC;        /* [nC] Gram of H, Grams over present samples (hp_off), with --compress
                        * H^T Q (s_off), Y_m^T H (bw_off), per-feature NaN corrections (cw_off) */
  int64_t nC, nCred, s_off;
  int64_t *hp_off, *bw_off, *cw_off; /* [M] offsets into bufC */
  double *bufR;        /* [M*kk + 2M] the W Grams and two objective scalars per view */
  double *G, *ws, *tq, *ktmp;
  int *iws;
  double *Qt, *Bc, *Tc, *ssc; /* compressed: Q^T (cl x mloc), B (cl x sum nloc), k x cl, [M] */
} nmf_work_t;

/* Local: the options this problem can be solved with (the same on every rank). */
static int check_opts(const strata_nmf_t *p, const strata_nmf_opts_t *o) {
  int st = STRATA_OK;
  int k = o->k, solver = o->solver, cl = o->compress;
  if (k < 1 || k > 512 || k > p->N)
    STRATA_FAIL(STRATA_ERR_USAGE, "nmf: k = %d must be in 1..min(512, samples = %lld)", k,
                (long long)p->N);
  if (solver < STRATA_NMF_HALS || solver > STRATA_NMF_MU || o->max_iter < 1 || !(o->tol >= 0.0))
    STRATA_FAIL(STRATA_ERR_USAGE, "nmf: bad solver, --max-iter or --tol");
  if (cl && (cl < k || cl > 4096))
    STRATA_FAIL(STRATA_ERR_USAGE, "nmf: --compress %d must be 0 or in k = %d .. 4096", cl, k);
  if (cl && (!p->all_present || p->any_nan))
    STRATA_FAIL(STRATA_ERR_USAGE, "nmf: --compress needs views without missing entries or absent "
                                  "samples (the compressed data cannot be masked)");
cleanup:
  return st;
}

/* Local: lays out and allocates the work arrays (w zeroed by the caller). */
static int work_alloc(const strata_nmf_t *p, const strata_nmf_opts_t *o, nmf_work_t *w) {
  int st = STRATA_OK;
  int k = o->k, M = p->nviews, cl = o->compress;
  int64_t mloc = p->mloc;
  size_t kk = (size_t)k * (size_t)k;
  w->k = k;
  w->M = M;
  w->solver = o->solver;
  w->inner = o->inner > 0 ? o->inner : 1;
  w->cl = cl;
  w->simpleH = p->all_present && !p->any_nan;
  w->kk = kk;
  STRATA_MALLOC(w->ktmp, (size_t)k * (size_t)(mloc ? mloc : 1));
  /* reduction buffers: over the grid row (H side) and the grid column (W side) */
  w->nH = k * mloc + (p->any_nan ? (int64_t)kk * mloc : 0);
  STRATA_CALLOC(w->hp_off, M);
  STRATA_CALLOC(w->bw_off, M);
  STRATA_CALLOC(w->cw_off, M);
  int64_t nC = (int64_t)kk;
  for (int m = 0; m < M; m++) {
    w->hp_off[m] = p->v[m].all_present ? 0 : nC;
    nC += p->v[m].all_present ? 0 : (int64_t)kk;
  }
  /* compressed mode: H^T Q (k x l) is reduced, then Y^T H ~ B^T (Q^T H) is formed locally */
  w->s_off = nC;
  nC += cl ? (int64_t)k * cl : 0;
  for (int m = 0; m < M; m++) {
    w->bw_off[m] = nC;
    nC += k * p->v[m].y->nloc;
  }
  for (int m = 0; m < M; m++) {
    w->cw_off[m] = nC;
    nC += p->v[m].has_nan ? (int64_t)kk * p->v[m].y->nloc : 0;
  }
  w->nC = nC;
  w->nCred = cl ? w->s_off + (int64_t)k * cl : nC; /* the part that is reduced */
  STRATA_CALLOC(w->bufH, w->nH);
  STRATA_CALLOC(w->bufC, nC);
  STRATA_CALLOC(w->bufR, M * kk + 2 * (size_t)M);
  STRATA_CALLOC(w->G, kk);
  STRATA_CALLOC(w->ws, 3 * k + kk);
  STRATA_CALLOC(w->iws, 2 * k);
  STRATA_CALLOC(w->tq, 2 * M);
  int64_t nd = nmf_total_nloc(p);
  if (cl) {
    STRATA_CALLOC(w->Qt, (int64_t)cl * mloc);
    STRATA_CALLOC(w->Bc, (int64_t)cl * nd);
    STRATA_CALLOC(w->Tc, (int64_t)k * cl);
    STRATA_CALLOC(w->ssc, M);
  }
cleanup:
  return st;
}

static void work_free(nmf_work_t *w) {
  free(w->ktmp);
  free(w->bufH);
  free(w->bufC);
  free(w->bufR);
  free(w->G);
  free(w->ws);
  free(w->iws);
  free(w->tq);
  free(w->hp_off);
  free(w->bw_off);
  free(w->cw_off);
  free(w->Qt);
  free(w->Bc);
  free(w->Tc);
  free(w->ssc);
  memset(w, 0, sizeof *w);
}

/* Collective: the compressed problem (--compress l) and, without --resume, its NNDSVD start. */
static int compress_setup(const strata_nmf_t *p, const strata_nmf_opts_t *o, nmf_state_t *s,
                          nmf_work_t *w) {
  int st = STRATA_OK;
  int M = w->M, cl = w->cl;
  /* Randomized NMF (Erichson et al. 2018): iterate on B_m = Q^T Y_m, l x D_m, so that an
   * iteration costs O((N + D) l k) instead of O(N D k); the data are read 2 x (2 + 2) times
   * here and once more for the exact error at the end.  Deterministic, so a resume recomputes
   * the same Q and B. */
  STRATA_CHECK(nmf_range_finder(p, cl, 2, o->seed, 2000, w->Qt, w->Bc));
  /* the NNDSVD start comes from the same basis (one range finder instead of two) */
  if (!o->resume && o->init != STRATA_NMF_INIT_RANDOM)
    STRATA_CHECK(
        nmf_init_nndsvd(p, s, o->seed, o->init == STRATA_NMF_INIT_NNDSVDA, cl, w->Qt, w->Bc));
  int64_t off = 0;
  for (int m = 0; m < M; m++) {
    int64_t n = (int64_t)cl * p->v[m].y->nloc;
    cblas_dscal((int)n, 1.0 / sqrt(p->v[m].weight), w->Bc + off * cl, 1);
    w->ssc[m] = n ? cblas_ddot((int)n, w->Bc + off * cl, 1, w->Bc + off * cl, 1) : 0.0;
    off += p->v[m].y->nloc;
  }
  STRATA_CHECK(nmf_allreduce_sum(w->ssc, M, p->grid->rowcomm));
cleanup:
  return st;
}

/* Collective: the iterate to start from, read from o->resume or drawn (random, or NNDSVD on
 * the exact data; the compressed NNDSVD start is made in compress_setup). */
static int start(const strata_nmf_t *p, const strata_nmf_opts_t *o, nmf_state_t *s,
                 nmf_work_t *w) {
  int st = STRATA_OK;
  if (o->resume) {
    STRATA_CHECK(nmf_ckpt_read(p, o, s));
    strata_log(p->grid->comm, 1, "nmf: resumed from '%s' at iteration %lld\n",
               strata_state_name(o->resume), (long long)s->iter);
  } else {
    if (o->init == STRATA_NMF_INIT_RANDOM)
      nmf_init_random(p, s, o->seed);
    else if (!w->cl)
      STRATA_CHECK(
          nmf_init_nndsvd(p, s, o->seed, o->init == STRATA_NMF_INIT_NNDSVDA, 0, NULL, NULL));
    STRATA_CHECK(nmf_reduce_wtw(p, s, w->bufR, NULL));
  }
cleanup:
  return st;
}

/* ---- one iteration --------------------------------------------------------------------------- */

/* Collective: the H update.  b_i = sum_m l_m (Y_m W_m)_i over the grid row; G_i from the W
 * Grams (less the NaN entries' part CH_i); tcomm accumulates the reduction's time. */
static int h_step(const strata_nmf_t *p, nmf_state_t *s, nmf_work_t *w, double *tcomm) {
  int st = STRATA_OK;
  const strata_grid_t *g = p->grid;
  int k = w->k, M = w->M, cl = w->cl;
  int64_t mloc = p->mloc;
  size_t kk = w->kk;
  double *BH = w->bufH, *CH = w->bufH + k * mloc, *G = w->G;
  if (cl) {
    /* (Y W)^T ~ (sum_m l_m W_m^T B_m^T) Q^T: only k x l travels */
    memset(w->Tc, 0, sizeof(double) * (size_t)k * cl);
    int64_t off = 0;
    for (int m = 0; m < M; m++) {
      nmf_gemm(CblasNoTrans, CblasTrans, k, cl, p->v[m].y->nloc, p->v[m].weight, s->W[m], k,
               w->Bc + off * cl, cl, 1.0, w->Tc, k);
      off += p->v[m].y->nloc;
    }
    double tc0 = strata_wtime();
    STRATA_CHECK(nmf_allreduce_sum(w->Tc, (int64_t)k * cl, g->rowcomm));
    *tcomm += strata_wtime() - tc0;
    nmf_gemm(CblasNoTrans, CblasNoTrans, k, mloc, cl, 1.0, w->Tc, k, w->Qt, cl, 0.0, BH, k);
  } else {
    memset(w->bufH, 0, sizeof(double) * (size_t)w->nH);
    for (int m = 0; m < M; m++) {
      const nmf_view_t *v = &p->v[m];
      nmf_prod_yx(mloc, v->y->nloc, k, v->weight, s->W[m], v->y->a, BH, w->ktmp);
      if (v->has_nan)
        for (int64_t i = 0; i < mloc; i++)
          for (int64_t q = v->rptr[i]; q < v->rptr[i + 1]; q++)
            nmf_outer_add(k, v->weight, s->W[m] + (int64_t)v->rcol[q] * k, CH + i * kk);
    }
    double tc0 = strata_wtime();
    STRATA_CHECK(nmf_allreduce_sum(w->bufH, w->nH, g->rowcomm));
    *tcomm += strata_wtime() - tc0;
  }
  if (w->simpleH) {
    memset(G, 0, sizeof(double) * kk);
    for (int m = 0; m < M; m++) cblas_daxpy((int)kk, p->v[m].weight, s->WtW + m * kk, 1, G, 1);
    for (int64_t i = 0; i < mloc; i++)
      nmf_update_row(w->solver, w->inner, k, G, BH + i * k, s->H + i * k, w->ws, w->iws);
  } else {
    for (int64_t i = 0; i < mloc; i++) {
      memset(G, 0, sizeof(double) * kk);
      for (int m = 0; m < M; m++)
        if (p->v[m].y->present[i])
          cblas_daxpy((int)kk, p->v[m].weight, s->WtW + m * kk, 1, G, 1);
      if (p->any_nan) cblas_daxpy((int)kk, -1.0, CH + i * kk, 1, G, 1);
      nmf_update_row(w->solver, w->inner, k, G, BH + i * k, s->H + i * k, w->ws, w->iws);
    }
  }
cleanup:
  return st;
}

/* Local: the W rows of view m from the reduced bufC, with the two objective scalars of the
 * view, tq[2m] = sum_j w_j^T b_j and tq[2m+1] = sum_j w_j^T C_j w_j (the NaN correction). */
static void w_rows(const strata_nmf_t *p, nmf_state_t *s, nmf_work_t *w, int m) {
  int k = w->k;
  size_t kk = w->kk;
  double *bufC = w->bufC, *G = w->G;
  const nmf_view_t *v = &p->v[m];
  const double *Gm = bufC + (v->all_present ? 0 : w->hp_off[m]);
  memcpy(s->HpHp + m * kk, Gm, sizeof(double) * kk);
  double trm = 0.0, qm = 0.0;
  for (int64_t j = 0; j < v->y->nloc; j++) {
    const double *b = bufC + w->bw_off[m] + j * k;
    double *x = s->W[m] + j * k;
    const double *Gj = Gm;
    if (v->has_nan) {
      const double *cj = bufC + w->cw_off[m] + j * kk;
      for (size_t q = 0; q < kk; q++) G[q] = Gm[q] - cj[q];
      Gj = G;
    }
    nmf_update_row(w->solver, w->inner, k, Gj, b, x, w->ws, w->iws);
    for (int c = 0; c < k; c++) trm += x[c] * b[c];
    if (v->has_nan) {
      const double *cj = bufC + w->cw_off[m] + j * kk;
      for (int c = 0; c < k; c++)
        for (int d = 0; d < k; d++) qm += x[c] * cj[c + d * k] * x[d];
    }
  }
  w->tq[2 * m] = trm;
  w->tq[2 * m + 1] = qm;
}

/* Collective: the W update.  Grams of H over the (present) samples and b_j = (Y_m^T H)_j over
 * the grid column, then the rows of every view; tcomm accumulates the reduction's time. */
static int w_step(const strata_nmf_t *p, nmf_state_t *s, nmf_work_t *w, double *tcomm) {
  int st = STRATA_OK;
  int k = w->k, M = w->M, cl = w->cl;
  int64_t mloc = p->mloc;
  size_t kk = w->kk;
  double *bufC = w->bufC;
  nmf_gram(k, mloc, s->H, bufC);
  for (int m = 0; m < M; m++) {
    const nmf_view_t *v = &p->v[m];
    if (!v->all_present) {
      double *hp = bufC + w->hp_off[m];
      memset(hp, 0, sizeof(double) * kk);
      for (int64_t i = 0; i < mloc; i++)
        if (v->y->present[i]) nmf_outer_add(k, 1.0, s->H + i * k, hp);
    }
    if (!cl) nmf_prod_ytz(mloc, v->y->nloc, k, 1.0, s->H, v->y->a, bufC + w->bw_off[m], w->ktmp);
    if (v->has_nan) {
      double *cw = bufC + w->cw_off[m];
      memset(cw, 0, sizeof(double) * kk * (size_t)v->y->nloc);
      for (int64_t j = 0; j < v->y->nloc; j++)
        for (int64_t q = v->cptr[j]; q < v->cptr[j + 1]; q++)
          nmf_outer_add(k, 1.0, s->H + (int64_t)v->crow[q] * k, cw + j * kk);
    }
  }
  if (cl)
    nmf_gemm(CblasNoTrans, CblasTrans, k, cl, mloc, 1.0, s->H, k, w->Qt, cl, 0.0,
             bufC + w->s_off, k);
  double tc = strata_wtime();
  STRATA_CHECK(nmf_allreduce_sum(bufC, w->nCred, p->grid->colcomm));
  *tcomm += strata_wtime() - tc;
  if (cl) {
    int64_t off = 0;
    for (int m = 0; m < M; m++) {
      nmf_gemm(CblasNoTrans, CblasNoTrans, k, p->v[m].y->nloc, cl, 1.0, bufC + w->s_off, k,
               w->Bc + off * cl, cl, 0.0, bufC + w->bw_off[m], k);
      off += p->v[m].y->nloc;
    }
  }
  for (int m = 0; m < M; m++) w_rows(p, s, w, m);
cleanup:
  return st;
}

/* Local, after nmf_reduce_wtw: the objective from Grams, without touching the data.
 * f = sum_m l_m (||Y_m||^2 - 2 <W_m, Y_m^T H> + sum_j w_j^T G_j w_j) */
static double gram_objective(const strata_nmf_t *p, const nmf_state_t *s, const nmf_work_t *w) {
  int M = w->M;
  size_t kk = w->kk;
  const double *bufR = w->bufR;
  double f = 0.0;
  for (int m = 0; m < M; m++) {
    double quad = cblas_ddot((int)kk, s->WtW + m * kk, 1, s->HpHp + m * kk, 1);
    /* compressed: the objective of Q B_m, whose squared norm is ||B_m||^2 */
    double ss = w->cl ? w->ssc[m] : p->v[m].ss;
    f += p->v[m].weight * (ss - 2.0 * bufR[M * kk + 2 * m] + quad - bufR[M * kk + 2 * m + 1]);
  }
  return f;
}

/* Collective: one iteration (H, W, the W Grams with the objective's scalars), its objective
 * appended to the trace, the local convergence test and the iteration event. */
static int iterate(const strata_nmf_t *p, const strata_nmf_opts_t *o, const char *phase,
                   nmf_state_t *s, nmf_work_t *w) {
  int st = STRATA_OK;
  double t0 = strata_wtime(), tcomm = 0.0;
  STRATA_CHECK(h_step(p, s, w, &tcomm));
  STRATA_CHECK(w_step(p, s, w, &tcomm));
  double tc = strata_wtime();
  STRATA_CHECK(nmf_reduce_wtw(p, s, w->bufR, w->tq));
  tcomm += strata_wtime() - tc;
  double f = gram_objective(p, s, w);
  s->trace[s->iter] = f;
  s->iter++;
  double rel = NAN;
  if (s->iter > 1) {
    double fp = s->trace[s->iter - 2];
    rel = fabs(fp - f) / (fabs(fp) > DBL_MIN ? fabs(fp) : DBL_MIN);
    if (o->tol > 0.0 && rel < o->tol) s->converged = 1;
  }
  if (f <= 0.0) s->converged = 1; /* exact fit within rounding */
  double tall = strata_wtime() - t0;
  strata_ev_iteration(o->ev, phase, s->iter, o->max_iter, f, rel, tall - tcomm, tcomm);
cleanup:
  return st;
}

/* Collective: after an iteration, the agreed stop decision, then the checkpoint (every
 * o->checkpoint_every iterations or on a signal) and the stop on a signal. */
static int after_iteration(const strata_nmf_t *p, const strata_nmf_opts_t *o, nmf_state_t *s) {
  int st = STRATA_OK;
  const strata_grid_t *g = p->grid;
  /* every replica computed the same f; agreeing anyway makes a stop decision that differs in
   * the last bit on some rank (it cannot, but a hang is the price if it did) impossible */
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &s->converged, 1, MPI_INT, MPI_MIN, g->comm));
  int sig = strata_signal_pending(g->comm);
  if (o->checkpoint && (sig || (o->checkpoint_every > 0 && s->iter % o->checkpoint_every == 0)))
    STRATA_CHECK(nmf_ckpt_write(p, o, s));
  if (sig) {
    if (o->checkpoint)
      STRATA_FAIL(STRATA_INTERRUPTED,
                  "stopped by a signal at iteration %lld; checkpoint written to '%s' "
                  "(continue with --resume %s)",
                  (long long)s->iter, strata_state_name(o->checkpoint),
                  strata_state_name(o->checkpoint));
    STRATA_FAIL(STRATA_INTERRUPTED, "stopped by a signal at iteration %lld (no checkpoint path)",
                (long long)s->iter);
  }
cleanup:
  return st;
}

/* ---- the result -------------------------------------------------------------------------- */

/* Collective: the exact objective (chunked residual over the data) and the weighted total sum
 * of squares, used once at the end: the iteration only tracks the Gram form (gram_objective). */
static int exact_objective(const strata_nmf_t *p, const nmf_state_t *s, double *fit, double *tot) {
  int st = STRATA_OK;
  int k = s->k;
  int64_t mloc = p->mloc, chunk = 256;
  double *P = NULL, acc[2] = {0.0, 0.0};
  STRATA_MALLOC(P, (size_t)(mloc ? mloc : 1) * (size_t)chunk);
  for (int m = 0; m < s->M; m++) {
    const nmf_view_t *v = &p->v[m];
    const strata_dmat_t *y = v->y;
    double a = 0.0;
    for (int64_t j0 = 0; j0 < y->nloc; j0 += chunk) {
      int64_t nc = y->nloc - j0 < chunk ? y->nloc - j0 : chunk;
      nmf_gemm(CblasTrans, CblasNoTrans, mloc, nc, k, 1.0, s->H, k, s->W[m] + j0 * k, k, 0.0, P,
               mloc);
      for (int64_t jj = 0; jj < nc; jj++) {
        const double *yc = y->a + (j0 + jj) * mloc, *pc = P + jj * mloc;
        for (int64_t i = 0; i < mloc; i++)
          if (y->present[i]) a += (yc[i] - pc[i]) * (yc[i] - pc[i]);
        for (int64_t q = v->cptr[j0 + jj]; q < v->cptr[j0 + jj + 1]; q++)
          a -= pc[v->crow[q]] * pc[v->crow[q]];
      }
    }
    acc[0] += v->weight * a;
    acc[1] += v->weight * v->ss; /* ss is already global */
  }
  /* every entry lives on exactly one rank */
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, acc, 1, MPI_DOUBLE, MPI_SUM, p->grid->comm));
  *fit = acc[0];
  *tot = acc[1];
cleanup:
  free(P);
  return st;
}

/* Collective: the result, taking H, W and the trace from s: exact relative error, then
 * columns scaled so that sum_m l_m ||W_m[:,c]||^2 = 1. */
static int make_result(const strata_nmf_t *p, nmf_state_t *s, double seconds,
                       double cpu_seconds, strata_nmf_result_t **out) {
  int st = STRATA_OK;
  int k = s->k, M = s->M;
  int64_t mloc = p->mloc;
  size_t kk = (size_t)k * (size_t)k;
  strata_nmf_result_t *r = NULL;
  STRATA_CALLOC(r, 1);
  r->k = k;
  r->nviews = M;
  r->nrows = p->N;
  r->mloc = mloc;
  r->iterations = s->iter;
  r->converged = s->converged;
  r->seconds = seconds;
  r->cpu_seconds = cpu_seconds;
  double fit = 0.0, tot = 0.0;
  STRATA_CHECK(exact_objective(p, s, &fit, &tot));
  r->rel_error = tot > 0.0 ? sqrt(fmax(fit, 0.0) / tot) : 0.0;
  for (int c = 0; c < k; c++) {
    double nrm = 0.0;
    for (int m = 0; m < M; m++) nrm += p->v[m].weight * s->WtW[m * kk + (size_t)c * (k + 1)];
    nrm = sqrt(nrm);
    if (!(nrm > 0.0)) continue;
    for (int64_t i = 0; i < mloc; i++) s->H[i * k + c] *= nrm;
    for (int m = 0; m < M; m++)
      for (int64_t j = 0; j < p->v[m].y->nloc; j++) s->W[m][j * k + c] /= nrm;
  }
  STRATA_MALLOC(r->rows, mloc);
  memcpy(r->rows, p->rows, sizeof(int64_t) * (size_t)mloc);
  STRATA_MALLOC(r->ncols, M);
  STRATA_MALLOC(r->nloc, M);
  STRATA_MALLOC(r->col0, M);
  for (int m = 0; m < M; m++) {
    r->ncols[m] = p->v[m].y->ncols;
    r->nloc[m] = p->v[m].y->nloc;
    r->col0[m] = p->v[m].y->col0;
  }
  r->H = s->H;
  s->H = NULL;
  r->W = s->W;
  s->W = NULL;
  r->objective = s->trace;
  s->trace = NULL;
cleanup:
  if (st) strata_nmf_result_destroy(&r);
  *out = r;
  return st;
}

/* ---- the driver -------------------------------------------------------------------------- */

int strata_nmf_solve(strata_nmf_t *p, const strata_nmf_opts_t *o, strata_nmf_result_t **out) {
  int st = STRATA_OK;
  const strata_grid_t *g = p->grid;
  nmf_state_t s = {0};
  nmf_work_t w = {0};
  strata_nmf_result_t *r = NULL;
  *out = NULL;
  STRATA_CHECK(check_opts(p, o));
  int ast = nmf_state_alloc(p, o->k, o->max_iter, &s);
  if (ast == STRATA_OK) ast = work_alloc(p, o, &w);
  st = strata_agree(g->comm, ast);
  if (st) goto cleanup;
  if (w.cl) STRATA_CHECK(compress_setup(p, o, &s, &w));
  STRATA_CHECK(start(p, o, &s, &w));

  double t_start = strata_wtime(), c_start = (double)clock() / CLOCKS_PER_SEC;
  const char *phase = o->phase ? o->phase : "nmf";
  strata_ev_phase_begin(o->ev, phase, o->max_iter);
  while (!s.converged && s.iter < o->max_iter) {
    STRATA_CHECK(iterate(p, o, phase, &s, &w));
    STRATA_CHECK(after_iteration(p, o, &s));
  }
  strata_ev_phase_end(o->ev, phase);
  double seconds = strata_wtime() - t_start;
  double cpu_seconds = (double)clock() / CLOCKS_PER_SEC - c_start;
  STRATA_CHECK(make_result(p, &s, seconds, cpu_seconds, &r));
cleanup:
  if (st == STRATA_OK) st = strata_agree(g->comm, st);
  if (st) strata_nmf_result_destroy(&r);
  *out = r;
  nmf_state_free(&s);
  work_free(&w);
  return st;
}
