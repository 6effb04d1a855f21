/* Private prototypes for BLACS, ScaLAPACK and LAPACK: Debian ships no C header.
 * Fortran calling convention: every argument by pointer, column-major, and each CHARACTER
 * argument adds a hidden size_t length after the normal arguments. */
#ifndef STRATA_SCALAPACK_PROTO_H
#define STRATA_SCALAPACK_PROTO_H
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

/* BLACS C interface (exported by libscalapack-openmpi) */
void Cblacs_pinfo(int *mypnum, int *nprocs);
void Cblacs_get(int ctxt, int what, int *val);
void Cblacs_gridinit(int *ctxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctxt);
void Cblacs_exit(int error_code);
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);

/* ScaLAPACK tools */
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
void pdgemr2d_(const int *m, const int *n, const double *a, const int *ia, const int *ja,
               const int *desca, double *b, const int *ib, const int *jb, const int *descb,
               const int *ictxt);
/* pdgemr2d in pieces of at most `piece` elements (callers pass STRATA_MR2D_PIECE), the same
 * pieces on every rank, so the call stays collective.  ScaLAPACK's redistribution sizes its
 * buffers in int bytes (REDIST/SRC/pgemraux.c, mr2d_malloc) and calls exit(2) on one rank
 * ("xxmr2d:out of memory") once a buffer passes 2 GiB: a 1644 x 200,000 view redistributed
 * on one rank is 2.6 GB.  The buffer counts a piece's offset inside its first block too, so
 * this serves arrays with blocks far below a piece (ScaLAPACK's usual 64); a block past 2 GiB
 * takes partition/redist.c's regular_mr2d.  Defined in partition/redist.c. */
#define STRATA_MR2D_PIECE ((int64_t)1 << 27) /* 1 GiB of doubles */
/* The local array size, in elements, at which that exit(2) happens (2^31 bytes of doubles;
 * measured on one rank: 1644 x 163,000 redistributes, 1644 x 164,000 exits).  For the
 * redistributions inside ScaLAPACK drivers, which strata cannot cut into pieces. */
#define STRATA_MR2D_LIMIT ((int64_t)1 << 28)
void strata_pdgemr2d(int m, int n, const double *a, int ia, int ja, const int *desca, double *b,
                     int ib, int jb, const int *descb, int ctx, int64_t piece);

/* ScaLAPACK drivers */
void pdgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
              const int *ia, const int *ja, const int *desca, double *s, double *u,
              const int *iu, const int *ju, const int *descu, double *vt, const int *ivt,
              const int *jvt, const int *descvt, double *work, const int *lwork, int *info,
              size_t ljobu, size_t ljobvt);
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
              const int *ja, const int *desca, double *w, double *z, const int *iz,
              const int *jz, const int *descz, double *work, const int *lwork, int *iwork,
              const int *liwork, int *info, size_t ljobz, size_t luplo);
void pdsyrk_(const char *uplo, const char *trans, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja,
             const int *desca, const double *beta, double *c, const int *ic, const int *jc,
             const int *descc, size_t luplo, size_t ltrans);
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja,
             const int *desca, const double *b, const int *ib, const int *jb,
             const int *descb, const double *beta, double *c, const int *ic, const int *jc,
             const int *descc, size_t ltransa, size_t ltransb);

/* LAPACK */
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work,
             const int *lwork, int *iwork, int *info, size_t ljobz);
void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
             const int *lda, double *s, double *u, const int *ldu, double *vt, const int *ldvt,
             double *work, const int *lwork, int *info, size_t ljobu, size_t ljobvt);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t ljobz, size_t luplo);
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info, size_t ljobz, size_t luplo);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t luplo);
void dtrcon_(const char *norm, const char *uplo, const char *diag, const int *n, const double *a,
             const int *lda, double *rcond, double *work, int *iwork, int *info, size_t lnorm,
             size_t luplo, size_t ldiag);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info, size_t luplo);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t luplo);
void dtrsm_(const char *side, const char *uplo, const char *transa, const char *diag,
            const int *m, const int *n, const double *alpha, const double *a, const int *lda,
            double *b, const int *ldb, size_t lside, size_t luplo, size_t ltransa, size_t ldiag);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work,
             const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda,
             const double *tau, double *work, const int *lwork, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b,
            const int *ldb, int *info);

#endif
