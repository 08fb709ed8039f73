/**
 * The `repo_map` tool: a compact outline of the C code under a folder (functions with their
 * signatures, prototypes, structs, unions, enums, typedefs and macros, each with its line),
 * parsed with tree-sitter (web-tree-sitter + tree-sitter-c, WebAssembly, so nothing native).
 * Files that do not parse cleanly are still mapped as far as the parser got.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Node as SyntaxNode, Parser as TreeSitterParser } from 'web-tree-sitter';
import { z } from 'zod';
import { defineTool, ok, ToolError } from './define';
import { SKIPPED_DIRS } from './files';
import { relativeToRoot, resolveInWorktree } from './sandbox';

export type MapEntryKind = 'function' | 'prototype' | 'struct' | 'union' | 'enum' | 'typedef' | 'macro';

export interface MapEntry {
  /** 1-based line where the item starts. */
  line: number;
  kind: MapEntryKind;
  name: string;
  /** One line of C: the signature, the type with its members, or the macro. */
  text: string;
}

export interface FileMap {
  /** Relative to the worktree root. */
  file: string;
  entries: MapEntry[];
  /** The parser met syntax it could not read; the entries are what it recognized. */
  parseErrors: boolean;
}

/** The WebAssembly files repo_map loads, and the npm packages that ship them. */
export const TREE_SITTER_WASM = [
  { file: 'web-tree-sitter.wasm', pkg: 'web-tree-sitter' },
  { file: 'tree-sitter-c.wasm', pkg: 'tree-sitter-c' },
] as const;

const MAX_FILES = 2_000;
const MAX_FILE_BYTES = 512 * 1024;
const MAX_ITEM_TEXT = 160;

export const repoMapTool = defineTool({
  name: 'repo_map',
  description:
    'Outline the C code (.c and .h files) under a folder or of one file: function signatures and prototypes, ' +
    'structs, unions, enums, typedefs and macros, with line numbers. Use it to find where things are before reading files.',
  effect: 'read',
  timeoutMs: 60_000,
  input: z.strictObject({
    path: z.string().default('.').describe('folder or file relative to the worktree root, e.g. "kernels/include" (default: everything)'),
    max_bytes: z.int().min(1_000).max(100_000).default(24_000).describe('size limit of the answer (default 24000)'),
  }),
  async run(input, ctx) {
    const abs = resolveInWorktree(ctx.root, input.path);
    if (!existsSync(abs)) throw new ToolError(`${input.path} does not exist: list_dir shows what is there`);
    const maps = await mapCFiles(ctx.root, abs);
    if (maps.length === 0) return ok(`no .c or .h files under ${relativeToRoot(ctx.root, abs)}`, maps);
    return ok(renderMaps(maps, input.max_bytes), maps);
  },
});

/** Maps every .c/.h file at or under `abs` (inside `root`), in path order. */
export async function mapCFiles(root: string, abs: string): Promise<FileMap[]> {
  const files = statSync(abs).isDirectory() ? findCFiles(abs) : [abs];
  const parser = await cParser();
  const maps: FileMap[] = [];
  for (const file of files) {
    if (statSync(file).size > MAX_FILE_BYTES) continue;
    maps.push(mapSource(relativeToRoot(root, file), readFileSync(file, 'utf8'), parser));
  }
  return maps;
}

/** The outline of one C source text. */
export function mapSource(file: string, source: string, parser: TreeSitterParser): FileMap {
  const tree = parser.parse(source);
  if (!tree) return { file, entries: [], parseErrors: true };
  try {
    const entries: MapEntry[] = [];
    collect(tree.rootNode, entries);
    return { file, entries, parseErrors: tree.rootNode.hasError };
  } finally {
    tree.delete();
  }
}

/**
 * Renders the maps within `maxBytes`: when everything does not fit, fewer entries per file are
 * shown (with a count of the rest), then fewer files.
 */
export function renderMaps(maps: FileMap[], maxBytes: number): string {
  for (const perFile of [Infinity, 40, 15, 5]) {
    const text = maps.map((m) => renderFile(m, perFile)).join('\n');
    if (Buffer.byteLength(text) <= maxBytes) return text;
  }
  const out: string[] = [];
  let bytes = 0;
  for (const [i, map] of maps.entries()) {
    const text = renderFile(map, 5);
    if (bytes + Buffer.byteLength(text) + 200 > maxBytes) {
      out.push(`[... ${maps.length - i} more files not shown: map a subfolder, e.g. repo_map with path "${parentOf(map.file)}"]`);
      break;
    }
    out.push(text);
    bytes += Buffer.byteLength(text) + 1;
  }
  return out.join('\n');
}

/** What a capped file shows first: code and types before object-like macros. */
const PRIORITY: Record<MapEntryKind, number> = {
  function: 0, prototype: 0, struct: 0, union: 0, enum: 0, typedef: 0, macro: 1,
};

function renderFile(map: FileMap, perFile: number): string {
  const head = `${map.file}${map.parseErrors ? ' (has syntax errors; partial map)' : ''}`;
  const kept = new Set(
    [...map.entries].sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || a.line - b.line).slice(0, perFile),
  );
  const shown = map.entries.filter((e) => kept.has(e)).map((e) => `  ${e.line}: ${e.text}`);
  const rest = map.entries.length - shown.length;
  if (rest > 0) shown.push(`  [... ${rest} more: repo_map with path "${map.file}"]`);
  if (map.entries.length === 0) shown.push('  (no declarations)');
  return [head, ...shown].join('\n');
}

function parentOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i === -1 ? '.' : file.slice(0, i);
}

function findCFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (out.length >= MAX_FILES) return;
      if (entry.name.startsWith('.') || entry.isSymbolicLink()) continue;
      const full = join(d, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (entry.isFile() && /\.[ch]$/.test(entry.name)) {
        out.push(full);
      }
    }
  };
  walk(dir);
  return out;
}

/** Nodes whose children are top-level items too (conditional blocks, extern "C", and parse errors). */
const CONTAINERS = new Set([
  'translation_unit', 'ERROR', 'preproc_ifdef', 'preproc_if', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'linkage_specification', 'declaration_list',
]);

function collect(node: SyntaxNode, out: MapEntry[]): void {
  for (const child of node.namedChildren) {
    if (!child) continue;
    if (CONTAINERS.has(child.type)) {
      collect(child, out);
      continue;
    }
    const entry = entryFor(child, node);
    if (entry) out.push(entry);
    // `struct s { ... } x;` declares a type inside a declaration.
    if (child.type === 'declaration') {
      const type = child.childForFieldName('type');
      const inner = type && entryFor(type, child);
      if (inner && !entry) out.push(inner);
    }
  }
}

function entryFor(node: SyntaxNode, parent: SyntaxNode): MapEntry | undefined {
  const line = node.startPosition.row + 1;
  switch (node.type) {
    case 'function_definition': {
      const body = node.childForFieldName('body');
      const signature = oneLine(node.text.slice(0, body ? body.startIndex - node.startIndex : undefined));
      return { line, kind: 'function', name: declaredName(node), text: clip(signature) };
    }
    case 'declaration': {
      if (!hasFunctionDeclarator(node)) return undefined;
      return { line, kind: 'prototype', name: declaredName(node), text: clip(oneLine(node.text)) };
    }
    case 'struct_specifier':
    case 'union_specifier':
    case 'enum_specifier': {
      const body = node.childForFieldName('body');
      if (!body) return undefined;
      const kind = node.type.replace('_specifier', '') as 'struct' | 'union' | 'enum';
      const name = node.childForFieldName('name')?.text ?? '(anonymous)';
      return { line, kind, name, text: describeAggregate(node) };
    }
    case 'type_definition': {
      const type = node.childForFieldName('type');
      const declarators = node.childrenForFieldName('declarator').filter((d): d is SyntaxNode => d !== null);
      const names = declarators.map((d) => oneLine(d.text)).join(', ');
      const typeText = type?.childForFieldName('body') ? describeAggregate(type) : oneLine(type?.text ?? '');
      return { line, kind: 'typedef', name: declarators.map(identifierIn).join(', '), text: clip(`typedef ${typeText} ${names}`) };
    }
    case 'preproc_def': {
      const name = node.childForFieldName('name')?.text ?? '';
      const value = node.childForFieldName('value');
      // Include guards (#ifndef X_H / #define X_H) say nothing.
      if (!value && parent.type === 'preproc_ifdef' && parent.childForFieldName('name')?.text === name) return undefined;
      return { line, kind: 'macro', name, text: clip(`#define ${name}${value ? ` ${oneLine(value.text)}` : ''}`, 100) };
    }
    case 'preproc_function_def': {
      const name = node.childForFieldName('name')?.text ?? '';
      const params = node.childForFieldName('parameters')?.text ?? '()';
      return { line, kind: 'macro', name, text: `#define ${name}${oneLine(params)}` };
    }
    default:
      return undefined;
  }
}

/** `struct foo { int a; char *b; }`, or its member names when that is too long. */
function describeAggregate(node: SyntaxNode): string {
  const keyword = node.type.replace('_specifier', '');
  const name = node.childForFieldName('name')?.text;
  const body = node.childForFieldName('body');
  const members = (body?.namedChildren ?? []).filter((c): c is SyntaxNode => c !== null && c.type !== 'comment');
  const head = name ? `${keyword} ${name}` : keyword;
  const full = `${head} { ${members.map((m) => oneLine(m.text)).join(keyword === 'enum' ? ', ' : ' ')} }`;
  if (full.length <= MAX_ITEM_TEXT) return full;
  const names = members.map((m) => (keyword === 'enum' ? (m.childForFieldName('name')?.text ?? '?') : identifierIn(m)));
  const listed = clip(names.join(', '), MAX_ITEM_TEXT - head.length - 20);
  return `${head} { ${listed} } (${members.length} ${keyword === 'enum' ? 'values' : 'members'})`;
}

function hasFunctionDeclarator(node: SyntaxNode): boolean {
  return node.childrenForFieldName('declarator').some((d) => {
    let current: SyntaxNode | null = d;
    while (current) {
      if (current.type === 'function_declarator') return true;
      if (current.type === 'init_declarator') return false;
      current = current.childForFieldName('declarator');
    }
    return false;
  });
}

/** The name a definition or declaration declares: the innermost identifier of its declarator. */
function declaredName(node: SyntaxNode): string {
  const declarator = node.childForFieldName('declarator');
  return declarator ? identifierIn(declarator) : '';
}

function identifierIn(node: SyntaxNode): string {
  if (['identifier', 'type_identifier', 'field_identifier'].includes(node.type)) return node.text;
  const inner = node.childForFieldName('declarator');
  if (inner) return identifierIn(inner);
  for (const child of node.namedChildren) {
    if (!child) continue;
    const name = identifierIn(child);
    if (name) return name;
  }
  return '';
}

function oneLine(text: string): string {
  return text.replace(/\\\r?\n/g, ' ').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ').replace(/\s+/g, ' ').trim();
}

function clip(text: string, max = MAX_ITEM_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

let parserPromise: Promise<TreeSitterParser> | undefined;

/**
 * The C parser, initialised once on first use (the WebAssembly runtime and grammar are loaded
 * lazily so that nothing pays for them until repo_map runs).
 */
export function cParser(): Promise<TreeSitterParser> {
  parserPromise ??= loadCParser().catch((error: unknown) => {
    parserPromise = undefined;
    throw error;
  });
  return parserPromise;
}

async function loadCParser(): Promise<TreeSitterParser> {
  const runtime = locateWasm('web-tree-sitter.wasm');
  const grammar = locateWasm('tree-sitter-c.wasm');
  // require, not import(): bundlers then take the package's CommonJS build, which finds its
  // place with __dirname; its ES module build needs import.meta.url, which a CJS bundle lacks.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Parser, Language } = require('web-tree-sitter') as typeof import('web-tree-sitter');
  await Parser.init({ locateFile: () => runtime });
  const parser = new Parser();
  parser.setLanguage(await Language.load(grammar));
  return parser;
}

/**
 * Finds a tree-sitter WebAssembly file: next to this code (dist/, where the build copies them)
 * or in its npm package (running from source).
 */
export function locateWasm(file: (typeof TREE_SITTER_WASM)[number]['file']): string {
  const pkg = TREE_SITTER_WASM.find((w) => w.file === file)?.pkg ?? '';
  const beside = join(__dirname, file);
  if (existsSync(beside)) return beside;
  try {
    return require.resolve(`${pkg}/${file}`);
  } catch {
    throw new ToolError(
      `repo_map cannot find ${file}: it is neither beside the code (${beside}) nor in the npm package ${pkg}. ` +
        'From source, run `npm ci`; for dist/, `npm run build` copies it there',
    );
  }
}
