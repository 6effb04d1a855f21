/* The outside of the progress channel: --monitor values, the endpoint file, CURVE key files
 * and the subscriber socket used by `strata monitor` and the tests.  Not the publisher (that
 * is monitor/actor.c, driven by monitor/events.c) and not the terminal view (monitor/view.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "strata/monitor.h"
#include "strata/util.h"

int strata_monitor_write_endpoint(const char *path, const char *endpoint) {
  int st = STRATA_OK;
  char tmp[4096];
  FILE *f = NULL;
  strata_tmpname(path, tmp, sizeof tmp);
  f = fopen(tmp, "w");
  if (!f) STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot write endpoint file '%s': %s", tmp, strerror(errno));
  fprintf(f, "%s\n", endpoint);
  if (fclose(f) != 0) {
    f = NULL;
    STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot write endpoint file '%s': %s", tmp, strerror(errno));
  }
  f = NULL;
  if (rename(tmp, path) != 0)
    STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
cleanup:
  if (f) fclose(f);
  if (st) remove(tmp);
  return st;
}

int strata_monitor_read_endpoint(const char *path, char *buf, size_t bufsize) {
  int st = STRATA_OK;
  FILE *f = fopen(path, "r");
  if (!f) STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot open endpoint file '%s': %s", path, strerror(errno));
  if (!fgets(buf, (int)bufsize, f)) buf[0] = '\0';
  buf[strcspn(buf, "\r\n")] = '\0';
  if (!strstr(buf, "://"))
    STRATA_FAIL(STRATA_ERR_INPUT, "monitor: '%s':1: no endpoint (expected e.g. tcp://127.0.0.1:5555)", path);
cleanup:
  if (f) fclose(f);
  return st;
}

/* ------------------------------------------------------------------------------------------ */
/* CURVE key files */

static int write_key(const char *dir, const char *name, const char *key, mode_t mode) {
  int st = STRATA_OK;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = NULL;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot create '%s': %s", path, strerror(errno));
  f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot write '%s': %s", path, strerror(errno));
  }
  fprintf(f, "%s\n", key);
  if (fclose(f) != 0) {
    f = NULL;
    STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot write '%s': %s", path, strerror(errno));
  }
  f = NULL;
cleanup:
  if (f) fclose(f);
  return st;
}

int strata_monitor_keygen(const char *dir) {
  int st = STRATA_OK;
  char spub[41], ssec[41], cpub[41], csec[41], line[128];
  if (!zmq_has("curve")) STRATA_FAIL(STRATA_ERR_IO, "monitor: this ZeroMQ has no CURVE support");
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot create '%s': %s", dir, strerror(errno));
  if (zmq_curve_keypair(spub, ssec) != 0 || zmq_curve_keypair(cpub, csec) != 0)
    STRATA_FAIL(STRATA_ERR_IO, "monitor: zmq_curve_keypair failed: %s", zmq_strerror(errno));
  /* O_EXCL: never overwrite keys a running job may be using */
  STRATA_CHECK(write_key(dir, "server.key", ssec, 0600));
  STRATA_CHECK(write_key(dir, "server.pub", spub, 0644));
  STRATA_CHECK(write_key(dir, "client.key", csec, 0600));
  STRATA_CHECK(write_key(dir, "client.pub", cpub, 0644));
  snprintf(line, sizeof line, "# client public keys allowed to watch runs (one per line)\n%s", cpub);
  STRATA_CHECK(write_key(dir, "authorized_keys", line, 0644));
cleanup:
  return st;
}

int strata_monitor_load_key(const char *dir, const char *name, int secret, char key[41]) {
  int st = STRATA_OK;
  char path[4096], line[256];
  struct stat sb;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  if (!f) STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot open key file '%s': %s", path, strerror(errno));
  if (secret && fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077))
    STRATA_FAIL(STRATA_ERR_INPUT, "monitor: secret key '%s' is readable by others (chmod 600 it)", path);
  if (!fgets(line, sizeof line, f)) line[0] = '\0';
  line[strcspn(line, "\r\n \t")] = '\0';
  uint8_t bin[32];
  if (strlen(line) != 40 || !zmq_z85_decode(bin, line))
    STRATA_FAIL(STRATA_ERR_INPUT, "monitor: '%s':1: not a Z85 CURVE key (40 characters)", path);
  memcpy(key, line, 41);
cleanup:
  if (f) fclose(f);
  return st;
}

/* ------------------------------------------------------------------------------------------ */
/* --monitor values */

int strata_monitor_parse_endpoint(const char *value, char *buf, size_t bufsize, int *connect) {
  int st = STRATA_OK;
  *connect = 0;
  const char *v = value;
  if (strncmp(v, "connect:", 8) == 0) {
    *connect = 1;
    v += 8;
  }
  if (!strstr(v, "://")) {
    /* "5555" or ":5555": a port on loopback */
    const char *p = v[0] == ':' ? v + 1 : v;
    char *end = NULL;
    errno = 0;
    long port = strtol(p, &end, 10);
    if (!*p || *p == '-' || *p == '+' || *end || errno || port < 0 || port > 65535 || *connect)
      STRATA_FAIL(STRATA_ERR_USAGE,
                  "--monitor wants tcp://HOST:PORT, PORT (0..65535) or connect:tcp://HOST:PORT, got '%s'", value);
    snprintf(buf, bufsize, "tcp://127.0.0.1:%ld", port);
    goto cleanup;
  }
  if (strncmp(v, "tcp://", 6) != 0 && strncmp(v, "ipc://", 6) != 0)
    STRATA_FAIL(STRATA_ERR_USAGE, "--monitor: only tcp:// and ipc:// endpoints are supported, got '%s'", value);
  if (strlen(v) >= bufsize) STRATA_FAIL(STRATA_ERR_USAGE, "--monitor: endpoint too long");
  if (!*connect && strncmp(v, "tcp://", 6) == 0 && !strrchr(v + 6, ':'))
    STRATA_FAIL(STRATA_ERR_USAGE, "--monitor: '%s' has no port (use :0 for any free port)", value);
  /* whether a bind is acceptable is decided on the address actually bound
   * (strata_monitor_check_bound), not on this text: 0, 0x0, 0.0.0.00 and host names all
   * reach every interface or a public one without looking like it */
  snprintf(buf, bufsize, "%s", v);
cleanup:
  return st;
}

int strata_monitor_endpoint_is_local(const char *endpoint) {
  if (!endpoint) return 0;
  if (strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "inproc://", 9) == 0) return 1;
  if (strncmp(endpoint, "tcp://", 6) != 0) return 0;
  /* ZMQ_LAST_ENDPOINT gives a numeric address: tcp://A.B.C.D:PORT or tcp://[IPV6]:PORT */
  char host[INET6_ADDRSTRLEN + 8];
  const char *h = endpoint + 6, *colon = strrchr(h, ':');
  if (!colon || colon == h) return 0;
  size_t n = (size_t)(colon - h);
  if (h[0] == '[') {
    if (n < 2 || h[n - 1] != ']') return 0;
    h++;
    n -= 2;
  }
  if (n == 0 || n >= sizeof host) return 0;
  memcpy(host, h, n);
  host[n] = '\0';
  struct in_addr a4;
  struct in6_addr a6;
  if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  if (inet_pton(AF_INET6, host, &a6) == 1) {
    static const uint8_t loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a6.s6_addr, loop6, 16) == 0) return 1;
    return memcmp(a6.s6_addr, mapped, 12) == 0 && a6.s6_addr[12] == 127; /* ::ffff:127.x.y.z */
  }
  return 0; /* a name or anything unparsable: not known to be local */
}

int strata_monitor_check_bound(void *sock, int curve, const char *what, const char *asked, char *bound,
                               size_t boundsize) {
  int st = STRATA_OK;
  size_t len = boundsize;
  if (zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, bound, &len) != 0 || !bound[0]) {
    int e = zmq_errno();
    bound[0] = '\0';
    /* cannot tell what was bound: treat it as public */
    if (!curve) STRATA_FAIL(STRATA_ERR_IO, "%s %s: cannot read the bound address back: %s", what, asked, zmq_strerror(e));
    snprintf(bound, boundsize, "%s", asked);
    goto cleanup;
  }
  if (!curve && !strata_monitor_endpoint_is_local(bound)) {
    zmq_unbind(sock, bound);
    STRATA_FAIL(STRATA_ERR_USAGE,
                "%s %s bound %s, which other hosts can reach, without encryption: refused. Bind "
                "tcp://127.0.0.1:PORT (and forward the port, e.g. ssh -L) or add %s DIR (keys from "
                "'strata monitor --keygen DIR')",
                what, asked, bound, strcmp(what, "--bind") == 0 ? "--curve" : "--monitor-curve");
  }
cleanup:
  return st;
}

/* ------------------------------------------------------------------------------------------ */
/* the subscriber */

struct strata_subscriber {
  void *ctx, *sock;
  char endpoint[512];
};

int strata_subscriber_create(const char *endpoint, int bind, const char *curve_dir,
                             strata_subscriber_t **out) {
  int st = STRATA_OK, zero = 0;
  strata_subscriber_t *s = NULL;
  *out = NULL;
  STRATA_CALLOC(s, 1);
  s->ctx = zmq_ctx_new();
  if (!s->ctx) STRATA_FAIL(STRATA_ERR_IO, "monitor: zmq_ctx_new: %s", zmq_strerror(errno));
  s->sock = zmq_socket(s->ctx, ZMQ_SUB);
  if (!s->sock) STRATA_FAIL(STRATA_ERR_IO, "monitor: zmq_socket: %s", zmq_strerror(errno));
  zmq_setsockopt(s->sock, ZMQ_LINGER, &zero, sizeof zero);
  if (curve_dir) {
    char spub[41], cpub[41], csec[41];
    STRATA_CHECK(strata_monitor_load_key(curve_dir, "server.pub", 0, spub));
    STRATA_CHECK(strata_monitor_load_key(curve_dir, "client.pub", 0, cpub));
    STRATA_CHECK(strata_monitor_load_key(curve_dir, "client.key", 1, csec));
    if (zmq_setsockopt(s->sock, ZMQ_CURVE_SERVERKEY, spub, 40) || zmq_setsockopt(s->sock, ZMQ_CURVE_PUBLICKEY, cpub, 40) ||
        zmq_setsockopt(s->sock, ZMQ_CURVE_SECRETKEY, csec, 40))
      STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot set CURVE keys: %s", zmq_strerror(errno));
  }
  zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, "", 0);
  if (bind) {
    if (zmq_bind(s->sock, endpoint) != 0)
      STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot bind '%s': %s", endpoint, zmq_strerror(zmq_errno()));
    STRATA_CHECK(strata_monitor_check_bound(s->sock, curve_dir != NULL, "--bind", endpoint, s->endpoint,
                                            sizeof s->endpoint));
  } else {
    if (zmq_connect(s->sock, endpoint) != 0)
      STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot connect to '%s': %s", endpoint, zmq_strerror(errno));
    snprintf(s->endpoint, sizeof s->endpoint, "%s", endpoint);
  }
cleanup:
  if (st) strata_subscriber_destroy(&s);
  *out = s;
  return st;
}

const char *strata_subscriber_endpoint(const strata_subscriber_t *sub) { return sub ? sub->endpoint : ""; }

int strata_subscriber_recv(strata_subscriber_t *sub, int timeout_ms, char **msg) {
  int st = STRATA_OK;
  char *buf = NULL;
  zmq_msg_t m;
  zmq_msg_init(&m);
  *msg = NULL;
  zmq_pollitem_t item = {sub->sock, 0, ZMQ_POLLIN, 0};
  int rc = zmq_poll(&item, 1, timeout_ms);
  if (rc < 0 && errno == EINTR) goto cleanup;
  if (rc < 0) STRATA_FAIL(STRATA_ERR_IO, "monitor: zmq_poll: %s", zmq_strerror(errno));
  if (rc == 0) goto cleanup;
  if (zmq_msg_recv(&m, sub->sock, ZMQ_DONTWAIT) < 0) {
    if (errno == EAGAIN || errno == EINTR) goto cleanup;
    STRATA_FAIL(STRATA_ERR_IO, "monitor: receive: %s", zmq_strerror(errno));
  }
  size_t n = zmq_msg_size(&m);
  STRATA_MALLOC(buf, n + 1);
  memcpy(buf, zmq_msg_data(&m), n);
  buf[n] = '\0';
  *msg = buf;
  buf = NULL;
cleanup:
  zmq_msg_close(&m);
  free(buf);
  return st;
}

void strata_subscriber_destroy(strata_subscriber_t **subp) {
  if (!subp || !*subp) return;
  strata_subscriber_t *s = *subp;
  if (s->sock) zmq_close(s->sock);
  if (s->ctx) zmq_ctx_term(s->ctx);
  free(s);
  *subp = NULL;
}
