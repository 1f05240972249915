// Browser page of the binary-add demo: the shared demo code (main.ts) in the shared page UI.
import { mountDemo } from '../common/page.js';
import { demo } from './main.js';

await mountDemo(demo);
