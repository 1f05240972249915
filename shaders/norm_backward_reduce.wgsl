// norm_backward_reduce.wgsl: per group c, the two sums the input gradient needs, with
// g = dy (· weight[inner position] when AFFINE = 2) and x̂ = (x − mean)·invstd:
// sum_g = Σ g, sum_gx = Σ g·x̂ (for batch norm also dbias and dweight). A workgroup per group, or
// with PER_THREAD an invocation. Preludes: row_reduce.wgsl, norm_layout.wgsl.
@group(0) @binding(0) var<storage, read>       x:      array<f32>;  // [outer, C, inner]
@group(0) @binding(1) var<storage, read>       dy:     array<f32>;  // [outer, C, inner]
@group(0) @binding(2) var<storage, read>       mean:   array<f32>;  // [C]
@group(0) @binding(3) var<storage, read>       invstd: array<f32>;  // [C]
@group(0) @binding(4) var<storage, read>       weight: array<f32>;  // [inner] (AFFINE = 2)
@group(0) @binding(5) var<storage, read_write> sum_g:  array<f32>;  // [C]
@group(0) @binding(6) var<storage, read_write> sum_gx: array<f32>;  // [C]
@group(0) @binding(7) var<uniform> dims: Dims;

override PER_THREAD: bool = false;

fn part(c: u32, first: u32, step: u32, with_x: bool) -> f32 {
  var s = 0.0;
  for (var k = first; k < group_size(); k += step) {
    let at = group_at(c, k);
    var g = dy[at];
    if (AFFINE == 2u) { g *= weight[k % dims.inner]; }
    s += select(g, g * (x[at] - mean[c]) * invstd[c], with_x);
  }
  return s;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3u) {
  if (PER_THREAD) {
    let c = gid.x + gid.y * groups.x * WG;
    if (c < dims.c) {
      sum_g[c] = part(c, 0u, 1u, false);
      sum_gx[c] = part(c, 0u, 1u, true);
    }
    return;
  }
  let c = wid.x + wid.y * groups.x; // uniform: the early return keeps the barriers uniform
  if (c >= dims.c) { return; }
  let a = tree_reduce(part(c, t, WG, false), t, false);
  let b = tree_reduce(part(c, t, WG, true), t, false);
  if (t == 0u) {
    sum_g[c] = a;
    sum_gx[c] = b;
  }
}
