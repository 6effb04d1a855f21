/* The NMF iterate (nmf_state_t): allocation and release, the reduction of the W Grams that
 * every start and every iteration ends with, and the checkpoint, written and read as named
 * arrays through strata/state.h.  Not the storage of a checkpoint (io/ckpt_state.c, or any
 * strata_state_ops_t) and not the starts themselves (init.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/nmf/nmf_impl.h"
#include "strata/state.h"
#include "strata/util.h"

int nmf_state_alloc(const strata_nmf_t *p, int k, int64_t max_iter, nmf_state_t *s) {
  int st = STRATA_OK;
  int M = p->nviews;
  size_t kk = (size_t)k * (size_t)k;
  s->k = k;
  s->M = M;
  STRATA_CALLOC(s->H, p->mloc * k);
  STRATA_CALLOC(s->W, M);
  for (int m = 0; m < M; m++) STRATA_CALLOC(s->W[m], p->v[m].y->nloc * k);
  STRATA_CALLOC(s->WtW, M * kk);
  STRATA_CALLOC(s->HpHp, M * kk);
  STRATA_CALLOC(s->trace, max_iter);
cleanup:
  return st;
}

void nmf_state_free(nmf_state_t *s) {
  free(s->H);
  if (s->W)
    for (int m = 0; m < s->M; m++) free(s->W[m]);
  free(s->W);
  free(s->WtW);
  free(s->HpHp);
  free(s->trace);
  memset(s, 0, sizeof *s);
}

/* Collective: WtW_m = W_m^T W_m summed over the grid row, plus two objective scalars per view
 * riding along (tr, q).  The same buffer layout is used after every iteration and after a
 * resume or an initialisation, so the reduction (and its rounding) is identical. */
int nmf_reduce_wtw(const strata_nmf_t *p, nmf_state_t *s, double *buf, const double *tq) {
  int st = STRATA_OK;
  int k = s->k, M = s->M;
  size_t kk = (size_t)k * (size_t)k;
  for (int m = 0; m < M; m++) {
    nmf_gram(k, p->v[m].y->nloc, s->W[m], buf + m * kk);
    buf[M * kk + 2 * m] = tq ? tq[2 * m] : 0.0;
    buf[M * kk + 2 * m + 1] = tq ? tq[2 * m + 1] : 0.0;
  }
  STRATA_CHECK(nmf_allreduce_sum(buf, (int64_t)(M * kk + 2 * (size_t)M), p->grid->rowcomm));
  memcpy(s->WtW, buf, sizeof(double) * M * kk);
cleanup:
  return st;
}

/* ---- checkpoint: the iterate as named arrays (the header "state", the trace "objective",
 * "wtw" replicated; "H" and "W<m>" distributed); the storage is the caller's ---------------- */

#define NMF_HDR 9 /* iter, k, solver, M, N, converged, nprow, npcol, compress; then D_1..D_M */

int nmf_ckpt_write(const strata_nmf_t *p, const strata_nmf_opts_t *o, const nmf_state_t *s) {
  int st = STRATA_OK;
  strata_state_t *c = NULL;
  int64_t *hdr = NULL;
  char name[32];
  STRATA_MALLOC(hdr, NMF_HDR + s->M);
  int64_t h[NMF_HDR] = {s->iter, s->k, o->solver, s->M, p->N, s->converged, p->grid->nprow,
                        p->grid->npcol, o->compress};
  memcpy(hdr, h, sizeof h);
  for (int m = 0; m < s->M; m++) hdr[NMF_HDR + m] = p->v[m].y->ncols;
  c = o->checkpoint;
  STRATA_CHECK(strata_state_begin_write(c, p->grid->comm, "nmf"));
  STRATA_CHECK(strata_state_put_rep_i64(c, "state", hdr, NMF_HDR + s->M));
  STRATA_CHECK(strata_state_put_rep(c, "objective", s->trace, s->iter));
  STRATA_CHECK(strata_state_put_rep(c, "wtw", s->WtW, (int64_t)s->M * s->k * s->k));
  STRATA_CHECK(strata_state_put_dist(c, "H", s->H, p->mloc * s->k));
  for (int m = 0; m < s->M; m++) {
    snprintf(name, sizeof name, "W%d", m);
    STRATA_CHECK(strata_state_put_dist(c, name, s->W[m], p->v[m].y->nloc * s->k));
  }
  STRATA_CHECK(strata_state_commit(c));
  strata_ev_checkpoint(o->ev, strata_state_name(o->checkpoint), s->iter);
  strata_log(p->grid->comm, 2, "nmf: checkpoint written to '%s' at iteration %lld\n",
             strata_state_name(o->checkpoint), (long long)s->iter);
cleanup:
  strata_state_end(c);
  free(hdr);
  return st;
}

int nmf_ckpt_read(const strata_nmf_t *p, const strata_nmf_opts_t *o, nmf_state_t *s) {
  int st = STRATA_OK;
  strata_state_t *c = NULL;
  int64_t *hdr = NULL;
  char name[32];
  STRATA_MALLOC(hdr, NMF_HDR + s->M);
  c = o->resume;
  STRATA_CHECK(strata_state_begin_read(c, p->grid->comm, "nmf"));
  STRATA_CHECK(strata_state_get_rep_i64(c, "state", hdr, NMF_HDR + s->M));
  int same = hdr[1] == s->k && hdr[2] == o->solver && hdr[3] == s->M && hdr[4] == p->N &&
             hdr[6] == p->grid->nprow && hdr[7] == p->grid->npcol && hdr[8] == o->compress;
  for (int m = 0; m < s->M && same; m++) same = hdr[NMF_HDR + m] == p->v[m].y->ncols;
  if (!same)
    STRATA_FAIL(STRATA_ERR_INPUT,
                "%s: checkpoint is for k=%lld, solver %lld, compress %lld, %lld views, %lld "
                "samples on a %lldx%lld grid; this run has k=%d, solver %d, compress %d, %d views, "
                "%lld samples on %dx%d",
                strata_state_name(o->resume), (long long)hdr[1], (long long)hdr[2], (long long)hdr[8],
                (long long)hdr[3], (long long)hdr[4], (long long)hdr[6], (long long)hdr[7], s->k,
                o->solver, o->compress, s->M, (long long)p->N, p->grid->nprow, p->grid->npcol);
  if (hdr[0] < 0 || hdr[0] > o->max_iter)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: checkpoint at iteration %lld is beyond --max-iter %lld",
                strata_state_name(o->resume), (long long)hdr[0], (long long)o->max_iter);
  s->iter = hdr[0];
  s->converged = (int)hdr[5];
  STRATA_CHECK(strata_state_get_rep(c, "objective", s->trace, s->iter));
  STRATA_CHECK(strata_state_get_rep(c, "wtw", s->WtW, (int64_t)s->M * s->k * s->k));
  STRATA_CHECK(strata_state_get_dist(c, "H", s->H, p->mloc * s->k));
  for (int m = 0; m < s->M; m++) {
    snprintf(name, sizeof name, "W%d", m);
    STRATA_CHECK(strata_state_get_dist(c, name, s->W[m], p->v[m].y->nloc * s->k));
  }
cleanup:
  strata_state_end(c);
  free(hdr);
  return st;
}
