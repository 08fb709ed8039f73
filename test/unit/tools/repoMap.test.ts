import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { runTool } from '../../../src/tools/registry';
import { cParser, locateWasm, mapCFiles, mapSource, renderMaps, TREE_SITTER_WASM, type FileMap } from '../../../src/tools/repoMap';
import { context, makeRepo, removeDir, scratchDir } from './helpers';

const HEADER = `#ifndef MM_H
#define MM_H
#include <stdint.h>

#define PAGE_SIZE 4096
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((a) - 1))

typedef uint64_t paddr_t;

struct frame {
    paddr_t base;
    struct frame *next;
};

typedef struct zone {
    int id;
} zone_t;

enum frame_state { FRAME_FREE, FRAME_USED };

union word { uint64_t u; void *p; };

void *frame_alloc(void);
void frame_free(void *frame);
extern int frame_count;

#endif
`;

const SOURCE = `#include "mm.h"

static struct frame *free_list;

/* Hands out one frame. */
void *frame_alloc(void)
{
    struct frame *f = free_list;
    if (f) free_list = f->next;
    return f;
}

static inline int
add(int a,
    int b)
{
    return a + b;
}
`;

describe('repo_map tool', () => {
  let root: string;
  before(() => {
    root = makeRepo('repomap', {
      'kernels/include/mm.h': HEADER,
      'kernels/mm/frame.c': SOURCE,
      'kernels/mm/broken.c': 'int ok_before(void) { return 1; }\nvoid broken( { \nint ok_after(int x) { return x; }\n',
      'kernels/build/riscv64/gen.c': 'int generated(void) { return 0; }\n',
      'kernels/README.md': '# not C\n',
    });
  });
  after(() => removeDir(root));

  const entries = (map: FileMap | undefined) => (map?.entries ?? []).map((e) => `${e.line} ${e.kind} ${e.name}: ${e.text}`);

  it('finds macros, typedefs, structs, unions, enums and prototypes in a header (not its include guard)', async () => {
    const maps = await mapCFiles(root, join(root, 'kernels/include'));
    assert.equal(maps.length, 1);
    assert.equal(maps[0]?.parseErrors, false);
    assert.deepEqual(entries(maps[0]), [
      '5 macro PAGE_SIZE: #define PAGE_SIZE 4096',
      '6 macro ALIGN_UP: #define ALIGN_UP(x, a)',
      '8 typedef paddr_t: typedef uint64_t paddr_t',
      '10 struct frame: struct frame { paddr_t base; struct frame *next; }',
      '15 typedef zone_t: typedef struct zone { int id; } zone_t',
      '19 enum frame_state: enum frame_state { FRAME_FREE, FRAME_USED }',
      '21 union word: union word { uint64_t u; void *p; }',
      '23 prototype frame_alloc: void *frame_alloc(void);',
      '24 prototype frame_free: void frame_free(void *frame);',
    ]);
  });

  it('gives function definitions as one-line signatures with their first line', async () => {
    const maps = await mapCFiles(root, join(root, 'kernels/mm/frame.c'));
    assert.deepEqual(entries(maps[0]), [
      '6 function frame_alloc: void *frame_alloc(void)',
      '13 function add: static inline int add(int a, int b)',
    ]);
  });

  it('tolerates syntax errors and still maps what it can', async () => {
    const maps = await mapCFiles(root, join(root, 'kernels/mm/broken.c'));
    assert.equal(maps[0]?.parseErrors, true);
    const names = maps[0]?.entries.map((e) => e.name) ?? [];
    assert.ok(names.includes('ok_before'), names.join());
  });

  it('as a tool: maps a folder per file, skipping build/ and non-C files', async () => {
    const result = await runTool('repo_map', { path: 'kernels' }, context(root, 'manager'));
    assert.equal(result.ok, true, result.output);
    const files = result.output.split('\n').filter((l) => !l.startsWith(' '));
    assert.deepEqual(files, ['kernels/include/mm.h', 'kernels/mm/broken.c (has syntax errors; partial map)', 'kernels/mm/frame.c']);
    assert.match(result.output, /kernels\/mm\/frame\.c\n {2}6: void \*frame_alloc\(void\)\n {2}13: static inline int add\(int a, int b\)/);
    assert.doesNotMatch(result.output, /generated/);
    const none = await runTool('repo_map', { path: 'kernels/README.md' }, context(root));
    assert.equal(none.ok, true);
    const escape = await runTool('repo_map', { path: '../..' }, context(root));
    assert.equal(escape.ok, false);
  });

  it('fits big maps into the byte limit, code before macros, and says how to see the rest', async () => {
    const parser = await cParser();
    const big = Array.from({ length: 60 }, (_, i) => `#define CONST_${i} ${i}\nint function_${i}(int x) { return x; }`).join('\n');
    const maps = Array.from({ length: 30 }, (_, i) => mapSource(`kernels/gen/f${String(i).padStart(2, '0')}.c`, big, parser));
    const text = renderMaps(maps, 4_000);
    assert.ok(Buffer.byteLength(text) <= 4_000, String(Buffer.byteLength(text)));
    assert.match(text, /kernels\/gen\/f00\.c\n {2}2: int function_0\(int x\)/);
    assert.match(text, /\[\.\.\. 115 more: repo_map with path "kernels\/gen\/f00\.c"\]/);
    assert.match(text, /\[\.\.\. \d+ more files not shown: map a subfolder, e.g\. repo_map with path "kernels\/gen"\]$/);
  });

  it('parses the real kernel tree', async () => {
    const repo = resolve(__dirname, '../../..');
    const maps = await mapCFiles(repo, join(repo, 'kernels/include'));
    assert.ok(maps.length > 0);
    assert.ok(maps.some((m) => m.entries.some((e) => e.kind === 'prototype')));
  });

  it('finds its WebAssembly beside a bundle with no node_modules in reach (as in dist/)', async function () {
    this.timeout(60_000);
    const dir = scratchDir('repomap-bundle');
    try {
      const entry = join(dir, 'entry.ts');
      writeFileSync(entry, [
        `import { mapCFiles, renderMaps } from ${JSON.stringify(resolve(__dirname, '../../../src/tools/repoMap'))};`,
        `mapCFiles(${JSON.stringify(root)}, ${JSON.stringify(join(root, 'kernels/include/mm.h'))})`,
        '  .then((maps) => console.log(renderMaps(maps, 10000)))',
        '  .catch((error) => { console.error(String(error)); process.exit(1); });',
      ].join('\n'));
      await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: join(dir, 'out/bundle.js'), logLevel: 'error' });
      for (const { file } of TREE_SITTER_WASM) copyFileSync(locateWasm(file), join(dir, 'out', file));
      const output = execFileSync(process.execPath, [join(dir, 'out/bundle.js')], { cwd: dir, encoding: 'utf8' });
      assert.match(output, /^kernels\/include\/mm\.h\n {2}5: #define PAGE_SIZE 4096/);
    } finally {
      removeDir(dir);
    }
  });

  it('is shipped: esbuild.mjs copies each WebAssembly file into dist/ and .vscodeignore lets it into the .vsix', () => {
    const repo = resolve(__dirname, '../../..');
    const build = readFileSync(join(repo, 'esbuild.mjs'), 'utf8');
    const ignore = readFileSync(join(repo, '.vscodeignore'), 'utf8').split('\n');
    for (const { file, pkg } of TREE_SITTER_WASM) {
      assert.ok(build.includes(`node_modules/${pkg}/${file}`), `esbuild.mjs copies ${file}`);
      assert.ok(ignore.includes(`!dist/${file}`), `.vscodeignore ships dist/${file}`);
    }
  });
});
