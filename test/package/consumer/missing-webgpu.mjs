// Consumer check: before `npm i webgpu` (an optional peer), init() must say what to install.
import { init } from 'webrnn';

try {
  await init();
  console.log('init() succeeded without the webgpu package');
} catch (e) {
  console.log(e.message);
}
