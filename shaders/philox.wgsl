// philox.wgsl: prelude. Philox4x32-10 (Salmon et al., SC'11; Random123): a counter-based generator,
// four u32 per (128-bit counter, 64-bit key), 10 rounds. WGSL has no 64-bit integers or mulhi, so
// the 32×32 → 64-bit products are built from 16-bit halves.
const PHILOX_M0 = 0xD2511F53u;
const PHILOX_M1 = 0xCD9E8D57u;
const PHILOX_W0 = 0x9E3779B9u;  // key bumps (golden ratio, sqrt(3) − 1)
const PHILOX_W1 = 0xBB67AE85u;

// (hi, lo) 32-bit words of the 64-bit product a·b.
fn philox_mulhilo(a: u32, b: u32) -> vec2u {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let lh = al * bh;
  let hl = ah * bl;
  // Each term < 2^16 · 3: no overflow; its top bits are the carry into the high word.
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  let hi = ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
  return vec2u(hi, a * b);  // u32 multiplication wraps: the low word
}

fn philox4x32_10(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) { k += vec2u(PHILOX_W0, PHILOX_W1); }
    let p0 = philox_mulhilo(PHILOX_M0, c.x);
    let p1 = philox_mulhilo(PHILOX_M1, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
  }
  return c;
}
