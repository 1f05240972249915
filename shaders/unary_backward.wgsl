// unary_backward.wgsl: dx[i] = dy[i] · f'(·) for the op picked by OP (codes: UNARY_GRAD_CODES in
// src/kernels/elementwise.ts). `saved` is the forward OUTPUT y for tanh, sigmoid, exp, sqrt and
// the forward INPUT x for relu, log, pow, clamp, abs. p0, p1: pow exponent or clamp bounds.
override OP: u32;
override WG: u32 = 256;
struct Dims { n: u32, p0: f32, p1: f32 }
@group(0) @binding(0) var<storage, read>       dy:    array<f32>;  // [n]
@group(0) @binding(1) var<storage, read>       saved: array<f32>;  // [n] y or x, see above
@group(0) @binding(2) var<storage, read_write> dx:    array<f32>;  // [n]
@group(0) @binding(3) var<uniform> dims: Dims;

fn grad(g: f32, s: f32) -> f32 {
  switch OP {
    case 0u: { return g * (1.0 - s * s); }       // d tanh = 1 − y²
    case 1u: { return g * s * (1.0 - s); }       // d σ = y (1 − y)
    case 2u: { return select(g, 0.0, s <= 0.0); } // d relu = [x > 0] (0 at x = 0, like PyTorch)
    case 3u: { return g * s; }                   // d exp = y
    case 4u: { return g / s; }                   // d log = 1 / x
    case 5u: { return g / (2.0 * s); }           // d sqrt = 1 / (2y)
    // d x^e = e·x^(e−1); e = 0 gives 0 everywhere (PyTorch), not 0·x^−1 = NaN at x = 0.
    case 6u: {
      if (dims.p0 == 0.0) { return 0.0; }
      return g * dims.p0 * pow_scalar(s, dims.p0 - 1.0);
    }
    case 7u: { return select(0.0, g, s >= dims.p0 && s <= dims.p1); }  // d clamp = [lo ≤ x ≤ hi]
    case 8u: { return g * sign_keep_nan(s); }    // d |x| = sign(x), 0 at 0
    default: { return nan_f32(); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= dims.n) { return; }
  dx[i] = grad(dy[i], saved[i]);
}
