// conv2d_forward.wgsl: y = conv2d(x, w) (+ bias) as an implicit GEMM: the im2col matrix is never
// stored, each invocation gathers its inputs. One invocation: 4 output channels (of one group) ×
// 4 neighbouring output columns of one output row, a 4×4 register tile like matmul.wgsl's.
// Prelude: conv2d_layout.wgsl.
@group(0) @binding(0) var<storage, read>       x:    array<f32>;  // [B, C_in, H, W]
@group(0) @binding(1) var<storage, read>       w:    array<f32>;  // [C_out, C_in/G, KH, KW]
@group(0) @binding(2) var<storage, read>       bias: array<f32>;  // [C_out] (HAS_BIAS)
@group(0) @binding(3) var<storage, read_write> y:    array<f32>;  // [B, C_out, OH, OW]
@group(0) @binding(4) var<uniform> dims: Dims;

override HAS_BIAS: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = flat_index(gid, groups);
  if (t >= dims.tiles) { return; }
  // Column quads vary fastest, so a workgroup's lanes read neighbouring inputs and share weights.
  let quads = (dims.ow + 3u) / 4u;
  let cg = dims.c_in / dims.groups;
  let ocg = dims.c_out / dims.groups;
  let blocks = (ocg + 3u) / 4u;
  let ox0 = (t % quads) * 4u;
  var r = t / quads;
  let oy = r % dims.oh;
  r = r / dims.oh;
  let blk = r % (blocks * dims.groups);
  let b = r / (blocks * dims.groups);
  let g = blk / blocks;
  let oc0 = g * ocg + (blk % blocks) * 4u;
  let oc_last = (g + 1u) * ocg - 1u;
  let taps = cg * dims.kh * dims.kw; // weights per output channel

  var acc: array<vec4f, 4>; // acc[i][j]: channel oc0 + i, column ox0 + j
  for (var ci = 0u; ci < cg; ci++) {
    let plane = (b * dims.c_in + g * cg + ci) * dims.h;
    for (var ky = 0u; ky < dims.kh; ky++) {
      let iy = in_coord(oy, ky, dims.stride_h, dims.dil_h, dims.pad_h);
      if (iy < 0 || iy >= i32(dims.h)) { continue; }
      let row = (plane + u32(iy)) * dims.w;
      for (var kx = 0u; kx < dims.kw; kx++) {
        var xv = vec4f();
        for (var j = 0u; j < 4u; j++) {
          let ix = in_coord(ox0 + j, kx, dims.stride_w, dims.dil_w, dims.pad_w);
          if (ix >= 0 && ix < i32(dims.w)) { xv[j] = x[row + u32(ix)]; }
        }
        let tap = (ci * dims.kh + ky) * dims.kw + kx;
        for (var i = 0u; i < 4u; i++) {
          // Channels past the group's last are clamped to stay in bounds; their sums are not stored.
          acc[i] += w[min(oc0 + i, oc_last) * taps + tap] * xv;
        }
      }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let oc = oc0 + i;
    if (oc > oc_last) { break; }
    let base = ((b * dims.c_out + oc) * dims.oh + oy) * dims.ow;
    let bv = select(0.0, bias[oc], HAS_BIAS);
    for (var j = 0u; j < 4u; j++) {
      if (ox0 + j < dims.ow) { y[base + ox0 + j] = acc[i][j] + bv; }
    }
  }
}
