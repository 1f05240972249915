// gru_step_forward.wgsl: GRU step s (processing order) for all B sequences and both directions,
// fused (PyTorch order r, z, n): hh = W_hh·h_prev + b_hh; r = σ(x_r + hh_r); z = σ(x_z + hh_z);
// n = tanh(x_n + r⊙hh_n); h = (1 − z)⊙n + z⊙h_prev. One invocation: unit j (x), row b (y),
// direction d (z). Preludes: step.wgsl (or step_split.wgsl: KS invocations a unit),
// step_input.wgsl, and step_w_f32.wgsl (or its f16 twins): W_hh at binding 1 ([D, 3H, H]), read
// by w_at / w_pair.
// xproj (step_input.wgsl, binding 0): [T, B, D·3H] time order, W_ih·x + b_ih (no b_hh)
@group(0) @binding(2) var<storage, read> b_hh: array<f32>;          // [D, 3H]
@group(0) @binding(3) var<storage, read> lengths: array<i32>;       // [B], each in 1..T
@group(0) @binding(4) var<storage, read_write> h_state: array<f32>; // [D, T+1, B, H] step order, slot 0 = h0
@group(0) @binding(5) var<storage, read_write> gates: array<f32>;   // [D, T, B, 4H] r, z, n, hh_n
@group(0) @binding(6) var<storage, read_write> y: array<f32>;       // [T, B, D·H] time order
@group(0) @binding(7) var<uniform> dims: Dims;

// Read W_hh two weights at a time where H is even (the f16-weight kernels: a load gives two).
override PAIRS: bool = false;

// W_hh·h_prev of unit p.j's three gate rows (r, z, n; w unused) over the inputs i = k0,
// k0 + stride, … (all with k0 = 0, stride = 1; a share in step_split.wgsl's kernels); zero past
// the sequence's end. b_hh is added in cell_finish.
fn recurrent_sums(p: Place, k0: u32, stride: u32) -> vec4f {
  var hh = vec3f();
  if (!p.live) { return vec4f(); }
  let H = dims.hidden;
  let prev = state_row(p, p.s);
  // Row k·H + j of W_hh per gate: neighbouring units read rows H floats apart (not coalesced;
  // a split kernel's stride reads neighbouring inputs); h_prev[i] is one address for every unit
  // (a cache broadcast).
  let w0 = (p.d * 3u * H + p.j) * H;
  let gs = H * H; // distance between the gate blocks of W_hh
  var i = k0;
  if (PAIRS && (H & 1u) == 0u) {
    // H even: rows start at even elements, so two inputs a load of f16 weights (w_pair).
    for (var e = 2u * k0; e < H; e += 2u * stride) {
      let w = w0 + e;
      let wr = w_pair(w);
      let wz = w_pair(w + gs);
      let wn = w_pair(w + 2u * gs);
      hh += h_state[prev + e] * vec3f(wr.x, wz.x, wn.x) + h_state[prev + e + 1u] * vec3f(wr.y, wz.y, wn.y);
    }
    i = H;
  }
  for (; i < H; i += stride) {
    let w = w0 + i;
    hh += h_state[prev + i] * vec3f(w_at(w), w_at(w + gs), w_at(w + 2u * gs));
  }
  return vec4f(hh, 0.0);
}

// The rest of the step from the recurrent sums: gates, h and every write of unit p.j.
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
    if (SAVE) { for (var k = 0u; k < 4u; k++) { gates[g_at + k * H] = 0.0; } }
    y[y_at] = 0.0;
    return;
  }
  let x_at = seq_row(p, 3u * H) + j;
  let bias = p.d * 3u * H + j;
  let hh = sums.xyz + vec3f(b_hh[bias], b_hh[bias + H], b_hh[bias + 2u * H]);
  let r = gate_act(x_in(p, x_at) + hh.x);
  let z = gate_act(x_in(p, x_at + H) + hh.y);
  let n = tanh_safe(x_in(p, x_at + 2u * H) + r * hh.z);
  let h = (1.0 - z) * n + z * h_state[prev + j];
  h_state[next + j] = h;
  if (SAVE) {
    gates[g_at] = r;
    gates[g_at + H] = z;
    gates[g_at + 2u * H] = n;
    gates[g_at + 3u * H] = hh.z; // hh_n: the backward needs it for dr
  }
  y[y_at] = h;
}

fn cell_step(p: Place) { cell_finish(p, recurrent_sums(p, 0u, 1u)); }
