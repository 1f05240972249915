// norm_stats.wgsl: mean and 1/√(var + eps) of each group (biased variance, two passes: the mean,
// then the squared deviations, so large offsets cancel exactly). With RUNNING (batch norm training
// with running statistics): running = (1 − f)·running + f·batch, the variance unbiased (n/(n−1)),
// f = momentum, or 1/(num_batches_tracked + 1) with CUMULATIVE (PyTorch's momentum = None; the
// counter is incremented afterwards by norm_forward.wgsl). A workgroup per group, or with
// PER_THREAD an invocation. Preludes: row_reduce.wgsl, norm_layout.wgsl.
@group(0) @binding(0) var<storage, read>       x:            array<f32>;  // [outer, C, inner]
@group(0) @binding(1) var<storage, read_write> mean:         array<f32>;  // [C]
@group(0) @binding(2) var<storage, read_write> invstd:       array<f32>;  // [C]
@group(0) @binding(3) var<storage, read_write> running_mean: array<f32>;  // [C] (RUNNING)
@group(0) @binding(4) var<storage, read_write> running_var:  array<f32>;  // [C] (RUNNING)
@group(0) @binding(5) var<storage, read>       batches:      array<i32>;  // [1] num_batches_tracked (CUMULATIVE)
@group(0) @binding(6) var<uniform> dims: Dims;

override RUNNING: bool = false;
override CUMULATIVE: bool = false;
override PER_THREAD: bool = false;

fn part_sum(c: u32, first: u32, step: u32, m: f32, square: bool) -> f32 {
  var s = 0.0;
  for (var k = first; k < group_size(); k += step) {
    let v = x[group_at(c, k)] - m;
    s += select(v, v * v, square);
  }
  return s;
}

fn finish(c: u32, m: f32, ss: f32) {
  let n = f32(group_size());
  let v = ss / n;
  mean[c] = m;
  invstd[c] = 1.0 / sqrt(v + dims.eps);
  if (RUNNING) {
    let f = select(dims.momentum, 1.0 / f32(batches[0] + 1), CUMULATIVE);
    let unbiased = ss / (n - 1.0); // n ≥ 2: the launcher refuses training on single values
    running_mean[c] = (1.0 - f) * running_mean[c] + f * m;
    running_var[c] = (1.0 - f) * running_var[c] + f * unbiased;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3u) {
  let n = f32(group_size());
  if (PER_THREAD) {
    let c = gid.x + gid.y * groups.x * WG;
    if (c < dims.c) {
      let m = part_sum(c, 0u, 1u, 0.0, false) / n;
      finish(c, m, part_sum(c, 0u, 1u, m, true));
    }
    return;
  }
  let c = wid.x + wid.y * groups.x; // uniform: the early return keeps the barriers uniform
  if (c >= dims.c) { return; }
  let m = tree_reduce(part_sum(c, t, WG, 0.0, false), t, false) / n;
  let ss = tree_reduce(part_sum(c, t, WG, m, true), t, false);
  if (t == 0u) { finish(c, m, ss); }
}
