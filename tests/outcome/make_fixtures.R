# Reference values for tests/outcome from R's survival package (coxph, concordance, survfit,
# survdiff).  Run from the repository root:  Rscript tests/outcome/make_fixtures.R
# It reads examples/miniacc/samples.tsv.gz, writes the data sets to tests/outcome/data/*.tsv and
# every reference value to tests/outcome/data/reference.tsv (key <TAB> value, %.17g; NA, Inf).
# CI does not run R: the outputs are committed (see tests/outcome/data/README.md).
suppressPackageStartupMessages(library(survival))
out_dir <- "tests/outcome/data"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

s <- read.delim(gzfile("examples/miniacc/samples.tsv.gz"), stringsAsFactors = FALSE)
acc <- data.frame(
  patient = s$patientID,
  time = ifelse(s$vital_status == 1, s$days_to_death, s$days_to_last_followup),
  event = s$vital_status,
  gender = s$gender,
  stage = s$pathologic_stage,
  age = s$years_to_birth, purity = s$purity, ploidy = s$ploidy,
  doublings = s$genome_doublings, ads = s$ADS)
acc <- acc[!is.na(acc$time) & !is.na(acc$event), ]
n <- nrow(acc)
acc$stratum <- ifelse(acc$gender == "female", 0L, 1L)
acc$g2 <- ifelse(acc$age > median(acc$age, na.rm = TRUE), 1L, 0L)
acc$g3 <- ifelse(acc$stage %in% c("stage i", "stage ii"), 0L,
                 ifelse(acc$stage == "stage iii", 1L, ifelse(acc$stage == "stage iv", 2L, -1L)))
acc$const <- 1
# monotone likelihood: at every event the dying patient has the largest value at risk
acc$sep <- -acc$time / max(acc$time)
preds <- c("age", "purity", "ploidy", "doublings", "ads", "const", "sep")

sets <- list()
sets$acc <- acc
# the same patients in months: many tied times
m <- acc
m$time <- ceiling(m$time / 30.44)
m$sep <- -m$time / max(m$time)  # separating: tied deaths share the largest value at risk
sets$months <- m
# 20 patients, a single event
one <- acc[1:20, ]
first_event <- which(one$event == 1)[1]
one$event <- 0L
one$event[first_event] <- 1L
sets$single <- one

ref <- list()
put <- function(key, value) {
  value <- as.numeric(value)
  if (length(value) == 1) ref[[key]] <<- value
  else for (i in seq_along(value)) ref[[paste0(key, ".", i)]] <<- value[i]
}

for (name in names(sets)) {
  d <- sets[[name]]
  d$g3[is.na(d$g3)] <- -1L
  write.table(d[, c("time", "event", "stratum", "g2", "g3", preds)],
              file.path(out_dir, paste0(name, ".tsv")), sep = "\t", quote = FALSE,
              row.names = FALSE, na = "NA")
  # compute from the file as written, so the C test sees exactly these numbers
  d <- read.delim(file.path(out_dir, paste0(name, ".tsv")))
  stratified <- name == "months"
  for (ties in c("efron", "breslow")) {
    for (p in preds) {
      k <- paste(name, ties, "uni", p, sep = ".")
      f <- function(str) {
        fm <- if (str) as.formula(paste("Surv(time, event) ~", p, "+ strata(stratum)"))
              else as.formula(paste("Surv(time, event) ~", p))
        warn <- ""
        fit <- withCallingHandlers(coxph(fm, data = d, ties = ties),
                                   warning = function(w) { warn <<- conditionMessage(w); invokeRestart("muffleWarning") })
        list(fit = fit, warn = warn)
      }
      for (str in if (stratified) c(FALSE, TRUE) else FALSE) {
        kk <- if (str) paste0(k, ".strata") else k
        r <- f(str)
        fit <- r$fit
        put(paste0(kk, ".n"), fit$n)
        put(paste0(kk, ".events"), fit$nevent)
        put(paste0(kk, ".infinite"), as.numeric(grepl("may be infinite", r$warn)))
        if (is.na(coef(fit)[1])) {
          put(paste0(kk, ".coef"), NA)
          next
        }
        put(paste0(kk, ".coef"), coef(fit)[1])
        put(paste0(kk, ".se"), sqrt(fit$var[1, 1]))
        put(paste0(kk, ".loglik0"), fit$loglik[1])
        put(paste0(kk, ".loglik"), fit$loglik[2])
        put(paste0(kk, ".wald"), fit$wald.test)
        put(paste0(kk, ".lr"), 2 * diff(fit$loglik))
        put(paste0(kk, ".score"), fit$score)
        put(paste0(kk, ".p_wald"), summary(fit)$coefficients[1, 5])
      }
    }
    # multivariable on complete cases (stratified for months); not for `single`, where
    # doublings separates and coxph runs out of iterations
    if (name == "single") next
    fm <- if (stratified) Surv(time, event) ~ age + doublings + ads + strata(stratum)
          else Surv(time, event) ~ age + doublings + ads
    fit <- coxph(fm, data = d, ties = ties)
    k <- paste(name, ties, "multi", sep = ".")
    put(paste0(k, ".n"), fit$n)
    put(paste0(k, ".coef"), coef(fit))
    put(paste0(k, ".se"), sqrt(diag(fit$var)))
    put(paste0(k, ".loglik0"), fit$loglik[1])
    put(paste0(k, ".loglik"), fit$loglik[2])
    put(paste0(k, ".wald"), fit$wald.test)
    put(paste0(k, ".lr"), 2 * diff(fit$loglik))
    put(paste0(k, ".score"), fit$score)
  }
  # univariable BH over the (unstratified, Efron) table: p.adjust of the LR p-values
  plr <- sapply(preds, function(p) {
    fit <- suppressWarnings(coxph(as.formula(paste("Surv(time, event) ~", p)), data = d))
    if (is.na(coef(fit)[1])) NA else pchisq(2 * diff(fit$loglik), 1, lower.tail = FALSE)
  })
  put(paste(name, "efron.uni.p_lr", sep = "."), plr)
  put(paste(name, "efron.uni.q_bh", sep = "."), p.adjust(plr, "BH"))
  # concordance of age (risk score: larger = shorter survival), unstratified and stratified
  for (str in c(FALSE, TRUE)) {
    cc <- if (str) concordance(Surv(time, event) ~ age + strata(stratum), data = d, reverse = TRUE)
          else concordance(Surv(time, event) ~ age, data = d, reverse = TRUE)
    k <- paste(name, if (str) "conc_strata" else "conc", sep = ".")
    cnt <- if (is.matrix(cc$count)) colSums(cc$count) else cc$count
    put(paste0(k, ".c"), cc$concordance)
    put(paste0(k, ".concordant"), cnt[["concordant"]])
    put(paste0(k, ".discordant"), cnt[["discordant"]])
    put(paste0(k, ".tied_score"), cnt[["tied.x"]])
  }
  # Kaplan-Meier by the median split g2 (and all patients)
  for (g in c("all", "0", "1")) {
    dd <- if (g == "all") d else d[d$g2 == as.integer(g), ]
    km <- survfit(Surv(time, event) ~ 1, data = dd, conf.type = "log")
    k <- paste(name, "km", g, sep = ".")
    put(paste0(k, ".m"), length(km$time))
    put(paste0(k, ".time"), km$time)
    put(paste0(k, ".n_risk"), km$n.risk)
    put(paste0(k, ".n_event"), km$n.event)
    put(paste0(k, ".n_censor"), km$n.censor)
    put(paste0(k, ".surv"), km$surv)
    put(paste0(k, ".std_err"), km$std.err)
    put(paste0(k, ".lower"), km$lower)
    put(paste0(k, ".upper"), km$upper)
  }
  # log-rank: median split, stage groups (3), and stratified median split
  if (sum(d$event) > 0) {
    for (lr in c("g2", "g3", "g2_strata")) {
      dd <- d
      fm <- switch(lr, g2 = Surv(time, event) ~ g2, g3 = Surv(time, event) ~ g3,
                   g2_strata = Surv(time, event) ~ g2 + strata(stratum))
      if (lr == "g3") dd <- d[d$g3 >= 0, ]
      sd <- survdiff(fm, data = dd)
      k <- paste(name, "logrank", lr, sep = ".")
      put(paste0(k, ".chisq"), sd$chisq)
      put(paste0(k, ".observed"), if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs)
      put(paste0(k, ".expected"), if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp)
    }
  }
}

fmt <- function(v) if (is.na(v)) "NA" else if (is.infinite(v)) (if (v > 0) "Inf" else "-Inf") else sprintf("%.17g", v)
lines <- vapply(names(ref), function(k) paste0(k, "\t", fmt(ref[[k]])), "")
writeLines(c(paste0("# survival ", packageVersion("survival"), ", ", R.version.string), lines),
           file.path(out_dir, "reference.tsv"))
cat("wrote", length(lines), "reference values\n")
