/* Cohort writer + reader round trip at any rank count: a planted cohort (float64 view with all
 * samples, float32 view with a third of the samples absent, a view without X, numeric and string
 * covariates) is written in parallel blocks, then read back as distributed matrices over every
 * grid shape of the rank count and compared entry by entry with the closed-form values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "check.h"
#include "strata/cohort.h"
#include "strata/util.h"

#define OK(x) T_CHECK((x) == STRATA_OK, "%s: %s", #x, strata_err_msg())
#define NOBS 23
#define NA 17
#define NB 9

static double val_a(int64_t i, int64_t j) { return sin((double)(i * 31 + j)) * 1e3; }
static double val_b(int64_t r, int64_t j) { return (double)r * 0.5 - (double)j * 0.25; }
static int has_b(int64_t i) { return i % 3 != 1; }

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  char path[256];
  snprintf(path, sizeof path, "cohort_np%d.h5mu", size);
  char *obs[NOBS], *pat[NOBS], *site[NOBS], *vara[NA], *varb[NB];
  double age[NOBS];
  int npat = 0;
  for (int i = 0; i < NOBS; i++) {
    /* patients of 1, 2, 3, 4, 1, 2, ... regions */
    static int left = 0;
    if (left == 0) left = npat % 4 + 1, npat++;
    left--;
    obs[i] = malloc(32);
    pat[i] = malloc(32);
    site[i] = malloc(32);
    snprintf(obs[i], 32, "S%02d", i);
    snprintf(pat[i], 32, "P%d", npat - 1);
    snprintf(site[i], 32, "site-%c", 'a' + i % 3);
    age[i] = i == 5 ? NAN : 40 + i;
  }
  for (int j = 0; j < NA; j++) vara[j] = malloc(16), snprintf(vara[j], 16, "a%d", j);
  for (int j = 0; j < NB; j++) varb[j] = malloc(16), snprintf(varb[j], 16, "b%d", j);
  strata_column_t cols[2] = {{"age", 1, NULL, age}, {"site", 0, site, NULL}};
  uint32_t mapa[NOBS], mapb[NOBS], nb = 0;
  for (int i = 0; i < NOBS; i++) {
    mapa[i] = (uint32_t)i + 1;
    mapb[i] = has_b(i) ? ++nb : 0;
  }
  strata_cohort_writer_t *w = NULL;
  int va = -1, vb = -1, vc = -1;
  OK(strata_cohort_writer_create(comm, path, NOBS, obs, pat, 2, cols, &w));
  OK(strata_cohort_writer_add_view(w, "alpha", mapa, NA, vara, 8, "gaussian", &va));
  /* alpha: row blocks per rank, written in two calls each (the second is empty on some ranks) */
  int64_t r0, nr;
  strata_block_range(NOBS, size, rank, &r0, &nr);
  double *blk = malloc(sizeof(double) * (size_t)(NOBS * NA));
  for (int64_t h = 0; h < 2; h++) {
    int64_t s0 = r0 + (h ? nr / 2 : 0), sn = h ? nr - nr / 2 : nr / 2;
    for (int64_t i = 0; i < sn; i++)
      for (int j = 0; j < NA; j++) blk[i * NA + j] = val_a(s0 + i, j);
    OK(strata_cohort_writer_write_block(w, va, s0, sn, 0, NA, blk));
  }
  OK(strata_cohort_writer_add_view(w, "beta", mapb, NB, varb, 4, NULL, &vb));
  /* beta: column blocks per rank */
  int64_t c0, nc;
  strata_block_range(NB, size, rank, &c0, &nc);
  for (int64_t r = 0; r < nb; r++)
    for (int64_t j = 0; j < nc; j++) blk[r * nc + j] = val_b(r, c0 + j);
  OK(strata_cohort_writer_write_block(w, vb, 0, nb, c0, nc, blk));
  OK(strata_cohort_writer_add_view(w, "noX", mapb, 2, varb, 0, NULL, &vc));
  T_CHECK(strata_cohort_writer_file(w) >= 0, "writer_file");
  char tmp[512];
  OK(strata_cohort_writer_commit(&w));
  T_CHECK(w == NULL && access(path, F_OK) == 0, "committed");

  /* an aborted writer leaves nothing */
  char apath[300];
  snprintf(apath, sizeof apath, "aborted_np%d.h5mu", size);
  OK(strata_cohort_writer_create(comm, apath, NOBS, obs, pat, 0, NULL, &w));
  OK(strata_cohort_writer_add_view(w, "alpha", mapa, NA, vara, 8, NULL, &va));
  long pid = (long)getpid();
  MPI_Bcast(&pid, 1, MPI_LONG, 0, comm);
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", apath, pid);
  T_CHECK(access(tmp, F_OK) == 0, "temporary exists while writing");
  MPI_Barrier(comm);
  strata_cohort_writer_abort(&w);
  T_CHECK(w == NULL && access(tmp, F_OK) != 0 && access(apath, F_OK) != 0, "abort leaves no file");

  strata_cohort_t *c = NULL;
  OK(strata_cohort_open(comm, path, NULL, 0, &c));
  if (c) {
    T_CHECK(c->nobs == NOBS && c->npatients == npat && c->nviews == 3, "shape %lld %lld %d", (long long)c->nobs, (long long)c->npatients, c->nviews);
    T_CHECK(strcmp(c->patient_column, "patient") == 0, "patient column");
    for (int i = 0; i < NOBS; i++) {
      T_CHECK(strcmp(c->obs_names[i], obs[i]) == 0, "obs %d", i);
      T_CHECK(strcmp(c->patient_names[c->patient[i]], pat[i]) == 0, "patient %d", i);
    }
    T_CHECK(c->ncols == 2 && c->cols[0].is_numeric && !c->cols[1].is_numeric, "columns");
    T_CHECK(c->cols[0].str[5] == NULL && isnan(c->cols[0].num[5]) && c->cols[0].num[6] == 46, "age");
    T_CHECK(strcmp(c->cols[1].str[4], "site-b") == 0, "site");
    int ia = strata_cohort_find_view(c, "alpha"), ib = strata_cohort_find_view(c, "beta");
    T_CHECK(ia == 0 && ib == 1 && strata_cohort_find_view(c, "noX") == 2, "mod-order");
    T_CHECK(c->views[ib].dtype_bytes == 4 && c->views[ia].dtype_bytes == 8 && c->views[2].dtype_bytes == 0, "dtypes");
    T_CHECK(c->views[ia].likelihood && strcmp(c->views[ia].likelihood, "gaussian") == 0 && !c->views[ib].likelihood, "likelihood");
    T_CHECK(c->views[ib].nrows == nb && c->views[2].nrows == nb, "rows of beta");
    for (int i = 0; i < NOBS; i++) T_CHECK(c->views[ib].obsmap[i] == mapb[i], "obsmap %d", i);
    T_CHECK(strcmp(c->views[ib].var_names[3], "b3") == 0, "var names");
    /* read over every grid shape */
    for (int pr = 1; pr <= size; pr++) {
      if (size % pr) continue;
      strata_grid_t *g = NULL;
      strata_partition_t *part = NULL;
      OK(strata_grid_create(comm, pr, size / pr, NOBS, NA, 0, &g));
      OK(strata_partition_patients(c->nobs, c->patient, c->npatients, NULL, pr, &part));
      for (int v = 0; v < 2; v++) {
        strata_dmat_t *m = NULL;
        double *full = NULL;
        OK(strata_cohort_read_view(c, v, g, part, &m));
        for (int64_t i = 0; m && i < m->mloc; i++)
          T_CHECK(m->present[i] == (v == 0 || has_b(m->rows[i])), "present");
        OK(strata_dmat_gather(m, 0, &full));
        if (rank == 0 && full) {
          int bad = 0;
          int64_t n = v == 0 ? NA : NB;
          for (int64_t i = 0; i < NOBS; i++)
            for (int64_t j = 0; j < n; j++) {
              double got = full[j * NOBS + i];
              double want = v == 0 ? val_a(i, j) : has_b(i) ? (double)(float)val_b(mapb[i] - 1, j) : NAN;
              if (!(got == want || (isnan(got) && isnan(want)))) bad++;
            }
          T_CHECK(bad == 0, "grid %dx%d view %d: %d wrong entries", pr, size / pr, v, bad);
        }
        free(full);
        strata_dmat_destroy(&m);
      }
      strata_dmat_t *m = NULL;
      T_CHECK(strata_cohort_read_view(c, 2, g, part, &m) == STRATA_ERR_INPUT && !m, "view without X");
      strata_err_clear();
      strata_partition_destroy(&part);
      strata_grid_destroy(&g);
    }
  }
  strata_cohort_close(&c);
  T_CHECK(c == NULL, "close");
  free(blk);
  for (int i = 0; i < NOBS; i++) free(obs[i]), free(pat[i]), free(site[i]);
  for (int j = 0; j < NA; j++) free(vara[j]);
  for (int j = 0; j < NB; j++) free(varb[j]);
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
