#!/usr/bin/env bash
# The GPU check, in one command, for a fresh x86-64 machine with an NVIDIA GPU and its driver but
# nothing else (no Node, no npm packages, no Vulkan loader, no network), run as root from the
# repository root with .gpu/ beside it (made here first by `bash scripts/gpu-pack.sh`):
#   1. unpacks the Vulkan loader, Node and node_modules from .gpu/;
#   2. checks that Dawn's Vulkan backend finds the NVIDIA GPU (and stops, saying why, if not);
#   3. runs the test suite's kernel and nn tiers on it (vitest, project node);
#   4. runs `npm run bench -- --profile --only W6,W5,W2,W1,W4,W3 --torch-device cuda --skip-wasm
#      --sections profile,schedules,workloads,generation,matmul` on it (the prebuilt benchmark bundle, with
#      tfjs-webgpu, onnxruntime-node, and the machine's PyTorch on CUDA when it has one; W6 is the
#      compute-bound LSTM sized for a GPU; tfjs-wasm's one-thread steps, timed on the CPU machines
#      already, took ~70 s of the first GPU run's 270). Sections and workloads run in the order
#      named: the per-kernel profile and the step-schedule sweep first, and W6 (never timed on a
#      GPU yet) and the issue's targets W5, W2, W1 before W4 and W3, so a run cut off at its time
#      limit loses the least;
# writing everything to one folder: $OUT if set (the device tool sets it), else gpu-check-out/.
# Each stage has its own time limit, all of them within 8 minutes (run it with a 480 s timeout).
#   --software  a dry run on a machine without an NVIDIA GPU: skips the driver check and runs
#               stages 3-4 on whatever adapter Dawn finds (lavapipe), with the bench's --quick sizes
#               (all six workloads: --only names W6).
set -uo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
software=0
for a in "$@"; do
  case "$a" in
    --software) software=1 ;;
    *) echo "gpu-check: unknown flag $a (only --software)" >&2; exit 2 ;;
  esac
done
out=${OUT:-gpu-check-out}
mkdir -p "$out"
summary="$out/summary.md"
fail() { echo "gpu-check: $*" | tee -a "$summary" >&2; exit 1; }
say() { echo "gpu-check: $*" | tee -a "$summary"; }
: >"$summary"

[ -f .gpu/node.xz ] && [ -f .gpu/modules.tar.xz ] ||
  fail "missing .gpu/ (run \`bash scripts/gpu-pack.sh\` on the machine you work on, and carry .gpu with the working tree)"

# 1. The driver. nvidia-smi can hang on a broken driver: give it a limit.
if [ $software = 0 ]; then
  command -v nvidia-smi >/dev/null || fail "no NVIDIA driver here (nvidia-smi not found); for a dry run without a GPU pass --software"
  timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$out/gpu.txt" 2>&1 ||
    fail "nvidia-smi failed or hung: $(head -c 300 "$out/gpu.txt")"
  say "GPU: $(head -1 "$out/gpu.txt")"
  # The driver's ICD: the device tool's machines keep the one that works under /usr/local/nvidia.
  icd=""
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$f" ] && { icd=$f; break; }
  done
  [ -n "$icd" ] || fail "the NVIDIA driver has no Vulkan ICD file (nvidia_icd.json) in the usual places"
  export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
  say "Vulkan ICD: $icd"
  { echo "--- $icd"; cat "$icd"; } >>"$out/gpu.txt"
  # The loader, and the GL dispatch libraries the driver's libGLX_nvidia needs (glvnd).
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 ' || ! ldconfig -p 2>/dev/null | grep -q 'libGLdispatch.so.0 '; then
    [ "$(id -u)" = 0 ] || fail "the Vulkan loader or glvnd is missing and unpacking .gpu/deb needs root"
    for f in .gpu/deb/*.deb; do dpkg -x "$f" /; done
    ldconfig
    ldconfig -p | grep -q 'libvulkan.so.1 ' || fail "the Vulkan loader from .gpu/deb did not install"
  fi
fi

# 2. Node and the packages.
bin=$(mktemp -d)
xz -dc .gpu/node.xz >"$bin/node" && chmod +x "$bin/node" || fail "could not unpack Node"
export PATH="$bin:$PATH"
if [ ! -d node_modules/vitest ]; then
  xz -dc .gpu/modules.tar.xz | tar -xf - || fail "could not unpack node_modules"
fi
mkdir -p dist && cp -r .gpu/dist/. dist/
node build.mjs --gen || fail "node build.mjs --gen failed"
say "Node $(node --version), unpacked in $((SECONDS - started)) s"

# 3. Dawn must see the GPU, not a software adapter (a dry run accepts one).
adapter=$(VK_LOADER_DEBUG=error,warn timeout 60 node --input-type=module -e "
  import { init, adapterInfo } from './dist/esm/index.js';
  await init();
  const a = adapterInfo();
  console.log([a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / '));
  process.exit(0);
" 2>>"$out/gpu.txt") || fail "Dawn found no WebGPU adapter: $(tail -c 400 "$out/gpu.txt")"
echo "adapter: $adapter" >>"$out/gpu.txt"
say "adapter: $adapter"
if [ $software = 0 ] && echo "$adapter" | grep -qiE 'llvmpipe|swiftshader|software'; then
  fail "Dawn picked a software adapter ($adapter), not the NVIDIA GPU"
fi

# 4. The kernel and nn tiers of the tests.
t0=$SECONDS
timeout 90 node node_modules/vitest/vitest.mjs run --project node test/kernels test/nn \
  --reporter=dot >"$out/tests.log" 2>&1
rc=$?
[ $rc = 124 ] && say "tests: stopped at their 90 s limit" || say "tests: exit $rc in $((SECONDS - t0)) s"
grep -E '^ *(Test Files|Tests) ' "$out/tests.log" | sed 's/^ */  /' | tee -a "$summary"

# 5. The benchmark with per-kernel GPU times. Its log holds each section's table as it is made,
# so a bench stopped at its limit still reports the sections it finished.
t0=$SECONDS
flags=(--profile --out "$out" --only W6,W5,W2,W1,W4,W3 --skip-wasm --sections profile,schedules,workloads,generation,matmul)
if [ $software = 1 ]; then flags+=(--quick); else flags+=(--torch-device cuda); fi
timeout 360 node dist/node/bench.js "${flags[@]}" >"$out/bench.log" 2>&1
rc=$?
[ $rc = 124 ] && say "bench: stopped at its 360 s limit" || say "bench: exit $rc in $((SECONDS - t0)) s"
say "done in $((SECONDS - started)) s; tables in $out/bench.md, logs in $out/"
