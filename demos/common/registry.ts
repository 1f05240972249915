// Every demo, by name, in the order `webrnn --help` lists them. Each folder's main.ts exports
// `demo` (demos/common/demo.ts); the CLI runs them and the pages import them one by one.
import { demo as binaryAdd } from '../binary-add/main.js';
import { demo as captcha } from '../captcha/main.js';
import { demo as charRnn } from '../char-rnn/main.js';
import { demo as seqMnist } from '../seq-mnist/main.js';
import { demo as seq2seq } from '../seq2seq/main.js';
import { demo as sine } from '../sine/main.js';
import type { Demo } from './demo.js';

/** Every demo's metadata and run function, under its name. */
export const DEMOS: ReadonlyMap<string, Demo> = new Map(
  ([binaryAdd, sine, seqMnist, charRnn, seq2seq, captcha] as Demo[]).map((d) => [d.name, d]),
);
