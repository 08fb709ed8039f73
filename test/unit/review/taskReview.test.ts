import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reviewStatePath, TaskReview } from '../../../src/vscode/review/taskReview';

const lines = (from: number, to: number, tag = '') => Array.from({ length: to - from + 1 }, (_, i) => ` line ${from + i}${tag}`);

/** Two hunks in a.c, a new file b.h, and a binary file. */
const DIFF = [
  'diff --git a/a.c b/a.c',
  'index 1111111..2222222 100644',
  '--- a/a.c',
  '+++ b/a.c',
  '@@ -1,4 +1,4 @@',
  ...lines(1, 3),
  '-line 4',
  '+line four',
  '@@ -20,3 +20,4 @@',
  ...lines(20, 22),
  '+line 22b',
  'diff --git a/b.h b/b.h',
  'new file mode 100644',
  'index 0000000..3333333',
  '--- /dev/null',
  '+++ b/b.h',
  '@@ -0,0 +1 @@',
  '+#pragma once',
  'diff --git a/logo.bin b/logo.bin',
  'index 4444444..5555555 100644',
  'Binary files a/logo.bin and b/logo.bin differ',
  '',
].join('\n');

describe('a task review (decisions, comments, the engine\'s answer)', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'auton-review-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lists hunks and hunk-less files as parts, and is complete when all are decided', () => {
    const r = new TaskReview('run1', 't1', DIFF);
    assert.deepEqual(r.parts(), [{ file: 0, hunk: 0 }, { file: 0, hunk: 1 }, { file: 1, hunk: 0 }, { file: 2 }]);
    r.decide(r.parts().slice(0, 3), true);
    assert.equal(r.complete(), false);
    r.decide([{ file: 2 }], true);
    assert.equal(r.complete(), true);
    assert.deepEqual(r.result(), { accept: true });
  });

  it('answers a partial accept with the accepted patch and the rejected hunks with comments', () => {
    const r = new TaskReview('run1', 't1', DIFF);
    r.decide([{ file: 0, hunk: 0 }, { file: 1, hunk: 0 }], true);
    r.decide([{ file: 0, hunk: 1 }], false, 'not this line');
    r.decide([{ file: 2 }], false);
    const d = r.result();
    assert.equal(d.accept, true);
    assert.equal(d.comment, 'not this line');
    assert.deepEqual(d.rejected?.map((x) => [x.file, x.hunkHeader, x.comment]), [
      ['a.c', '@@ -20,3 +20,4 @@', 'not this line'],
      ['logo.bin', '(whole file)', undefined],
    ]);
    assert.match(d.patch ?? '', /\+line four/);
    assert.match(d.patch ?? '', /\+#pragma once/);
    assert.doesNotMatch(d.patch ?? '', /line 22b|logo\.bin/);
  });

  it('answers a rejection of everything without a patch', () => {
    const r = new TaskReview('run1', 't1', DIFF);
    r.decide(r.parts(), false, 'wrong approach');
    const d = r.result();
    assert.equal(d.accept, false);
    assert.equal(d.comment, 'wrong approach');
    assert.equal(d.patch, undefined);
    assert.equal(d.rejected?.length, 4);
  });

  it('saves decisions and unconfirmed comments in the run dir; a new window picks them up for the same diff only', () => {
    const path = reviewStatePath(root, 'run1', 't1');
    const first = new TaskReview('run1', 't1', DIFF, path);
    first.decide([{ file: 0, hunk: 0 }], true);
    first.setDraft({ file: 0, hunk: 1 }, 'half-typed reason');
    assert.match(readFileSync(path, 'utf8'), /half-typed reason/);
    const again = new TaskReview('run1', 't1', DIFF, path);
    assert.deepEqual(again.decision({ file: 0, hunk: 0 }), { accept: true });
    assert.equal(again.draft({ file: 0, hunk: 1 }), 'half-typed reason');
    const other = new TaskReview('run1', 't1', DIFF.replace('line four', 'line 4!'), path);
    assert.equal(other.decision({ file: 0, hunk: 0 }), undefined);
  });

  it('turns an undone rejection\'s comment back into a draft', () => {
    const r = new TaskReview('run1', 't1', DIFF);
    r.decide([{ file: 0, hunk: 1 }], false, 'first thought');
    r.undo({ file: 0, hunk: 1 });
    assert.equal(r.decision({ file: 0, hunk: 1 }), undefined);
    assert.equal(r.draft({ file: 0, hunk: 1 }), 'first thought');
  });
});
