// rnn_step_backward.wgsl: BPTT step s (run for s = T−1 … 0), fused: dH = dy[tpos] + the recurrent
// gradient of step s+1 (or the dh carry, dhN, when step s+1 is inactive or s = T−1), then
// dpre = dH·act'(h). One invocation: unit j (x) of batch row b (y), direction d (z).
// Preludes: step.wgsl (or step_split.wgsl: KS invocations a unit), step_backward.wgsl.
override RELU: bool = false;
@group(0) @binding(0) var<storage, read> w_hh: array<f32>;            // [D, H, H]
@group(0) @binding(1) var<storage, read> lengths: array<i32>;         // [B], each in 1..T
@group(0) @binding(2) var<storage, read> h_state: array<f32>;         // [D, T+1, B, H]
@group(0) @binding(3) var<storage, read> dy: array<f32>;              // [T, B, D·H] time order
@group(0) @binding(4) var<storage, read> dh_carry: array<f32>;        // [D, B, H] dhN (read only for the RNN)
@group(0) @binding(5) var<storage, read_write> dgates_hh: array<f32>; // [D, T, B, H] step order, pre-activation
@group(0) @binding(6) var<storage, read_write> dxproj: array<f32>;    // [T, B, D·H] time order, same values
@group(0) @binding(7) var<uniform> dims: Dims;

// The recurrent gradient of unit p.j (in x) over a share of the rows (step_backward.wgsl).
fn recurrent_sums(p: Place, k0: u32, stride: u32) -> vec4f {
  return vec4f(recurrent_grad(p, 1u, dims.hidden, k0, stride), 0.0, 0.0, 0.0);
}

// The rest of the step from the recurrent gradient (sums.x).
fn cell_finish(p: Place, sums: vec4f) {
  let H = dims.hidden;
  let g_at = step_row(p, p.s, H) + p.j;
  let at = seq_row(p, H) + p.j;
  if (!p.live) {
    // Inactive: the carry keeps carrying dhN down; this step's row is zero, and so is dxproj at
    // the padding position (dxproj needs no zero-fill).
    dgates_hh[g_at] = 0.0;
    dxproj[at] = 0.0;
    return;
  }
  let rec = select(dh_carry[carry_row(p) + p.j], sums.x, next_step_active(p));
  let dh = dy[at] + rec;
  let h = h_state[state_row(p, p.s + 1u) + p.j];
  // tanh' = 1 − h²; relu' = 1 where h > 0 (0 at the kink, like PyTorch)
  let dpre = select(dh * (1.0 - h * h), select(0.0, dh, h > 0.0), RELU);
  dgates_hh[g_at] = dpre;
  dxproj[at] = dpre;
}

fn cell_step(p: Place) { cell_finish(p, recurrent_sums(p, 0u, 1u)); }
