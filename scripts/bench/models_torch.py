#!/usr/bin/python3
"""PyTorch reference of `npm run bench:models`: the same Attention U-Net training step on CPU.

    /usr/bin/python3 scripts/bench/models_torch.py --sizes 128,256 [--classes 3] [--dropout 0]
        [--warmup 2] [--steps 5] [--infer 5] [--threads 2] [--depth 4] [--base-channels 16]

Plain-PyTorch modules equivalent to MONAI's `monai.networks.nets.AttentionUnet` (MONAI is not
installed here), laid out exactly as ScanSelect's `plugin/src/models/attentionUnet.ts`:

  ConvBlock = 2 x [Conv3x3 -> BatchNorm -> Dropout -> ReLU], first conv stride 2 below level 0
  UpConv    = ConvTranspose3x3 stride 2 (padding 1, output_padding 1) -> BatchNorm -> ReLU
  gate      = x * sigmoid(BN(Conv1x1(ReLU(BN(W_g g) + BN(W_x x))))), F_int = c / 2
  merge     = Conv3x3 (2c -> c) -> InstanceNorm(affine=False) -> Dropout -> PReLU(1 slope)
  head      = Conv1x1 -> classes (logits; softmax inside the loss, as MONAI)

Loss = MONAI DiceCELoss(softmax=True, to_onehot_y=True): soft Dice per image and class
(smooth 1e-5, background included) + cross-entropy on the logits. Adam lr 1e-3, batch 2.
A training step = zero_grad + forward + loss + backward + Adam step, timed with a final
`loss.item()` (what ScanSelect's loop does with `await cost.data()`). Inference per image =
forward in eval mode under no_grad + softmax + argmax mask + entropy map (as ScanSelect's
`predict`). Peak RSS from getrusage. Prints one JSON line.
"""
import argparse
import json
import platform
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, stride, dropout):
        super().__init__()
        layers = []
        for i in range(2):
            layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, stride=stride if i == 0 else 1, padding=1),
                       nn.BatchNorm2d(cout), nn.Dropout(dropout), nn.ReLU()]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


class UpConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.body = nn.Sequential(nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1),
                                  nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        return self.body(x)


class AttentionBlock(nn.Module):
    def __init__(self, f_g, f_l, f_int):
        super().__init__()
        self.W_g = nn.Sequential(nn.Conv2d(f_g, f_int, 1), nn.BatchNorm2d(f_int))
        self.W_x = nn.Sequential(nn.Conv2d(f_l, f_int, 1), nn.BatchNorm2d(f_int))
        self.psi = nn.Sequential(nn.Conv2d(f_int, 1, 1), nn.BatchNorm2d(1), nn.Sigmoid())

    def forward(self, g, x):
        return x * self.psi(F.relu(self.W_g(g) + self.W_x(x)))


class Merge(nn.Module):
    """MONAI's default `Convolution`: conv -> InstanceNorm (no affine) -> dropout -> PReLU."""

    def __init__(self, cin, cout, dropout):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.InstanceNorm2d(cout, affine=False),
                                  nn.Dropout(dropout), nn.PReLU())

    def forward(self, x):
        return self.body(x)


class AttentionUnet(nn.Module):
    def __init__(self, classes, depth=4, base=16, dropout=0.0):
        super().__init__()
        ch = [base * 2 ** l for l in range(depth)]
        self.enc = nn.ModuleList([ConvBlock(1 if l == 0 else ch[l - 1], ch[l], 1 if l == 0 else 2, dropout) for l in range(depth)])
        self.up = nn.ModuleList([UpConv(ch[l + 1], ch[l]) for l in range(depth - 1)])
        self.att = nn.ModuleList([AttentionBlock(ch[l], ch[l], ch[l] // 2) for l in range(depth - 1)])
        self.merge = nn.ModuleList([Merge(2 * ch[l], ch[l], dropout) for l in range(depth - 1)])
        self.out = nn.Conv2d(ch[0], classes, 1)

    def forward(self, x):
        skips = []
        for block in self.enc:
            x = block(x)
            skips.append(x)
        for l in range(len(self.enc) - 2, -1, -1):
            up = self.up[l](x)
            x = self.merge[l](torch.cat([self.att[l](up, skips[l]), up], dim=1))
        return self.out(x)


def dice_ce_loss(logits, labels, classes):
    probs = torch.softmax(logits, dim=1)
    onehot = F.one_hot(labels, classes).permute(0, 3, 1, 2).to(probs.dtype)
    inter = (probs * onehot).sum(dim=(2, 3))
    denom = probs.sum(dim=(2, 3)) + onehot.sum(dim=(2, 3))
    dice = 1 - (2 * inter + 1e-5) / (denom + 1e-5)
    return dice.mean() + F.cross_entropy(logits, labels)


def synthetic_batch(size, classes, batch, gen):
    """Blobs on noise, z-scored; labels = blob index (timing does not depend on the content)."""
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing='ij')
    images = torch.empty(batch, 1, size, size)
    labels = torch.zeros(batch, size, size, dtype=torch.long)
    for b in range(batch):
        img = 0.2 * torch.rand(size, size, generator=gen)
        for k in range(1, classes):
            cx = size * (0.3 + 0.4 * (k - 1) / max(1, classes - 2))
            cy = size * (0.4 + 0.2 * float(torch.rand(1, generator=gen)))
            r = size * (0.12 + 0.08 * float(torch.rand(1, generator=gen)))
            inside = (xx - cx) ** 2 + (yy - cy) ** 2 < r ** 2
            img = img + inside * (0.5 + 0.2 * k)
            labels[b][inside] = k
        images[b, 0] = (img - img.mean()) / img.std(unbiased=False)
    return images, labels


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def bench_size(size, a):
    torch.manual_seed(42)
    gen = torch.Generator().manual_seed(1000 + size)
    model = AttentionUnet(a.classes, a.depth, a.base_channels, a.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    x, y = synthetic_batch(size, a.classes, 2, gen)
    model.train()
    times, losses = [], []
    for i in range(a.warmup + a.steps):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = dice_ce_loss(model(x), y, a.classes)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        dt = time.perf_counter() - t
        if i >= a.warmup:
            times.append(dt)
    train_peak = peak_mb()
    model.eval()
    infer = []
    with torch.no_grad():
        for i in range(a.infer + 1):
            t = time.perf_counter()
            p = torch.softmax(model(x[i % 2:i % 2 + 1]), dim=1)
            mask = p.argmax(dim=1).to(torch.uint8)
            ent = -(p * torch.log(p + 1e-8)).sum(dim=1)
            _ = (mask.numpy() if hasattr(mask, 'numpy') else mask, float(ent.mean()))
            dt = time.perf_counter() - t
            if i > 0:
                infer.append(dt)
    step = statistics.median(times)
    return {'size': size, 'stepSeconds': times, 'stepMedian': step, 'trainPerImage': step / 2, 'losses': losses,
            'inferSeconds': infer, 'inferPerImage': statistics.median(infer), 'trainPeakMb': train_peak, 'peakMb': peak_mb()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sizes', default='128,256')
    ap.add_argument('--classes', type=int, default=3)
    ap.add_argument('--dropout', type=float, default=0.0)
    ap.add_argument('--depth', type=int, default=4)
    ap.add_argument('--base-channels', type=int, default=16)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--infer', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    params = {c: sum(p.numel() for p in AttentionUnet(c, a.depth, a.base_channels).parameters() if p.requires_grad) for c in (2, 3, a.classes)}
    sizes = [int(s) for s in a.sizes.split(',') if s]
    results = [bench_size(s, a) for s in sizes]
    print(json.dumps({
        'torchVersion': torch.__version__, 'python': platform.python_version(), 'threads': torch.get_num_threads(),
        'mkldnn': torch.backends.mkldnn.is_available(), 'classes': a.classes, 'dropout': a.dropout,
        'trainableParams': params[a.classes], 'trainableParamsByClasses': {str(k): v for k, v in params.items()},
        'results': results, 'peakMb': peak_mb(),
    }))


if __name__ == '__main__':
    try:
        main()
    except Exception as e:  # one JSON-free failure line for the Node side
        print(f'models_torch.py failed: {type(e).__name__}: {e}', file=sys.stderr)
        raise
