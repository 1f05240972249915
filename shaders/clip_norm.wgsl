// clip_norm.wgsl: global L2 norm of several tensors in two passes, in a fixed summation order
// (deterministic). FINAL = false: workgroup w sums x² over its CHUNK = 4096 elements of one tensor
// into partials[offset + w]. FINAL = true (one workgroup): out[0] = sqrt(Σ partials[0..n)).
struct Dims { n: u32, offset: u32 }
@group(0) @binding(0) var<storage, read>       src: array<f32>;  // pass 1: x [n]; pass 2: partials [n]
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;  // pass 1: partials [P]; pass 2: norm [1]
@group(0) @binding(2) var<uniform> dims: Dims;

override FINAL: bool = false;
const WG = 256u;
const PER_THREAD = 16u;  // CHUNK = WG · PER_THREAD elements per workgroup in pass 1

var<workgroup> sums: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) groups: vec3u) {
  let w = wid.x + wid.y * groups.x;
  // A folded grid (grid1d) can have a few workgroups past the end; they own no partial slot.
  if (!FINAL && w * WG * PER_THREAD >= dims.n) { return; }
  var acc = 0.0;
  if (FINAL) {
    for (var i = lid; i < dims.n; i += WG) { acc += src[i]; }
  } else {
    // Coalesced: on each pass the workgroup reads WG consecutive elements.
    let base = w * WG * PER_THREAD;
    for (var k = 0u; k < PER_THREAD; k++) {
      let i = base + k * WG + lid;
      if (i < dims.n) { let x = src[i]; acc += x * x; }
    }
  }
  sums[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { sums[lid] += sums[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    if (FINAL) { dst[0] = sqrt(sums[0]); } else { dst[dims.offset + w] = sums[0]; }
  }
}
