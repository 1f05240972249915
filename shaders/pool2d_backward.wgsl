// pool2d_backward.wgsl: dx of pool2d.wgsl, gathered (no atomics): each input cell sums dy over the
// output windows that contain it, oy from ⌈(iy + pad − KH + 1)/stride⌉ to ⌊(iy + pad)/stride⌋;
// max pooling counts a window only when its recorded argmax is this cell, average pooling adds
// dy / divisor (the forward's). One invocation per input element.
struct Dims { planes: u32, h: u32, w: u32, oh: u32, ow: u32, kh: u32, kw: u32, stride_h: u32, stride_w: u32, pad_h: u32, pad_w: u32 }
@group(0) @binding(0) var<storage, read>       dy:     array<f32>;  // [B·C, OH, OW]
@group(0) @binding(1) var<storage, read>       argmax: array<i32>;  // [B·C, OH, OW] (MAX)
@group(0) @binding(2) var<storage, read_write> dx:     array<f32>;  // [B·C, H, W]
@group(0) @binding(3) var<uniform> dims: Dims;

override MAX: bool = true;
override COUNT_PAD: bool = true;
override WG: u32 = 256;

// The output positions along one axis whose windows hold input coordinate i: [first, last).
fn window_range(i: u32, k: u32, stride: u32, pad: u32, size: u32) -> vec2u {
  let hi = i + pad; // the window starting at o·stride − pad holds i when o·stride ≤ i + pad < o·stride + k
  let first = select(0u, (hi + 1u - k + stride - 1u) / stride, hi + 1u > k);
  let last = min(hi / stride + 1u, size);
  return vec2u(first, max(first, last));
}

// Cells of output window o's extent [o·stride − pad, + k) that lie inside [0, size).
fn inside(o: u32, k: u32, stride: u32, pad: u32, size: u32) -> u32 {
  let lo = max(i32(o * stride) - i32(pad), 0);
  let hi = min(i32(o * stride) - i32(pad) + i32(k), i32(size));
  return u32(max(hi - lo, 0));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= dims.planes * dims.h * dims.w) { return; }
  let ix = i % dims.w;
  let iy = (i / dims.w) % dims.h;
  let plane = i / (dims.w * dims.h);
  let ry = window_range(iy, dims.kh, dims.stride_h, dims.pad_h, dims.oh);
  let rx = window_range(ix, dims.kw, dims.stride_w, dims.pad_w, dims.ow);
  let me = i32(iy * dims.w + ix);
  var acc = 0.0;
  for (var oy = ry.x; oy < ry.y; oy++) {
    for (var ox = rx.x; ox < rx.y; ox++) {
      let o = (plane * dims.oh + oy) * dims.ow + ox;
      if (MAX) {
        if (argmax[o] == me) { acc += dy[o]; }
      } else {
        let n = select(inside(oy, dims.kh, dims.stride_h, dims.pad_h, dims.h) * inside(ox, dims.kw, dims.stride_w, dims.pad_w, dims.w),
                       dims.kh * dims.kw, COUNT_PAD);
        acc += dy[o] / f32(n);
      }
    }
  }
  dx[i] = acc;
}
