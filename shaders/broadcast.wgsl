// broadcast.wgsl: prelude of the register-blocked kernels (*_blocked.wgsl), first in their module:
// the subgroups extension, and the broadcasts of a cooperative load of 8 consecutive elements by a
// group of LANES lanes. With LANES = 8, lane l (< 8) of each subgroup loaded element l; with
// LANES = 4 (subgroups of 4 lanes, as SwiftShader's), lane l loaded element l into `v` and element
// 4 + l into `v4`, a second load the kernels make only then. They hand elements 0..3 / 4..7 (or
// the even / odd lanes' ones) to every lane. Needs subgroups of at least LANES invocations (the
// launchers check, broadcastLanes in src/kernels/lanes.ts).
enable subgroups;

// Lanes of a broadcast group: 8, or 4 where subgroups have only 4.
override LANES: u32 = 8u;

fn bcast_lo(v: f32) -> vec4f {
  return vec4f(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u));
}
fn bcast_hi(v: f32, v4: f32) -> vec4f {
  if (LANES == 4u) { return bcast_lo(v4); }
  return vec4f(subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u));
}

// The same for a vec4 a lane: column i is lane i's vec4 (lo: lanes 0..3, hi: 4..7; with LANES = 4
// the v4 of lanes 0..3 for hi, and for even / odd lanes 0, 2 / 1, 3 of v, then of v4).
fn bcast4_lo(v: vec4f) -> mat4x4f {
  return mat4x4f(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u));
}
fn bcast4_hi(v: vec4f, v4: vec4f) -> mat4x4f {
  if (LANES == 4u) { return bcast4_lo(v4); }
  return mat4x4f(subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u));
}
fn bcast4_even(v: vec4f, v4: vec4f) -> mat4x4f {
  if (LANES == 4u) { return mat4x4f(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 2u), subgroupBroadcast(v4, 0u), subgroupBroadcast(v4, 2u)); }
  return mat4x4f(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 4u), subgroupBroadcast(v, 6u));
}
fn bcast4_odd(v: vec4f, v4: vec4f) -> mat4x4f {
  if (LANES == 4u) { return mat4x4f(subgroupBroadcast(v, 1u), subgroupBroadcast(v, 3u), subgroupBroadcast(v4, 1u), subgroupBroadcast(v4, 3u)); }
  return mat4x4f(subgroupBroadcast(v, 1u), subgroupBroadcast(v, 3u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 7u));
}
