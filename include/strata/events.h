/* Progress events: the hook through which a long run tells the outside world where it is.
 * Solvers call the strata_ev_* emitters; where the events go is a sink registered by the
 * caller -- the CLI plugs in the ZeroMQ/JSON-lines publisher of monitor/
 * (strata_events_create in strata/monitor.h), a test may plug in its own.  This layer (mpi/)
 * does the phase bookkeeping, the one small per-iteration gather of per-rank times and memory,
 * and the --progress lines on stderr; it knows no socket and no JSON.
 * Calls are cheap and never block on a consumer; events are emitted by rank 0 of the
 * communicator given at creation.  Every function accepts ev == NULL (no events). */
#ifndef STRATA_EVENTS_H
#define STRATA_EVENTS_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"

typedef struct strata_events strata_events_t;

/* min / median / max over ranks, and the rank holding the max */
typedef struct strata_ev_spread {
  double min, median, max;
  int max_rank;
} strata_ev_spread_t;

typedef enum strata_ev_type {
  STRATA_EV_RUN_START, STRATA_EV_PHASE_BEGIN, STRATA_EV_PHASE_END, STRATA_EV_ITERATION,
  STRATA_EV_WARNING, STRATA_EV_CHECKPOINT, STRATA_EV_RUN_END
} strata_ev_type_t;

/* One event as a sink receives it (rank 0).  Strings are borrowed for the call.  Which fields
 * are set depends on the type; the others are 0/NULL/NaN. */
typedef struct strata_event {
  strata_ev_type_t type;
  double clock;          /* CLOCK_MONOTONIC seconds when emitted */
  int ranks;             /* size of the events communicator */
  /* RUN_START */
  const char *command;
  int64_t nobs, nvar;
  int nviews, nprow, npcol;
  /* PHASE_BEGIN, PHASE_END, ITERATION */
  const char *phase;
  int64_t total_steps;   /* PHASE_BEGIN: steps announced (<= 0: unknown) */
  double seconds;        /* PHASE_END: the phase's duration (NaN when it was never begun) */
  /* ITERATION */
  int64_t iter, max_iter;
  double objective, change, phase_elapsed, eta;  /* non-finite: unknown */
  strata_ev_spread_t compute, comm, mem_hwm;      /* seconds, seconds, bytes */
  /* WARNING, RUN_END */
  const char *message;
  /* CHECKPOINT */
  const char *path;
  int64_t iteration;
  /* RUN_END */
  int status, exit_code;
} strata_event_t;

/* Where events go.  emit runs on rank 0 in the emitting thread and must not block; destroy
 * runs on rank 0 in strata_events_destroy.  ctx belongs to the sink. */
typedef struct strata_ev_sink {
  void *ctx;
  void (*emit)(void *ctx, const strata_event_t *e);
  void (*destroy)(void *ctx);
} strata_ev_sink_t;

/* Collective over comm.  An events object that prints --progress lines on rank 0 when progress
 * is set and hands every event to *sink on rank 0 (sink may be NULL; on other ranks it is
 * ignored, and its ctx is destroyed by the caller there).  The sink is owned from here on, also
 * on failure.  Per-iteration gathers happen only when rank 0 has a sink or progress. */
STRATA_NODISCARD int strata_events_new(MPI_Comm comm, int progress, const strata_ev_sink_t *sink,
                                       strata_events_t **out);
/* Collective.  Destroy the sink (which flushes it) and the object.  NULL-safe; nulls *ev. */
void strata_events_destroy(strata_events_t **ev);
/* Rank 0: the sink's ctx if the registered sink emits through `emit`, else NULL (how a sink
 * implementation finds its own state again).  Other ranks: NULL. */
void *strata_events_sink_ctx(const strata_events_t *ev, void (*emit)(void *, const strata_event_t *));

/* Rank 0 only has effect; other ranks return at once (not collective). */
void strata_ev_run_start(strata_events_t *ev, const char *command, int64_t nobs, int64_t nvar,
                         int nviews, int nprow, int npcol);
void strata_ev_phase_begin(strata_events_t *ev, const char *phase, int64_t total_steps);
void strata_ev_phase_end(strata_events_t *ev, const char *phase);
void strata_ev_warning(strata_events_t *ev, const char *fmt, ...) STRATA_PRINTF(2, 3);
void strata_ev_checkpoint(strata_events_t *ev, const char *path, int64_t iteration);
void strata_ev_run_end(strata_events_t *ev, int status, int exit_code);

/* Collective over the events communicator: one solver iteration or pass.  Gathers per-rank
 * compute seconds, communication seconds and memory high-water (min/median/max over ranks) with
 * one small reduction, and emits from rank 0 with the objective, its relative change, elapsed
 * time and an ETA from max_iter.  `iter` counts iterations completed (1 after the first); the
 * ETA uses the rate since the phase began (or since its first iteration event, so a resumed run
 * estimates correctly). */
void strata_ev_iteration(strata_events_t *ev, const char *phase, int64_t iter, int64_t max_iter,
                         double objective, double rel_change, double t_compute, double t_comm);

#endif
