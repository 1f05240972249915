// norm_forward.wgsl: y = (x − mean[c])·invstd[c] (· weight + bias, per group or per inner position,
// see AFFINE). With COUNT, invocation 0 also adds 1 to num_batches_tracked (after norm_stats.wgsl
// has read it). One invocation per element. Preludes: row_reduce.wgsl, norm_layout.wgsl.
@group(0) @binding(0) var<storage, read>       x:       array<f32>;  // [outer, C, inner]
@group(0) @binding(1) var<storage, read>       mean:    array<f32>;  // [C]
@group(0) @binding(2) var<storage, read>       invstd:  array<f32>;  // [C]
@group(0) @binding(3) var<storage, read>       weight:  array<f32>;  // [C] or [inner] (AFFINE)
@group(0) @binding(4) var<storage, read>       bias:    array<f32>;  // [C] or [inner] (AFFINE)
@group(0) @binding(5) var<storage, read_write> y:       array<f32>;  // [outer, C, inner]
@group(0) @binding(6) var<storage, read_write> batches: array<i32>;  // [1] num_batches_tracked (COUNT)
@group(0) @binding(7) var<uniform> dims: Dims;

override COUNT: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (COUNT && i == 0u) { batches[0] += 1; }
  if (i >= dims.outer * dims.c * dims.inner) { return; }
  let c = (i / dims.inner) % dims.c;
  var v = (x[i] - mean[c]) * invstd[c];
  if (AFFINE != 0u) {
    let a = select(i % dims.inner, c, AFFINE == 1u);
    v = v * weight[a] + bias[a];
  }
  y[i] = v;
}
