/* Redistribution between the distributed matrix (rows by a patient partition over grid rows,
 * balanced column blocks over grid columns) and ScaLAPACK block-cyclic layouts on the grid's
 * BLACS context.  The way goes through a "regular" layout with one block per process
 * (MB = ceil(M/nprow), NB = ceil(N/npcol)), which is itself block-cyclic: one MPI_Alltoallv
 * moves the irregular row sets into it, then pdgemr2d re-blocks it to any mb x nb.
 * Not for moving data between two dmat partitions, and not for matrices on other grids. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "partition/redist_impl.h"
#include "strata/dmat.h"

/* Everything both directions need: who owns each global row, the regular block of this rank,
 * and the per-rank element counts of the one Alltoallv (dm_* = my dmat block's side,
 * rg_* = my regular block's side), all computed locally from the row->part map so no counts
 * are exchanged. */
typedef struct plan {
  int M, N, MB, NB;
  int r0, locr, c0, locc, lld;   /* my regular block: rows [r0, r0+locr), cols [c0, c0+locc) */
  int32_t *part_of;              /* [M] grid row owning each global row */
  int *byp_off;                  /* [nprow+1] my regular rows grouped by owning part ... */
  int *byp_row;                  /* [locr] ... as local row indices, ascending within a part */
  int *dm_rfirst, *dm_rcount;    /* [nprow] my dmat local rows falling in regular row block R */
  int *dm_cfirst, *dm_ccount;    /* [npcol] my dmat local cols falling in regular col block C */
  int *rg_cfirst, *rg_ccount;    /* [npcol] my regular local cols held by dmat grid column c */
  int *dm_counts, *dm_displs;    /* [size] */
  int *rg_counts, *rg_displs;    /* [size] */
} plan_t;

static void plan_free(plan_t *p) {
  free(p->part_of);
  free(p->byp_off);
  free(p->byp_row);
  free(p->dm_rfirst);
  free(p->dm_rcount);
  free(p->dm_cfirst);
  free(p->dm_ccount);
  free(p->rg_cfirst);
  free(p->rg_ccount);
  free(p->dm_counts);
  free(p->dm_displs);
  free(p->rg_counts);
  free(p->rg_displs);
  memset(p, 0, sizeof *p);
}

/* [start, start+count) of block b when n items are cut into blocks of size bs. */
static void reg_range(int64_t n, int64_t bs, int b, int64_t *start, int64_t *count) {
  int64_t s = (int64_t)b * bs;
  *start = s < n ? s : n;
  *count = s < n ? (n - s < bs ? n - s : bs) : 0;
}

/* Intersection of [a0, a0+an) and [b0, b0+bn): first index relative to a0, and length. */
static void intersect(int64_t a0, int64_t an, int64_t b0, int64_t bn, int *first, int *count) {
  int64_t lo = a0 > b0 ? a0 : b0, hi = a0 + an < b0 + bn ? a0 + an : b0 + bn;
  *first = (int)(lo - a0);
  *count = hi > lo ? (int)(hi - lo) : 0;
}

/* Local checks of the shapes, before any collective. */
static int plan_check(const strata_dmat_t *m) {
  int st = STRATA_OK;
  if (m->nrows > INT_MAX || m->ncols > INT_MAX)
    STRATA_FAIL(STRATA_ERR_INPUT,
                "redist: a %lld x %lld matrix exceeds ScaLAPACK's 32-bit dimensions",
                (long long)m->nrows, (long long)m->ncols);
  if (m->mloc * m->nloc > INT_MAX)
    STRATA_FAIL(STRATA_ERR_INPUT,
                "redist: a local block of %lld x %lld exceeds MPI's int counts",
                (long long)m->mloc, (long long)m->nloc);
cleanup:
  return st;
}

/* the pieces run down columns, then across: see mpi/scalapack_proto.h for why */
void strata_pdgemr2d(int m, int n, const double *a, int ia, int ja, const int *desca, double *b,
                     int ib, int jb, const int *descb, int ctx, int64_t piece) {
  if (m <= 0 || n <= 0) return;
  if (piece < 1) piece = 1;
  int rows = (int64_t)m < piece ? m : (int)piece;
  int64_t c = piece / rows;
  int cols = c < n ? (int)c : n;
  if (cols < 1) cols = 1;
  for (int j = 0; j < n; j += cols)
    for (int i = 0; i < m; i += rows) {
      int pm = m - i < rows ? m - i : rows, pn = n - j < cols ? n - j : cols;
      int sa = ia + i, ta = ja + j, sb = ib + i, tb = jb + j;
      pdgemr2d_(&pm, &pn, a, &sa, &ta, desca, b, &sb, &tb, descb, &ctx);
    }
}

/* Collective over grid->comm: build the plan.  The row->part map comes from an Allgatherv of
 * every grid row's row indices over the column communicator (O(M) integers per rank, the same
 * order as the cohort's sample ids that every rank holds anyway). */
static int plan_create(const strata_dmat_t *m, plan_t *p) {
  int st = STRATA_OK;
  const strata_grid_t *g = m->grid;
  int *cnt = NULL, *dsp = NULL;
  int64_t *allrows = NULL;
  int *fill = NULL;
  memset(p, 0, sizeof *p);
  st = strata_agree(g->comm, plan_check(m));
  if (st) goto cleanup;
  p->M = (int)m->nrows;
  p->N = (int)m->ncols;
  p->MB = p->M > 0 ? (p->M + g->nprow - 1) / g->nprow : 1;
  p->NB = p->N > 0 ? (p->N + g->npcol - 1) / g->npcol : 1;
  {
    int64_t s, c;
    reg_range(p->M, p->MB, g->myrow, &s, &c);
    p->r0 = (int)s;
    p->locr = (int)c;
    reg_range(p->N, p->NB, g->mycol, &s, &c);
    p->c0 = (int)s;
    p->locc = (int)c;
    p->lld = p->locr > 1 ? p->locr : 1;
  }
  {
    int lst = STRATA_OK;
    if ((int64_t)p->locr * p->locc > INT_MAX)
      lst = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "redist: a regular block of %d x %d exceeds MPI's int counts", p->locr,
                           p->locc);
    cnt = malloc((size_t)g->nprow * sizeof *cnt);
    dsp = malloc((size_t)g->nprow * sizeof *dsp);
    allrows = malloc(((size_t)p->M + 1) * sizeof *allrows);
    p->part_of = malloc(((size_t)p->M + 1) * sizeof *p->part_of);
    if (!lst && (!cnt || !dsp || !allrows || !p->part_of))
      lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__,
                           "redist: out of memory for the row map of %d rows", p->M);
    st = strata_agree(g->comm, lst);
    if (st) goto cleanup;
  }
  int mloc = (int)m->mloc;
  STRATA_MPI_CHECK(MPI_Allgather(&mloc, 1, MPI_INT, cnt, 1, MPI_INT, g->colcomm));
  {
    int64_t tot = 0;
    for (int r = 0; r < g->nprow; r++) {
      dsp[r] = (int)tot;
      tot += cnt[r];
    }
    /* same numbers on every rank of the column, and the columns hold the same partition */
    if (tot != p->M)
      STRATA_FAIL(STRATA_ERR_INTERNAL, "redist: grid rows hold %lld rows, matrix has %d",
                  (long long)tot, p->M);
  }
  STRATA_MPI_CHECK(MPI_Allgatherv(m->rows, mloc, MPI_INT64_T, allrows, cnt, dsp, MPI_INT64_T,
                                  g->colcomm));
  for (int i = 0; i < p->M; i++) p->part_of[i] = -1;
  for (int r = 0; r < g->nprow; r++)
    for (int k = 0; k < cnt[r]; k++) {
      int64_t gi = allrows[dsp[r] + k];
      if (gi < 0 || gi >= p->M || p->part_of[gi] != -1)
        STRATA_FAIL(STRATA_ERR_INTERNAL, "redist: row %lld is out of range or held twice",
                    (long long)gi);
      p->part_of[gi] = r;
    }

  /* my regular rows grouped by the part that owns them (counting sort keeps them ascending) */
  STRATA_CALLOC(p->byp_off, g->nprow + 1);
  STRATA_MALLOC(p->byp_row, p->locr);
  STRATA_CALLOC(fill, g->nprow);
  for (int i = 0; i < p->locr; i++) p->byp_off[p->part_of[p->r0 + i] + 1]++;
  for (int r = 0; r < g->nprow; r++) p->byp_off[r + 1] += p->byp_off[r];
  for (int i = 0; i < p->locr; i++) {
    int r = p->part_of[p->r0 + i];
    p->byp_row[p->byp_off[r] + fill[r]++] = i;
  }

  /* my dmat rows are ascending, so those inside one regular row block are a contiguous run */
  STRATA_CALLOC(p->dm_rfirst, g->nprow);
  STRATA_CALLOC(p->dm_rcount, g->nprow);
  for (int i = 0; i < mloc; i++) {
    int R = (int)(m->rows[i] / p->MB);
    if (p->dm_rcount[R]++ == 0) p->dm_rfirst[R] = i;
  }
  STRATA_CALLOC(p->dm_cfirst, g->npcol);
  STRATA_CALLOC(p->dm_ccount, g->npcol);
  STRATA_CALLOC(p->rg_cfirst, g->npcol);
  STRATA_CALLOC(p->rg_ccount, g->npcol);
  for (int C = 0; C < g->npcol; C++) {
    int64_t s, c;
    reg_range(p->N, p->NB, C, &s, &c);
    intersect(m->col0, m->nloc, s, c, &p->dm_cfirst[C], &p->dm_ccount[C]);
    strata_block_range(p->N, g->npcol, C, &s, &c);
    intersect(p->c0, p->locc, s, c, &p->rg_cfirst[C], &p->rg_ccount[C]);
  }
  STRATA_MALLOC(p->dm_counts, g->size);
  STRATA_MALLOC(p->dm_displs, g->size);
  STRATA_MALLOC(p->rg_counts, g->size);
  STRATA_MALLOC(p->rg_displs, g->size);
  {
    int64_t dtot = 0, rtot = 0;
    for (int d = 0; d < g->size; d++) {
      int R = d / g->npcol, C = d % g->npcol; /* rank d sits at (R, C), row-major */
      p->dm_counts[d] = p->dm_rcount[R] * p->dm_ccount[C];
      p->dm_displs[d] = (int)dtot;
      dtot += p->dm_counts[d];
      p->rg_counts[d] = (p->byp_off[R + 1] - p->byp_off[R]) * p->rg_ccount[C];
      p->rg_displs[d] = (int)rtot;
      rtot += p->rg_counts[d];
    }
    if (dtot != m->mloc * m->nloc || rtot != (int64_t)p->locr * p->locc)
      STRATA_FAIL(STRATA_ERR_INTERNAL, "redist: plan covers %lld/%lld and %lld/%lld elements",
                  (long long)dtot, (long long)(m->mloc * m->nloc), (long long)rtot,
                  (long long)p->locr * p->locc);
  }
cleanup:
  free(cnt);
  free(dsp);
  free(allrows);
  free(fill);
  st = strata_agree(g->comm, st);
  if (st) plan_free(p);
  return st;
}

/* Record a failed MPI call (not collective); STRATA_OK on success. */
static int mpi_status(int rc) {
  if (rc == MPI_SUCCESS) return STRATA_OK;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  return strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "redist: MPI_Alltoallv: %s",
                        msg);
}

/* dmat block <-> Alltoallv buffer (dest-major, then column-major within the piece). */
static void pack_dmat(const strata_dmat_t *m, const plan_t *p, double *buf, int to_buf) {
  const strata_grid_t *g = m->grid;
  for (int d = 0; d < g->size; d++) {
    int R = d / g->npcol, C = d % g->npcol;
    double *b = buf + p->dm_displs[d];
    for (int j = p->dm_cfirst[C]; j < p->dm_cfirst[C] + p->dm_ccount[C]; j++) {
      double *col = m->a + (int64_t)j * m->mloc; /* m is const, its block is not */
      for (int i = p->dm_rfirst[R]; i < p->dm_rfirst[R] + p->dm_rcount[R]; i++) {
        if (to_buf)
          *b++ = col[i];
        else
          col[i] = *b++;
      }
    }
  }
}

/* regular block <-> Alltoallv buffer, in the order the dmat side packs: for the rank at
 * (r, c), columns of grid column c ascending, rows owned by part r ascending. */
static void pack_regular(const strata_grid_t *g, const plan_t *p, double *reg, double *buf,
                         int to_buf) {
  for (int s = 0; s < g->size; s++) {
    int r = s / g->npcol, c = s % g->npcol;
    double *b = buf + p->rg_displs[s];
    for (int j = p->rg_cfirst[c]; j < p->rg_cfirst[c] + p->rg_ccount[c]; j++) {
      double *col = reg + (int64_t)j * p->lld;
      for (int k = p->byp_off[r]; k < p->byp_off[r + 1]; k++) {
        if (to_buf)
          *b++ = col[p->byp_row[k]];
        else
          col[p->byp_row[k]] = *b++;
      }
    }
  }
}

/* descinit for an M x N array with mb x nb blocks on ctx; lld from numroc. */
static int make_desc(const plan_t *p, int mb, int nb, int ctx, const strata_grid_t *g,
                     int desc[9], int *locr, int *locc) {
  int st = STRATA_OK, zero = 0, info = 0;
  *locr = numroc_(&p->M, &mb, &g->myrow, &zero, &g->nprow);
  *locc = numroc_(&p->N, &nb, &g->mycol, &zero, &g->npcol);
  int lld = *locr > 1 ? *locr : 1;
  descinit_(desc, &p->M, &p->N, &mb, &nb, &zero, &zero, &ctx, &lld, &info);
  if (info != 0)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "redist: descinit failed (info %d) for %d x %d, blocks %dx%d",
                info, p->M, p->N, mb, nb);
cleanup:
  return st;
}

/* pdgemr2d between the regular block `reg` (rdesc) and the block-cyclic array `bc` (desc), in
 * the direction `from_reg` says.  ScaLAPACK sizes its buffers from the offset of a submatrix
 * inside its first block plus its width, in int bytes, so a regular block past 2 GiB (one
 * block per process: 1644 x 200,000 on one rank is 2.6 GB) cannot be cut into submatrices of
 * itself.  Instead each piece of columns [t, t+w) of process column c's block is described as
 * an M x w matrix of its own on process column c (CSRC = c), based at column t of the block. */
static void regular_mr2d(const strata_grid_t *g, const plan_t *p, double *reg,
                         const int rdesc[9], double *bc, const int desc[9], int from_reg,
                         int64_t piece) {
  int one = 1;
  if (p->M <= 0 || p->N <= 0) return;
  if ((int64_t)p->MB * p->NB <= piece) {
    if (from_reg)
      strata_pdgemr2d(p->M, p->N, reg, 1, 1, rdesc, bc, 1, 1, desc, g->blacs_ctx, piece);
    else
      strata_pdgemr2d(p->M, p->N, bc, 1, 1, desc, reg, 1, 1, rdesc, g->blacs_ctx, piece);
    return;
  }
  int64_t w64 = piece / p->MB;
  int w = w64 < 1 ? 1 : w64 < p->NB ? (int)w64 : p->NB;
  for (int c = 0; c < g->npcol; c++) {
    int64_t s, cnt;
    reg_range(p->N, p->NB, c, &s, &cnt);
    for (int64_t t = 0; t < cnt; t += w) {
      int pw = (int)(cnt - t < w ? cnt - t : w), vdesc[9], zero = 0, info = 0, jb = (int)(s + t) + 1;
      descinit_(vdesc, &p->M, &pw, &p->MB, &pw, &zero, &c, &g->blacs_ctx, &p->lld, &info);
      double *v = reg + (g->mycol == c ? t * p->lld : 0);
      if (from_reg)
        pdgemr2d_(&p->M, &pw, v, &one, &one, vdesc, bc, &one, &jb, desc, &g->blacs_ctx);
      else
        pdgemr2d_(&p->M, &pw, bc, &one, &jb, desc, v, &one, &one, vdesc, &g->blacs_ctx);
    }
  }
}

/* Allocate n doubles (zeroed when zero != 0) or record an out-of-memory error; not collective. */
static int alloc_doubles(double **p, int64_t n, int zero, const char *what) {
  *p = zero ? calloc((size_t)n + 1, sizeof **p) : malloc(((size_t)n + 1) * sizeof **p);
  if (*p) return STRATA_OK;
  return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__,
                        "redist: out of memory for %lld doubles (%s)", (long long)n, what);
}

/* Memory: besides the dmat, at most the send and receive buffers plus the regular block at a
 * time, then the regular block plus the block-cyclic piece. */
int strata_dmat_to_blockcyclic(const strata_dmat_t *m, int mb, int nb, int desc[9],
                               double **local) {
  return strata_dmat_to_blockcyclic_pieces(m, mb, nb, desc, local, STRATA_MR2D_PIECE);
}

int strata_dmat_to_blockcyclic_pieces(const strata_dmat_t *m, int mb, int nb, int desc[9],
                                      double **local, int64_t piece) {
  int st = STRATA_OK, lst = STRATA_OK;
  const strata_grid_t *g = m->grid;
  plan_t p;
  double *send = NULL, *recv = NULL, *reg = NULL, *out = NULL;
  int rdesc[9], locr = 0, locc = 0;
  *local = NULL;
  memset(&p, 0, sizeof p);
  if (mb < 1 || nb < 1)
    lst = strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                         "redist: block size %d x %d", mb, nb);
  st = strata_agree(g->comm, lst);
  if (st) return st;
  STRATA_CHECK(plan_create(m, &p));
  lst = alloc_doubles(&send, m->mloc * m->nloc, 0, "send buffer");
  if (!lst) lst = alloc_doubles(&recv, (int64_t)p.locr * p.locc, 0, "receive buffer");
  if (!lst) lst = alloc_doubles(&reg, (int64_t)p.lld * p.locc, 1, "regular block");
  if (!lst) lst = make_desc(&p, p.MB, p.NB, g->blacs_ctx, g, rdesc, &locr, &locc);
  if (!lst && (locr != p.locr || locc != p.locc))
    lst = strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                         "redist: regular block %dx%d, numroc says %dx%d", p.locr, p.locc, locr,
                         locc);
  st = strata_agree(g->comm, lst);
  if (st) goto cleanup;
  pack_dmat(m, &p, send, 1);
  lst = mpi_status(MPI_Alltoallv(send, p.dm_counts, p.dm_displs, MPI_DOUBLE, recv, p.rg_counts,
                                 p.rg_displs, MPI_DOUBLE, g->comm));
  free(send);
  send = NULL;
  if (!lst) pack_regular(g, &p, reg, recv, 0);
  free(recv);
  recv = NULL;
  if (!lst) lst = make_desc(&p, mb, nb, g->blacs_ctx, g, desc, &locr, &locc);
  if (!lst) lst = alloc_doubles(&out, (int64_t)desc[8] * locc, 1, "block-cyclic piece");
  /* one failing rank must not leave the others inside pdgemr2d */
  st = strata_agree(g->comm, lst);
  if (st) goto cleanup;
  regular_mr2d(g, &p, reg, rdesc, out, desc, 1, piece);
  *local = out;
  out = NULL;
cleanup:
  free(send);
  free(recv);
  free(reg);
  free(out);
  plan_free(&p);
  return st;
}

/* Memory: besides the dmat and the block-cyclic piece, the regular block plus the send buffer,
 * then the send and receive buffers. */
int strata_dmat_from_blockcyclic(strata_dmat_t *m, const int desc[9], const double *local) {
  return strata_dmat_from_blockcyclic_pieces(m, desc, local, STRATA_MR2D_PIECE);
}

int strata_dmat_from_blockcyclic_pieces(strata_dmat_t *m, const int desc[9], const double *local,
                                        int64_t piece) {
  int st = STRATA_OK, lst = STRATA_OK;
  const strata_grid_t *g = m->grid;
  plan_t p;
  double *send = NULL, *recv = NULL, *reg = NULL;
  int rdesc[9], locr = 0, locc = 0;
  memset(&p, 0, sizeof p);
  if (desc[0] != 1 || desc[1] != g->blacs_ctx || desc[2] != m->nrows || desc[3] != m->ncols)
    lst = strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                         "redist: descriptor (type %d, context %d, %d x %d) does not match the "
                         "%lld x %lld matrix on context %d",
                         desc[0], desc[1], desc[2], desc[3], (long long)m->nrows,
                         (long long)m->ncols, g->blacs_ctx);
  st = strata_agree(g->comm, lst);
  if (st) return st;
  STRATA_CHECK(plan_create(m, &p));
  lst = alloc_doubles(&reg, (int64_t)p.lld * p.locc, 1, "regular block");
  if (!lst) lst = make_desc(&p, p.MB, p.NB, g->blacs_ctx, g, rdesc, &locr, &locc);
  st = strata_agree(g->comm, lst);
  if (st) goto cleanup;
  regular_mr2d(g, &p, reg, rdesc, (double *)local, desc, 0, piece);
  lst = alloc_doubles(&send, (int64_t)p.locr * p.locc, 0, "send buffer");
  if (!lst) pack_regular(g, &p, reg, send, 1);
  free(reg);
  reg = NULL;
  if (!lst) lst = alloc_doubles(&recv, m->mloc * m->nloc, 0, "receive buffer");
  st = strata_agree(g->comm, lst);
  if (st) goto cleanup;
  st = strata_agree(g->comm, mpi_status(MPI_Alltoallv(send, p.rg_counts, p.rg_displs, MPI_DOUBLE,
                                                      recv, p.dm_counts, p.dm_displs, MPI_DOUBLE,
                                                      g->comm)));
  if (st) goto cleanup;
  pack_dmat(m, &p, recv, 0);
cleanup:
  free(send);
  free(recv);
  free(reg);
  plan_free(&p);
  return st;
}
