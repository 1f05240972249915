// The API reference, docs/api/*.md, from the JSDoc of everything src/index.ts exports (TypeDoc
// reads the code; this script writes Markdown, which reads well on GitHub and in review).
// `npm run docs` (node scripts/api-docs.mjs) rewrites the files. With --check it writes nothing and
// exits 1 when an export has no doc comment (TypeDoc's validation.notDocumented, typedoc.json) or
// when the committed files differ from what the code gives now.
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Comment, ReflectionKind, TSConfigReader, TypeDocReader } from 'typedoc';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(root, 'docs/api');

/** The reflection's summary as one Markdown paragraph ('' when it has none). */
function summary(r) {
  const c = r.comment ?? r.signatures?.[0]?.comment ?? r.getSignature?.comment;
  return c ? Comment.combineDisplayParts(c.summary).trim() : '';
}

function params(sig) {
  return (sig.parameters ?? []).map((p) => {
    const rest = p.flags.isRest ? '...' : '';
    const opt = p.flags.isOptional || p.defaultValue !== undefined ? '?' : '';
    return `${rest}${p.name}${opt}: ${p.type}`;
  }).join(', ');
}

const signature = (name, sig) => `${name}${sig.typeParameters ? `<${sig.typeParameters.map((t) => t.name).join(', ')}>` : ''}(${params(sig)}): ${sig.type}`;
const code = (text) => ['```ts', text, '```'];

/** A member list entry: the code line, then the summary. */
function entry(codeText, r) {
  const s = summary(r);
  return [`- \`${codeText.replace(/`/g, "'")}\`${s ? `  \n  ${s.replace(/\n/g, ' ')}` : ''}`];
}

function members(r) {
  const out = [];
  const own = (r.children ?? []).filter((c) => !c.inheritedFrom && !c.flags.isPrivate && !c.flags.isProtected);
  for (const c of own) {
    if (c.kindOf(ReflectionKind.Constructor)) {
      for (const s of c.signatures ?? []) out.push(...entry(`new ${r.name}(${params(s)})`, s));
    } else if (c.kindOf(ReflectionKind.Property)) {
      out.push(...entry(`${c.flags.isReadonly ? 'readonly ' : ''}${c.name}${c.flags.isOptional ? '?' : ''}: ${c.type}`, c));
    } else if (c.kindOf(ReflectionKind.Accessor)) {
      const type = c.getSignature?.type ?? c.setSignature?.parameters?.[0]?.type;
      out.push(...entry(`${c.setSignature ? '' : 'readonly '}${c.name}: ${type}`, c));
    } else if (c.kindOf(ReflectionKind.Method)) {
      for (const s of c.signatures ?? []) out.push(...entry(`${c.flags.isStatic ? 'static ' : ''}${signature(c.name, s)}`, s));
    }
  }
  return out;
}

/** The Markdown of one declaration, headed at `depth`. */
function declaration(r, prefix, depth) {
  const h = '#'.repeat(depth);
  const name = `${prefix}${r.name}`;
  const out = [`${h} ${name}`, ''];
  if (r.kindOf(ReflectionKind.Function)) {
    for (const s of r.signatures ?? []) out.push(...code(signature(name, s)), '', summary(s), '');
    return out;
  }
  if (r.kindOf(ReflectionKind.Class | ReflectionKind.Interface)) {
    const kind = r.kindOf(ReflectionKind.Class) ? `${r.flags.isAbstract ? 'abstract ' : ''}class` : 'interface';
    const ext = r.extendedTypes?.length ? ` extends ${r.extendedTypes.join(', ')}` : '';
    out.push(...code(`${kind} ${r.name}${ext}`), '', summary(r), '', ...members(r), '');
    return out;
  }
  if (r.kindOf(ReflectionKind.TypeAlias)) {
    out.push(...code(`type ${r.name} = ${r.type}`), '', summary(r), '');
    return out;
  }
  if (r.kindOf(ReflectionKind.Variable)) {
    const fn = r.type?.type === 'reflection' ? r.type.declaration : null;
    if (fn?.signatures) {
      for (const s of fn.signatures) out.push(...code(signature(name, s)), '', summary(r) || summary(s), '');
    } else if (fn?.children) {
      out.push(summary(r), '');
      for (const c of fn.children) {
        const sigs = c.type?.type === 'reflection' ? c.type.declaration.signatures ?? [] : [];
        for (const s of sigs) out.push(...entry(signature(`${r.name}.${c.name}`, s), c));
      }
      out.push('');
    } else {
      out.push(...code(`const ${r.name}: ${r.type}`), '', summary(r), '');
    }
    return out;
  }
  return [];
}

const SECTIONS = [
  ['Functions', ReflectionKind.Function | ReflectionKind.Variable],
  ['Classes', ReflectionKind.Class],
  ['Interfaces', ReflectionKind.Interface],
  ['Types', ReflectionKind.TypeAlias],
];

/** One Markdown page: a title, an index of names, then every declaration by kind. */
function page(title, intro, children, prefix) {
  const out = [`# ${title}`, '', intro, ''];
  for (const [section, kind] of SECTIONS) {
    const list = children.filter((c) => c.kindOf(kind));
    if (list.length === 0) continue;
    out.push(`## ${section}`, '');
    for (const c of list) out.push(...declaration(c, prefix, 3));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

async function render() {
  const app = await Application.bootstrapWithPlugins({}, [new TypeDocReader(), new TSConfigReader()]);
  const project = await app.convert();
  if (!project) throw new Error('api-docs: TypeDoc could not convert src/index.ts');
  // `export const { add, … } = ops` in src/index.ts: a destructured name cannot carry a comment of
  // its own, so it takes the one on its `ops` member (one place for each op's text).
  const opsMembers = project.getChildByName('ops')?.type?.declaration?.children ?? [];
  for (const r of project.children ?? []) {
    const source = opsMembers.find((m) => m.name === r.name);
    if (r.kindOf(ReflectionKind.Variable) && !r.comment && source?.comment) r.comment = source.comment.clone();
  }
  app.validate(project);
  const undocumented = app.logger.validationWarningCount;
  const top = project.children.filter((c) => !c.kindOf(ReflectionKind.Namespace));
  const spaces = project.children.filter((c) => c.kindOf(ReflectionKind.Namespace));
  const note = 'Generated by `npm run docs` (scripts/api-docs.mjs) from the doc comments in src/; do not edit by hand.';
  const files = {
    'README.md': page('webrnn API', `Everything \`import … from 'webrnn'\` gives, besides the namespaces ${spaces.map((s) => `[\`${s.name}\`](${s.name}.md)`).join(' and ')}. ${note}`, top, ''),
  };
  for (const s of spaces) {
    files[`${s.name}.md`] = page(`webrnn.${s.name}`, `${summary(s) || `The \`${s.name}\` namespace.`} Back to [the index](README.md). ${note}`, s.children ?? [], `${s.name}.`);
  }
  return { files, undocumented };
}

const check = process.argv.includes('--check');
const { files, undocumented } = await render();
if (undocumented > 0) {
  console.error(`api-docs: ${undocumented} TypeDoc validation warning(s), listed above: every export of src/index.ts needs a doc comment, and every {@link} must resolve`);
  process.exit(1);
}
if (check) {
  const stale = Object.entries(files).filter(([f, text]) => !existsSync(join(OUT, f)) || readFileSync(join(OUT, f), 'utf8') !== text);
  const extra = existsSync(OUT) ? readdirSync(OUT).filter((f) => !(f in files)) : [];
  if (stale.length || extra.length) {
    console.error(`api-docs: docs/api is out of date (${[...stale.map(([f]) => f), ...extra].join(', ')}): run \`npm run docs\``);
    process.exit(1);
  }
  console.log(`api-docs: docs/api is up to date (${Object.keys(files).length} files)`);
} else {
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (!(f in files)) rmSync(join(OUT, f));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(OUT, f), text);
  console.log(`api-docs: wrote ${Object.keys(files).map((f) => `docs/api/${f}`).join(', ')}`);
}
