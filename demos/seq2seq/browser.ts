// Browser page of the seq2seq demo: the shared page, and once a run has finished a box to type any
// date into and its attention matrix as a heat map (rows: output characters, columns: input ones).
import { mountDemo } from '../common/page.js';
import { demo, explain } from './main.js';

const page = await mountDemo(demo, { overrides: { keepModel: true } });

const input = Object.assign(document.createElement('input'), { value: demo.defaults.show, size: 32 });
const button = Object.assign(document.createElement('button'), { textContent: 'Show attention', disabled: true });
const caption = Object.assign(document.createElement('p'), { id: 'attention-output', textContent: 'Train first: the heat map uses the trained model.' });
const canvas = Object.assign(document.createElement('canvas'), { id: 'attention' });
canvas.style.height = 'auto';
const section = document.createElement('section');
section.append(Object.assign(document.createElement('h2'), { textContent: 'Attention' }), input, button, caption, canvas);
(document.getElementById('app') ?? document.body).append(section);

/** Draws weights [output][input] as cells shaded from white (0) to dark blue (1), characters on the edges. */
function drawHeatMap(source: string, output: string, weights: Float32Array[]): void {
  const cell = 22;
  const [left, top] = [cell * 1.5, cell * 1.5];
  canvas.width = left + cell * source.length + 4;
  canvas.height = top + cell * output.length + 4;
  canvas.style.width = `${canvas.width}px`;
  const g = canvas.getContext('2d')!;
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.font = '14px monospace';
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillStyle = '#202124';
  [...source].forEach((ch, s) => g.fillText(ch === ' ' ? '␣' : ch, left + cell * (s + 0.5), top / 2));
  [...output].forEach((ch, t) => {
    g.fillStyle = '#202124';
    g.fillText(ch, left / 2, top + cell * (t + 0.5));
    weights[t]!.forEach((w, s) => {
      const shade = Math.round(255 * (1 - w));
      g.fillStyle = `rgb(${shade}, ${shade}, ${Math.round(255 - 110 * w)})`;
      g.fillRect(left + cell * s, top + cell * t, cell - 1, cell - 1);
    });
  });
}

async function show(): Promise<void> {
  try {
    const { output, weights } = await explain(input.value);
    caption.textContent = `${JSON.stringify(input.value)} → ${output}`;
    drawHeatMap(input.value, output, weights);
    document.body.dataset.attention = 'shown';
  } catch (e) {
    caption.textContent = (e as Error).message;
    document.body.dataset.attention = 'error';
  }
}

button.addEventListener('click', () => void show());
// Enabled, and drawn for the default input, once a run has ended.
new MutationObserver(() => {
  if (page.run === 'done' || page.run === 'stopped') {
    if (button.disabled) {
      button.disabled = false;
      void show();
    }
  }
}).observe(document.body, { attributes: true, attributeFilter: ['data-run'] });
