#!/usr/bin/python3
"""scikit-learn side of `npm run bench:select`: the same pipeline on the same data.

Usage: /usr/bin/python3 scripts/bench/select_sklearn.py N D BUDGET OUTDIR
Reads OUTDIR/emb-N.f32 (written by selectWorker.js), runs PCA(50) -> TSNE (Barnes-Hut, the
same parameters as ScanSelect's defaults) -> KMeans(n_init=10) for every k -> silhouette_score
(exact up to 5,000 points, else a 5,000-point sample) -> medoids + proportional farthest-point
selection in NumPy, and prints one JSON line of timings and peak memory. Then it computes the
trustworthiness of both maps (ScanSelect's from OUTDIR/map-js-N.f64, and its own) on the same
seeded subsample, outside the timings.
"""
import json
import resource
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.metrics import silhouette_score


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def medoid(Y, members):
    P = Y[members]
    d = np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1)) if len(members) <= 6000 else None
    if d is None:  # chunked for big clusters
        sums = np.zeros(len(members))
        for s in range(0, len(members), 2000):
            sums[s:s + 2000] = np.sqrt(((P[s:s + 2000, None, :] - P[None, :, :]) ** 2).sum(-1)).sum(1)
        return members[int(np.argmin(sums))]
    return members[int(np.argmin(d.sum(1)))]


def select(Y, labels, budget):
    ks = np.unique(labels)
    members = [np.flatnonzero(labels == c) for c in ks]
    medoids = [medoid(Y, m) for m in members]
    sizes = np.array([len(m) for m in members])
    R = budget - len(ks)
    quota = R * sizes / sizes.sum()
    shares = np.minimum(np.floor(quota).astype(int), sizes - 1)
    rest = R - shares.sum()
    for c in np.argsort(-(quota - np.floor(quota)), kind="stable"):
        if rest == 0:
            break
        if shares[c] < sizes[c] - 1:
            shares[c] += 1
            rest -= 1
    picks = list(medoids)
    for m, med, r in zip(members, medoids, shares):
        dist = np.sqrt(((Y[m] - Y[med]) ** 2).sum(1))
        for _ in range(r):
            j = int(np.argmax(dist))
            picks.append(m[j])
            dist = np.minimum(dist, np.sqrt(((Y[m] - Y[m[j]]) ** 2).sum(1)))
    return picks


def main():
    n, d, budget = (int(v) for v in sys.argv[1:4])
    out = sys.argv[4]
    X = np.fromfile(f"{out}/emb-{n}.f32", dtype=np.float32).reshape(n, d)
    marks = [("start", time.perf_counter(), peak_mb())]
    Xp = PCA(n_components=50, svd_solver="randomized", random_state=42).fit_transform(X)
    Y = TSNE(n_components=2, perplexity=30, early_exaggeration=12, learning_rate="auto", n_iter=750,
             init="pca", angle=0.5, method="barnes_hut", random_state=42, n_jobs=2).fit_transform(Xp)
    marks.append(("projection", time.perf_counter(), peak_mb()))
    ks = list(range(2, min(15, budget, n - 1) + 1))
    labelings = [KMeans(n_clusters=k, n_init=10, random_state=42).fit(Y).labels_ for k in ks]
    marks.append(("kSweep", time.perf_counter(), peak_mb()))
    sample = 5000 if n > 5000 else None
    sils = [silhouette_score(Y, lab, sample_size=sample, random_state=42) for lab in labelings]
    marks.append(("silhouette", time.perf_counter(), peak_mb()))
    best = int(np.argmax(sils))
    picks = select(Y, labelings[best], budget)
    marks.append(("selection", time.perf_counter(), peak_mb()))
    stages = {marks[i][0]: {"seconds": marks[i][1] - marks[i - 1][1], "peakMb": marks[i][2]} for i in range(1, len(marks))}

    rng = np.random.default_rng(0)
    sub = np.sort(rng.choice(n, size=min(n, 2000), replace=False))
    Yjs = np.fromfile(f"{out}/map-js-{n}.f64", dtype=np.float64).reshape(n, 2)
    tw_js = trustworthiness(X[sub], Yjs[sub], n_neighbors=10)
    tw_sk = trustworthiness(X[sub], Y[sub], n_neighbors=10)
    print(json.dumps({"n": n, "k": ks[best], "selected": len(picks), "total": marks[-1][1] - marks[0][1], "stages": stages,
                      "peakMb": peak_mb(), "trustworthiness": {"scanselect": tw_js, "sklearn": tw_sk, "subsample": int(len(sub)), "k": 10}}))


if __name__ == "__main__":
    main()
