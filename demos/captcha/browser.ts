// Browser page of the captcha demo: the shared page, and once a run has finished the first held-out
// captchas drawn at 3× with the predicted text (green when right, red with the true text when not).
import { mountDemo } from '../common/page.js';
import { captchaExamples, demo } from './main.js';

const page = await mountDemo(demo, {
  note: 'The captchas are generated in the page from a seed (no download); the held-out ones come from another seed than the training ones.',
});

const grid = Object.assign(document.createElement('div'), { id: 'examples' });
grid.style.cssText = 'display: flex; flex-wrap: wrap; gap: .8em;';
const section = document.createElement('section');
section.append(Object.assign(document.createElement('h2'), { textContent: 'Held-out captchas: predicted (true)' }), grid);
(document.getElementById('app') ?? document.body).append(section);

/** One captcha as a canvas: the [3, H, W] planes in 0..1 drawn `scale` times larger. */
function drawCaptcha(planes: Float32Array, H: number, W: number, scale: number): HTMLCanvasElement {
  const small = Object.assign(document.createElement('canvas'), { width: W, height: H });
  const img = small.getContext('2d')!.createImageData(W, H);
  for (let p = 0; p < H * W; p++) {
    for (let c = 0; c < 3; c++) img.data[4 * p + c] = Math.round(255 * planes[c * H * W + p]!);
    img.data[4 * p + 3] = 255;
  }
  small.getContext('2d')!.putImageData(img, 0, 0);
  const big = Object.assign(document.createElement('canvas'), { width: W * scale, height: H * scale });
  big.style.cssText = `width: ${W * scale}px; height: ${H * scale}px; border: 1px solid #e0e0e0; margin: 0;`;
  const g = big.getContext('2d')!;
  g.imageSmoothingEnabled = false;
  g.drawImage(small, 0, 0, W * scale, H * scale);
  return big;
}

function showExamples(): void {
  const ex = captchaExamples();
  if (!ex) return;
  const { height: H, width: W } = ex;
  grid.replaceChildren(...ex.truth.map((truth, i) => {
    const predicted = ex.predicted[i]!;
    const ok = predicted === truth;
    const caption = Object.assign(document.createElement('div'), { className: ok ? 'right' : 'wrong', textContent: ok ? predicted : `${predicted} (${truth})` });
    caption.style.cssText = `font: 15px monospace; color: ${ok ? '#0b5d1e' : '#a50e0e'};`;
    const figure = document.createElement('figure');
    figure.style.margin = '0';
    figure.append(drawCaptcha(ex.images.subarray(i * 3 * H * W, (i + 1) * 3 * H * W), H, W, 3), caption);
    return figure;
  }));
  document.body.dataset.examples = String(ex.truth.length);
}

// Drawn whenever a run ends (done or stopped).
new MutationObserver(() => {
  if (page.run === 'done' || page.run === 'stopped') showExamples();
}).observe(document.body, { attributes: true, attributeFilter: ['data-run'] });
