// gru_reset_before_step_gates.wgsl: phase 1 of forward step s (processing order) of the reset-before
// GRU (Keras/ONNX default, gate order r, z, n): r = σ(x_r + W_hr·h_prev), z = σ(x_z + W_hz·h_prev),
// u = r⊙h_prev. Phase 2 (gru_reset_before_step_forward.wgsl) needs u of every unit, hence two
// dispatches a step. One invocation: unit j (x), row b (y), direction d (z); after step.wgsl.
// xproj (step_input.wgsl, binding 0): [T, B, D·3H] time order, W_ih·x + b_ih + b_hh
@group(0) @binding(1) var<storage, read> w_hh: array<f32>;        // [D, 3H, H]
@group(0) @binding(2) var<storage, read> lengths: array<i32>;     // [B], each in 1..T
@group(0) @binding(3) var<storage, read> h_state: array<f32>;     // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(4) var<storage, read_write> gates: array<f32>; // [D, T, B, 4H] r, z, n, u (this phase: r, z, u)
@group(0) @binding(5) var<uniform> dims: Dims;

fn cell_step(p: Place) {
  let H = dims.hidden;
  let g_at = step_row(p, p.s, 4u * H) + p.j;
  if (!p.live) {
    // Past this sequence's end: phase 2 carries the state and writes n; r, z and u are zero.
    gates[g_at] = 0.0;
    gates[g_at + H] = 0.0;
    gates[g_at + 3u * H] = 0.0;
    return;
  }
  let prev = state_row(p, p.s);
  // Rows j and H + j of W_hh (gates r, z); h_prev[i] is one address for the whole workgroup.
  let w0 = (p.d * 3u * H + p.j) * H;
  var hh = vec2f();
  for (var i = 0u; i < H; i++) {
    hh += h_state[prev + i] * vec2f(w_hh[w0 + i], w_hh[w0 + H * H + i]);
  }
  let x_at = seq_row(p, 3u * H) + p.j;
  let r = gate_act(x_in(p, x_at) + hh.x);
  gates[g_at] = r;
  gates[g_at + H] = gate_act(x_in(p, x_at + H) + hh.y);
  gates[g_at + 3u * H] = r * h_state[prev + p.j]; // u: what W_hn multiplies, and dW_hn's input
}
