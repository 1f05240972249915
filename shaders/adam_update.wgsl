// adam_update.wgsl: the Adam / AdamW update of one element in torch.optim.Adam's order, shared by
// adam.wgsl (one parameter a launch) and adam_pair.wgsl (two). Reads the kernel's dims fields
// weight_decay, decay_scale, beta1, one_minus_beta1, beta2, one_minus_beta2 and eps.
override DECOUPLED: bool = false;

struct AdamMoments { p: f32, m: f32, v: f32 }

// p after AdamW's decay, and the new m and v from g (plus Adam's L2 term).
fn adam_moments(p_in: f32, g_in: f32, m: f32, v: f32) -> AdamMoments {
  var p = p_in;
  var g = g_in;
  if (DECOUPLED) {
    p *= dims.decay_scale;
  } else if (dims.weight_decay != 0.0) {
    g += dims.weight_decay * p;
  }
  return AdamMoments(p, dims.beta1 * m + dims.one_minus_beta1 * g, dims.beta2 * v + dims.one_minus_beta2 * g * g);
}

// The parameter after the step; vd is v, or its running maximum with AMSGRAD.
fn adam_param(p: f32, m: f32, vd: f32, step_size: f32, bc2_sqrt: f32) -> f32 {
  // PyTorch's order: eps is added after sqrt(v) / sqrt(1 − β2^t).
  let denom = sqrt(vd) / bc2_sqrt + dims.eps;
  return p - step_size * (m / denom);
}
