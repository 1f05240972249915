// step_backward_blocked.wgsl: prelude of the register-blocked backward step kernels, after
// broadcast.wgsl: the recurrent gradient of one unit quad for the rows of an invocation. Each
// kernel declares RB, ROWS, `dims`, `w_hh` (as vec4 along H) and `dgates_hh` (f32).

// acc[r] += Σ_n dgates_hh[step, b0 + r, n]·W_hh[d, n, 4q .. 4q+3] over rows n in [n_first, n_end)
// of W_hh's G = gates·H rows (multiples of 8), for r < ROWS inside the batch: with step = s+1, the
// gradient step s+1 sends back to h at step s. W_hh rows are read as vec4 over the
// lane's 4 units and reused for ROWS rows; dgates_hh rows are the same for every lane, so the LANES
// lanes load 8 consecutive floats and subgroupBroadcast shares them (why: see lstm_step_forward_blocked.wgsl).
fn add_recurrent_grad(acc: ptr<function, array<vec4f, RB>>, step: u32, q: u32, b0: u32, d: u32, lane: u32, G: u32, n_first: u32, n_end: u32) {
  let H4 = dims.hidden / 4u;
  let B = dims.batch;
  let next = (d * dims.steps + step) * B; // first row of `step`
  for (var n0 = n_first; n0 < n_end; n0 += 8u) {
    let w = (d * G + n0) * H4 + q; // W_hh[n0, 4q .. 4q+3]; row n0 + kk is kk·H4 further
    let w_lo = mat4x4f(w_hh[w], w_hh[w + H4], w_hh[w + 2u * H4], w_hh[w + 3u * H4]);
    let w_hi = mat4x4f(w_hh[w + 4u * H4], w_hh[w + 5u * H4], w_hh[w + 6u * H4], w_hh[w + 7u * H4]);
    for (var r = 0u; r < RB; r++) {
      if (r < ROWS && b0 + r < B) { // uniform: rows past the block or the batch cost a branch
        let at = (next + b0 + r) * G + n0 + lane; // dgates_hh[step, b0 + r, n0 + lane]
        let dg = dgates_hh[at];
        var dg4 = 0.0;
        if (LANES == 4u) { dg4 = dgates_hh[at + 4u]; }
        (*acc)[r] += w_lo * bcast_lo(dg) + w_hi * bcast_hi(dg, dg4);
      }
    }
  }
}

// Writes 4 consecutive floats of dgates_hh (bound as f32: the next step's broadcast loads read it
// one float a lane).
fn store4(at: u32, v: vec4f) {
  dgates_hh[at] = v.x;
  dgates_hh[at + 1u] = v.y;
  dgates_hh[at + 2u] = v.z;
  dgates_hh[at + 3u] = v.w;
}
