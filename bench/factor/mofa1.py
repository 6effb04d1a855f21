#!/usr/bin/python3
"""MOFA v1 (Debian python3-mofapy) on the benchmark cohort dumped by bench_factor --dump:
a fixed number of iterations, gaussian views, K factors, sparsity as MOFA v1's default.
Prints one RESULT line like bench_factor (time per iteration of train_model, peak RSS)."""
import resource, sys, time, io, contextlib
import numpy, scipy
scipy.random = numpy.random  # mofapy uses scipy.random, gone from Debian 12's scipy
import pandas as pd
from mofapy.core.entry_point import entry_point

d, n, dims, k, iters, sparsity = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split(",")], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == "1"
data = []
for m, dm in enumerate(dims):
    a = numpy.fromfile("%s/view%d.f64" % (d, m), dtype=numpy.float64).reshape(n, dm)
    data.append(pd.DataFrame(a))
data_bytes = sum(x.values.nbytes for x in data)
ep = entry_point()
with contextlib.redirect_stdout(io.StringIO()):
    ep.set_data(data)
    ep.set_model_options(factors=k, likelihoods=["gaussian"] * len(dims), sparsity=sparsity)
    ep.set_data_options(center_features=True, scale_views=False, RemoveIncompleteSamples=False)
    ep.parse_data()
    ep.set_train_options(iter=iters, tolerance=1e-12, dropR2=0.0, elbofreq=1, verbose=False, seed=2018)
    ep.define_priors()
    ep.define_init()
    ep.parse_intercept()
    t0, c0 = time.time(), time.process_time()
    ep.train_model()
    t, cpu = time.time() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0
print("RESULT mofa1 np=1 grid=1x1 N=%d D=%s K=%d iters=%d converged=0 total_s=%.3f per_iter_s=%.5f "
      "cpu_per_iter_s=%.5f peak_MB=%.1f data_MB=%.1f peak_over_data=%.3f" % (n, sys.argv[3], k, iters, t, t / iters, cpu / iters,
      peak / 1048576, data_bytes / 1048576, peak / data_bytes))
