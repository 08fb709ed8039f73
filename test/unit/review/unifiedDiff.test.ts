import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { applyHunks, displayPath, parseUnifiedDiff, patchOf, renderLines } from '../../../src/vscode/review/unifiedDiff';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'core.quotepath=false', ...args], { cwd, encoding: 'utf8' });

function write(root: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

const numbered = (n: number, tag = '') => Array.from({ length: n }, (_, i) => `line ${i + 1}${tag}`).join('\n') + '\n';

describe('unified diffs of the inline review', () => {
  let root: string;
  let base: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'auton-udiff-'));
    git(root, 'init', '-q', '-b', 'main');
    git(root, 'config', 'user.email', 't@example.com');
    git(root, 'config', 'user.name', 'T');
    write(root, 'multi.c', numbered(60));
    write(root, 'gone.txt', 'to be deleted\n');
    write(root, 'old name.txt', numbered(20, ' of a file that moves'));
    write(root, 'tail.txt', 'a\nb\nc');
    write(root, 'blob.bin', Buffer.from([0, 1, 2, 3, 255, 0, 7]));
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'base');
    base = git(root, 'rev-parse', 'HEAD').trim();
    const multi = numbered(60).split('\n');
    multi[2] = 'line 3 changed';
    multi.splice(30, 2, 'inserted A', 'inserted B', 'inserted C');
    multi[55] = '@@ -1 +1 @@ looks like a hunk header';
    write(root, 'multi.c', multi.join('\n'));
    rmSync(join(root, 'gone.txt'));
    git(root, 'mv', 'old name.txt', 'new näme.txt');
    write(root, 'new näme.txt', numbered(20, ' of a file that moves').replace('line 20 of', 'line twenty of'));
    write(root, 'tail.txt', 'a\nB\nc\nd');
    write(root, 'fresh.h', '#pragma once\nint fresh(void);\n');
    write(root, 'blob.bin', Buffer.from([0, 1, 2, 3, 254, 0, 7, 8]));
    git(root, 'add', '-A');
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  const diffText = () => git(root, 'diff', '--cached', '--binary', '--find-renames', base);

  it('reads every kind of file change', () => {
    const files = parseUnifiedDiff(diffText());
    const byPath = new Map(files.map((f) => [displayPath(f), f]));
    assert.deepEqual([...byPath.keys()].sort(), ['blob.bin', 'fresh.h', 'gone.txt', 'multi.c', 'new näme.txt', 'tail.txt']);
    assert.equal(byPath.get('multi.c')?.hunks.length, 3);
    assert.equal(byPath.get('multi.c')?.hunks[2]?.lines.some((l) => l.startsWith('+@@ -1 +1 @@')), true);
    assert.equal(byPath.get('gone.txt')?.status, 'deleted');
    assert.equal(byPath.get('gone.txt')?.newPath, undefined);
    assert.equal(byPath.get('fresh.h')?.status, 'added');
    assert.equal(byPath.get('fresh.h')?.oldPath, undefined);
    assert.equal(byPath.get('new näme.txt')?.status, 'renamed');
    assert.equal(byPath.get('new näme.txt')?.oldPath, 'old name.txt');
    assert.equal(byPath.get('blob.bin')?.binary, true);
    assert.equal(byPath.get('blob.bin')?.hunks.length, 0);
    assert.ok(byPath.get('tail.txt')?.hunks[0]?.lines.includes('\\ No newline at end of file'));
    assert.match(byPath.get('multi.c')?.oldBlob ?? '', /^[0-9a-f]{7,}$/);
  });

  it('rebuilds each new file from its old blob and the hunks', () => {
    for (const file of parseUnifiedDiff(diffText())) {
      if (file.binary) continue;
      const oldText = file.oldBlob ? git(root, 'cat-file', 'blob', file.oldBlob) : '';
      const expected = file.newPath ? readFileSync(join(root, file.newPath), 'utf8') : '';
      assert.equal(applyHunks(oldText, file.hunks), expected, displayPath(file));
    }
  });

  it('shows removed lines in place above what replaced them', () => {
    const multi = parseUnifiedDiff(diffText()).find((f) => f.newPath === 'multi.c')!;
    const lines = renderLines(git(root, 'cat-file', 'blob', multi.oldBlob!), multi.hunks);
    const at = lines.findIndex((l) => l.kind === 'removed' && l.text === 'line 3');
    assert.deepEqual(lines[at + 1], { text: 'line 3 changed', kind: 'added', hunk: 0 });
    assert.equal(lines.filter((l) => l.kind !== 'removed').length, 61);
    assert.equal(lines.filter((l) => l.kind === 'removed').length, 4);
  });

  it('writes a patch of any subset of hunks that git applies, and nothing for nothing', () => {
    const text = diffText();
    const files = parseUnifiedDiff(text);
    const multiIndex = files.findIndex((f) => f.newPath === 'multi.c');
    const check = (patch: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'auton-udiff-apply-'));
      try {
        git(root, 'worktree', 'add', '-q', '--detach', dir, base);
        writeFileSync(join(dir, 'accepted.patch'), patch);
        git(dir, 'apply', '--index', 'accepted.patch');
        return dir;
      } catch (error) {
        git(root, 'worktree', 'remove', '--force', dir);
        throw error;
      }
    };
    // All of it reproduces the whole change.
    const all = check(patchOf(files, { fileAccepted: () => true, hunkAccepted: () => true }));
    assert.equal(readFileSync(join(all, 'multi.c'), 'utf8'), readFileSync(join(root, 'multi.c'), 'utf8'));
    assert.deepEqual(readFileSync(join(all, 'blob.bin')), readFileSync(join(root, 'blob.bin')));
    git(root, 'worktree', 'remove', '--force', all);
    // Only the first and last hunk of multi.c: the middle one (which changes the line count) is dropped.
    const some = check(patchOf(files, { fileAccepted: () => false, hunkAccepted: (f, h) => f === multiIndex && h !== 1 }));
    const got = readFileSync(join(some, 'multi.c'), 'utf8').split('\n');
    assert.equal(got[2], 'line 3 changed');
    assert.equal(got[30], 'line 31');
    assert.equal(got[54], '@@ -1 +1 @@ looks like a hunk header');
    assert.equal(git(some, 'status', '--porcelain').trim(), 'M  multi.c\n?? accepted.patch');
    git(root, 'worktree', 'remove', '--force', some);
    assert.equal(patchOf(files, { fileAccepted: () => false, hunkAccepted: () => false }), '');
  });

  it('says which hunk is cut short in a truncated diff', () => {
    const text = diffText();
    const cut = text.slice(0, text.indexOf('inserted B'));
    assert.throws(() => parseUnifiedDiff(cut), /is cut short: the diff is truncated/);
  });
});
