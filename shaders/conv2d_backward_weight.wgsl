// conv2d_backward_weight.wgsl: dw[oc, ci, ky, kx] = Σ_{b, oy, ox} dy[b, oc, oy, ox]·x[b, g·cg + ci,
// iy, ix], split into `chunks` partial sums over the rows (b, oy) of dy, `chunk` rows each, so a
// long reduction still spreads over many invocations (the caller sums the partials). One
// invocation: 4 output channels (of one group) × 4 consecutive taps e of the flattened filter
// (ci, ky, kx), over one chunk. Prelude: conv2d_layout.wgsl.
@group(0) @binding(0) var<storage, read>       dy: array<f32>;  // [B, C_out, OH, OW]
@group(0) @binding(1) var<storage, read>       x:  array<f32>;  // [B, C_in, H, W]
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;  // [chunks, C_out, C_in/G, KH, KW]
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = flat_index(gid, groups);
  if (t >= dims.tiles) { return; }
  let cg = dims.c_in / dims.groups;
  let ocg = dims.c_out / dims.groups;
  let taps = cg * dims.kh * dims.kw;
  let tap_blocks = (taps + 3u) / 4u;
  let oc_blocks = (ocg + 3u) / 4u;
  let e0 = (t % tap_blocks) * 4u;
  var r = t / tap_blocks;
  let blk = r % (oc_blocks * dims.groups);
  let s = r / (oc_blocks * dims.groups);
  let g = blk / oc_blocks;
  let oc0 = g * ocg + (blk % oc_blocks) * 4u;
  let oc_last = (g + 1u) * ocg - 1u;

  // The 4 taps' input channels, rows and columns; taps past the last are clamped (not stored).
  var plane: array<u32, 4>;
  var ky: array<u32, 4>;
  var kx: array<u32, 4>;
  for (var e = 0u; e < 4u; e++) {
    let tap = min(e0 + e, taps - 1u);
    kx[e] = tap % dims.kw;
    ky[e] = (tap / dims.kw) % dims.kh;
    plane[e] = g * cg + tap / (dims.kw * dims.kh);
  }
  var acc: array<vec4f, 4>; // acc[e][i]: tap e0 + e, channel oc0 + i
  let rows = dims.batch * dims.oh;
  let end = min((s + 1u) * dims.chunk, rows);
  for (var row = s * dims.chunk; row < end; row++) {
    let b = row / dims.oh;
    let oy = row % dims.oh;
    var dy_at: array<u32, 4>;
    for (var i = 0u; i < 4u; i++) {
      dy_at[i] = ((b * dims.c_out + min(oc0 + i, oc_last)) * dims.oh + oy) * dims.ow;
    }
    var x_row: array<i32, 4>; // start of the input row tap e reads, -1 when it is padding
    for (var e = 0u; e < 4u; e++) {
      let iy = in_coord(oy, ky[e], dims.stride_h, dims.dil_h, dims.pad_h);
      x_row[e] = select(-1, i32(((b * dims.c_in + plane[e]) * dims.h + u32(iy)) * dims.w), iy >= 0 && iy < i32(dims.h));
    }
    for (var ox = 0u; ox < dims.ow; ox++) {
      let d = vec4f(dy[dy_at[0] + ox], dy[dy_at[1] + ox], dy[dy_at[2] + ox], dy[dy_at[3] + ox]);
      for (var e = 0u; e < 4u; e++) {
        let ix = in_coord(ox, kx[e], dims.stride_w, dims.dil_w, dims.pad_w);
        if (x_row[e] >= 0 && ix >= 0 && ix < i32(dims.w)) { acc[e] += d * x[u32(x_row[e] + ix)]; }
      }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let oc = oc0 + i;
    if (oc > oc_last) { break; }
    for (var e = 0u; e < 4u; e++) {
      if (e0 + e < taps) { dw[(s * dims.c_out + oc) * taps + e0 + e] = acc[e][i]; }
    }
  }
}
