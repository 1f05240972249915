// rnn_step_forward.wgsl: Elman RNN step s (processing order) for all B sequences and both
// directions, fused: h = act(xproj[tpos] + W_hh·h_prev), act = tanh, or relu when RELU is set.
// One invocation: unit j (x) of batch row b (y), direction d (z).
override RELU: bool = false;
struct Dims { batch: u32, hidden: u32, steps: u32, step: u32, dirs: u32 }
@group(0) @binding(0) var<storage, read> xproj: array<f32>;         // [T, B, D·H] time order, b_ih + b_hh included
@group(0) @binding(1) var<storage, read> w_hh: array<f32>;          // [D, H, H]
@group(0) @binding(2) var<storage, read> lengths: array<i32>;       // [B], each in 1..T
@group(0) @binding(3) var<storage, read_write> h_state: array<f32>; // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(4) var<storage, read_write> y: array<f32>;       // [T, B, D·H] time order
@group(0) @binding(5) var<uniform> dims: Dims;

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
  let prev = ((d * (T + 1u) + s) * B + b) * H; // state slot s
  let next = prev + B * H;                     // state slot s + 1
  let len = u32(lengths[b]);
  if (s >= len) {
    // Past this sequence's end: carry the state through. y at time s is padding (both directions
    // cover 0 .. len−1 while active), so this step writes its zero: y needs no zero-fill.
    h_state[next + j] = h_state[prev + j];
    y[(s * B + b) * D * H + d * H + j] = 0.0;
    return;
  }
  // The reverse direction starts at each sequence's own end.
  let tpos = select(s, len - 1u - s, d == 1u);
  let at = (tpos * B + b) * D * H + d * H + j; // xproj and y share the [T, B, D·H] layout
  // Row j of W_hh: neighbouring invocations read rows H floats apart (not coalesced); h_prev[i]
  // is one address for the whole workgroup (a cache broadcast).
  let w0 = (d * H + j) * H;
  var pre = xproj[at];
  for (var i = 0u; i < H; i++) { pre += h_state[prev + i] * w_hh[w0 + i]; }
  // relu as select(x, 0, x <= 0) keeps NaN (max(x, 0) need not).
  let h = select(tanh_safe(pre), select(pre, 0.0, pre <= 0.0), RELU);
  h_state[next + j] = h;
  y[at] = h;
}
