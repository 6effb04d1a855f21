/* Outcome models: which factors, ITH metrics or features predict survival.  Cox proportional
 * hazards (Efron or Breslow ties, optional strata), Harrell's C-index, Kaplan-Meier with
 * Greenwood variance and the log-rank test, defined as R's survival package defines them
 * (coxph, concordance, survfit, survdiff).  Patients are few (hundreds to ~10^4): the data are
 * replicated on every rank; only the univariable table, one model per predictor, is split over
 * ranks.  Implemented in solvers/outcome/; no file is read or written here. */
#ifndef STRATA_OUTCOME_H
#define STRATA_OUTCOME_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"

/* Right-censored survival of n patients (borrowed arrays).  time >= 0 and finite; event 1 for
 * an observed event, 0 for censored; strata NULL (one stratum) or a 0-based stratum per
 * patient: risk sets, concordant pairs and log-rank sums are formed within a stratum only. */
typedef struct strata_surv {
  int64_t n;
  const double *time;
  const int *event;
  const int *strata;
} strata_surv_t;

enum { STRATA_COX_EFRON = 0, STRATA_COX_BRESLOW = 1 };

typedef struct strata_cox_opts {
  int ties;          /* STRATA_COX_EFRON (default, as coxph) or STRATA_COX_BRESLOW */
  int max_iter;      /* Newton-Raphson iterations (default 20, coxph's iter.max) */
  double eps;        /* converged when |1 - loglik_old / loglik| <= eps (default 1e-9) */
  double toler_inf;  /* infinite-coefficient test, coxph's toler.inf (default sqrt(eps)) */
  double toler_chol; /* a pivot below toler_chol * its diagonal is singular (default 1.8e-12,
                        coxph's toler.chol = eps^0.75) */
} strata_cox_opts_t;

/* Fill *o with the defaults above. */
void strata_cox_opts_default(strata_cox_opts_t *o);

/* Why a coefficient or a whole fit is not a plain finite estimate. */
enum {
  STRATA_COX_OK = 0,
  STRATA_COX_CONSTANT = 1,   /* predictor constant (or collinear): coefficient NA */
  STRATA_COX_NO_EVENTS = 2,  /* no event among the patients with this predictor: NA */
  STRATA_COX_INFINITE = 3,   /* loglik converged while the coefficient ran off (a separating
                                predictor): coxph's "coefficient may be infinite" warning; the
                                estimate is reported but must not be read as finite */
  STRATA_COX_NOT_CONVERGED = 4 /* max_iter reached */
};

/* A fitted Cox model (strata_cox_fit).  Owned by the caller: strata_cox_fit_free. */
typedef struct strata_cox_fit {
  int p;                 /* coefficients */
  int64_t n, events;     /* patients and events used */
  double *coef;          /* [p] log hazard ratios (NaN where flag is CONSTANT) */
  double *se;            /* [p] sqrt(diag(var)) */
  double *var;           /* [p x p] inverse information at coef (0 rows/cols for NA) */
  int *flag;             /* [p] STRATA_COX_* per coefficient */
  double loglik0, loglik;/* log partial likelihood at 0 and at coef */
  double lr, wald, score;/* likelihood-ratio, Wald and score statistics, df = rank */
  int df;                /* non-NA coefficients */
  double p_lr, p_wald, p_score;
  int iter, converged;   /* Newton iterations; converged by the loglik test */
  int status;            /* worst flag (STRATA_COX_*) */
  char reason[256];      /* "" or why status is not OK, naming the coefficient (1-based) */
} strata_cox_fit_t;

/* Not collective.  Fit a Cox model to n patients (s) with p covariates x (n x p column-major,
 * borrowed; every value finite: the caller drops patients with missing values), by
 * Newton-Raphson from 0 with step-halving when the loglik decreases, as coxph.  Per iteration:
 * O(n p^2 + p^3) flops; memory O(n + p^2) besides the sort permutation.  Returns STRATA_OK
 * with *out filled (the caller frees it with strata_cox_fit_free), also for a constant or
 * separating predictor (then out->status and out->reason say so and the estimate is NA or
 * flagged); STRATA_ERR_INPUT when n < 1, a time is negative or non-finite, an event is not
 * 0/1, or no patient has an event (all censored), with a message saying which. */
STRATA_NODISCARD int strata_cox_fit(const strata_surv_t *s, int p, const double *x,
                                    const strata_cox_opts_t *opts, strata_cox_fit_t *out);
/* NULL-safe; frees the arrays of *f and zeroes it.  Not collective. */
void strata_cox_fit_free(strata_cox_fit_t *f);

/* One row of the univariable table: the model time ~ predictor j alone. */
typedef struct strata_cox_row {
  int64_t n, events;     /* patients with a finite value of the predictor, their events */
  double coef, se, hr, hr_low, hr_high;  /* hr = exp(coef), 95% CI exp(coef -+ 1.96 se) */
  double z, p_wald, lr, p_lr, score, p_score;
  double q_bh;           /* Benjamini-Hochberg q of p_wald over the rows with a p-value */
  int iter, flag;        /* STRATA_COX_*: NA estimates (NaN) unless OK/INFINITE/NOT_CONVERGED */
} strata_cox_row_t;

/* Collective over comm (every rank passes the same s, x, opts).  The univariable table: for
 * each of np predictors (x: n x np column-major, replicated; NaN = missing, that patient is
 * left out of that predictor's model) the Cox fit of time ~ x_j, and the Benjamini-Hochberg
 * q-values over the table.  Rank r fits the contiguous block of predictors
 * [r*np/size, (r+1)*np/size) and the rows are gathered (one MPI_Allgatherv of 16 doubles per
 * predictor), so rows[0..np) is the same on every rank and does not depend on the rank count
 * (each fit is computed by one rank, in the same order of operations).  Cost per rank:
 * O(np/size * iter * n) flops after one O(n log n) sort.  rows is caller-allocated [np].
 * Returns an agreed status: STRATA_ERR_INPUT (time, event or strata invalid, all censored). */
STRATA_NODISCARD int strata_cox_univariable(MPI_Comm comm, const strata_surv_t *s, int64_t np,
                                            const double *x, const strata_cox_opts_t *opts,
                                            strata_cox_row_t *rows);

/* Collective over comm: the same table when the predictors are already sharded, e.g. the
 * features of a view read on a 1 x size grid.  Rank r holds the nloc predictors
 * [col0, col0 + nloc) as xloc (n x nloc column-major, NaN = missing); the blocks must tile
 * [0, np) in rank order (STRATA_ERR_INTERNAL otherwise, agreed).  s is replicated.  rows[np]
 * on every rank, q_bh over all np.  Same cost and rank-count independence as above. */
STRATA_NODISCARD int strata_cox_univariable_block(MPI_Comm comm, const strata_surv_t *s, int64_t np,
                                                  int64_t col0, int64_t nloc, const double *xloc,
                                                  const strata_cox_opts_t *opts,
                                                  strata_cox_row_t *rows);

/* Not collective.  Benjamini-Hochberg adjusted p-values (R's p.adjust(method = "BH")) of the
 * n values p into q; NaN entries are skipped and get NaN (they do not count in n). */
STRATA_NODISCARD int strata_p_adjust_bh(int64_t n, const double *p, double *q);

/* Harrell's concordance of a risk score with survival (larger score = shorter survival), as
 * survival::concordance(Surv(time, event) ~ score, reverse = TRUE) with the default timewt "n":
 * over comparable pairs (the shorter time is an event; a censored time tied with an event time
 * counts as longer; pairs with tied event times are not comparable; within strata only),
 * C = (concordant + tied_score / 2) / (concordant + discordant + tied_score). */
typedef struct strata_concordance {
  double concordant, discordant, tied_score, tied_time; /* pair counts */
  double c;             /* NaN when there is no comparable pair */
} strata_concordance_t;

/* Not collective.  score[n] finite (rows with a non-finite score are skipped).  O(n^2) time,
 * O(n) memory. */
STRATA_NODISCARD int strata_concordance(const strata_surv_t *s, const double *score,
                                        strata_concordance_t *out);

/* A Kaplan-Meier curve, one row per distinct time (event or censoring) as survfit prints it
 * with censor = TRUE.  Owned by the caller: strata_km_free. */
typedef struct strata_km {
  int64_t m;            /* rows */
  double *time, *n_risk, *n_event, *n_censor;
  double *surv;         /* product-limit estimate */
  double *std_err;      /* sqrt(sum d / (n (n - d))): survfit's std.err, of log(surv)
                           (Inf once n = d) */
  double *lower, *upper;/* conf.type "log": surv * exp(-+ z std_err), upper capped at 1; NaN
                           where surv = 0 */
} strata_km_t;

/* Not collective.  Kaplan-Meier of the patients with group[i] == g (group NULL: all; s->strata
 * ignored), with a conf_level (e.g. 0.95) CI.  STRATA_ERR_INPUT on invalid times/events. */
STRATA_NODISCARD int strata_km_fit(const strata_surv_t *s, const int *group, int g,
                                   double conf_level, strata_km_t *out);
void strata_km_free(strata_km_t *k);

/* The log-rank test (survdiff, rho = 0) of ngroups groups (group[i] in 0..ngroups-1, -1 = left
 * out), stratified by s->strata when given. */
typedef struct strata_logrank {
  int ngroups;
  double *n, *observed, *expected; /* [ngroups] */
  double *var;          /* [ngroups x ngroups] */
  double chisq;         /* (O-E)' V^- (O-E) on the first ngroups-1 groups */
  int df;
  double p;
} strata_logrank_t;

/* Not collective.  STRATA_ERR_INPUT on invalid data or fewer than 2 non-empty groups. */
STRATA_NODISCARD int strata_logrank(const strata_surv_t *s, const int *group, int ngroups,
                                    strata_logrank_t *out);
void strata_logrank_free(strata_logrank_t *l);

/* Upper tail of the chi-square distribution with df degrees of freedom (pchisq(x, df,
 * lower.tail = FALSE)); relative accuracy ~1e-14. */
double strata_pchisq_upper(double x, int df);

/* ---- patient-level data of `strata outcome` (solvers/outcome/prepare.c) ---------------- */

/* How a sample-level (region) value becomes the patient's: over its samples with a finite
 * value, their mean, max or min (NaN when none has one). */
enum { STRATA_OUTCOME_MEAN = 0, STRATA_OUTCOME_MAX = 1, STRATA_OUTCOME_MIN = 2 };
/* "mean", "max", "min"; the rule of a name or -1. */
const char *strata_outcome_rule_name(int rule);
int strata_outcome_rule_parse(const char *s);

/* Not collective.  out[npatients] = the rule over v[i] of the samples i with patient[i] == p
 * (nobs values).  O(nobs + npatients). */
STRATA_NODISCARD int strata_outcome_to_patients(int64_t nobs, const int32_t *patient, int64_t npatients,
                                                int rule, const double *v, double *out);
/* Not collective.  The same for each of nloc columns of a local block a (mloc x nloc
 * column-major, its rows the global samples rows[mloc]; absent samples are missing), keeping
 * the n patients pidx[n]: out is n x nloc column-major. */
STRATA_NODISCARD int strata_outcome_block_to_patients(int64_t nobs, const int32_t *patient,
                                                      int64_t npatients, int rule, int64_t mloc,
                                                      const int64_t *rows, const double *a, int64_t nloc,
                                                      int64_t n, const int64_t *pidx, double *out);

/* The outcome of every patient and the patients that have one.  The caller fills npatients and
 * the arrays time, event, stratum, ok [npatients] (ok[p] = 0: no outcome; event -1 and stratum
 * -1 when missing); strata_outcome_cases_select fills the rest.  strata_outcome_cases_free
 * frees every array (malloc'd) and zeroes it. */
typedef struct strata_outcome_cases {
  int64_t npatients;
  double *time;
  int *event, *stratum, *ok;
  int64_t missing;      /* patients with ok = 0 */
  int nstrata;          /* stratum levels (0: not stratified) */
  int64_t n, nev;       /* patients kept (ok) and their events */
  double *ptime;        /* [n] of the kept patients, in patient order */
  int *pevent, *pstrat;
  int64_t *pidx;        /* [n] their patient indices */
} strata_outcome_cases_t;

/* Not collective.  Keep the patients with ok (c->n of them) and compact the nrep predictor
 * columns x (npatients x nrep column-major, in place) to those patients, stride c->n. */
STRATA_NODISCARD int strata_outcome_cases_select(strata_outcome_cases_t *c, int64_t nrep, double *x);
void strata_outcome_cases_free(strata_outcome_cases_t *c);

/* Collective over comm.  Column j (n values) of a predictor table whose first nrep columns are
 * replicated (xp, n x nrep) and whose others are held in blocks: rank r holds columns
 * nrep + [blk[2r], blk[2r] + blk[2r+1]) as xv (n x blk[2r+1]); broadcast from the owner. */
STRATA_NODISCARD int strata_outcome_column(MPI_Comm comm, int64_t j, int64_t nrep, const double *xp,
                                           int64_t n, const int64_t *blk, const double *xv, double *out);

/* Not collective.  The predictors of the multivariable model by spec: "all" (or spec NULL and
 * npred <= 20) = every predictor not flagged constant, no_events or infinite in rows; "none"
 * (or NULL otherwise) = none; else a comma list of names (STRATA_ERR_USAGE for an unknown one).
 * sel[npred] receives the indices, *nsel their number. */
STRATA_NODISCARD int strata_outcome_select(int64_t npred, char *const *names, const strata_cox_row_t *rows,
                                           const char *spec, int *sel, int *nsel);

/* Not collective.  strata_cox_fit on the complete cases: ok[i] = 1 when all p values of patient
 * i in x (s->n x p column-major) are finite; the fit uses those patients only. */
STRATA_NODISCARD int strata_cox_fit_complete(const strata_surv_t *s, int p, const double *x,
                                             const strata_cox_opts_t *opts, int *ok, strata_cox_fit_t *out);

/* Not collective.  The score predictor: the one named name (STRATA_ERR_USAGE if none), or with
 * name NULL the one with the smallest finite p_lr (*best = -1 when none has one). */
STRATA_NODISCARD int strata_outcome_pick(int64_t npred, char *const *names, const strata_cox_row_t *rows,
                                         const char *name, int64_t *best);

/* score[i] = sum_k coef[k] x[i,k] over the non-NaN coef (x n x p), NaN where !ok[i]. */
void strata_outcome_linear_predictor(int64_t n, int p, const double *x, const double *coef, const int *ok,
                                     double *score);

/* The median split of a risk score: groups low (score <= median) and high. */
typedef struct strata_outcome_split {
  int has_median;       /* at least 2 finite scores */
  double median;
  strata_concordance_t conc; /* c NaN when not computed */
  int ngroups;          /* 2 when both groups are non-empty (then km and lr are filled), else 0 */
  strata_km_t km[2];
  strata_logrank_t lr;
} strata_outcome_split_t;

/* Not collective.  With at least two finite scores (score[s->n], non-finite = left out): the
 * median, the C-index of the score, and when both halves are non-empty their Kaplan-Meier
 * curves (95% CI) and log-rank test.  O(n^2) for the C-index.  Free with
 * strata_outcome_split_free (NULL-safe). */
STRATA_NODISCARD int strata_outcome_split(const strata_surv_t *s, const double *score,
                                          strata_outcome_split_t *out);
void strata_outcome_split_free(strata_outcome_split_t *s);

#endif
