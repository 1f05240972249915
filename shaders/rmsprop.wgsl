// rmsprop.wgsl: one in-place RMSprop step (torch.optim.RMSprop), one invocation per element.
// g += wd·p; sq = α·sq + (1 − α)·g²; centered: ga = α·ga + (1 − α)·g, avg = sqrt(sq − ga²) + eps,
// else avg = sqrt(sq) + eps; momentum: buf = μ·buf + g/avg, p −= lr·buf; else p −= lr·g/avg.
struct Dims { n: u32, lr: f32, alpha: f32, one_minus_alpha: f32, eps: f32, weight_decay: f32, momentum: f32 }
@group(0) @binding(0) var<storage, read_write> param:      array<f32>;  // [n]
@group(0) @binding(1) var<storage, read>       grad:       array<f32>;  // [n]
@group(0) @binding(2) var<storage, read_write> square_avg: array<f32>;  // [n]
@group(0) @binding(3) var<storage, read_write> buf:        array<f32>;  // [n] momentum buffer (unused without MOMENTUM)
@group(0) @binding(4) var<storage, read_write> grad_avg:   array<f32>;  // [n] (unused without CENTERED)
@group(0) @binding(5) var<uniform> dims: Dims;

override MOMENTUM: bool = false;
override CENTERED: bool = false;

// Entry point: per_element.wgsl.
fn element(i: u32) {
  let p = param[i];
  var g = grad[i];
  if (dims.weight_decay != 0.0) { g += dims.weight_decay * p; }
  let sq = dims.alpha * square_avg[i] + dims.one_minus_alpha * g * g;
  square_avg[i] = sq;
  var avg: f32;
  if (CENTERED) {
    let ga = dims.alpha * grad_avg[i] + dims.one_minus_alpha * g;
    grad_avg[i] = ga;
    // Can round below zero (→ NaN) exactly as in PyTorch; sq ≥ ga² holds in exact arithmetic.
    avg = sqrt(sq - ga * ga) + dims.eps;
  } else {
    avg = sqrt(sq) + dims.eps;
  }
  if (MOMENTUM) {
    let b = dims.momentum * buf[i] + g / avg;
    buf[i] = b;
    param[i] = p - dims.lr * b;
  } else {
    param[i] = p - dims.lr * (g / avg);
  }
}
