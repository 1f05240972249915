// gru_step_backward.wgsl: BPTT step s (run for s = T−1 … 0), fused: dH = dy[tpos] + dh_carry (dhN,
// or step s+1's local term dH⊙z) + the recurrent gradient of step s+1 when it is active; then the
// gate gradients and dh_carry = dH⊙z. One invocation: unit j (x), row b (y), direction d (z).
// Preludes: step.wgsl (or step_split.wgsl: KS invocations a unit), step_backward.wgsl.
@group(0) @binding(0) var<storage, read> w_hh: array<f32>;            // [D, 3H, H]
@group(0) @binding(1) var<storage, read> lengths: array<i32>;         // [B], each in 1..T
@group(0) @binding(2) var<storage, read> gates: array<f32>;           // [D, T, B, 4H] r, z, n, hh_n saved by the forward
@group(0) @binding(3) var<storage, read> h_state: array<f32>;         // [D, T+1, B, H]
@group(0) @binding(4) var<storage, read> dy: array<f32>;              // [T, B, D·H] time order
@group(0) @binding(5) var<storage, read_write> dh_carry: array<f32>;  // [D, B, H] dhN, then dH⊙z
@group(0) @binding(6) var<storage, read_write> dgates_hh: array<f32>; // [D, T, B, 3H] step order: dr_pre, dz_pre, dn_pre⊙r
@group(0) @binding(7) var<storage, read_write> dxproj: array<f32>;    // [T, B, D·3H] time order: dr_pre, dz_pre, dn_pre
@group(0) @binding(8) var<uniform> dims: Dims;

// The recurrent gradient of unit p.j (in x) over a share of the rows (step_backward.wgsl).
fn recurrent_sums(p: Place, k0: u32, stride: u32) -> vec4f {
  return vec4f(recurrent_grad(p, 3u, 3u * dims.hidden, k0, stride), 0.0, 0.0, 0.0);
}

// The rest of the step from the recurrent gradient (sums.x).
fn cell_finish(p: Place, sums: vec4f) {
  let H = dims.hidden;
  let j = p.j;
  let dg_at = step_row(p, p.s, 3u * H) + j;
  let x_at = seq_row(p, 3u * H) + j;
  if (!p.live) {
    // Inactive: dh_carry keeps carrying dhN down; this step's rows are zero, and so is dxproj at
    // the padding position (dxproj needs no zero-fill).
    for (var k = 0u; k < 3u; k++) {
      dgates_hh[dg_at + k * H] = 0.0;
      dxproj[x_at + k * H] = 0.0;
    }
    return;
  }
  let c_at = carry_row(p) + j;
  let dh = dy[seq_row(p, H) + j] + dh_carry[c_at] + sums.x;
  let g_at = step_row(p, p.s, 4u * H) + j;
  let r = gates[g_at];
  let z = gates[g_at + H];
  let n = gates[g_at + 2u * H];
  let hh_n = gates[g_at + 3u * H];
  let h_prev = h_state[state_row(p, p.s) + j];
  // h = (1 − z)·n + z·h_prev; n = tanh(x_n + r·hh_n): d tanh = 1 − n², the gates' gate_grad
  let dn_pre = dh * (1.0 - z) * (1.0 - n * n);
  let dz_pre = dh * (h_prev - n) * gate_grad(z);
  let dr_pre = dn_pre * hh_n * gate_grad(r);
  dgates_hh[dg_at] = dr_pre;
  dgates_hh[dg_at + H] = dz_pre;
  dgates_hh[dg_at + 2u * H] = dn_pre * r; // hh_n enters n through r⊙hh_n
  dxproj[x_at] = dr_pre;
  dxproj[x_at + H] = dz_pre;
  dxproj[x_at + 2u * H] = dn_pre;
  dh_carry[c_at] = dh * z;
}

fn cell_step(p: Place) { cell_finish(p, recurrent_sums(p, 0u, 1u)); }
