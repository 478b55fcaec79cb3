#!/usr/bin/python3
"""Reference values for the projection module's tests (PCA, trustworthiness, t-SNE).

Regenerate the fixtures with (Debian's Python: it has scikit-learn 1.2.1, numpy, scipy):

    cd /work/main && /usr/bin/python3 scripts/reference/projection_reference.py

It writes plugin/src/projection/__fixtures__/{pca,trustworthiness,tsne}.json. The input data is
generated here with a fixed numpy seed, rounded to 6 decimals and written into the fixture, so
the TypeScript tests use exactly the data the reference values were computed from.
"""
import json
import os

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'plugin', 'src', 'projection', '__fixtures__')


def rounded(a):
    return np.round(np.asarray(a, dtype=np.float64), 6)


def v_based_flip(components, scores):
    """Makes the largest-|value| entry of each component positive (the engine's convention)."""
    for j in range(components.shape[0]):
        if components[j, np.argmax(np.abs(components[j]))] < 0:
            components[j] *= -1
            scores[:, j] *= -1
    return components, scores


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
    print(f'wrote {path} ({os.path.getsize(path)} bytes)')


def pca_fixture():
    rng = np.random.RandomState(1)
    # 40 x 12 with a decaying spectrum so the components are well separated.
    x = rounded(rng.randn(40, 12) @ np.diag(np.linspace(3.0, 0.2, 12)) + rng.randn(12))
    pca = PCA(n_components=5, svd_solver='full').fit(x)
    comps = pca.components_.copy()
    scores = pca.transform(x)
    comps, scores = v_based_flip(comps, scores)
    write('pca.json', {
        'rows': 40, 'cols': 12, 'nComponents': 5, 'data': x.ravel().tolist(),
        'components': comps.ravel().tolist(), 'scores': scores.ravel().tolist(),
        'explainedVariance': pca.explained_variance_.tolist(), 'mean': pca.mean_.tolist(),
    })


def trustworthiness_fixture():
    rng = np.random.RandomState(2)
    high = rounded(rng.randn(120, 10))
    # A noisy linear projection: neither perfect nor random, so the value is informative.
    low = rounded(high[:, :2] + 0.8 * rng.randn(120, 2))
    values = {str(k): float(trustworthiness(high, low, n_neighbors=k)) for k in (1, 5, 10, 30)}
    write('trustworthiness.json', {
        'rows': 120, 'cols': 10, 'high': high.ravel().tolist(), 'low': low.ravel().tolist(), 'values': values,
    })


def tsne_fixture():
    rng = np.random.RandomState(3)
    n_clusters, per_cluster, dims = 6, 50, 20
    centres = rng.randn(n_clusters, dims) * 4.0
    x = np.vstack([centres[c] + rng.randn(per_cluster, dims) for c in range(n_clusters)])
    labels = np.repeat(np.arange(n_clusters), per_cluster)
    order = rng.permutation(len(x))
    x, labels = rounded(x[order]), labels[order]
    emb = TSNE(n_components=2, perplexity=30.0, init='pca', learning_rate='auto', n_iter=750,
               random_state=0, method='barnes_hut', angle=0.5).fit_transform(x)
    write('tsne.json', {
        'rows': x.shape[0], 'cols': dims, 'data': x.ravel().tolist(), 'labels': labels.tolist(),
        'sklearnTrustworthiness10': float(trustworthiness(x, emb, n_neighbors=10)),
        'sklearnVersion': __import__('sklearn').__version__,
        'sklearnParams': 'TSNE(perplexity=30, init=pca, learning_rate=auto, n_iter=750, random_state=0, angle=0.5)',
    })


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    pca_fixture()
    trustworthiness_fixture()
    tsne_fixture()
