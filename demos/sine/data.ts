// Series for the sine demo: sin(t) (the classic TensorFlow LSTM sine predictor) and x·sin(x)/3 +
// 2·sin(5x) (Géron's Hands-On Machine Learning, ch. 14), sampled every dt.
// A sample is a window of `window` values → the next value. The first part of the series trains,
// the rest (later in time) tests. Values are divided by a scale taken from the training part only.

/** The series the demo knows, by name. */
export const SERIES = {
  sin: { label: 'sin(t)', f: (t: number) => Math.sin(t), dt: 0.1 },
  xsin: { label: 'x·sin(x)/3 + 2·sin(5x)', f: (x: number) => (x * Math.sin(x)) / 3 + 2 * Math.sin(5 * x), dt: 0.05 },
} as const;

export type SeriesName = keyof typeof SERIES;

/** One series split for training: times, values, where the test part starts, and the scale. */
export interface SeriesData {
  name: SeriesName;
  t: Float64Array;
  y: Float64Array;
  /** Index of the first test target; windows whose target is before it train. */
  split: number;
  /** max |y| over the training part: inputs and targets are y / scale. */
  scale: number;
}

/** Samples `points` values of a series from t = 0 and splits off the last `testFraction` as test targets. */
export function makeSeries(name: SeriesName, points: number, window: number, testFraction: number): SeriesData {
  const { f, dt } = SERIES[name];
  const t = Float64Array.from({ length: points }, (_, i) => i * dt);
  const y = t.map(f);
  const split = Math.round(points * (1 - testFraction));
  if (split - window < 1 || points - split < 1) {
    throw new Error(`sine: ${points} points with window ${window} and test fraction ${testFraction} leave no training or no test windows`);
  }
  let scale = 0;
  for (let i = 0; i < split; i++) scale = Math.max(scale, Math.abs(y[i]!));
  return { name, t, y, split, scale: scale || 1 };
}

/** Target indices of the training windows (window ends before `split`) and of the test windows. */
export function targets(d: SeriesData, window: number): { train: number[]; test: number[] } {
  const range = (a: number, b: number) => Array.from({ length: Math.max(b - a, 0) }, (_, i) => a + i);
  return { train: range(window, d.split), test: range(d.split, d.y.length) };
}

/** The windows before each target as a time-major batch x [window, B, 1] and the targets [B, 1], scaled. */
export function batch(d: SeriesData, window: number, idx: readonly number[]): { x: Float32Array; y: Float32Array } {
  const B = idx.length;
  const x = new Float32Array(window * B);
  const y = new Float32Array(B);
  idx.forEach((target, b) => {
    for (let s = 0; s < window; s++) x[s * B + b] = d.y[target - window + s]! / d.scale;
    y[b] = d.y[target]! / d.scale;
  });
  return { x, y };
}

/** Root mean square error of predictions against the true values. */
export function rmse(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i]! - truth[i]!) ** 2;
  return Math.sqrt(s / Math.max(pred.length, 1));
}
