// activations.wgsl: prelude shared by the cell and element-wise kernels, after nan.wgsl.
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

// The recurrent cells' gate activation: σ, or where HARD_SIGMOID is set the hard sigmoid of
// TF.js and Keras 2, clamp(0.2·x + 0.5, 0, 1). Its derivative comes from its output y (what the
// forward saves): σ(1 − σ), or 0.2 inside (0, 1) and 0 where the clamp holds.
override HARD_SIGMOID: bool = false;
fn gate_act(x: f32) -> f32 {
  if (HARD_SIGMOID) {
    let v = 0.2 * x + 0.5;
    // clamp may turn NaN into a bound: keep NaN as σ does.
    return select(clamp(v, 0.0, 1.0), v, is_nan(v));
  }
  return sigmoid(x);
}
fn gate_grad(y: f32) -> f32 {
  if (HARD_SIGMOID) { return select(0.0, 0.2, y > 0.0 && y < 1.0); }
  return y * (1.0 - y);
}
fn gate_grad4(y: vec4f) -> vec4f {
  if (HARD_SIGMOID) { return select(vec4f(), vec4f(0.2), (y > vec4f()) & (y < vec4f(1.0))); }
  return y * (1.0 - y);
}
