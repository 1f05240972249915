// softmax.wgsl: softmax, or log-softmax with LOG, along the middle axis of x viewed as
// [outer, len, inner]. With m the row max: y = e^(x−m) / Σ e^(x−m), log y = (x−m) − log Σ e^(x−m),
// so no exponent overflows. A workgroup per row (tree max, tree sum: row_reduce.wgsl) or, with
// PER_THREAD, an invocation.
struct Dims { outer: u32, len: u32, inner: u32 }
@group(0) @binding(0) var<storage, read>       x: array<f32>;  // [outer, len, inner]
@group(0) @binding(1) var<storage, read_write> y: array<f32>;  // [outer, len, inner]
@group(0) @binding(2) var<uniform> dims: Dims;

override LOG: bool = false;
override PER_THREAD: bool = false; // short rows: a whole workgroup per row would mostly idle

// Row r = (o, i) starts at o * len * inner + i; its element k is `inner` further per step of k.
fn row_base(r: u32) -> u32 { return (r / dims.inner) * dims.len * dims.inner + r % dims.inner; }

// The helpers below walk k = first, first + step, ... < len: this invocation's share of the row.
fn part_max(base: u32, first: u32, step: u32) -> f32 {
  var m = bitcast<f32>(neg_inf_bits);
  for (var k = first; k < dims.len; k += step) { m = max_nan(m, x[base + k * dims.inner]); }
  return m;
}

fn part_sum_exp(base: u32, first: u32, step: u32, m: f32) -> f32 {
  var s = 0.0;
  for (var k = first; k < dims.len; k += step) { s += exp(x[base + k * dims.inner] - m); }
  return s;
}

fn write_row(base: u32, first: u32, step: u32, m: f32, s: f32) {
  let log_s = log(s);
  for (var k = first; k < dims.len; k += step) {
    let at = base + k * dims.inner;
    let z = x[at] - m;
    y[at] = select(exp(z) / s, z - log_s, LOG);
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
      let m = part_max(base, 0u, 1u);
      write_row(base, 0u, 1u, m, part_sum_exp(base, 0u, 1u, m));
    }
    return;
  }
  // Workgroup ids are uniform, so this return keeps the barriers below in uniform control flow.
  let r = wid.x + wid.y * groups.x;
  if (r >= rows) { return; }
  let base = row_base(r);
  let m = tree_reduce(part_max(base, t, WG), t, true);
  let s = tree_reduce(part_sum_exp(base, t, WG, m), t, false);
  write_row(base, t, WG, m, s);
}
