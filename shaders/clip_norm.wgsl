// clip_norm.wgsl: the global p-norm of several tensors in two passes, in a fixed order
// (deterministic), as a scaled sum (BLAS nrm2's idea): a part of the data is a pair (m, s) with
// m = max |x| and Σ |x|^p = m^p · s, so no |x|^p overflows or underflows float32 and norms past
// 1.8e19 (where Σ x² overflows) stay finite. FINAL = false: workgroup w folds its CHUNK = 4096
// elements of one tensor into the pair at partials[offset + w]. FINAL = true (one workgroup): folds
// the n pairs and writes out[0] = m · s^(1/p) (for p = ∞: m). A NaN anywhere gives NaN; ±Inf, Inf.
struct Dims { n: u32, offset: u32, p: f32 }
@group(0) @binding(0) var<storage, read>       src: array<f32>;  // pass 1: x [n]; pass 2: pairs [2n]
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;  // pass 1: pairs [2P]; pass 2: norm [1]
@group(0) @binding(2) var<uniform> dims: Dims;

override FINAL: bool = false;
override INF_NORM: bool = false;  // p = ∞: only m is kept
const WG = 256u;
const PER_THREAD = 16u;  // CHUNK = WG · PER_THREAD elements per workgroup in pass 1

var<workgroup> tree_m: array<f32, 256>;
var<workgroup> tree_s: array<f32, 256>;

// A runtime value: a constant expression that evaluates to NaN fails shader creation.
var<private> nan_bits: u32 = 0x7fc00000u;

// r^p for r in [0, 1], exact for the common p = 1 and p = 2.
fn pow_p(r: f32) -> f32 {
  if (dims.p == 2.0) { return r * r; }
  if (dims.p == 1.0) { return r; }
  if (r == 0.0) { return 0.0; }
  return pow(r, dims.p);
}

// s rescaled from scale m to scale big ≥ m: s · (m / big)^p; the same s when m == big (Inf too).
fn rescale(s: f32, m: f32, big: f32) -> f32 {
  if (m == big) { return s; }
  return s * pow_p(m / big);
}

// The pair of two pairs; a NaN scale is sticky (WGSL's max() need not keep NaN).
fn combine(a: vec2f, b: vec2f) -> vec2f {
  if (is_nan(a.x) || is_nan(b.x)) { return vec2f(bitcast<f32>(nan_bits), 0.0); }
  let big = select(a.x, b.x, b.x > a.x);
  if (INF_NORM) { return vec2f(big, 0.0); }
  return vec2f(big, rescale(a.y, a.x, big) + rescale(b.y, b.x, big));
}

// The pair after one more element |x| = a.
fn push(acc: vec2f, a: f32) -> vec2f {
  if (is_nan(a)) { return vec2f(a, 0.0); }
  if (a == 0.0) { return acc; }
  return combine(acc, vec2f(a, 1.0));
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) groups: vec3u) {
  let w = wid.x + wid.y * groups.x;
  // A folded grid (grid1d) can have a few workgroups past the end; they own no partial slot.
  if (!FINAL && w * WG * PER_THREAD >= dims.n) { return; }
  var acc = vec2f(0.0);
  if (FINAL) {
    for (var i = lid; i < dims.n; i += WG) { acc = combine(acc, vec2f(src[2u * i], src[2u * i + 1u])); }
  } else {
    // Coalesced: on each pass the workgroup reads WG consecutive elements.
    let base = w * WG * PER_THREAD;
    for (var k = 0u; k < PER_THREAD; k++) {
      let i = base + k * WG + lid;
      if (i < dims.n) { acc = push(acc, abs(src[i])); }
    }
  }
  tree_m[lid] = acc.x;
  tree_s[lid] = acc.y;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      let c = combine(vec2f(tree_m[lid], tree_s[lid]), vec2f(tree_m[lid + s], tree_s[lid + s]));
      tree_m[lid] = c.x;
      tree_s[lid] = c.y;
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let m = tree_m[0];
    let sum = tree_s[0];
    if (FINAL) {
      var norm = m;
      if (!INF_NORM && m > 0.0) {
        if (dims.p == 2.0) { norm = m * sqrt(sum); } else if (dims.p == 1.0) { norm = m * sum; } else { norm = m * pow(sum, 1.0 / dims.p); }
      }
      dst[0] = norm;
    } else {
      dst[2u * (dims.offset + w)] = m;
      dst[2u * (dims.offset + w) + 1u] = sum;
    }
  }
}
