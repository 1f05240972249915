// Browser page of the char-rnn demo. The default text is fetched relative to this page
// (demos/char-rnn/data/): the library's default URL is relative to the module, which moves when bundled.
import { mountDemo } from '../common/page.js';
import { demo } from './main.js';

await mountDemo(demo, {
  overrides: { data: 'data/kjv-genesis-exodus.txt' },
  note: 'Text: KJV Genesis and Exodus (public domain), or ?data=URL of any UTF-8 text file (relative to this page or absolute).',
});
