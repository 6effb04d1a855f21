#!/usr/bin/python3
"""scikit-learn side of the NMF benchmark (bench/nmf/run.sh).

  sk_nmf.py gen FILE N D K SEED     write a non-negative N x D matrix (raw float64, row-major):
                                    Y = H W^T + noise, H ~ U(0,1)^2, W sparse U(0,1) (30 % nonzero),
                                    noise U(0, 0.1 mean(H W^T)); generated in row blocks
  sk_nmf.py run FILE N D K TOL MAXIT SOLVER...
                                    fit sklearn.decomposition.NMF from the same NNDSVDa start
                                    (init='custom', start computed outside the timing) and print
                                    one JSON line per solver: iterations, seconds, per iteration,
                                    exact relative error ||Y - W H||_F / ||Y||_F.
"""
import json
import sys
import time

import numpy as np


def gen(path, n, d, k, seed):
    rng = np.random.default_rng(seed)
    H = rng.random((n, k)) ** 2
    W = rng.random((d, k)) * (rng.random((d, k)) < 0.3)
    scale = 0.1 * H.mean(axis=0).sum() * W.mean(axis=0).mean()
    with open(path, "wb") as f:
        for i0 in range(0, n, 64):
            blk = H[i0:i0 + 64] @ W.T
            blk += scale * rng.random(blk.shape)
            blk.astype(np.float64).tofile(f)


def rel_error(X, W, H):
    num = 0.0
    for i0 in range(0, X.shape[0], 256):
        R = X[i0:i0 + 256] - W[i0:i0 + 256] @ H
        num += float(np.einsum("ij,ij->", R, R))
    return np.sqrt(num) / np.linalg.norm(X)


def run(path, n, d, k, tol, maxit, solvers):
    import sklearn
    from sklearn.decomposition import NMF
    from sklearn.decomposition._nmf import _initialize_nmf
    X = np.fromfile(path, dtype=np.float64).reshape(n, d)
    t = time.perf_counter()
    W0, H0 = _initialize_nmf(X, k, init="nndsvda", random_state=0)
    tinit = time.perf_counter() - t
    for s in solvers:
        m = NMF(n_components=k, init="custom", solver=s, tol=tol, max_iter=maxit, random_state=0)
        t, c = time.perf_counter(), time.process_time()
        W = m.fit_transform(X, W=W0.copy(), H=H0.copy())
        sec, cpu = time.perf_counter() - t, time.process_time() - c
        print(json.dumps({"impl": "sklearn-" + s, "sklearn": sklearn.__version__, "n": n, "d": d,
                          "k": k, "init_sec": tinit, "loop_sec": sec, "loop_cpu_sec": cpu, "iterations": int(m.n_iter_),
                          "sec_per_iter": sec / max(1, m.n_iter_), "converged": int(m.n_iter_ < maxit),
                          "rel_error": rel_error(X, W, m.components_)}), flush=True)


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "gen":
        gen(a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]))
    else:
        run(a[2], int(a[3]), int(a[4]), int(a[5]), float(a[6]), int(a[7]), a[8:])
