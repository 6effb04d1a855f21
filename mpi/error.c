/* The per-rank error record and the cross-rank agreement that makes every rank return the same
 * status and message.  Not for printing: cli/ decides what reaches the terminal. */
#include "strata/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define STRATA_ERRMSG_MAX 1024

static int g_code = STRATA_OK;
static int g_rank = -1;
static char g_msg[STRATA_ERRMSG_MAX];
static char g_where[256];

int strata_err_set(int code, const char *file, int line, const char *func, const char *fmt, ...) {
  if (g_code != STRATA_OK) return code; /* the first message is the cause; keep it */
  g_code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_msg, sizeof g_msg, fmt, ap);
  va_end(ap);
  snprintf(g_where, sizeof g_where, "%s:%d %s", file ? file : "?", line, func ? func : "?");
  int initialized = 0;
  MPI_Initialized(&initialized);
  g_rank = 0;
  if (initialized) MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  return code;
}

const char *strata_err_msg(void) { return g_msg; }
int strata_err_code(void) { return g_code; }
const char *strata_err_where(void) { return g_where; }
int strata_err_rank(void) { return g_rank; }

void strata_err_clear(void) {
  g_code = STRATA_OK;
  g_rank = -1;
  g_msg[0] = '\0';
  g_where[0] = '\0';
}

/* Severity for choosing one status when ranks disagree: errors beat an interruption, which
 * beats OK; among errors the larger code wins (internal > numeric > system > input > usage). */
static int severity(int status) {
  if (status == STRATA_OK) return 0;
  if (status == STRATA_INTERRUPTED) return 1;
  return 10 + status;
}

int strata_agree(MPI_Comm comm, int status) {
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  /* A rank that failed without recording a message still needs one to print. */
  if (status != STRATA_OK && status != STRATA_INTERRUPTED && g_code == STRATA_OK)
    strata_err_set(status, NULL, 0, NULL, "%s", strata_status_name(status));
  int in[2] = {severity(status), status != STRATA_OK ? -rank : -size};
  int out[2] = {0, 0};
  /* max severity; among failing ranks the lowest rank (as max of -rank) */
  if (MPI_Allreduce(in, out, 1, MPI_2INT, MPI_MAXLOC, comm) != MPI_SUCCESS) return STRATA_ERR_MPI;
  int worst = out[0];
  if (worst == 0) return STRATA_OK;
  int failing = status != STRATA_OK ? rank : size;
  int first = size;
  if (MPI_Allreduce(&failing, &first, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS) return STRATA_ERR_MPI;
  int agreed = worst >= 10 ? worst - 10 : STRATA_INTERRUPTED;
  /* Share the message of the lowest failing rank, and the world rank that first detected it
   * (after an earlier agreement every rank holds the message, but the detector stays the one
   * that recorded it). */
  struct {
    char msg[STRATA_ERRMSG_MAX];
    char where[256];
    int detector;
  } buf;
  memset(&buf, 0, sizeof buf);
  if (rank == first) {
    snprintf(buf.msg, sizeof buf.msg, "%s", g_msg);
    snprintf(buf.where, sizeof buf.where, "%s", g_where);
    buf.detector = g_rank;
    if (buf.detector < 0) MPI_Comm_rank(MPI_COMM_WORLD, &buf.detector);
  }
  if (MPI_Bcast(&buf, (int)sizeof buf, MPI_BYTE, first, comm) != MPI_SUCCESS) return STRATA_ERR_MPI;
  g_code = agreed;
  g_rank = buf.detector;
  memcpy(g_msg, buf.msg, sizeof g_msg);
  g_msg[STRATA_ERRMSG_MAX - 1] = '\0';
  memcpy(g_where, buf.where, sizeof g_where);
  g_where[sizeof g_where - 1] = '\0';
  return agreed;
}

int strata_exit_code(int status) {
  switch (status) {
  case STRATA_OK: return STRATA_EXIT_OK;
  case STRATA_ERR_USAGE: return STRATA_EXIT_USAGE;
  case STRATA_ERR_INPUT: return STRATA_EXIT_INPUT;
  case STRATA_ERR_IO:
  case STRATA_ERR_MEM:
  case STRATA_ERR_MPI:
  case STRATA_ERR_HDF5: return STRATA_EXIT_SYSTEM;
  case STRATA_ERR_NUMERIC: return STRATA_EXIT_NUMERIC;
  case STRATA_INTERRUPTED: return STRATA_EXIT_CHECKPOINTED;
  default: return STRATA_EXIT_INTERNAL;
  }
}

const char *strata_status_name(int status) {
  switch (status) {
  case STRATA_OK: return "ok";
  case STRATA_ERR_USAGE: return "usage error";
  case STRATA_ERR_INPUT: return "bad input";
  case STRATA_ERR_IO: return "I/O error";
  case STRATA_ERR_MEM: return "out of memory";
  case STRATA_ERR_MPI: return "MPI error";
  case STRATA_ERR_HDF5: return "HDF5 error";
  case STRATA_ERR_NUMERIC: return "numerical failure";
  case STRATA_INTERRUPTED: return "interrupted (checkpoint written)";
  default: return "internal error";
  }
}
