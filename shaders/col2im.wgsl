// col2im.wgsl: the inverse gather of im2col.wgsl for the input gradient (groups = 1): given
// dcols = wᵀ·dy [B, C_in·KH·KW, OH·OW], dx[b, ci, iy, ix] sums the column entries of every tap that
// read (iy, ix): oy = (iy + pad_h − ky·dil_h) / stride_h where that divides exactly and lands
// inside the output. One invocation per element of dx, no atomics. Prelude: conv2d_layout.wgsl.
@group(0) @binding(0) var<storage, read>       dcols: array<f32>;  // [B, C_in·KH·KW, OH·OW]
@group(0) @binding(1) var<storage, read_write> dx:    array<f32>;  // [B, C_in, H, W]
@group(0) @binding(2) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = flat_index(gid, groups);
  if (t >= dims.tiles) { return; }
  let ix = t % dims.w;
  let iy = (t / dims.w) % dims.h;
  let ci = (t / (dims.w * dims.h)) % dims.c_in;
  let b = t / (dims.w * dims.h * dims.c_in);
  let p = dims.oh * dims.ow;
  let base = (b * dims.c_in + ci) * dims.kh * dims.kw; // row of tap (ci, 0, 0) in dcols[b]
  var acc = 0.0;
  for (var ky = 0u; ky < dims.kh; ky++) {
    let oy = out_coord(iy, ky, dims.stride_h, dims.dil_h, dims.pad_h, dims.oh);
    if (oy < 0) { continue; }
    for (var kx = 0u; kx < dims.kw; kx++) {
      let ox = out_coord(ix, kx, dims.stride_w, dims.dil_w, dims.pad_w, dims.ow);
      if (ox < 0) { continue; }
      acc += dcols[(base + ky * dims.kw + kx) * p + u32(oy) * dims.ow + u32(ox)];
    }
  }
  dx[t] = acc;
}
