// gru_step_forward_blocked.wgsl: `count` steps (s = step, step+1, …) of gru_step_forward.wgsl
// (same bindings, results and twin), register-blocked: one invocation computes hh = W_hh·h_prev of
// gates r, z, n of unit j (x) for ROWS batch rows (y: row block), direction d (z); with count > 1 the
// workgroup holds every unit of its rows. Needs subgroups of ≥ LANES (4 or 8) invocations and H % 8 == 0.
// Why and how: see lstm_step_forward_blocked.wgsl.
const FORWARD = true;
@group(0) @binding(0) var<storage, read> xproj: array<f32>;         // [T, B, D·3H] time order, W_ih·x + b_ih (no b_hh)
// W_hh (binding 1, [D, 3H, H]) comes from the prelude step_w8_f32.wgsl, or a binary16 twin of it.
@group(0) @binding(2) var<storage, read> b_hh: array<f32>;          // [D, 3H]
@group(0) @binding(3) var<storage, read> lengths: array<i32>;       // [B], each in 1..T
@group(0) @binding(4) var<storage, read_write> h_state: array<f32>; // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(5) var<storage, read_write> gates: array<f32>;   // [D, T, B, 4H] r, z, n, hh_n
@group(0) @binding(6) var<storage, read_write> y: array<f32>;       // [T, B, D·H] time order
@group(0) @binding(7) var<uniform> dims: Dims;

// Step s for unit j_raw (clamped to j < H) of rows b0 .. b0+ROWS−1, direction d.
fn blocked_step(s: u32, j_raw: u32, b0: u32, d: u32, lane: u32) {
  let H = dims.hidden;
  let B = dims.batch;
  let T = dims.steps;
  let j = min(j_raw, H - 1u);
  let slot = state_base(d, s); // first row of state slot s
  let H8 = H / 8u;
  let w_at8 = (d * 3u * H + j) * H8; // row j of gate r, in blocks of 8; the gate blocks are H·H8 apart
  let gs = H * H8;
  var acc: array<vec3f, RB>; // W_hh·h_prev of gates r, z, n, row b0 + r
  for (var k0 = 0u; k0 < H; k0 += 8u) {
    let q = w_at8 + k0 / 8u;
    // Rows: gates r, z, n; columns: inputs k0 .. k0+3 (lo) and k0+4 .. k0+7 (hi).
    let wr = w_row8(q);
    let wz = w_row8(q + gs);
    let wn = w_row8(q + 2u * gs);
    let w_lo = transpose(mat3x4f(wr[0], wz[0], wn[0]));
    let w_hi = transpose(mat3x4f(wr[1], wz[1], wn[1]));
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
  let bias = d * 3u * H + j;
  let bh = vec3f(b_hh[bias], b_hh[bias + H], b_hh[bias + 2u * H]);
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
      if (SAVE) { for (var k = 0u; k < 4u; k++) { gates[g_at + k * H] = 0.0; } }
      y[y_at] = 0.0;
      continue;
    }
    let x_at = seq_row(p, 3u * H) + j;
    let hh = acc[r] + bh;
    let rg = gate_act(xproj[x_at] + hh.x);
    let z = gate_act(xproj[x_at + H] + hh.y);
    let n = tanh_safe(xproj[x_at + 2u * H] + rg * hh.z);
    let h = (1.0 - z) * n + z * h_state[prev];
    h_state[next] = h;
    if (SAVE) {
      gates[g_at] = rg;
      gates[g_at + H] = z;
      gates[g_at + 2u * H] = n;
      gates[g_at + 3u * H] = hh.z; // hh_n: the backward needs it for dr
    }
    y[y_at] = h;
  }
}
