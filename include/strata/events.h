/* Progress events: what a long run tells the outside world (strata monitor, JSON lines).
 * Calls are cheap and never block on a subscriber; events are published by rank 0 of the
 * communicator given at creation.  Every function accepts ev == NULL (no monitoring) so solvers
 * and tests can run without one.  The wire format is a versioned JSON schema
 * (docs/events.md); the ZeroMQ transport lives in monitor/. */
#ifndef STRATA_EVENTS_H
#define STRATA_EVENTS_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"

typedef struct strata_events strata_events_t;

typedef struct strata_events_opts {
  const char *endpoint;       /* --monitor: "tcp://127.0.0.1:0" (bind, port 0 = ephemeral),
                                 "connect:tcp://host:port" (connect to a binding monitor), or NULL */
  const char *endpoint_file;  /* --monitor-file: where to write the actual endpoint, or NULL */
  const char *curve_dir;      /* --monitor-curve: directory with CURVE key files, or NULL */
  const char *jsonl;          /* --events-jsonl: also append every event to this file, or NULL */
  int progress;               /* print a progress line per iteration on stderr (rank 0) */
} strata_events_opts_t;

/* Collective over comm.  Start the publisher (an actor thread on rank 0) when opts->endpoint or
 * opts->endpoint_file is set (the latter alone binds tcp://127.0.0.1:0), the JSON-lines log when
 * opts->jsonl is set; otherwise only local progress printing.  When binding, rank 0 writes the
 * actual endpoint to opts->endpoint_file (when set; the command line supplies a default name)
 * atomically, and removes it again in strata_events_destroy.  A bind that other hosts could
 * reach is refused (STRATA_ERR_USAGE) unless opts->curve_dir is set
 * (strata_monitor_check_bound in strata/monitor.h).
 * Sets *out, also on failure (an inert object that must still be destroyed collectively);
 * the status is rank 0's (agree it). */
STRATA_NODISCARD int strata_events_create(MPI_Comm comm, const strata_events_opts_t *opts,
                                          strata_events_t **out);
/* Collective.  Flush (bounded wait) and stop.  NULL-safe; sets *ev to NULL. */
void strata_events_destroy(strata_events_t **ev);

/* Rank 0 only has effect; other ranks return at once (not collective). */
void strata_ev_run_start(strata_events_t *ev, const char *command, int64_t nobs, int64_t nvar,
                         int nviews, int nprow, int npcol);
void strata_ev_phase_begin(strata_events_t *ev, const char *phase, int64_t total_steps);
void strata_ev_phase_end(strata_events_t *ev, const char *phase);
void strata_ev_warning(strata_events_t *ev, const char *fmt, ...) STRATA_PRINTF(2, 3);
void strata_ev_checkpoint(strata_events_t *ev, const char *path, int64_t iteration);
void strata_ev_run_end(strata_events_t *ev, int status, int exit_code);

/* Rank 0 (not collective): the endpoint actually bound or connected (port 0 resolved) and the
 * endpoint file written, or NULL; subscriptions currently seen by the publisher; events dropped
 * because the publisher thread fell behind.  For tests and benchmarks; other ranks get NULL/0. */
const char *strata_ev_endpoint(const strata_events_t *ev);
const char *strata_ev_endpoint_file(const strata_events_t *ev);
int strata_ev_subscribers(const strata_events_t *ev);
long long strata_ev_dropped(const strata_events_t *ev);

/* Collective over the events communicator: one solver iteration or pass.  Gathers per-rank
 * compute seconds, communication seconds and memory high-water (min/median/max over ranks) with
 * one small reduction, and publishes from rank 0 with the objective, its relative change,
 * elapsed time and an ETA from max_iter.  `iter` counts iterations completed (1 after the first);
 * the ETA uses the rate since the phase began (or since its first iteration event, so a resumed
 * run estimates correctly).  Non-finite objective/change are published as null. */
void strata_ev_iteration(strata_events_t *ev, const char *phase, int64_t iter, int64_t max_iter,
                         double objective, double rel_change, double t_compute, double t_comm);

#endif
