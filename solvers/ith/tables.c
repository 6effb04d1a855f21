/* The three ITH output tables in memory: growing row storage on each rank, the gather of every
 * rank's rows to one rank (in rank order, which is patient order), and destruction.  Formatting
 * and writing them (TSV, HDF5) is io/ith_results.c; the metrics are metrics.c. */
#include <stdlib.h>
#include <string.h>

#include "solvers/ith/ith_impl.h"

static const char *const region_labels[] = {"patient", "sample", "tumor"};
static const char *const pair_labels[] = {"patient", "unit", "a", "b"};
static const char *const patient_labels[] = {"patient"};

int ith_tables_new(strata_ith_tables_t **out) {
  int st = STRATA_OK;
  strata_ith_tables_t *tb = NULL;
  STRATA_CALLOC(tb, 1);
  tb->region = (strata_ith_table_t){.nlabels = 3, .label_names = region_labels,
                                    .ncols = STRATA_ITH_NREG, .col_names = strata_ith_region_cols};
  tb->pair = (strata_ith_table_t){.nlabels = 4, .label_names = pair_labels,
                                  .ncols = STRATA_ITH_NPAIR, .col_names = strata_ith_pair_cols};
  tb->patient = (strata_ith_table_t){.nlabels = 1, .label_names = patient_labels,
                                     .ncols = STRATA_ITH_NPAT, .col_names = strata_ith_patient_cols};
cleanup:
  *out = tb;
  return st;
}

int ith_table_append(strata_ith_table_t *b, const char *labels, const double *values) {
  int st = STRATA_OK;
  size_t n = strlen(labels);
  if (b->labels_len + n + 1 > b->labels_cap) {
    size_t nc = b->labels_cap ? b->labels_cap : 4096;
    while (nc < b->labels_len + n + 1) nc *= 2;
    char *p = realloc(b->labels, nc);
    if (!p) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    b->labels = p;
    b->labels_cap = nc;
  }
  memcpy(b->labels + b->labels_len, labels, n + 1);
  b->labels_len += n;
  if ((b->nrows + 1) * b->ncols > b->values_cap) {
    int64_t nc = b->values_cap ? b->values_cap : 1024;
    while (nc < (b->nrows + 1) * b->ncols) nc *= 2;
    double *p = realloc(b->values, (size_t)nc * sizeof *p);
    if (!p) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    b->values = p;
    b->values_cap = nc;
  }
  memcpy(b->values + b->nrows * b->ncols, values, (size_t)b->ncols * sizeof *values);
  b->nrows++;
cleanup:
  return st;
}

static void table_free(strata_ith_table_t *b) {
  free(b->labels);
  free(b->values);
  b->labels = NULL;
  b->values = NULL;
  b->labels_len = b->labels_cap = 0;
  b->nrows = b->values_cap = 0;
}

void strata_ith_tables_destroy(strata_ith_tables_t **tb) {
  if (!tb || !*tb) return;
  table_free(&(*tb)->region);
  table_free(&(*tb)->pair);
  table_free(&(*tb)->patient);
  free(*tb);
  *tb = NULL;
}

/* Gather one table to root in rank order.  Every rank learns every rank's sizes first (one
 * allgather), so the size checks come out the same everywhere and no rank is left waiting. */
static int table_gather(MPI_Comm comm, int root, strata_ith_table_t *b) {
  int st = STRATA_OK, rank, size;
  int64_t mine[3] = {(int64_t)b->labels_len, b->nrows * b->ncols, b->nrows}, *all = NULL;
  int *cnt = NULL, *dsp = NULL, *ncnt = NULL, *ndsp = NULL;
  char *txt = NULL;
  double *num = NULL;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  all = malloc(3 * (size_t)size * sizeof *all);
  cnt = malloc((size_t)size * sizeof *cnt);
  dsp = malloc((size_t)size * sizeof *dsp);
  ncnt = malloc((size_t)size * sizeof *ncnt);
  ndsp = malloc((size_t)size * sizeof *ndsp);
  if (!all || !cnt || !dsp || !ncnt || !ndsp)
    st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  STRATA_CHECK(strata_agree(comm, st)); /* before the first collective */
  STRATA_MPI_CHECK(MPI_Allgather(mine, 3, MPI_INT64_T, all, 3, MPI_INT64_T, comm));
  int64_t tot = 0, totn = 0, rows = 0;
  for (int r = 0; r < size; r++) {
    dsp[r] = (int)(tot < INT32_MAX ? tot : 0);
    ndsp[r] = (int)(totn < INT32_MAX ? totn : 0);
    cnt[r] = (int)(all[3 * r] < INT32_MAX ? all[3 * r] : 0);
    ncnt[r] = (int)(all[3 * r + 1] < INT32_MAX ? all[3 * r + 1] : 0);
    tot += all[3 * r];
    totn += all[3 * r + 1];
    rows += all[3 * r + 2];
  }
  if (tot >= INT32_MAX || totn >= INT32_MAX)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "ith: a gathered table exceeds 2^31 bytes or values");
  if (rank == root) {
    txt = malloc((size_t)tot + 1);
    num = malloc((size_t)(totn ? totn : 1) * sizeof *num);
    if (!txt || !num)
      st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__,
                          "out of memory gathering %lld ITH rows", (long long)rows);
  }
  STRATA_CHECK(strata_agree(comm, st)); /* root could not allocate: nobody enters the gathers */
  STRATA_MPI_CHECK(MPI_Gatherv(b->labels ? b->labels : "", (int)mine[0], MPI_CHAR, txt, cnt, dsp,
                               MPI_CHAR, root, comm));
  STRATA_MPI_CHECK(MPI_Gatherv(b->values, (int)mine[1], MPI_DOUBLE, num, ncnt, ndsp, MPI_DOUBLE,
                               root, comm));
  table_free(b);
  if (rank == root) {
    txt[tot] = '\0';
    b->labels = txt;
    b->labels_len = (size_t)tot;
    b->labels_cap = (size_t)tot + 1;
    b->values = num;
    b->values_cap = totn;
    b->nrows = rows;
    txt = NULL;
    num = NULL;
  }
cleanup:
  free(all);
  free(cnt);
  free(dsp);
  free(ncnt);
  free(ndsp);
  free(txt);
  free(num);
  return st;
}

int strata_ith_tables_gather(MPI_Comm comm, int root, strata_ith_tables_t *tb) {
  int st = STRATA_OK;
  STRATA_CHECK(table_gather(comm, root, &tb->region));
  STRATA_CHECK(table_gather(comm, root, &tb->pair));
  STRATA_CHECK(table_gather(comm, root, &tb->patient));
cleanup:
  return strata_agree(comm, st);
}
