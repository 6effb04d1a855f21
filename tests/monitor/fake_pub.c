/* A publisher that is not a (current) strata run, for the monitor's refusal tests: binds an XPUB
 * on tcp://127.0.0.1 (any port), writes the endpoint file, waits for a subscription and sends
 * one raw message given on the command line (e.g. a future schema version, or not JSON).
 * With --connect it is a stranger on a `strata monitor --bind` port instead: it reads the
 * endpoint from the file, connects, waits for the monitor's subscription and sends each
 * MESSAGE in turn (malformed ones, for the count-and-ignore test).
 * Usage: fake_pub ENDPOINT_FILE MESSAGE
 *        fake_pub --connect ENDPOINT_FILE MESSAGE... */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

static int stranger(int argc, char **argv) {
  void *ctx = zmq_ctx_new(), *pub = zmq_socket(ctx, ZMQ_XPUB);
  int linger = 2000, rc = 1;
  zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
  char ep[256] = "";
  FILE *f = fopen(argv[2], "r");
  if (!f || !fgets(ep, sizeof ep, f)) goto done;
  ep[strcspn(ep, "\r\n")] = '\0';
  if (zmq_connect(pub, ep) != 0) goto done;
  zmq_pollitem_t item = {pub, 0, ZMQ_POLLIN, 0};
  if (zmq_poll(&item, 1, 20000) == 1) {
    char sub[64];
    zmq_recv(pub, sub, sizeof sub, 0);
    for (int i = 3; i < argc; i++) zmq_send(pub, argv[i], strlen(argv[i]), 0);
    rc = 0;
  }
done:
  if (f) fclose(f);
  zmq_close(pub);
  zmq_ctx_term(ctx);
  return rc;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "--connect") == 0) return stranger(argc, argv);
  if (argc != 3) {
    fprintf(stderr, "usage: fake_pub ENDPOINT_FILE MESSAGE\n");
    return 1;
  }
  void *ctx = zmq_ctx_new(), *pub = zmq_socket(ctx, ZMQ_XPUB);
  int linger = 1000, rc = 1;
  zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
  char ep[256];
  size_t len = sizeof ep;
  if (zmq_bind(pub, "tcp://127.0.0.1:*") != 0 || zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, ep, &len) != 0) goto done;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
  FILE *f = fopen(tmp, "w");
  if (!f) goto done;
  fprintf(f, "%s\n", ep);
  fclose(f);
  rename(tmp, argv[1]);
  zmq_pollitem_t item = {pub, 0, ZMQ_POLLIN, 0};
  if (zmq_poll(&item, 1, 20000) == 1) {
    char sub[64];
    zmq_recv(pub, sub, sizeof sub, 0);
    zmq_send(pub, argv[2], strlen(argv[2]), 0);
    rc = 0;
  }
  sleep(1);
done:
  zmq_close(pub);
  zmq_ctx_term(ctx);
  remove(argv[1]);
  return rc;
}
