// gru_reset_before_step_forward.wgsl: phase 2 of forward step s of the reset-before GRU, after
// gru_reset_before_step_gates.wgsl saved r, z and u = r⊙h_prev: n = tanh(x_n + W_hn·u),
// h = (1 − z)⊙n + z⊙h_prev into state slot s+1 and y[tpos]. One invocation: unit j (x), row b (y),
// direction d (z); after step.wgsl.
// xproj (step_input.wgsl, binding 0): [T, B, D·3H] time order, W_ih·x + b_ih + b_hh
@group(0) @binding(1) var<storage, read> w_hh: array<f32>;          // [D, 3H, H]
@group(0) @binding(2) var<storage, read> lengths: array<i32>;       // [B], each in 1..T
@group(0) @binding(3) var<storage, read_write> h_state: array<f32>; // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(4) var<storage, read_write> gates: array<f32>;   // [D, T, B, 4H] r, z, n, u (this phase: n)
@group(0) @binding(5) var<storage, read_write> y: array<f32>;       // [T, B, D·H] time order
@group(0) @binding(6) var<uniform> dims: Dims;

fn cell_step(p: Place) {
  let H = dims.hidden;
  let prev = state_row(p, p.s) + p.j;
  let next = state_row(p, p.s + 1u) + p.j;
  let g_at = step_row(p, p.s, 4u * H);
  if (!p.live) {
    // Past this sequence's end: carry the state through; y at the padding position is 0.
    h_state[next] = h_state[prev];
    gates[g_at + 2u * H + p.j] = 0.0;
    y[seq_row(p, H) + p.j] = 0.0;
    return;
  }
  // Row 2H + j of W_hh times u (phase 1's output for every unit of this row).
  let w0 = (p.d * 3u * H + 2u * H + p.j) * H;
  var a = x_in(p, seq_row(p, 3u * H) + 2u * H + p.j);
  for (var i = 0u; i < H; i++) { a += w_hh[w0 + i] * gates[g_at + 3u * H + i]; }
  let n = tanh_safe(a);
  let z = gates[g_at + H + p.j];
  let h = (1.0 - z) * n + z * h_state[prev];
  h_state[next] = h;
  gates[g_at + 2u * H + p.j] = n;
  y[seq_row(p, H) + p.j] = h;
}
