// gru_reset_before_step_backward_blocked.wgsl: `count` BPTT steps (s = step, step−1, …) of the
// reset-before GRU, both phases of gru_reset_before_step_backward.wgsl / …_backward_reset.wgsl
// (same results and twins), register-blocked: one invocation handles units 4q .. 4q+3 (x: quad q)
// of ROWS batch rows (y: row block), direction d (z). PHASE 1 runs phase A, 2 phase B (count = 1);
// 0 runs both with a storage barrier between them and after (count > 1: the workgroup holds every
// unit of its rows). Needs subgroups of ≥ LANES (4 or 8) invocations and H % 8 == 0. After broadcast.wgsl and
// step_backward_blocked.wgsl (the recurrent gradient of phase A, store4).
override PHASE: u32 = 0u; // 1: phase A (dz, dn, dh_carry = dh⊙z); 2: phase B (dr, dh_carry += du⊙r); 0: both
const FORWARD = false;
@group(0) @binding(0) var<storage, read> w_hh: array<vec4f>;           // [D, 3H, H]
@group(0) @binding(1) var<storage, read> lengths: array<i32>;          // [B], each in 1..T
@group(0) @binding(2) var<storage, read> gates: array<vec4f>;          // [D, T, B, 4H] r, z, n, u saved by the forward
@group(0) @binding(3) var<storage, read> h_state: array<vec4f>;        // [D, T+1, B, H]
@group(0) @binding(4) var<storage, read> dy: array<vec4f>;             // [T, B, D·H] time order
@group(0) @binding(5) var<storage, read_write> dh_carry: array<vec4f>; // [D, B, H] dhN, then dh⊙z + du⊙r
@group(0) @binding(6) var<storage, read_write> dgates_hh: array<f32>;  // [D, T, B, 3H] step order: dr_pre, dz_pre, dn_pre
@group(0) @binding(7) var<storage, read_write> dxproj: array<vec4f>;   // [T, B, D·3H] time order: dr_pre, dz_pre, dn_pre
@group(0) @binding(8) var<uniform> dims: Dims;

fn backward_phase(s: u32, q_raw: u32, b0: u32, d: u32, lane: u32) {
  let H = dims.hidden;
  let B = dims.batch;
  let T = dims.steps;
  let H4 = H / 4u;
  let q = min(q_raw, H4 - 1u);
  var acc: array<vec4f, RB>; // recurrent gradient of units 4q .. 4q+3, row b0 + r
  if (s + 1u < T) { add_recurrent_grad(&acc, s + 1u, q, b0, d, lane, 3u * H, 0u, 2u * H); } // the r and z rows of step s+1
  if (q_raw >= H4) { return; }
  for (var r = 0u; r < ROWS; r++) {
    if (b0 + r >= B) { break; }
    // Indices of unit 4q: floats for dgates_hh (bound as f32), vec4s for the rest.
    let p = place(4u * q, b0 + r, d, s);
    let dg_at = step_row(p, s, 3u * H) + 4u * q; // gate r
    let x4 = seq_row(p, 3u * H) / 4u + q;
    if (!p.live) {
      // Inactive: dh_carry keeps carrying dhN down; this step's rows are zero, and so is dxproj
      // at the padding position.
      for (var k = 0u; k < 3u; k++) {
        store4(dg_at + k * H, vec4f());
        dxproj[x4 + k * H4] = vec4f();
      }
      continue;
    }
    let c_at = carry_row(p) / 4u + q;
    // The recurrent sum only counts while step s+1 is live for this row.
    let rec = dh_carry[c_at] + select(vec4f(), acc[r], s + 1u < p.len);
    let dh = dy[seq_row(p, H) / 4u + q] + rec;
    let g4 = step_row(p, s, 4u * H) / 4u + q; // gate r in the 4H-wide saved row
    let z = gates[g4 + H4];
    let n = gates[g4 + 2u * H4];
    let h_prev = h_state[state_row(p, s) / 4u + q];
    // h = (1 − z)·n + z·h_prev: d tanh = 1 − n², the gates' gate_grad
    let dn_pre = dh * (1.0 - z) * (1.0 - n * n);
    let dz_pre = dh * (h_prev - n) * gate_grad4(z);
    store4(dg_at + H, dz_pre);
    store4(dg_at + 2u * H, dn_pre);
    dxproj[x4 + H4] = dz_pre;
    dxproj[x4 + 2u * H4] = dn_pre;
    dh_carry[c_at] = dh * z;
  }
}

// Phase B of step s: du = W_hnᵀ·dn_pre (from phase A, every unit), dr_pre = du⊙h_prev⊙r(1 − r),
// dh_carry += du⊙r. Inactive rows store nothing.
fn reset_phase(s: u32, q_raw: u32, b0: u32, d: u32, lane: u32) {
  let H = dims.hidden;
  let B = dims.batch;
  let H4 = H / 4u;
  let q = min(q_raw, H4 - 1u);
  var acc: array<vec4f, RB>; // du of units 4q .. 4q+3, row b0 + r
  add_recurrent_grad(&acc, s, q, b0, d, lane, 3u * H, 2u * H, 3u * H); // du = W_hnᵀ·dn_pre of this step
  if (q_raw >= H4) { return; }
  for (var r = 0u; r < ROWS; r++) {
    if (b0 + r >= B) { break; }
    let p = place(4u * q, b0 + r, d, s);
    if (!p.live) { continue; }
    let rg = gates[step_row(p, s, 4u * H) / 4u + q];
    let h_prev = h_state[state_row(p, s) / 4u + q];
    let dr_pre = acc[r] * h_prev * gate_grad4(rg); // u = r·h_prev
    store4(step_row(p, s, 3u * H) + 4u * q, dr_pre);
    dxproj[seq_row(p, 3u * H) / 4u + q] = dr_pre;
    let c_at = carry_row(p) / 4u + q;
    dh_carry[c_at] = dh_carry[c_at] + acc[r] * rg;
  }
}

// Both phases or one (PHASE); with both, phase B reads dn_pre of every unit of these rows.
fn blocked_step(s: u32, q: u32, b0: u32, d: u32, lane: u32) {
  if (PHASE != 2u) { backward_phase(s, q, b0, d, lane); }
  if (PHASE == 0u) { storageBarrier(); }
  if (PHASE != 1u) { reset_phase(s, q, b0, d, lane); }
}
