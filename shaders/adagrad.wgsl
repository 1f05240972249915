// adagrad.wgsl: one in-place Adagrad step (torch.optim.Adagrad), one invocation per element.
// g += wd·p; sum += g²; p −= clr·g / (sqrt(sum) + eps), clr = lr / (1 + (t − 1)·lr_decay) from the CPU.
struct Dims { n: u32, clr: f32, weight_decay: f32, eps: f32 }
@group(0) @binding(0) var<storage, read_write> param:     array<f32>;  // [n]
@group(0) @binding(1) var<storage, read>       grad:      array<f32>;  // [n]
@group(0) @binding(2) var<storage, read_write> state_sum: array<f32>;  // [n] starts at initial_accumulator_value
@group(0) @binding(3) var<uniform> dims: Dims;

// Entry point: per_element.wgsl.
fn element(i: u32) {
  let p = param[i];
  var g = grad[i];
  if (dims.weight_decay != 0.0) { g += dims.weight_decay * p; }
  let s = state_sum[i] + g * g;
  state_sum[i] = s;
  param[i] = p - dims.clr * (g / (sqrt(s) + dims.eps));
}
