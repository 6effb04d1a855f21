/* The progress-event hook (include/strata/events.h): phase bookkeeping, the per-iteration
 * gather of per-rank figures, --progress lines, and hand-off to the registered sink on rank 0.
 * Not the transport or the wire format (monitor/events.c). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strata/events.h"
#include "strata/util.h"

enum { MAX_OPEN_PHASES = 8 };

typedef struct open_phase {
  char name[64];
  double t_begin;
  int64_t iter_base; /* iteration count before the first iteration event of this phase (-1: none yet) */
} open_phase_t;

struct strata_events {
  MPI_Comm comm;
  int rank, size;
  int progress;
  int gather;          /* 1 on every rank: strata_ev_iteration gathers per-rank figures */
  int has_sink;        /* rank 0 */
  strata_ev_sink_t sink;
  double t0;
  int ended;
  open_phase_t phases[MAX_OPEN_PHASES];
  int nphases;
  double hwm, hwm_time; /* cached VmHWM and when it was read */
  double *all;          /* rank 0: 3 doubles per rank */
  double *scratch;      /* rank 0: one double per rank, for the medians */
};

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void init_event(strata_events_t *ev, strata_event_t *e, strata_ev_type_t type, double now) {
  memset(e, 0, sizeof *e);
  e->type = type;
  e->clock = now;
  e->ranks = ev->size;
  e->seconds = e->objective = e->change = e->phase_elapsed = e->eta = NAN;
}

static void emit(strata_events_t *ev, const strata_event_t *e) {
  if (ev->has_sink && ev->sink.emit) ev->sink.emit(ev->sink.ctx, e);
}

static open_phase_t *find_phase(strata_events_t *ev, const char *name) {
  for (int i = ev->nphases; i-- > 0;)
    if (strcmp(ev->phases[i].name, name) == 0) return &ev->phases[i];
  return NULL;
}

int strata_events_new(MPI_Comm comm, int progress, const strata_ev_sink_t *sink, strata_events_t **out) {
  int st = STRATA_OK, st0 = STRATA_OK, rank = 0;
  strata_events_t *ev = NULL;
  *out = NULL;
  MPI_Comm_rank(comm, &rank);
  ev = calloc(1, sizeof *ev);
  if (!ev) {
    if (rank == 0 && sink && sink->destroy) sink->destroy(sink->ctx);
    STRATA_FAIL(STRATA_ERR_MEM, "events: out of memory");
  }
  ev->comm = MPI_COMM_NULL;
  ev->rank = rank;
  if (rank == 0 && sink) {
    ev->sink = *sink;
    ev->has_sink = 1;
  }
  STRATA_MPI_CHECK(MPI_Comm_dup(comm, &ev->comm));
  MPI_Comm_size(ev->comm, &ev->size);
  ev->progress = progress;
  ev->t0 = mono();
  if (ev->rank == 0 && (ev->has_sink || ev->progress)) {
    /* no STRATA_MALLOC here: a jump to cleanup would skip the broadcast the others wait in */
    ev->all = malloc(3 * sizeof(double) * (size_t)ev->size);
    ev->scratch = malloc(sizeof(double) * (size_t)ev->size);
    if (!ev->all || !ev->scratch) st0 = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "events: out of memory");
  }
  /* every rank must know whether strata_ev_iteration gathers (it is collective) */
  int flag = ev->rank == 0 && st0 == STRATA_OK && (ev->has_sink || ev->progress);
  STRATA_MPI_CHECK(MPI_Bcast(&flag, 1, MPI_INT, 0, ev->comm));
  ev->gather = flag;
  st = st0;
cleanup:
  /* on failure the object stays valid (gathers off), so the caller's collective destroy matches */
  if (ev && st) ev->gather = 0;
  *out = ev;
  return st;
}

void *strata_events_sink_ctx(const strata_events_t *ev, void (*fn)(void *, const strata_event_t *)) {
  return ev && ev->has_sink && ev->sink.emit == fn ? ev->sink.ctx : NULL;
}

void strata_events_destroy(strata_events_t **evp) {
  if (!evp || !*evp) return;
  strata_events_t *ev = *evp;
  if (ev->has_sink && ev->sink.destroy) ev->sink.destroy(ev->sink.ctx);
  free(ev->all);
  free(ev->scratch);
  if (ev->comm != MPI_COMM_NULL) MPI_Comm_free(&ev->comm);
  free(ev);
  *evp = NULL;
}

void strata_ev_run_start(strata_events_t *ev, const char *command, int64_t nobs, int64_t nvar,
                         int nviews, int nprow, int npcol) {
  if (!ev || ev->rank != 0) return;
  strata_event_t e;
  init_event(ev, &e, STRATA_EV_RUN_START, mono());
  e.command = command ? command : "";
  e.nobs = nobs;
  e.nvar = nvar;
  e.nviews = nviews;
  e.nprow = nprow;
  e.npcol = npcol;
  emit(ev, &e);
}

void strata_ev_phase_begin(strata_events_t *ev, const char *phase, int64_t total_steps) {
  if (!ev || ev->rank != 0 || !phase) return;
  double now = mono();
  if (ev->nphases == MAX_OPEN_PHASES) { /* deeper nesting than anyone uses: forget the oldest */
    memmove(ev->phases, ev->phases + 1, (MAX_OPEN_PHASES - 1) * sizeof ev->phases[0]);
    ev->nphases--;
  }
  open_phase_t *p = &ev->phases[ev->nphases++];
  snprintf(p->name, sizeof p->name, "%s", phase);
  p->t_begin = now;
  p->iter_base = -1;
  if (ev->progress) fprintf(stderr, "[%8.2fs] %s ...\n", now - ev->t0, phase);
  strata_event_t e;
  init_event(ev, &e, STRATA_EV_PHASE_BEGIN, now);
  e.phase = phase;
  e.total_steps = total_steps;
  emit(ev, &e);
}

void strata_ev_phase_end(strata_events_t *ev, const char *phase) {
  if (!ev || ev->rank != 0 || !phase) return;
  double now = mono(), seconds = NAN;
  open_phase_t *p = find_phase(ev, phase);
  if (p) {
    seconds = now - p->t_begin;
    int i = (int)(p - ev->phases);
    memmove(p, p + 1, (size_t)(ev->nphases - i - 1) * sizeof *p);
    ev->nphases--;
  }
  if (ev->progress) fprintf(stderr, "[%8.2fs] %s done (%.2f s)\n", now - ev->t0, phase, seconds);
  strata_event_t e;
  init_event(ev, &e, STRATA_EV_PHASE_END, now);
  e.phase = phase;
  e.seconds = seconds;
  emit(ev, &e);
}

void strata_ev_warning(strata_events_t *ev, const char *fmt, ...) {
  if (!ev || ev->rank != 0) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "warning: %s\n", msg);
  strata_event_t e;
  init_event(ev, &e, STRATA_EV_WARNING, mono());
  e.message = msg;
  emit(ev, &e);
}

void strata_ev_checkpoint(strata_events_t *ev, const char *path, int64_t iteration) {
  if (!ev || ev->rank != 0) return;
  strata_event_t e;
  init_event(ev, &e, STRATA_EV_CHECKPOINT, mono());
  e.path = path ? path : "";
  e.iteration = iteration;
  emit(ev, &e);
}

void strata_ev_run_end(strata_events_t *ev, int status, int exit_code) {
  if (!ev || ev->rank != 0 || ev->ended) return;
  ev->ended = 1;
  strata_event_t e;
  init_event(ev, &e, STRATA_EV_RUN_END, mono());
  e.status = status;
  e.exit_code = exit_code;
  e.message = status == STRATA_OK ? "" : strata_err_msg();
  emit(ev, &e);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* min / median / max (and the rank holding the max) of column k of the gathered figures */
static strata_ev_spread_t spread(strata_events_t *ev, int k) {
  int P = ev->size, arg = 0;
  for (int r = 0; r < P; r++) {
    ev->scratch[r] = ev->all[3 * r + k];
    if (ev->scratch[r] > ev->scratch[arg]) arg = r;
  }
  double mx = ev->scratch[arg];
  qsort(ev->scratch, (size_t)P, sizeof(double), cmp_double);
  double med = P % 2 ? ev->scratch[P / 2] : 0.5 * (ev->scratch[P / 2 - 1] + ev->scratch[P / 2]);
  strata_ev_spread_t s = {ev->scratch[0], med, mx, arg};
  return s;
}

void strata_ev_iteration(strata_events_t *ev, const char *phase, int64_t iter, int64_t max_iter,
                         double objective, double rel_change, double t_compute, double t_comm) {
  if (!ev || !ev->gather) return;
  double now = mono();
  /* VmHWM only grows and reading /proc costs ~20 us: refresh it at most once a second */
  if (ev->hwm_time == 0 || now - ev->hwm_time > 1.0) {
    ev->hwm = (double)strata_mem_hwm();
    ev->hwm_time = now;
  }
  double mine[3] = {t_compute, t_comm, ev->hwm};
  /* 24 bytes per rank; an MPI failure here would surface at the solver's next agreement */
  if (MPI_Gather(mine, 3, MPI_DOUBLE, ev->all, 3, MPI_DOUBLE, 0, ev->comm) != MPI_SUCCESS) return;
  if (ev->rank != 0) return;
  const char *name = phase ? phase : "";
  open_phase_t *p = find_phase(ev, name);
  double t_begin = p ? p->t_begin : ev->t0, eta = NAN;
  if (p && p->iter_base < 0) p->iter_base = iter - 1;
  int64_t base = p ? p->iter_base : 0, done = iter - base;
  if (max_iter > 0 && done > 0 && iter <= max_iter) eta = (now - t_begin) / (double)done * (double)(max_iter - iter);
  strata_event_t e;
  init_event(ev, &e, STRATA_EV_ITERATION, now);
  e.phase = name;
  e.iter = iter;
  e.max_iter = max_iter;
  e.objective = objective;
  e.change = rel_change;
  e.phase_elapsed = now - t_begin;
  e.eta = eta;
  e.compute = spread(ev, 0);
  e.comm = spread(ev, 1);
  e.mem_hwm = spread(ev, 2);
  if (ev->progress) {
    char etas[32] = "?";
    if (isfinite(eta)) snprintf(etas, sizeof etas, "%.0fs", eta);
    fprintf(stderr, "[%8.2fs] %s %lld/%lld objective %.10g change %.3g eta %s slowest rank %d (%.3gs)\n",
            now - ev->t0, name, (long long)iter, (long long)max_iter, objective, rel_change, etas,
            e.compute.max_rank, e.compute.max);
  }
  emit(ev, &e);
}
