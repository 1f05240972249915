// gru_step_backward.wgsl: BPTT step s (run for s = T−1 … 0), fused: dH = dy[tpos] + dh_carry (dhN,
// or step s+1's local term dH⊙z) + Σ_k dgates_hh[s+1, k]·W_hh[k, j] when step s+1 is active; then
// the gate gradients and dh_carry = dH⊙z. One invocation: unit j (x), row b (y), direction d (z).
struct Dims { batch: u32, hidden: u32, steps: u32, step: u32, dirs: u32 }
@group(0) @binding(0) var<storage, read> w_hh: array<f32>;            // [D, 3H, H]
@group(0) @binding(1) var<storage, read> lengths: array<i32>;         // [B], each in 1..T
@group(0) @binding(2) var<storage, read> gates: array<f32>;           // [D, T, B, 4H] r, z, n, hh_n saved by the forward
@group(0) @binding(3) var<storage, read> h_state: array<f32>;         // [D, T+1, B, H]
@group(0) @binding(4) var<storage, read> dy: array<f32>;              // [T, B, D·H] time order
@group(0) @binding(5) var<storage, read_write> dh_carry: array<f32>;  // [D, B, H] dhN, then dH⊙z
@group(0) @binding(6) var<storage, read_write> dgates_hh: array<f32>; // [D, T, B, 3H] step order: dr_pre, dz_pre, dn_pre⊙r
@group(0) @binding(7) var<storage, read_write> dxproj: array<f32>;    // [T, B, D·3H] time order: dr_pre, dz_pre, dn_pre
@group(0) @binding(8) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let H = dims.hidden;
  let B = dims.batch;
  let T = dims.steps;
  let D = dims.dirs;
  let s = dims.step;
  let j = gid.x;
  let b = gid.y;
  let d = gid.z;
  if (j >= H || b >= B || d >= D) { return; }
  let len = u32(lengths[b]);
  let dg_at = ((d * T + s) * B + b) * 3u * H;
  if (s >= len) {
    // Inactive: dh_carry keeps carrying dhN down; this step's rows are zero, and so is dxproj at
    // the padding position s (dxproj needs no zero-fill).
    let pad = (s * B + b) * D * 3u * H + d * 3u * H + j;
    for (var k = 0u; k < 3u; k++) {
      dgates_hh[dg_at + k * H + j] = 0.0;
      dxproj[pad + k * H] = 0.0;
    }
    return;
  }
  let c_at = (d * B + b) * H + j;
  var rec = dh_carry[c_at];
  if (s + 1u < T && s + 1u < len) {
    // Column j of W_hh: neighbouring invocations read neighbouring floats (coalesced).
    let n_at = dg_at + B * 3u * H; // step s+1, same b
    for (var k = 0u; k < 3u * H; k++) { rec += dgates_hh[n_at + k] * w_hh[(d * 3u * H + k) * H + j]; }
  }
  let tpos = select(s, len - 1u - s, d == 1u);
  let dh = dy[(tpos * B + b) * D * H + d * H + j] + rec;
  let g_at = ((d * T + s) * B + b) * 4u * H;
  let r = gates[g_at + j];
  let z = gates[g_at + H + j];
  let n = gates[g_at + 2u * H + j];
  let hh_n = gates[g_at + 3u * H + j];
  let h_prev = h_state[((d * (T + 1u) + s) * B + b) * H + j];
  // h = (1 − z)·n + z·h_prev; n = tanh(x_n + r·hh_n): d tanh = 1 − n², dσ = σ(1 − σ)
  let dn_pre = dh * (1.0 - z) * (1.0 - n * n);
  let dz_pre = dh * (h_prev - n) * z * (1.0 - z);
  let dr_pre = dn_pre * hh_n * r * (1.0 - r);
  dgates_hh[dg_at + j] = dr_pre;
  dgates_hh[dg_at + H + j] = dz_pre;
  dgates_hh[dg_at + 2u * H + j] = dn_pre * r; // hh_n enters n through r⊙hh_n
  let x_at = (tpos * B + b) * D * 3u * H + d * 3u * H;
  dxproj[x_at + j] = dr_pre;
  dxproj[x_at + H + j] = dz_pre;
  dxproj[x_at + 2u * H + j] = dn_pre;
  dh_carry[c_at] = dh * z;
}
