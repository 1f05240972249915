// rnn_step_backward.wgsl: BPTT step s (run for s = T−1 … 0), fused: dH = dy[tpos] + Σ_k
// dgates_hh[s+1, k]·W_hh[k, j] (or the dh carry when step s+1 is inactive or s = T−1), then
// dpre = dH·act'(h). One invocation: unit j (x) of batch row b (y), direction d (z).
override RELU: bool = false;
struct Dims { batch: u32, hidden: u32, steps: u32, step: u32, dirs: u32 }
@group(0) @binding(0) var<storage, read> w_hh: array<f32>;            // [D, H, H]
@group(0) @binding(1) var<storage, read> lengths: array<i32>;         // [B], each in 1..T
@group(0) @binding(2) var<storage, read> h_state: array<f32>;         // [D, T+1, B, H]
@group(0) @binding(3) var<storage, read> dy: array<f32>;              // [T, B, D·H] time order
@group(0) @binding(4) var<storage, read> dh_carry: array<f32>;        // [D, B, H] dhN (read only for the RNN)
@group(0) @binding(5) var<storage, read_write> dgates_hh: array<f32>; // [D, T, B, H] step order, pre-activation
@group(0) @binding(6) var<storage, read_write> dxproj: array<f32>;    // [T, B, D·H] time order, same values
@group(0) @binding(7) var<uniform> dims: Dims;

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
  let g_at = ((d * T + s) * B + b) * H;
  if (s >= len) {
    // Inactive: the carry keeps carrying dhN down; this step's row is zero, and so is dxproj at the
    // padding position s (dxproj needs no zero-fill).
    dgates_hh[g_at + j] = 0.0;
    dxproj[(s * B + b) * D * H + d * H + j] = 0.0;
    return;
  }
  var rec: f32;
  if (s + 1u < T && s + 1u < len) {
    // Column j of W_hh: neighbouring invocations read neighbouring floats (coalesced).
    let n_at = g_at + B * H; // step s+1, same b
    rec = 0.0;
    for (var k = 0u; k < H; k++) { rec += dgates_hh[n_at + k] * w_hh[(d * H + k) * H + j]; }
  } else {
    rec = dh_carry[(d * B + b) * H + j];
  }
  let tpos = select(s, len - 1u - s, d == 1u);
  let at = (tpos * B + b) * D * H + d * H + j;
  let dh = dy[at] + rec;
  let h = h_state[((d * (T + 1u) + s + 1u) * B + b) * H + j];
  // tanh' = 1 − h²; relu' = 1 where h > 0 (0 at the kink, like PyTorch)
  let dpre = select(dh * (1.0 - h * h), select(0.0, dh, h > 0.0), RELU);
  dgates_hh[g_at + j] = dpre;
  dxproj[at] = dpre;
}
