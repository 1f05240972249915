// softmax_backward.wgsl: input gradient of softmax (or of log-softmax with LOG) along the middle
// axis of [outer, len, inner], from the forward output y. softmax: dx = y ⊙ (dy − Σ dy⊙y);
// log-softmax: dx = dy − e^y · Σ dy (e^y is the softmax). A workgroup per row (tree sum:
// row_reduce.wgsl), or with PER_THREAD an invocation.
struct Dims { outer: u32, len: u32, inner: u32 }
@group(0) @binding(0) var<storage, read>       y:  array<f32>;  // [outer, len, inner] forward output
@group(0) @binding(1) var<storage, read>       dy: array<f32>;  // [outer, len, inner]
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;  // [outer, len, inner]
@group(0) @binding(3) var<uniform> dims: Dims;

override LOG: bool = false;
override PER_THREAD: bool = false; // short rows: a whole workgroup per row would mostly idle

// Row r = (o, i) starts at o * len * inner + i; its element k is `inner` further per step of k.
fn row_base(r: u32) -> u32 { return (r / dims.inner) * dims.len * dims.inner + r % dims.inner; }

// This invocation's share (k = first, first + step, ...) of Σ dy⊙y, or of Σ dy for log-softmax.
fn part_total(base: u32, first: u32, step: u32) -> f32 {
  var acc = 0.0;
  for (var k = first; k < dims.len; k += step) {
    let at = base + k * dims.inner;
    acc += select(dy[at] * y[at], dy[at], LOG);
  }
  return acc;
}

fn write_row(base: u32, first: u32, step: u32, total: f32) {
  for (var k = first; k < dims.len; k += step) {
    let at = base + k * dims.inner;
    dx[at] = select(y[at] * (dy[at] - total), dy[at] - exp(y[at]) * total, LOG);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3u) {
  let rows = dims.outer * dims.inner;
  if (PER_THREAD) {
    // No early return here: it would make the tree branch's barriers non-uniform.
    let r = gid.x + gid.y * groups.x * WG;
    if (r < rows) {
      let base = row_base(r);
      write_row(base, 0u, 1u, part_total(base, 0u, 1u));
    }
    return;
  }
  // Workgroup ids are uniform, so this return keeps the barriers below in uniform control flow.
  let r = wid.x + wid.y * groups.x;
  if (r >= rows) { return; }
  let base = row_base(r);
  write_row(base, t, WG, tree_reduce(part_total(base, t, WG), t, false));
}
