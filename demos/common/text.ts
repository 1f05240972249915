// Character-level text for the char-rnn demo: a vocabulary of the text's unique characters (code
// points, sorted), encode/decode to int32 ids, and a contiguous train/validation split. The
// default text (KJV Genesis and Exodus, public domain) lives in demos/char-rnn/data/.

/** A character vocabulary: id i is the i-th character in code point order. */
export class Vocab {
  readonly chars: readonly string[];
  private readonly ids = new Map<string, number>();

  /** A vocabulary of exactly these characters, in this order (e.g. restored from saved metadata). */
  constructor(chars: Iterable<string>) {
    this.chars = [...chars];
    this.chars.forEach((c, i) => {
      if ([...c].length !== 1) throw new Error(`text: vocabulary entry ${i} is ${JSON.stringify(c)}, not one character`);
      if (this.ids.has(c)) throw new Error(`text: vocabulary has ${JSON.stringify(c)} twice`);
      this.ids.set(c, i);
    });
  }

  /** The sorted unique characters of `text`. */
  static fromText(text: string): Vocab {
    return new Vocab([...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  get size(): number {
    return this.chars.length;
  }

  /** The ids of the characters of `text`. */
  encode(text: string): Int32Array {
    const out: number[] = [];
    for (const c of text) {
      const id = this.ids.get(c);
      if (id === undefined) {
        const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
        throw new Error(`text: character ${JSON.stringify(c)} (${code}) at position ${out.length} is not in the vocabulary of ${this.size}`);
      }
      out.push(id);
    }
    return Int32Array.from(out);
  }

  /** The text of `ids`. */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const c = this.chars[ids[i]!];
      if (c === undefined) throw new Error(`text: id ${ids[i]} at position ${i} is outside the vocabulary of ${this.size}`);
      s += c;
    }
    return s;
  }
}

/** Splits ids into a leading training part and the last `validationFraction` for validation (views, no copy). */
export function splitText(ids: Int32Array, validationFraction = 0.1): { train: Int32Array; validation: Int32Array } {
  if (!(validationFraction >= 0 && validationFraction < 1)) throw new Error(`text: validationFraction must be in [0, 1), got ${validationFraction}`);
  const cut = ids.length - Math.round(ids.length * validationFraction);
  return { train: ids.subarray(0, cut), validation: ids.subarray(cut) };
}

/** The default corpus, next to the char-rnn demo. */
export const DEFAULT_TEXT_URL = new URL('../char-rnn/data/kjv-genesis-exodus.txt', import.meta.url);

/** Reads a UTF-8 text file: a path or file: URL in Node, a URL in the browser (default: the KJV text). */
export async function loadText(source: string | URL = DEFAULT_TEXT_URL): Promise<string> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (isNode && !(source instanceof URL && source.protocol !== 'file:')) {
    const fs = 'node:fs/promises'; // a variable keeps browser bundlers from resolving it
    const { readFile } = (await import(/* @vite-ignore */ fs)) as { readFile(p: string | URL, enc: 'utf8'): Promise<string> };
    return readFile(source, 'utf8');
  }
  const r = await fetch(source);
  if (!r.ok) throw new Error(`text: fetching ${String(source)} failed: HTTP ${r.status}`);
  return r.text();
}
