// matmul_blocked.wgsl: C[b] = alpha·op(A[b])·op(B[b]) (+ bias) (+ bias2) (+ old C[b]) like matmul.wgsl (twin
// matmulRef), register-blocked: one invocation computes columns n0 .. n0+3 of RB = 16 rows; the
// workgroup's WG_X invocations share those rows. Needs subgroups of ≥ LANES lanes (broadcast.wgsl).
// Why: on CPU adapters (lavapipe) a load whose address differs between lanes costs ~10 instructions
// per lane (~4 per float as vec4), a subgroupBroadcast ~3 for all lanes. The rows of op(A) are the
// same for every lane, so 8 lanes (or 4, twice) load a block of them once and broadcast it; op(B)
// is read as vec4 and reused for RB rows. a/a4 and b/b4 are the same buffers, viewed as floats and as vec4.
// Only what the inner loop reads is an override (each variant is an LLVM compile of seconds on
// lavapipe); the epilogue's options are bits of dims.flags.
override TRANS_A: bool = false;
override TRANS_B: bool = false;
// The stored rows of A (M transposed, else K) / of B (K transposed, else N) are a multiple of 4 long.
override VEC_A: bool = false;
override VEC_B: bool = false;
override WG_X: u32 = 64;
const RB = 16u; // rows per invocation, in groups of 4
const HAS_BIAS = 1u;
const ACCUMULATE = 2u;
const STORE_T = 4u; // A and B were swapped for a narrow N: C is stored transposed, bias per row
const HAS_BIAS2 = 8u;

struct Dims {
  m: u32, n: u32, k: u32, n_tiles: u32, m_tiles: u32, tiles: u32, stride_a: u32, stride_b: u32, alpha: f32, flags: u32,
}
@group(0) @binding(0) var<storage, read>       a:    array<f32>;   // [batch?, M, K] or [batch?, K, M]
@group(0) @binding(1) var<storage, read>       a4:   array<vec4f>; // the same, with VEC_A
// B (bindings 2 and 3: b, and b4 for VEC_B, one buffer) and its readers b_el / b_quad come from the
// prelude matmul_blocked_b_f32.wgsl, or a binary16 twin of it (f16 weights, widened to f32).
@group(0) @binding(4) var<storage, read>       bias: array<f32>;   // [N] ([M] with STORE_T); A's buffer without HAS_BIAS
@group(0) @binding(5) var<storage, read>       bias2: array<f32>;  // the same for HAS_BIAS2
@group(0) @binding(6) var<storage, read_write> c:    array<f32>;   // [batch, M, N] ([batch, N, M] with STORE_T)
@group(0) @binding(7) var<uniform> dims: Dims;

// opA[m, k], or 0 past K (the masked tail of the last k-block).
fn a_el(base: u32, m: u32, k: u32) -> f32 {
  let kc = min(k, dims.k - 1u);
  var v: f32;
  if (TRANS_A) { v = a[base + kc * dims.m + m]; } else { v = a[base + m * dims.k + kc]; }
  return select(v, 0.0, k >= dims.k);
}

// Rows m .. m+3 of op(A) at k0 .. k0+7 in every lane, as (lo, hi): column c of lo is row m + c at
// k0 .. k0+3, of hi at k0+4 .. k0+7. Lane l loads one piece (l < 8; with 4 lanes two pieces);
// the broadcasts share them.
struct AGroup { lo: mat4x4f, hi: mat4x4f }
fn a_group(base: u32, m: u32, k0: u32, lane: u32) -> AGroup {
  let last = dims.m - 1u;
  if (VEC_A && TRANS_A) { // lane l: opA[m .. m+3, k0 + l], a vec4 of the stored row k0 + l
    let v = a4_trans(base, m, k0 + lane);
    var v4 = vec4f();
    if (LANES == 4u) { v4 = a4_trans(base, m, k0 + 4u + lane); } // with 4 lanes, k0 + 4 + l too
    return AGroup(transpose(bcast4_lo(v)), transpose(bcast4_hi(v, v4)));
  }
  if (VEC_A) { // lane l: opA[m + l/2, k0 + 4(l%2) .. +3], a vec4 of the stored row
    let k = k0 + 4u * (lane & 1u);
    let v = a4_rows(base, min(m + (lane >> 1u), last), k);
    var v4 = vec4f();
    // With 4 lanes, rows m+2 and m+3 too.
    if (LANES == 4u) { v4 = a4_rows(base, min(m + 2u + (lane >> 1u), last), k); }
    return AGroup(bcast4_even(v, v4), bcast4_odd(v, v4));
  }
  // Rows not a multiple of 4 long: lane l loads opA[m + c, k0 + l], one float a row.
  let r0 = a_row8(base, m, k0, lane);
  let r1 = a_row8(base, min(m + 1u, last), k0, lane);
  let r2 = a_row8(base, min(m + 2u, last), k0, lane);
  let r3 = a_row8(base, min(m + 3u, last), k0, lane);
  return AGroup(mat4x4f(r0[0], r1[0], r2[0], r3[0]), mat4x4f(r0[1], r1[1], r2[1], r3[1]));
}

// opA[row, k0 .. k0+7] in every lane as (k0 .. k0+3, k0+4 .. k0+7): lane l loads k0 + l (and with
// 4 lanes k0 + 4 + l too).
fn a_row8(base: u32, row: u32, k0: u32, lane: u32) -> mat2x4f {
  let v = a_el(base, row, k0 + lane);
  var v4 = 0.0;
  if (LANES == 4u) { v4 = a_el(base, row, k0 + 4u + lane); }
  return mat2x4f(bcast_lo(v), bcast_hi(v, v4));
}

// opA[m .. m+3, k] (VEC_A, TRANS_A: a vec4 of the stored row k), or 0 past K.
fn a4_trans(base: u32, m: u32, k: u32) -> vec4f {
  return select(a4[(base + min(k, dims.k - 1u) * dims.m + min(m, dims.m - 4u)) >> 2u], vec4f(), k >= dims.k);
}

// opA[row, k .. k+3] (VEC_A: a vec4 of the stored row), or 0 past K.
fn a4_rows(base: u32, row: u32, k: u32) -> vec4f {
  return select(a4[(base + row * dims.k + min(k, dims.k - 4u)) >> 2u], vec4f(), k >= dims.k);
}

// opB[k, n0 .. n0+3], or 0 past K (both factors of a product past K are 0: no 0 · Inf = NaN).
// Columns past N are clamped to N−1: their results are never stored.
fn b_row(base: u32, k: u32, n0: u32) -> vec4f {
  let last = dims.n - 1u;
  let kc = min(k, dims.k - 1u);
  var v: vec4f;
  if (TRANS_B) {
    let e = base + kc;
    let k = dims.k;
    v = vec4f(b_el(e + n0 * k), b_el(e + min(n0 + 1u, last) * k), b_el(e + min(n0 + 2u, last) * k), b_el(e + min(n0 + 3u, last) * k));
  } else if (VEC_B) {
    v = b_quad((base + kc * dims.n + n0) >> 2u); // N % 4 == 0 and n0 ≤ N − 4: the whole quad exists
  } else {
    let e = base + kc * dims.n;
    v = vec4f(b_el(e + n0), b_el(e + min(n0 + 1u, last)), b_el(e + min(n0 + 2u, last)), b_el(e + min(n0 + 3u, last)));
  }
  return select(v, vec4f(), k >= dims.k);
}

// opB[k0 .. k0+3, n0 .. n0+3] with column kk = opB[k0 + kk, n0 ..], so block·v = Σ_kk v[kk]·opB[k0+kk, n0 ..].
fn b_block(base: u32, k0: u32, n0: u32) -> mat4x4f {
  if (TRANS_B && VEC_B) { // K % 4 == 0: each column of C is a stored row of B, read along k
    let last = dims.n - 1u;
    let e = (base + min(k0, dims.k - 4u)) >> 2u;
    let k4 = dims.k >> 2u;
    let m = transpose(mat4x4f(b_quad(e + n0 * k4), b_quad(e + min(n0 + 1u, last) * k4),
                              b_quad(e + min(n0 + 2u, last) * k4), b_quad(e + min(n0 + 3u, last) * k4)));
    let z = k0 >= dims.k; // the upper half of the last k-block when K % 8 == 4
    return mat4x4f(select(m[0], vec4f(), z), select(m[1], vec4f(), z), select(m[2], vec4f(), z), select(m[3], vec4f(), z));
  }
  return mat4x4f(b_row(base, k0, n0), b_row(base, k0 + 1u, n0), b_row(base, k0 + 2u, n0), b_row(base, k0 + 3u, n0));
}

@compute @workgroup_size(WG_X)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u,
        @builtin(local_invocation_id) lid: vec3u, @builtin(subgroup_invocation_id) lane_id: u32) {
  // The tile index folds in wid.y so grids past 65535 workgroups work (see grid1d).
  let tile = wid.x + wid.y * groups.x;
  if (tile >= dims.tiles) { return; } // the whole workgroup leaves together
  let nt = tile % dims.n_tiles;
  let rest = tile / dims.n_tiles;
  let batch = rest / dims.m_tiles;
  let m0 = (rest % dims.m_tiles) * RB;
  // No early return before the loop (subgroupBroadcast needs every lane): lanes past N load the
  // last quad's columns and store nothing.
  let n_raw = (nt * WG_X + lid.x) * 4u;
  let n0 = select(min(n_raw, dims.n - 1u), min(n_raw, dims.n - 4u), VEC_B && !TRANS_B);
  let base_a = batch * dims.stride_a;
  let base_b = batch * dims.stride_b;
  let lane = lane_id % LANES;

  // acc[i][c] = C[m0 + 4i + c, n0 .. n0+3]; per block: acc[i] += B_lo·A_lo + B_hi·A_hi.
  var acc: array<mat4x4f, RB / 4u>;
  for (var k0 = 0u; k0 < dims.k; k0 += 8u) {
    let lo = b_block(base_b, k0, n0);
    let hi = b_block(base_b, k0 + 4u, n0);
    for (var i = 0u; i < RB / 4u; i++) {
      let g = a_group(base_a, min(m0 + 4u * i, dims.m - 1u), k0, lane);
      acc[i] += lo * g.lo + hi * g.hi;
    }
  }

  if (n_raw >= dims.n) { return; }
  let base_c = batch * dims.m * dims.n;
  let store_t = (dims.flags & STORE_T) != 0u;
  let has_bias = (dims.flags & HAS_BIAS) != 0u;
  let has_bias2 = (dims.flags & HAS_BIAS2) != 0u;
  // The biases of the lane's columns, loaded once (with STORE_T they follow the rows instead).
  var bias_n = vec4f();
  let last = dims.n - 1u;
  let cols = vec4u(n_raw, min(n_raw + 1u, last), min(n_raw + 2u, last), min(n_raw + 3u, last));
  if (has_bias && !store_t) { bias_n = vec4f(bias[cols.x], bias[cols.y], bias[cols.z], bias[cols.w]); }
  if (has_bias2 && !store_t) { bias_n += vec4f(bias2[cols.x], bias2[cols.y], bias2[cols.z], bias2[cols.w]); }
  for (var r = 0u; r < RB; r++) {
    let m = m0 + r;
    if (m >= dims.m) { break; }
    var row = acc[r / 4u][r % 4u] * dims.alpha;
    if (store_t) {
      if (has_bias) { row += vec4f(bias[m]); }
      if (has_bias2) { row += vec4f(bias2[m]); }
    } else {
      row += bias_n; // 0 without biases
    }
    for (var j = 0u; j < 4u; j++) {
      let n = n_raw + j;
      if (n >= dims.n) { break; }
      var v = row[j];
      let e = base_c + select(m * dims.n + n, n * dims.m + m, store_t);
      if ((dims.flags & ACCUMULATE) != 0u) { v += c[e]; }
      c[e] = v;
    }
  }
}
