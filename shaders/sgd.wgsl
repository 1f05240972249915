// sgd.wgsl: one in-place SGD step (torch.optim.SGD), one invocation per parameter element.
// d = g + wd·p; with momentum: buf = d on the first step, else buf = μ·buf + (1 − dampening)·d,
// then d = d + μ·buf (nesterov) or d = buf; finally p −= lr·d.
struct Dims { n: u32, lr: f32, momentum: f32, one_minus_dampening: f32, weight_decay: f32, first_step: u32 }
@group(0) @binding(0) var<storage, read_write> param: array<f32>;  // [n]
@group(0) @binding(1) var<storage, read>       grad:  array<f32>;  // [n]
@group(0) @binding(2) var<storage, read_write> buf:   array<f32>;  // [n] momentum buffer (unused without MOMENTUM)
@group(0) @binding(3) var<uniform> dims: Dims;

override MOMENTUM: bool = false;
override NESTEROV: bool = false;

// Entry point: per_element.wgsl.
fn element(i: u32) {
  let p = param[i];
  var d = grad[i];
  // Skipped when zero, as PyTorch does, so an Inf parameter does not turn 0·Inf into NaN.
  if (dims.weight_decay != 0.0) { d += dims.weight_decay * p; }
  if (MOMENTUM) {
    var b = d;
    if (dims.first_step == 0u) { b = dims.momentum * buf[i] + dims.one_minus_dampening * d; }
    buf[i] = b;
    if (NESTEROV) { d += dims.momentum * b; } else { d = b; }
  }
  param[i] = p - dims.lr * d;
}
