/* Writers for `strata simulate` (io/simulate_truth.c): the multi-region mutation tables in the
 * MesKit layout that `strata ith` reads (../shared/FORMATS.md).  The planted truth is written
 * through strata_cohort_writer_rank0 (strata/cohort.h). */
#ifndef STRATA_SIMULATE_IO_H
#define STRATA_SIMULATE_IO_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"
#include "strata/simulate.h"

/* The mutation tables of a simulated cohort, written by one process (not collective):
 * PREFIX.maf.tsv   MesKit MAF: Hugo_Symbol, Chromosome, Start_Position, End_Position,
 *                  Variant_Classification, Variant_Type, Reference_Allele, Tumor_Seq_Allele2,
 *                  Ref_allele_depth, Alt_allele_depth, VAF, Tumor_Sample_Barcode, Patient_ID,
 *                  Tumor_ID, Cluster -- one row per mutation and region of its patient
 *                  (VAF 0 where the region shows no read: MesKit drops those rows)
 * PREFIX.ccf.tsv   MesKit CCF file: Patient_ID, Tumor_Sample_Barcode, Chromosome,
 *                  Start_Position, CCF, CCF_Std (rows with alt reads; CCF = 2 VAF / purity,
 *                  uncapped; CCF_Std its binomial standard error)
 * PREFIX.clin.tsv  Tumor_Sample_Barcode, Tumor_ID, Patient_ID, Tumor_Sample_Label
 * PREFIX.clones.tsv the planted truth: Patient_ID, Tumor_Sample_Barcode, Cluster, Parent, CCF,
 *                  Purity
 * Files are written under temporary names and renamed by commit (abort deletes them). */
typedef struct strata_mutwriter strata_mutwriter_t;
STRATA_NODISCARD int strata_mutwriter_open(const char *prefix, strata_mutwriter_t **out);
/* Append one patient: its name, its R regions' sample ids and purities, the planted clones
 * (ccf: R x maxc row-major, parent: maxc, nclust) and the drawn mutations. */
STRATA_NODISCARD int strata_mutwriter_patient(strata_mutwriter_t *w, const char *patient,
                                              char *const *samples, const double *purity,
                                              int nclust, const int *parent, const double *ccf,
                                              int maxc, const strata_sim_mutations_t *m);
STRATA_NODISCARD int strata_mutwriter_commit(strata_mutwriter_t **w);
void strata_mutwriter_abort(strata_mutwriter_t **w);

#endif
