// im2col.wgsl: the patches of x as the columns of a matrix, so conv2d (groups = 1) is the matmul
// w [C_out, K]·cols [B, K, OH·OW] with K = C_in·KH·KW (tap order ci, ky, kx: w's own layout).
// Zero where a tap reads padding. One invocation per element of cols. Prelude: conv2d_layout.wgsl.
@group(0) @binding(0) var<storage, read>       x:    array<f32>;  // [B, C_in, H, W]
@group(0) @binding(1) var<storage, read_write> cols: array<f32>;  // [B, C_in·KH·KW, OH·OW]
@group(0) @binding(2) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = flat_index(gid, groups);
  if (t >= dims.tiles) { return; }
  let p = dims.oh * dims.ow;
  let ox = t % dims.ow;
  let oy = (t / dims.ow) % dims.oh;
  let tap = (t / p) % (dims.c_in * dims.kh * dims.kw);
  let b = t / (p * dims.c_in * dims.kh * dims.kw);
  let kx = tap % dims.kw;
  let ky = (tap / dims.kw) % dims.kh;
  let ci = tap / (dims.kw * dims.kh);
  let iy = in_coord(oy, ky, dims.stride_h, dims.dil_h, dims.pad_h);
  let ix = in_coord(ox, kx, dims.stride_w, dims.dil_w, dims.pad_w);
  var v = 0.0;
  if (iy >= 0 && iy < i32(dims.h) && ix >= 0 && ix < i32(dims.w)) {
    v = x[((b * dims.c_in + ci) * dims.h + u32(iy)) * dims.w + u32(ix)];
  }
  cols[t] = v;
}
