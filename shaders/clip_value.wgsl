// clip_value.wgsl: t = clamp(t, lo, hi) in place (torch.nn.utils.clip_grad_value_ / clamp_),
// one invocation per element. NaN stays NaN: both comparisons are false for it (WGSL's clamp()
// is min(max()) and may turn NaN into a bound).
struct Dims { n: u32, lo: f32, hi: f32 }
@group(0) @binding(0) var<storage, read_write> t: array<f32>;  // [n]
@group(0) @binding(1) var<uniform> dims: Dims;

// Entry point: per_element.wgsl.
fn element(i: u32) {
  let x = t[i];
  if (x < dims.lo) { t[i] = dims.lo; } else if (x > dims.hi) { t[i] = dims.hi; }
}
