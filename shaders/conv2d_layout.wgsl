// conv2d_layout.wgsl: prelude of the conv2d kernels: the sizes of one convolution and the flat
// invocation index. x [B, C_in, H, W], w [C_out, C_in/G, KH, KW], y [B, C_out, OH, OW]; output
// channel oc reads the input channels of its group g = oc / (C_out/G) at iy = oy·stride_h +
// ky·dil_h − pad_h (zero outside). `tiles` is the number of invocations with work; `chunk`
// and `chunks` split the backward-weight reduction (unused elsewhere).
struct Dims {
  batch: u32, c_in: u32, h: u32, w: u32, c_out: u32, oh: u32, ow: u32, kh: u32, kw: u32,
  stride_h: u32, stride_w: u32, pad_h: u32, pad_w: u32, dil_h: u32, dil_w: u32, groups: u32,
  tiles: u32, chunk: u32, chunks: u32,
}
override WG: u32 = 64;

// The flat invocation index (grid1d folds grids past 65535 workgroups into y).
fn flat_index(gid: vec3u, groups: vec3u) -> u32 { return gid.x + gid.y * groups.x * WG; }

// Input coordinate of output coordinate o and tap k along one axis; negative in the padding.
fn in_coord(o: u32, k: u32, stride: u32, dil: u32, pad: u32) -> i32 {
  return i32(o * stride + k * dil) - i32(pad);
}

// The output coordinate that reads input coordinate i through tap k, or -1 when none does.
fn out_coord(i: u32, k: u32, stride: u32, dil: u32, pad: u32, size: u32) -> i32 {
  let t = i32(i + pad) - i32(k * dil);
  if (t < 0 || t % i32(stride) != 0) { return -1; }
  let o = t / i32(stride);
  return select(-1, o, o < i32(size));
}
