// lstm_step_backward.wgsl: BPTT step s (run for s = T−1 … 0), fused: dH = dy[tpos] + the recurrent
// gradient of step s+1 (or the dh carry, dhN, when step s+1 is inactive or s = T−1), then the
// gate gradients. One invocation: unit j (x) of batch row b (y), direction d (z).
// Preludes: step.wgsl (or step_split.wgsl: KS invocations a unit), step_backward.wgsl.
@group(0) @binding(0) var<storage, read> w_hh: array<f32>;            // [D, 4H, H]
@group(0) @binding(1) var<storage, read> lengths: array<i32>;         // [B], each in 1..T
@group(0) @binding(2) var<storage, read> gates: array<f32>;           // [D, T, B, 4H] i, f, g, o saved by the forward
@group(0) @binding(3) var<storage, read> c_state: array<f32>;         // [D, T+1, B, H]
@group(0) @binding(4) var<storage, read> dy: array<f32>;              // [T, B, D·H] time order
@group(0) @binding(5) var<storage, read> dh_carry: array<f32>;        // [D, B, H] dhN (read only for the LSTM)
@group(0) @binding(6) var<storage, read_write> dc_carry: array<f32>;  // [D, B, H] dcN, then dc·f (gradient to c_prev)
@group(0) @binding(7) var<storage, read_write> dgates_hh: array<f32>; // [D, T, B, 4H] step order, pre-activation
@group(0) @binding(8) var<storage, read_write> dxproj: array<f32>;    // [T, B, D·4H] time order, same values
@group(0) @binding(9) var<uniform> dims: Dims;

// The recurrent gradient of unit p.j (in x) over a share of the rows (step_backward.wgsl).
fn recurrent_sums(p: Place, k0: u32, stride: u32) -> vec4f {
  return vec4f(recurrent_grad(p, 4u, 4u * dims.hidden, k0, stride), 0.0, 0.0, 0.0);
}

// The rest of the step from the recurrent gradient (sums.x).
fn cell_finish(p: Place, sums: vec4f) {
  let H = dims.hidden;
  let j = p.j;
  let g_at = step_row(p, p.s, 4u * H) + j;
  let x_at = seq_row(p, 4u * H) + j;
  if (!p.live) {
    // Inactive: the carries keep carrying dhN/dcN down; this step's rows are zero, and so is
    // dxproj at the padding position (dxproj needs no zero-fill).
    for (var k = 0u; k < 4u; k++) {
      dgates_hh[g_at + k * H] = 0.0;
      dxproj[x_at + k * H] = 0.0;
    }
    return;
  }
  let c_at = carry_row(p) + j;
  let rec = select(dh_carry[c_at], sums.x, next_step_active(p));
  let dh = dy[seq_row(p, H) + j] + rec;
  let ig = gates[g_at];
  let fg = gates[g_at + H];
  let gg = gates[g_at + 2u * H];
  let og = gates[g_at + 3u * H];
  let cs = state_row(p, p.s) + j;
  let c_prev = c_state[cs];
  let tc = tanh_safe(c_state[cs + dims.batch * H]);
  // h = o·tanh(c): d tanh(x) = 1 − tanh²(x); c = f·c_prev + i·g; the gates' gate_grad
  let dc = dc_carry[c_at] + dh * og * (1.0 - tc * tc);
  let dpre = vec4f(
    dc * gg * gate_grad(ig),
    dc * c_prev * gate_grad(fg),
    dc * ig * (1.0 - gg * gg),
    dh * tc * gate_grad(og),
  );
  for (var k = 0u; k < 4u; k++) {
    dgates_hh[g_at + k * H] = dpre[k];
    dxproj[x_at + k * H] = dpre[k];
  }
  dc_carry[c_at] = dc * fg;
}

fn cell_step(p: Place) { cell_finish(p, recurrent_sums(p, 0u, 1u)); }
