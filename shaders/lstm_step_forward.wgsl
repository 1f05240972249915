// lstm_step_forward.wgsl: LSTM step s (processing order) for all B sequences and both directions,
// fused: pre = xproj[tpos] + W_hh·h_prev; i, f, o = σ, g = tanh (PyTorch order i, f, g, o);
// c = f⊙c_prev + i⊙g; h = o⊙tanh(c). One invocation: unit j (x) of batch row b (y), direction d (z).
struct Dims { batch: u32, hidden: u32, steps: u32, step: u32, dirs: u32 }
@group(0) @binding(0) var<storage, read> xproj: array<f32>;         // [T, B, D·4H] time order, b_ih + b_hh included
@group(0) @binding(1) var<storage, read> w_hh: array<f32>;          // [D, 4H, H]
@group(0) @binding(2) var<storage, read> lengths: array<i32>;       // [B], each in 1..T
@group(0) @binding(3) var<storage, read_write> h_state: array<f32>; // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(4) var<storage, read_write> c_state: array<f32>; // [D, T+1, B, H]
@group(0) @binding(5) var<storage, read_write> gates: array<f32>;   // [D, T, B, 4H] i, f, g, o after activation
@group(0) @binding(6) var<storage, read_write> y: array<f32>;       // [T, B, D·H] time order
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
  let prev = ((d * (T + 1u) + s) * B + b) * H; // state slot s
  let next = prev + B * H;                     // state slot s + 1
  let g_at = ((d * T + s) * B + b) * 4u * H;
  let len = u32(lengths[b]);
  if (s >= len) {
    // Past this sequence's end: carry the state through. y at time s is padding (both directions
    // cover 0 .. len−1 while active), so this step writes its zero: y needs no zero-fill.
    h_state[next + j] = h_state[prev + j];
    c_state[next + j] = c_state[prev + j];
    for (var k = 0u; k < 4u; k++) { gates[g_at + k * H + j] = 0.0; }
    y[(s * B + b) * D * H + d * H + j] = 0.0;
    return;
  }
  // The reverse direction starts at each sequence's own end.
  let tpos = select(s, len - 1u - s, d == 1u);
  let x_at = (tpos * B + b) * D * 4u * H + d * 4u * H;
  // Row k·H + j of W_hh for each gate k. Neighbouring invocations read rows H floats apart (not
  // coalesced; a tiled version would stage W_hh through workgroup memory); h_prev[i] is the same
  // address for the whole workgroup, so it is a broadcast from cache.
  let w0 = (d * 4u * H + j) * H;
  let gs = H * H; // distance between the gate blocks of W_hh
  var pre = vec4f(xproj[x_at + j], xproj[x_at + H + j], xproj[x_at + 2u * H + j], xproj[x_at + 3u * H + j]);
  for (var i = 0u; i < H; i++) {
    let w = w0 + i;
    pre += h_state[prev + i] * vec4f(w_hh[w], w_hh[w + gs], w_hh[w + 2u * gs], w_hh[w + 3u * gs]);
  }
  let ig = sigmoid(pre.x);
  let fg = sigmoid(pre.y);
  let gg = tanh_safe(pre.z);
  let og = sigmoid(pre.w);
  let c = fg * c_state[prev + j] + ig * gg;
  let h = og * tanh_safe(c);
  c_state[next + j] = c;
  h_state[next + j] = h;
  gates[g_at + j] = ig;
  gates[g_at + H + j] = fg;
  gates[g_at + 2u * H + j] = gg;
  gates[g_at + 3u * H + j] = og;
  y[(tpos * B + b) * D * H + d * H + j] = h;
}
