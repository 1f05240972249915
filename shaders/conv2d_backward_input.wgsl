// conv2d_backward_input.wgsl: dx = Σ over the outputs that read x[b, c, iy, ix] of dy·w (the
// transposed convolution): oy = (iy + pad_h − ky·dil_h) / stride_h where that divides exactly and
// lands inside dy. One invocation: 4 input channels (of one group) at one input pixel, so the tap
// arithmetic is shared by the 4 and each dy load feeds 4 products. Prelude: conv2d_layout.wgsl.
@group(0) @binding(0) var<storage, read>       dy: array<f32>;  // [B, C_out, OH, OW]
@group(0) @binding(1) var<storage, read>       w:  array<f32>;  // [C_out, C_in/G, KH, KW]
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;  // [B, C_in, H, W]
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = flat_index(gid, groups);
  if (t >= dims.tiles) { return; }
  let cg = dims.c_in / dims.groups;
  let ocg = dims.c_out / dims.groups;
  let blocks = (cg + 3u) / 4u;
  let ix = t % dims.w;
  var r = t / dims.w;
  let iy = r % dims.h;
  r = r / dims.h;
  let blk = r % (blocks * dims.groups);
  let b = r / (blocks * dims.groups);
  let g = blk / blocks;
  let ci0 = (blk % blocks) * 4u; // within the group
  let taps = cg * dims.kh * dims.kw;

  var acc = vec4f(); // channels g·cg + ci0 + i
  for (var ky = 0u; ky < dims.kh; ky++) {
    let oy = out_coord(iy, ky, dims.stride_h, dims.dil_h, dims.pad_h, dims.oh);
    if (oy < 0) { continue; }
    for (var kx = 0u; kx < dims.kw; kx++) {
      let ox = out_coord(ix, kx, dims.stride_w, dims.dil_w, dims.pad_w, dims.ow);
      if (ox < 0) { continue; }
      for (var o = 0u; o < ocg; o++) {
        let oc = g * ocg + o;
        let d = dy[((b * dims.c_out + oc) * dims.oh + u32(oy)) * dims.ow + u32(ox)];
        var wv = vec4f();
        for (var i = 0u; i < 4u; i++) {
          // Channels past the group's last read a valid weight; their sums are not stored.
          let ci = min(ci0 + i, cg - 1u);
          wv[i] = w[oc * taps + (ci * dims.kh + ky) * dims.kw + kx];
        }
        acc += d * wv;
      }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    if (ci0 + i >= cg) { break; }
    dx[((b * dims.c_in + g * cg + ci0 + i) * dims.h + iy) * dims.w + ix] = acc[i];
  }
}
