// adam.wgsl: one in-place Adam step (torch.optim.Adam), or AdamW with DECOUPLED, and with AMSGRAD
// the denominator from the running maximum of v (PyTorch's amsgrad), one invocation per parameter
// element. Bias corrections are folded into step_size = lr / (1 − β1^t) and
// bc2_sqrt = sqrt(1 − β2^t), computed in float64 on the CPU (pow in f32 would lose digits).
struct Dims {
  n: u32,
  weight_decay: f32,      // Adam: added to the gradient (L2)
  decay_scale: f32,       // AdamW: p *= 1 − lr·wd
  beta1: f32,
  one_minus_beta1: f32,   // 1 − β1 computed in float64: f32(1 − f32(β)) loses digits for β near 1
  beta2: f32,
  one_minus_beta2: f32,
  eps: f32,
  step_size: f32,
  bc2_sqrt: f32,
}
@group(0) @binding(0) var<storage, read_write> param:   array<f32>;  // [n]
@group(0) @binding(1) var<storage, read>       grad:    array<f32>;  // [n]
@group(0) @binding(2) var<storage, read_write> exp_avg: array<f32>;  // [n] m
@group(0) @binding(3) var<storage, read_write> exp_avg_sq: array<f32>;  // [n] v
@group(0) @binding(4) var<storage, read_write> max_exp_avg_sq: array<f32>;  // [n] max of v so far (unread without AMSGRAD)
@group(0) @binding(5) var<uniform> dims: Dims;

override AMSGRAD: bool = false;

// Entry point: per_element.wgsl; the update: adam_update.wgsl.
fn element(i: u32) {
  let u = adam_moments(param[i], grad[i], exp_avg[i], exp_avg_sq[i]);
  exp_avg[i] = u.m;
  exp_avg_sq[i] = u.v;
  var vd = u.v;
  if (AMSGRAD) {
    // Not max(): its result for a NaN operand is unspecified, and torch.maximum keeps NaN. NaN is
    // tested by its bits: the compiler may fold `v != v` away when it assumes finite math.
    let prev = max_exp_avg_sq[i];
    vd = select(prev, u.v, u.v > prev || is_nan(u.v));
    max_exp_avg_sq[i] = vd;
  }
  param[i] = adam_param(u.p, u.m, vd, dims.step_size, dims.bc2_sqrt);
}
