/* Progress events without a transport: bookkeeping, the per-iteration reduction of per-rank
 * times and memory, and the --progress line on stderr.  The ZeroMQ publisher (monitor/) hooks
 * in through strata_events_create when --monitor is given. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/events.h"
#include "strata/util.h"

struct strata_events {
  MPI_Comm comm;
  int rank;
  int progress;
  double t0;
};

int strata_events_create(MPI_Comm comm, const strata_events_opts_t *opts, strata_events_t **out) {
  int st = STRATA_OK;
  strata_events_t *ev = NULL;
  *out = NULL;
  STRATA_CALLOC(ev, 1);
  STRATA_MPI_CHECK(MPI_Comm_dup(comm, &ev->comm));
  MPI_Comm_rank(ev->comm, &ev->rank);
  ev->progress = opts ? opts->progress : 0;
  ev->t0 = strata_wtime();
  if (opts && opts->endpoint)
    STRATA_FAIL(STRATA_ERR_USAGE, "--monitor: this build has no ZeroMQ publisher yet");
cleanup:
  if (st) strata_events_destroy(&ev);
  *out = ev;
  return st;
}

void strata_events_destroy(strata_events_t **evp) {
  if (!evp || !*evp) return;
  MPI_Comm_free(&(*evp)->comm);
  free(*evp);
  *evp = NULL;
}

void strata_ev_run_start(strata_events_t *ev, const char *command, int64_t nobs, int64_t nvar,
                         int nviews, int nprow, int npcol) {}
void strata_ev_phase_begin(strata_events_t *ev, const char *phase, int64_t total_steps) {
  if (ev && ev->rank == 0 && ev->progress) fprintf(stderr, "[%8.2fs] %s ...\n", strata_wtime() - ev->t0, phase);
}
void strata_ev_phase_end(strata_events_t *ev, const char *phase) {}
void strata_ev_warning(strata_events_t *ev, const char *fmt, ...) {
  if (!ev || ev->rank != 0) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "warning: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
}
void strata_ev_checkpoint(strata_events_t *ev, const char *path, int64_t iteration) {}
void strata_ev_run_end(strata_events_t *ev, int status, int exit_code) {}
void strata_ev_iteration(strata_events_t *ev, const char *phase, int64_t iter, int64_t max_iter,
                         double objective, double rel_change, double t_compute, double t_comm) {
  if (!ev) return;
  if (ev->rank == 0 && ev->progress)
    fprintf(stderr, "[%8.2fs] %s %lld/%lld objective %.10g change %.3g\n", strata_wtime() - ev->t0,
            phase, (long long)iter, (long long)max_iter, objective, rel_change);
}
