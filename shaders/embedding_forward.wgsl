// embedding_forward.wgsl: out[pos, e] = weight[indices[pos], e], one invocation per output element.
// An index outside [0, V) gives a NaN row: the error shows up downstream without a readback.
struct Dims { n: u32, dim: u32, num: u32 }  // n = N·E output elements, dim = E, num = V
@group(0) @binding(0) var<storage, read>       weight:  array<f32>;  // [V, E]
@group(0) @binding(1) var<storage, read>       indices: array<i32>;  // [N]
@group(0) @binding(2) var<storage, read_write> out:     array<f32>;  // [N, E]
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i >= dims.n) { return; }
  let pos = i / dims.dim;
  let e = i % dims.dim;
  let idx = indices[pos];
  if (idx < 0 || u32(idx) >= dims.num) {
    // A runtime value, not a constant: a const-expression may not evaluate to NaN.
    var nan_bits = 0x7fc00000u;
    out[i] = bitcast<f32>(nan_bits);
    return;
  }
  out[i] = weight[u32(idx) * dims.dim + e];
}
