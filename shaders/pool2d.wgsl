// pool2d.wgsl: max or average pooling (MAX) over KH×KW windows of x [B·C, H, W], stride and
// padding per axis. Max pads with -Inf (a window never lies wholly in the padding: the launcher
// requires pad ≤ kernel/2) and records the flat index (iy·W + ix) of the first maximum, which the
// backward routes the gradient to; a NaN wins and stays. Average divides by KH·KW with
// COUNT_PAD (PyTorch's count_include_pad) or by the window's cells inside x. One invocation per
// output element.
struct Dims { planes: u32, h: u32, w: u32, oh: u32, ow: u32, kh: u32, kw: u32, stride_h: u32, stride_w: u32, pad_h: u32, pad_w: u32 }
@group(0) @binding(0) var<storage, read>       x:       array<f32>;  // [B·C, H, W]
@group(0) @binding(1) var<storage, read_write> y:       array<f32>;  // [B·C, OH, OW]
@group(0) @binding(2) var<storage, read_write> argmax:  array<i32>;  // [B·C, OH, OW] (MAX)
@group(0) @binding(3) var<uniform> dims: Dims;

override MAX: bool = true;
override COUNT_PAD: bool = true;
override WG: u32 = 256;

var<private> neg_inf_bits: u32 = 0xff800000u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= dims.planes * dims.oh * dims.ow) { return; }
  let ox = i % dims.ow;
  let oy = (i / dims.ow) % dims.oh;
  let plane = i / (dims.ow * dims.oh);
  let y0 = i32(oy * dims.stride_h) - i32(dims.pad_h);
  let x0 = i32(ox * dims.stride_w) - i32(dims.pad_w);
  var best = bitcast<f32>(neg_inf_bits);
  var best_at = -1;
  var sum = 0.0;
  var inside = 0u;
  for (var ky = 0u; ky < dims.kh; ky++) {
    let iy = y0 + i32(ky);
    if (iy < 0 || iy >= i32(dims.h)) { continue; }
    for (var kx = 0u; kx < dims.kw; kx++) {
      let ix = x0 + i32(kx);
      if (ix < 0 || ix >= i32(dims.w)) { continue; }
      let at = iy * i32(dims.w) + ix;
      let v = x[plane * dims.h * dims.w + u32(at)];
      // The first cell seen, a larger value, or a first NaN replaces the best so far.
      if (best_at < 0 || (!is_nan(best) && (v > best || is_nan(v)))) {
        best = v;
        best_at = at;
      }
      sum += v;
      inside++;
    }
  }
  if (MAX) {
    y[i] = best;
    argmax[i] = best_at;
  } else {
    y[i] = sum / f32(select(inside, dims.kh * dims.kw, COUNT_PAD));
  }
}
