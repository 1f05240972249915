// fill.wgsl: out[i] = value for every i < n (zeros, ones, full). One invocation per element;
// the flat index folds in gid.y so grids past 65535 workgroups work (see grid1d).
struct Dims { n: u32, value: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // [n]
@group(0) @binding(1) var<uniform> dims: Dims;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i >= dims.n) { return; }
  out[i] = dims.value;
}
