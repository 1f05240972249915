// The probe of test/util/adapter.ts on Node's software adapter. The kernel suite skips its NaN
// cases where the probe says no, so a probe that wrongly said no on lavapipe would hide them
// without a failure; this pins its answer there (SwiftShader's no is seen in the chromium tier).
import { expect, test } from 'vitest';
import { init } from 'webrnn';
import { nanSurvivesExpLog } from '../util/adapter.js';

const { info } = await init();

test.runIf(/llvmpipe/i.test(info.name))('lavapipe keeps NaN through exp() and log(): the NaN cases run in full', async () => {
  expect(await nanSurvivesExpLog()).toBe(true);
});
