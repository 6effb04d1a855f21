/* Benchmark of the distributed SVD/PCA (solvers/svd*.c) against LAPACK dgesdd on one rank, raw
 * ScaLAPACK pdgesvd, and the roofline bound max(bytes moved / STREAM-triad bandwidth,
 * flops / DGEMM peak), with the bandwidth and the peak measured in the same run on all ranks at
 * once.  Prints one "key value" line per figure on rank 0 (bench/svd/run.sh makes the table).
 * The dense references are O(N^2 D): they are measured on a scaled matrix (--ref-rows,
 * --ref-cols) and extrapolated by N^2 D, and every such line says "extrapolated"; --dense
 * exact,pdgesvd,dgesdd chooses which of them run (all by default).  Not a test. */
#include <cblas.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "strata/dmat.h"
#include "strata/events.h"
#include "strata/monitor.h"
#include "strata/grid.h"
#include "strata/partition.h"
#include "strata/rng.h"
#include "strata/svd.h"
#include "strata/util.h"

static int g_rank;
static strata_events_t *g_ev; /* --progress: one line per pass on stderr */

static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* Fill rows `rows[0..m)` x columns [c0, c0+n) of a global N x D test matrix: a rank-40 product
 * with singular values 100 * 0.8^r, plus small uniform noise and a per-feature offset.  Any rank
 * can fill any block, so every layout holds the same matrix. */
static void fill_block(int64_t m, const int64_t *rows, int64_t c0, int64_t n, int64_t D,
                       double *a, int64_t lda) {
  const int r = 40;
  double *G1 = malloc((size_t)(m > 0 ? m : 1) * r * sizeof(double));
  double *G2 = malloc((size_t)r * (n > 0 ? n : 1) * sizeof(double));
  for (int t = 0; t < r; t++) {
    for (int64_t i = 0; i < m; i++) G1[t * m + i] = 100.0 * pow(0.8, t) * strata_rng_normal_at(1, 2 * t, (uint64_t)rows[i]);
    for (int64_t j = 0; j < n; j++) G2[j * r + t] = strata_rng_normal_at(1, 2 * t + 1, (uint64_t)(c0 + j)) / sqrt((double)D);
  }
  for (int64_t j = 0; j < n; j++)
    for (int64_t i = 0; i < m; i++) {
      uint64_t h = mix(((uint64_t)rows[i] << 32) ^ (uint64_t)(c0 + j));
      a[j * lda + i] = 1e-3 * ((double)(h >> 11) * 0x1.0p-53 - 0.5) + 0.01 * (double)((c0 + j) % 7);
    }
  if (m > 0 && n > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, r, 1.0, G1, (int)m, G2, r, 1.0, a, (int)lda);
  free(G1);
  free(G2);
}

/* STREAM triad a = b + s c on every rank at once; returns the aggregate GB/s (best of 5). */
static double stream_triad(MPI_Comm comm) {
  const size_t n = (size_t)1 << 24;
  double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double)), *c = malloc(n * sizeof(double));
  for (size_t i = 0; i < n; i++) { a[i] = 0; b[i] = 1.0 + (double)(i & 7); c[i] = 2.0; }
  double best = 1e30, s = 3.0;
  for (int rep = 0; rep < 5; rep++) {
    MPI_Barrier(comm);
    double t0 = strata_wtime();
    for (size_t i = 0; i < n; i++) a[i] = b[i] + s * c[i];
    double t = strata_wtime() - t0;
    MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, comm);
    if (t < best) best = t;
    s += a[rep];  /* keep the loop alive */
  }
  int size;
  MPI_Comm_size(comm, &size);
  free(a); free(b); free(c);
  return 24.0 * (double)n * size / best / 1e9;
}

/* DGEMM peak: 2000^3 on every rank at once; aggregate GFLOP/s (best of 3). */
static double dgemm_peak(MPI_Comm comm) {
  const int n = 2000;
  double *A = malloc((size_t)n * n * sizeof(double)), *B = malloc((size_t)n * n * sizeof(double)), *C = calloc((size_t)n * n, sizeof(double));
  for (size_t i = 0; i < (size_t)n * n; i++) { A[i] = 1.0 / (double)(1 + i % 13); B[i] = 0.5 - (double)(i % 5) * 0.1; }
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    MPI_Barrier(comm);
    double t0 = strata_wtime();
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A, n, B, n, 0.0, C, n);
    double t = strata_wtime() - t0;
    MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, comm);
    if (t < best) best = t;
  }
  int size;
  MPI_Comm_size(comm, &size);
  free(A); free(B); free(C);
  return 2.0 * n * (double)n * n * size / best / 1e9;
}

static strata_dmat_t *make_dmat(const strata_grid_t *g, const strata_partition_t *p, int64_t N, int64_t D) {
  strata_dmat_t *m = NULL;
  if (strata_dmat_create(g, p, D, &m)) return NULL;
  fill_block(m->mloc, m->rows, m->col0, m->nloc, D, m->a, m->mloc > 0 ? m->mloc : 1);
  (void)N;
  return m;
}

/* Raw ScaLAPACK pdgesvd (U and V^T) of the matrix on the grid; seconds, or -1 on failure. */
static double time_pdgesvd(const strata_grid_t *g, const strata_partition_t *p, int64_t N, int64_t D, int nb) {
  strata_dmat_t *m = make_dmat(g, p, N, D);
  int desc[9], descu[9], descvt[9], info = 0, one = 1, zero = 0, M = (int)N, Nn = (int)D, mn = M < Nn ? M : Nn;
  double *loc = NULL, wq = 0;
  if (!m || strata_dmat_to_blockcyclic(m, nb, nb, desc, &loc)) return -1;
  strata_dmat_destroy(&m);
  int lu = numroc_(&M, &nb, &g->myrow, &zero, &g->nprow), cu = numroc_(&mn, &nb, &g->mycol, &zero, &g->npcol);
  int lv = numroc_(&mn, &nb, &g->myrow, &zero, &g->nprow), cv = numroc_(&Nn, &nb, &g->mycol, &zero, &g->npcol);
  int lldu = lu > 1 ? lu : 1, lldv = lv > 1 ? lv : 1;
  descinit_(descu, &M, &mn, &nb, &nb, &zero, &zero, &g->blacs_ctx, &lldu, &info);
  descinit_(descvt, &mn, &Nn, &nb, &nb, &zero, &zero, &g->blacs_ctx, &lldv, &info);
  double *U = calloc((size_t)lldu * (cu > 0 ? cu : 1), sizeof(double)), *VT = calloc((size_t)lldv * (cv > 0 ? cv : 1), sizeof(double));
  double *S = calloc((size_t)mn, sizeof(double));
  int lwork = -1;
  pdgesvd_("V", "V", &M, &Nn, loc, &one, &one, desc, S, U, &one, &one, descu, VT, &one, &one, descvt, &wq, &lwork, &info, 1, 1);
  lwork = (int)(wq * 1.01) + 1024;
  double *work = malloc((size_t)lwork * sizeof(double));
  MPI_Barrier(g->comm);
  double t0 = strata_wtime();
  pdgesvd_("V", "V", &M, &Nn, loc, &one, &one, desc, S, U, &one, &one, descu, VT, &one, &one, descvt, work, &lwork, &info, 1, 1);
  MPI_Barrier(g->comm);
  double t = strata_wtime() - t0;
  free(work); free(U); free(VT); free(S); free(loc);
  return info ? -1 : t;
}

/* LAPACK dgesdd ('S') of the whole matrix on rank 0 alone; seconds on rank 0. */
static double time_dgesdd(MPI_Comm comm, int64_t N, int64_t D) {
  double t = 0;
  if (g_rank == 0) {
    int64_t *rows = malloc((size_t)N * sizeof(int64_t));
    for (int64_t i = 0; i < N; i++) rows[i] = i;
    int m = (int)N, n = (int)D, mn = m < n ? m : n, info = 0, lwork = -1;
    double *A = malloc((size_t)N * D * sizeof(double)), *S = malloc((size_t)mn * sizeof(double));
    double *U = malloc((size_t)m * mn * sizeof(double)), *VT = malloc((size_t)mn * n * sizeof(double)), wq;
    int *iw = malloc((size_t)8 * mn * sizeof(int));
    fill_block(N, rows, 0, D, D, A, N);
    dgesdd_("S", &m, &n, A, &m, S, U, &m, VT, &mn, &wq, &lwork, iw, &info, 1);
    lwork = (int)wq + 1;
    double *work = malloc((size_t)lwork * sizeof(double));
    double t0 = strata_wtime();
    dgesdd_("S", &m, &n, A, &m, S, U, &m, VT, &mn, work, &lwork, iw, &info, 1);
    t = strata_wtime() - t0;
    free(work); free(A); free(S); free(U); free(VT); free(iw); free(rows);
  }
  MPI_Bcast(&t, 1, MPI_DOUBLE, 0, comm);
  return t;
}

static double time_strata(const strata_grid_t *g, const strata_partition_t *p, strata_dmat_t *m,
                          int method, int k, int q, int reps, double *s1, int *passes) {
  strata_svd_opts_t o;
  strata_svd_opts_default(&o);
  o.k = k;
  o.method = method;
  o.power_iters = q;
  o.ev = g_ev;
  double best = 1e30;
  for (int rep = 0; rep < reps; rep++) {
    strata_svd_result_t *r = NULL;
    MPI_Barrier(g->comm);
    double t0 = strata_wtime();
    int st = strata_svd_compute(1, &m, &o, &r);
    MPI_Barrier(g->comm);
    double t = strata_wtime() - t0;
    if (st) {
      if (g_rank == 0) fprintf(stderr, "bench_svd: %s\n", strata_err_msg());
      return -1;
    }
    if (t < best) best = t;
    *s1 = r->s[0];
    if (passes) *passes = r->data_passes;
    strata_svd_result_destroy(&r);
  }
  (void)p;
  return best;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int64_t N = 2000, D = 100000, Nref = 500, Dref = 10000;
  int q = 2, p = 10, reps = 2, nb = 64, do_dense = 7; /* bits: exact, pdgesvd, dgesdd */
  char ks[64] = "10,50";
  static const struct option lo[] = {{"rows", 1, 0, 'n'}, {"cols", 1, 0, 'd'}, {"k", 1, 0, 'k'},
                                     {"ref-rows", 1, 0, 'N'}, {"ref-cols", 1, 0, 'D'},
                                     {"reps", 1, 0, 'r'}, {"no-dense", 0, 0, 'x'}, {"dense", 1, 0, 'R'},
                                     {"progress", 0, 0, 'P'}, {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    if (c == 'n') N = atoll(optarg);
    else if (c == 'd') D = atoll(optarg);
    else if (c == 'k') snprintf(ks, sizeof ks, "%s", optarg);
    else if (c == 'N') Nref = atoll(optarg);
    else if (c == 'D') Dref = atoll(optarg);
    else if (c == 'r') reps = atoi(optarg);
    else if (c == 'x') do_dense = 0;
    else if (c == 'R') { /* --dense exact,pdgesvd,dgesdd: which dense references to run */
      do_dense = 0;
      char *sv = NULL;
      for (char *t = strtok_r(optarg, ",", &sv); t; t = strtok_r(NULL, ",", &sv)) {
        if (!strcmp(t, "exact")) do_dense |= 1;
        else if (!strcmp(t, "pdgesvd")) do_dense |= 2;
        else if (!strcmp(t, "dgesdd")) do_dense |= 4;
        else {
          if (g_rank == 0) fprintf(stderr, "bench_svd: --dense: unknown reference '%s' (exact, pdgesvd, dgesdd)\n", t);
          MPI_Finalize();
          return 2;
        }
      }
    }
    else if (c == 'P') {
      strata_events_opts_t eo = {0};
      eo.progress = 1;
      if (strata_events_create(MPI_COMM_WORLD, &eo, &g_ev)) MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  if (Nref > N) Nref = N;
  if (Dref > D) Dref = D;
  strata_grid_t *g = NULL;
  strata_partition_t *part = NULL;
  if (strata_grid_create(MPI_COMM_WORLD, 0, 0, N, D, 0, &g) || strata_partition_block(N, g->nprow, &part)) {
    fprintf(stderr, "bench_svd: %s\n", strata_err_msg());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  double bw = stream_triad(g->comm), peak = dgemm_peak(g->comm);
  if (g_rank == 0) {
    printf("config N %lld D %lld np %d grid %dx%d q %d p %d\n", (long long)N, (long long)D, size, g->nprow, g->npcol, q, p);
    printf("stream_triad_GBps %.2f\n", bw);
    printf("dgemm_peak_GFps %.2f\n", peak);
  }
  strata_dmat_t *m = make_dmat(g, part, N, D);
  char *save = NULL;
  for (char *tok = strtok_r(ks, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int k = atoi(tok), l = strata_svd_sketch_width(k, p, N < D ? N : D);
    double s1 = 0;
    /* on a shared machine the load drifts: measure bandwidth and peak again next to each run */
    bw = stream_triad(g->comm);
    peak = dgemm_peak(g->comm);
    int npass = 0;
    double t = time_strata(g, part, m, STRATA_SVD_RANDOMIZED, k, q, reps, &s1, &npass);
    double bw2 = stream_triad(g->comm), peak2 = dgemm_peak(g->comm);
    if (bw2 > bw) bw = bw2;
    if (peak2 > peak) peak = peak2;
    /* bytes: the passes over the N x D data the solve reports (2q+2 products, or q+2 passes when
     * the grid has one process row and a power iteration's A^T and A products share one; the
     * centring statistics ride on the first); flops: 2q+2 products of 2 N D l each, either way */
    double bytes = npass * 8.0 * (double)N * (double)D;
    double flops = (2.0 * q + 2.0) * 2.0 * (double)N * (double)D * l;
    double tb = bytes / (bw * 1e9), tf = flops / (peak * 1e9), bound = tb > tf ? tb : tf;
    if (g_rank == 0) {
      printf("randomized k %d seconds %.4f sigma1 %.10g sketch %d passes %d\n", k, t, s1, l, npass);
      printf("bound k %d seconds %.4f memory_s %.4f flops_s %.4f ratio %.2f stream_GBps %.2f peak_GFps %.2f\n", k,
             bound, tb, tf, t / bound, bw, peak);
    }
  }
  strata_dmat_destroy(&m);
  if (do_dense) {
    /* dense references on the scaled matrix, extrapolated by N^2 D; each figure is printed as
     * soon as it is measured, so a reference that dies later (raw pdgesvd exits inside
     * ScaLAPACK's own redistribution of V^T past 2 GiB per process) does not take it along */
    double scale = ((double)N / Nref) * ((double)N / Nref) * ((double)D / Dref);
    strata_grid_t *gr = NULL;
    strata_partition_t *pr = NULL;
    if (strata_grid_create(MPI_COMM_WORLD, 0, 0, Nref, Dref, 0, &gr) || strata_partition_block(Nref, gr->nprow, &pr))
      MPI_Abort(MPI_COMM_WORLD, 1);
    if (g_rank == 0) {
      printf("scaled Nref %lld Dref %lld factor %.1f\n", (long long)Nref, (long long)Dref, scale);
      fflush(stdout);
    }
    for (int r = 0; r < 3; r++) {
      static const char *const name[3] = {"exact", "pdgesvd", "dgesdd"};
      if (!(do_dense & (1 << r))) continue;
      double t;
      if (r == 0) {
        strata_dmat_t *mr = make_dmat(gr, pr, Nref, Dref);
        double s1 = 0;
        t = time_strata(gr, pr, mr, STRATA_SVD_EXACT, 10, q, 1, &s1, NULL);
        strata_dmat_destroy(&mr);
      } else if (r == 1) {
        t = time_pdgesvd(gr, pr, Nref, Dref, nb);
      } else {
        t = time_dgesdd(g->comm, Nref, Dref);
      }
      if (g_rank == 0) {
        printf("%s_measured seconds %.4f\n%s_extrapolated seconds %.2f\n", name[r], t, name[r], t * scale);
        fflush(stdout);
      }
    }
    strata_partition_destroy(&pr);
    strata_grid_destroy(&gr);
  }
  strata_partition_destroy(&part);
  strata_grid_destroy(&g);
  strata_events_destroy(&g_ev);
  MPI_Finalize();
  return 0;
}
