/* The files a command reads and writes, checked before any work (strata_cli_start): no output
 * is one of the inputs or another output (by file identity, so symlinks and hard links count),
 * every output's directory exists and takes a new file, and temporaries left by killed runs on
 * the same outputs are removed.  Then the progress channel starts (its files are outputs too).
 * Not for opening or writing anything: the commands and io/ do that. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "strata/util.h"

enum { P_IN, P_OUT, P_RESUME };

typedef struct {
  int kind;
  char *opt;       /* the option (or argument name) that named it, for messages */
  char *path;
  char *may_be;    /* P_RESUME: the output option it may equal (the checkpoint it continues) */
} entry_t;

struct strata_cli_paths {
  int n, cap, oom;
  entry_t *e;
};

static void add(strata_cli_t *cli, int kind, const char *opt, const char *path, const char *may_be) {
  if (!path || !*path) return;
  if (!cli->paths && !(cli->paths = calloc(1, sizeof *cli->paths))) return; /* start reports it */
  struct strata_cli_paths *p = cli->paths;
  if (p->n == p->cap) {
    int cap = p->cap ? 2 * p->cap : 16;
    entry_t *e = realloc(p->e, (size_t)cap * sizeof *e);
    if (!e) { p->oom = 1; return; }
    p->e = e;
    p->cap = cap;
  }
  entry_t *x = &p->e[p->n];
  x->kind = kind;
  x->opt = strdup(opt ? opt : "");
  x->path = strdup(path);
  x->may_be = may_be ? strdup(may_be) : NULL;
  if (!x->opt || !x->path || (may_be && !x->may_be)) {
    free(x->opt); free(x->path); free(x->may_be);
    p->oom = 1;
    return;
  }
  p->n++;
}

void strata_cli_input(strata_cli_t *cli, const char *opt, const char *path) { add(cli, P_IN, opt, path, NULL); }
void strata_cli_output(strata_cli_t *cli, const char *opt, const char *path) { add(cli, P_OUT, opt, path, NULL); }

void strata_cli_output_suffix(strata_cli_t *cli, const char *opt, const char *prefix, const char *suffix) {
  if (!prefix || !*prefix) return;
  size_t n = strlen(prefix) + strlen(suffix) + 1;
  char *s = malloc(n);
  if (!s) {
    if (cli->paths) cli->paths->oom = 1;
    return;
  }
  snprintf(s, n, "%s%s", prefix, suffix);
  add(cli, P_OUT, opt, s, NULL);
  free(s);
}

void strata_cli_resume(strata_cli_t *cli, const char *opt, const char *path, const char *ckpt_opt) {
  add(cli, P_RESUME, opt, path, ckpt_opt);
}

static void paths_free(struct strata_cli_paths **pp) {
  struct strata_cli_paths *p = *pp;
  if (!p) return;
  for (int i = 0; i < p->n; i++) {
    free(p->e[i].opt);
    free(p->e[i].path);
    free(p->e[i].may_be);
  }
  free(p->e);
  free(p);
  *pp = NULL;
}

/* The directory part of path ("." for a bare name) and its base name, in buffers of PATH_MAX. */
static void split(const char *path, char *dir, char *base) {
  const char *slash = strrchr(path, '/');
  if (!slash) {
    snprintf(dir, PATH_MAX, ".");
    snprintf(base, PATH_MAX, "%s", path);
  } else {
    size_t n = (size_t)(slash - path);
    if (n == 0) n = 1; /* "/x": the root */
    snprintf(dir, PATH_MAX, "%.*s", (int)n, path);
    snprintf(base, PATH_MAX, "%s", slash + 1);
  }
}

/* Where a new file at `path` lands: (device, inode) of its directory and its base name. */
typedef struct {
  int exists;        /* the path names an existing file (symlinks followed) */
  struct stat file;  /* its identity when it exists */
  int dir_ok, dir_errno;
  struct stat dir;   /* the directory it would be created in */
  char base[PATH_MAX];
} where_t;

static void locate(const char *path, where_t *w) {
  char dir[PATH_MAX];
  memset(w, 0, sizeof *w);
  w->exists = stat(path, &w->file) == 0;
  split(path, dir, w->base);
  w->dir_ok = stat(dir, &w->dir) == 0;
  w->dir_errno = w->dir_ok ? 0 : errno;
}

static int same_file(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Two outputs collide when they are one existing file or would be created as the same name in
 * the same directory. */
static int same_output(const where_t *a, const where_t *b) {
  if (a->exists && b->exists && same_file(&a->file, &b->file)) return 1;
  return a->dir_ok && b->dir_ok && same_file(&a->dir, &b->dir) && strcmp(a->base, b->base) == 0;
}

/* This rank's checks; records the first problem.  Usage errors (exit 1) for a file named twice,
 * I/O errors (exit 3) for a directory that cannot take the output. */
static int check_local(const struct strata_cli_paths *p) {
  int st = STRATA_OK;
  where_t *w = NULL;
  STRATA_CALLOC(w, p->n);
  for (int i = 0; i < p->n; i++) locate(p->e[i].path, &w[i]);
  for (int i = 0; i < p->n; i++) {
    const entry_t *o = &p->e[i];
    if (o->kind != P_OUT) continue;
    /* an output that is an input (the same file however it is named) */
    for (int j = 0; j < p->n; j++) {
      const entry_t *in = &p->e[j];
      if (in->kind == P_OUT || !w[i].exists || !w[j].exists || !same_file(&w[i].file, &w[j].file)) continue;
      if (in->kind == P_RESUME && in->may_be && strcmp(in->may_be, o->opt) == 0) continue;
      STRATA_FAIL(STRATA_ERR_USAGE, "%s '%s' is the input %s '%s' (the same file); strata never writes over its inputs",
                  o->opt, o->path, in->opt, in->path);
    }
    for (int j = 0; j < i; j++) {
      const entry_t *o2 = &p->e[j];
      if (o2->kind == P_OUT && same_output(&w[i], &w[j]))
        STRATA_FAIL(STRATA_ERR_USAGE, "%s '%s' and %s '%s' are the same file", o2->opt, o2->path, o->opt, o->path);
    }
  }
  for (int i = 0; i < p->n; i++) {
    const entry_t *o = &p->e[i];
    if (o->kind != P_OUT) continue;
    char dir[PATH_MAX], base[PATH_MAX];
    split(o->path, dir, base);
    if (!base[0]) STRATA_FAIL(STRATA_ERR_USAGE, "%s '%s' names a directory, not a file", o->opt, o->path);
    if (w[i].exists && S_ISDIR(w[i].file.st_mode))
      STRATA_FAIL(STRATA_ERR_IO, "cannot write %s '%s': it is a directory", o->opt, o->path);
    if (!w[i].dir_ok)
      STRATA_FAIL(STRATA_ERR_IO, "cannot write %s '%s': directory '%s': %s", o->opt, o->path, dir, strerror(w[i].dir_errno));
    if (!S_ISDIR(w[i].dir.st_mode))
      STRATA_FAIL(STRATA_ERR_IO, "cannot write %s '%s': '%s' is not a directory", o->opt, o->path, dir);
    /* access() alone says yes to root on a read-only mount's neighbour rules and no to nothing
     * else: create (and remove) the temporary name the writer will use, which answers for
     * permissions, ACLs, read-only file systems and exhausted inodes alike */
    char probe[PATH_MAX + 32];
    strata_tmpname(o->path, probe, sizeof probe);
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno != EEXIST)
      STRATA_FAIL(STRATA_ERR_IO, "cannot write %s '%s': cannot create a file in directory '%s': %s", o->opt, o->path, dir, strerror(errno));
    if (fd >= 0) {
      close(fd);
      unlink(probe);
    }
  }
cleanup:
  free(w);
  return st;
}

/* Is this name "<base>.tmp.<digits>"?  Returns the pid, or 0. */
static long temp_pid(const char *name, const char *base) {
  size_t n = strlen(base);
  if (strncmp(name, base, n) != 0 || strncmp(name + n, ".tmp.", 5) != 0) return 0;
  const char *d = name + n + 5;
  if (!*d || strlen(d) > 9) return 0;
  for (const char *c = d; *c; c++)
    if (*c < '0' || *c > '9') return 0;
  return strtol(d, NULL, 10);
}

/* Rank 0: remove the temporaries of earlier runs on the same outputs.
 *
 * Writers name a temporary "<output>.tmp.<pid>" (strata_tmpname, rank 0's pid) and rename it at
 * the end; a run killed by SIGKILL, or by a scheduler after its grace period, leaves it behind.
 * A fixed temporary name (truncated by the next run) would need no cleanup, but two runs writing
 * the same output at once would then write into one file; with pid names each run has its own
 * temporary and the last rename wins.  So a temporary is removed only when its name is exactly
 * "<output's name>.tmp.<digits>" in the output's directory, that pid is not a live process on
 * this host, and it is not one of this run's inputs.  A run on another host writing the same
 * output at the same moment could lose its temporary this way; it then fails at its rename
 * (exit 3) and never leaves a wrong file. */
static void remove_stale(const strata_cli_t *cli, const struct strata_cli_paths *p) {
  for (int i = 0; i < p->n; i++) {
    const entry_t *o = &p->e[i];
    if (o->kind != P_OUT) continue;
    char dir[PATH_MAX], base[PATH_MAX];
    split(o->path, dir, base);
    DIR *d = opendir(dir);
    if (!d) continue;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
      long pid = temp_pid(de->d_name, base);
      if (pid <= 0 || pid == (long)getpid()) continue;
      if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* alive (or not ours to judge) */
      char full[2 * PATH_MAX + 2];
      snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
      struct stat s;
      if (lstat(full, &s) != 0 || !S_ISREG(s.st_mode)) continue;
      int is_input = 0;
      for (int j = 0; j < p->n; j++) {
        struct stat in;
        if (p->e[j].kind != P_OUT && stat(p->e[j].path, &in) == 0 && same_file(&in, &s)) is_input = 1;
      }
      if (is_input) continue;
      if (unlink(full) == 0)
        strata_log(MPI_COMM_SELF, 1, "strata %s: removed '%s', left by an earlier run (process %ld is gone)\n",
                   cli->cmd ? cli->cmd : "", full, pid);
    }
    closedir(d);
  }
}

int strata_cli_start(strata_cli_t *cli) {
  int st = STRATA_OK;
  if (cli->started) return STRATA_OK;
  cli->started = 1;
  /* the progress channel's files are outputs like any other */
  strata_cli_output(cli, "--events-jsonl", cli->evopts.jsonl);
  strata_cli_output(cli, "--monitor-file", cli->evopts.endpoint_file);
  if (!cli->paths && !(cli->paths = calloc(1, sizeof *cli->paths))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  if (cli->paths->oom) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  st = check_local(cli->paths);
cleanup:
  /* every rank checks its own view of the file system; the worst answer holds everywhere */
  st = strata_agree(cli->comm, st);
  if (st == STRATA_OK && cli->rank == 0) remove_stale(cli, cli->paths);
  if (st == STRATA_OK) {
    st = strata_events_create(cli->comm, &cli->evopts, &cli->ev);
    st = strata_agree(cli->comm, st);
  } else {
    cli->refused = 1;
  }
  paths_free(&cli->paths);
  return st;
}

void strata_cli_paths_free(strata_cli_t *cli) { paths_free(&cli->paths); }
