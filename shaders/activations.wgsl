// activations.wgsl: prelude shared by the cell and element-wise kernels.
// WGSL's tanh may return NaN for |x| past ~88 on some drivers (gpuweb#4458); in float32 tanh is
// exactly ±1 past |x| = 9.02, so saturate there. NaN still propagates (abs(NaN) > 10 is false).
fn tanh_safe(x: f32) -> f32 {
  if (abs(x) > 10.0) { return sign(x); }
  return tanh(x);
}

// σ(x) = 1 / (1 + e^-x): exp overflows to +Inf for x < -88 and the quotient is then exactly 0.
fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}
