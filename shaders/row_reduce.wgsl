// row_reduce.wgsl: prelude of the softmax kernels. A workgroup of WG invocations reduces a row with
// tree_reduce (a sum, or a max that keeps NaN so a row holding one comes out NaN, as in the twins).
const WG = 128u;

fn max_nan(a: f32, b: f32) -> f32 {
  if (is_nan(a) || b <= a) { return a; }
  return b;
}

// -Inf from a runtime value: a constant expression that evaluates to Inf fails shader creation.
var<private> neg_inf_bits: u32 = 0xff800000u;
var<workgroup> tree: array<f32, WG>;

// Combines every invocation's v (max or sum) and returns the result to all of them.
fn tree_reduce(v: f32, t: u32, is_max: bool) -> f32 {
  tree[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      let a = tree[t];
      let b = tree[t + s];
      tree[t] = select(a + b, max_nan(a, b), is_max);
    }
    workgroupBarrier();
  }
  let r = tree[0];
  workgroupBarrier(); // everyone has read tree[0] before the next reduction overwrites it
  return r;
}
