// gru_reset_before_step_backward_reset.wgsl: phase B of BPTT step s of the reset-before GRU, after
// phase A (…_step_backward.wgsl) wrote dn_pre of every unit: du = W_hnᵀ·dn_pre (u = r⊙h_prev mixes
// units), dr_pre = du⊙h_prev⊙r(1 − r), and dh_carry += du⊙r. Inactive rows write nothing (phase A
// zeroed them). One invocation: unit j (x), row b (y), direction d (z); after step.wgsl.
@group(0) @binding(0) var<storage, read> w_hh: array<f32>;            // [D, 3H, H]
@group(0) @binding(1) var<storage, read> lengths: array<i32>;         // [B], each in 1..T
@group(0) @binding(2) var<storage, read> gates: array<f32>;           // [D, T, B, 4H] r, z, n, u saved by the forward
@group(0) @binding(3) var<storage, read> h_state: array<f32>;         // [D, T+1, B, H]
@group(0) @binding(4) var<storage, read_write> dh_carry: array<f32>;  // [D, B, H] dh⊙z from phase A, += du⊙r
@group(0) @binding(5) var<storage, read_write> dgates_hh: array<f32>; // [D, T, B, 3H] step order: this phase dr_pre
@group(0) @binding(6) var<storage, read_write> dxproj: array<f32>;    // [T, B, D·3H] time order: this phase dr_pre
@group(0) @binding(7) var<uniform> dims: Dims;

fn cell_step(p: Place) {
  if (!p.live) { return; }
  let H = dims.hidden;
  let dg_at = step_row(p, p.s, 3u * H);
  // du_j = Σ_k dn_pre[k]·W_hn[k, j]: column j of the n rows, coalesced across invocations.
  var du = 0.0;
  for (var k = 0u; k < H; k++) { du += dgates_hh[dg_at + 2u * H + k] * w_hh[(p.d * 3u * H + 2u * H + k) * H + p.j]; }
  let r = gates[step_row(p, p.s, 4u * H) + p.j];
  let dr_pre = du * h_state[state_row(p, p.s) + p.j] * gate_grad(r); // u = r·h_prev
  dgates_hh[dg_at + p.j] = dr_pre;
  dxproj[seq_row(p, 3u * H) + p.j] = dr_pre;
  let c_at = carry_row(p) + p.j;
  dh_carry[c_at] = dh_carry[c_at] + du * r;
}
