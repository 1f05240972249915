// lstm_step_backward.wgsl: BPTT step s (run for s = T−1 … 0), fused: dH = dy[tpos] + the recurrent
// gradient Σ_k dgates_hh[s+1, k]·W_hh[k, j] (or the dh carry when step s+1 is inactive or s = T−1),
// then the gate gradients. One invocation: unit j (x) of batch row b (y), direction d (z).
struct Dims { batch: u32, hidden: u32, steps: u32, step: u32, dirs: u32 }
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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let H = dims.hidden;
  let B = dims.batch;
  let T = dims.steps;
  let D = dims.dirs;
  let s = dims.step;
  let j = gid.x;
  let b = gid.y;
  let d = gid.z;
  if (j >= H || b >= B || d >= D) { return; }
  let len = u32(lengths[b]);
  let g_at = ((d * T + s) * B + b) * 4u * H;
  if (s >= len) {
    // Inactive: the carries keep carrying dhN/dcN down; this step's rows are zero, and so is
    // dxproj at the padding position s (dxproj needs no zero-fill).
    let pad = (s * B + b) * D * 4u * H + d * 4u * H + j;
    for (var k = 0u; k < 4u; k++) {
      dgates_hh[g_at + k * H + j] = 0.0;
      dxproj[pad + k * H] = 0.0;
    }
    return;
  }
  let c_at = (d * B + b) * H + j;
  var rec: f32;
  // s + 1 < T is implied by s + 1 < len ≤ T; both are tested so a bad length never reads past T.
  if (s + 1u < T && s + 1u < len) {
    // Column j of W_hh: neighbouring invocations read neighbouring floats (coalesced).
    let n_at = g_at + B * 4u * H; // step s+1, same b
    rec = 0.0;
    for (var k = 0u; k < 4u * H; k++) { rec += dgates_hh[n_at + k] * w_hh[(d * 4u * H + k) * H + j]; }
  } else {
    rec = dh_carry[c_at];
  }
  let tpos = select(s, len - 1u - s, d == 1u);
  let dh = dy[(tpos * B + b) * D * H + d * H + j] + rec;
  let ig = gates[g_at + j];
  let fg = gates[g_at + H + j];
  let gg = gates[g_at + 2u * H + j];
  let og = gates[g_at + 3u * H + j];
  let cs = ((d * (T + 1u) + s) * B + b) * H + j;
  let c_prev = c_state[cs];
  let tc = tanh_safe(c_state[cs + B * H]);
  // h = o·tanh(c): d tanh(x) = 1 − tanh²(x); c = f·c_prev + i·g; dσ = σ(1 − σ)
  let dc = dc_carry[c_at] + dh * og * (1.0 - tc * tc);
  let dpre = vec4f(
    dc * gg * ig * (1.0 - ig),
    dc * c_prev * fg * (1.0 - fg),
    dc * ig * (1.0 - gg * gg),
    dh * tc * og * (1.0 - og),
  );
  let x_at = (tpos * B + b) * D * 4u * H + d * 4u * H;
  for (var k = 0u; k < 4u; k++) {
    dgates_hh[g_at + k * H + j] = dpre[k];
    dxproj[x_at + k * H + j] = dpre[k];
  }
  dc_carry[c_at] = dc * fg;
}
