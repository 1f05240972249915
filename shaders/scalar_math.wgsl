// scalar_math.wgsl: prelude for the element-wise kernels. WGSL leaves NaN inputs to min/max/sign,
// negative bases of pow and out-of-domain log/sqrt implementation-defined, so these helpers
// spell out the IEEE results the CPU twins (src/reference/elementwise.ts) give.

// Read at run time, so no const-expression ever evaluates to NaN/Inf (a shader-creation error).
var<private> nan_bits: u32 = 0x7fc00000u;
var<private> inf_bits: u32 = 0x7f800000u;

fn nan_f32() -> f32 { return bitcast<f32>(nan_bits); }
fn inf_f32() -> f32 { return bitcast<f32>(inf_bits); }

// -1, 0 or 1; ±0 and NaN pass through unchanged (WGSL's sign() of NaN is unspecified).
fn sign_keep_nan(x: f32) -> f32 {
  return select(select(x, -1.0, x < 0.0), 1.0, x > 0.0);
}

// x^e for a finite scalar exponent. Integer e: repeated squaring, so negative bases keep their
// sign ((-2)^3 = -8) and x^0 = 1 even for NaN. Other e: NaN for x < 0, else exp2(e·log2 x) with
// 0 and Inf spelled out: drivers may fuse that into a pow() undefined there (lavapipe: 0^-0.5 = 0).
fn pow_scalar(x: f32, e: f32) -> f32 {
  if (e == floor(e) && abs(e) < 2147483648.0) {
    var k = u32(abs(e));
    var base = x;
    var acc = 1.0;
    loop {
      if (k == 0u) { break; }
      if ((k & 1u) == 1u) { acc = acc * base; }
      k = k >> 1u;
      if (k != 0u) { base = base * base; }  // skip the last square: it could overflow to Inf·0
    }
    return select(acc, 1.0 / acc, e < 0.0);
  }
  if (is_nan(x)) { return x; }
  if (x < 0.0) { return nan_f32(); }
  if (x == 0.0) { return select(inf_f32(), 0.0, e > 0.0); }
  if (x == inf_f32()) { return select(0.0, inf_f32(), e > 0.0); }
  return exp2(e * log2(x));
}

// min(max(x, lo), hi) that keeps NaN (WGSL min/max may drop it, and a compiler may turn these
// selects into them: nan.wgsl). lo > hi gives hi, like PyTorch.
fn clamp_keep_nan(x: f32, lo: f32, hi: f32) -> f32 {
  let y = select(x, lo, x < lo);
  return select(select(y, hi, y > hi), x, is_nan(x));
}
