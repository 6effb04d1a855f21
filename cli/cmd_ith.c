/* `strata ith`: intratumor heterogeneity per region, region pair and patient from multi-region
 * mutation tables, patients distributed over ranks (balanced by mutation rows, never split).
 * Glue: read the rows (io/mutations*.c), optionally the factor scores and their latent-space ITH
 * (io/mutations_h5.c, solvers/ith/latent.c), compute the cohort's tables (solvers/ith/), gather
 * them to rank 0 in patient order (so the output is identical for any rank count) and write them
 * all or nothing (io/ith_results.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "strata/ith.h"
#include "strata/ith_results.h"
#include "strata/mutations.h"
#include "strata/util.h"

static int run(strata_cli_t *cli, int argc, char **argv);

const strata_cmd_t strata_cmd_ith = {
    "ith", "intratumor heterogeneity per region, region pair and patient",
    "Usage: strata ith --maf FILE [--clin FILE] [--ccf FILE] [options] [-o PREFIX]\n"
    "       strata ith --cohort COHORT.h5mu [options] [-o PREFIX]\n"
    "\n"
    "Reads a multi-region mutation table, spreads patients over the MPI ranks (balanced by\n"
    "mutation rows, a patient is never split) and computes heterogeneity metrics with the\n"
    "conventions of MesKit 1.1.2, maftools and CONIPHER named below.  Output:\n"
    "PREFIX.region.tsv, PREFIX.pair.tsv, PREFIX.patient.tsv (written by rank 0; '#' lines first\n"
    "name every convention); without -o the patient table is printed on stdout.\n"
    "--results FILE.h5 also writes the group /ith with the three tables as anndata dataframes\n"
    "and the conventions as attributes.\n"
    "\n"
    "Input:\n"
    "  --format F           meskit (default): MesKit MAF (Ref_allele_depth, Alt_allele_depth,\n"
    "                       VAF);\n"
    "                       gdc: GDC MAF (t_ref_count, t_alt_count; VAF = alt/(ref+alt));\n"
    "                       pyclone: PyClone-VI output (mutation_id, sample_id, cluster_id,\n"
    "                       cellular_prevalence as CCF; needs --samples);\n"
    "                       conipher: CONIPHER input (CASE_ID, SAMPLE, CHR, POS, REF, ALT,\n"
    "                       REF_COUNT, VAR_COUNT, CLUSTER, CCF_PHYLO as CCF)\n"
    "  --maf FILE           the mutation table (alias --table).  Plain TSV is read in parallel\n"
    "                       (one byte range per rank); gzip is read by rank 0 and scattered\n"
    "  --clin FILE          sample table: Tumor_Sample_Barcode, Patient_ID, Tumor_ID (MesKit's\n"
    "                       clinical file; alias --samples).  A sample of --maf missing from this\n"
    "                       table is an error (exit 2).\n"
    "  --ccf FILE           MesKit CCF file (Patient_ID, Tumor_Sample_Barcode, Chromosome,\n"
    "                       Start_Position, CCF, CCF_Std or CCF_CI_High); CCF > 1 capped at 1\n"
    "  --ccf-conf-level X   CCF_CI_High = CCF + qnorm(1-(1-X)/2)*CCF_Std (default 0.95)\n"
    "  --seg FILE           allele-specific copy-number segments (Major_CN/Minor_CN or\n"
    "                       COPY_NUMBER_A/B, or CopyNumber) for SCNA-ITH\n"
    "  --store COHORT.h5mu  also store the imported rows in the cohort file as the group\n"
    "                       uns/strata/mutations (rank 0 writes; created if the file is missing)\n"
    "  --cohort COHORT.h5mu read the rows stored there instead of --maf (each rank reads only its\n"
    "                       patients' rows)\n"
    "  --latent FILE        MOFA2 model (expectations/Z/<group>) or .h5mu/.h5ad with obsm/X_pca\n"
    "  --latent-key DS      dataset of an anndata/mudata file (default: obsm/X_pca, else\n"
    "                       obsm/X_svd, else obsm/X_mofa)\n"
    "Input conventions (MesKit readMaf): rows with VAF == 0 (absent in that region) and\n"
    "chromosomes M/MT are dropped and counted; VAF divided by 100 when its maximum exceeds 1;\n"
    "VAF < 0 or > 100, negative depths, malformed rows: exit 2 naming file:line.  A number that\n"
    "is NaN or infinite (VAF, depth, CCF, CCF_Std, cluster, copy number; 'NA', '.' or an empty\n"
    "cell is a missing value) or a NUL byte in a line: exit 2 naming file:line and the column.\n"
    "Duplicated rows\n"
    "(same sample and chr:pos:ref:alt) are kept (every row enters MATH, as in MesKit) and\n"
    "reported as a warning with their count.\n"
    "\n"
    "Metrics and conventions:\n"
    "  --math-convention C  meskit (default): MesKit mathScore, all rows of the region,\n"
    "                       MATH = round(100*1.4826*median|v-med|/med, 3) with R rounding;\n"
    "                       maftools: math.score, non-synonymous rows with VAF >= 0.075,\n"
    "                       NA under 5 variants, MATH = 100*median|v-med|*1.4826/med, unrounded\n"
    "  clonal status        MesKit 1.1.2: per tumour and mutation, n samples carrying it:\n"
    "                       n == 1: Subclonal iff CCF_CI_High < 1; n > 1: Subclonal iff\n"
    "                       Tumor_Average_CCF < 0.5 and any CCF_CI_High < 1 and any CCF < 0.5\n"
    "                       (Tumor_Average_CCF = round(sum CCF*depth / sum depth, 3)); needs\n"
    "                       --ccf\n"
    "                       with CCF_Std or CCF_CI_High.  frac_subclonal (TRACERx-style): per\n"
    "                       region n_subclonal/(n_clonal+n_subclonal); per patient distinct\n"
    "                       mutations subclonal in some tumour / distinct mutations with a status\n"
    "  public/shared/private MesKit classifyMut SP: private if in 1 sample (tested first),\n"
    "                       public if in all samples of the patient, shared otherwise\n"
    "  fst                  Hudson estimator, MesKit calFst: rows with depth >= --fst-min-depth\n"
    "                       (2)\n"
    "                       and --fst-min-vaf (0) <= VAF <= 1; union, missing = VAF 0 depth 0;\n"
    "                       mean(N)/mean(D); patient = mean over pairs\n"
    "  nei                  Nei's distance on CCF (MesKit calNeiDist), matched over the union;\n"
    "  --nei-meskit-compat  reproduce MesKit 1.1.2: shared mutations of samples from different\n"
    "                       Tumor_IDs are never matched\n"
    "  --nei-min-ccf X      keep CCF >= X (default 0: no filter)\n"
    "  jsi                  MesKit calJSI: SS12/(PC1+PC2+SS12), 0 when empty; patient jsi_multi =\n"
    "                       mean(SS12)/(mean(PC1)+mean(PC2)+mean(SS12)) over pairs\n"
    "  --jsi-pair-by-tumor  pairByTumor=TRUE: tumour pairs on Tumor_Average_CCF (extra pair rows\n"
    "                       with unit 'tumor'; jsi_multi from them)\n"
    "  --jsi-min-ccf X      min.ccf (default 0)\n"
    "  --jsi-use-adj-vaf    use.adjVAF=TRUE (VAF = CCF/2 before the VAF filter)\n"
    "  --jsi-no-indel       use.indel=FALSE (SNP rows only)\n"
    "                       MesKit vignette: --jsi-pair-by-tumor --jsi-min-ccf 0.02\n"
    "                       --jsi-use-adj-vaf --jsi-no-indel gives V402 JSI 0.341 on CRC_HZ\n"
    "  jaccard              plain presence Jaccard |A and B|/|A or B| (not MesKit's JSI)\n"
    "  ccf_auc              MesKit ccfAUC, exact integral of the CCF ECDF on [0,1]\n"
    "                       = 1 - mean(CCF)\n"
    "                       (MesKit's quadrature differs by up to ~1e-3)\n"
    "  clones               with clusters (PyClone-VI cluster_id, CONIPHER CLUSTER, MAF Cluster):\n"
    "                       cluster CCF per region = mean CCF of its rows (capped at 1); clone\n"
    "                       proportions by CONIPHER's rule on a linear chain (strata assumes each\n"
    "                       smaller cluster nested in the next larger: p = CCF - child CCF);\n"
    "                       shannon = -sum p ln p, gini_simpson = 1 - sum p^2 (p normalised)\n"
    "  scna_ith             strata's definition (not TRACERx code): autosomes, intervals covered\n"
    "                       in every region, state (round(minor), round(major)); aberrant if some\n"
    "                       region differs from (1,1); subclonal if aberrant and states differ;\n"
    "                       bp(subclonal)/bp(aberrant)\n"
    "  latent_ith           strata's latent-space ITH: mean Euclidean distance between the\n"
    "                       patient's regions in factor space divided by the cohort's mean\n"
    "                       Euclidean distance between patient centroids (all patient pairs)\n"
    "  Single-region patients: pairwise metrics NA.  NA is written as 'NA'.\n"
    "\n"
    "Output:\n"
    "  -o, --output PREFIX  write PREFIX.{region,pair,patient}.tsv\n"
    "  --results FILE       also write the tables to FILE (HDF5 group /ith)\n"
    "All outputs are written under temporary names and renamed only when every one of them was\n"
    "written: a run that fails (e.g. a full disk: exit 3) leaves none of them behind.\n",
    run};

/* The command line of `strata ith`. */
typedef struct {
  strata_mut_spec_t spec;
  strata_ith_opts_t o;
  const char *prefix, *results, *seg, *latent, *latent_key, *store, *cohort;
} ith_args_t;

static int parse_args(int argc, char **argv, ith_args_t *a) {
  int st = STRATA_OK;
  memset(a, 0, sizeof *a);
  strata_ith_opts_default(&a->o);
  a->spec.format = STRATA_MUT_MESKIT;
  enum {
    O_FORMAT = 256,
    O_MAF,
    O_CLIN,
    O_CCF,
    O_CCFLEVEL,
    O_SEG,
    O_LATENT,
    O_LATKEY,
    O_MATH,
    O_NEICOMPAT,
    O_NEIMIN,
    O_JSITUMOR,
    O_JSIMIN,
    O_JSIADJ,
    O_JSINOINDEL,
    O_FSTDEPTH,
    O_FSTVAF,
    O_RESULTS,
    O_STORE,
    O_COHORT
  };
  static const struct option lo[] = {{"format", required_argument, 0, O_FORMAT},
                                     {"maf", required_argument, 0, O_MAF},
                                     {"table", required_argument, 0, O_MAF},
                                     {"clin", required_argument, 0, O_CLIN},
                                     {"samples", required_argument, 0, O_CLIN},
                                     {"ccf", required_argument, 0, O_CCF},
                                     {"ccf-conf-level", required_argument, 0, O_CCFLEVEL},
                                     {"seg", required_argument, 0, O_SEG},
                                     {"latent", required_argument, 0, O_LATENT},
                                     {"latent-key", required_argument, 0, O_LATKEY},
                                     {"math-convention", required_argument, 0, O_MATH},
                                     {"nei-meskit-compat", no_argument, 0, O_NEICOMPAT},
                                     {"nei-min-ccf", required_argument, 0, O_NEIMIN},
                                     {"jsi-pair-by-tumor", no_argument, 0, O_JSITUMOR},
                                     {"jsi-min-ccf", required_argument, 0, O_JSIMIN},
                                     {"jsi-use-adj-vaf", no_argument, 0, O_JSIADJ},
                                     {"jsi-no-indel", no_argument, 0, O_JSINOINDEL},
                                     {"fst-min-depth", required_argument, 0, O_FSTDEPTH},
                                     {"fst-min-vaf", required_argument, 0, O_FSTVAF},
                                     {"output", required_argument, 0, 'o'},
                                     {"results", required_argument, 0, O_RESULTS},
                                     {"store", required_argument, 0, O_STORE},
                                     {"cohort", required_argument, 0, O_COHORT},
                                     {0, 0, 0, 0}};
  int c;
  int64_t iv;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
    switch (c) {
      case O_FORMAT:
        if (!strcmp(optarg, "meskit"))
          a->spec.format = STRATA_MUT_MESKIT;
        else if (!strcmp(optarg, "gdc"))
          a->spec.format = STRATA_MUT_GDC;
        else if (!strcmp(optarg, "pyclone"))
          a->spec.format = STRATA_MUT_PYCLONE;
        else if (!strcmp(optarg, "conipher"))
          a->spec.format = STRATA_MUT_CONIPHER;
        else
          return strata_cli_usage("--format must be meskit, gdc, pyclone or conipher, got '%s'",
                                  optarg);
        break;
      case O_MAF:
        a->spec.table = optarg;
        break;
      case O_CLIN:
        a->spec.samples = optarg;
        break;
      case O_CCF:
        a->spec.ccf = optarg;
        break;
      case O_CCFLEVEL:
        STRATA_CHECK(
            strata_cli_double("--ccf-conf-level", optarg, 1e-6, 1 - 1e-9, &a->spec.ccf_conf_level));
        break;
      case O_SEG:
        a->seg = optarg;
        break;
      case O_LATENT:
        a->latent = optarg;
        break;
      case O_LATKEY:
        a->latent_key = optarg;
        break;
      case O_MATH:
        if (!strcmp(optarg, "meskit"))
          a->o.math_convention = STRATA_ITH_MATH_MESKIT;
        else if (!strcmp(optarg, "maftools"))
          a->o.math_convention = STRATA_ITH_MATH_MAFTOOLS;
        else
          return strata_cli_usage("--math-convention must be meskit or maftools, got '%s'", optarg);
        break;
      case O_NEICOMPAT:
        a->o.nei_meskit_compat = 1;
        break;
      case O_NEIMIN:
        STRATA_CHECK(strata_cli_double("--nei-min-ccf", optarg, 0, 1, &a->o.nei_min_ccf));
        break;
      case O_JSITUMOR:
        a->o.jsi_pair_by_tumor = 1;
        break;
      case O_JSIMIN:
        STRATA_CHECK(strata_cli_double("--jsi-min-ccf", optarg, 0, 1, &a->o.jsi_min_ccf));
        break;
      case O_JSIADJ:
        a->o.jsi_use_adj_vaf = 1;
        break;
      case O_JSINOINDEL:
        a->o.jsi_use_indel = 0;
        break;
      case O_FSTDEPTH:
        STRATA_CHECK(strata_cli_int("--fst-min-depth", optarg, 0, 1000000000, &iv));
        a->o.fst_min_depth = (int)iv;
        break;
      case O_FSTVAF:
        STRATA_CHECK(strata_cli_double("--fst-min-vaf", optarg, 0, 1, &a->o.fst_min_vaf));
        break;
      case 'o':
        a->prefix = optarg;
        break;
      case O_RESULTS:
        a->results = optarg;
        break;
      case O_STORE:
        a->store = optarg;
        break;
      case O_COHORT:
        a->cohort = optarg;
        break;
      default:
        return strata_cli_usage("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return strata_cli_usage("unexpected argument '%s'", argv[optind]);
  if (!a->spec.table && !a->cohort)
    return strata_cli_usage("--maf FILE (or --cohort FILE) is required");
  if (a->spec.table && a->cohort) return strata_cli_usage("give --maf or --cohort, not both");
cleanup:
  return st;
}

/* Latent-space ITH of every patient (NaN where undefined) into lat[npatients]. */
static int latent_ith(MPI_Comm comm, const ith_args_t *a, const strata_mut_table_t *t,
                      double *lat) {
  int st = STRATA_OK;
  int64_t n = 0;
  int K = 0;
  char **names = NULL;
  double *Z = NULL;
  st = strata_latent_read(a->latent, a->latent_key, &n, &K, &names, &Z);
  STRATA_CHECK(strata_agree(comm, st));
  STRATA_CHECK(strata_ith_latent(comm, t, n, K, names, Z, a->latent, lat));
cleanup:
  if (names)
    for (int64_t i = 0; i < n; i++) free(names[i]);
  free(names);
  free(Z);
  return st;
}

/* Rank 0's warnings about the input, after the tables are known. */
static void warn_input(const strata_cli_t *cli, const strata_mut_table_t *t, int64_t dup) {
  if (cli->rank != 0) return;
  if (t->vaf_percent && t->vaf_fraction_rows * 2 > t->nrows_total)
    fprintf(stderr,
            "strata ith: warning: VAF read as percent (maximum > 1, divided by 100 as MesKit "
            "does), but %lld of %lld rows had VAF <= 1: the table may mix fractions and "
            "percents\n",
            (long long)t->vaf_fraction_rows, (long long)t->nrows_total);
  if (dup > 0)
    fprintf(stderr,
            "strata ith: warning: %lld duplicated mutation rows (same sample and "
            "chr:pos:ref:alt); kept, as MesKit keeps them in MATH\n",
            (long long)dup);
  if (t->ccf_unmatched > 0 && cli->verbosity >= 1)
    fprintf(stderr, "strata ith: note: %lld CCF rows matched no mutation row with VAF > 0\n",
            (long long)t->ccf_unmatched);
}

/* One summary line (also what bench/ith/run.sh parses): sizes, time to the written output, the
 * largest per-rank peak resident memory and the busiest rank's CPU time (on a shared,
 * oversubscribed machine that is the wall time an idle machine would show). */
static int summary(const strata_cli_t *cli, const strata_ith_tables_t *tb, double t0,
                   double tread_comp) {
  int st = STRATA_OK;
  int64_t hwm = strata_mem_hwm(), maxhwm = 0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
               (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec,
         maxcpu = 0;
  STRATA_MPI_CHECK(MPI_Reduce(&hwm, &maxhwm, 1, MPI_INT64_T, MPI_MAX, 0, cli->comm));
  STRATA_MPI_CHECK(MPI_Reduce(&cpu, &maxcpu, 1, MPI_DOUBLE, MPI_MAX, 0, cli->comm));
  strata_log(cli->comm, 1,
             "ith: %lld patients, %lld regions, %lld region pairs in %.2f s (read+metrics %.2f s, "
             "np %d, peak rank memory %.0f MiB, busiest rank CPU %.2f s)\n",
             (long long)tb->patient.nrows, (long long)tb->region.nrows, (long long)tb->pair.nrows,
             strata_wtime() - t0, tread_comp, cli->size, (double)maxhwm / 1048576.0, maxcpu);
cleanup:
  return st;
}

static const char *format_name(const ith_args_t *a) {
  if (a->cohort) return "cohort uns/strata/mutations";
  switch (a->spec.format) {
    case STRATA_MUT_MESKIT: return "meskit";
    case STRATA_MUT_GDC: return "gdc";
    case STRATA_MUT_PYCLONE: return "pyclone";
    default: return "conipher";
  }
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK;
  MPI_Comm comm = cli->comm;
  ith_args_t a;
  strata_mut_table_t *t = NULL;
  strata_seg_table_t *sg = NULL;
  strata_ith_tables_t *tb = NULL;
  double *lat = NULL;
  char *meta = NULL;
  STRATA_CHECK(parse_args(argc, argv, &a));
  strata_cli_input(cli, "--maf", a.spec.table);
  strata_cli_input(cli, "--clin", a.spec.samples);
  strata_cli_input(cli, "--ccf", a.spec.ccf);
  strata_cli_input(cli, "--seg", a.seg);
  strata_cli_input(cli, "--latent", a.latent);
  strata_cli_input(cli, "--cohort", a.cohort);
  strata_cli_output_suffix(cli, "-o", a.prefix, ".region.tsv");
  strata_cli_output_suffix(cli, "-o", a.prefix, ".pair.tsv");
  strata_cli_output_suffix(cli, "-o", a.prefix, ".patient.tsv");
  strata_cli_output(cli, "--results", a.results);
  strata_cli_output(cli, "--store", a.store); /* changed in place: never one of the inputs */
  STRATA_CHECK(strata_cli_start(cli));

  double t0 = strata_wtime();
  if (a.cohort)
    STRATA_CHECK(strata_mut_load(comm, a.cohort, &t));
  else
    STRATA_CHECK(strata_mut_read(comm, &a.spec, &t));
  if (a.store) {
    char src[2048];
    snprintf(src, sizeof src, "strata ith: table=%s samples=%s ccf=%s",
             a.spec.table ? a.spec.table : a.cohort, a.spec.samples ? a.spec.samples : "-",
             a.spec.ccf ? a.spec.ccf : "-");
    STRATA_CHECK(strata_mut_store(comm, t, a.store, src));
  }
  if (a.seg) STRATA_CHECK(strata_seg_read(comm, a.seg, t, &sg));
  strata_log(comm, 2, "ith: read %lld samples of %lld patients in %.2f s\n", (long long)t->nsamples,
             (long long)t->npatients, strata_wtime() - t0);
  if (a.latent) {
    STRATA_MALLOC(lat, t->npatients);
    STRATA_CHECK(latent_ith(comm, &a, t, lat));
  }
  STRATA_CHECK(strata_ith_cohort_compute(comm, t, sg, lat, &a.o, &tb));
  double tread_comp = strata_wtime() - t0;
  STRATA_CHECK(strata_ith_tables_gather(comm, 0, tb));
  warn_input(cli, t, tb->duplicated_rows);
  STRATA_CHECK(strata_ith_conventions(&a.o, t, a.spec.table ? a.spec.table : a.cohort,
                                      format_name(&a), tb->duplicated_rows, a.latent, &meta));
  STRATA_CHECK(strata_ith_results_write(comm, tb, meta, a.prefix, a.results,
                                        a.prefix ? NULL : stdout));
  STRATA_CHECK(summary(cli, tb, t0, tread_comp));
cleanup:
  strata_ith_tables_destroy(&tb);
  strata_mut_table_destroy(&t);
  strata_seg_table_destroy(&sg);
  free(lat);
  free(meta);
  return st;
}
