/* Test helper: open a cohort at any rank count, read every view with strata_cohort_read_view on
 * the grid given by --grid-like argv[3] ("RxC", default chosen), gather to rank 0 and write a
 * text dump that the Python tests compare with their own parse of the inputs:
 *   meta  nobs npatients patient_column
 *   obs   <id> <patient>                       (one per sample)
 *   col   <name> <numeric 0/1> <v1> ... <vn>   (strings; "<NULL>" for missing)
 *   view  <name> <nvar> <dtype_bytes> <sparse> <likelihood|->
 *   var   <id> ...
 *   row   <sample> <present 0/1> <%a of each value>   (C99 hex floats: exact)
 * Usage: cohort_dump COHORT OUT [RxC] [patient_column|-] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "strata/cohort.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int rank, size, st, pr = 0, pc = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  if (argc < 3) {
    if (rank == 0) fprintf(stderr, "usage: cohort_dump COHORT OUT [RxC] [patient_column|-]\n");
    MPI_Finalize();
    return 1;
  }
  if (argc > 3 && sscanf(argv[3], "%dx%d", &pr, &pc) != 2) pr = pc = 0;
  const char *pcol = argc > 4 && strcmp(argv[4], "-") != 0 ? argv[4] : NULL;
  strata_cohort_t *c = NULL;
  strata_grid_t *g = NULL;
  strata_partition_t *part = NULL;
  FILE *out = NULL;
  st = strata_cohort_open(comm, argv[1], pcol, pcol == NULL, &c);
  if (st) goto done;
  int64_t maxv = 1;
  for (int k = 0; k < c->nviews; k++)
    if (c->views[k].nvar > maxv) maxv = c->views[k].nvar;
  st = strata_grid_create(comm, pr, pc, c->nobs, maxv, c->npatients, &g);
  if (st) goto done;
  st = strata_partition_patients(c->nobs, c->patient, c->npatients, NULL, g->nprow, &part);
  if (st) goto done;
  if (rank == 0) {
    out = fopen(argv[2], "w");
    fprintf(out, "meta\t%lld\t%lld\t%s\n", (long long)c->nobs, (long long)c->npatients,
            c->patient_column ? c->patient_column : "-");
    for (int64_t i = 0; i < c->nobs; i++) fprintf(out, "obs\t%s\t%s\n", c->obs_names[i], c->patient_names[c->patient[i]]);
    for (int j = 0; j < c->ncols; j++) {
      fprintf(out, "col\t%s\t%d", c->cols[j].name, c->cols[j].is_numeric);
      for (int64_t i = 0; i < c->nobs; i++) fprintf(out, "\t%s", c->cols[j].str[i] ? c->cols[j].str[i] : "<NULL>");
      fprintf(out, "\n");
    }
  }
  for (int k = 0; k < c->nviews; k++) {
    const strata_view_t *v = &c->views[k];
    if (rank == 0) {
      fprintf(out, "view\t%s\t%lld\t%d\t%d\t%s\n", v->name, (long long)v->nvar, v->dtype_bytes, v->is_sparse,
              v->likelihood ? v->likelihood : "-");
      fprintf(out, "var");
      for (int64_t j = 0; j < v->nvar; j++) fprintf(out, "\t%s", v->var_names[j]);
      fprintf(out, "\n");
    }
    if (!v->dtype_bytes) continue;
    strata_dmat_t *m = NULL;
    double *full = NULL;
    st = strata_cohort_read_view(c, k, g, part, &m);
    if (st) goto done;
    st = strata_dmat_gather(m, 0, &full);
    strata_dmat_destroy(&m);
    if (st) goto done;
    if (rank == 0) {
      for (int64_t i = 0; i < c->nobs; i++) {
        fprintf(out, "row\t%s\t%d", c->obs_names[i], v->obsmap[i] != 0);
        for (int64_t j = 0; j < v->nvar; j++) fprintf(out, "\t%a", full[j * c->nobs + i]);
        fprintf(out, "\n");
      }
    }
    free(full);
  }
done:
  if (st && rank == 0) fprintf(stderr, "cohort_dump: %s\n", strata_err_msg());
  if (out) fclose(out);
  strata_partition_destroy(&part);
  strata_grid_destroy(&g);
  strata_cohort_close(&c);
  MPI_Finalize();
  return st ? 2 : 0;
}
