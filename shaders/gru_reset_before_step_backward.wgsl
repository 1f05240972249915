// gru_reset_before_step_backward.wgsl: phase A of BPTT step s (run for s = T−1 … 0) of the
// reset-before GRU: dh = dy[tpos] + dh_carry + Σ_{k < 2H} dgates_hh[s+1, k]·W_hh[k, j] (the r and z
// rows; the n rows reach h through u, in phase B of step s+1), then dz_pre, dn_pre and
// dh_carry = dh⊙z. Phase B (…_backward_reset.wgsl) adds dr_pre and the u path.
// One invocation: unit j (x), row b (y), direction d (z); after step.wgsl and step_backward.wgsl.
@group(0) @binding(0) var<storage, read> w_hh: array<f32>;            // [D, 3H, H]
@group(0) @binding(1) var<storage, read> lengths: array<i32>;         // [B], each in 1..T
@group(0) @binding(2) var<storage, read> gates: array<f32>;           // [D, T, B, 4H] r, z, n, u saved by the forward
@group(0) @binding(3) var<storage, read> h_state: array<f32>;         // [D, T+1, B, H]
@group(0) @binding(4) var<storage, read> dy: array<f32>;              // [T, B, D·H] time order
@group(0) @binding(5) var<storage, read_write> dh_carry: array<f32>;  // [D, B, H] dhN, then dh⊙z (+ du⊙r in phase B)
@group(0) @binding(6) var<storage, read_write> dgates_hh: array<f32>; // [D, T, B, 3H] step order: dr_pre, dz_pre, dn_pre
@group(0) @binding(7) var<storage, read_write> dxproj: array<f32>;    // [T, B, D·3H] time order: dr_pre, dz_pre, dn_pre
@group(0) @binding(8) var<uniform> dims: Dims;

fn cell_step(p: Place) {
  let H = dims.hidden;
  let dg_at = step_row(p, p.s, 3u * H) + p.j;
  let x_at = seq_row(p, 3u * H) + p.j; // the padding position s when inactive
  if (!p.live) {
    // Inactive: dh_carry keeps carrying dhN down; this step's rows are zero, and so is dxproj at
    // the padding position (dxproj needs no zero-fill).
    for (var k = 0u; k < 3u; k++) {
      dgates_hh[dg_at + k * H] = 0.0;
      dxproj[x_at + k * H] = 0.0;
    }
    return;
  }
  let c_at = carry_row(p) + p.j;
  let dh = dy[seq_row(p, H) + p.j] + dh_carry[c_at] + recurrent_grad(p, 3u, 2u * H, 0u, 1u);
  let g_at = step_row(p, p.s, 4u * H) + p.j;
  let z = gates[g_at + H];
  let n = gates[g_at + 2u * H];
  let h_prev = h_state[state_row(p, p.s) + p.j];
  // h = (1 − z)·n + z·h_prev: d tanh = 1 − n², the gates' gate_grad
  let dn_pre = dh * (1.0 - z) * (1.0 - n * n);
  let dz_pre = dh * (h_prev - n) * gate_grad(z);
  dgates_hh[dg_at + H] = dz_pre;
  dgates_hh[dg_at + 2u * H] = dn_pre;
  dxproj[x_at + H] = dz_pre;
  dxproj[x_at + 2u * H] = dn_pre;
  dh_carry[c_at] = dh * z;
}
