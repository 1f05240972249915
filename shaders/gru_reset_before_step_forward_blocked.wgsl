// gru_reset_before_step_forward_blocked.wgsl: `count` forward steps (s = step, step+1, …) of the
// reset-before GRU, both phases of gru_reset_before_step_gates.wgsl / …_step_forward.wgsl (same
// results and twins), register-blocked: one invocation handles unit j (x) of ROWS batch rows
// (y: row block), direction d (z). PHASE 1 or 2 runs one phase (count = 1); PHASE 0 runs both with
// a storage barrier between them and after, which is enough when the workgroup holds every unit of
// its rows (count > 1, the whole-sequence launch): rows never depend on other rows. Needs subgroups
// of ≥ LANES (4 or 8) invocations and H % 8 == 0. Why and how: see lstm_step_forward_blocked.wgsl.
override PHASE: u32 = 0u; // 1: gates r, z, u; 2: n, h, y; 0: both
const FORWARD = true;
@group(0) @binding(0) var<storage, read> xproj: array<f32>;         // [T, B, D·3H] time order, W_ih·x + b_ih + b_hh
@group(0) @binding(1) var<storage, read> w_hh: array<vec4f>;        // [D, 3H, H] as vec4 along H
@group(0) @binding(2) var<storage, read> lengths: array<i32>;       // [B], each in 1..T
@group(0) @binding(3) var<storage, read_write> h_state: array<f32>; // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(4) var<storage, read_write> gates: array<f32>;   // [D, T, B, 4H] r, z, n, u
@group(0) @binding(5) var<storage, read_write> y: array<f32>;       // [T, B, D·H] time order
@group(0) @binding(6) var<uniform> dims: Dims;

// Phase 1 of step s for unit j_raw (clamped to j < H) of rows b0 .. b0+ROWS−1, direction d:
// r = σ(x_r + W_hr·h_prev), z = σ(x_z + W_hz·h_prev), u = r⊙h_prev.
fn gates_phase(s: u32, j_raw: u32, b0: u32, d: u32, lane: u32) {
  let H = dims.hidden;
  let B = dims.batch;
  let T = dims.steps;
  let j = min(j_raw, H - 1u);
  let slot = state_base(d, s); // first row of state slot s
  let H4 = H / 4u;
  let w_at = (d * 3u * H + j) * H4; // row j of gate r; gate z is H·H4 vec4 further
  var acc: array<vec2f, RB>; // W_hr·h_prev, W_hz·h_prev of row b0 + r
  for (var k0 = 0u; k0 < H; k0 += 8u) {
    let q = w_at + k0 / 4u;
    // Rows: gates r, z; columns: inputs k0 .. k0+3 (lo) and k0+4 .. k0+7 (hi).
    let w_lo = transpose(mat2x4f(w_hh[q], w_hh[q + H * H4]));
    let w_hi = transpose(mat2x4f(w_hh[q + 1u], w_hh[q + H * H4 + 1u]));
    for (var r = 0u; r < RB; r++) {
      if (r < ROWS && b0 + r < B) { // uniform: rows past the block or the batch cost a branch
        let at = (slot + b0 + r) * H + k0 + lane; // h_prev[b0 + r, k0 + lane]
        let hv = h_state[at];
        var hv4 = 0.0;
        if (LANES == 4u) { hv4 = h_state[at + 4u]; }
        acc[r] += w_lo * bcast_lo(hv) + w_hi * bcast_hi(hv, hv4);
      }
    }
  }
  if (j_raw >= H) { return; }
  for (var r = 0u; r < ROWS; r++) {
    if (b0 + r >= B) { break; }
    let p = place(j, b0 + r, d, s);
    let g_at = step_row(p, s, 4u * H) + j;
    if (!p.live) { // past this sequence's end: r, z, u are zero (phase 2 carries the state)
      gates[g_at] = 0.0;
      gates[g_at + H] = 0.0;
      gates[g_at + 3u * H] = 0.0;
      continue;
    }
    let x_at = seq_row(p, 3u * H) + j;
    let rg = gate_act(xproj[x_at] + acc[r].x);
    gates[g_at] = rg;
    gates[g_at + H] = gate_act(xproj[x_at + H] + acc[r].y);
    gates[g_at + 3u * H] = rg * h_state[state_row(p, s) + j];
  }
}

// Phase 2 of step s: n = tanh(x_n + W_hn·u), h = (1 − z)⊙n + z⊙h_prev; u of every unit from phase 1.
fn forward_phase(s: u32, j_raw: u32, b0: u32, d: u32, lane: u32) {
  let H = dims.hidden;
  let B = dims.batch;
  let T = dims.steps;
  let j = min(j_raw, H - 1u);
  let H4 = H / 4u;
  let w_at = (d * 3u * H + 2u * H + j) * H4; // row 2H + j: gate n
  var acc: array<f32, RB>; // W_hn·u of row b0 + r
  for (var k0 = 0u; k0 < H; k0 += 8u) {
    let w_lo = w_hh[w_at + k0 / 4u];
    let w_hi = w_hh[w_at + k0 / 4u + 1u];
    for (var r = 0u; r < RB; r++) {
      if (r < ROWS && b0 + r < B) {
        let at = (step_base(d, s) + b0 + r) * 4u * H + 3u * H + k0 + lane; // u[b0 + r, k0 + lane]
        let uv = gates[at];
        var uv4 = 0.0;
        if (LANES == 4u) { uv4 = gates[at + 4u]; }
        acc[r] += dot(w_lo, bcast_lo(uv)) + dot(w_hi, bcast_hi(uv, uv4));
      }
    }
  }
  if (j_raw >= H) { return; }
  for (var r = 0u; r < ROWS; r++) {
    if (b0 + r >= B) { break; }
    let p = place(j, b0 + r, d, s);
    let prev = state_row(p, s) + j;
    let next = state_row(p, s + 1u) + j;
    let g_at = step_row(p, s, 4u * H) + j;
    let y_at = seq_row(p, H) + j;
    if (!p.live) {
      // Past this sequence's end: carry the state through; y at the padding position is 0.
      h_state[next] = h_state[prev];
      gates[g_at + 2u * H] = 0.0;
      y[y_at] = 0.0;
      continue;
    }
    let n = tanh_safe(xproj[seq_row(p, 3u * H) + 2u * H + j] + acc[r]);
    let z = gates[g_at + H];
    let h = (1.0 - z) * n + z * h_state[prev];
    h_state[next] = h;
    gates[g_at + 2u * H] = n;
    y[y_at] = h;
  }
}

// Both phases or one (PHASE); with both, phase 2 reads u of every unit of these rows.
fn blocked_step(s: u32, j: u32, b0: u32, d: u32, lane: u32) {
  if (PHASE != 2u) { gates_phase(s, j, b0, d, lane); }
  if (PHASE == 0u) { storageBarrier(); }
  if (PHASE != 1u) { forward_phase(s, j, b0, d, lane); }
}
