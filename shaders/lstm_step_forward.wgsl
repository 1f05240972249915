// lstm_step_forward.wgsl: LSTM step s (processing order) for all B sequences and both directions,
// fused: pre = xproj[tpos] + W_hh·h_prev; i, f, o = σ, g = tanh (PyTorch order i, f, g, o);
// c = f⊙c_prev + i⊙g; h = o⊙tanh(c). One invocation: unit j (x) of batch row b (y), direction d
// (z). Preludes: step.wgsl (or step_split.wgsl: KS invocations a unit), step_input.wgsl, and
// step_w_f32.wgsl (or its f16 twins): W_hh at binding 1 ([D, 4H, H]), read by w_at / w_pair.
// xproj (step_input.wgsl, binding 0): [T, B, D·4H] time order, b_ih + b_hh included
@group(0) @binding(2) var<storage, read> lengths: array<i32>;       // [B], each in 1..T
@group(0) @binding(3) var<storage, read_write> h_state: array<f32>; // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(4) var<storage, read_write> c_state: array<f32>; // [D, T+1, B, H]
@group(0) @binding(5) var<storage, read_write> gates: array<f32>;   // [D, T, B, 4H] i, f, g, o after activation
@group(0) @binding(6) var<storage, read_write> y: array<f32>;       // [T, B, D·H] time order
@group(0) @binding(7) var<uniform> dims: Dims;

// Read W_hh two weights at a time where H is even (the f16-weight kernels: a load gives two).
override PAIRS: bool = false;

// W_hh·h_prev of unit p.j's four gate rows over the inputs i = k0, k0 + stride, … (all of them with
// k0 = 0, stride = 1; a share of them in step_split.wgsl's kernels, which sum the shares); zero
// past the sequence's end.
fn recurrent_sums(p: Place, k0: u32, stride: u32) -> vec4f {
  var pre = vec4f();
  if (!p.live) { return pre; }
  let H = dims.hidden;
  let prev = state_row(p, p.s);
  // Row k·H + j of W_hh for each gate k. Neighbouring units read rows H floats apart (not
  // coalesced; in a split kernel the stride's invocations read neighbouring inputs); h_prev[i] is
  // the same address for every unit, so it is a broadcast from cache.
  let w0 = (p.d * 4u * H + p.j) * H;
  let gs = H * H; // distance between the gate blocks of W_hh
  var i = k0;
  if (PAIRS && (H & 1u) == 0u) {
    // H even: every row starts at an even element, so inputs can go two at a time (w_pair: one
    // load for two f16 weights, the dear part of this loop on CPU adapters).
    for (var e = 2u * k0; e < H; e += 2u * stride) {
      let w = w0 + e;
      let wi = w_pair(w);
      let wf = w_pair(w + gs);
      let wg = w_pair(w + 2u * gs);
      let wo = w_pair(w + 3u * gs);
      pre += h_state[prev + e] * vec4f(wi.x, wf.x, wg.x, wo.x) + h_state[prev + e + 1u] * vec4f(wi.y, wf.y, wg.y, wo.y);
    }
    i = H;
  }
  for (; i < H; i += stride) {
    let w = w0 + i;
    pre += h_state[prev + i] * vec4f(w_at(w), w_at(w + gs), w_at(w + 2u * gs), w_at(w + 3u * gs));
  }
  return pre;
}

// The rest of the step from the recurrent sums: gates, c, h and every write of unit p.j.
fn cell_finish(p: Place, sums: vec4f) {
  let H = dims.hidden;
  let j = p.j;
  let prev = state_row(p, p.s);
  let next = state_row(p, p.s + 1u);
  let g_at = step_row(p, p.s, 4u * H) + j;
  let y_at = seq_row(p, H) + j;
  if (!p.live) {
    // Past this sequence's end: carry the state through; y at the padding position is 0, so y
    // needs no zero-fill.
    h_state[next + j] = h_state[prev + j];
    c_state[next + j] = c_state[prev + j];
    if (SAVE) { for (var k = 0u; k < 4u; k++) { gates[g_at + k * H] = 0.0; } }
    y[y_at] = 0.0;
    return;
  }
  let x_at = seq_row(p, 4u * H) + j;
  let pre = sums + vec4f(x_in(p, x_at), x_in(p, x_at + H), x_in(p, x_at + 2u * H), x_in(p, x_at + 3u * H));
  let ig = gate_act(pre.x);
  let fg = gate_act(pre.y);
  let gg = tanh_safe(pre.z);
  let og = gate_act(pre.w);
  let c = fg * c_state[prev + j] + ig * gg;
  let h = og * tanh_safe(c);
  c_state[next + j] = c;
  h_state[next + j] = h;
  if (SAVE) {
    gates[g_at] = ig;
    gates[g_at + H] = fg;
    gates[g_at + 2u * H] = gg;
    gates[g_at + 3u * H] = og;
  }
  y[y_at] = h;
}

fn cell_step(p: Place) { cell_finish(p, recurrent_sums(p, 0u, 1u)); }
