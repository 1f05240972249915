// sample_row.wgsl (after sample.wgsl): sample.wgsl's draw for row b by one invocation alone, in index
// order (PER_THREAD): the same rule (first maximum; k-th largest logit; u·Σw against the
// cumulative weights), no workgroup memory, no barriers.
fn sample_row(b: u32) {
  let V = dims.vocab;
  let row = b * V;
  let neg_inf = bitcast<f32>(neg_inf_bits);
  if (dims.greedy != 0u) {
    var best = neg_inf;
    var bk = NO_INDEX;
    for (var i = 0u; i < V; i++) {
      if (better(logits[row + i], i32(i), best, bk)) { best = logits[row + i]; bk = i32(i); }
    }
    ids[b] = select(bk, 0, bk == NO_INDEX); // a row of −Inf: index 0, as torch.argmax
    return;
  }
  // The k-th largest logit: walk down the distinct values, counting each one's copies.
  var thr = neg_inf;
  if (dims.top_k > 0u && dims.top_k < V) {
    var above = bitcast<f32>(pos_inf_bits);
    var taken = 0u;
    loop {
      var next = neg_inf;
      for (var i = 0u; i < V; i++) {
        let x = logits[row + i];
        if (x < above && x > next) { next = x; }
      }
      var copies = 0u;
      for (var i = 0u; i < V; i++) { copies += select(0u, 1u, logits[row + i] == next); }
      taken += copies;
      above = next;
      if (taken >= dims.top_k || copies == 0u) { break; }
    }
    thr = above;
  }
  var top = neg_inf;
  for (var i = 0u; i < V; i++) {
    let x = logits[row + i];
    if (x >= thr && x > top) { top = x; }
  }
  var total = 0.0;
  for (var i = 0u; i < V; i++) {
    let x = logits[row + i];
    if (x >= thr) { total += exp((x - top) * dims.inv_temperature); }
  }
  let goal = uniform_of_row(b) * total;
  var acc = 0.0;
  var last = -1;
  for (var i = 0u; i < V; i++) {
    let x = logits[row + i];
    if (x >= thr) {
      last = i32(i);
      acc += exp((x - top) * dims.inv_temperature);
      if (goal < acc) {
        ids[b] = last;
        return;
      }
    }
  }
  ids[b] = last; // rounding: the last kept index; −1 when nothing is kept (an all-NaN row)
}
