// sum_to_shape.wgsl: out[o] = Σ dy over the dims that `out` broadcasts (the backward of
// broadcasting). dy's dims (neighbours merged when both kept or both summed) are left-padded to
// 6 with strides s0..s5; k0..k5 is out's extent per dim (1 where summed), r0..r5 the summed
// extent (1 where kept), m = Π r. One invocation per output element sums its m inputs in order.
override WG: u32 = 256;
struct Dims {
  n: u32, m: u32,
  k0: u32, k1: u32, k2: u32, k3: u32, k4: u32, k5: u32,
  r0: u32, r1: u32, r2: u32, r3: u32, r4: u32, r5: u32,
  s0: u32, s1: u32, s2: u32, s3: u32, s4: u32, s5: u32,
}
@group(0) @binding(0) var<storage, read>       dy:  array<f32>;  // broadcast shape, Π k·r elements
@group(0) @binding(1) var<storage, read_write> out: array<f32>;  // [k0, ..., k5], n elements
@group(0) @binding(2) var<uniform> dims: Dims;

// Offset in dy of the flat index `j` over `extent`, using dy's strides.
fn offset_of(j: u32, extent: array<u32, 6>) -> u32 {
  var strides = array<u32, 6>(dims.s0, dims.s1, dims.s2, dims.s3, dims.s4, dims.s5);
  var e = extent;
  var r = j;
  var off = 0u;
  for (var k = 5; k >= 0; k--) {
    if (r == 0u) { break; }  // the remaining (outer) coordinates are all 0
    off += (r % e[k]) * strides[k];
    r = r / e[k];
  }
  return off;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let o = gid.x + gid.y * groups.x * WG;
  if (o >= dims.n) { return; }
  let kept = array<u32, 6>(dims.k0, dims.k1, dims.k2, dims.k3, dims.k4, dims.k5);
  let summed = array<u32, 6>(dims.r0, dims.r1, dims.r2, dims.r3, dims.r4, dims.r5);
  let base = offset_of(o, kept);
  var acc = 0.0;
  for (var j = 0u; j < dims.m; j++) {
    acc += dy[base + offset_of(j, summed)];
  }
  out[o] = acc;
}
