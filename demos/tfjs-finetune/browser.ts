// Browser page of the tfjs-finetune demo: the model and the text are fetched relative to this page
// (demos/tfjs-finetune/model/, demos/char-rnn/data/), and the tuned model goes to IndexedDB and back.
import { mountDemo } from '../common/page.js';
import { demo } from './main.js';

await mountDemo(demo, {
  overrides: { model: 'model/model.json', data: '../char-rnn/data/kjv-genesis-exodus.txt', store: 'indexeddb://tfjs-finetune' },
  note: 'Model: made and trained on Genesis by TensorFlow.js (scripts/tfjs-demo-model.mjs), loaded from model/model.json. ' +
    'After fine-tuning it is saved to indexeddb://tfjs-finetune and loaded back; ?model=URL takes any model.json made the same way.',
});
