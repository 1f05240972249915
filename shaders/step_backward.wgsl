// step_backward.wgsl: prelude of the simple backward step kernels, after step.wgsl: the gradient
// that step s+1 sends back to h at step s through W_hh. Each kernel declares `w_hh` and `dgates_hh`.

// Σ_k dgates_hh[s+1, b, k]·W_hh[d, k, j] over k = k0, k0 + stride, … of the first `rows` of the
// G·H rows (the gate blocks whose product feeds h_prev): all of them with k0 = 0, stride = 1, a
// share in step_split.wgsl's kernels. Column j of W_hh: neighbouring units read neighbouring
// floats. Zero where step s+1 is inactive for the row or s is the last step (the callers then
// carry dhN instead). s + 1 < T is implied by s + 1 < len ≤ T; both are tested so that a bad
// length never reads past T.
fn recurrent_grad(p: Place, G: u32, rows: u32, k0: u32, stride: u32) -> f32 {
  if (p.s + 1u >= dims.steps || p.s + 1u >= p.len) { return 0.0; }
  let H = dims.hidden;
  let n_at = step_row(p, p.s + 1u, G * H);
  var acc = 0.0;
  for (var k = k0; k < rows; k += stride) { acc += dgates_hh[n_at + k] * w_hh[(p.d * G * H + k) * H + p.j]; }
  return acc;
}

// Whether step s+1 sent a gradient through W_hh (else the carry holds dhN, or nothing to add).
fn next_step_active(p: Place) -> bool {
  return p.s + 1u < dims.steps && p.s + 1u < p.len;
}
