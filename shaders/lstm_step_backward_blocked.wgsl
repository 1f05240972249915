// lstm_step_backward_blocked.wgsl: `count` BPTT steps (s = step, step−1, …) of
// lstm_step_backward.wgsl (same bindings, results and twin), register-blocked: one invocation
// handles units 4q .. 4q+3 (x: quad q) of ROWS batch rows (y: row block), direction d (z). With
// count > 1 the workgroup holds every unit of its rows (see lstm_step_forward_blocked.wgsl).
// Needs subgroups of ≥ LANES (4 or 8) invocations and H % 8 == 0. Preludes: broadcast.wgsl,
// step_backward_blocked.wgsl (the recurrent gradient).
const FORWARD = false;
@group(0) @binding(0) var<storage, read> w_hh: array<vec4f>;          // [D, 4H, H]
@group(0) @binding(1) var<storage, read> lengths: array<i32>;         // [B], each in 1..T
@group(0) @binding(2) var<storage, read> gates: array<vec4f>;         // [D, T, B, 4H] i, f, g, o saved by the forward
@group(0) @binding(3) var<storage, read> c_state: array<vec4f>;       // [D, T+1, B, H]
@group(0) @binding(4) var<storage, read> dy: array<vec4f>;            // [T, B, D·H] time order
@group(0) @binding(5) var<storage, read> dh_carry: array<vec4f>;      // [D, B, H] dhN
@group(0) @binding(6) var<storage, read_write> dc_carry: array<vec4f>; // [D, B, H] dcN, then dc·f
@group(0) @binding(7) var<storage, read_write> dgates_hh: array<f32>; // [D, T, B, 4H] step order, pre-activation
@group(0) @binding(8) var<storage, read_write> dxproj: array<vec4f>;  // [T, B, D·4H] time order, same values
@group(0) @binding(9) var<uniform> dims: Dims;

// BPTT step s for unit quad q_raw (clamped to q < H/4) of rows b0 .. b0+ROWS−1, direction d.
fn blocked_step(s: u32, q_raw: u32, b0: u32, d: u32, lane: u32) {
  let H = dims.hidden;
  let B = dims.batch;
  let T = dims.steps;
  let H4 = H / 4u;
  let G = 4u * H;
  let q = min(q_raw, H4 - 1u);
  var acc: array<vec4f, RB>; // recurrent gradient of units 4q .. 4q+3, row b0 + r
  if (s + 1u < T) { add_recurrent_grad(&acc, s + 1u, q, b0, d, lane, G, 0u, G); }
  if (q_raw >= H4) { return; }
  for (var r = 0u; r < ROWS; r++) {
    if (b0 + r >= B) { break; }
    // Indices of unit 4q: floats for dgates_hh (bound as f32), vec4s for the rest.
    let p = place(4u * q, b0 + r, d, s);
    let g_at = step_row(p, s, G) + 4u * q; // gate i
    let x4 = seq_row(p, G) / 4u + q;
    if (!p.live) {
      // Inactive: the carries keep carrying dhN/dcN down; this step's rows are zero, and so is
      // dxproj at the padding position.
      for (var k = 0u; k < 4u; k++) {
        store4(g_at + k * H, vec4f());
        dxproj[x4 + k * H4] = vec4f();
      }
      continue;
    }
    let c_at = carry_row(p) / 4u + q;
    // Step s+1 is inactive for this row (or s = T−1): the carry holds dhN instead.
    let rec = select(dh_carry[c_at], acc[r], s + 1u < p.len);
    let dh = dy[seq_row(p, H) / 4u + q] + rec;
    let g4 = g_at / 4u;
    let ig = gates[g4];
    let fg = gates[g4 + H4];
    let gg = gates[g4 + 2u * H4];
    let og = gates[g4 + 3u * H4];
    let c_prev = c_state[state_row(p, s) / 4u + q];
    let c = c_state[state_row(p, s + 1u) / 4u + q];
    let tc = vec4f(tanh_safe(c.x), tanh_safe(c.y), tanh_safe(c.z), tanh_safe(c.w));
    // h = o·tanh(c): d tanh(x) = 1 − tanh²(x); c = f·c_prev + i·g; the gates' gate_grad
    let dc = dc_carry[c_at] + dh * og * (1.0 - tc * tc);
    let di = dc * gg * gate_grad4(ig);
    let df = dc * c_prev * gate_grad4(fg);
    let dgg = dc * ig * (1.0 - gg * gg);
    let dog = dh * tc * gate_grad4(og);
    store4(g_at, di);
    store4(g_at + H, df);
    store4(g_at + 2u * H, dgg);
    store4(g_at + 3u * H, dog);
    dxproj[x4] = di;
    dxproj[x4 + H4] = df;
    dxproj[x4 + 2u * H4] = dgg;
    dxproj[x4 + 3u * H4] = dog;
    dc_carry[c_at] = dc * fg;
  }
}
