// The rule every generated call of the property test is held to: it either throws a plain Error
// whose message starts with "webrnn: " and names one of the bad arguments it was given, or (when
// nothing was bad) returns what the float64 reference returns. Never a raw TypeError/RangeError,
// never a lost device or a pending GPU error, never a module changed by a call that threw, and
// never a tensor left alive once the caller disposed what the call returned.
import { expect } from 'vitest';
import { init, memory, sync, type nn, type Tensor } from 'webrnn';

/** What makes a generated call invalid: the names its error must mention (empty: a valid call). */
export type Bad = readonly string[];

const RAW = [TypeError, RangeError, SyntaxError, ReferenceError];

/** Parameter values by name, to show that a call which threw changed nothing. */
export async function snapshot(m: nn.Module | null): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  if (m) for (const [n, p] of m.namedParameters()) out[n] = Array.from(await p.data());
  return out;
}

/** Every tensor in a returned value (a tensor, or arrays of them). */
export const tensorsIn = (v: unknown): Tensor[] =>
  Array.isArray(v) ? v.flatMap(tensorsIn) : v && typeof v === 'object' && 'dispose' in v && 'shape' in v ? [v as Tensor] : [];

/**
 * Runs one generated call and holds it to the rule. `call` makes its result (its inputs are made
 * by the caller before); `compare` checks a valid result against the reference; `module` (if
 * any) must be unchanged by a call that throws. Returns once the device is known healthy.
 */
export async function holds<R>(
  what: string,
  bad: Bad,
  call: () => R,
  compare: (r: R) => Promise<void>,
  module: nn.Module | null = null,
): Promise<void> {
  const before = await snapshot(module);
  const live = memory().liveTensors;
  let result: R | undefined;
  let error: unknown = null;
  try {
    result = call();
  } catch (e) {
    error = e;
  }
  if (error !== null) {
    const msg = error instanceof Error ? error.message : String(error);
    expect(error, `${what}: threw a non-Error ${msg}`).toBeInstanceOf(Error);
    const raw = RAW.find((C) => error instanceof C);
    expect(raw, `${what}: raw ${raw?.name}: ${msg}`).toBeUndefined();
    expect(msg, `${what}: an error without the webrnn: prefix`).toMatch(/^webrnn: /);
    if (!bad.length) expect.fail(`${what}: a valid call threw: ${msg}`);
    expect(bad.some((n) => msg.includes(n)), `${what}: "${msg}" names none of ${JSON.stringify(bad)}`).toBe(true);
    expect(await snapshot(module), `${what}: the module changed although the call threw`).toEqual(before);
    expect(memory().liveTensors, `${what}: the failed call left tensors alive`).toBe(live);
  } else {
    if (bad.length) {
      for (const t of tensorsIn(result)) t.dispose();
      expect.fail(`${what}: accepted ${JSON.stringify(bad)} without an error`);
    }
    try {
      await compare(result!);
    } finally {
      for (const t of tensorsIn(result)) t.dispose();
    }
  }
  await healthy(what);
}

/** The device is not lost and reported no error (a bad call must not reach the GPU). */
export async function healthy(what: string): Promise<void> {
  const g = await init();
  expect(g.lost, `${what}: the device was lost`).toBeNull();
  await sync(); // throws what the device reported since the last check
}
