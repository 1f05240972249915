// rnn_step_forward.wgsl: Elman RNN step s (processing order) for all B sequences and both
// directions, fused: h = act(xproj[tpos] + W_hh·h_prev), act = tanh, or relu when RELU is set.
// One invocation: unit j (x) of batch row b (y), direction d (z). Preludes: step.wgsl (or
// step_split.wgsl: KS invocations a unit), step_input.wgsl.
override RELU: bool = false;
// xproj (step_input.wgsl, binding 0): [T, B, D·H] time order, b_ih + b_hh included
@group(0) @binding(1) var<storage, read> w_hh: array<f32>;          // [D, H, H]
@group(0) @binding(2) var<storage, read> lengths: array<i32>;       // [B], each in 1..T
@group(0) @binding(3) var<storage, read_write> h_state: array<f32>; // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(4) var<storage, read_write> y: array<f32>;       // [T, B, D·H] time order
@group(0) @binding(5) var<uniform> dims: Dims;

// W_hh·h_prev of unit p.j's row (in x) over the inputs i = k0, k0 + stride, … (all with k0 = 0,
// stride = 1; a share in step_split.wgsl's kernels); zero past the sequence's end. Row j of W_hh:
// neighbouring units read rows H floats apart (a split kernel's stride reads neighbouring inputs);
// h_prev[i] is one address for every unit (a cache broadcast).
fn recurrent_sums(p: Place, k0: u32, stride: u32) -> vec4f {
  var sum = 0.0;
  if (!p.live) { return vec4f(); }
  let H = dims.hidden;
  let prev = state_row(p, p.s);
  let w0 = (p.d * H + p.j) * H;
  for (var i = k0; i < H; i += stride) { sum += h_state[prev + i] * w_hh[w0 + i]; }
  return vec4f(sum, 0.0, 0.0, 0.0);
}

// The rest of the step from the recurrent sum: h and its writes.
fn cell_finish(p: Place, sums: vec4f) {
  let H = dims.hidden;
  let prev = state_row(p, p.s);
  let next = state_row(p, p.s + 1u);
  let at = seq_row(p, H) + p.j; // xproj and y share the [T, B, D·H] layout
  if (!p.live) {
    // Past this sequence's end: carry the state through; y at the padding position is 0, so y
    // needs no zero-fill.
    h_state[next + p.j] = h_state[prev + p.j];
    y[at] = 0.0;
    return;
  }
  let pre = x_in(p, at) + sums.x;
  let h = select(tanh_safe(pre), relu(pre), RELU);
  h_state[next + p.j] = h;
  y[at] = h;
}

fn cell_step(p: Place) { cell_finish(p, recurrent_sums(p, 0u, 1u)); }
