// unary.wgsl: out[i] = f(x[i]) for the op picked by the OP override (UNARY_* codes of the op_codes
// prelude, from src/kernels/op_codes.ts). p0, p1 carry the op's scalars (pow exponent, clamp bounds,
// scale factor, addend, leaky relu's negative slope). One invocation per element; the flat index folds in gid.y (see grid1d).
override OP: u32;
override WG: u32 = 256;
struct Dims { n: u32, p0: f32, p1: f32 }
@group(0) @binding(0) var<storage, read>       x:   array<f32>;  // [n]
@group(0) @binding(1) var<storage, read_write> out: array<f32>;  // [n]
@group(0) @binding(2) var<uniform> dims: Dims;

fn apply(v: f32) -> f32 {
  switch OP {
    case UNARY_NEG: { return -v; }
    case UNARY_EXP: { return exp(v); }
    // log and sqrt are out of domain below 0 (indeterminate in WGSL): give IEEE's NaN and -Inf.
    case UNARY_LOG: {
      if (v < 0.0) { return nan_f32(); }
      if (v == 0.0) { return -inf_f32(); }
      return log(v);
    }
    case UNARY_SQRT: { return select(sqrt(v), nan_f32(), v < 0.0); }
    case UNARY_TANH: { return tanh_safe(v); }
    case UNARY_SIGMOID: { return sigmoid(v); }
    case UNARY_RELU: { return relu(v); }
    case UNARY_ABS: { return abs(v); }
    case UNARY_SQUARE: { return v * v; }
    case UNARY_POW: { return pow_scalar(v, dims.p0); }
    case UNARY_CLAMP: { return clamp_keep_nan(v, dims.p0, dims.p1); }
    case UNARY_SCALE: { return v * dims.p0; }
    case UNARY_ADD_SCALAR: { return v + dims.p0; }
    case UNARY_SIGN: { return sign_keep_nan(v); }
    case UNARY_LEAKY_RELU: { return select(v, v * dims.p0, v < 0.0); }  // keeps NaN like relu
    default: { return nan_f32(); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= dims.n) { return; }
  out[i] = apply(x[i]);
}
