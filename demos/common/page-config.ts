// A demo page's configuration: the demo's defaults, overridden by the URL query (?steps=30&hidden=8)
// and by the page's form. Values are typed by the demo's OptionSpec (else by the default's type);
// option names may be kebab-case (`batch-size` sets `batchSize`).
import type { Demo, OptionSpec } from './demo.js';

/** Query keys the page itself uses, never passed to the demo. */
export const PAGE_KEYS = new Set(['autostart']);

/** One editable field: the config key, its type, and the help text. */
export interface Field {
  key: string;
  type: OptionSpec['type'];
  help: string;
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The config key an option or query name refers to, or null when the demo has no such setting. */
export function configKey(demo: Demo<Record<string, unknown>>, name: string): string | null {
  if (name in demo.defaults) return name;
  if (camel(name) in demo.defaults) return camel(name);
  return demo.options.some((o) => o.name === name) ? name : null;
}

/** The demo's settings as form fields: its documented options, then any other default. */
export function fieldsOf(demo: Demo<Record<string, unknown>>): Field[] {
  const fields = new Map<string, Field>();
  for (const o of demo.options) {
    const key = configKey(demo, o.name) ?? o.name;
    fields.set(key, { key, type: o.type, help: o.help });
  }
  for (const [key, v] of Object.entries(demo.defaults)) {
    if (fields.has(key)) continue;
    const type = typeof v;
    if (type === 'number' || type === 'string' || type === 'boolean') fields.set(key, { key, type, help: '' });
  }
  return [...fields.values()];
}

/** Parses one text value as `type`; throws a message naming the setting. */
export function parseValue(key: string, type: OptionSpec['type'], text: string): number | string | boolean {
  if (type === 'number') {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) throw new Error(`option '${key}' must be a number, got ${JSON.stringify(text)}`);
    return v;
  }
  if (type === 'boolean') {
    const t = text.trim().toLowerCase();
    if (['', '1', 'true', 'yes', 'on'].includes(t)) return true;
    if (['0', 'false', 'no', 'off'].includes(t)) return false;
    throw new Error(`option '${key}' must be true or false, got ${JSON.stringify(text)}`);
  }
  return text;
}

/** The defaults with the page's fixed overrides and then the query applied; unknown query keys are errors. */
export function configFromQuery<C extends Record<string, unknown>>(demo: Demo<C>, search: string, overrides: Partial<C> = {}): C {
  const d = demo as unknown as Demo<Record<string, unknown>>;
  const config: Record<string, unknown> = { ...demo.defaults, ...overrides };
  const fields = new Map(fieldsOf(d).map((f) => [f.key, f]));
  for (const [name, text] of new URLSearchParams(search)) {
    if (PAGE_KEYS.has(name)) continue;
    const key = configKey(d, name);
    const field = key === null ? undefined : fields.get(key);
    if (!key || !field) {
      const known = [...fields.keys(), ...PAGE_KEYS].join(', ');
      throw new Error(`unknown URL option '${name}' for ${demo.name}; known: ${known}`);
    }
    config[key] = parseValue(key, field.type, text);
  }
  return config as C;
}
