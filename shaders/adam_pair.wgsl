// adam_pair.wgsl: adam.wgsl's step (without AMSGRAD) for two parameters in one launch: invocations
// 0 .. n0−1 update the first, n0 .. n0+n1−1 the second, so a model's parameters take half the
// launches (a launch, not its arithmetic, is what a small parameter costs). The hyper-parameters
// are shared; each parameter has its own step count, hence its own step_size and bc2_sqrt.
struct Dims {
  n: u32,                 // n0 + n1
  n0: u32,
  weight_decay: f32,
  decay_scale: f32,
  beta1: f32,
  one_minus_beta1: f32,
  beta2: f32,
  one_minus_beta2: f32,
  eps: f32,
  step_size0: f32,
  bc2_sqrt0: f32,
  step_size1: f32,
  bc2_sqrt1: f32,
}
@group(0) @binding(0) var<storage, read_write> param0: array<f32>;  // [n0]
@group(0) @binding(1) var<storage, read>       grad0:  array<f32>;  // [n0]
@group(0) @binding(2) var<storage, read_write> m0:     array<f32>;  // [n0]
@group(0) @binding(3) var<storage, read_write> v0:     array<f32>;  // [n0]
@group(0) @binding(4) var<storage, read_write> param1: array<f32>;  // [n1]
@group(0) @binding(5) var<storage, read>       grad1:  array<f32>;  // [n1]
@group(0) @binding(6) var<storage, read_write> m1:     array<f32>;  // [n1]
@group(0) @binding(7) var<storage, read_write> v1:     array<f32>;  // [n1]
@group(0) @binding(8) var<uniform> dims: Dims;

// Entry point: per_element.wgsl; the update: adam_update.wgsl.
fn element(i: u32) {
  if (i < dims.n0) {
    let u = adam_moments(param0[i], grad0[i], m0[i], v0[i]);
    m0[i] = u.m;
    v0[i] = u.v;
    param0[i] = adam_param(u.p, u.m, u.v, dims.step_size0, dims.bc2_sqrt0);
  } else {
    let j = i - dims.n0;
    let u = adam_moments(param1[j], grad1[j], m1[j], v1[j]);
    m1[j] = u.m;
    v1[j] = u.v;
    param1[j] = adam_param(u.p, u.m, u.v, dims.step_size1, dims.bc2_sqrt1);
  }
}
