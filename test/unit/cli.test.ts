import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SETTINGS } from '../../src/core/config';

const CLI = resolve(__dirname, '../../dist/cli.js');
const { version } = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('auton CLI (dist/cli.js)', () => {
  let cwd: string;
  const auton = (args: string[], env: Record<string, string> = {}): Run => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('AUTON_') && !name.endsWith('_API_KEY')),
    );
    const run = spawnSync(process.execPath, [CLI, ...args], { cwd, env: { ...clean, ...env }, encoding: 'utf8' });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const writeConfig = (text: string) => {
    mkdirSync(join(cwd, '.auton'), { recursive: true });
    writeFileSync(join(cwd, '.auton', 'config.json'), text);
  };

  before(() => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run "npm run build" first`);
  });
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'auton-cli-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('slm eval: a missing --file or nothing to evaluate is a usage error saying so', () => {
    const missing = auton(['slm', 'eval', '--sets', '', '--file', 'missing.jsonl']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--file missing\.jsonl: no such file/);
    const nothing = auton(['slm', 'eval', '--sets', '']);
    assert.equal(nothing.status, 2);
    assert.match(nothing.stderr, /nothing to evaluate/);
  });

  it('stops quietly when its reader closes the pipe early (| head)', () => {
    const root = resolve(__dirname, '../..');
    // `true` exits without reading: every write auton makes meets a closed pipe.
    const run = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" slm rules eval --file slm/dev/wild.jsonl | true`], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0);
    assert.doesNotMatch(run.stderr, /EPIPE|Unhandled/, run.stderr);
  });

  it('prints help listing its commands', () => {
    const run = auton(['--help']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Usage: auton \[options\] \[command\]/);
    assert.match(run.stdout, /^ {2}config\b/m);
    assert.match(auton(['config', '--help']).stdout, /show .*\n(.*\n)*\s+check /);
  });

  it('prints its version', () => {
    const run = auton(['--version']);
    assert.equal(run.status, 0);
    assert.equal(run.stdout.trim(), version);
  });

  const usageErrors: [string[], string, string][] = [
    [['deploy'], "auton: unknown command 'deploy'", 'Run "auton --help" for usage.'],
    [['config', 'sho'], "auton: unknown command 'sho' (did you mean show?)", 'Run "auton config --help" for usage.'],
    [['--frobnicate'], "auton: unknown option '--frobnicate'", 'Run "auton --help" for usage.'],
    [['config', 'show', '--yaml'], "auton: unknown option '--yaml'", 'Run "auton config show --help" for usage.'],
    [['config', 'check', 'extra'], 'auton: too many arguments for \'check\'. Expected 0 arguments but got 1.', 'Run "auton config check --help" for usage.'],
  ];
  for (const [args, error, hint] of usageErrors) {
    it(`answers "auton ${args.join(' ')}" with one error line, a hint and exit status 2`, () => {
      const run = auton(args);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `${error}\n${hint}\n`);
    });
  }

  it('config show prints every setting with its source', () => {
    const run = auton(['config', 'show'], { AUTON_BUDGET_MAX_USD: '2' });
    assert.equal(run.status, 0, run.stderr);
    for (const { key } of SETTINGS) {
      assert.match(run.stdout, new RegExp(`^ {2}${key.replace('.', '\\.')} `, 'm'), key);
    }
    assert.match(run.stdout, /^ {2}budget\.maxUsd +2 +env$/m);
    assert.match(run.stdout, /^ {2}models\.developer +anthropic\/claude-sonnet-4-6 +models\.default$/m);
    assert.match(run.stdout, /\.auton\/config\.json not found, defaults used/);
  });

  it('config show --json reports API keys as set without printing them', () => {
    writeConfig(JSON.stringify({ models: { default: 'openai/gpt-4.1' } }));
    const run = auton(['config', 'show', '--json'], { OPENAI_API_KEY: 'sk-do-not-print-me' });
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /sk-do-not-print-me/);
    const shown = JSON.parse(run.stdout) as {
      fileFound: boolean;
      config: { models: { roles: { manager: { provider: string } } } };
      apiKeys: { provider: string; set: boolean }[];
    };
    assert.equal(shown.fileFound, true);
    assert.equal(shown.config.models.roles.manager.provider, 'openai');
    assert.deepEqual(
      shown.apiKeys.filter((k) => k.set).map((k) => k.provider),
      ['openai'],
    );
  });

  it('config check accepts a valid configuration', () => {
    writeConfig(JSON.stringify({ budget: { maxUsd: 5 }, reviewMode: 'human' }));
    const run = auton(['config', 'check']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^configuration OK \(\.auton\/config\.json read; 0 setting\(s\) from AUTON_\* environment variables\)$/m);
  });

  it('config check names every problem and exits 1 without a stack trace', () => {
    writeConfig(JSON.stringify({ budget: { maxUsd: -5 }, models: { reviewer: 'gpt4' } }));
    const run = auton(['config', 'check'], { AUTON_MAX_PARALLEL_DEVELOPERS: 'many' });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 4, run.stderr);
    assert.match(lines[0] ?? '', /^auton: auton\.models\.reviewer \(from \.auton\/config\.json\): "gpt4" is not a "provider\/model" string/);
    assert.match(lines[1] ?? '', /^auton: auton\.budget\.maxUsd \(from \.auton\/config\.json\): must be a number of US dollars >= 0/);
    assert.match(lines[2] ?? '', /^auton: auton\.maxParallelDevelopers \(from env\): must be a whole number .* got "many"$/);
    assert.equal(lines[3], 'auton: 3 configuration problem(s); fix them and run "auton config check" again');
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('config check reports a config file that is not JSON in one line', () => {
    writeConfig('{ nope');
    const run = auton(['config', 'check']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^auton: \.auton\/config\.json is not valid JSON \(.*\); fix the file or delete it\n/);
  });
});
