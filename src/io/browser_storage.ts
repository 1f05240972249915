// Browser storage for weights and models, addressed as TF.js addresses them: 'indexeddb://name'
// (one IndexedDB database, 'webrnn', of its own: entries TF.js's tf.io.listModels could not load
// never appear there) and 'downloads://name' (a Blob URL clicked as a download). A save is one
// IndexedDB transaction over the entry and its info, so a failed save leaves the previous entry whole.

/** What an entry holds: safetensors bytes (saveSafetensors, saveCheckpoint) or a TF.js layers model. */
export type StoredData =
  | { format: 'safetensors'; bytes: Uint8Array }
  | { format: 'layers-model'; modelJson: object; weights: Uint8Array };

/** What listModels() tells about an entry (TF.js's ModelArtifactsInfo, plus `format`). */
export interface StoredModelInfo {
  /** When the entry was written. */
  dateSaved: Date;
  /** 'safetensors' (loadSafetensors, loadCheckpoint) or 'layers-model' (loadLayersModel). */
  format: 'safetensors' | 'layers-model';
  /** 'JSON' for a layers model (its topology is JSON), null for safetensors. */
  modelTopologyType: 'JSON' | null;
  /** Bytes of the model.json text (0 for safetensors). */
  modelTopologyBytes: number;
  /** Bytes of the weights (the safetensors file, or the weight shard). */
  weightDataBytes: number;
}

export const INDEXEDDB_SCHEME = 'indexeddb://';
export const DOWNLOADS_SCHEME = 'downloads://';
const DB_NAME = 'webrnn';
const DB_VERSION = 1;
const DATA_STORE = 'models';
const INFO_STORE = 'info';

/** 'indexeddb' or 'downloads' for a storage address, null for anything else (a path or a URL). */
export function storageScheme(target: unknown): 'indexeddb' | 'downloads' | null {
  if (typeof target !== 'string') return null;
  const t = target.toLowerCase();
  return t.startsWith(INDEXEDDB_SCHEME) ? 'indexeddb' : t.startsWith(DOWNLOADS_SCHEME) ? 'downloads' : null;
}

const fail = (where: string, msg: string): never => {
  throw new Error(`webrnn: ${where}: ${msg}`);
};

/** The entry name of an 'indexeddb://name' address (non-empty). */
function entryName(url: string, where: string): string {
  if (storageScheme(url) !== 'indexeddb') fail(where, `'${url}' is not an IndexedDB address: write 'indexeddb://<name>'`);
  const name = url.slice(INDEXEDDB_SCHEME.length);
  if (name === '') fail(where, `'${url}' names no model: write 'indexeddb://<name>'`);
  return name;
}

function factory(where: string): IDBFactory {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (idb) return idb;
  const node = typeof process !== 'undefined' && !!process.versions?.node;
  return fail(where, node
    ? 'IndexedDB is not available in Node: save to a file path, or load from a path, URL or bytes'
    : 'IndexedDB is not available in this browser context (a private window or a sandboxed frame may disable it)');
}

/** A DOMException (or any error) as a sentence; the quota gets its own advice. */
function describe(e: unknown, where: string, url: string): never {
  const err = e as { name?: string; message?: string } | null;
  if (err?.name === 'QuotaExceededError') {
    fail(where, `saving '${url}' exceeds the browser's storage quota (QuotaExceededError${err.message ? `: ${err.message}` : ''}); the previous entry is unchanged. ` +
      'Free space with removeModel(), or ask for persistent storage (navigator.storage.persist())');
  }
  return fail(where, `IndexedDB failed on '${url}': ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`);
}

async function openDb(where: string, url: string): Promise<IDBDatabase> {
  const idb = factory(where);
  return new Promise((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = idb.open(DB_NAME, DB_VERSION);
    } catch (e) {
      return reject(wrap(e, where, url)); // SecurityError: an opaque origin (file://, sandbox)
    }
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(DATA_STORE)) db.createObjectStore(DATA_STORE, { keyPath: 'name' });
      if (!db.objectStoreNames.contains(INFO_STORE)) db.createObjectStore(INFO_STORE, { keyPath: 'name' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(wrap(req.error, where, url));
    req.onblocked = () => reject(new Error(`webrnn: ${where}: IndexedDB database '${DB_NAME}' is blocked by another tab holding an older version open`));
  });
}

function wrap(e: unknown, where: string, url: string): Error {
  try {
    return describe(e, where, url);
  } catch (named) {
    return named as Error;
  }
}

/** Runs `body` in one transaction and resolves with its value once the transaction has committed. */
async function transact<T>(mode: IDBTransactionMode, where: string, url: string, body: (tx: IDBTransaction) => () => T): Promise<T> {
  const db = await openDb(where, url);
  try {
    return await new Promise<T>((resolve, reject) => {
      let tx: IDBTransaction;
      let result: () => T;
      try {
        tx = db.transaction([DATA_STORE, INFO_STORE], mode);
        result = body(tx);
      } catch (e) {
        return reject(wrap(e, where, url));
      }
      tx.oncomplete = () => {
        try {
          resolve(result());
        } catch (e) {
          reject(e as Error);
        }
      };
      // An abort (quota, a failed request) rolls back every write of the transaction.
      tx.onabort = () => reject(wrap(tx.error, where, url));
    });
  } finally {
    db.close(); // keep no connection: it would block a later version upgrade
  }
}

function request<T>(req: IDBRequest<T>): () => T {
  return () => req.result;
}

function infoOf(data: StoredData): StoredModelInfo {
  return data.format === 'safetensors'
    ? { dateSaved: new Date(), format: 'safetensors', modelTopologyType: null, modelTopologyBytes: 0, weightDataBytes: data.bytes.byteLength }
    : {
      dateSaved: new Date(), format: 'layers-model', modelTopologyType: 'JSON',
      modelTopologyBytes: new TextEncoder().encode(JSON.stringify(data.modelJson)).byteLength, weightDataBytes: data.weights.byteLength,
    };
}

/** A copy of exactly the view's bytes (a stored view would store its whole underlying buffer). */
const own = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;

/** Writes `data` to 'indexeddb://name' (replacing an entry of that name) or offers it as a download. */
export async function saveToStorage(url: string, data: StoredData, where: string): Promise<StoredModelInfo> {
  const info = infoOf(data);
  if (storageScheme(url) === 'downloads') {
    download(url, data, where);
    return info;
  }
  const name = entryName(url, where);
  const value = data.format === 'safetensors'
    ? { format: data.format, bytes: own(data.bytes) }
    : { format: data.format, modelJson: data.modelJson, weights: own(data.weights) };
  await transact('readwrite', where, url, (tx) => {
    tx.objectStore(DATA_STORE).put({ name, data: value });
    tx.objectStore(INFO_STORE).put({ name, info });
    return () => undefined;
  });
  return info;
}

/** Reads the entry 'indexeddb://name'; a missing name is an error that lists the stored ones. */
export async function loadFromStorage(url: string, where: string): Promise<StoredData> {
  if (storageScheme(url) === 'downloads') fail(where, `'${url}' is for saving (a download); load the downloaded files as File objects`);
  const name = entryName(url, where);
  const [row, names] = await transact('readonly', where, url, (tx) => {
    const got = request(tx.objectStore(DATA_STORE).get(name));
    const keys = request(tx.objectStore(INFO_STORE).getAllKeys());
    return () => [got() as { data: Record<string, unknown> } | undefined, keys() as string[]] as const;
  });
  if (!row) fail(where, `no model stored as '${url}' (${names.length ? `stored: ${names.map((n) => `'${n}'`).join(', ')}` : 'IndexedDB holds none'})`);
  const d = row!.data;
  return d.format === 'safetensors'
    ? { format: 'safetensors', bytes: new Uint8Array(d.bytes as ArrayBuffer) }
    : { format: 'layers-model', modelJson: d.modelJson as object, weights: new Uint8Array(d.weights as ArrayBuffer) };
}

/** Every model stored in IndexedDB, by its address ('indexeddb://name'), like TF.js's tf.io.listModels(). */
export async function listModels(): Promise<Record<string, StoredModelInfo>> {
  const rows = await transact('readonly', 'listModels', INDEXEDDB_SCHEME, (tx) =>
    request(tx.objectStore(INFO_STORE).getAll() as IDBRequest<{ name: string; info: StoredModelInfo }[]>));
  return Object.fromEntries(rows.map((r) => [INDEXEDDB_SCHEME + r.name, r.info]));
}

/** Deletes the stored model at 'indexeddb://name' and returns what it was, like TF.js's
 *  tf.io.removeModel(); a name that is not stored is an error (nothing is deleted). */
export async function removeModel(url: string): Promise<StoredModelInfo> {
  const where = `removeModel('${url}')`;
  const name = entryName(url, where);
  const info = await transact('readwrite', where, url, (tx) => {
    let found: StoredModelInfo | undefined;
    const req = tx.objectStore(INFO_STORE).get(name) as IDBRequest<{ info: StoredModelInfo } | undefined>;
    // Delete only once the entry is known to exist, in the same transaction.
    req.onsuccess = () => {
      found = req.result?.info;
      if (!found) return;
      tx.objectStore(DATA_STORE).delete(name);
      tx.objectStore(INFO_STORE).delete(name);
    };
    return () => found;
  });
  return info ?? fail(where, `no model stored as '${url}'`);
}

/** The files a 'downloads://name' save offers: TF.js's names for a layers model (name.json, whose
 *  manifest points at name.weights.bin), name.safetensors for weights. Default name: 'model'. */
export function downloadFiles(url: string, data: StoredData): { name: string; bytes: Uint8Array; type: string }[] {
  const base = url.slice(DOWNLOADS_SCHEME.length).replace(/\.(json|safetensors)$/i, '') || 'model';
  if (data.format === 'safetensors') return [{ name: `${base}.safetensors`, bytes: data.bytes, type: 'application/octet-stream' }];
  const weightsName = `${base}.weights.bin`;
  const json = data.modelJson as { weightsManifest?: { paths: string[]; weights: unknown[] }[] };
  // One shard: the manifest's single group points at it (TF.js's browserDownloads does the same).
  const manifest = (json.weightsManifest ?? []).map((g, i) => ({ ...g, paths: i === 0 ? [`./${weightsName}`] : [] }));
  const text = JSON.stringify({ ...json, weightsManifest: manifest });
  return [
    { name: `${base}.json`, bytes: new TextEncoder().encode(text), type: 'application/json' },
    { name: weightsName, bytes: data.weights, type: 'application/octet-stream' },
  ];
}

function download(url: string, data: StoredData, where: string): void {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) fail(where, `'${url}' needs a browser page to download from (no document here); in Node save to a file path`);
  for (const f of downloadFiles(url, data)) {
    const href = URL.createObjectURL(new Blob([own(f.bytes)], { type: f.type }));
    const a = doc!.createElement('a');
    a.href = href;
    a.download = f.name;
    a.style.display = 'none';
    doc!.body.append(a);
    a.click();
    a.remove();
    // The click only starts the download: revoking at once can cancel it in some browsers.
    setTimeout(() => URL.revokeObjectURL(href), 60_000);
  }
}
