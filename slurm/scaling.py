#!/usr/bin/python3
"""Strong and weak scaling studies of a strata command over rank counts.

For each rank count it simulates a cohort with `strata simulate` (strong scaling: one cohort of
fixed size; weak scaling: the number of patients grows with the ranks), runs the command
through Slurm (srun) when a cluster answers, plain mpirun otherwise, reads the time of every
phase from the run's --events-jsonl progress events (phase_begin / phase_end, run_start /
run_end), and writes a TSV plus speedup and parallel-efficiency plots (PNG and SVG, drawn with
matplotlib).  It measures; it does not tune: every run it makes is printed and reproducible by
hand.

    slurm/scaling.py --out DIR [--ranks 1,2,4] [--modes strong,weak] [--command factor] ...
    slurm/scaling.py --plot-only DIR/scaling.tsv --out DIR

Exit codes: 0 ok, 1 usage (bad option, binary or table not found), 3 a run failed or
left no usable events (its command line and output are printed).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

STRATA_DEFAULT = shutil.which("strata") or "strata"
MODES = ("strong", "weak")


class Parser(argparse.ArgumentParser):
    def error(self, message):
        # strata's convention: usage errors exit 1 (argparse's default would be 2).
        self.print_usage(sys.stderr)
        self.exit(1, "%s: error: %s\n" % (self.prog, message))


def fail(msg):
    """A run failed: the study cannot continue (exit 3)."""
    log(msg)
    sys.exit(3)


def parse_args(argv):
    p = Parser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Speedup is relative to the smallest rank count p0: S(p) = p0 * T(p0) / T(p) "
               "(strong) and p * T(p0) / T(p) (weak, scaled speedup); efficiency E(p) = S(p) / p. "
               "Each point is the fastest of --repeats runs.")
    p.add_argument("--out", required=True, help="directory for cohorts, runs, scaling.tsv and plots")
    p.add_argument("--strata", default=os.environ.get("STRATA", STRATA_DEFAULT),
                   help="the strata binary (default: $STRATA, else strata on PATH)")
    p.add_argument("--ranks", default="1,2,4", help="rank counts (default 1,2,4)")
    p.add_argument("--modes", default="strong,weak", help="strong, weak or both (default both)")
    p.add_argument("--command", default="factor", choices=("factor", "nmf", "pca", "svd"),
                   help="the command measured (default factor)")
    p.add_argument("--patients", type=int, default=421,
                   help="patients of the strong-scaling cohort and per rank p0 for weak scaling "
                        "(default 421, TRACERx-sized)")
    p.add_argument("--views", default="rna:gaussian:5000,meth:gaussian:2000,mut:bernoulli:1000",
                   help="views of the simulated cohort, NAME:LIKELIHOOD:FEATURES,... "
                        "(default rna:gaussian:5000,meth:gaussian:2000,mut:bernoulli:1000)")
    p.add_argument("--sim-options", default="--missing 0.1 --regions 4",
                   help="further strata simulate options (default '--missing 0.1 --regions 4': "
                        "a fixed number of regions per patient, so weak-scaling cohorts grow "
                        "exactly with the ranks)")
    p.add_argument("--factors", type=int, default=10, help="K of the command (default 10)")
    p.add_argument("--iters", type=int, default=50,
                   help="factor/nmf: a fixed number of iterations (--tol 0), so every rank count "
                        "does the same work (default 50)")
    p.add_argument("--options", default="", help="further options of the measured command")
    p.add_argument("--cohort", help="strong scaling on this existing cohort instead of a simulated "
                                    "one (weak scaling still simulates)")
    p.add_argument("--repeats", type=int, default=1, help="runs per point, the fastest is kept")
    p.add_argument("--launcher", default="auto", choices=("auto", "slurm", "mpirun"),
                   help="auto: srun when sinfo answers (a cluster or an allocation), else mpirun")
    p.add_argument("--srun-options", default="", help="extra srun options (e.g. --partition=x)")
    p.add_argument("--plot-only", metavar="TSV", help="only draw the plots from an existing table")
    p.add_argument("--dpi", type=int, default=110, help="resolution of the PNG (default 110)")
    a = p.parse_args(argv)
    try:
        a.ranks = sorted({int(x) for x in a.ranks.split(",")})
    except ValueError:
        p.error("--ranks wants a comma-separated list of integers, got '%s'" % a.ranks)
    if not a.ranks or a.ranks[0] < 1:
        p.error("--ranks must be positive")
    a.modes = [m for m in a.modes.split(",") if m]
    for m in a.modes:
        if m not in MODES:
            p.error("--modes: '%s' is not strong or weak" % m)
    if a.patients < 1 or a.factors < 1 or a.iters < 1 or a.repeats < 1:
        p.error("--patients, --factors, --iters and --repeats must be positive")
    return a


def log(msg):
    print("scaling: " + msg, file=sys.stderr, flush=True)


def slurm_cpus():
    """Total CPUs of the reachable Slurm cluster, or 0 when there is none."""
    if not shutil.which("sinfo"):
        return 0
    try:
        r = subprocess.run(["sinfo", "-h", "-o", "%C"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    if r.returncode != 0 or not r.stdout.strip():
        return 0
    # %C is allocated/idle/other/total
    try:
        return int(r.stdout.split()[0].split("/")[3])
    except (IndexError, ValueError):
        return 0


class Launcher:
    def __init__(self, kind, srun_options):
        self.cpus = slurm_cpus() if kind in ("auto", "slurm") else 0
        if kind == "slurm" and self.cpus == 0:
            raise SystemExit("scaling: --launcher slurm but sinfo does not answer (is SLURM_CONF set?)")
        self.kind = "slurm" if self.cpus > 0 else "mpirun"
        self.srun_options = srun_options.split()
        self.env = dict(os.environ)
        self.env.setdefault("OPENBLAS_NUM_THREADS", "1")
        if self.kind == "mpirun":
            self.env.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"})
        self.cores = self.cpus if self.kind == "slurm" else (os.cpu_count() or 1)

    def argv(self, np_, cmd):
        if self.kind == "slurm":
            extra = []
            # More tasks than the cluster's CPUs (a study on a small test machine) needs
            # --overcommit, else the job would wait forever.
            if np_ > self.cpus:
                extra.append("--overcommit")
            return ["srun", "--mpi=pmix", "-n", str(np_)] + extra + self.srun_options + cmd
        return ["mpirun", "-n", str(np_), "--oversubscribe"] + cmd


def run(launcher, np_, cmd, logfile):
    argv = launcher.argv(np_, cmd)
    env = dict(launcher.env)
    if np_ > launcher.cores:
        # Oversubscribed (more ranks than cores): busy-polling ranks would steal the cores of
        # the rank they wait for; make idle ranks yield.  The point is then marked in the log.
        env.setdefault("OMPI_MCA_mpi_yield_when_idle", "1")
        log("%d ranks on %d cores: oversubscribed, times are not a scaling measurement"
            % (np_, launcher.cores))
    log(" ".join(argv))
    t0 = time.monotonic()
    with open(logfile, "w") as f:
        r = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, env=env)
    wall = time.monotonic() - t0
    if r.returncode != 0:
        with open(logfile) as f:
            sys.stderr.write(f.read()[-4000:])
        fail("run failed with exit code %d: %s" % (r.returncode, " ".join(argv)))
    return wall


def phase_times(jsonl):
    """Seconds per phase from a run's events: every phase_begin/phase_end pair of a phase is
    summed; 'total' is run_start to run_end, 'other' the rest of it; '<phase>/iter' per
    iteration, '<phase>/compute_max' and '<phase>/comm_max' the slowest rank's compute and
    communication seconds summed over iterations.  Also the run's size and grid."""
    begins, phases, info = {}, {}, {}
    t_start = t_end = None
    iters, parts = {}, {}
    with open(jsonl) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            ev = json.loads(line)
            typ = ev.get("type")
            if typ == "run_start":
                t_start = ev["t"]
                info = {"nobs": ev.get("nobs"), "nvar": ev.get("nvar"),
                        "grid": "x".join(str(g) for g in ev.get("grid", []))}
            elif typ == "run_end":
                t_end = ev["t"]
            elif typ == "phase_begin":
                begins[ev["phase"]] = ev["t"]
            elif typ == "phase_end" and ev["phase"] in begins:
                name = ev["phase"]
                phases[name] = phases.get(name, 0.0) + ev["t"] - begins.pop(name)
            elif typ == "iteration":
                name = ev["phase"]
                iters[name] = max(iters.get(name, 0), ev["iter"])
                # Per-iteration compute and communication seconds of the slowest rank, summed:
                # where the time of a phase goes as the ranks grow.
                for part in ("compute", "comm"):
                    v = (ev.get(part) or {}).get("max")
                    if v is not None:
                        key = "%s/%s_max" % (name, part)
                        parts[key] = parts.get(key, 0.0) + v
    if t_start is None or t_end is None:
        fail("%s has no run_start/run_end events" % jsonl)
    phases["total"] = t_end - t_start
    # Time outside the named phases (setup, reading, writing the result, when a command does
    # not mark them as phases of their own).
    named = sum(v for k, v in phases.items() if k != "total")
    if phases["total"] - named > 0:
        phases["other"] = phases["total"] - named
    for name, n in iters.items():
        if name in phases and n > 0:
            phases[name + "/iter"] = phases[name] / n
    phases.update(parts)
    return phases, info


def simulate(args, launcher, np_, patients, path):
    if os.path.exists(path):
        return
    cmd = [args.strata, "simulate", "-o", path, "--patients", str(patients), "--views", args.views,
           "--factors", str(args.factors), "--seed", "1"] + args.sim_options.split()
    run(launcher, np_, cmd, path + ".log")


def measure(args, launcher, mode, np_, cohort, rundir):
    cmd_opts = ["-k", str(args.factors)]
    if args.command in ("factor", "nmf"):
        cmd_opts += ["--max-iter", str(args.iters), "--tol", "0"]
    if args.command == "factor":
        cmd_opts += ["--drop-r2", "0"]   # keep K fixed: the same work at every rank count
    best = None
    for rep in range(args.repeats):
        ev = os.path.join(rundir, "%s.np%d.r%d.events.jsonl" % (mode, np_, rep))
        if os.path.exists(ev):
            os.remove(ev)
        out = os.path.join(rundir, "%s.np%d.%s" % (mode, np_, "h5" if args.command == "factor" else "h5mu"))
        cmd = [args.strata, args.command, cohort, "-o", out, "-q", "--events-jsonl", ev] + cmd_opts \
            + args.options.split()
        wall = run(launcher, np_, cmd, ev.replace(".events.jsonl", ".log"))
        phases, info = phase_times(ev)
        phases["wall"] = wall
        if best is None or phases["total"] < best[0]["total"]:
            best = (phases, info)
    return best


def rows_with_ratios(rows):
    """Add speedup and efficiency relative to the smallest rank count of each mode and phase."""
    base = {}
    for r in rows:
        key = (r["mode"], r["phase"])
        if key not in base or r["ranks"] < base[key]["ranks"]:
            base[key] = r
    for r in rows:
        b = base[(r["mode"], r["phase"])]
        p0, t0, p, t = b["ranks"], b["seconds"], r["ranks"], r["seconds"]
        if t > 0:
            s = (p0 * t0 / t) if r["mode"] == "strong" else (p * t0 / t)
        else:
            s = float("nan")
        r["speedup"] = s
        r["efficiency"] = s / p
    return rows


COLUMNS = ["mode", "command", "launcher", "ranks", "grid", "nobs", "nvar", "phase", "seconds",
           "speedup", "efficiency"]


def write_tsv(rows, path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            vals = []
            for c in COLUMNS:
                v = r[c]
                vals.append("%.6g" % v if isinstance(v, float) else str(v))
            f.write("\t".join(vals) + "\n")
    os.replace(tmp, path)


def read_tsv(path):
    rows = []
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise SystemExit("scaling: %s lacks columns %s" % (path, ", ".join(missing)))
        for line in f:
            if not line.strip():
                continue
            d = dict(zip(header, line.rstrip("\n").split("\t")))
            for c in ("ranks",):
                d[c] = int(d[c])
            for c in ("seconds", "speedup", "efficiency"):
                d[c] = float(d[c])
            rows.append(d)
    return rows


def plot(rows, outdir, dpi=110):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = [m for m in MODES if any(r["mode"] == m for r in rows)]
    # The run's own phases plus total; per-iteration and wall rows stay in the table only.
    phases = []
    for r in rows:
        ph = r["phase"]
        if "/" not in ph and ph != "wall" and ph not in phases:
            phases.append(ph)
    fig, axes = plt.subplots(2, len(modes), figsize=(5.2 * len(modes), 7.5), squeeze=False)
    for j, mode in enumerate(modes):
        sel = [r for r in rows if r["mode"] == mode]
        ranks = sorted({r["ranks"] for r in sel})
        cmd = sel[0]["command"]
        for i, what in enumerate(("speedup", "efficiency")):
            ax = axes[i][j]
            for ph in phases:
                pts = sorted((r["ranks"], r[what]) for r in sel if r["phase"] == ph)
                if pts:
                    ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o",
                            lw=2.2 if ph == "total" else 1.4, label=ph)
            if what == "speedup":
                ax.plot(ranks, ranks, "k--", lw=1, label="ideal")
                ax.set_ylabel("scaled speedup" if mode == "weak" else "speedup")
            else:
                ax.axhline(1.0, color="k", ls="--", lw=1, label="ideal")
                ax.set_ylabel("parallel efficiency")
                ax.set_ylim(0, 1.15)
            ax.set_xscale("log", base=2)
            ax.set_xticks(ranks)
            ax.set_xticklabels([str(x) for x in ranks])
            ax.set_xlabel("MPI ranks")
            sizes = sorted({(r["ranks"], r["nobs"]) for r in sel})
            size = ("%s samples" % sizes[0][1]) if mode == "strong" else \
                ("%s..%s samples" % (sizes[0][1], sizes[-1][1]))
            ax.set_title("%s scaling, strata %s (%s)" % (mode, cmd, size), fontsize=10)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8)
    fig.tight_layout()
    for ext in ("png", "svg"):
        path = os.path.join(outdir, "scaling." + ext)
        fig.savefig(path + ".tmp." + ext, dpi=dpi)
        os.replace(path + ".tmp." + ext, path)
    plt.close(fig)


def print_table(rows):
    print("%-6s %5s %5s %-22s %10s %8s %10s" % ("mode", "ranks", "grid", "phase", "seconds",
                                                   "speedup", "efficiency"))
    for r in rows:
        print("%-6s %5d %5s %-22s %10.4f %8.2f %10.2f" % (r["mode"], r["ranks"], r["grid"],
                                                           r["phase"], r["seconds"],
                                                           r["speedup"], r["efficiency"]))


def main(argv):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if args.plot_only:
        rows = read_tsv(args.plot_only)
        plot(rows, args.out, args.dpi)
        log("plots written to %s/scaling.png and scaling.svg" % args.out)
        return 0
    if not (shutil.which(args.strata) or os.access(args.strata, os.X_OK)):
        raise SystemExit("scaling: strata binary '%s' not found (use --strata or $STRATA)" % args.strata)
    launcher = Launcher(args.launcher, args.srun_options)
    log("launcher: %s%s" % (launcher.kind, " (%d CPUs)" % launcher.cpus if launcher.cpus else ""))
    rundir = os.path.join(args.out, "runs")
    os.makedirs(rundir, exist_ok=True)
    p0 = args.ranks[0]
    rows = []
    done = {}
    for mode in args.modes:
        for np_ in args.ranks:
            if mode == "strong":
                patients = args.patients
            else:
                # The same number of patients per rank as the strong cohort has at p0 ranks.
                patients = args.patients * np_ // p0
            if mode == "strong" and args.cohort:
                cohort = args.cohort
            else:
                cohort = os.path.join(args.out, "cohort.p%d.h5mu" % patients)
                simulate(args, launcher, max(args.ranks), patients, cohort)
            # The weak study's first point is the strong study's first point: run it once.
            if (cohort, np_) not in done:
                done[(cohort, np_)] = measure(args, launcher, mode, np_, cohort, rundir)
            phases, info = done[(cohort, np_)]
            for ph, sec in phases.items():
                rows.append({"mode": mode, "command": args.command, "launcher": launcher.kind,
                             "ranks": np_, "grid": info.get("grid", ""), "nobs": info.get("nobs", ""),
                             "nvar": info.get("nvar", ""), "phase": ph, "seconds": float(sec)})
    rows_with_ratios(rows)
    tsv = os.path.join(args.out, "scaling.tsv")
    write_tsv(rows, tsv)
    plot(rows, args.out, args.dpi)
    print_table(rows)
    log("table %s, plots %s/scaling.png and scaling.svg" % (tsv, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
