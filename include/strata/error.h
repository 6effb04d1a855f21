/* strata error codes, the error record, and cross-rank agreement.
 *
 * Every library function returns an int status: STRATA_OK or one of the codes below.
 * A function that fails records one message with STRATA_FAIL (the first message on a rank
 * wins until strata_err_clear) and jumps to its single `cleanup:` label.
 * Collective functions agree with strata_agree() at phase boundaries and before entering a
 * third-party collective (ScaLAPACK, collective H5Dwrite, Alltoallv), so a failure on one rank
 * never leaves the others blocked.  After strata_agree() every rank holds the same status and
 * the same message (the one recorded by the lowest failing rank). */
#ifndef STRATA_ERROR_H
#define STRATA_ERROR_H
#include <mpi.h>

#if defined(__GNUC__)
#define STRATA_NODISCARD __attribute__((warn_unused_result))
#define STRATA_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define STRATA_NODISCARD
#define STRATA_PRINTF(a, b)
#endif

/* Status codes.  The CLI maps them to exit codes with strata_exit_code(). */
enum {
  STRATA_OK = 0,
  STRATA_ERR_USAGE = 1,     /* bad command line: exit 1 */
  STRATA_ERR_INPUT = 2,     /* bad input data, option value or file content: exit 2 */
  STRATA_ERR_IO = 3,        /* cannot open/read/write a file, system error: exit 3 */
  STRATA_ERR_MEM = 4,       /* out of memory: exit 3 */
  STRATA_ERR_MPI = 5,       /* MPI failure: exit 3 */
  STRATA_ERR_HDF5 = 6,      /* HDF5 library failure (not a format problem): exit 3 */
  STRATA_ERR_NUMERIC = 7,   /* LAPACK/ScaLAPACK info != 0, non-convergence when asked: exit 4 */
  STRATA_ERR_INTERNAL = 8,  /* a bug: exit 5 */
  STRATA_INTERRUPTED = 9    /* not an error: a signal asked to stop, checkpoint written: exit 6 */
};

/* Exit codes of the strata command (documented in README and `strata --help`). */
enum {
  STRATA_EXIT_OK = 0, STRATA_EXIT_USAGE = 1, STRATA_EXIT_INPUT = 2, STRATA_EXIT_SYSTEM = 3,
  STRATA_EXIT_NUMERIC = 4, STRATA_EXIT_INTERNAL = 5, STRATA_EXIT_CHECKPOINTED = 6
};

/* Record an error on this rank (first one wins) and return `code`.  Not collective.
 * The message should name the file and line or the dataset, e.g.
 * "data/rna.tsv:12: ragged row: 7 fields, expected 9". */
int strata_err_set(int code, const char *file, int line, const char *func, const char *fmt, ...)
    STRATA_PRINTF(5, 6);
/* The recorded message of this rank ("" if none) and its status. Not collective. */
const char *strata_err_msg(void);
int strata_err_code(void);
/* Where the error was recorded (file:line func), for --verbosity 2 diagnostics. */
const char *strata_err_where(void);
/* Forget the recorded error on this rank. Not collective. */
void strata_err_clear(void);

/* Collective over comm: returns the status to be used by every rank, the maximum-severity
 * status over all ranks (a non-OK status beats OK).  If any rank failed, the message of the
 * lowest failing rank is copied to all ranks (strata_err_msg then returns it everywhere), and the
 * rank that detected it is available from strata_err_rank(). */
STRATA_NODISCARD int strata_agree(MPI_Comm comm, int status);
int strata_err_rank(void);

/* Map a status to the command's exit code. */
int strata_exit_code(int status);
/* A short name for a status ("bad input", "I/O error", ...). */
const char *strata_status_name(int status);

/* Record an error and jump to cleanup.  Needs `int st` and a `cleanup:` label in scope. */
#define STRATA_FAIL(code, ...)                                                   \
  do {                                                                           \
    st = strata_err_set((code), __FILE__, __LINE__, __func__, __VA_ARGS__);      \
    goto cleanup;                                                                \
  } while (0)
/* Evaluate a strata call; on failure keep its status and jump to cleanup. */
#define STRATA_CHECK(expr)                                                       \
  do {                                                                           \
    int strata_check_st_ = (expr);                                               \
    if (strata_check_st_ != STRATA_OK) {                                         \
      st = strata_check_st_;                                                     \
      goto cleanup;                                                              \
    }                                                                            \
  } while (0)
/* Check an MPI call's return code (communicators are set to MPI_ERRORS_RETURN). */
#define STRATA_MPI_CHECK(expr)                                                   \
  do {                                                                           \
    int strata_mpi_rc_ = (expr);                                                 \
    if (strata_mpi_rc_ != MPI_SUCCESS) {                                         \
      char strata_mpi_s_[MPI_MAX_ERROR_STRING]; int strata_mpi_l_ = 0;           \
      MPI_Error_string(strata_mpi_rc_, strata_mpi_s_, &strata_mpi_l_);           \
      STRATA_FAIL(STRATA_ERR_MPI, "mpi: %s failed: %s", #expr, strata_mpi_s_);   \
    }                                                                            \
  } while (0)
/* Allocate n elements of *p or fail with STRATA_ERR_MEM (n may be 0: returns a valid pointer). */
#define STRATA_MALLOC(p, n)                                                      \
  do {                                                                           \
    size_t strata_n_ = (size_t)(n);                                              \
    (p) = malloc((strata_n_ ? strata_n_ : 1) * sizeof(*(p)));                    \
    if (!(p)) STRATA_FAIL(STRATA_ERR_MEM, "out of memory allocating %zu bytes",  \
                          strata_n_ * sizeof(*(p)));                             \
  } while (0)
#define STRATA_CALLOC(p, n)                                                      \
  do {                                                                           \
    size_t strata_n_ = (size_t)(n);                                              \
    (p) = calloc(strata_n_ ? strata_n_ : 1, sizeof(*(p)));                       \
    if (!(p)) STRATA_FAIL(STRATA_ERR_MEM, "out of memory allocating %zu bytes",  \
                          strata_n_ * sizeof(*(p)));                             \
  } while (0)

#endif
