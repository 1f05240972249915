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
  /** Lists a folder: where present, a write first removes temp files that killed writers left. */
  readdir?(path: string): Promise<string[]>;
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
  await removeOrphans(f, path);
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

/** Removes `<name>.<pid>-<random>.tmp` files beside `path` whose writer process is gone (a save
 *  killed with SIGKILL, or power lost, leaves its whole temp file: tens of MB for a checkpoint).
 *  A live writer's file (another process saving the same path) is left alone. Best effort. */
async function removeOrphans(f: FileSystem, path: string): Promise<void> {
  if (!f.readdir) return;
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const folder = cut < 0 ? '.' : path.slice(0, cut + 1);
  const base = path.slice(cut + 1);
  try {
    for (const name of await f.readdir(folder)) {
      if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp')) continue;
      const m = /^(\d+)-[a-z0-9]*$/.exec(name.slice(base.length + 1, -'.tmp'.length));
      if (m && !processAlive(Number(m[1]))) await f.rm(cut < 0 ? name : folder + name, { force: true });
    }
  } catch {
    // An unreadable folder fails the write itself below, with its own error.
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'; // alive, someone else's
  }
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
