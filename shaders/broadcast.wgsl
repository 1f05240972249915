// broadcast.wgsl: prelude of the register-blocked kernels (*_blocked.wgsl), first in their module:
// the subgroups extension, and the broadcasts of a cooperative load in which lane l (< 8) of each
// subgroup loaded element l. They hand elements 0..3 / 4..7 (or the even / odd lanes' ones) to
// every lane. Needs subgroups of at least 8 invocations (the launchers check).
enable subgroups;

fn bcast_lo(v: f32) -> vec4f {
  return vec4f(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u));
}
fn bcast_hi(v: f32) -> vec4f {
  return vec4f(subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u));
}

// The same for a vec4 a lane: column i is lane i's vec4 (lo: lanes 0..3, hi: 4..7).
fn bcast4_lo(v: vec4f) -> mat4x4f {
  return mat4x4f(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u));
}
fn bcast4_hi(v: vec4f) -> mat4x4f {
  return mat4x4f(subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u));
}
fn bcast4_even(v: vec4f) -> mat4x4f {
  return mat4x4f(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 4u), subgroupBroadcast(v, 6u));
}
fn bcast4_odd(v: vec4f) -> mat4x4f {
  return mat4x4f(subgroupBroadcast(v, 1u), subgroupBroadcast(v, 3u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 7u));
}
