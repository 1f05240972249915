// Dawn's notices printed by native code in Node. Finding an adapter, Dawn prints two lines
// ("Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 ...")
// with fprintf(stderr): no API, toggle or log level turns them off, and they say nothing a user can
// act on. So while the adapter is requested, file descriptor 2 points at a temporary file; what
// native code wrote there goes back to stderr without those two lines (any other text is kept).
//
// Node cannot dup2, so the swap relies on open() taking the lowest free descriptor: close 2, open
// the file (gets 2); to restore, close 2 and reopen the saved target through /proc/self/fd. Only
// done where that is safe: Linux, and stderr a terminal or a pipe. A regular file is left alone (a
// reopened description would keep its own offset and could overwrite stdout's lines in
// `> log 2>&1`), and so is anything that does not reopen.

/** The lines Dawn prints when it clamps lavapipe's (and other drivers') dynamic-buffer limits. */
export const DAWN_LIMIT_NOTICE = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

type Fs = typeof import('node:fs');

/** Runs `fn` with native writes to stderr captured, then writes them back without the lines that
 *  match `drop`. Where capture is not safe (see above) it just runs `fn`. */
export async function withNativeStderrFiltered<T>(fn: () => Promise<T>, drop: RegExp = DAWN_LIMIT_NOTICE): Promise<T> {
  const names = { fs: 'node:fs', os: 'node:os', path: 'node:path' }; // variables keep bundlers out
  const fs = (await import(/* @vite-ignore */ names.fs)) as Fs;
  const { tmpdir } = (await import(/* @vite-ignore */ names.os)) as typeof import('node:os');
  const { join } = (await import(/* @vite-ignore */ names.path)) as typeof import('node:path');
  const swap = redirect(fs, join(tmpdir(), `webrnn-stderr-${process.pid}-${Date.now()}.txt`));
  if (!swap) return fn();
  try {
    return await fn();
  } finally {
    const text = swap.restore();
    const kept = text.split('\n').filter((line, i, all) => !(drop.test(line) || (i === all.length - 1 && line === '')));
    if (kept.length) process.stderr.write(`${kept.join('\n')}\n`);
  }
}

/** Points fd 2 at `file`; null where that is not safe or fails (nothing changed then). */
function redirect(fs: Fs, file: string): { restore(): string } | null {
  if (process.platform !== 'linux') return null;
  let saved = -1;
  try {
    const st = fs.fstatSync(2);
    if (!st.isFIFO() && !st.isCharacterDevice()) return null;
    fs.fstatSync(0); // open() must hand out 2, the lowest free descriptor: 0 and 1 must be open
    fs.fstatSync(1);
    void process.stderr; // Node opens its stderr stream lazily: before the swap, not during it
    saved = fs.openSync('/proc/self/fd/2', 'a');
  } catch {
    if (saved >= 0) fs.closeSync(saved);
    return null;
  }
  const reopen = (path: string, flags: string) => {
    try {
      fs.closeSync(2);
    } catch {
      // already closed by a failed reopen
    }
    const fd = fs.openSync(path, flags);
    if (fd !== 2) {
      fs.closeSync(fd);
      throw new Error(`webrnn: internal error: stderr reopened as fd ${fd}`);
    }
  };
  try {
    reopen(file, 'w+');
  } catch {
    try {
      reopen(`/proc/self/fd/${saved}`, 'a');
    } finally {
      fs.closeSync(saved);
    }
    return null;
  }
  return {
    restore() {
      try {
        reopen(`/proc/self/fd/${saved}`, 'a');
      } finally {
        fs.closeSync(saved);
      }
      try {
        return fs.readFileSync(file, 'utf8');
      } finally {
        fs.rmSync(file, { force: true });
      }
    },
  };
}
