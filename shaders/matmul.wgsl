// matmul.wgsl: C[b] = alpha·op(A[b])·op(B[b]) (+ bias[n]) (+ bias2[n]) (+ old C[b]), all row-major; op(X) = Xᵀ
// when TRANS_A / TRANS_B. A is [M, K] ([K, M] transposed), B is [K, N] ([N, K]), C is [batch, M, N].
// One invocation computes a 4×4 block of C in registers; a workgroup covers (4·WG_Y) × (4·WG_X).
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override HAS_BIAS2: bool = false; // a second bias (an RNN's b_ih and b_hh, without a launch to add them)
override ACCUMULATE: bool = false;
// The stored row length of A (K, or M transposed) / of B (N, or K transposed) is a multiple of 4,
// so rows and batch slices start on a vec4: load whole vec4s. Otherwise load 4 scalars.
override VEC_A: bool = false;
override VEC_B: bool = false;
override WG_X: u32 = 8;
override WG_Y: u32 = 8;

// stride_a / stride_b: elements between batch slices (0 = one matrix broadcast over the batch).
// tiles = n_tiles · m_tiles · batch workgroup tiles, numbered n fastest.
struct Dims { m: u32, n: u32, k: u32, n_tiles: u32, m_tiles: u32, tiles: u32, stride_a: u32, stride_b: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read>       a:    array<vec4<f32>>;  // [batch?, M, K] or [batch?, K, M]
// B (binding 1) and its readers b_vec4 / b_at come from the prelude matmul_b_f32.wgsl (or matmul_b_f16 /
// matmul_b_packed.wgsl: f16 weights, widened to f32 as they are read).
@group(0) @binding(2) var<storage, read>       bias: array<f32>;        // [N]; A's buffer when !HAS_BIAS
@group(0) @binding(3) var<storage, read>       bias2: array<f32>;       // [N]; A's buffer when !HAS_BIAS2
@group(0) @binding(4) var<storage, read_write> c:    array<f32>;        // [batch, M, N]
@group(0) @binding(5) var<uniform> dims: Dims;

fn a_at(e: u32) -> f32 { return a[e >> 2u][e & 3u]; }

// opA[m0 .. m0+3, k] as a vec4 over m. Rows past M are clamped to M-1: their results are never
// stored, and clamping (not zeroing) keeps every load in bounds without a branch.
fn a_col(base: u32, m0: u32, k: u32) -> vec4<f32> {
  let last = dims.m - 1u;
  if (TRANS_A) {
    let e = base + k * dims.m;
    if (VEC_A) { return a[(e + m0) >> 2u]; }  // M % 4 == 0 and m0 < M: all four rows exist
    return vec4(a_at(e + m0), a_at(e + min(m0 + 1u, last)), a_at(e + min(m0 + 2u, last)), a_at(e + min(m0 + 3u, last)));
  }
  let e = base + k;
  return vec4(a_at(e + m0 * dims.k), a_at(e + min(m0 + 1u, last) * dims.k),
              a_at(e + min(m0 + 2u, last) * dims.k), a_at(e + min(m0 + 3u, last) * dims.k));
}

// opB[k, n0 .. n0+3] as a vec4 over n, columns past N clamped like a_col's rows.
fn b_row(base: u32, k: u32, n0: u32) -> vec4<f32> {
  let last = dims.n - 1u;
  if (!TRANS_B) {
    let e = base + k * dims.n;
    if (VEC_B) { return b_vec4((e + n0) >> 2u); }
    return vec4(b_at(e + n0), b_at(e + min(n0 + 1u, last)), b_at(e + min(n0 + 2u, last)), b_at(e + min(n0 + 3u, last)));
  }
  let e = base + k;
  return vec4(b_at(e + n0 * dims.k), b_at(e + min(n0 + 1u, last) * dims.k),
              b_at(e + min(n0 + 2u, last) * dims.k), b_at(e + min(n0 + 3u, last) * dims.k));
}

// Stored row `r` of a non-transposed A / transposed B at columns k0 .. k0+3 (k0 + 3 < K).
fn a_row4(base: u32, r: u32, k0: u32) -> vec4<f32> {
  let e = base + r * dims.k + k0;
  if (VEC_A) { return a[e >> 2u]; }
  return vec4(a_at(e), a_at(e + 1u), a_at(e + 2u), a_at(e + 3u));
}
fn b_row4(base: u32, r: u32, k0: u32) -> vec4<f32> {
  let e = base + r * dims.k + k0;
  if (VEC_B) { return b_vec4(e >> 2u); }
  return vec4(b_at(e), b_at(e + 1u), b_at(e + 2u), b_at(e + 3u));
}

// The 4×4 block of opA at (m0, k0) with column i = opA[m0+i, k0 .. k0+3].
fn load_a(base: u32, m0: u32, k0: u32) -> mat4x4<f32> {
  if (TRANS_A) {
    return transpose(mat4x4(a_col(base, m0, k0), a_col(base, m0, k0 + 1u), a_col(base, m0, k0 + 2u), a_col(base, m0, k0 + 3u)));
  }
  let last = dims.m - 1u;
  return mat4x4(a_row4(base, m0, k0), a_row4(base, min(m0 + 1u, last), k0),
                a_row4(base, min(m0 + 2u, last), k0), a_row4(base, min(m0 + 3u, last), k0));
}

// The 4×4 block of opB at (k0, n0) with column j = opB[k0+j, n0 .. n0+3].
fn load_b(base: u32, k0: u32, n0: u32) -> mat4x4<f32> {
  if (!TRANS_B) {
    return mat4x4(b_row(base, k0, n0), b_row(base, k0 + 1u, n0), b_row(base, k0 + 2u, n0), b_row(base, k0 + 3u, n0));
  }
  let last = dims.n - 1u;
  return transpose(mat4x4(b_row4(base, n0, k0), b_row4(base, min(n0 + 1u, last), k0),
                          b_row4(base, min(n0 + 2u, last), k0), b_row4(base, min(n0 + 3u, last), k0)));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  // The tile index folds in wid.y so grids past 65535 workgroups work (see grid1d).
  let tile = wid.x + wid.y * groups.x;
  if (tile >= dims.tiles) { return; }
  let nt = tile % dims.n_tiles;
  let rest = tile / dims.n_tiles;
  let batch = rest / dims.m_tiles;
  let m0 = ((rest % dims.m_tiles) * WG_Y + lid.y) * 4u;
  let n0 = (nt * WG_X + lid.x) * 4u;
  if (m0 >= dims.m || n0 >= dims.n) { return; }
  let base_a = batch * dims.stride_a;
  let base_b = batch * dims.stride_b;

  // acc[i] = C[m0+i, n0 .. n0+3]. Per k-block: acc[i] += Σ_j opB[k0+j, n0..] · opA[m0+i, k0+j],
  // i.e. acc += B4 · A4 with the column layouts of load_b and load_a.
  var acc = mat4x4<f32>();
  let k4 = dims.k & ~3u;
  for (var k0 = 0u; k0 < k4; k0 += 4u) {
    acc += load_b(base_b, k0, n0) * load_a(base_a, m0, k0);
  }
  // The last K % 4 steps one k at a time (no zero padding: 0 · Inf would make a NaN).
  for (var k = k4; k < dims.k; k++) {
    let ac = a_col(base_a, m0, k);
    let br = b_row(base_b, k, n0);
    acc += mat4x4(br * ac.x, br * ac.y, br * ac.z, br * ac.w);
  }

  let base_c = batch * dims.m * dims.n;
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m >= dims.m) { break; }
    let row = acc[i] * dims.alpha;
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n >= dims.n) { break; }
      var v = row[j];
      if (HAS_BIAS) { v += bias[n]; }
      if (HAS_BIAS2) { v += bias2[n]; }
      let e = base_c + m * dims.n + n;
      if (ACCUMULATE) { v += c[e]; }
      c[e] = v;
    }
  }
}
