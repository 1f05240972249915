// Browser page of the sine demo: the shared demo code (main.ts) in the shared page UI; the true vs
// predicted plots appear under the result.
import { mountDemo } from '../common/page.js';
import { demo } from './main.js';

await mountDemo(demo);
