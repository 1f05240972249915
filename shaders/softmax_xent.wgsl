// softmax_xent.wgsl: fused softmax cross-entropy with class indices, loss and gradient in one
// pass. logits [n, c], targets [n]: loss[r] = logsumexp(x_r) − x_r[t_r], dlogits[r] = softmax(x_r)
// − onehot(t_r); both 0 where t_r == ignore_index, NaN where t_r is out of [0, c). A workgroup a row
// (tree max, tree sum: row_reduce.wgsl), or with PER_THREAD one invocation a row.
struct Dims { n: u32, c: u32, ignore_index: i32, has_ignore: u32 }
@group(0) @binding(0) var<storage, read>       logits:  array<f32>;  // [n, c]
@group(0) @binding(1) var<storage, read>       targets: array<i32>;  // [n]
@group(0) @binding(2) var<storage, read_write> loss:    array<f32>;  // [n]
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;  // [n, c]
@group(0) @binding(4) var<uniform> dims: Dims;

override PER_THREAD: bool = false; // few classes: a whole workgroup per row would mostly idle

// A runtime value: a constant expression that evaluates to NaN fails shader creation.
var<private> nan_bits: u32 = 0x7fc00000u;

// The helpers below walk k = first, first + step, ... < c: this invocation's share of row r.
fn part_max(r: u32, first: u32, step: u32) -> f32 {
  var m = bitcast<f32>(neg_inf_bits);
  for (var k = first; k < dims.c; k += step) { m = max_nan(m, logits[r * dims.c + k]); }
  return m;
}

fn part_sum_exp(r: u32, first: u32, step: u32, m: f32) -> f32 {
  var s = 0.0;
  for (var k = first; k < dims.c; k += step) { s += exp(logits[r * dims.c + k] - m); }
  return s;
}

fn write_row(r: u32, first: u32, step: u32, m: f32, s: f32) {
  let cls = targets[r];
  let ignored = dims.has_ignore != 0u && cls == dims.ignore_index;
  let valid = cls >= 0 && u32(cls) < dims.c; // never index with an out-of-range target
  let nan = bitcast<f32>(nan_bits);
  if (first == 0u) {
    // log Σ e^(x−m) − (x_t − m): m cancels before it can swamp the small terms.
    var l = nan;
    if (ignored) { l = 0.0; } else if (valid) { l = log(s) - (logits[r * dims.c + u32(cls)] - m); }
    loss[r] = l;
  }
  for (var k = first; k < dims.c; k += step) {
    let at = r * dims.c + k;
    var d = nan;
    if (ignored) { d = 0.0; } else if (valid) { d = exp(logits[at] - m) / s - select(0.0, 1.0, i32(k) == cls); }
    dlogits[at] = d;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3u) {
  if (PER_THREAD) {
    // No early return here: it would make the tree branch's barriers non-uniform.
    let r = gid.x + gid.y * groups.x * WG;
    if (r < dims.n) {
      let m = part_max(r, 0u, 1u);
      write_row(r, 0u, 1u, m, part_sum_exp(r, 0u, 1u, m));
    }
    return;
  }
  // Workgroup ids are uniform, so this return keeps the barriers below in uniform control flow.
  // The reductions run for ignored rows too: branching on the target would not be uniform.
  let r = wid.x + wid.y * groups.x;
  if (r >= dims.n) { return; }
  let m = tree_reduce(part_max(r, t, WG), t, true);
  let s = tree_reduce(part_sum_exp(r, t, WG, m), t, false);
  write_row(r, t, WG, m, s);
}
