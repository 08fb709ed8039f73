import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../../../src/tools/registry';
import type { EditRecord } from '../../../src/tools/types';
import { context, makeRepo, removeDir, scratchDir } from './helpers';

const MAIN_C = [
  '#include "kernel.h"',
  '',
  'void kmain(void)',
  '{',
  '    console_init();',
  '    printk("hello\\n");',
  '    halt();',
  '}',
  '',
].join('\n');

describe('file tools', () => {
  let root: string;
  let outside: string;
  before(() => {
    root = makeRepo('files', {
      'kernels/core/main.c': MAIN_C,
      'kernels/core/dup.c': 'x = 1;\ny = 2;\nx = 1;\n',
      'kernels/build/riscv64/kernel.elf': 'binary',
      'kernels/blob.bin': 'ab\0cd',
      'README.md': '# hi\n',
    });
    outside = scratchDir('files-outside');
    writeFileSync(join(outside, 'secret.txt'), 'secret\n');
    symlinkSync('/', join(root, 'toroot'));
    symlinkSync(outside, join(root, 'outdir'));
  });
  after(() => {
    removeDir(root);
    removeDir(outside);
  });

  describe('hostile paths', () => {
    const hostile = [
      ['../../etc/passwd', /leaves the worktree/],
      ['/etc/passwd', /outside the worktree/],
      ['toroot/etc/passwd', /symbolic link that points outside/],
      ['outdir/secret.txt', /symbolic link that points outside/],
      ['outdir/new.c', /symbolic link that points outside/],
      ['.git/config', /inside \.git\//],
      ['kernels/core/main.c\0', /NUL byte/],
    ] as const;

    for (const [path, message] of hostile) {
      it(`every file tool refuses ${JSON.stringify(path)}`, async () => {
        const ctx = context(root);
        for (const [tool, input] of [
          ['read_file', { path }],
          ['write_file', { path, content: 'pwned\n' }],
          ['replace_in_file', { path, search: 'secret', replace: 'pwned' }],
          ['delete_file', { path }],
          ['list_dir', { path }],
        ] as const) {
          const result = await runTool(tool, input, ctx);
          assert.equal(result.ok, false, `${tool} ${path}: ${result.output}`);
          assert.match(result.output, message, `${tool}: ${result.output}`);
        }
        assert.deepEqual(ctx.edits, []);
      });
    }

    it('left everything outside the worktree as it was', () => {
      assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'secret\n');
      assert.ok(!existsSync(join(outside, 'new.c')));
      assert.ok(existsSync(join(root, 'toroot')));
    });
  });

  describe('read_file', () => {
    it('shows numbered lines with a header', async () => {
      const result = await runTool('read_file', { path: 'kernels/core/main.c' }, context(root));
      assert.equal(result.ok, true, result.output);
      const lines = result.output.split('\n');
      assert.equal(lines[0], 'kernels/core/main.c (lines 1-8 of 8)');
      assert.equal(lines[3], '3\tvoid kmain(void)');
    });

    it('reads a range and says how to get the rest', async () => {
      const result = await runTool('read_file', { path: 'kernels/core/main.c', start_line: 3, end_line: 4 }, context(root));
      assert.equal(result.output, 'kernels/core/main.c (lines 3-4 of 8)\n3\tvoid kmain(void)\n4\t{\n[lines 5-8 not shown: call read_file with start_line 5]');
    });

    it('explains missing files, folders, binaries and ranges past the end', async () => {
      const ctx = context(root);
      assert.match((await runTool('read_file', { path: 'nope.c' }, ctx)).output, /nope\.c does not exist: use list_dir or search/);
      assert.match((await runTool('read_file', { path: 'kernels' }, ctx)).output, /is a folder: use list_dir/);
      assert.match((await runTool('read_file', { path: 'kernels/blob.bin' }, ctx)).output, /binary file/);
      assert.match((await runTool('read_file', { path: 'README.md', start_line: 9 }, ctx)).output, /has only 1 lines/);
    });
  });

  describe('list_dir', () => {
    it('lists a tree with sizes, skipping build/ and .git', async () => {
      const result = await runTool('list_dir', { path: '.', depth: 3 }, context(root));
      assert.equal(result.ok, true, result.output);
      assert.match(result.output, /^\.\/\n/);
      assert.match(result.output, /\n {2}core\/\n {4}dup\.c \(\d+ B\)/);
      assert.match(result.output, /toroot -> \//);
      assert.doesNotMatch(result.output, /build|\.git\b|kernel\.elf/);
    });

    it('stops at the depth and counts what is below', async () => {
      const result = await runTool('list_dir', { path: 'kernels', depth: 1 }, context(root));
      assert.match(result.output, /^kernels\/\nblob\.bin \(5 B\)\ncore\/ \(2 entries\)$/);
    });
  });

  describe('write_file', () => {
    it('creates a file with its folders and records the edit with a diff', async () => {
      const ctx = context(root);
      const result = await runTool('write_file', { path: 'kernels/mm/new/frame.c', content: 'int frames;\n' }, ctx);
      assert.equal(result.ok, true, result.output);
      assert.equal(result.output, 'created kernels/mm/new/frame.c (1 lines)');
      assert.equal(readFileSync(join(root, 'kernels/mm/new/frame.c'), 'utf8'), 'int frames;\n');
      assert.deepEqual(ctx.edits, [{
        path: 'kernels/mm/new/frame.c',
        kind: 'write',
        diff: '--- /dev/null\n+++ b/kernels/mm/new/frame.c\n@@ -0,0 +1,1 @@\n+int frames;\n',
      }]);
      assert.deepEqual(result.data, ctx.edits[0]);
    });

    it('replaces a file, diffs old against new, and records nothing when unchanged', async () => {
      const ctx = context(root);
      const result = await runTool('write_file', { path: 'README.md', content: '# hello\n\nmore\n' }, ctx);
      assert.equal(result.output, 'wrote README.md (+3 -1 lines)');
      assert.match(ctx.edits[0]?.diff ?? '', /^--- a\/README\.md\n\+\+\+ b\/README\.md\n@@ -1,1 \+1,3 @@\n-# hi\n\+# hello\n\+\n\+more\n$/);
      const again = await runTool('write_file', { path: 'README.md', content: '# hello\n\nmore\n' }, ctx);
      assert.match(again.output, /unchanged/);
      assert.equal(ctx.edits.length, 1);
    });
  });

  describe('replace_in_file', () => {
    it('replaces a unique match, records the diff and shows it', async () => {
      const ctx = context(root);
      const result = await runTool('replace_in_file', {
        path: 'kernels/core/main.c', search: '    printk("hello\\n");', replace: '    printk("hello, world\\n");',
      }, ctx);
      assert.equal(result.ok, true, result.output);
      assert.match(result.output, /^replaced 1 occurrence in kernels\/core\/main\.c at line 6 \(\+1 -1 lines\)\n--- a\/kernels/);
      assert.match(readFileSync(join(root, 'kernels/core/main.c'), 'utf8'), /hello, world/);
      assert.equal(ctx.edits[0]?.kind, 'replace');
      assert.match(ctx.edits[0]?.diff ?? '', /- {4}printk\("hello\\n"\);\n\+ {4}printk\("hello, world\\n"\);/);
    });

    it('says where a non-unique search text occurs, and replaces all with occurrence "all"', async () => {
      const ctx = context(root);
      const dup = await runTool('replace_in_file', { path: 'kernels/core/dup.c', search: 'x = 1;', replace: 'x = 3;' }, ctx);
      assert.equal(dup.ok, false);
      assert.match(dup.output, /occurs 2 times in kernels\/core\/dup\.c \(at lines 1, 3\): add surrounding lines .* occurrence: "all"/);
      const all = await runTool('replace_in_file', { path: 'kernels/core/dup.c', search: 'x = 1;', replace: 'x = 3;', occurrence: 'all' }, ctx);
      assert.equal(all.ok, true, all.output);
      assert.match(all.output, /^replaced 2 occurrences/);
      assert.equal(readFileSync(join(root, 'kernels/core/dup.c'), 'utf8'), 'x = 3;\ny = 2;\nx = 3;\n');
      assert.equal(ctx.edits.length, 1);
    });

    it('shows the closest lines when the search text is absent', async () => {
      const ctx = context(root);
      const wrongIndent = await runTool('replace_in_file', {
        path: 'kernels/core/main.c', search: 'console_init();\nprintk("hello, world\\n");', replace: 'x',
      }, ctx);
      assert.equal(wrongIndent.ok, false);
      assert.match(wrongIndent.output, /not found in kernels\/core\/main\.c; it matches lines 5-6 only if whitespace is ignored: copy those lines exactly/);
      assert.match(wrongIndent.output, /5\t {4}console_init\(\);\n6\t {4}printk/);

      const typo = await runTool('replace_in_file', { path: 'kernels/core/main.c', search: 'void kmian(void)\n{', replace: 'x' }, ctx);
      assert.equal(typo.ok, false);
      assert.match(typo.output, /the closest lines are 3-4 \(\d+% similar\): copy the exact text/);
      assert.match(typo.output, /3\tvoid kmain\(void\)\n4\t\{/);

      const nothing = await runTool('replace_in_file', { path: 'kernels/core/main.c', search: 'zzzzqqqq', replace: 'x' }, ctx);
      assert.match(nothing.output, /not found in kernels\/core\/main\.c: read_file it and copy the exact text/);
      assert.deepEqual(ctx.edits, []);
    });

    it('matches a file with CRLF line endings', async () => {
      writeFileSync(join(root, 'crlf.c'), 'a();\r\nb();\r\n');
      const result = await runTool('replace_in_file', { path: 'crlf.c', search: 'a();\nb();', replace: 'a();\nc();' }, context(root));
      assert.equal(result.ok, true, result.output);
      assert.equal(readFileSync(join(root, 'crlf.c'), 'utf8'), 'a();\r\nc();\r\n');
    });
  });

  describe('delete_file', () => {
    it('deletes a file with a diff of what it held, and refuses folders', async () => {
      const ctx = context(root);
      writeFileSync(join(root, 'gone.txt'), 'bye\n');
      const result = await runTool('delete_file', { path: 'gone.txt' }, ctx);
      assert.equal(result.ok, true, result.output);
      assert.ok(!existsSync(join(root, 'gone.txt')));
      assert.deepEqual(ctx.edits, [{ path: 'gone.txt', kind: 'delete', diff: '--- a/gone.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-bye\n' }]);
      assert.match((await runTool('delete_file', { path: 'kernels' }, ctx)).output, /is a folder/);
      assert.match((await runTool('delete_file', { path: 'gone.txt' }, ctx)).output, /does not exist/);
    });

    it('deletes a symbolic link itself, never its target', async () => {
      writeFileSync(join(root, 'target.txt'), 'kept\n');
      symlinkSync(join(root, 'target.txt'), join(root, 'link.txt'));
      const ctx = context(root);
      const result = await runTool('delete_file', { path: 'link.txt' }, ctx);
      assert.equal(result.ok, true, result.output);
      assert.ok(!existsSync(join(root, 'link.txt')));
      assert.equal(readFileSync(join(root, 'target.txt'), 'utf8'), 'kept\n');
      assert.equal((ctx.edits[0] as EditRecord).kind, 'delete');
    });
  });
});
