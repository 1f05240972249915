// copy_strided.wgsl: dst[dst_base + Σ c_k·ds_k] = src[src_base + Σ c_k·ss_k] for every coordinate
// c of an iteration shape d0..d5 (left-padded to 6 dims, n elements). One kernel serves
// transpose (permuted source strides), slice (offset source box) and sliceAssign/concat (offset
// destination box). Bit copies through u32, so int32 and float32 (NaN payloads too) are exact.
override WG: u32 = 256;
struct Dims {
  n: u32, src_base: u32, dst_base: u32,
  d0: u32, d1: u32, d2: u32, d3: u32, d4: u32, d5: u32,
  ss0: u32, ss1: u32, ss2: u32, ss3: u32, ss4: u32, ss5: u32,
  ds0: u32, ds1: u32, ds2: u32, ds3: u32, ds4: u32, ds5: u32,
}
@group(0) @binding(0) var<storage, read>       src: array<u32>;  // any layout, see strides
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;  // any layout, see strides
@group(0) @binding(2) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= dims.n) { return; }
  var shape = array<u32, 6>(dims.d0, dims.d1, dims.d2, dims.d3, dims.d4, dims.d5);
  var ss = array<u32, 6>(dims.ss0, dims.ss1, dims.ss2, dims.ss3, dims.ss4, dims.ss5);
  var ds = array<u32, 6>(dims.ds0, dims.ds1, dims.ds2, dims.ds3, dims.ds4, dims.ds5);
  var r = i;
  var si = dims.src_base;
  var di = dims.dst_base;
  for (var k = 5; k >= 0; k--) {
    if (r == 0u) { break; }  // the remaining (outer) coordinates are all 0
    let c = r % shape[k];
    r = r / shape[k];
    si += c * ss[k];
    di += c * ds[k];
  }
  dst[di] = src[si];
}
