#!/usr/bin/python3
"""Reference values for the segmentation-metric tests (Dice, HD95), computed with SciPy/NumPy.

Regenerate (Debian's python3, which has numpy and scipy; the pyenv python3 first on PATH does not;
the fixture is committed):
    /usr/bin/python3 scripts/reference/metrics_reference.py > plugin/src/metrics/__fixtures__/metrics.json

HD95 follows MONAI's compute_hausdorff_distance(percentile=95, directed=False):
surface = mask XOR scipy.ndimage.binary_erosion(mask) (default cross structuring element,
border_value=0), distances by scipy.ndimage.distance_transform_edt(~surface_other, sampling=spacing),
HD95 = max of the two directed numpy.percentile(..., 95) (linear). Empty cases (our convention,
documented in plugin/src/metrics/hausdorff.ts): both empty -> 0, exactly one empty -> null (NaN).

The masks are generated here deterministically and written into the fixture as run-length
encoding [value, count, value, count, ...] over the row-major pixels, so the TypeScript tests
score exactly the masks SciPy saw.
"""
import json

import numpy as np
import scipy
from scipy.ndimage import binary_erosion, distance_transform_edt, gaussian_filter


def rle(a):
    flat = a.astype(np.int64).ravel()
    out = []
    start = 0
    for i in range(1, len(flat) + 1):
        if i == len(flat) or flat[i] != flat[start]:
            out += [int(flat[start]), i - start]
            start = i
    return out


def ellipse(h, w, cy, cx, ry, rx):
    y, x = np.mgrid[0:h, 0:w]
    return ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1.0


def rect(h, w, y0, y1, x0, x1):
    m = np.zeros((h, w), bool)
    m[y0:y1, x0:x1] = True
    return m


def dice(a, b):
    s = a.sum() + b.sum()
    return 1.0 if s == 0 else 2.0 * np.logical_and(a, b).sum() / s


def surface(m):
    return m ^ binary_erosion(m)


def hd95(a, b, sampling):
    if not a.any() and not b.any():
        return 0.0, "both-empty"
    if not a.any() or not b.any():
        return None, "one-empty"
    sa, sb = surface(a), surface(b)
    d_ab = distance_transform_edt(~sb, sampling=sampling)[sa]
    d_ba = distance_transform_edt(~sa, sampling=sampling)[sb]
    return float(max(np.percentile(d_ab, 95), np.percentile(d_ba, 95))), "ok"


def mean_valid(values):
    v = [x for x in values if x is not None]
    return None if not v else float(np.mean(v))


def score(name, pred, truth, num_classes, spacing):
    h, w = pred.shape
    per_dice = [float(dice(pred == c, truth == c)) for c in range(num_classes)]
    per_hd, per_hd_mm, status = [], [], []
    for c in range(num_classes):
        v, s = hd95(pred == c, truth == c, (1.0, 1.0))
        per_hd.append(v)
        status.append(s)
        if spacing is not None:
            per_hd_mm.append(hd95(pred == c, truth == c, spacing)[0])
    img_hd, img_status = hd95(pred > 0, truth > 0, (1.0, 1.0))
    return {
        "name": name, "width": w, "height": h, "numClasses": num_classes,
        "spacing": None if spacing is None else {"row": spacing[0], "col": spacing[1]},
        "prediction": rle(pred), "truth": rle(truth),
        "dice": {
            "perClass": per_dice,
            "meanForeground": float(np.mean(per_dice[1:])),
            "imageLevel": float(dice(pred > 0, truth > 0)),
        },
        "hd95": {
            "perClass": per_hd, "status": status,
            "perClassMm": per_hd_mm if spacing is not None else None,
            "meanForeground": mean_valid(per_hd[1:]),
            "meanForegroundMm": mean_valid(per_hd_mm[1:]) if spacing is not None else None,
            "excludedFromMean": sum(1 for s in status[1:] if s == "one-empty"),
            "imageLevel": img_hd, "imageLevelStatus": img_status,
            "imageLevelMm": hd95(pred > 0, truth > 0, spacing)[0] if spacing is not None else None,
        },
    }


def lungs(h, w, shift, grow):
    """Two 'lungs' (classes 1, 2) and a 'heart' (class 3 when 4 classes) as ellipses."""
    m = np.zeros((h, w), np.uint8)
    m[ellipse(h, w, h * 0.5 + shift, w * 0.28, h * 0.33 + grow, w * 0.15 + grow)] = 1
    m[ellipse(h, w, h * 0.5 - shift, w * 0.72 + shift, h * 0.33, w * 0.15 - grow / 2)] = 2
    return m


def blobs(rng, h, w, sigma, cuts):
    field = gaussian_filter(rng.standard_normal((h, w)), sigma)
    field = (field - field.mean()) / field.std()
    return np.digitize(field, cuts).astype(np.uint8)


def main():
    rng = np.random.default_rng(20261125)
    cases = []

    # 1. 3 classes (background + two lungs), 64x64, no spacing (PNG-like: pixels only).
    cases.append(score("ellipses-64-pixels", lungs(64, 64, 2, 1.5), lungs(64, 64, 0, 0), 3, None))

    # 2. Lungs + a rectangular 'heart', 50x70 (non-square), anisotropic spacing.
    t = lungs(50, 70, 0, 0)
    t[rect(50, 70, 30, 42, 30, 41)] = 3
    p = lungs(50, 70, 1, -1)
    p[rect(50, 70, 28, 43, 31, 44)] = 3
    cases.append(score("lungs-heart-50x70-aniso", p, t, 4, (0.7, 1.3)))

    # 3. Smooth-noise blobs with 2 foreground classes, many components and holes, 64x64.
    t = blobs(rng, 64, 64, 3.0, [0.3, 1.0])
    noise = rng.random((64, 64)) < 0.04
    p = t.copy()
    p[noise] = (p[noise] + 1) % 3
    p = np.where(binary_erosion(p > 0, iterations=1) | (p == 0), p, 0).astype(np.uint8)
    cases.append(score("noise-blobs-64-aniso", p, t, 3, (2.0, 0.5)))

    # 4. Noise blobs, 50x70, isotropic spacing in mm, prediction from a different threshold.
    field = gaussian_filter(rng.standard_normal((50, 70)), 4.0)
    field = (field - field.mean()) / field.std()
    t = np.digitize(field, [0.0]).astype(np.uint8)
    p = np.digitize(field + 0.15 * gaussian_filter(rng.standard_normal((50, 70)), 1.0), [0.2]).astype(np.uint8)
    cases.append(score("noise-blobs-50x70-iso", p, t, 2, (0.8, 0.8)))

    # 5. Empty cases: class 2 absent from both (both-empty), class 3 only in the truth (one-empty).
    t = lungs(50, 70, 0, 0)
    t[t == 2] = 0
    t[rect(50, 70, 5, 12, 50, 60)] = 3
    p = lungs(50, 70, 1, 1)
    p[p == 2] = 0
    cases.append(score("empty-classes-50x70", p, t, 4, (1.5, 1.0)))

    # 6. Everything empty (background only) and a mask touching the image border.
    z = np.zeros((64, 64), np.uint8)
    cases.append(score("all-background-64", z, z, 2, (1.0, 1.0)))
    t = rect(64, 64, 0, 20, 0, 64).astype(np.uint8)
    p = rect(64, 64, 0, 23, 3, 64).astype(np.uint8)
    cases.append(score("border-touching-64", p, t, 2, None))

    # 7. Single pixels (surface = the pixel itself).
    t = np.zeros((50, 70), np.uint8)
    p = np.zeros((50, 70), np.uint8)
    t[10, 10] = 1
    p[13, 14] = 1
    cases.append(score("single-pixels-50x70", p, t, 2, (0.5, 2.0)))

    # Direct check of the distance transform: random sparse features, anisotropic sampling.
    feat = rng.random((20, 30)) < 0.03
    edt = distance_transform_edt(~feat, sampling=(0.7, 1.3))

    print(json.dumps({
        "generatedBy": f"scripts/reference/metrics_reference.py (numpy {np.__version__}, scipy {scipy.__version__})",
        "cases": cases,
        "edt": {"width": 30, "height": 20, "sampling": [0.7, 1.3],
                "features": rle(feat), "distances": [float(x) for x in edt.ravel()]},
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
