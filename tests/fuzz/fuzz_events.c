/* libFuzzer harness: the event messages `strata monitor` reads (schema strata.events/1,
 * docs/events.md) and everything it does with one: monitor/view.c parses each received frame
 * with jansson, checks the schema tag, folds events and snapshots into the view's state, prints
 * plain lines or renders the live view, and maps a run_end back to a status.  The harness feeds
 * strata_mview_receive the way the receive loop of cli/cmd_monitor.c does, one message per
 * input line, all lines of an input in one view (a stream, as a subscriber sees it).  No flag
 * byte: an input is a JSON-lines file, like `--events-jsonl` writes.
 * Oracle: no crash, no sanitizer report, no leak (jansson references are counted); a refused
 * message is bad input with a message, never another status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "strata/monitor_view.h"
#include "strata/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  /* inputs of odd length render the live view, the others plain lines (every iteration) */
  strata_mview_t *v = NULL;
  if (strata_mview_create("tcp://127.0.0.1:1", size & 1 ? STRATA_MVIEW_LIVE : STRATA_MVIEW_LINES, 0, stdout, &v) !=
      STRATA_OK) {
    free(buf);
    return 0;
  }
  for (char *line = buf, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    strata_mview_kind_t kind;
    int st = strata_mview_receive(v, line, strata_wtime(), &kind);
    if (st != STRATA_OK && (st != STRATA_ERR_INPUT || !strata_err_msg()[0] ||
                            (kind != STRATA_MVIEW_NOT_JSON && kind != STRATA_MVIEW_BAD_SCHEMA)))
      abort(); /* a refusal is bad input, says why, and says which */
    strata_err_clear();
    if (kind == STRATA_MVIEW_SNAPSHOT) strata_mview_print(v); /* what --once prints */
    if (strata_mview_info(v)->ended) (void)strata_mview_run_status(v);
    strata_err_clear();
  }
  strata_mview_idle(v);
  strata_mview_print(v);
  strata_mview_destroy(&v);
  free(buf);
  return 0;
}
