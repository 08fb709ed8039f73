import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { which } from '../../../src/kernel/toolchain';
import { runTool } from '../../../src/tools/registry';
import { globToRegExp, searchFiles, type SearchQuery } from '../../../src/tools/search';
import { context, makeRepo, removeDir, scratchDir, writeFiles } from './helpers';

describe('search tool', () => {
  let root: string;
  let outside: string;
  before(() => {
    root = makeRepo('search', {
      'kernels/core/main.c': 'void kmain(void)\n{\n    printk("AUTON boot\\n");\n}\n',
      'kernels/mm/frame.c': '/* frames */\nvoid *frame_alloc(void);\nint frame_count = 0;\n',
      'kernels/include/mm.h': 'void *frame_alloc(void);\n#define PAGE_SIZE 4096\n',
      'kernels/build/riscv64/gen.c': 'void frame_alloc_generated(void);\n',
      'notes/many.txt': Array.from({ length: 30 }, (_, i) => `hit ${i}`).join('\n'),
      'odd.txt': 'a.b and aXb\n',
    });
    outside = scratchDir('search-outside');
    writeFiles(outside, { 'secret.c': 'void frame_alloc(void);\n' });
    symlinkSync(outside, join(root, 'outdir'));
  });
  after(() => {
    removeDir(root);
    removeDir(outside);
  });

  const query = (over: Partial<SearchQuery>): SearchQuery => ({ pattern: 'x', literal: false, caseSensitive: true, maxResults: 100, ...over });
  const engines: ('js' | 'rg')[] = which('rg') ? ['js', 'rg'] : ['js'];

  it('has ripgrep on this machine (scripts/setup.sh installs it), so both engines are tested', () => {
    assert.ok(which('rg'), 'rg not on PATH: install ripgrep');
  });

  for (const engine of engines) {
    describe(`engine ${engine}`, () => {
      it('finds a regular expression as file:line:text, skipping build/ and symlinked folders', async () => {
        const result = await searchFiles(root, root, query({ pattern: 'frame_alloc\\(' }), engine);
        assert.equal(result.engine, engine);
        assert.deepEqual(result.hits, [
          { file: 'kernels/include/mm.h', line: 1, text: 'void *frame_alloc(void);' },
          { file: 'kernels/mm/frame.c', line: 2, text: 'void *frame_alloc(void);' },
        ]);
      });

      it('matches literal text, ignores case on request, and filters by glob', async () => {
        const literal = await searchFiles(root, root, query({ pattern: 'a.b', literal: true }), engine);
        assert.deepEqual(literal.hits.map((h) => h.file), ['odd.txt']);
        const insensitive = await searchFiles(root, root, query({ pattern: 'auton BOOT', caseSensitive: false }), engine);
        assert.deepEqual(insensitive.hits.map((h) => `${h.file}:${h.line}`), ['kernels/core/main.c:3']);
        const headers = await searchFiles(root, root, query({ pattern: 'frame_alloc', glob: '*.h' }), engine);
        assert.deepEqual(headers.hits.map((h) => h.file), ['kernels/include/mm.h']);
        const deep = await searchFiles(root, root, query({ pattern: 'frame', glob: 'kernels/mm/**' }), engine);
        assert.deepEqual([...new Set(deep.hits.map((h) => h.file))], ['kernels/mm/frame.c']);
      });

      it('searches one folder, stops at max results and says so', async () => {
        const inMm = await searchFiles(root, join(root, 'kernels/mm'), query({ pattern: 'frame' }), engine);
        assert.ok(inMm.hits.every((h) => h.file === 'kernels/mm/frame.c'));
        const capped = await searchFiles(root, root, query({ pattern: '^hit', maxResults: 5 }), engine);
        assert.equal(capped.hits.length, 5);
        assert.equal(capped.truncated, true);
      });

      it('reports an invalid regular expression', async () => {
        await assert.rejects(searchFiles(root, root, query({ pattern: '(unclosed' }), engine), /search failed/);
      });
    });
  }

  it('as a tool: answers file:line:text, notes a cut, refuses paths outside, and explains bad regexes', async () => {
    const ctx = context(root);
    const result = await runTool('search', { pattern: 'PAGE_SIZE' }, ctx);
    assert.equal(result.ok, true, result.output);
    assert.equal(result.output, 'kernels/include/mm.h:2:#define PAGE_SIZE 4096');
    const capped = await runTool('search', { pattern: 'hit', max_results: 3 }, ctx);
    assert.match(capped.output, /\[more matches not shown: narrow path or glob, or raise max_results \(now 3\)\]$/);
    assert.match((await runTool('search', { pattern: 'nothing-like-this' }, ctx)).output, /^no match for "nothing-like-this" in \.$/);
    const escape = await runTool('search', { pattern: 'frame', path: 'outdir' }, ctx);
    assert.equal(escape.ok, false);
    assert.match(escape.output, /symbolic link that points outside/);
    const bad = await runTool('search', { pattern: '(' }, ctx);
    assert.equal(bad.ok, false);
    assert.match(bad.output, /search failed/);
  });

  it('turns globs into anchored regular expressions', () => {
    assert.ok(globToRegExp('*.c').test('main.c'));
    assert.ok(!globToRegExp('*.c').test('dir/main.c'));
    assert.ok(globToRegExp('kernels/**/*.h').test('kernels/include/mm.h'));
    assert.ok(globToRegExp('kernels/**/*.h').test('kernels/mm.h'));
    assert.ok(globToRegExp('*.{c,h}').test('x.h'));
    assert.ok(globToRegExp('file?.[ch]').test('file1.c'));
    assert.ok(!globToRegExp('file?.[ch]').test('file1.s'));
  });
});
