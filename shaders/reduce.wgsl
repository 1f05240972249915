// reduce.wgsl: one pass of sum / sum of squares / max / argmax along the middle axis of x viewed
// as [outer, len, inner]; out[o, c, i] reduces x[o, c*chunk .. min((c+1)*chunk, len), i].
// PER_THREAD: one invocation per output (short rows); else one workgroup per output (tree).
struct Dims { outer: u32, len: u32, inner: u32, chunk: u32, chunks: u32, divisor: f32 }
@group(0) @binding(0) var<storage, read>       x:       array<f32>;  // [outer, len, inner]
@group(0) @binding(1) var<storage, read>       x_idx:   array<i32>;  // [outer, len, inner] argmax of an earlier pass (INDEXED)
@group(0) @binding(2) var<storage, read_write> out:     array<f32>;  // [outer, chunks, inner] (/ divisor)
@group(0) @binding(3) var<storage, read_write> out_idx: array<i32>;  // [outer, chunks, inner] argmax only
@group(0) @binding(4) var<uniform> dims: Dims;

override OP: u32 = REDUCE_SUM;   // REDUCE_* of the op_codes prelude
override INDEXED: bool = false;  // argmax: x holds partial maxima whose positions are in x_idx
override PER_THREAD: bool = false;
const WG = 256u;

// Whether (v, k) replaces (best, bk) as the max: NaN beats numbers and the first NaN stays
// (PyTorch); among equal values the lower index wins, so argmax is the first maximum.
fn better(v: f32, k: i32, best: f32, bk: i32) -> bool {
  if (is_nan(best)) { return is_nan(v) && k < bk; }
  return is_nan(v) || v > best || (v == best && k < bk);
}

struct Acc { v: f32, k: i32 }

// -Inf from a runtime value: a constant expression that evaluates to Inf fails shader creation.
var<private> neg_inf_bits: u32 = 0xff800000u;

// Sums (of values or squares) add up; max and argmax compare.
fn adds() -> bool { return OP == REDUCE_SUM || OP == REDUCE_SUM_SQUARES; }

fn identity() -> Acc {
  // Sums start at 0; max/argmax at -Inf with index past any row, so a row of -Inf picks index 0.
  if (!adds()) { return Acc(bitcast<f32>(neg_inf_bits), 0x7fffffff); }
  return Acc(0.0, 0);
}

fn combine(a: Acc, b: Acc) -> Acc {
  if (adds()) { return Acc(a.v + b.v, 0); }
  if (better(b.v, b.k, a.v, a.k)) { return b; }
  return a;
}

// Element k (a position along len) of row (o, i), as an accumulator.
fn load(o: u32, k: u32, i: u32) -> Acc {
  let at = (o * dims.len + k) * dims.inner + i;
  let v = x[at];
  if (OP == REDUCE_SUM_SQUARES) { return Acc(v * v, 0); }
  if (INDEXED) { return Acc(v, x_idx[at]); }
  return Acc(v, i32(k));
}

fn store(at: u32, a: Acc) {
  if (adds()) { out[at] = a.v / dims.divisor; } else { out[at] = a.v; }
  if (OP == REDUCE_ARGMAX) { out_idx[at] = a.k; }
}

var<workgroup> tree_v: array<f32, WG>;
var<workgroup> tree_k: array<i32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3u) {
  if (PER_THREAD) {
    // Invocation g owns output (o, i) of a single-chunk pass and walks the whole row.
    // No early return here: it would make the tree branch's barriers non-uniform.
    let g = gid.x + gid.y * groups.x * WG;
    if (g < dims.outer * dims.inner) {
      let o = g / dims.inner;
      let i = g % dims.inner;
      var acc = identity();
      for (var k = 0u; k < dims.len; k++) { acc = combine(acc, load(o, k, i)); }
      store(g, acc);
    }
    return;
  }
  // Workgroup w owns output (o, c, i); w is uniform, so the early return keeps barriers uniform.
  let w = wid.x + wid.y * groups.x;
  if (w >= dims.outer * dims.chunks * dims.inner) { return; }
  let i = w % dims.inner;
  let c = (w / dims.inner) % dims.chunks;
  let o = w / (dims.inner * dims.chunks);
  let start = c * dims.chunk;
  let end = min(start + dims.chunk, dims.len);
  var acc = identity();
  for (var k = start + t; k < end; k += WG) { acc = combine(acc, load(o, k, i)); }
  tree_v[t] = acc.v;
  tree_k[t] = acc.k;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      let r = combine(Acc(tree_v[t], tree_k[t]), Acc(tree_v[t + s], tree_k[t + s]));
      tree_v[t] = r.v;
      tree_k[t] = r.k;
    }
    workgroupBarrier();
  }
  if (t == 0u) { store(w, Acc(tree_v[0], tree_k[0])); }
}
