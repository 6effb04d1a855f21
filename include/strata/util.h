/* Small process-level utilities: wall clock, memory high-water, rank-0 logging, signals.
 * No domain logic. */
#ifndef STRATA_UTIL_H
#define STRATA_UTIL_H
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include "strata/error.h"

/* Seconds since an arbitrary origin (MPI_Wtime). */
double strata_wtime(void);
/* This process's peak resident set (VmHWM) and current resident set (VmRSS), in bytes;
 * 0 if unknown. Not collective. */
int64_t strata_mem_hwm(void);
int64_t strata_mem_rss(void);

/* Verbosity: 0 quiet, 1 normal (default), 2 verbose, 3 debug.  Set once by the CLI. */
void strata_set_verbosity(int v);
int strata_verbosity(void);
/* Print one line on rank 0 of comm only, if verbosity >= level, to stderr (progress, notes);
 * a missing final newline is added.  Not
 * collective (ranks other than 0 return at once). */
void strata_log(MPI_Comm comm, int level, const char *fmt, ...) STRATA_PRINTF(3, 4);

/* Signals that ask a long run to checkpoint and stop: SIGUSR1 and SIGTERM (Slurm sends them
 * before the time limit; mpirun forwards both).  strata_signal_install() is called once by the
 * CLI; strata_signal_pending() is collective over comm and returns the same answer on every rank
 * (1 if any rank has received one), so all ranks stop at the same iteration boundary.
 * strata_signal_which() is the signal number received on this rank (0 if none). */
void strata_signal_install(void);
int strata_signal_pending(MPI_Comm comm);
int strata_signal_which(void);
/* For tests: pretend a signal arrived after `iterations` calls to strata_signal_pending
 * (<= 0 disables); clears a signal already received, so a test can run again.  Also settable with the environment variable STRATA_STOP_AFTER. */
void strata_signal_stop_after(int64_t iterations);

/* Write `path` atomically: strata_tmpname gives "<path>.tmp.<pid>"; rename on success. */
void strata_tmpname(const char *path, char *buf, size_t bufsize);

#endif
