// sample.wgsl (after philox.wgsl): one token id per batch row of logits [B, V], ids int32 [B].
// greedy = 1: the first maximum (a NaN counts as the largest, the first NaN wins: torch.argmax).
// Otherwise a draw from softmax(x/τ) over the kept logits: those ≥ the k-th largest logit (every
// non-NaN one when top_k is 0 or ≥ V; ties with the k-th stay), weights w_i = exp((x_i − m)/τ) with
// m the largest kept logit. u is the top 24 bits of Philox word (e & 3) of block e >> 2, e = offset
// + b, over 2^24 (dropout's stream); the id is the first kept i with u·Σw < w_0 + … + w_i (index
// order), else the last kept index (rounding), else −1 (nothing kept: an all-NaN row).
// One workgroup per row; invocation t owns the contiguous chunk [t·chunk, (t+1)·chunk) of the row,
// so the chunk sums taken in thread order are the cumulative sums. With PER_THREAD one invocation
// does a whole row alone (sample_row.wgsl): short rows, where the barriers cost more than the row.
struct Dims { batch: u32, vocab: u32, greedy: u32, top_k: u32, inv_temperature: f32, phase: u32, block_lo: u32, block_hi: u32, seed_lo: u32, seed_hi: u32 }
@group(0) @binding(0) var<storage, read>       logits: array<f32>;  // [B, V]
@group(0) @binding(1) var<storage, read_write> ids:    array<i32>;  // [B]
@group(0) @binding(2) var<uniform> dims: Dims;

const WG = 64u;
const NO_INDEX = 0x7fffffff;
override PER_THREAD: bool = false;

var<workgroup> red_v: array<f32, WG>;
var<workgroup> red_k: array<i32, WG>;
var<workgroup> red_n: array<u32, WG>;
var<workgroup> prefix: array<f32, WG>;   // exclusive prefix of the chunk sums, then the total at [0] of red_v
var<workgroup> found: atomic<i32>;      // first index where the cumulative sum passes u·total
var<workgroup> last_kept: atomic<i32>;

// ±Inf from runtime values: a constant expression that evaluates to Inf fails shader creation.
var<private> pos_inf_bits: u32 = 0x7f800000u;
var<private> neg_inf_bits: u32 = 0xff800000u;

// Whether (v, k) replaces (best, bk) as the maximum: NaN first, then the larger, then the lower index.
fn better(v: f32, k: i32, best: f32, bk: i32) -> bool {
  if (is_nan(best)) { return is_nan(v) && k < bk; }
  return is_nan(v) || v > best || (v == best && k < bk);
}

// Row b's uniform in [0, 1): Philox element offset + b.
fn uniform_of_row(b: u32) -> f32 {
  let e = dims.phase + b;
  let blk_lo = dims.block_lo + (e >> 2u);
  let blk_hi = dims.block_hi + select(0u, 1u, blk_lo < dims.block_lo);  // carry of the 64-bit counter
  let bits = philox4x32_10(vec4u(blk_lo, blk_hi, 0u, 0u), vec2u(dims.seed_lo, dims.seed_hi));
  return f32(bits[e & 3u] >> 8u) / 16777216.0;
}

// Tree reductions over the workgroup; every invocation gets the result (uniform).
fn reduce_argmax(t: u32, v: f32, k: i32) -> i32 {
  red_v[t] = v;
  red_k[t] = k;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s && better(red_v[t + s], red_k[t + s], red_v[t], red_k[t])) {
      red_v[t] = red_v[t + s];
      red_k[t] = red_k[t + s];
    }
    workgroupBarrier();
  }
  return workgroupUniformLoad(&red_k[0]);
}

fn reduce_max(t: u32, v: f32) -> f32 {
  red_v[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s && red_v[t + s] > red_v[t]) { red_v[t] = red_v[t + s]; }
    workgroupBarrier();
  }
  return workgroupUniformLoad(&red_v[0]);
}

fn reduce_count(t: u32, n: u32) -> u32 {
  red_n[t] = n;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { red_n[t] += red_n[t + s]; }
    workgroupBarrier();
  }
  return workgroupUniformLoad(&red_n[0]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) t: u32) {
  if (PER_THREAD) {
    let r = (wid.x + wid.y * groups.x) * WG + t;
    if (r < dims.batch) { sample_row(r); }
    return;
  }
  let b = wid.x + wid.y * groups.x;  // uniform: the early return keeps the barriers uniform
  if (b >= dims.batch) { return; }
  let V = dims.vocab;
  let row = b * V;
  let chunk = (V + WG - 1u) / WG;
  let lo = min(t * chunk, V);
  let hi = min(lo + chunk, V);
  let neg_inf = bitcast<f32>(neg_inf_bits);

  if (dims.greedy != 0u) {
    var best = neg_inf;
    var bk = NO_INDEX;
    for (var i = lo; i < hi; i++) {
      if (better(logits[row + i], i32(i), best, bk)) { best = logits[row + i]; bk = i32(i); }
    }
    let k = reduce_argmax(t, best, bk);
    // A row of −Inf has no better element than the start: index 0, as torch.argmax.
    if (t == 0u) { ids[b] = select(k, 0, k == NO_INDEX); }
    return;
  }

  // The k-th largest logit: walk down the distinct values, counting each one's copies.
  var thr = neg_inf;
  if (dims.top_k > 0u && dims.top_k < V) {
    var above = bitcast<f32>(pos_inf_bits);
    var taken = 0u;
    loop {
      var m = neg_inf;
      for (var i = lo; i < hi; i++) {
        let x = logits[row + i];
        if (x < above && x > m) { m = x; }
      }
      let next = reduce_max(t, m);
      var c = 0u;
      for (var i = lo; i < hi; i++) { c += select(0u, 1u, logits[row + i] == next); }
      let copies = reduce_count(t, c);
      taken += copies;
      above = next;
      // copies = 0: nothing (but NaN) is left below; keep every non-NaN logit.
      if (taken >= dims.top_k || copies == 0u) { break; }
    }
    thr = above;
  }

  var m = neg_inf;
  for (var i = lo; i < hi; i++) {
    let x = logits[row + i];
    if (x >= thr && x > m) { m = x; }
  }
  let top = reduce_max(t, m);
  var s = 0.0;
  for (var i = lo; i < hi; i++) {
    let x = logits[row + i];
    if (x >= thr) { s += exp((x - top) * dims.inv_temperature); }
  }
  red_v[t] = s;
  if (t == 0u) {
    atomicStore(&found, NO_INDEX);
    atomicStore(&last_kept, -1);
  }
  workgroupBarrier();
  if (t == 0u) {
    var acc = 0.0;
    for (var j = 0u; j < WG; j++) {
      prefix[j] = acc;
      acc += red_v[j];
    }
    red_v[0] = acc;
  }
  workgroupBarrier();
  let total = red_v[0];
  let goal = uniform_of_row(b) * total;
  var acc = prefix[t];
  var last = -1;
  for (var i = lo; i < hi; i++) {
    let x = logits[row + i];
    if (x >= thr) {
      last = i32(i);
      acc += exp((x - top) * dims.inv_temperature);
      if (goal < acc) {
        atomicMin(&found, i32(i));
        break;
      }
    }
  }
  // The last kept index of the row: its own chunk's last one, past any break.
  for (var i = hi; i > lo; i--) {
    if (logits[row + i - 1u] >= thr) { last = max(last, i32(i - 1u)); break; }
  }
  atomicMax(&last_kept, last);
  workgroupBarrier();
  if (t == 0u) {
    let f = atomicLoad(&found);
    ids[b] = select(f, atomicLoad(&last_kept), f == NO_INDEX);
  }
}
