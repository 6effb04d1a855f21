/* The dense decompositions of the joint operator through ScaLAPACK: pdgesvd on a block-cyclic
 * copy (exact path) and the N x N Gram matrix by pdsyrk + pdsyevd (wide views).  Both build
 * the weighted, centred block-cyclic copy view by view from the dmats (partition/redist.c) and
 * recover V = A^T U Sigma^-1 with the implicit operator of svd.c.  Not for the randomized path. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "solvers/svd/svd_impl.h"
#include "strata/util.h"

#define LD(n) ((n) > 0 ? (n) : 1)

/* Collective: view m as a block-cyclic nb x nb array, centred, scaled and weighted in place in
 * that copy (the copy ScaLAPACK needs anyway, so the dmat itself stays uncentred). */
static int view_to_bc(svd_op_t *op, int m, int nb, int desc[9], double **loc) {
  int st = STRATA_OK;
  const strata_dmat_t *v = op->views[m];
  double *mu = NULL, *si = NULL;
  int nprow, npcol, myrow, mycol;
  *loc = NULL;
  STRATA_CHECK(svd_allgather_view_vec(op, m, op->mu, &mu));
  STRATA_CHECK(svd_allgather_view_vec(op, m, op->sinv, &si));
  STRATA_CHECK(strata_agree(op->grid->comm, st));
  STRATA_CHECK(strata_dmat_to_blockcyclic(v, nb, nb, desc, loc));
  Cblacs_gridinfo(desc[1], &nprow, &npcol, &myrow, &mycol);
  int M = desc[2], Nc = desc[3], zero = 0;
  int locr = numroc_(&M, &nb, &myrow, &zero, &nprow), locc = numroc_(&Nc, &nb, &mycol, &zero, &npcol);
  int lld = desc[8], csrc = desc[7];
  double w = op->w[m];
  for (int jl = 0; jl < locc; jl++) {
    int64_t gj = ((int64_t)(jl / nb) * npcol + (mycol - csrc + npcol) % npcol) * nb + jl % nb;
    double c = op->center ? mu[gj] : 0.0, f = si[gj] * w;
    double *col = *loc + (int64_t)jl * lld;
    for (int il = 0; il < locr; il++) col[il] = (col[il] - c) * f;
  }
cleanup:
  free(mu);
  free(si);
  if (st) {
    free(*loc);
    *loc = NULL;
  }
  return st;
}

/* Collective: columns `cols[c]` (c < k) of the block-cyclic N x ? array Z, replicated as my rows
 * of U (mloc x k): every rank fills what it holds into a zero N x k array, summed over ranks. */
static int bc_columns_to_rows(svd_op_t *op, const double *Z, const int desc[9], int k,
                              const int *cols, double *U) {
  int st = STRATA_OK;
  int nprow, npcol, myrow, mycol, nb = desc[5], mb = desc[4];
  double *full = NULL;
  int64_t N = op->N;
  Cblacs_gridinfo(desc[1], &nprow, &npcol, &myrow, &mycol);
  int M = desc[2], Nc = desc[3], zero = 0;
  int locr = numroc_(&M, &mb, &myrow, &zero, &nprow), locc = numroc_(&Nc, &nb, &mycol, &zero, &npcol);
  STRATA_CALLOC(full, (size_t)N * k);
  for (int jl = 0; jl < locc; jl++) {
    int gj = ((jl / nb) * npcol + mycol) * nb + jl % nb;
    for (int c = 0; c < k; c++) {
      if (cols[c] != gj) continue;
      for (int il = 0; il < locr; il++) {
        int64_t gi = ((int64_t)(il / mb) * nprow + myrow) * mb + il % mb;
        full[(int64_t)c * N + gi] = Z[(int64_t)jl * desc[8] + il];
      }
    }
  }
  if ((int64_t)N * k > 0x7fffffff) STRATA_FAIL(STRATA_ERR_INPUT, "svd: N x k = %lld too large", (long long)N * k);
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, full, (int)(N * k), MPI_DOUBLE, MPI_SUM, op->grid->comm));
  const int64_t *rows = op->views[0]->rows;
  for (int c = 0; c < k; c++)
    for (int64_t i = 0; i < op->mloc; i++) U[c * LD(op->mloc) + i] = full[(int64_t)c * N + rows[i]];
cleanup:
  free(full);
  return st;
}

/* V = A^T U diag(s)^-1: one pass of the implicit operator (zero columns for s = 0). */
static int right_vectors(svd_op_t *op, int k, const double *s, const double *U, double *V) {
  int st = STRATA_OK;
  int64_t ldn = LD(op->ntot);
  STRATA_CHECK(svd_op_apply_t(op, k, U, V));
  for (int c = 0; c < k; c++) {
    double f = s[c] > 0 ? 1.0 / s[c] : 0.0;
    for (int64_t j = 0; j < op->ntot; j++) V[c * ldn + j] *= f;
  }
cleanup:
  return st;
}

/* Collective: the last two steps both dense paths share -- U from the block-cyclic left vectors
 * (columns cols of B), then V = A^T U Sigma^-1 -- each reported as an iteration of `phase`
 * (steps nit-1 and nit); t1 is when the dense solve ended, t_comm1 the communication before. */
static int finish_vectors(svd_op_t *op, strata_events_t *ev, const char *phase, int nit,
                          const double *B, const int desc[9], int k, const int *cols, const double *s,
                          double *U, double *V, double t1, double t_comm1) {
  int st = STRATA_OK;
  STRATA_CHECK(bc_columns_to_rows(op, B, desc, k, cols, U));
  double t2 = strata_wtime();
  strata_ev_iteration(ev, phase, nit - 1, nit, s[0], 1.0, t2 - t1, t_comm1);
  op->t_comp = op->t_comm = 0;
  STRATA_CHECK(right_vectors(op, k, s, U, V));
  strata_ev_iteration(ev, phase, nit, nit, s[0], 0.0, op->t_comp, op->t_comm);
cleanup:
  return st;
}

static int desc_make(int ctx, int M, int N, int nb, int desc[9], int *lld_out, int64_t *size) {
  int st = STRATA_OK, nprow, npcol, myrow, mycol, zero = 0, info = 0;
  Cblacs_gridinfo(ctx, &nprow, &npcol, &myrow, &mycol);
  int locr = numroc_(&M, &nb, &myrow, &zero, &nprow), locc = numroc_(&N, &nb, &mycol, &zero, &npcol);
  int lld = LD(locr);
  descinit_(desc, &M, &N, &nb, &nb, &zero, &zero, &ctx, &lld, &info);
  if (info) STRATA_FAIL(STRATA_ERR_INTERNAL, "svd: descinit failed (info %d) for %d x %d", info, M, N);
  *lld_out = lld;
  *size = (int64_t)lld * LD(locc);
cleanup:
  return st;
}

/* Collective: the whole weighted, centred operator as one block-cyclic N x D array; views are
 * redistributed one at a time and copied into their column range with pdgemr2d. */
static int joint_to_bc(svd_op_t *op, int nb, int desc[9], double **A) {
  int st = STRATA_OK, lld = 0;
  int64_t sz = 0;
  double *vloc = NULL;
  *A = NULL;
  if (op->nviews == 1) return view_to_bc(op, 0, nb, desc, A);
  if (op->N > 0x7fffffff || op->D > 0x7fffffff) STRATA_FAIL(STRATA_ERR_INPUT, "svd: matrix too large for ScaLAPACK");
  STRATA_CHECK(desc_make(op->grid->blacs_ctx, (int)op->N, (int)op->D, nb, desc, &lld, &sz));
  STRATA_CALLOC(*A, sz);
  int64_t goff = 0;
  for (int m = 0; m < op->nviews; m++) {
    int vdesc[9];
    st = strata_agree(op->grid->comm, st);
    if (st) goto cleanup;
    STRATA_CHECK(view_to_bc(op, m, nb, vdesc, &vloc));
    int M = (int)op->N, Dm = (int)op->views[m]->ncols, jb = (int)goff + 1;
    strata_pdgemr2d(M, Dm, vloc, 1, 1, vdesc, *A, 1, jb, desc, op->grid->blacs_ctx,
                    STRATA_MR2D_PIECE);
    free(vloc);
    vloc = NULL;
    goff += Dm;
  }
cleanup:
  free(vloc);
  if (st) {
    free(*A);
    *A = NULL;
  }
  return st;
}

static int64_t g_mr2d_limit = STRATA_MR2D_LIMIT;

void svd_exact_set_mr2d_limit(int64_t limit) { g_mr2d_limit = limit > 0 ? limit : STRATA_MR2D_LIMIT; }

int64_t svd_exact_u_local_max(int64_t M, int64_t mn, int nb, int nprow, int npcol) {
  /* process 0 holds the most in both layouts (numroc with source 0 never grows with the index) */
  int P = nprow * npcol, z = 0;
  int64_t one_d = (M + P - 1) / P * mn;
  if (M > 0x7fffffff || mn > 0x7fffffff) return one_d; /* past ScaLAPACK's int sizes anyway */
  int m = (int)M, n = (int)mn;
  int64_t two_d = (int64_t)numroc_(&m, &nb, &z, &z, &nprow) * numroc_(&n, &nb, &z, &z, &npcol);
  return one_d > two_d ? one_d : two_d;
}

int svd_exact_fits(const svd_op_t *op, int nb, int64_t *need) {
  int64_t mn = op->N < op->D ? op->N : op->D;
  *need = svd_exact_u_local_max(op->N, mn, nb, op->grid->nprow, op->grid->npcol);
  return *need < g_mr2d_limit; /* shapes past int: the redistribution refuses them by name */
}

int svd_exact(svd_op_t *op, int k, int nb, strata_events_t *ev, double *s, double *U, double *V) {
  int st = STRATA_OK, info = 0, one = 1, lwork = -1, lldu = 0;
  int desc[9], descu[9], descvt[9];
  double *A = NULL, *Ub = NULL, *S = NULL, *work = NULL, wq = 0, dummy = 0;
  int *cols = NULL;
  int64_t szu = 0, szvt = 0;
  double t0 = strata_wtime();
  int ctx = op->grid->blacs_ctx;
  int M = (int)op->N, Nn = (int)op->D, mn = M < Nn ? M : Nn;
  /* pdgesvd redistributes U with ScaLAPACK's pdgemr2d, which exit(2)s one rank past 2 GiB of
   * local array (scalapack_proto.h): refuse before any work, the same way on every rank */
  int64_t ubig = 0;
  if (!svd_exact_fits(op, nb, &ubig))
    STRATA_FAIL(STRATA_ERR_INPUT,
                "svd: --method exact on %lld samples x %lld features: pdgesvd would redistribute "
                "its %lld x %d left vectors with %lld elements on one process, past ScaLAPACK's "
                "limit of %lld, and exit; use --method randomized or gram, or more processes",
                (long long)op->N, (long long)op->D, (long long)op->N, mn, (long long)ubig,
                (long long)g_mr2d_limit);
  STRATA_CHECK(joint_to_bc(op, nb, desc, &A));
  STRATA_CHECK(desc_make(ctx, M, mn, nb, descu, &lldu, &szu));
  STRATA_CHECK(desc_make(ctx, mn, Nn, nb, descvt, &lldu, &szvt));
  STRATA_CALLOC(Ub, szu);
  STRATA_CALLOC(S, mn);
  STRATA_CALLOC(cols, k);
  double t1 = strata_wtime();
  st = strata_agree(op->grid->comm, st);
  if (st) goto cleanup;
  /* V^T is not formed (jobvt = N): V = A^T U S^-1 below costs one pass and no N x D copy */
  pdgesvd_("V", "N", &M, &Nn, A, &one, &one, desc, S, Ub, &one, &one, descu, &dummy, &one, &one,
           descvt, &wq, &lwork, &info, 1, 1);
  lwork = (int)(wq * 1.01) + 1024;
  work = malloc((size_t)lwork * sizeof(double));
  st = work ? STRATA_OK
            : strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory (pdgesvd workspace %d)", lwork);
  st = strata_agree(op->grid->comm, st);
  if (st) goto cleanup;
  pdgesvd_("V", "N", &M, &Nn, A, &one, &one, desc, S, Ub, &one, &one, descu, &dummy, &one, &one,
           descvt, work, &lwork, &info, 1, 1);
  /* info = min(M,N)+1 is pdgesvd's heterogeneity check: a process holding no part of U solves
   * the bidiagonal problem by dqds instead of QR iteration, so the replicated singular values
   * can differ in the last bits.  Take rank 0's values so that every rank agrees. */
  if (info == mn + 1) {
    STRATA_MPI_CHECK(MPI_Bcast(S, mn, MPI_DOUBLE, 0, op->grid->comm));
    info = 0;
  }
  if (info) STRATA_FAIL(STRATA_ERR_NUMERIC, "svd: pdgesvd failed (info %d)", info);
  free(A);
  A = NULL;
  for (int c = 0; c < k; c++) {
    s[c] = S[c];
    cols[c] = c;
  }
  STRATA_CHECK(finish_vectors(op, ev, "svd-exact", 2, Ub, descu, k, cols, s, U, V, t1, t1 - t0));
cleanup:
  free(A);
  free(Ub);
  free(S);
  free(work);
  free(cols);
  return st;
}

int svd_gram(svd_op_t *op, int k, int nb, strata_events_t *ev, double *s, double *U, double *V) {
  int st = STRATA_OK, info = 0, one = 1, lwork = -1, liwork = -1, lldg = 0, iwq = 0;
  int descg[9], descz[9];
  double *G = NULL, *Z = NULL, *W = NULL, *work = NULL, *vloc = NULL, wq = 0;
  int *iwork = NULL, *cols = NULL;
  int64_t szg = 0;
  double t0 = strata_wtime();
  int ctx = op->grid->blacs_ctx;
  if (op->N > 0x7fffffff) STRATA_FAIL(STRATA_ERR_INPUT, "svd: N too large for the Gram path");
  int Nn = (int)op->N;
  {
    /* pdsyevd (its PDORMTR step) rejects its own workspace when a block is larger than a
     * process's share of N: keep nb <= ceil(N / max(nprow, npcol)) */
    int pmax = op->grid->nprow > op->grid->npcol ? op->grid->nprow : op->grid->npcol;
    int cap = (Nn + pmax - 1) / pmax;
    if (nb > cap) nb = cap > 0 ? cap : 1;
  }
  STRATA_CHECK(desc_make(ctx, Nn, Nn, nb, descg, &lldg, &szg));
  memcpy(descz, descg, sizeof descz);
  STRATA_CALLOC(G, szg);
  STRATA_CALLOC(Z, szg);
  STRATA_CALLOC(W, Nn);
  STRATA_CALLOC(cols, k);
  /* G = sum_m A_m A_m^T: the joint matrix is never formed, one view's copy at a time */
  for (int m = 0; m < op->nviews; m++) {
    int vdesc[9], Dm = (int)op->views[m]->ncols;
    double alpha = 1.0, beta = m == 0 ? 0.0 : 1.0;
    st = strata_agree(op->grid->comm, st);
    if (st) goto cleanup;
    STRATA_CHECK(view_to_bc(op, m, nb, vdesc, &vloc));
    pdsyrk_("L", "N", &Nn, &Dm, &alpha, vloc, &one, &one, vdesc, &beta, G, &one, &one, descg, 1, 1);
    free(vloc);
    vloc = NULL;
  }
  double t1 = strata_wtime();
  strata_ev_iteration(ev, "svd-gram", 1, 3, 0.0, 1.0, t1 - t0, 0.0);
  pdsyevd_("V", "L", &Nn, G, &one, &one, descg, W, Z, &one, &one, descz, &wq, &lwork, &iwq,
           &liwork, &info, 1, 1);
  {
    /* the workspace query of pdsyevd can come out short for small N or a block larger than N
     * (PDORMTR then rejects LWORK); take the documented minimum if it is larger */
    int nprow, npcol, myrow, mycol, zero = 0;
    Cblacs_gridinfo(ctx, &nprow, &npcol, &myrow, &mycol);
    int np = numroc_(&Nn, &nb, &myrow, &zero, &nprow), nq = numroc_(&Nn, &nb, &mycol, &zero, &npcol);
    double trilwmin = 3.0 * Nn + (double)(nb * (np + 1) > 3 * nb ? nb * (np + 1) : 3 * nb);
    double docmin = (1.0 + 6.0 * Nn + 2.0 * np * nq > trilwmin ? 1.0 + 6.0 * Nn + 2.0 * np * nq : trilwmin) + 2.0 * Nn;
    double want = (wq > docmin ? wq : docmin) * 1.5 + 1024;
    if (want > 2e9) STRATA_FAIL(STRATA_ERR_MEM, "svd: pdsyevd workspace of %.3g doubles is too large", want);
    lwork = (int)want;
    liwork = (iwq > 7 * Nn + 8 * npcol + 2 ? iwq : 7 * Nn + 8 * npcol + 2) + 64;
  }
  work = malloc((size_t)lwork * sizeof(double));
  iwork = malloc((size_t)liwork * sizeof(int));
  st = work && iwork ? STRATA_OK
                     : strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory (pdsyevd workspace)");
  st = strata_agree(op->grid->comm, st);
  if (st) goto cleanup;
  pdsyevd_("V", "L", &Nn, G, &one, &one, descg, W, Z, &one, &one, descz, work, &lwork, iwork,
           &liwork, &info, 1, 1);
  if (info) STRATA_FAIL(STRATA_ERR_NUMERIC, "svd: pdsyevd failed (info %d)", info);
  /* eigenvalues ascending: the top k are the last k; rounding can make tiny ones negative */
  for (int c = 0; c < k; c++) {
    double lam = W[Nn - 1 - c];
    s[c] = lam > 0 ? sqrt(lam) : 0.0;
    cols[c] = Nn - 1 - c;
  }
  STRATA_CHECK(finish_vectors(op, ev, "svd-gram", 3, Z, descz, k, cols, s, U, V, t1, 0.0));
cleanup:
  free(G);
  free(Z);
  free(W);
  free(work);
  free(iwork);
  free(vloc);
  free(cols);
  return st;
}
