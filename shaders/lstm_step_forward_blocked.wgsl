// lstm_step_forward_blocked.wgsl: `count` steps (s = step, step+1, …) of lstm_step_forward.wgsl
// (same bindings, results and twin), register-blocked: one invocation computes the 4 gates of
// UNITS units (x) for ROWS batch rows (y: row block), direction d (z). With count > 1 the workgroup holds
// every unit of its rows (the launcher checks), so a storage barrier between steps is all the
// recurrence needs: rows never depend on other rows. Needs subgroups of ≥ LANES (4 or 8) lanes and H % 8 == 0.
// Why: on CPU adapters (lavapipe) every load whose address differs between lanes costs ~10
// instructions per lane. h_prev is the same for all lanes, so 8 lanes load 8 consecutive floats
// once and subgroupBroadcast hands each to every lane; W_hh rows are read as vec4 along k and
// each value is reused for ROWS rows. The 8 products of a k-block are summed in one expression, so
// the accumulators are written once per block (each write inside a loop is a masked blend there).
// Up to RB = 32 rows share each W_hh load, the dearest part of the loop on lavapipe (the gain is
// in bench/RESULTS.md). The launcher picks ROWS (8, 16 or 32) to leave every CPU thread a
// workgroup; rows past ROWS or B are skipped by uniform branches, so the row loop still unrolls
// and the accumulators stay registers. The per-row load of h_prev is ~8 lanes × ~16 instructions
// (lavapipe loads lane by lane, each with a bounds check), more than the row's 32 products: with
// UNITS = 2 one load and its broadcasts feed two units' 64 (bench/RESULTS.md, "Inference").
// W_hh (binding 1, [D, 4H, H]) comes from the prelude step_w8_f32.wgsl, or a binary16 twin of it.
const FORWARD = true;
@group(0) @binding(0) var<storage, read> xproj: array<f32>;         // [T, B, D·4H] time order, b_ih + b_hh included
@group(0) @binding(2) var<storage, read> lengths: array<i32>;       // [B], each in 1..T
@group(0) @binding(3) var<storage, read_write> h_state: array<f32>; // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(4) var<storage, read_write> c_state: array<f32>; // [D, T+1, B, H]
@group(0) @binding(5) var<storage, read_write> gates: array<f32>;   // [D, T, B, 4H] i, f, g, o after activation
@group(0) @binding(6) var<storage, read_write> y: array<f32>;       // [T, B, D·H] time order
@group(0) @binding(7) var<uniform> dims: Dims;

// Units an invocation: 1, or 2 (units 2x and 2x+1 share each h_prev load and broadcast).
override UNITS: u32 = 1u;

// Step s for units UNITS·x_raw .. (clamped to < H) of rows b0 .. b0+ROWS−1, direction d.
fn blocked_step(s: u32, x_raw: u32, b0: u32, d: u32, lane: u32) {
  let H = dims.hidden;
  let B = dims.batch;
  let j_first = x_raw * UNITS;
  let j0 = min(j_first, H - UNITS);
  let slot = state_base(d, s); // first row of state slot s
  let H8 = H / 8u;
  let w_at8 = (d * 4u * H + j0) * H8; // row j0 of gate i, in blocks of 8; the gate blocks are H·H8 apart
  let gs = H * H8;
  var acc: array<vec4f, RB>; // gates i, f, g, o (before xproj) of unit j0, row b0 + r
  var acc1: array<vec4f, RB>; // the same for unit j0 + 1 (UNITS = 2)
  for (var k0 = 0u; k0 < H; k0 += 8u) {
    let q = w_at8 + k0 / 8u;
    // Rows: gates i, f, g, o; columns: inputs k0 .. k0+3 (lo) and k0+4 .. k0+7 (hi).
    let wi = w_row8(q);
    let wf = w_row8(q + gs);
    let wg = w_row8(q + 2u * gs);
    let wo = w_row8(q + 3u * gs);
    let w_lo = transpose(mat4x4f(wi[0], wf[0], wg[0], wo[0]));
    let w_hi = transpose(mat4x4f(wi[1], wf[1], wg[1], wo[1]));
    var v_lo: mat4x4f;
    var v_hi: mat4x4f;
    if (UNITS == 2u) {
      let q1 = q + H8;
      let vi = w_row8(q1);
      let vf = w_row8(q1 + gs);
      let vg = w_row8(q1 + 2u * gs);
      let vo = w_row8(q1 + 3u * gs);
      v_lo = transpose(mat4x4f(vi[0], vf[0], vg[0], vo[0]));
      v_hi = transpose(mat4x4f(vi[1], vf[1], vg[1], vo[1]));
    }
    for (var r = 0u; r < RB; r++) {
      if (r < ROWS && b0 + r < B) { // uniform: rows past the block or the batch cost a branch
        let at = (slot + b0 + r) * H + k0 + lane; // h_prev[b0 + r, k0 + lane]
        let hv = h_state[at];
        var hv4 = 0.0;
        if (LANES == 4u) { hv4 = h_state[at + 4u]; }
        let h_lo = bcast_lo(hv);
        let h_hi = bcast_hi(hv, hv4);
        acc[r] += w_lo * h_lo + w_hi * h_hi;
        if (UNITS == 2u) { acc1[r] += v_lo * h_lo + v_hi * h_hi; }
      }
    }
  }
  if (j_first >= H) { return; }
  for (var u = 0u; u < UNITS; u++) {
    let j = j0 + u;
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
        c_state[next] = c_state[prev];
        if (SAVE) { for (var k = 0u; k < 4u; k++) { gates[g_at + k * H] = 0.0; } }
        y[y_at] = 0.0;
        continue;
      }
      let x_at = seq_row(p, 4u * H) + j;
      let pre = select(acc[r], acc1[r], u == 1u) + vec4f(xproj[x_at], xproj[x_at + H], xproj[x_at + 2u * H], xproj[x_at + 3u * H]);
      let ig = gate_act(pre.x);
      let fg = gate_act(pre.y);
      let gg = tanh_safe(pre.z);
      let og = gate_act(pre.w);
      let c = fg * c_state[prev] + ig * gg;
      let h = og * tanh_safe(c);
      c_state[next] = c;
      h_state[next] = h;
      if (SAVE) {
        gates[g_at] = ig;
        gates[g_at + H] = fg;
        gates[g_at + 2u * H] = gg;
        gates[g_at + 3u * H] = og;
      }
      y[y_at] = h;
    }
  }
}
