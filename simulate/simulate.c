/* The generative model of `strata simulate` (include/strata/simulate.h): patients and regions,
 * planted factors and loadings, data rows, clone trees and multi-region mutations.  Numbers
 * only, no I/O and no MPI: every value is a pure function of (seed, purpose, view, element)
 * through the counter-based RNG, which is what makes the output independent of the rank count.
 * Sums are accumulated in a fixed order per row, so they are reproducible too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strata/rng.h"
#include "strata/simulate.h"

/* RNG stream = purpose << 32 | view (or patient).  Never renumber: it changes every cohort. */
enum {
  P_REGIONS = 1, P_PURITY, P_ZPAT, P_ZREG, P_MISS, P_ACTIVE, P_SCALE, P_WSLAB, P_WVAL,
  P_VSCALE, P_VSLAB, P_VVAL, P_ZV, P_SD, P_BIAS, P_NOISE,
  P_NCLUST = 20, P_PARENT, P_ABSENT, P_SHARE,
  P_NMUT = 30, P_MUT, P_DEPTH, P_ALT
};

static uint64_t stream(int purpose, int64_t sub) {
  return ((uint64_t)purpose << 32) | (uint64_t)sub;
}
static double unif(const strata_sim_t *s, int purpose, int64_t sub, uint64_t counter) {
  return strata_rng_uniform_at(s->par.seed, stream(purpose, sub), counter);
}
static double gauss(const strata_sim_t *s, int purpose, int64_t sub, uint64_t counter) {
  return strata_rng_normal_at(s->par.seed, stream(purpose, sub), counter);
}

/* sum_d x_d y_d with four interleaved partial sums: fixed order (reproducible bits for any
 * alignment or slab) and not serialised on one accumulator. */
static double dot(const double *x, const double *y, int64_t n) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t d = 0;
  for (; d + 4 <= n; d += 4) {
    a0 += x[d] * y[d];
    a1 += x[d + 1] * y[d + 1];
    a2 += x[d + 2] * y[d + 2];
    a3 += x[d + 3] * y[d + 3];
  }
  for (; d < n; d++) a0 += x[d] * y[d];
  return (a0 + a1) + (a2 + a3);
}

/* Standard normals for the data noise by the Marsaglia-Tsang ziggurat (128 layers): one hash
 * per value in 98.8% of cases instead of Box-Muller's log and sincos.  Element e takes its first
 * draw from counter e of the stream and any further draws (wedge test, retries, the tail) from
 * counters 64e, 64e+1, ... of a companion stream, so each value depends only on e, never on
 * which range of elements is generated together. */
#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3
static double zig_x[129], zig_f[129];

static void zig_init(void) {
  if (zig_x[1] == ZIG_R) return; /* deterministic tables: recomputing is harmless */
  zig_x[0] = ZIG_V / exp(-0.5 * ZIG_R * ZIG_R);
  zig_x[1] = ZIG_R;
  for (int i = 2; i < 128; i++)
    zig_x[i] = sqrt(-2.0 * log(ZIG_V / zig_x[i - 1] + exp(-0.5 * zig_x[i - 1] * zig_x[i - 1])));
  zig_x[128] = 0.0;
  for (int i = 0; i <= 128; i++) zig_f[i] = exp(-0.5 * zig_x[i] * zig_x[i]);
}

static double zig_normal(uint64_t seed, uint64_t strm, uint64_t e) {
  const uint64_t strm2 = strm ^ 0x8000000000000000ULL;
  uint64_t h = strata_rng_hash(seed, strm, e), t = 0;
  for (;;) {
    int i = (int)(h & 127);
    double u = 2.0 * ((double)(h >> 11) * (1.0 / 9007199254740992.0)) - 1.0; /* [-1, 1) */
    double x = u * zig_x[i];
    if (fabs(x) < zig_x[i + 1]) return x; /* inside the layer's rectangle */
    if (i == 0) { /* the tail beyond R (Marsaglia 1964) */
      double a, b;
      do {
        a = -log(strata_rng_uniform_at(seed, strm2, 64 * e + t++)) / ZIG_R;
        b = -log(strata_rng_uniform_at(seed, strm2, 64 * e + t++));
      } while (b + b < a * a);
      return u < 0 ? -(ZIG_R + a) : ZIG_R + a;
    }
    double y = zig_f[i + 1] + strata_rng_uniform_at(seed, strm2, 64 * e + t++) * (zig_f[i] - zig_f[i + 1]);
    if (y < exp(-0.5 * x * x)) return x; /* under the density in the wedge */
    h = strata_rng_hash(seed, strm2, 64 * e + t++);
  }
}

int strata_sim_create(const strata_sim_params_t *par, strata_sim_t **out) {
  int st = STRATA_OK;
  strata_sim_t *s = NULL;
  *out = NULL;
  if (par->npatients < 1) STRATA_FAIL(STRATA_ERR_INPUT, "simulate: --patients must be >= 1");
  if (par->rmin < 1 || par->rmax < par->rmin)
    STRATA_FAIL(STRATA_ERR_INPUT, "simulate: --regions %d-%d is not a range of >= 1", par->rmin,
                par->rmax);
  if (par->nviews < 1) STRATA_FAIL(STRATA_ERR_INPUT, "simulate: no views given");
  if (par->K < 1 || par->Kv < 0) STRATA_FAIL(STRATA_ERR_INPUT, "simulate: --factors must be >= 1");
  zig_init();
  STRATA_CALLOC(s, 1);
  s->par = *par;
  s->par.views = NULL;
  STRATA_MALLOC(s->par.views, par->nviews);
  memcpy(s->par.views, par->views, (size_t)par->nviews * sizeof *par->views);
  int64_t P = par->npatients;
  STRATA_MALLOC(s->patient_first, P + 1);
  s->patient_first[0] = 0;
  for (int64_t p = 0; p < P; p++) {
    int span = par->rmax - par->rmin + 1;
    int r = par->rmin + (int)(unif(s, P_REGIONS, 0, (uint64_t)p) * span);
    if (r > par->rmax) r = par->rmax;
    s->patient_first[p + 1] = s->patient_first[p] + r;
  }
  s->nobs = s->patient_first[P];
  STRATA_MALLOC(s->patient, s->nobs);
  STRATA_MALLOC(s->region, s->nobs);
  STRATA_MALLOC(s->purity, s->nobs);
  STRATA_MALLOC(s->Z, s->nobs * par->K);
  double a = sqrt(par->patient_corr), b = sqrt(1.0 - par->patient_corr);
  for (int64_t p = 0; p < P; p++)
    for (int64_t i = s->patient_first[p]; i < s->patient_first[p + 1]; i++) {
      s->patient[i] = (int32_t)p;
      s->region[i] = (int32_t)(i - s->patient_first[p] + 1);
      s->purity[i] = 0.3 + 0.6 * unif(s, P_PURITY, 0, (uint64_t)i);
      for (int k = 0; k < par->K; k++)
        s->Z[i * par->K + k] = a * gauss(s, P_ZPAT, 0, (uint64_t)(p * par->K + k)) +
                               b * gauss(s, P_ZREG, 0, (uint64_t)(i * par->K + k));
    }
cleanup:
  if (st) strata_sim_destroy(&s);
  *out = s;
  return st;
}

void strata_sim_destroy(strata_sim_t **sp) {
  if (!sp || !*sp) return;
  strata_sim_t *s = *sp;
  free(s->par.views);
  free(s->patient);
  free(s->region);
  free(s->patient_first);
  free(s->purity);
  free(s->Z);
  free(s);
  *sp = NULL;
}

int strata_sim_present(const strata_sim_t *s, int v, int64_t i) {
  return unif(s, P_MISS, v, (uint64_t)i) >= s->par.views[v].missing;
}

int strata_sim_loadings(const strata_sim_t *s, int v, strata_sim_loadings_t **out) {
  int st = STRATA_OK;
  strata_sim_loadings_t *l = NULL;
  const int K = s->par.K, Kv = s->par.Kv;
  const int64_t D = s->par.views[v].nvar;
  *out = NULL;
  STRATA_CALLOC(l, 1);
  l->nvar = D;
  l->K = K;
  l->Kv = Kv;
  STRATA_CALLOC(l->active, K);
  STRATA_CALLOC(l->W, (int64_t)K * D);
  STRATA_CALLOC(l->V, (int64_t)Kv * D);
  STRATA_MALLOC(l->Zv, s->nobs * Kv);
  for (int k = 0; k < K; k++) {
    /* ARD-like: each factor is switched on in some views only; factor k is always on in view
     * k mod M, so no planted factor is invisible everywhere */
    l->active[k] = k % s->par.nviews == v ||
                   unif(s, P_ACTIVE, 0, (uint64_t)(v * K + k)) < s->par.active;
    if (!l->active[k]) continue;
    double scale = 0.5 + unif(s, P_SCALE, 0, (uint64_t)(v * K + k));
    for (int64_t d = 0; d < D; d++) {
      uint64_t c = (uint64_t)(d * K + k);
      if (unif(s, P_WSLAB, v, c) < s->par.density)
        l->W[(int64_t)k * D + d] = scale * gauss(s, P_WVAL, v, c);
    }
  }
  for (int j = 0; j < Kv; j++) {
    double scale = 0.5 + unif(s, P_VSCALE, 0, (uint64_t)(v * Kv + j));
    for (int64_t d = 0; d < D; d++) {
      uint64_t c = (uint64_t)(d * Kv + j);
      if (unif(s, P_VSLAB, v, c) < s->par.density)
        l->V[(int64_t)j * D + d] = scale * gauss(s, P_VVAL, v, c);
    }
  }
  for (int64_t i = 0; i < s->nobs; i++)
    for (int j = 0; j < Kv; j++) l->Zv[i * Kv + j] = gauss(s, P_ZV, v, (uint64_t)(i * Kv + j));
  STRATA_CALLOC(l->wnorm2, K + Kv);
  for (int k = 0; k < K; k++) l->wnorm2[k] = dot(l->W + (int64_t)k * D, l->W + (int64_t)k * D, D);
  for (int j = 0; j < Kv; j++) l->wnorm2[K + j] = dot(l->V + (int64_t)j * D, l->V + (int64_t)j * D, D);
  if (s->par.views[v].lik == STRATA_SIM_GAUSSIAN) {
    STRATA_MALLOC(l->sd, D);
    for (int64_t d = 0; d < D; d++)
      l->sd[d] = s->par.noise * (0.5 + unif(s, P_SD, v, (uint64_t)d));
    l->noise_var = dot(l->sd, l->sd, D);
  } else {
    STRATA_MALLOC(l->bias, D);
    for (int64_t d = 0; d < D; d++) l->bias[d] = -1.0 + 0.5 * gauss(s, P_BIAS, v, (uint64_t)d);
  }
cleanup:
  if (st) strata_sim_loadings_destroy(&l);
  *out = l;
  return st;
}

void strata_sim_loadings_destroy(strata_sim_loadings_t **lp) {
  if (!lp || !*lp) return;
  strata_sim_loadings_t *l = *lp;
  free(l->active);
  free(l->W);
  free(l->V);
  free(l->Zv);
  free(l->sd);
  free(l->bias);
  free(l->wnorm2);
  free(l);
  *lp = NULL;
}

int strata_sim_nstats(const strata_sim_t *s) { return 2 + 2 * (s->par.K + s->par.Kv); }

void strata_sim_rows(const strata_sim_t *s, int v, const strata_sim_loadings_t *l,
                     const int64_t *samples, int64_t nr, double *out, double *stats) {
  const int K = s->par.K, Kv = s->par.Kv, ns = strata_sim_nstats(s);
  const int64_t D = l->nvar;
  const int gaussian = s->par.views[v].lik == STRATA_SIM_GAUSSIAN;
  const uint64_t nstream = stream(P_NOISE, v);
  for (int64_t r = 0; r < nr; r++) {
    int64_t i = samples[r];
    double *y = out + r * D;
    /* the signal, accumulated in a fixed factor order (reproducible bits) */
    for (int64_t d = 0; d < D; d++) y[d] = 0.0;
    for (int k = 0; k < K; k++) {
      double z = s->Z[i * K + k];
      const double *w = l->W + (int64_t)k * D;
      if (l->active[k])
        for (int64_t d = 0; d < D; d++) y[d] += z * w[d];
    }
    for (int j = 0; j < Kv; j++) {
      double z = l->Zv[i * Kv + j];
      const double *w = l->V + (int64_t)j * D;
      for (int64_t d = 0; d < D; d++) y[d] += z * w[d];
    }
    if (stats) {
      /* for f_k = z_k w_k: sum s*f_k = z_k (s . w_k) and sum f_k^2 = z_k^2 |w_k|^2 */
      double *st = stats + r * ns;
      st[0] = dot(y, y, D);
      st[1] = gaussian ? l->noise_var : (double)D * 3.289868133696452872944830; /* pi^2/3 */
      for (int k = 0; k < K; k++) {
        double z = s->Z[i * K + k];
        st[2 + 2 * k] = l->active[k] ? z * dot(y, l->W + (int64_t)k * D, D) : 0.0;
        st[3 + 2 * k] = z * z * l->wnorm2[k];
      }
      for (int j = 0; j < Kv; j++) {
        double z = l->Zv[i * Kv + j];
        st[2 + 2 * (K + j)] = z * dot(y, l->V + (int64_t)j * D, D);
        st[3 + 2 * (K + j)] = z * z * l->wnorm2[K + j];
      }
    }
    if (gaussian) {
      for (int64_t d = 0; d < D; d++)
        y[d] += l->sd[d] * zig_normal(s->par.seed, nstream, (uint64_t)(i * D + d));
    } else {
      for (int64_t d = 0; d < D; d++) {
        double p = 1.0 / (1.0 + exp(-(y[d] + l->bias[d])));
        y[d] = strata_rng_uniform_at(s->par.seed, nstream, (uint64_t)(i * D + d)) < p ? 1.0 : 0.0;
      }
    }
  }
}

void strata_sim_r2(const strata_sim_t *s, const double *sums, double *r2_factor,
                   double *r2_specific, double *r2_total) {
  const int K = s->par.K, Kv = s->par.Kv;
  double den = sums[0] + sums[1];
  if (!(den > 0)) den = 1.0; /* a view with no present rows: all R^2 are 0 */
  for (int k = 0; k < K; k++) r2_factor[k] = (2.0 * sums[2 + 2 * k] - sums[3 + 2 * k]) / den;
  for (int j = 0; j < Kv; j++)
    r2_specific[j] = (2.0 * sums[2 + 2 * (K + j)] - sums[3 + 2 * (K + j)]) / den;
  *r2_total = sums[0] / den;
}

/* ---- clones and mutations ------------------------------------------------------------------ */
const char *const strata_sim_vclass_names[] = {"Missense_Mutation", "Silent", "Nonsense_Mutation",
                                               "Splice_Site"};

int strata_sim_clones(const strata_sim_t *s, int maxc, strata_sim_clones_t **out) {
  int st = STRATA_OK;
  strata_sim_clones_t *c = NULL;
  double *share = NULL;
  *out = NULL;
  if (maxc < 2) STRATA_FAIL(STRATA_ERR_INPUT, "simulate: --clusters must be >= 2");
  STRATA_CALLOC(c, 1);
  c->maxc = maxc;
  int64_t P = s->par.npatients;
  STRATA_MALLOC(c->nclust, P);
  STRATA_MALLOC(c->parent, P * maxc);
  STRATA_MALLOC(c->ccf, s->nobs * maxc);
  STRATA_MALLOC(share, maxc);
  for (int64_t p = 0; p < P; p++) {
    int n = 2 + (int)(unif(s, P_NCLUST, 0, (uint64_t)p) * (maxc - 1));
    if (n > maxc) n = maxc;
    c->nclust[p] = n;
    int *par = c->parent + p * maxc;
    for (int k = 0; k < maxc; k++) par[k] = -1;
    for (int k = 1; k < n; k++) par[k] = (int)(unif(s, P_PARENT, 0, (uint64_t)(p * maxc + k)) * k);
    for (int64_t i = s->patient_first[p]; i < s->patient_first[p + 1]; i++) {
      double *f = c->ccf + i * maxc;
      for (int k = 0; k < maxc; k++) f[k] = k < n ? 0.0 : NAN;
      for (int k = 1; k < n; k++) {
        uint64_t ctr = (uint64_t)(i * maxc + k);
        share[k] = unif(s, P_ABSENT, 0, ctr) < 0.3 ? 0.0 : 0.1 + 0.9 * unif(s, P_SHARE, 0, ctr);
      }
      f[0] = 1.0; /* the trunk is clonal everywhere */
      /* top-down (a parent's index is below its children's): children get their share of the
       * parent's final CCF and are scaled down together if they would exceed it */
      for (int q = 0; q < n; q++) {
        double sum = 0;
        for (int k = q + 1; k < n; k++)
          if (par[k] == q) {
            f[k] = share[k] * f[q];
            sum += f[k];
          }
        if (sum > f[q])
          for (int k = q + 1; k < n; k++)
            if (par[k] == q) f[k] *= f[q] / sum;
      }
    }
  }
cleanup:
  free(share);
  if (st) strata_sim_clones_destroy(&c);
  *out = c;
  return st;
}

void strata_sim_clones_destroy(strata_sim_clones_t **cp) {
  if (!cp || !*cp) return;
  free((*cp)->nclust);
  free((*cp)->parent);
  free((*cp)->ccf);
  free(*cp);
  *cp = NULL;
}

int strata_sim_patient_mutations(const strata_sim_t *s, const strata_sim_clones_t *c, int64_t p,
                                 int mean_mutations, int mean_depth, strata_sim_mutations_t *m) {
  int st = STRATA_OK;
  static const char bases[] = "ACGT";
  memset(m, 0, sizeof *m);
  int64_t i0 = s->patient_first[p];
  int R = (int)(s->patient_first[p + 1] - i0);
  int64_t n = (int64_t)llround(mean_mutations * (0.5 + unif(s, P_NMUT, 0, (uint64_t)p)));
  if (n < 1) n = 1;
  m->n = n;
  m->R = R;
  m->vclass_names = strata_sim_vclass_names;
  STRATA_MALLOC(m->cluster, n);
  STRATA_MALLOC(m->chrom, n);
  STRATA_MALLOC(m->vclass, n);
  STRATA_MALLOC(m->pos, n);
  STRATA_MALLOC(m->ref, n);
  STRATA_MALLOC(m->alt, n);
  STRATA_MALLOC(m->depth, n * R);
  STRATA_MALLOC(m->altc, n * R);
  /* positions in disjoint windows: no two mutations of a patient share chr:pos */
  int64_t window = 200000000 / n;
  if (window < 2) window = 2;
  for (int64_t k = 0; k < n; k++) {
    uint64_t b = (uint64_t)k * 8;
    int nc = c->nclust[p];
    m->cluster[k] = unif(s, P_MUT, p, b) < 0.4 ? 0 : 1 + (int)(unif(s, P_MUT, p, b + 1) * (nc - 1));
    if (m->cluster[k] >= nc) m->cluster[k] = nc - 1;
    m->chrom[k] = 1 + (int)(unif(s, P_MUT, p, b + 2) * 22);
    m->pos[k] = 1 + k * window + (int64_t)(unif(s, P_MUT, p, b + 3) * (double)(window - 1));
    int rb = (int)(unif(s, P_MUT, p, b + 4) * 4), ab = (rb + 1 + (int)(unif(s, P_MUT, p, b + 5) * 3)) % 4;
    m->ref[k] = bases[rb & 3];
    m->alt[k] = bases[ab];
    double u = unif(s, P_MUT, p, b + 6);
    m->vclass[k] = u < 0.6 ? 0 : u < 0.85 ? 1 : u < 0.95 ? 2 : 3;
    for (int r = 0; r < R; r++) {
      int64_t i = i0 + r;
      uint64_t e = (uint64_t)(k * R + r);
      int depth = (int)llround(mean_depth * exp(0.3 * gauss(s, P_DEPTH, p, e)));
      if (depth < 5) depth = 5;
      if (depth > (1 << 20)) depth = 1 << 20; /* the alt draws of an entry use 2^20 counters */
      double vaf = s->purity[i] * c->ccf[i * c->maxc + m->cluster[k]] / 2.0;
      int alt = 0;
      for (int t = 0; t < depth; t++) /* an exact Binomial(depth, vaf) draw */
        alt += unif(s, P_ALT, p, (e << 20) + (uint64_t)t) < vaf;
      m->depth[k * R + r] = depth;
      m->altc[k * R + r] = alt;
    }
  }
cleanup:
  if (st) strata_sim_mutations_free(m);
  return st;
}

void strata_sim_mutations_free(strata_sim_mutations_t *m) {
  if (!m) return;
  free(m->cluster);
  free(m->chrom);
  free(m->vclass);
  free(m->pos);
  free(m->ref);
  free(m->alt);
  free(m->depth);
  free(m->altc);
  memset(m, 0, sizeof *m);
}
