/* h5util: write a results file with every helper on rank 0, then check it with h5py
 * (tests/io/check_h5util.py) — the values and the anndata/mudata attributes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "strata/h5util.h"
#include "strata/util.h"

#define OK(x) T_CHECK((x), "%s", #x)

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  const char *path = argc > 1 ? argv[1] : "h5util_out.h5";
  if (rank == 0) {
    strata_h5out_t *o = NULL;
    hid_t g = -1, df = -1;
    OK(strata_h5out_create(path, 1, &o) == STRATA_OK);
    hid_t f = strata_h5out_file(o);
    char tmp[4096];
    strata_tmpname(path, tmp, sizeof tmp);
    OK(access(tmp, F_OK) == 0);
    OK(strata_h5_attr_string(f, "encoding-type", "MuData") == STRATA_OK);
    OK(strata_h5_group(f, "uns", "dict", "0.1.0", &g) == STRATA_OK);
    /* 2 x 3 column-major -> row-major on disk: rows (1,2,3), (4,5,6) */
    double cm[6] = {1, 4, 2, 5, 3, 6};
    OK(strata_h5_write_matrix(g, "cm", 2, 3, cm, 1, 8) == STRATA_OK);
    double rm[6] = {1.5, 2.5, 3.5, 4.5, 5.5, NAN};
    OK(strata_h5_write_matrix(g, "rm32", 3, 2, rm, 0, 4) == STRATA_OK);
    int64_t iv[3] = {-1, 0, 1LL << 40};
    OK(strata_h5_write_int64(g, "i64", 3, iv) == STRATA_OK);
    char *sv[3] = {"a", NULL, "\xc3\xa9t\xc3\xa9"};
    OK(strata_h5_write_strings(g, "s", 3, sv) == STRATA_OK);
    OK(strata_h5_attr_strings(g, "names", 3, sv) == STRATA_OK);
    OK(strata_h5_attr_int64(g, "k", 7) == STRATA_OK);
    OK(strata_h5_attr_double(g, "x", 0.25) == STRATA_OK);
    OK(strata_h5_attr_bool(g, "ordered", 1) == STRATA_OK);
    OK(strata_h5_attr_string(g, "x", "replaced") == STRATA_OK);
    char *idx[2] = {"s1", "s2"}, *cols[1] = {"age"};
    OK(strata_h5_dataframe(f, "obs", 2, idx, 1, cols, &df) == STRATA_OK);
    double age[2] = {50, 61};
    OK(strata_h5_write_double(df, "age", 2, age) == STRATA_OK);
    char *back = NULL;
    OK(strata_h5_read_attr_string(df, "encoding-type", &back) == STRATA_OK);
    OK(back && strcmp(back, "dataframe") == 0);
    free(back);
    OK(strata_h5_read_attr_string(df, "absent", &back) == STRATA_OK && back == NULL);
    OK(strata_h5_has_attr(df, "column-order") == 1);
    H5Gclose(df);
    H5Gclose(g);
    OK(strata_h5out_commit(&o) == STRATA_OK && o == NULL);
    OK(access(tmp, F_OK) != 0 && access(path, F_OK) == 0);
    FILE *fp = fopen(path, "rb");
    char hdr[64] = {0};
    OK(fp && fread(hdr, 1, 63, fp) == 63);
    if (fp) fclose(fp);
    OK(strncmp(hdr, "MuData (format-version=0.1.0;creator=strata;", 44) == 0);
    /* abort removes the temporary and leaves no final file */
    char apath[4200];
    snprintf(apath, sizeof apath, "%s.aborted", path);
    OK(strata_h5out_create(apath, 0, &o) == STRATA_OK);
    strata_tmpname(apath, tmp, sizeof tmp);
    strata_h5out_abort(&o);
    OK(o == NULL && access(tmp, F_OK) != 0 && access(apath, F_OK) != 0);
  }
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
