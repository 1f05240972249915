// Accuracy and the confusion matrix of predicted against true classes, and the matrix as a text
// table: rows are true classes, columns predicted ones, counts row-major [classes, classes].

/** Counts [true][predicted], row-major, and the fraction of correct predictions. */
export function confusion(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): { matrix: number[][]; accuracy: number } {
  if (labels.length !== predicted.length) throw new Error(`seq-mnist: ${labels.length} labels but ${predicted.length} predictions`);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predicted[i]!;
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) throw new Error(`seq-mnist: sample ${i}: label ${t} or prediction ${p} is outside 0..${classes - 1}`);
    matrix[t]![p]!++;
    if (t === p) correct++;
  }
  return { matrix, accuracy: labels.length ? correct / labels.length : 0 };
}

/** The matrix as aligned text lines: a header of predicted classes, one row per true class with its recall. */
export function confusionTable(matrix: number[][], names: readonly string[]): string[] {
  const width = Math.max(4, ...matrix.flat().map((v) => String(v).length), ...names.map((n) => n.length)) + 1;
  const label = Math.max(10, ...names.map((n) => n.length));
  const cell = (s: string) => s.padStart(width);
  const last = (s: string) => s.padStart(8);
  const lines = [`${'true\\pred'.padEnd(label)}${names.map(cell).join('')}${last('recall')}`];
  matrix.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const recall = total ? `${((100 * row[t]!) / total).toFixed(1)}%` : '-';
    lines.push(`${names[t]!.padEnd(label)}${row.map((v) => cell(String(v))).join('')}${last(recall)}`);
  });
  return lines;
}
