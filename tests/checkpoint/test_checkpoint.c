/* Checkpoint files: replicated and distributed arrays round-trip bit-exactly; a wrong kind, a
 * different rank count, a missing file and a missing array are refused on every rank; an
 * abandoned write leaves no file. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "strata/checkpoint.h"
#include "strata/rng.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  char path[256];
  snprintf(path, sizeof path, "ckpt_test_np%d.h5", size);
  if (rank == 0) unlink(path);

  double rep[5] = {1.5, -2.25, 1e-300, 3.0 / 7.0, 0};
  int64_t irep[3] = {42, -1, (int64_t)1 << 40};
  int64_t nloc = 3 + 2 * rank; /* uneven local sizes */
  double *loc = malloc(nloc * sizeof *loc), *back = malloc(nloc * sizeof *back);
  for (int64_t i = 0; i < nloc; i++) loc[i] = strata_rng_normal_at(9, (uint64_t)rank, (uint64_t)i);

  strata_ckpt_t *c = NULL;
  int st = strata_ckpt_create(MPI_COMM_WORLD, path, "test", &c);
  if (!st) st = strata_ckpt_put_rep(c, "rep", rep, 5);
  if (!st) st = strata_ckpt_put_rep_i64(c, "irep", irep, 3);
  if (!st) st = strata_ckpt_put_dist(c, "loc", loc, nloc);
  T_CHECK(st == STRATA_OK, "write status %d: %s", st, strata_err_msg());
  T_CHECK(access(path, F_OK) != 0, "nothing at the final path before commit");
  if (!st) st = strata_ckpt_commit(&c);
  T_CHECK(st == STRATA_OK && c == NULL, "commit");
  T_CHECK(access(path, F_OK) == 0, "final file exists after commit");

  double rback[5];
  int64_t iback[3];
  st = strata_ckpt_open(MPI_COMM_WORLD, path, "test", &c);
  if (!st) st = strata_ckpt_get_rep(c, "rep", rback, 5);
  if (!st) st = strata_ckpt_get_rep_i64(c, "irep", iback, 3);
  if (!st) st = strata_ckpt_get_dist(c, "loc", back, nloc);
  T_CHECK(st == STRATA_OK, "read status %d: %s", st, strata_err_msg());
  T_CHECK(memcmp(rback, rep, sizeof rep) == 0, "replicated doubles bit-exact");
  T_CHECK(memcmp(iback, irep, sizeof irep) == 0, "replicated int64 bit-exact");
  T_CHECK(memcmp(back, loc, nloc * sizeof *loc) == 0, "distributed doubles bit-exact");
  /* asking for a wrong length or a missing array fails on every rank */
  st = strata_ckpt_get_rep(c, "rep", rback, 4);
  T_CHECK(st == STRATA_ERR_INPUT && strstr(strata_err_msg(), "has 5 values"), "wrong length refused: %s", strata_err_msg());
  strata_err_clear();
  st = strata_ckpt_get_rep(c, "nope", rback, 1);
  T_CHECK(st == STRATA_ERR_INPUT && strstr(strata_err_msg(), "has no 'nope'"), "missing array refused");
  strata_err_clear();
  strata_ckpt_close(&c);

  st = strata_ckpt_open(MPI_COMM_WORLD, path, "factor", &c);
  T_CHECK(st == STRATA_ERR_INPUT && strstr(strata_err_msg(), "is a 'test' checkpoint") && !c, "wrong kind refused: %s", strata_err_msg());
  strata_err_clear();
  st = strata_ckpt_open(MPI_COMM_WORLD, "does-not-exist.h5", "test", &c);
  T_CHECK(st == STRATA_ERR_IO && strstr(strata_err_msg(), "does-not-exist.h5"), "missing file refused");
  strata_err_clear();

  /* a checkpoint written by one rank cannot be resumed by more */
  if (size > 1) {
    MPI_Comm self;
    MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &self);
    if (rank == 0) {
      int s2 = strata_ckpt_create(self, "ckpt_one_rank.h5", "test", &c);
      if (!s2) s2 = strata_ckpt_commit(&c);
      T_CHECK(s2 == STRATA_OK, "1-rank checkpoint written");
      MPI_Comm_free(&self);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    st = strata_ckpt_open(MPI_COMM_WORLD, "ckpt_one_rank.h5", "test", &c);
    T_CHECK(st == STRATA_ERR_INPUT && strstr(strata_err_msg(), "written by 1 ranks"), "rank count refused: %s", strata_err_msg());
    strata_err_clear();
  }

  /* an abandoned write (close without commit) leaves neither the file nor the temporary */
  char path2[256];
  snprintf(path2, sizeof path2, "ckpt_abandon_np%d.h5", size);
  st = strata_ckpt_create(MPI_COMM_WORLD, path2, "test", &c);
  if (!st) st = strata_ckpt_put_dist(c, "loc", loc, nloc);
  strata_ckpt_close(&c);
  MPI_Barrier(MPI_COMM_WORLD);
  int leftovers = access(path2, F_OK) == 0;
  char cmd[512];
  snprintf(cmd, sizeof cmd, "ls %s.tmp.* >/dev/null 2>&1", path2);
  if (rank == 0) leftovers += system(cmd) == 0;
  T_CHECK(st == STRATA_OK && leftovers == 0, "abandoned write leaves nothing");

  free(loc);
  free(back);
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
