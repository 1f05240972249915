// Node file access for weight files. node:fs is imported on demand through a variable module name,
// so browser bundles never see it; writes are atomic (temp file in the same folder, fsync, rename).

/** The part of node:fs/promises that reading and atomic writing use (tests pass a faulty one). */
export interface FileSystem {
  open(path: string, flags: string): Promise<{
    writeFile(data: Uint8Array): Promise<void>;
    sync(): Promise<void>;
    close(): Promise<void>;
  }>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
}

/** True when running in Node (files can be read and written). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

/** node:fs/promises, loaded on first use. */
export async function nodeFs(): Promise<FileSystem> {
  if (!isNode()) throw new Error('webrnn: file paths work only in Node; in the browser pass bytes (Uint8Array, ArrayBuffer or Blob)');
  const name = 'node:fs/promises'; // a variable keeps browser bundlers from resolving it
  return (await import(/* @vite-ignore */ name)) as FileSystem;
}

/** Reads a whole file. */
export async function readFileBytes(path: string, fs?: FileSystem): Promise<Uint8Array> {
  return (fs ?? (await nodeFs())).readFile(path);
}

/**
 * Writes `bytes` to `path` so that a reader sees either the old file or the whole new one, never a
 * part: write a temp file beside it, fsync it, then rename it over the target (atomic on POSIX).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, fs?: FileSystem): Promise<void> {
  const f = fs ?? (await nodeFs());
  const tmp = `${path}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    const handle = await f.open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await f.rename(tmp, path);
  } catch (e) {
    await f.rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  await syncFolder(f, path);
}

/** fsyncs the folder so the rename itself survives a crash; not possible everywhere (Windows). */
async function syncFolder(f: FileSystem, path: string): Promise<void> {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const folder = cut < 0 ? '.' : cut === 0 ? path.slice(0, 1) : path.slice(0, cut);
  try {
    const handle = await f.open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the data itself is already synced and in place.
  }
}
