// norm_backward.wgsl: dx of y = x̂·w + b, x̂ = (x − mean)·invstd. With batch statistics (BATCH_STATS)
// mean and invstd depend on x: dx = invstd·(g − w_c·(sum_g + x̂·sum_gx)/n), g = dy·w (n elements a
// group, sums from norm_backward_reduce.wgsl, w_c the group's weight when AFFINE = 1); with fixed
// statistics (batch norm in eval mode) dx = invstd·g. With PRODUCT also dy·x̂ (layer norm's dweight
// is its sum over rows). One invocation per element. Preludes: row_reduce.wgsl, norm_layout.wgsl.
@group(0) @binding(0) var<storage, read>       x:       array<f32>;  // [outer, C, inner]
@group(0) @binding(1) var<storage, read>       dy:      array<f32>;  // [outer, C, inner]
@group(0) @binding(2) var<storage, read>       mean:    array<f32>;  // [C]
@group(0) @binding(3) var<storage, read>       invstd:  array<f32>;  // [C]
@group(0) @binding(4) var<storage, read>       weight:  array<f32>;  // [C] or [inner] (AFFINE)
@group(0) @binding(5) var<storage, read>       sum_g:   array<f32>;  // [C] (BATCH_STATS)
@group(0) @binding(6) var<storage, read>       sum_gx:  array<f32>;  // [C] (BATCH_STATS)
@group(0) @binding(7) var<storage, read_write> dx:      array<f32>;  // [outer, C, inner]
@group(0) @binding(8) var<storage, read_write> product: array<f32>;  // [outer, C, inner] dy·x̂ (PRODUCT)
@group(0) @binding(9) var<uniform> dims: Dims;

override BATCH_STATS: bool = true;
override PRODUCT: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= dims.outer * dims.c * dims.inner) { return; }
  let c = (i / dims.inner) % dims.c;
  let xhat = (x[i] - mean[c]) * invstd[c];
  var w_c = 1.0; // the group's weight (batch norm), which scales both sums too
  var w_i = 1.0; // the element's weight (layer norm), already inside the sums
  if (AFFINE == 1u) { w_c = weight[c]; }
  if (AFFINE == 2u) { w_i = weight[i % dims.inner]; }
  let g = dy[i] * w_i * w_c;
  var d = g;
  if (BATCH_STATS) { d = g - w_c * (sum_g[c] + xhat * sum_gx[c]) / f32(group_size()); }
  dx[i] = invstd[c] * d;
  if (PRODUCT) { product[i] = dy[i] * xhat; }
}
