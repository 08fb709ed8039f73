import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listRuns } from '../../src/core/runStore';

describe('run store', () => {
  let root: string;
  const run = (id: string, state?: string) => {
    const dir = join(root, '.auton', 'runs', id);
    mkdirSync(dir, { recursive: true });
    if (state !== undefined) {
      writeFileSync(join(dir, 'state.json'), state);
    }
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'auton-runs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds no runs in a folder that never had one', () => {
    assert.deepEqual(listRuns(root), []);
  });

  it('lists runs newest first with their tasks', () => {
    run('20261101-a', JSON.stringify({ goal: 'boot on riscv64', status: 'done', tasks: [] }));
    run(
      '20261102-b',
      JSON.stringify({
        goal: 'add a page allocator',
        status: 'running',
        tasks: [{ id: 't1', title: 'kalloc/kfree', status: 'review', role: 'developer' }, { status: 'pending' }],
      }),
    );
    const runs = listRuns(root);
    assert.deepEqual(
      runs.map((r) => [r.id, r.goal, r.status]),
      [
        ['20261102-b', 'add a page allocator', 'running'],
        ['20261101-a', 'boot on riscv64', 'done'],
      ],
    );
    assert.deepEqual(runs[0]?.tasks, [
      { id: 't1', title: 'kalloc/kfree', status: 'review', role: 'developer' },
      { id: 'task-2', title: 'task-2', status: 'pending' },
    ]);
  });

  it('still lists a run whose state cannot be read, saying why', () => {
    run('a-broken', '{ "goal": ');
    run('b-missing');
    run('c-array', '[]');
    const runs = listRuns(root);
    assert.deepEqual(
      runs.map((r) => [r.id, r.status]),
      [
        ['c-array', 'unreadable'],
        ['b-missing', 'unreadable'],
        ['a-broken', 'unreadable'],
      ],
    );
    assert.equal(runs[0]?.error, 'it does not hold a JSON object');
    assert.equal(runs[1]?.error, 'state.json is missing');
    assert.match(runs[2]?.error ?? '', /JSON/);
  });
});
