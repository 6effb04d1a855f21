/* Shared harness code: input splitting, files in a private directory, MPI once, the status
 * oracle.  See fuzz_common.h. */
#define _GNU_SOURCE /* memmem */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <mpi.h>
#include <sanitizer/lsan_interface.h>
#include <zlib.h>

#include "strata/error.h"

static char g_dir[256];
static char g_paths[16][320];
static int g_input[16]; /* written by fuzz_write */
static int g_npaths;

int fuzz_split(const uint8_t *data, size_t size, unsigned *flags, fuzz_part_t *parts, int max) {
  static const size_t sl = sizeof FUZZ_SEP - 1;
  *flags = size ? data[0] ^ 0x30u : 0; /* ASCII '0'..'9' are options 0..9, 'p' is gzip */
  const uint8_t *p = size ? data + 1 : data, *end = data + size;
  int n = 0;
  while (n < max) {
    const uint8_t *s = n + 1 < max ? memmem(p, (size_t)(end - p), FUZZ_SEP, sl) : NULL;
    if (!s) {
      parts[n].p = p;
      parts[n++].n = (size_t)(end - p);
      break;
    }
    parts[n].p = p;
    parts[n++].n = (size_t)(s - p) + 1; /* keep the line's newline */
    p = s + sl;
  }
  return n;
}

static void cleanup_dir(void) {
  for (int i = 0; i < g_npaths; i++) unlink(g_paths[i]);
  /* whatever a parser or writer left (temp names of an aborted write) */
  DIR *d = opendir(g_dir);
  if (d) {
    struct dirent *e;
    char p[600];
    while ((e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
        unlink(p);
      }
    closedir(d);
  }
  rmdir(g_dir);
}

void fuzz_init(void) {
  int init = 0;
  MPI_Initialized(&init);
  /* Open MPI installs its own handlers for SIGABRT, SIGSEGV, ... in MPI_Init: put libFuzzer's
   * back, so a crash is reported, its input saved and the process ends as libFuzzer decides */
  static const int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
  struct sigaction saved[5];
  for (int i = 0; i < 5; i++) sigaction(sigs[i], NULL, &saved[i]);
  /* what Open MPI allocates once and never frees is not the parsers' leak */
  __lsan_disable();
  if (!init) MPI_Init(NULL, NULL);
  __lsan_enable();
  for (int i = 0; i < 5; i++) sigaction(sigs[i], &saved[i], NULL);
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* HDF5's own error stacks: the status says it */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  /* STRATA_FUZZ_DIR (run.sh: a directory it removes even after a crash), else tmpfs */
  const char *base = getenv("STRATA_FUZZ_DIR") ? getenv("STRATA_FUZZ_DIR")
                     : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(g_dir, sizeof g_dir, "%s/strata-fuzz.XXXXXX", base);
  if (!mkdtemp(g_dir)) {
    fprintf(stderr, "fuzz: cannot create a directory under %s: %s\n", base, strerror(errno));
    abort();
  }
  atexit(cleanup_dir);
  /* the parsers' progress lines and the monitor's rendering go to stdout: not to the log */
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    fflush(stdout);
    dup2(null, STDOUT_FILENO);
    close(null);
  }
}

static int path_index(const char *name) {
  char want[320];
  snprintf(want, sizeof want, "%s/%s", g_dir, name);
  for (int i = 0; i < g_npaths; i++)
    if (strcmp(g_paths[i], want) == 0) return i;
  if (g_npaths == 16) fuzz_fail("fuzz_path: more than 16 names");
  snprintf(g_paths[g_npaths], sizeof g_paths[0], "%s", want);
  return g_npaths++;
}

const char *fuzz_path(const char *name) { return g_paths[path_index(name)]; }

const char *fuzz_write(const char *name, const uint8_t *p, size_t n, int gz) {
  int k = path_index(name);
  const char *path = g_paths[k];
  g_input[k] = 1;
  if (gz) {
    gzFile g = gzopen(path, "wb1");
    if (!g) fuzz_fail("fuzz_write: gzopen %s: %s", path, strerror(errno));
    if (n && gzwrite(g, p, (unsigned)n) != (int)n) fuzz_fail("fuzz_write: gzwrite %s", path);
    if (gzclose(g) != Z_OK) fuzz_fail("fuzz_write: gzclose %s", path);
    return path;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) fuzz_fail("fuzz_write: open %s: %s", path, strerror(errno));
  for (size_t off = 0; off < n;) {
    ssize_t w = write(fd, p + off, n - off);
    if (w <= 0) fuzz_fail("fuzz_write: write %s: %s", path, strerror(errno));
    off += (size_t)w;
  }
  close(fd);
  return path;
}

const char *fuzz_stray(void) {
  static char name[256];
  const char *found = NULL;
  DIR *d = opendir(g_dir);
  if (!d) fuzz_fail("fuzz_stray: cannot list %s: %s", g_dir, strerror(errno));
  struct dirent *e;
  while (!found && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    int known = 0;
    for (int i = 0; i < g_npaths && !known; i++)
      known = g_input[i] && !strcmp(strrchr(g_paths[i], '/') + 1, e->d_name);
    if (!known) {
      snprintf(name, sizeof name, "%s", e->d_name);
      found = name;
    }
  }
  closedir(d);
  return found;
}

void fuzz_status(const char *what, int st) {
  if (getenv("FUZZ_VERBOSE")) fprintf(stderr, "%s: status %d: %s\n", what, st, strata_err_msg());
  if (st != STRATA_OK && st != STRATA_ERR_INPUT)
    fuzz_fail("%s returned status %d (%s), want OK or bad input: %s [%s]", what, st, strata_status_name(st),
              strata_err_msg(), strata_err_where());
  if (st == STRATA_ERR_INPUT && !strata_err_msg()[0]) fuzz_fail("%s failed with bad input but no message", what);
  strata_err_clear();
}

void fuzz_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "==fuzz== ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  abort();
}
