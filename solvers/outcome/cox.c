/* Cox proportional hazards by Newton-Raphson, as survival::coxph (coxfit6): Efron or Breslow
 * ties, strata, step-halving, convergence on the relative change of the log partial likelihood,
 * coxph's infinite-coefficient test and its generalised Cholesky (singular columns become NA).
 * Also the univariable table split over ranks and Benjamini-Hochberg q.  Not for penalised
 * models, and no file I/O. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/outcome/outcome_impl.h"
#include "strata/outcome.h"

void strata_cox_opts_default(strata_cox_opts_t *o) {
  o->ties = STRATA_COX_EFRON;
  o->max_iter = 20;
  o->eps = 1e-9;
  o->toler_inf = sqrt(1e-9);
  o->toler_chol = pow(2.220446049250313e-16, 0.75);  /* coxph: .Machine$double.eps^0.75 */
}

void strata_cox_fit_free(strata_cox_fit_t *f) {
  if (!f) return;
  free(f->coef);
  free(f->se);
  free(f->var);
  free(f->flag);
  memset(f, 0, sizeof *f);
}

/* Sorted, centred data of one fit: patients ordered by stratum, then time descending, so one
 * backward pass accumulates the risk sets. */
typedef struct coxdata {
  int64_t n;
  int p;
  double *x;       /* [n x p] column-major, centred */
  double *time;
  int *event, *strata;
} coxdata_t;

/* eta = x beta, clamped as coxph does (coxsafe) so a separating predictor cannot overflow. */
static double eta_of(const coxdata_t *d, int64_t i, const double *beta) {
  double e = 0;
  for (int k = 0; k < d->p; k++) e += d->x[i + k * d->n] * beta[k];
  if (e > 200) e = 200;
  if (e < -200) e = -200;
  return e;
}

/* Log partial likelihood at beta; with u != NULL also the score u[p] and information
 * imat[p x p].  work: 4p + 2p^2 doubles. */
static double cox_eval(const coxdata_t *d, const double *beta, int ties, double *u, double *imat,
                       double *work) {
  int p = d->p;
  int64_t n = d->n;
  double *s1 = work, *d1 = s1 + p, *xi = d1 + p, *a = xi + p, *s2 = a + p, *d2 = s2 + p * p;
  double loglik = 0, s0 = 0;
  if (u) {
    memset(u, 0, sizeof *u * p);
    memset(imat, 0, sizeof *imat * p * p);
  }
  for (int64_t i = 0; i < n;) {
    if (i == 0 || d->strata[i] != d->strata[i - 1]) {
      s0 = 0;
      memset(s1, 0, sizeof *s1 * p);
      memset(s2, 0, sizeof *s2 * p * p);
    }
    double dd0 = 0;
    int ndead = 0;
    memset(d1, 0, sizeof *d1 * p);
    memset(d2, 0, sizeof *d2 * p * p);
    int64_t j = i;
    for (; j < n && d->strata[j] == d->strata[i] && d->time[j] == d->time[i]; j++) {
      double e = eta_of(d, j, beta), w = exp(e);
      for (int k = 0; k < p; k++) xi[k] = d->x[j + k * n];
      s0 += w;
      if (u)
        for (int k = 0; k < p; k++) {
          s1[k] += w * xi[k];
          for (int l = 0; l <= k; l++) s2[k + l * p] += w * xi[k] * xi[l];
        }
      if (d->event[j]) {
        ndead++;
        dd0 += w;
        loglik += e;
        if (u)
          for (int k = 0; k < p; k++) {
            u[k] += xi[k];
            d1[k] += w * xi[k];
            for (int l = 0; l <= k; l++) d2[k + l * p] += w * xi[k] * xi[l];
          }
      }
    }
    for (int m = 0; m < ndead; m++) {
      double f = ties == STRATA_COX_EFRON ? (double)m / ndead : 0;
      double den = s0 - f * dd0;
      loglik -= log(den);
      if (u)
        for (int k = 0; k < p; k++) {
          a[k] = (s1[k] - f * d1[k]) / den;
          u[k] -= a[k];
          for (int l = 0; l <= k; l++)
            imat[k + l * p] += (s2[k + l * p] - f * d2[k + l * p]) / den - a[k] * a[l];
        }
    }
    i = j;
  }
  if (u)
    for (int k = 0; k < p; k++)
      for (int l = 0; l < k; l++) imat[l + k * p] = imat[k + l * p];
  return loglik;
}

/* survival's cholesky2: in-place LDL' of the symmetric p x p matrix m (lower part used); a pivot
 * below toler * max diagonal (or non-finite) marks the column singular (diagonal set to 0).
 * Returns the rank. */
static int chol2(double *m, int p, double toler) {
  double eps = 0;
  int rank = 0;
  for (int i = 0; i < p; i++) {
    if (m[i + i * p] > eps) eps = m[i + i * p];
    for (int j = i + 1; j < p; j++) m[j + i * p] = m[i + j * p];
  }
  eps = eps == 0 ? toler : eps * toler;
  for (int i = 0; i < p; i++) {
    double piv = m[i + i * p];
    if (!isfinite(piv) || piv < eps) {
      m[i + i * p] = 0;
      for (int j = i + 1; j < p; j++) m[j + i * p] = 0;
    } else {
      rank++;
      for (int j = i + 1; j < p; j++) {
        double t = m[j + i * p] / piv;
        m[j + j * p] -= t * t * piv;
        for (int k = j + 1; k < p; k++) m[k + j * p] -= t * m[k + i * p];
        m[j + i * p] = t;
      }
    }
  }
  return rank;
}

/* Solve with the factor of chol2 in place (singular components 0). */
static void chsolve2(const double *m, int p, double *y) {
  for (int i = 0; i < p; i++) {
    double t = y[i];
    for (int j = 0; j < i; j++) t -= y[j] * m[i + j * p];
    y[i] = t;
  }
  for (int i = p - 1; i >= 0; i--) {
    if (m[i + i * p] == 0) { y[i] = 0; continue; }
    double t = y[i] / m[i + i * p];
    for (int j = i + 1; j < p; j++) t -= y[j] * m[j + i * p];
    y[i] = t;
  }
}

/* The generalised inverse of the original matrix from its chol2 factor, by solving unit
 * vectors (p is small). */
static void chinv2(const double *m, int p, double *inv, double *col) {
  for (int j = 0; j < p; j++) {
    for (int i = 0; i < p; i++) col[i] = i == j ? 1 : 0;
    chsolve2(m, p, col);
    for (int i = 0; i < p; i++) inv[i + j * p] = m[i + i * p] == 0 || m[j + j * p] == 0 ? 0 : col[i];
  }
}

/* Monotone likelihood in column k: at every event the patient has the largest (dir = +1) or
 * the smallest (dir = -1) value among those at risk (its stratum, time >= its time), and at
 * least one event strictly so.  Then the partial likelihood increases without bound along
 * that coefficient, whatever the other columns: the estimate is infinite.  Returns dir or 0. */
static int monotone(const coxdata_t *d, int k) {
  const double *x = d->x + (int64_t)k * d->n;
  int up = 1, down = 1, strict_up = 0, strict_down = 0;
  double mx = -INFINITY, mn = INFINITY;
  for (int64_t i = 0; i < d->n && (up || down);) {
    if (i == 0 || d->strata[i] != d->strata[i - 1]) {
      mx = -INFINITY;
      mn = INFINITY;
    }
    int64_t j = i;
    for (; j < d->n && d->strata[j] == d->strata[i] && d->time[j] == d->time[i]; j++) {
      if (x[j] > mx) mx = x[j];
      if (x[j] < mn) mn = x[j];
    }
    for (int64_t q = i; q < j; q++) {
      if (!d->event[q]) continue;
      if (x[q] < mx) up = 0;
      if (x[q] > mn) down = 0;
      if (x[q] > mn) strict_up = 1;
      if (x[q] < mx) strict_down = 1;
    }
    i = j;
  }
  return up && strict_up ? 1 : down && strict_down ? -1 : 0;
}

/* Newton-Raphson on sorted data (coxfit6's loop).  f->coef etc. allocated by the caller. */
static int cox_newton(const coxdata_t *d, const strata_cox_opts_t *o, strata_cox_fit_t *f) {
  int st = STRATA_OK, p = d->p;
  double *beta = NULL, *newbeta = NULL, *u = NULL, *imat = NULL, *work = NULL, *step = NULL;
  STRATA_CALLOC(beta, p);
  STRATA_CALLOC(newbeta, p);
  STRATA_CALLOC(u, p);
  STRATA_CALLOC(step, p);
  STRATA_CALLOC(imat, (size_t)p * p);
  STRATA_CALLOC(work, 4 * (size_t)p + 2 * (size_t)p * p);

  double loglik = cox_eval(d, beta, o->ties, u, imat, work);
  f->loglik0 = loglik;
  /* score test at beta = 0 */
  memcpy(step, u, sizeof *u * p);
  int rank = chol2(imat, p, o->toler_chol);
  chsolve2(imat, p, step);
  f->score = 0;
  for (int k = 0; k < p; k++) f->score += step[k] * u[k];
  for (int k = 0; k < p; k++) newbeta[k] = step[k];
  int halving = 0, iter = 0, converged = 0;
  double newlk = loglik;
  if (o->max_iter <= 0) {
    converged = 1;
  } else {
    for (iter = 1; iter <= o->max_iter; iter++) {
      newlk = cox_eval(d, newbeta, o->ties, u, imat, work);
      int bad = !isfinite(newlk);
      if (!bad && fabs(1 - loglik / newlk) <= o->eps && halving == 0) {
        converged = 1;
        break;
      }
      if (iter == o->max_iter) break;
      if (bad || newlk < loglik) {
        /* step-halving: back toward the last good point */
        halving++;
        for (int k = 0; k < p; k++) newbeta[k] = (newbeta[k] + beta[k]) / 2;
      } else {
        halving = 0;
        loglik = newlk;
        memcpy(beta, newbeta, sizeof *beta * p);
        rank = chol2(imat, p, o->toler_chol);
        memcpy(step, u, sizeof *u * p);
        chsolve2(imat, p, step);
        for (int k = 0; k < p; k++) newbeta[k] = beta[k] + step[k];
      }
    }
    if (iter > o->max_iter) iter = o->max_iter;
  }
  /* final point: newbeta when converged, as coxfit6; the information there gives the variance */
  if (o->max_iter <= 0) {
    memset(newbeta, 0, sizeof *newbeta * p);
    newlk = cox_eval(d, newbeta, o->ties, u, imat, work);
  } else if (!converged && newlk < loglik) {
    memcpy(newbeta, beta, sizeof *beta * p);
    newlk = cox_eval(d, newbeta, o->ties, u, imat, work);
  }
  f->loglik = newlk;
  f->iter = iter;
  f->converged = converged;
  double *info = work;  /* keep imat for the Wald statistic */
  memcpy(info, imat, sizeof *imat * p * p);
  rank = chol2(imat, p, o->toler_chol);
  chinv2(imat, p, f->var, step);
  f->df = rank;
  f->wald = 0;
  for (int k = 0; k < p; k++) {
    int sing = imat[k + k * p] == 0;
    f->flag[k] = sing ? STRATA_COX_CONSTANT : STRATA_COX_OK;
    f->coef[k] = sing ? NAN : newbeta[k];
    f->se[k] = sing ? NAN : sqrt(f->var[k + k * p]);
  }
  for (int k = 0; k < p; k++)
    for (int l = 0; l < p; l++)
      if (f->flag[k] == STRATA_COX_OK && f->flag[l] == STRATA_COX_OK)
        f->wald += newbeta[k] * info[k + l * p] * newbeta[l];
  f->lr = 2 * (f->loglik - f->loglik0);
  /* coxph's test for a coefficient running off to infinity: the next Newton step u' var is
   * still large relative to the coefficient although the loglik has converged */
  f->status = STRATA_COX_OK;
  f->reason[0] = '\0';
  if (!converged && o->max_iter > 0) {
    f->status = STRATA_COX_NOT_CONVERGED;
    snprintf(f->reason, sizeof f->reason, "ran out of iterations (%d) and did not converge", o->max_iter);
    for (int k = 0; k < p; k++)
      if (f->flag[k] == STRATA_COX_OK) f->flag[k] = STRATA_COX_NOT_CONVERGED;
  } else if (o->max_iter > 1) {
    size_t len = 0;
    for (int k = 0; k < p; k++) {
      if (f->flag[k] != STRATA_COX_OK) continue;
      double inf = 0;
      for (int l = 0; l < p; l++) inf += u[l] * f->var[l + k * p];
      inf = fabs(inf);
      if (inf > o->eps && inf > o->toler_inf * fabs(newbeta[k])) {
        f->flag[k] = STRATA_COX_INFINITE;
        if (f->status == STRATA_COX_OK)
          len = (size_t)snprintf(f->reason, sizeof f->reason, "loglik converged before variable %d", k + 1);
        else if (len < sizeof f->reason)
          len += (size_t)snprintf(f->reason + len, sizeof f->reason - len, ",%d", k + 1);
        f->status = STRATA_COX_INFINITE;
      }
    }
    if (f->status == STRATA_COX_INFINITE && len < sizeof f->reason)
      snprintf(f->reason + len, sizeof f->reason - len, "; coefficient may be infinite");
  }
  /* exact separation, which coxph's test can miss once eta is clamped: flagged even when the
   * loglik test passed or the iterations ran out */
  for (int k = 0; k < p; k++) {
    int dir = f->flag[k] == STRATA_COX_CONSTANT ? 0 : monotone(d, k);
    if (!dir) continue;
    f->flag[k] = STRATA_COX_INFINITE;
    if (f->status != STRATA_COX_INFINITE)
      snprintf(f->reason, sizeof f->reason,
               "monotone likelihood: variable %d separates the events (each event has the %s value "
               "at risk); coefficient infinite", k + 1, dir > 0 ? "largest" : "smallest");
    f->status = STRATA_COX_INFINITE;
  }
  for (int k = 0; k < p && f->status == STRATA_COX_OK; k++)
    if (f->flag[k] == STRATA_COX_CONSTANT) {
      f->status = STRATA_COX_CONSTANT;
      snprintf(f->reason, sizeof f->reason,
               "variable %d is constant or collinear with the others: coefficient NA", k + 1);
    }
  f->p_lr = strata_pchisq_upper(f->lr, f->df);
  f->p_wald = strata_pchisq_upper(f->wald, f->df);
  f->p_score = strata_pchisq_upper(f->score, f->df);
cleanup:
  free(beta); free(newbeta); free(u); free(imat); free(work); free(step);
  return st;
}

/* Build the sorted, centred data of the patients in perm order with finite x (ncol columns
 * picked by cols, or all p). */
static int build(const strata_surv_t *s, const int64_t *perm, int p, const double *x, int64_t ldx,
                 coxdata_t *d) {
  int st = STRATA_OK;
  int64_t m = 0;
  memset(d, 0, sizeof *d);
  d->p = p;
  STRATA_MALLOC(d->x, (size_t)s->n * p);
  STRATA_MALLOC(d->time, s->n);
  STRATA_MALLOC(d->event, s->n);
  STRATA_MALLOC(d->strata, s->n);
  for (int64_t r = 0; r < s->n; r++) {
    int64_t i = perm[r];
    int ok = 1;
    for (int k = 0; k < p && ok; k++) ok = isfinite(x[i + k * ldx]);
    if (!ok) continue;
    d->time[m] = s->time[i];
    d->event[m] = s->event[i];
    d->strata[m] = s->strata ? s->strata[i] : 0;
    m++;
  }
  d->n = m;
  /* second pass for x now that m is known (column stride m) */
  for (int k = 0; k < p; k++) {
    int64_t r2 = 0;
    double mean = 0;
    for (int64_t r = 0; r < s->n; r++) {
      int64_t i = perm[r];
      int ok = 1;
      for (int l = 0; l < p && ok; l++) ok = isfinite(x[i + l * ldx]);
      if (!ok) continue;
      d->x[r2 + k * m] = x[i + k * ldx];
      mean += x[i + k * ldx];
      r2++;
    }
    mean = m ? mean / m : 0;
    for (int64_t r = 0; r < m; r++) d->x[r + k * m] -= mean;
  }
cleanup:
  return st;
}

static void coxdata_free(coxdata_t *d) {
  free(d->x); free(d->time); free(d->event); free(d->strata);
  memset(d, 0, sizeof *d);
}

static int64_t count_events(const coxdata_t *d) {
  int64_t e = 0;
  for (int64_t i = 0; i < d->n; i++) e += d->event[i];
  return e;
}

int strata_cox_fit(const strata_surv_t *s, int p, const double *x, const strata_cox_opts_t *opts,
                   strata_cox_fit_t *out) {
  int st = STRATA_OK;
  int64_t *perm = NULL;
  coxdata_t d = {0};
  strata_cox_opts_t o;
  memset(out, 0, sizeof *out);
  if (opts) o = *opts;
  else strata_cox_opts_default(&o);
  if (p < 1) STRATA_FAIL(STRATA_ERR_INPUT, "cox: no covariates");
  STRATA_CHECK(strata_outcome_check_surv(s));
  for (int64_t i = 0; i < (int64_t)s->n * p; i++)
    if (!isfinite(x[i]))
      STRATA_FAIL(STRATA_ERR_INPUT, "cox: covariate %lld of patient %lld is not finite",
                  (long long)(i / s->n) + 1, (long long)(i % s->n) + 1);
  STRATA_MALLOC(perm, s->n);
  STRATA_CHECK(strata_outcome_risk_order(s, perm));
  STRATA_CHECK(build(s, perm, p, x, s->n, &d));
  out->p = p;
  out->n = d.n;
  out->events = count_events(&d);
  if (out->events == 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "cox: all %lld patients are censored (no event): no Cox model",
                (long long)d.n);
  STRATA_CALLOC(out->coef, p);
  STRATA_CALLOC(out->se, p);
  STRATA_CALLOC(out->flag, p);
  STRATA_CALLOC(out->var, (size_t)p * p);
  STRATA_CHECK(cox_newton(&d, &o, out));
cleanup:
  if (st) strata_cox_fit_free(out);
  coxdata_free(&d);
  free(perm);
  return st;
}

/* One univariable row from patients in risk order perm (all n), predictor column xj. */
static int uni_row(const strata_surv_t *s, const int64_t *perm, const double *xj,
                   const strata_cox_opts_t *o, coxdata_t *d, strata_cox_row_t *row) {
  int st = STRATA_OK;
  strata_cox_fit_t f = {0};
  double coef = 0, se = 0, var = 0;
  int flag = 0;
  int64_t m = 0, ev = 0;
  double mn = INFINITY, mx = -INFINITY, mean = 0;
  for (int64_t r = 0; r < s->n; r++) {
    int64_t i = perm[r];
    if (!isfinite(xj[i])) continue;
    d->x[m] = xj[i];
    d->time[m] = s->time[i];
    d->event[m] = s->event[i];
    d->strata[m] = s->strata ? s->strata[i] : 0;
    ev += s->event[i];
    mean += xj[i];
    if (xj[i] < mn) mn = xj[i];
    if (xj[i] > mx) mx = xj[i];
    m++;
  }
  d->n = m;
  d->p = 1;
  row->coef = row->se = row->hr = row->hr_low = row->hr_high = row->z = row->p_wald = NAN;
  row->lr = row->p_lr = row->score = row->p_score = row->q_bh = NAN;
  row->n = m;
  row->events = ev;
  row->iter = 0;
  if (ev == 0) {
    row->flag = STRATA_COX_NO_EVENTS;
    goto cleanup;
  }
  if (mn == mx) {
    row->flag = STRATA_COX_CONSTANT;
    goto cleanup;
  }
  mean /= m;
  for (int64_t r = 0; r < m; r++) d->x[r] -= mean;
  f.coef = &coef;
  f.se = &se;
  f.var = &var;
  f.flag = &flag;
  f.p = 1;
  STRATA_CHECK(cox_newton(d, o, &f));
  row->flag = f.status;
  row->iter = f.iter;
  row->coef = coef;
  row->se = se;
  row->z = coef / se;
  row->hr = exp(coef);
  row->hr_low = exp(coef - STRATA_Z975 * se);
  row->hr_high = exp(coef + STRATA_Z975 * se);
  row->p_wald = strata_pchisq_upper(row->z * row->z, 1);
  row->lr = f.lr;
  row->p_lr = f.p_lr;
  row->score = f.score;
  row->p_score = f.p_score;
  if (f.status == STRATA_COX_CONSTANT) {
    row->coef = row->se = row->z = row->hr = row->hr_low = row->hr_high = row->p_wald = NAN;
    row->lr = row->p_lr = row->score = row->p_score = NAN;
  }
cleanup:
  return st;
}

/* Doubles per packed row: the struct is 2 int64 + 13 double + 2 int; packed as doubles. */
enum { ROWD = 17 };
static void pack(const strata_cox_row_t *r, double *b) {
  double v[ROWD] = {(double)r->n, (double)r->events, r->coef, r->se, r->hr, r->hr_low, r->hr_high,
                    r->z, r->p_wald, r->lr, r->p_lr, r->score, r->p_score, r->q_bh,
                    (double)r->iter, (double)r->flag, 0};
  memcpy(b, v, sizeof v);
}
static void unpack(const double *b, strata_cox_row_t *r) {
  r->n = (int64_t)b[0]; r->events = (int64_t)b[1]; r->coef = b[2]; r->se = b[3]; r->hr = b[4];
  r->hr_low = b[5]; r->hr_high = b[6]; r->z = b[7]; r->p_wald = b[8]; r->lr = b[9];
  r->p_lr = b[10]; r->score = b[11]; r->p_score = b[12]; r->q_bh = b[13];
  r->iter = (int)b[14]; r->flag = (int)b[15];
}

int strata_cox_univariable_block(MPI_Comm comm, const strata_surv_t *s, int64_t np, int64_t col0,
                                 int64_t nloc, const double *xloc, const strata_cox_opts_t *opts,
                                 strata_cox_row_t *rows) {
  int st = STRATA_OK, rank = 0, size = 1;
  int64_t *perm = NULL, *blk = NULL;
  coxdata_t d = {0};
  double *buf = NULL, *all = NULL, *p = NULL, *q = NULL;
  int *counts = NULL, *displs = NULL;
  strata_cox_opts_t o;
  if (opts) o = *opts;
  else strata_cox_opts_default(&o);
  STRATA_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  STRATA_MPI_CHECK(MPI_Comm_size(comm, &size));
  st = strata_outcome_check_surv(s);
  if (!st) {
    int64_t ev = 0;
    for (int64_t i = 0; i < s->n; i++) ev += s->event[i];
    if (ev == 0)
      st = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                          "cox: all %lld patients are censored (no event): no Cox model",
                          (long long)s->n);
  }
  if (!st && np > (int64_t)INT32_MAX / ROWD)
    st = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                        "cox: %lld predictors exceed one gather (%d)", (long long)np, INT32_MAX / ROWD);
  STRATA_CHECK(strata_agree(comm, st));
  /* the blocks must tile [0, np) in rank order */
  STRATA_MALLOC(blk, 2 * (size_t)size);
  {
    int64_t mine[2] = {col0, nloc};
    STRATA_MPI_CHECK(MPI_Allgather(mine, 2, MPI_INT64_T, blk, 2, MPI_INT64_T, comm));
  }
  int64_t next = 0;
  for (int r = 0; r < size; r++) {
    if (blk[2 * r] != next || blk[2 * r + 1] < 0)
      STRATA_FAIL(STRATA_ERR_INTERNAL, "cox: rank %d's predictors [%lld, +%lld) do not follow rank %d's",
                  r, (long long)blk[2 * r], (long long)blk[2 * r + 1], r - 1);
    next = blk[2 * r] + blk[2 * r + 1];
    if (r == size - 1 && next != np)
      STRATA_FAIL(STRATA_ERR_INTERNAL, "cox: the ranks' predictor blocks cover %lld of %lld", (long long)next, (long long)np);
  }
  STRATA_MALLOC(perm, s->n);
  STRATA_CHECK(strata_outcome_risk_order(s, perm));
  STRATA_MALLOC(d.x, s->n);
  STRATA_MALLOC(d.time, s->n);
  STRATA_MALLOC(d.event, s->n);
  STRATA_MALLOC(d.strata, s->n);
  STRATA_MALLOC(buf, nloc * ROWD);
  for (int64_t j = 0; j < nloc; j++) {
    strata_cox_row_t r;
    memset(&r, 0, sizeof r);
    st = uni_row(s, perm, xloc + j * s->n, &o, &d, &r);
    if (st) break;
    pack(&r, buf + j * ROWD);
  }
  STRATA_CHECK(strata_agree(comm, st));
  STRATA_MALLOC(all, np * ROWD);
  STRATA_MALLOC(counts, size);
  STRATA_MALLOC(displs, size);
  for (int r = 0; r < size; r++) {
    counts[r] = (int)(blk[2 * r + 1] * ROWD);
    displs[r] = (int)(blk[2 * r] * ROWD);
  }
  STRATA_MPI_CHECK(MPI_Allgatherv(buf, counts[rank], MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, comm));
  STRATA_MALLOC(p, np);
  STRATA_MALLOC(q, np);
  for (int64_t j = 0; j < np; j++) {
    unpack(all + j * ROWD, &rows[j]);
    p[j] = rows[j].p_lr;
  }
  STRATA_CHECK(strata_p_adjust_bh(np, p, q));
  for (int64_t j = 0; j < np; j++) rows[j].q_bh = q[j];
cleanup:
  coxdata_free(&d);
  free(perm); free(blk); free(buf); free(all); free(counts); free(displs); free(p); free(q);
  return st;
}

int strata_cox_univariable(MPI_Comm comm, const strata_surv_t *s, int64_t np, const double *x,
                           const strata_cox_opts_t *opts, strata_cox_row_t *rows) {
  int st = STRATA_OK, rank = 0, size = 1;
  STRATA_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  STRATA_MPI_CHECK(MPI_Comm_size(comm, &size));
  int64_t lo = np * rank / size, hi = np * (rank + 1) / size;
  STRATA_CHECK(strata_cox_univariable_block(comm, s, np, lo, hi - lo, x + lo * (s ? s->n : 0), opts, rows));
cleanup:
  return st;
}

static const double *bh_p;
static int cmp_p(const void *a, const void *b) {
  double x = bh_p[*(const int64_t *)a], y = bh_p[*(const int64_t *)b];
  if (x != y) return x < y ? -1 : 1;
  int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
  return i < j ? -1 : i > j;
}

int strata_p_adjust_bh(int64_t n, const double *p, double *q) {
  int st = STRATA_OK;
  int64_t *idx = NULL, m = 0;
  STRATA_MALLOC(idx, n);
  for (int64_t i = 0; i < n; i++) {
    q[i] = NAN;
    if (!isnan(p[i])) idx[m++] = i;
  }
  bh_p = p;
  qsort(idx, (size_t)m, sizeof *idx, cmp_p);
  bh_p = NULL;
  /* p.adjust: q_(i) = min_{j >= i} min(1, m / j * p_(j)) */
  double run = INFINITY;
  for (int64_t r = m - 1; r >= 0; r--) {
    double v = (double)m / (double)(r + 1) * p[idx[r]];
    if (v < run) run = v;
    q[idx[r]] = run < 1 ? run : 1;
  }
cleanup:
  free(idx);
  return st;
}
