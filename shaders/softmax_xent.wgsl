// softmax_xent.wgsl: fused softmax cross-entropy with class indices, loss and gradient in one
// pass, with PyTorch's class weights w (1 without) and label smoothing ε. logits [n, c], targets [n],
// q_k = (1 − ε)·[k = t] + ε/c: loss[r] = Σ_k q_k·w_k·(lse(x_r) − x_rk), dlogits[r, k] =
// p_k·Σ_j q_j·w_j − q_k·w_k (p = softmax(x_r)); both 0 where t_r == ignore_index, NaN where t_r is
// out of [0, c). A workgroup a row (tree max, tree sums: row_reduce.wgsl), or with PER_THREAD one
// invocation a row.
struct Dims { n: u32, c: u32, ignore_index: i32, has_ignore: u32, has_weight: u32, smoothing: f32 }
@group(0) @binding(0) var<storage, read>       logits:  array<f32>;  // [n, c]
@group(0) @binding(1) var<storage, read>       targets: array<i32>;  // [n]
@group(0) @binding(2) var<storage, read>       weight:  array<f32>;  // [c] (bound but unread without has_weight)
@group(0) @binding(3) var<storage, read_write> loss:    array<f32>;  // [n]
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;  // [n, c]
@group(0) @binding(5) var<uniform> dims: Dims;

fn w_of(k: u32) -> f32 {
  if (dims.has_weight != 0u) { return weight[k]; }
  return 1.0;
}

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

// Σ w_k·(x_k − m) and Σ w_k over this invocation's share: the smoothing term's parts.
fn part_weighted(r: u32, first: u32, step: u32, m: f32) -> vec2f {
  var a = vec2f(0.0);
  for (var k = first; k < dims.c; k += step) { let w = w_of(k); a += vec2f(w * (logits[r * dims.c + k] - m), w); }
  return a;
}

// sm = (Σ w_k·(x_k − m), Σ w_k) over the whole row (unused without smoothing).
fn write_row(r: u32, first: u32, step: u32, m: f32, s: f32, sm: vec2f) {
  let cls = targets[r];
  let ignored = dims.has_ignore != 0u && cls == dims.ignore_index;
  let valid = cls >= 0 && u32(cls) < dims.c; // never index with an out-of-range target
  let nan = bitcast<f32>(nan_bits);
  let eps_c = dims.smoothing / f32(dims.c);
  var wt = 0.0; // (1 − ε)·w_t
  if (valid) { wt = (1.0 - dims.smoothing) * w_of(u32(cls)); }
  let ls = log(s);
  if (first == 0u) {
    // log Σ e^(x−m) − (x_t − m): m cancels before it can swamp the small terms. The smoothing
    // term Σ w_k·(ls − (x_k − m)) = W·ls − Σ w_k·(x_k − m) adds two non-negative parts.
    var l = nan;
    if (ignored) { l = 0.0; } else if (valid) {
      l = wt * (ls - (logits[r * dims.c + u32(cls)] - m));
      if (dims.smoothing != 0.0) { l += eps_c * (sm.y * ls - sm.x); }
    }
    loss[r] = l;
  }
  let total_q = wt + eps_c * sm.y; // Σ_j q_j·w_j
  for (var k = first; k < dims.c; k += step) {
    let at = r * dims.c + k;
    var d = nan;
    if (ignored) { d = 0.0; } else if (valid) {
      var qw = select(0.0, wt, i32(k) == cls);
      if (dims.smoothing != 0.0) { qw += eps_c * w_of(k); }
      d = exp(logits[at] - m) / s * total_q - qw;
    }
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
      var sm = vec2f(0.0);
      if (dims.smoothing != 0.0) { sm = part_weighted(r, 0u, 1u, m); }
      write_row(r, 0u, 1u, m, part_sum_exp(r, 0u, 1u, m), sm);
    }
    return;
  }
  // Workgroup ids are uniform, so this return keeps the barriers below in uniform control flow.
  // The reductions run for ignored rows too: branching on the target would not be uniform.
  let r = wid.x + wid.y * groups.x;
  if (r >= dims.n) { return; }
  let m = tree_reduce(part_max(r, t, WG), t, true);
  let s = tree_reduce(part_sum_exp(r, t, WG, m), t, false);
  var sm = vec2f(0.0);
  if (dims.smoothing != 0.0) { // uniform: the barriers inside stay in uniform control flow
    let part = part_weighted(r, t, WG, m);
    sm = vec2f(tree_reduce(part.x, t, false), tree_reduce(part.y, t, false));
  }
  write_row(r, t, WG, m, s, sm);
}
