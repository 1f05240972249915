// unary_backward.wgsl: dx[i] = dy[i] · f'(·) for the op picked by OP (UNARY_GRAD_* codes of
// the op_codes prelude). `saved` is the forward OUTPUT y for tanh, sigmoid, exp, sqrt and
// the forward INPUT x for relu, log, pow, clamp, abs, leaky relu. p0, p1: pow exponent, clamp
// bounds or leaky relu's negative slope.
override OP: u32;
override WG: u32 = 256;
struct Dims { n: u32, p0: f32, p1: f32 }
@group(0) @binding(0) var<storage, read>       dy:    array<f32>;  // [n]
@group(0) @binding(1) var<storage, read>       saved: array<f32>;  // [n] y or x, see above
@group(0) @binding(2) var<storage, read_write> dx:    array<f32>;  // [n]
@group(0) @binding(3) var<uniform> dims: Dims;

fn grad(g: f32, s: f32) -> f32 {
  switch OP {
    // d tanh = 1 − y²
    case UNARY_GRAD_TANH: { return g * (1.0 - s * s); }
    // d σ = y (1 − y)
    case UNARY_GRAD_SIGMOID: { return g * s * (1.0 - s); }
    // d relu = [x > 0] (0 at x = 0, like PyTorch)
    case UNARY_GRAD_RELU: { return select(g, 0.0, s <= 0.0); }
    // d exp = y
    case UNARY_GRAD_EXP: { return g * s; }
    // d log = 1 / x
    case UNARY_GRAD_LOG: { return g / s; }
    // d sqrt = 1 / (2y)
    case UNARY_GRAD_SQRT: { return g / (2.0 * s); }
    // d x^e = e·x^(e−1); e = 0 gives 0 everywhere (PyTorch), not 0·x^−1 = NaN at x = 0.
    case UNARY_GRAD_POW: {
      if (dims.p0 == 0.0) { return 0.0; }
      return g * dims.p0 * pow_scalar(s, dims.p0 - 1.0);
    }
    // d clamp = [lo ≤ x ≤ hi]
    case UNARY_GRAD_CLAMP: { return select(0.0, g, s >= dims.p0 && s <= dims.p1); }
    // d |x| = sign(x), 0 at 0
    case UNARY_GRAD_ABS: { return g * sign_keep_nan(s); }
    // d leaky_relu = 1 for x > 0, the negative slope otherwise (at 0 too, like PyTorch)
    case UNARY_GRAD_LEAKY_RELU: { return select(g * dims.p0, g, s > 0.0); }
    default: { return nan_f32(); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= dims.n) { return; }
  dx[i] = grad(dy[i], saved[i]);
}
