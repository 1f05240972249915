// clip_scale.wgsl: t *= min(1, max_norm / (norm + 1e-6)) in place (torch.nn.utils.clip_grad_norm_),
// with the norm read from the GPU. One invocation per element. A NaN norm gives NaN, as in PyTorch.
struct Dims { n: u32, max_norm: f32 }
@group(0) @binding(0) var<storage, read_write> t:    array<f32>;  // [n]
@group(0) @binding(1) var<storage, read>       norm: array<f32>;  // [1]
@group(0) @binding(2) var<uniform> dims: Dims;

// Entry point: per_element.wgsl.
fn element(i: u32) {
  let coef = dims.max_norm / (norm[0] + 1e-6);
  // min(NaN, 1) may return 1 (as may a select on coef >= 1 that the compiler makes a min) and
  // would hide a NaN norm. Exactly 1 leaves t untouched.
  let c = select(min(coef, 1.0), coef, is_nan(coef));
  t[i] = t[i] * c;
}
