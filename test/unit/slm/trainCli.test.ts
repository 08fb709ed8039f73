import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCheckpoint } from '../../../slm/src/train/checkpoint';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');

function auton(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('auton slm train|eval (dist/cli.js, micro model on the shipped dataset)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run "npm run build" first`);
    dir = mkdtempSync(join(tmpdir(), 'auton-slm-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has --help for train and eval', () => {
    assert.match(auton(['slm', 'train', '--help']).stdout, /--config <file>[\s\S]*--resume <checkpoint>[\s\S]*--threads <n>/);
    assert.match(auton(['slm', 'eval', '--help']).stdout, /--model <file>[\s\S]*--sets <names>[\s\S]*--json/);
  });

  it('trains, stops, resumes to the same bits, and evaluates the checkpoint as JSON', () => {
    const config = join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({
      name: 'cli-test',
      model: { preset: 'micro', contextLength: 256 },
      train: { seed: 3, steps: 4, batchSize: 4, shards: 2, warmupSteps: 1, checkpointEvery: 0, evalEvery: 0 },
      data: { dir: 'slm/data' },
      output: { dir },
    }));
    const whole = auton(['slm', 'train', '--config', config, '--out', join(dir, 'whole.ckpt'), '--json']);
    assert.equal(whole.status, 0, whole.stderr);
    const summary = JSON.parse(whole.stdout) as { steps: number; parameters: number; finalLoss: number };
    assert.equal(summary.steps, 4);
    assert.ok(summary.parameters > 0 && summary.finalLoss > 0);

    const half = join(dir, 'half.ckpt');
    assert.equal(auton(['slm', 'train', '--config', config, '--out', half, '--stop-at', '2', '--no-progress']).status, 0);
    const resumed = auton(['slm', 'train', '--config', config, '--resume', half, '--out', join(dir, 'resumed.ckpt'), '--threads', '1', '--no-progress']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(Buffer.from(loadCheckpoint(join(dir, 'resumed.ckpt')).params.buffer), Buffer.from(loadCheckpoint(join(dir, 'whole.ckpt')).params.buffer));

    const ev = auton(['slm', 'eval', '--model', join(dir, 'whole.ckpt'), '--sets', 'paraphrase', '--limit', '6', '--json']);
    assert.equal(ev.status, 0, ev.stderr);
    const report = (JSON.parse(ev.stdout) as { reports: { name: string; examples: number; intent: { accuracy: number }; confusion: object; perplexity: { perplexity: number } }[] }).reports[0]!;
    assert.equal(report.name, 'paraphrase');
    assert.equal(report.examples, 6);
    assert.ok(report.perplexity.perplexity > 1 && 'TROUBLESHOOT' in report.confusion);
  });

  it('says what is wrong with a bad config or a missing checkpoint', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ model: { preset: 'huge' }, train: { lr: -1 }, data: { dir: 'slm/data' }, output: { dir } }));
    const r = auton(['slm', 'train', '--config', bad]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /train\.lr must be positive/);
    const missing = auton(['slm', 'eval', '--model', join(dir, 'nope.ckpt')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read checkpoint .*nope\.ckpt/);
  });
});
