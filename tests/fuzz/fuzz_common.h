/* Shared by the libFuzzer harnesses of strata's file parsers (tests/fuzz/fuzz_<parser>.c).
 *
 * One fuzz input describes one or more files: a flag byte, then the files' contents separated
 * by a line holding only "%%":
 *
 *     <flags byte><file 0>\n%%\n<file 1>\n%%\n<file 2>
 *
 * The flag byte XOR 0x30 gives the harness's option bits (which format, by column, ...), so
 * the ASCII digits '0'..'9' of the seeds are options 0..9 ('0' = none); bit 6 (0x40, the seeds'
 * 'p') asks for every file to be written gzip-compressed, so the gzip reading paths see the
 * same contents as the plain ones.
 * A corrupt or truncated gzip stream reaches them too: the readers detect gzip by content.
 *
 * The parsers take paths, so every file is written to a private directory (on /dev/shm when it
 * exists) before the parser is called; the directory is removed at exit.  MPI is initialised
 * once (singleton, MPI_COMM_SELF).  A harness calls the parser and then fuzz_status(), which
 * aborts (a crash for libFuzzer, with the parser's message) when the status is not one the
 * parser is documented to return for bad input: any input must give OK or bad input, never an
 * internal error, and a failure must carry a message. */
#ifndef STRATA_FUZZ_COMMON_H
#define STRATA_FUZZ_COMMON_H
#include <stddef.h>
#include <stdint.h>

#define FUZZ_SEP "\n%%\n"
#define FUZZ_MAX_PARTS 4
#define FUZZ_GZIP 0x40u

typedef struct fuzz_part {
  const uint8_t *p;
  size_t n;
} fuzz_part_t;

/* Split an input: *flags = the first byte ^ 0x30 (0 for an empty input), parts[0..ret) the files
 * (the last part takes the rest, separators included, when there are more than max). */
int fuzz_split(const uint8_t *data, size_t size, unsigned *flags, fuzz_part_t *parts, int max);

/* Once per process (LLVMFuzzerInitialize): MPI_Init, the private directory, stdout to
 * /dev/null (the parsers and the monitor print there), error handler of MPI_COMM_SELF. */
void fuzz_init(void);

/* The path of NAME in the private directory (a new string per call site is not needed: the
 * returned pointer stays valid until the process exits; at most 16 names). */
const char *fuzz_path(const char *name);

/* Write a part to NAME in the private directory (gzip-compressed when gz); returns its path. */
const char *fuzz_write(const char *name, const uint8_t *p, size_t n, int gz);

/* The name of a file in the private directory that fuzz_write did not write (an output or a
 * temporary file a parser or writer left behind), or NULL. */
const char *fuzz_stray(void);

/* Abort unless st is STRATA_OK or STRATA_ERR_INPUT (with a non-empty message); print the
 * parser's message when FUZZ_VERBOSE is set in the environment.  Clears the error record. */
void fuzz_status(const char *what, int st);

/* Abort with a message (an invariant of a parser's output does not hold). */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#endif
