#!/usr/bin/python3
"""Reference values for the clustering tests, computed with scikit-learn.

Regenerate (Debian's python3 with python3-sklearn; the fixture is committed):
    /usr/bin/python3 scripts/reference/clustering_reference.py > plugin/src/clustering/__fixtures__/clustering.json

The data is generated here with a fixed NumPy seed and written into the fixture, so the
TypeScript tests read exactly the points scikit-learn saw.
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score, silhouette_samples


def blobs(rng, centres, per, spread):
    pts = [c + spread * rng.standard_normal((per, 2)) for c in centres]
    return np.concatenate(pts)


def main():
    rng = np.random.default_rng(20261125)
    # 5 well-separated blobs of unequal size in 2-D (the shape of a t-SNE map).
    centres = np.array([[0, 0], [12, 1], [3, 14], [-11, 9], [9, -12]], dtype=float)
    sizes = [80, 60, 40, 30, 20]
    # Rounded before use so that the values written to the fixture are exactly the ones scored.
    points = np.concatenate([c + rng.standard_normal((s, 2)) * 1.3 for c, s in zip(centres, sizes)]).round(10)
    # Labelings for the silhouette: the true blobs, a random one, and one with a singleton cluster.
    truth = np.concatenate([np.full(s, i) for i, s in enumerate(sizes)])
    random_labels = rng.integers(0, 4, size=len(points))
    singleton = truth.copy()
    singleton[0] = 5
    labelings = {"truth": truth, "random": random_labels, "singleton": singleton}
    sil = {name: float(silhouette_score(points, lab)) for name, lab in labelings.items()}
    sil_samples_truth = silhouette_samples(points, truth)[:10].tolist()

    sweep = []
    for k in range(2, 9):
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(points)
        sweep.append({
            "k": k,
            "inertia": float(km.inertia_),
            "silhouette": float(silhouette_score(points, km.labels_)),
        })
    # A 20-d data set for k-means in higher dimension (the kmeans-budget baseline).
    hd_centres = rng.standard_normal((4, 20)) * 6
    hd = np.concatenate([c + rng.standard_normal((50, 20)) for c in hd_centres]).round(10)
    hd_km = KMeans(n_clusters=4, n_init=10, random_state=0).fit(hd)

    json.dump({
        "generator": "scripts/reference/clustering_reference.py",
        "sklearn": sklearn.__version__,
        "points": points.tolist(),
        "labelings": {k: v.astype(int).tolist() for k, v in labelings.items()},
        "silhouette": sil,
        "silhouetteSamplesTruthFirst10": sil_samples_truth,
        "sweep": sweep,
        "highDim": {"points": hd.tolist(), "k": 4, "inertia": float(hd_km.inertia_)},
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
