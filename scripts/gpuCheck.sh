#!/usr/bin/env bash
# Proves ScanSelect's GPU path on a CUDA host in one command (docs/compute.md, "GPU"):
#
#   scripts/gpuCheck.sh [--out DIR] [--epochs N] [--bench-sizes 128,256] [--no-bench]
#
#   1. prints node, npm and OS versions, nvidia-smi's report and the CUDA/cuDNN libraries ldconfig knows;
#   2. checks that @tensorflow/tfjs-node-gpu is installed — it installs nothing: if it is missing it
#      prints the npm command to run and exits 3;
#   3. builds the TypeScript (npx tsc -b);
#   4. `scanselect doctor --backend tensorflow --json --require-gpu`: fails unless the tensorflow
#      backend computes on a GPU; the report names the GPU, CUDA runtime, cuDNN and driver;
#   5. a short training (`scanselect train --backend tensorflow`) on synthetic chest phantoms it
#      writes itself, watching nvidia-smi for the training process, then `scanselect predict`;
#   6. `npm run bench:models -- --backends tensorflow --no-torch --no-encoders` (training step and
#      inference times of the paper's Attention U-Net), checking it ran on the doctor's device;
#   7. a summary (also in DIR/summary.txt).
#
# tfjs-node-gpu 4.22 runs libtensorflow 2.9.1, built for NVIDIA driver > 450.x, CUDA 11.2 and
# cuDNN 8.1 (tfjs-node/README.md at tag tfjs-v4.22.0); newer CUDA majors are not found by it.
#
# --backend wasm|cpu runs steps 3-7 on that backend instead, with no package or GPU check: a
# self-test of this script on a host without a GPU, not a GPU check (the summary says so).
#
# Exit status: 0 every step passed; 1 a step failed (the message names it); 2 bad arguments;
# 3 @tensorflow/tfjs-node-gpu is not installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/out/gpu-check"
epochs=5
bench_sizes="128,256"
bench=1
backend=tensorflow
tfjs_node_gpu_version=4.22.0

usage() { sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
value() {
  if [ $# -lt 2 ] || [ -z "$2" ]; then printf 'gpuCheck: %s needs a value\n' "$1" >&2; exit 2; fi
  printf '%s' "$2"
}
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$(value "$@")"; shift 2 ;;
    --epochs) epochs="$(value "$@")"; shift 2 ;;
    --bench-sizes) bench_sizes="$(value "$@")"; shift 2 ;;
    --no-bench) bench=0; shift ;;
    --backend) backend="$(value "$@")"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) printf 'gpuCheck: unknown argument %s\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$backend" in tensorflow|wasm|cpu) ;; *) printf 'gpuCheck: --backend must be tensorflow, wasm or cpu\n' >&2; exit 2 ;; esac
if ! [[ "$epochs" =~ ^[1-9][0-9]*$ ]]; then printf 'gpuCheck: --epochs must be a positive integer\n' >&2; exit 2; fi
if ! [[ "$bench_sizes" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]]; then printf 'gpuCheck: --bench-sizes must be a comma-separated list of sizes\n' >&2; exit 2; fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"
summary=()
step() { printf '\n=== %s\n' "$*"; }
note() { summary+=("$*"); printf '%s\n' "$*"; }
fail() {
  printf '\ngpuCheck: FAILED at %s\n' "$*" >&2
  printf '%s\n' "${summary[@]}" "FAILED at $*" > "$out/summary.txt"
  exit 1
}
scanselect() { node "$root/bin/scanselect.js" "$@"; }

step "1. versions"
note "node $(node --version), npm $(npm --version), $(uname -srm)"
if git -C "$root" rev-parse --short HEAD >/dev/null 2>&1; then note "ScanSelect commit $(git -C "$root" rev-parse --short HEAD)"; fi
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi || printf 'nvidia-smi exited with status %s\n' "$?"
else
  printf 'nvidia-smi: not found on PATH (no NVIDIA driver here?)\n'
fi
printf 'CUDA runtime and cuDNN libraries in the ldconfig cache (tfjs-node-gpu %s needs CUDA 11.2, cuDNN 8.1):\n' "$tfjs_node_gpu_version"
if command -v ldconfig >/dev/null 2>&1; then
  ldconfig -p 2>/dev/null | grep -E 'lib(cudart|cudnn)\.so' || printf '  none\n'
else
  printf '  (ldconfig not found)\n'
fi
printf 'LD_LIBRARY_PATH=%s\nCUDA_VISIBLE_DEVICES=%s\n' "${LD_LIBRARY_PATH:-}" "${CUDA_VISIBLE_DEVICES-(unset)}"

step "2. @tensorflow/tfjs-node-gpu"
if [ "$backend" = tensorflow ]; then
  # Resolved from the engine's folder, as the engine resolves it.
  if ! installed="$(node -p "require(require.resolve('@tensorflow/tfjs-node-gpu/package.json', { paths: [process.argv[1]] })).version" "$root/plugin" 2>/dev/null)"; then
    cat >&2 <<EOF
@tensorflow/tfjs-node-gpu is not installed, and this script installs nothing. Install it with

  cd $root && npm install --no-save @tensorflow/tfjs-node-gpu@$tfjs_node_gpu_version

(its install script downloads libtensorflow 2.9.1 built for CUDA 11.2 and cuDNN 8.1), then run
scripts/gpuCheck.sh again.
EOF
    exit 3
  fi
  note "@tensorflow/tfjs-node-gpu $installed installed"
else
  note "--backend $backend: self-test of this script, NOT a GPU check (no package or GPU requirement)"
fi

step "3. build (npx tsc -b)"
npx tsc -b || fail "the build (npx tsc -b)"

step "4. scanselect doctor --backend $backend"
scanselect doctor --backend "$backend" || fail "scanselect doctor"
if [ "$backend" = tensorflow ]; then
  scanselect doctor --backend tensorflow --json --require-gpu > "$out/doctor.json" || fail "scanselect doctor --backend tensorflow --json --require-gpu (no GPU: the report above says why)"
else
  scanselect doctor --backend "$backend" --json > "$out/doctor.json" || fail "scanselect doctor --backend $backend --json"
fi
device="$(node - "$out/doctor.json" "$backend" <<'JS'
const info = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const wanted = process.argv[3];
if (info.backend !== wanted) { console.error(`doctor: backend ${info.backend}, not ${wanted}`); process.exit(1); }
if (wanted === 'tensorflow' && info.deviceKind !== 'gpu') { console.error(`doctor: device ${info.device} is not a GPU`); process.exit(1); }
console.log(info.device);
JS
)" || fail "the doctor's JSON ($out/doctor.json)"
note "doctor: backend $backend, device $device"
if [ "$backend" = tensorflow ]; then
  note "$(node -p "const g = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')).gpu || {}; ['CUDA runtime ' + (g.cudaRuntime || '?'), 'cuDNN ' + (g.cudnn || '?'), 'NVIDIA driver ' + (g.driver || '?'), 'libtensorflow ' + (g.libtensorflow || '?')].join(', ')" "$out/doctor.json")"
fi

step "5. short training and prediction on synthetic phantoms"
data="$out/phantoms"
rm -rf "$data" "$out/model"
node - "$root" "$data" <<'JS' || fail "writing the phantoms"
// 16 synthetic chest radiographs (128², lung label maps 0/1/2) from the engine's phantom generator.
const path = require('path');
const fs = require('fs');
const [root, dir] = process.argv.slice(2);
const engine = require(path.join(root, 'plugin', 'dist', 'index.js'));
const { PNG } = require(require.resolve('pngjs', { paths: [path.join(root, 'plugin')] }));
const grey = (size, values) => PNG.sync.write(Object.assign(new PNG({ width: size, height: size, colorType: 0, inputColorType: 0, inputHasAlpha: false }), { data: Buffer.from(values) }), { colorType: 0, inputColorType: 0, inputHasAlpha: false });
for (const sub of ['images', 'masks']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
const set = engine.chestPhantomSet(16, 7, 128);
for (const p of set) {
  fs.writeFileSync(path.join(dir, 'images', `${p.id}.png`), grey(p.size, Array.from(p.pixels, (v) => v >> 4)));
  fs.writeFileSync(path.join(dir, 'masks', `${p.id}.png`), grey(p.size, p.mask));
}
fs.writeFileSync(path.join(dir, 'train.txt'), set.slice(0, 12).map((p) => p.id).join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'test.txt'), set.slice(12).map((p) => p.id).join('\n') + '\n');
console.log(`wrote ${set.length} phantoms (128², 3 classes) to ${dir}: 12 to train, 4 to predict`);
JS
# node itself in the background (not the shell function), so that $! is the PID nvidia-smi would list.
node "$root/bin/scanselect.js" train --images "$data/images" --masks "$data/masks" --ids "$data/train.txt" --classes 3 --size 128 \
  --epochs "$epochs" --backend "$backend" --no-progress --out "$out/model" 2> "$out/train.log" &
train_pid=$!
printf 'training %s epochs on %s (pid %s; log %s) …\n' "$epochs" "$backend" "$train_pid" "$out/train.log"
on_gpu=""
while kill -0 "$train_pid" 2>/dev/null; do
  if [ -z "$on_gpu" ] && command -v nvidia-smi >/dev/null 2>&1; then
    on_gpu="$(nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits 2>/dev/null | awk -F', *' -v pid="$train_pid" '$1 == pid { print $2 " MiB" }' || true)"
  fi
  sleep 0.5
done
train_status=0
wait "$train_pid" || train_status=$?
cat "$out/train.log"
[ "$train_status" -eq 0 ] || fail "scanselect train, exit status $train_status (log: $out/train.log)"
grep -q "^compute backend: $backend\$" "$out/train.log" || fail "scanselect train did not run on $backend (log: $out/train.log)"
note "train: $(grep '^trained on' "$out/train.log")"
if [ -n "$on_gpu" ]; then
  note "train: nvidia-smi showed the training process (pid $train_pid) using $on_gpu of GPU memory"
elif [ "$backend" = tensorflow ]; then
  note "train: nvidia-smi never listed the training process (normal inside a container, where nvidia-smi cannot see its PIDs)"
fi
scanselect predict --model "$out/model" --images "$data/images" --ids "$data/test.txt" --backend "$backend" --no-progress \
  --out "$out/entropy.csv" 2> "$out/predict.log" || fail "scanselect predict (log: $out/predict.log)"
grep -q "^compute backend: $backend\$" "$out/predict.log" || fail "scanselect predict did not run on $backend (log: $out/predict.log)"
rows="$(($(wc -l < "$out/entropy.csv") - 1))"
[ "$rows" -eq 4 ] || fail "scanselect predict wrote $rows entropy rows, expected 4 ($out/entropy.csv)"
note "predict: mean entropy of the 4 held-out phantoms written to $out/entropy.csv"

step "6. npm run bench:models -- --backends $backend --sizes $bench_sizes --no-torch --no-encoders"
if [ "$bench" = 1 ]; then
  npm run bench:models -- --backends "$backend" --sizes "$bench_sizes" --no-torch --no-encoders --json "$out/bench.json" || fail "npm run bench:models"
  node - "$out/bench.json" "$backend" "$device" <<'JS' > "$out/bench-summary.txt" || fail "bench:models results ($out/bench.json)"
const [file, backend, device] = process.argv.slice(2);
const r = JSON.parse(require('fs').readFileSync(file, 'utf8'));
if (r.unavailable[backend]) { console.error(`bench: ${backend} unavailable: ${r.unavailable[backend].reason}`); process.exit(1); }
const rows = r.unet.filter((x) => x.backend === backend);
const failed = rows.filter((x) => x.error);
if (rows.length === 0 || failed.length > 0) { console.error(`bench: ${failed.map((x) => `${x.size}²: ${x.error}`).join('; ') || 'no results'}`); process.exit(1); }
const elsewhere = rows.filter((x) => x.compute.device !== device);
if (elsewhere.length > 0) { console.error(`bench: ran on ${elsewhere[0].compute.device}, the doctor said ${device}`); process.exit(1); }
const s = (v) => (typeof v === 'number' ? v.toPrecision(3) : '—');
for (const x of rows) console.log(`bench: ${backend} ${x.size}²: train ${s(x.trainPerImage)} s/img (${x.stepsDone} steps), infer ${s(x.inferPerImage)} s/img`);
JS
  while IFS= read -r line; do note "$line"; done < "$out/bench-summary.txt"
else
  note "bench: skipped (--no-bench)"
fi

step "7. summary"
printf '%s\n' "${summary[@]}" | tee "$out/summary.txt"
if [ "$backend" = tensorflow ]; then
  printf 'PASSED: tfjs-node-gpu trains, predicts and benchmarks on %s\n' "$device" | tee -a "$out/summary.txt"
else
  printf 'PASSED on %s (self-test of the script; NOT a GPU check)\n' "$backend" | tee -a "$out/summary.txt"
fi
