/* Partition invariants and block-cyclic redistribution over every grid shape the rank count
 * allows (1x1, 1x2, 2x1, 2x2, 1x4, 4x1): each sample exactly once, patients intact, balance
 * within one patient; dmat -> block-cyclic pieces equal the entries that the ScaLAPACK indexing
 * formulas (numroc / indxl2g, re-derived here) name; block-cyclic -> dmat round trip is
 * bit-identical; pdgemr2d in pieces (strata_pdgemr2d, small pieces: by rows, by columns, one
 * element) re-blocks a submatrix exactly as the formulas say, and the redistribution with
 * pieces smaller than a process's regular block (what a view past 2 GiB per process takes)
 * gives the same pieces and round trip; bad arguments fail on every rank. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mpi/scalapack_proto.h"
#include "partition/redist_impl.h"
#include "strata/dmat.h"
#include "strata/grid.h"
#include "strata/partition.h"

/* Number of rows/cols of an n-long dimension, blocks of nb, held by process iproc of nprocs,
 * first block on process 0 (ScaLAPACK's NUMROC, written from its definition). */
static int ref_numroc(int n, int nb, int iproc, int nprocs) {
  int nblocks = n / nb, r = (nblocks / nprocs) * nb;
  int extra = nblocks % nprocs;
  if (iproc < extra) r += nb;
  else if (iproc == extra) r += n % nb;
  return r;
}
/* Global index (0-based) of local index l on process iproc (ScaLAPACK's INDXL2G). */
static int ref_l2g(int l, int nb, int iproc, int nprocs) {
  return nprocs * nb * (l / nb) + l % nb + iproc * nb;
}

/* A full-precision value that names its position, so any misplaced entry is caught. */
static double value(int64_t gi, int64_t gj) {
  double x = (double)(gi * 7919 + gj * 104729 % 1000003);
  return gi + gj / 1024.0 + 1e-3 * (x / 1000003.0) + 1.0 / (3.0 + (double)gi + 0.5 * (double)gj);
}

/* Patients with 1..7 regions each, samples of a patient interleaved with others (the cohort
 * order need not group a patient). Deterministic, identical on every rank. */
static int64_t make_patients(int npat, int32_t *patient, int64_t cap) {
  int64_t n = 0;
  for (int k = 0; k < npat; k++) {
    int regions = 1 + (k * 5 + 3) % 7;
    for (int r = 0; r < regions && n < cap; r++) patient[n++] = k;
  }
  uint64_t s = 12345;
  for (int64_t i = n - 1; i > 0; i--) { /* Fisher-Yates with an LCG */
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    int64_t j = (int64_t)((s >> 33) % (uint64_t)(i + 1));
    int32_t t = patient[i];
    patient[i] = patient[j];
    patient[j] = t;
  }
  /* patient indices must be 0.. in order of first appearance for the cohort convention */
  int32_t *map = malloc((size_t)npat * sizeof *map);
  int32_t next = 0;
  for (int k = 0; k < npat; k++) map[k] = -1;
  for (int64_t i = 0; i < n; i++) {
    if (map[patient[i]] < 0) map[patient[i]] = next++;
    patient[i] = map[patient[i]];
  }
  free(map);
  return n;
}

static void check_partition(const strata_partition_t *p, const int32_t *patient, int npat,
                            int nparts) {
  int64_t n = p->n;
  int *seen = calloc((size_t)n, sizeof *seen);
  int *ppart = malloc((size_t)npat * sizeof *ppart);
  double *pcost = calloc((size_t)npat, sizeof *pcost);
  for (int k = 0; k < npat; k++) ppart[k] = -1;
  int ok_order = 1, ok_intact = 1;
  for (int q = 0; q < nparts; q++) {
    const int64_t *rows = strata_partition_rows(p, q);
    for (int64_t k = 0; k < strata_partition_count(p, q); k++) {
      seen[rows[k]]++;
      if (p->part[rows[k]] != q) ok_order = 0;
      if (k > 0 && rows[k] <= rows[k - 1]) ok_order = 0;
    }
  }
  int once = 1;
  for (int64_t i = 0; i < n; i++) {
    if (seen[i] != 1) once = 0;
    pcost[patient[i]] += 1.0;
    if (ppart[patient[i]] < 0) ppart[patient[i]] = p->part[i];
    if (ppart[patient[i]] != p->part[i]) ok_intact = 0;
  }
  T_CHECK(once, "every sample in exactly one part");
  T_CHECK(ok_order, "order/offsets agree with part[] and ascend within a part");
  T_CHECK(ok_intact, "no patient split across parts");
  /* contiguous cuts by cost midpoints: a part exceeds the mean by at most one patient */
  double cmax = 0, total = 0, lmax = 0, lsum = 0;
  for (int k = 0; k < npat; k++) {
    if (pcost[k] > cmax) cmax = pcost[k];
    total += pcost[k];
  }
  for (int q = 0; q < nparts; q++) {
    lsum += p->load[q];
    if (p->load[q] > lmax) lmax = p->load[q];
  }
  T_CHECK(lsum == total, "loads sum to %g (got %g)", total, lsum);
  T_CHECK(lmax <= total / nparts + cmax + 1e-9, "balance: max load %g > mean %g + largest patient %g",
          lmax, total / nparts, cmax);
  T_NEAR(p->imbalance, lmax / (total / nparts), 1e-12, "imbalance");
  free(seen);
  free(ppart);
  free(pcost);
}

/* The m x n submatrix at (i0, j0) of the mb x nb block-cyclic `loc` (its values named by
 * value()) re-blocked by strata_pdgemr2d in pieces of `piece` elements into a fresh 3 x 2
 * block-cyclic array: every local entry must be the value the indexing formulas name, and
 * nothing outside the submatrix may be written. */
static void check_pieces(const strata_grid_t *g, const int desc[9], const double *loc, int i0,
                         int j0, int m, int n, int64_t piece) {
  int tdesc[9], zero = 0, info = 0, tmb = 3, tnb = 2;
  int locr = ref_numroc(m, tmb, g->myrow, g->nprow), locc = ref_numroc(n, tnb, g->mycol, g->npcol);
  int lld = locr > 1 ? locr : 1;
  descinit_(tdesc, &m, &n, &tmb, &tnb, &zero, &zero, &g->blacs_ctx, &lld, &info);
  T_CHECK(info == 0, "descinit %d x %d", m, n);
  double *t = malloc(((size_t)lld * (locc > 0 ? locc : 1) + 1) * sizeof *t);
  for (int64_t k = 0; k <= (int64_t)lld * locc; k++) t[k] = -1.0;
  strata_pdgemr2d(m, n, loc, i0 + 1, j0 + 1, desc, t, 1, 1, tdesc, g->blacs_ctx, piece);
  int bad = 0;
  for (int lj = 0; lj < locc; lj++)
    for (int li = 0; li < locr; li++) {
      int gi = ref_l2g(li, tmb, g->myrow, g->nprow), gj = ref_l2g(lj, tnb, g->mycol, g->npcol);
      if (t[(int64_t)lj * lld + li] != value(i0 + gi, j0 + gj)) bad++;
    }
  bad += t[(int64_t)lld * locc] != -1.0;
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_SUM, g->comm);
  T_CHECK(bad == 0, "pdgemr2d in pieces of %lld: %d entries wrong (%d x %d at (%d, %d), grid %dx%d)",
          (long long)piece, bad, m, n, i0, j0, g->nprow, g->npcol);
  free(t);
}

static void run_case(strata_grid_t *g, int npat, int64_t ncols) {
  int32_t patient[512];
  int64_t n = make_patients(npat, patient, 512);
  strata_partition_t *part = NULL;
  strata_dmat_t *m = NULL, *back = NULL;
  int st = strata_partition_patients(n, patient, npat, NULL, g->nprow, &part);
  T_CHECK(st == STRATA_OK, "partition");
  if (st) return;
  check_partition(part, patient, npat, g->nprow);
  st = strata_dmat_create(g, part, ncols, &m);
  T_CHECK(st == STRATA_OK, "dmat create");
  st = strata_dmat_create(g, part, ncols, &back);
  T_CHECK(st == STRATA_OK, "dmat create");
  if (!m || !back) goto done;
  /* the ranks of one grid column hold every sample exactly once */
  {
    int *cnt = calloc((size_t)n, sizeof *cnt);
    for (int64_t i = 0; i < m->mloc; i++) cnt[m->rows[i]]++;
    MPI_Allreduce(MPI_IN_PLACE, cnt, (int)n, MPI_INT, MPI_SUM, g->colcomm);
    int ok = 1;
    for (int64_t i = 0; i < n; i++) ok &= cnt[i] == 1;
    T_CHECK(ok, "grid column covers each sample once (%dx%d)", g->nprow, g->npcol);
    free(cnt);
  }
  for (int64_t j = 0; j < m->nloc; j++)
    for (int64_t i = 0; i < m->mloc; i++) m->a[j * m->mloc + i] = value(m->rows[i], m->col0 + j);

  const int blocks[][2] = {{1, 1}, {2, 3}, {4, 4}, {8, 5}, {3, 64}, {64, 64}};
  for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
    int mb = blocks[b][0], nb = blocks[b][1], desc[9];
    double *loc = NULL;
    st = strata_dmat_to_blockcyclic(m, mb, nb, desc, &loc);
    T_CHECK(st == STRATA_OK, "to_blockcyclic %dx%d", mb, nb);
    if (st) continue;
    int locr = ref_numroc((int)n, mb, g->myrow, g->nprow);
    int locc = ref_numroc((int)ncols, nb, g->mycol, g->npcol);
    T_CHECK(desc[2] == n && desc[3] == ncols && desc[4] == mb && desc[5] == nb &&
                desc[1] == g->blacs_ctx && desc[8] >= (locr > 1 ? locr : 1),
            "descriptor fields (lld %d, locr %d)", desc[8], locr);
    int bad = 0;
    for (int lj = 0; lj < locc; lj++)
      for (int li = 0; li < locr; li++) {
        int gi = ref_l2g(li, mb, g->myrow, g->nprow), gj = ref_l2g(lj, nb, g->mycol, g->npcol);
        if (loc[(int64_t)lj * desc[8] + li] != value(gi, gj)) bad++;
      }
    T_CHECK(bad == 0, "%d block-cyclic entries differ from the indexing formula (grid %dx%d, "
            "blocks %dx%d, %lld x %lld)", bad, g->nprow, g->npcol, mb, nb, (long long)n,
            (long long)ncols);
    if (b == 3) { /* pieces: several rows and columns each, a column at a time, one element */
      int i0 = n > 2 ? 1 : 0, j0 = ncols > 2 ? 1 : 0, sm = (int)n - i0, sn = (int)ncols - j0;
      const int64_t pieces[] = {STRATA_MR2D_PIECE, 2 * (int64_t)sm + 3, 5, 1};
      for (size_t q = 0; q < sizeof pieces / sizeof pieces[0]; q++)
        check_pieces(g, desc, loc, i0, j0, sm, sn, pieces[q]);
    }
    /* pieces smaller than the regular block: several columns each, then one column each */
    const int64_t small[] = {3 * ((n + g->nprow - 1) / g->nprow) + 1, 1};
    for (size_t q = 0; q < sizeof small / sizeof small[0]; q++) {
      int d2[9];
      double *l2 = NULL;
      st = strata_dmat_to_blockcyclic_pieces(m, mb, nb, d2, &l2, small[q]);
      T_CHECK(st == STRATA_OK, "to_blockcyclic in pieces of %lld", (long long)small[q]);
      if (st) continue;
      T_CHECK(memcmp(d2, desc, sizeof d2) == 0 &&
                  memcmp(l2, loc, (size_t)desc[8] * (locc > 0 ? locc : 0) * sizeof *l2) == 0,
              "pieces of %lld: the same block-cyclic array (grid %dx%d, blocks %dx%d)",
              (long long)small[q], g->nprow, g->npcol, mb, nb);
      for (int64_t k = 0; k < back->mloc * back->nloc; k++) back->a[k] = -1.0;
      st = strata_dmat_from_blockcyclic_pieces(back, desc, loc, small[q]);
      T_CHECK(st == STRATA_OK &&
                  memcmp(back->a, m->a, (size_t)(m->mloc * m->nloc) * sizeof(double)) == 0,
              "pieces of %lld: round trip bit-identical (grid %dx%d, blocks %dx%d)",
              (long long)small[q], g->nprow, g->npcol, mb, nb);
      free(l2);
    }
    for (int64_t k = 0; k < back->mloc * back->nloc; k++) back->a[k] = -1.0;
    st = strata_dmat_from_blockcyclic(back, desc, loc);
    T_CHECK(st == STRATA_OK, "from_blockcyclic");
    T_CHECK(memcmp(back->a, m->a, (size_t)(m->mloc * m->nloc) * sizeof(double)) == 0,
            "round trip bit-identical (grid %dx%d, blocks %dx%d)", g->nprow, g->npcol, mb, nb);
    if (b == 0) { /* a descriptor of another shape is refused on every rank */
      int wrong[9];
      memcpy(wrong, desc, sizeof wrong);
      wrong[2] += 1;
      st = strata_dmat_from_blockcyclic(back, wrong, loc);
      T_CHECK(st == STRATA_ERR_INTERNAL, "mismatched descriptor refused (%d)", st);
      strata_err_clear();
    }
    free(loc);
  }
  {
    int desc[9];
    double *loc = (double *)&desc; /* must be reset to NULL on failure */
    st = strata_dmat_to_blockcyclic(m, g->rank == 0 ? 0 : 2, 2, desc, &loc);
    T_CHECK(st == STRATA_ERR_INTERNAL && loc == NULL, "block size 0 on one rank fails everywhere (%d)",
            st);
    strata_err_clear();
  }
done:
  strata_dmat_destroy(&m);
  strata_dmat_destroy(&back);
  strata_partition_destroy(&part);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int shapes[][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {1, 4}, {4, 1}};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    if (shapes[s][0] * shapes[s][1] != size) continue;
    strata_grid_t *g = NULL;
    int st = strata_grid_create(MPI_COMM_WORLD, shapes[s][0], shapes[s][1], 0, 0, 0, &g);
    T_CHECK(st == STRATA_OK, "grid %dx%d", shapes[s][0], shapes[s][1]);
    if (st) continue;
    run_case(g, 12, 23);  /* ~50 samples, interleaved patients */
    run_case(g, 40, 7);   /* more samples than columns */
    run_case(g, 2, 9);    /* 2 patients: with 4 grid rows some parts are empty */
    run_case(g, 1, 1);    /* one patient, one feature */
    strata_grid_destroy(&g);
  }
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
