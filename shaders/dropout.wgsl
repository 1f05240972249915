// dropout.wgsl (after philox.wgsl): y = x·mask·scale, mask_i = (u >= p) with u the top 24 bits of
// Philox word (e & 3) of block e >> 2, e = offset + i, as a fraction of 2^24 (compared as integers:
// u >= p ⇔ bits >= threshold = ceil(p·2^24)). One invocation per Philox block: 4 elements per call.
struct Dims { n: u32, phase: u32, block_lo: u32, block_hi: u32, seed_lo: u32, seed_hi: u32, threshold: u32, scale: f32 }
@group(0) @binding(0) var<storage, read>       x:    array<f32>;  // [n]
@group(0) @binding(1) var<storage, read_write> y:    array<f32>;  // [n]
@group(0) @binding(2) var<storage, read_write> mask: array<f32>;  // [n] 0 or 1, for the backward
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  // Invocation j owns block block0 + j, i.e. elements i = 4j + w − phase, phase = offset & 3.
  let j = gid.x + gid.y * groups.x * 256u;
  if (j >= (dims.n + dims.phase + 3u) / 4u) { return; }
  let lo = dims.block_lo + j;
  let hi = dims.block_hi + select(0u, 1u, lo < j);  // carry of the 64-bit counter
  let bits = philox4x32_10(vec4u(lo, hi, 0u, 0u), vec2u(dims.seed_lo, dims.seed_hi));
  for (var w = 0u; w < 4u; w++) {
    let e = 4u * j + w;  // = i + phase
    if (e < dims.phase || e - dims.phase >= dims.n) { continue; }
    let i = e - dims.phase;
    let m = select(0.0, 1.0, (bits[w] >> 8u) >= dims.threshold);
    mask[i] = m;
    // x·0 keeps NaN/Inf as NaN, as PyTorch's x·mask/(1 − p) does.
    y[i] = x[i] * m * dims.scale;
  }
}
