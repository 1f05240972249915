// step_split.wgsl: prelude of the split step kernels, in place of step.wgsl: their uniform and
// entry point. KS invocations share a unit: each sums W_hh·h_prev over every KS-th input
// (`recurrent_sums(p, k0, KS)`, neighbouring invocations reading neighbouring weights), the shares
// are added in workgroup memory in a fixed tree, and the first of the KS finishes the step
// (`cell_finish`). One invocation a unit leaves a GPU mostly idle on a small batch: a B16 H256
// LSTM step is 4,096 invocations (bench/RESULTS.md, the first GPU run); split by KS = 8 it is 32,768.
struct Dims { batch: u32, hidden: u32, steps: u32, step: u32, dirs: u32 }

override KS: u32 = 8u; // invocations a unit: a power of 2 dividing 64
const WG = 64u;
var<workgroup> shares: array<vec4f, WG>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let unit = wid.x * (WG / KS) + lid / KS;
  let k0 = lid % KS;
  // Invocations past H sum for unit H−1 and write nothing: every invocation reaches the barriers.
  let p = place(min(unit, dims.hidden - 1u), wid.y, wid.z, dims.step);
  shares[lid] = recurrent_sums(p, k0, KS);
  workgroupBarrier();
  for (var half = KS / 2u; half > 0u; half /= 2u) {
    if (k0 < half) { shares[lid] += shares[lid + half]; }
    workgroupBarrier();
  }
  if (k0 == 0u && unit < dims.hidden) { cell_finish(p, shares[lid]); }
}
