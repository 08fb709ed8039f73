import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { readJsonl } from '../../../slm/src/data/jsonl';
import { generateC } from '../../../slm/src/rules/cgen';
import { compileRules, type RuleSet } from '../../../slm/src/rules/compile';
import { evaluateRules } from '../../../slm/src/rules/evaluate';
import { classify, rawScores } from '../../../slm/src/rules/interpreter';
import { loadRules, ruleFiles } from '../../../slm/src/rules/load';
import { normalizeRequest } from '../../../slm/src/rules/normalize';
import { parseRules } from '../../../slm/src/rules/parser';
import { compilePattern, searchProgram } from '../../../slm/src/rules/regex';
import { INTENTS } from '../../../slm/src/types';

const root = resolve(__dirname, '../../..');
const rulesDir = join(root, 'slm', 'rules');
const rulesOf = (source: string): RuleSet => compileRules([parseRules(source, 'test.rules')]);
const errorOf = (source: string): string => {
  try {
    rulesOf(source);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return 'no error';
};
const clang = spawnSync('clang', ['--version'], { stdio: 'ignore' }).status === 0;

describe('slm rules: language', () => {
  const errors: [string, string, string][] = [
    ['a keyword without weight', 'intent DRIVER_SELECT\n  keyword "driver"\nend\n', 'test.rules:2:19: expected "weight" after the keyword phrases (keyword "..." weight N), found the end of the line'],
    ['an unknown intent', '# x\nintent APP_INSTAL\nend\n', 'test.rules:2:8: unknown intent "APP_INSTAL" (did you mean APP_INSTALL?)'],
    ['an unclosed group', 'intent HARDWARE_IDENTIFY\n  pattern /(ab|cd/ weight 1\nend\n', 'test.rules:2:12: bad pattern: missing ")" to close the group'],
    ['a bad quantifier', 'intent HARDWARE_IDENTIFY\n  pattern /ab**/ weight 1\nend\n', 'test.rules:2:15: bad pattern: "*" cannot follow another quantifier'],
    ['pattern flags', 'intent HARDWARE_IDENTIFY\n  pattern /ab/i weight 1\nend\n', 'test.rules:2:15: patterns take no flags'],
    ['capitals in a phrase', 'intent HARDWARE_IDENTIFY\n  keyword "Driver" weight 1\nend\n', 'test.rules:2:11: "Driver" has capital letters; requests are lowercased before matching, write it as "driver"'],
    ['an unclosed string', 'intent HARDWARE_IDENTIFY\n  keyword "abc weight 1\nend\n', 'test.rules:2:11: this string has no closing "'],
    ['else if', 'intent HARDWARE_IDENTIFY\n  if has "a" then\n    add 1\n  else if has "b" then\n  end\nend\n', 'test.rules:4:8: write "elif" instead of "else if"'],
    ['a missing end', 'intent HARDWARE_IDENTIFY\n  keyword "a" weight 1\nintent DRIVER_SELECT\nend\n', 'test.rules:3:1: expected a statement (prior, keyword, pattern, add, if) or "end", found "intent" (the previous intent needs an "end" first)'],
    ['no end at all', 'intent HARDWARE_IDENTIFY\n  keyword "a" weight 1\n', 'test.rules:1:8: intent HARDWARE_IDENTIFY has no "end"'],
    ['a statement outside an intent', 'keyword "a" weight 1\n', 'test.rules:1:1: expected "intent NAME" or "settings" at the top level, found "keyword"'],
    ['a second declaration', 'intent TROUBLESHOOT\nend\n\nintent TROUBLESHOOT\nend\n', 'test.rules:4:8: intent TROUBLESHOOT is already declared at test.rules:1'],
    ['a star inside a phrase', 'intent TROUBLESHOOT\n  keyword "a*b" weight 1\nend\n', 'test.rules:2:11: "a*b": "*" may only end a phrase'],
    ['a bad condition', 'intent TROUBLESHOOT\n  if "x" then\n  end\nend\n', 'test.rules:2:6: expected a condition (has "...", matches /.../, not, or a parenthesis), found "x"'],
    ['prior inside if', 'intent TROUBLESHOOT\n  if has "x" then\n    prior 1\n  end\nend\n', 'test.rules:3:5: "prior" belongs at the top of an intent'],
    ['a zero temperature', 'settings\n  temperature 0\nend\n', 'test.rules:2:15: the temperature must be above 0'],
    ['an unknown fallback', 'settings\n  fallback NOPE\nend\n', 'test.rules:2:12: unknown intent "NOPE"'],
  ];
  for (const [what, source, message] of errors) {
    it(`reports ${what} at its line and column`, () => {
      assert.ok(errorOf(source).startsWith(message), `got: ${errorOf(source)}`);
    });
  }

  it('scores keywords once, at word boundaries, with prefixes', () => {
    const rules = rulesOf(`
intent APP_INSTALL
  keyword "install", "add" weight 2     # any of the phrases, once
  keyword "instal*" weight 0.5
  keyword "don't need" weight 1
end
intent TROUBLESHOOT
  keyword "port" weight 1
end`);
    const s = (text: string) => rawScores(rules, text);
    assert.deepEqual(s('install and add'), [null, null, null, 2500, null, 0]);
    assert.deepEqual(s('reinstall'), [null, null, null, 0, null, 0]);
    assert.deepEqual(s('installing'), [null, null, null, 500, null, 0]);
    assert.deepEqual(s('I DON’T   NEED it'), [null, null, null, 1000, null, 0]);
    assert.equal(s('a report')[5], 0);
    assert.equal(s('port 22')[5], 1000);
  });

  it('runs decision trees: the first true branch, nested, with and/or/not', () => {
    const rules = rulesOf(`
intent TROUBLESHOOT
  prior 0.25
  if has "driver" and not (has "fails", "error" or matches /crash(es|ed)?/) then
    add -1
  elif has "slow" then
    add 2
    if matches /^very/ then
      add 1
    end
  else
    keyword "broken" weight 3
  end
end`);
    const s = (text: string) => rawScores(rules, text)[5];
    assert.equal(s('which driver'), -750);
    assert.equal(s('driver crashed'), 250);
    assert.equal(s('driver error'), 250);
    assert.equal(s('slow boot'), 2250);
    assert.equal(s('very slow'), 3250);
    assert.equal(s('broken screen'), 3250);
  });

  it('picks the highest score (ties to the earlier intent), the fallback when nothing scores, and a softmax confidence', () => {
    const rules = rulesOf(`
settings
  temperature 2
  fallback SYSTEM_MANAGE
end
intent TROUBLESHOOT
  keyword "broken" weight 2
end
intent SYSTEM_MANAGE
  keyword "reboot" weight 2
end
intent HARDWARE_IDENTIFY
  keyword "reboot" weight 2
end`);
    assert.equal(classify(rules, 'reboot').intent, 'HARDWARE_IDENTIFY');
    assert.equal(classify(rules, 'hello').intent, 'SYSTEM_MANAGE');
    const c = classify(rules, 'broken');
    assert.equal(c.intent, 'TROUBLESHOOT');
    const expected = Math.exp(1) / (Math.exp(1) + 2);
    assert.ok(Math.abs(c.confidence - expected) < 1e-12, `${c.confidence} vs ${expected}`);
    assert.deepEqual(Object.keys(c.scores), [...INTENTS]);
  });

  it('normalises requests as the kernel will: lowercase, plain quotes, single spaces', () => {
    assert.equal(Buffer.from(normalizeRequest('  Don’t   “Stop”\tNOW \n')).toString(), 'don\'t "stop" now');
    assert.equal(Buffer.from(normalizeRequest('ÉCOLE')).toString(), 'École', 'only ASCII letters are lowercased');
  });
});

describe('slm rules: patterns', () => {
  const cases: [string, string[]][] = [
    ['\\b[0-9a-f]{4}:[0-9a-f]{4}\\b', ['8086:100e', 'id 8086:100e!', '18086:100e', '8086:100', 'x8086:100ez', '[10ec:8168]']],
    ['^(re)?start( now)?$', ['start', 'restart now', 'restarts', 'start now please', '']],
    ['colou?r|gr[ae]y', ['color', 'colour', 'grey', 'gray', 'grdy', 'colouur']],
    ['a{2,3}b', ['ab', 'aab', 'aaab', 'aaaab', 'b']],
    ['[^a-z ]+', ['abc', 'abc def', 'abc1', '...']],
    ['\\bfail(s|ed|ure)?\\b', ['fail', 'fails', 'failure', 'fail2ban', 'it failed.', 'failing']],
    ['\\/dev\\/(sd|nvme)[a-z0-9]*', ['/dev/sda1', '/dev/nvme0n1', '/dev/vda', 'dev/sda']],
    ['x\\B', ['xy', 'x', 'x.']],
    ['(?:ab)+c', ['abababc', 'ac', 'abc']],
    ['.*', ['', 'anything']],
    ['\\d+ ?(g|m)b?\\s', ['2g ', '512 mb ', 'gb ']],
    ['é+', ['caf\u00e9', 'cafe']],
  ];
  for (const [source, texts] of cases) {
    it(`/${source}/ matches as JavaScript's RegExp does`, () => {
      const program = compilePattern(source);
      const js = new RegExp(source, 'u');
      for (const text of texts) assert.equal(searchProgram(program, Buffer.from(text, 'utf8')), js.test(text), `/${source}/ on "${text}"`);
    });
  }
});

describe('slm rules: the shipped rules (slm/rules)', () => {
  let rules: RuleSet;
  before(() => {
    rules = loadRules(rulesDir, root);
  });

  it('declare every intent', () => {
    assert.deepEqual(rules.intents.filter((i) => i.declared).map((i) => i.intent), [...INTENTS]);
  });

  it('classify at least 90% of the paraphrase set correctly (requests worded unlike any training template)', () => {
    const result = evaluateRules(rules, readJsonl(join(root, 'slm', 'data', 'paraphrase.jsonl')));
    const perIntent = INTENTS.map((i) => `${i} ${(100 * result.perIntent[i].accuracy).toFixed(1)}%`).join(', ');
    assert.ok(result.accuracy >= 0.9, `paraphrase accuracy ${(100 * result.accuracy).toFixed(1)}% (${perIntent})`);
    for (const intent of INTENTS) assert.ok(result.perIntent[intent].accuracy >= 0.75, `${intent}: ${perIntent}`);
  });

  it('classify at least 90% of the held-out test split correctly', () => {
    assert.ok(evaluateRules(rules, readJsonl(join(root, 'slm', 'data', 'test.jsonl'))).accuracy >= 0.9);
  });

  it('classify at least 90% of the hand-written development set (slm/dev/wild.jsonl: labelled requests, no answers)', () => {
    const wild = readJsonl(join(root, 'slm', 'dev', 'wild.jsonl'));
    assert.equal(wild.length, 360);
    assert.ok(wild.every((e) => e.answer === '' && e.id.startsWith('line-')));
    assert.ok(evaluateRules(rules, wild).accuracy >= 0.9);
  });

  it('read labelled requests but refuse a line without a valid intent, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auton-jsonl-'));
    const file = join(dir, 'x.jsonl');
    writeFileSync(file, '{"request": "restart nginx", "intent": "SYSTEM_MANAGE"}\n{"request": "hi", "intent": "GREET"}\n');
    assert.throws(() => readJsonl(file), /x\.jsonl:2: not an example/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('are what kernels/slm/rules_table.{h,c} were generated from (run "auton slm rules compile" after editing them)', () => {
    const c = generateC(rules, ruleFiles(rulesDir).map((f) => relative(root, f)));
    assert.equal(readFileSync(join(root, 'kernels', 'slm', 'rules_table.h'), 'utf8'), c.header);
    assert.equal(readFileSync(join(root, 'kernels', 'slm', 'rules_table.c'), 'utf8'), c.source);
  });
});

describe('slm rules: C tables', () => {
  let dir: string;
  before(function () {
    if (!clang) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'auton-rules-c-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const freestanding = ['-std=c11', '-ffreestanding', '-nostdinc', '-Wall', '-Wextra', '-Werror', '-pedantic'];
  const resourceInclude = () => ['-isystem', join(spawnSync('clang', ['-print-resource-dir'], { encoding: 'utf8' }).stdout.trim(), 'include')];

  it('compile freestanding for the three kernel targets, with the C reference evaluator', function () {
    this.timeout(30000);
    for (const target of ['x86_64-unknown-elf', 'aarch64-unknown-elf', 'riscv64-unknown-elf']) {
      for (const file of [join(root, 'kernels', 'slm', 'rules_table.c'), join(root, 'slm', 'src', 'rules', 'c', 'slm_rules.c')]) {
        const run = spawnSync('clang', [`--target=${target}`, ...freestanding, ...resourceInclude(), '-fsyntax-only',
          '-I', join(root, 'kernels', 'slm'), '-I', join(root, 'slm', 'src', 'rules', 'c'), file], { encoding: 'utf8' });
        assert.equal(run.status, 0, `${target} ${file}: ${run.stderr}`);
      }
    }
  });

  it('generated from any rule set compile too (empty tables, every statement and condition kind)', () => {
    const rules = rulesOf(String.raw`
settings
  fallback TROUBLESHOOT
end
intent TROUBLESHOOT
  prior -1
  keyword "a\"b", "c\\d", "??=", "é*" weight 1.5
  pattern /[*/]\??[/]/ weight 2
  if has "x" and not matches /y+/ or has "z" then
    add 1
  end
end`);
    assert.equal(rules.keywords.length, 6);
    const c = generateC(rules, ['test.rules']);
    mkdirSync(join(dir, 'any'), { recursive: true });
    writeFileSync(join(dir, 'any', 'rules_table.h'), c.header);
    writeFileSync(join(dir, 'any', 'rules_table.c'), c.source);
    const run = spawnSync('clang', [...freestanding, ...resourceInclude(), '-fsyntax-only', '-I', join(dir, 'any'), join(dir, 'any', 'rules_table.c')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  it('classify every corpus request exactly as the TypeScript interpreter does (C evaluator on the host)', function () {
    this.timeout(60000);
    const main = `#include <stdio.h>
#include <string.h>
#include "slm_rules.h"
int main(void) {
  static char line[8192];
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\\n') line[--n] = 0;
    int32_t s[SLM_INTENT_COUNT];
    int best = slm_rules_classify(line, n, s);
    printf("%s", best >= 0 ? slm_intent_names[best] : "NONE");
    for (int i = 0; i < SLM_INTENT_COUNT; i++) printf(" %ld", (long)s[i]);
    printf("\\n");
  }
  return 0;
}
`;
    writeFileSync(join(dir, 'main.c'), main);
    const exe = join(dir, 'rules-host');
    const build = spawnSync('clang', ['-std=c11', '-O1', '-Wall', '-Wextra', '-Werror', '-I', join(root, 'kernels', 'slm'), '-I', join(root, 'slm', 'src', 'rules', 'c'),
      join(dir, 'main.c'), join(root, 'slm', 'src', 'rules', 'c', 'slm_rules.c'), join(root, 'kernels', 'slm', 'rules_table.c'), '-o', exe], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const requests = ['train', 'validation', 'test', 'paraphrase'].flatMap((s) => readJsonl(join(root, 'slm', 'data', `${s}.jsonl`)).map((e) => e.request));
    requests.push('', '   ', 'Don’t “STOP”   the\tSSH server', 'é'.repeat(40), '8086:100E?');
    const run = spawnSync(exe, { input: requests.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.split('\n');
    const rules = loadRules(rulesDir, root);
    let differ = 0;
    requests.forEach((request, i) => {
      const ts = `${classify(rules, request).intent} ${rawScores(rules, request).map((s) => s ?? -2147483648).join(' ')}`;
      if (ts !== lines[i] && differ++ < 3) assert.equal(lines[i], ts, JSON.stringify(request));
    });
    assert.equal(differ, 0);
  });
});

describe('slm rules: auton slm rules check|eval|compile', () => {
  it('checks, evaluates and compiles the rules from the command line, and reports a broken rule at file:line:col', function () {
    this.timeout(30000);
    mkdirSync(join(root, '.test-tmp'), { recursive: true });
    const scratch = mkdtempSync(join(root, '.test-tmp', 'rules-'));
    const script = join(scratch, 'run.ts');
    writeFileSync(script, `import { Command } from 'commander';
import { registerSlmRulesCommands } from ${JSON.stringify(join(root, 'src', 'cli', 'slm', 'rules'))};
const program = new Command('auton').exitOverride();
registerSlmRulesCommands(program.command('slm'));
program.parseAsync(process.argv.slice(2), { from: 'user' }).catch((e: Error) => { process.stderr.write(e.message + '\\n'); process.exitCode = 1; });
`);
    try {
      const auton = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, 'slm', 'rules', ...args], { cwd: root, encoding: 'utf8' });
      const check = auton('check');
      assert.equal(check.status, 0, check.stderr);
      assert.match(check.stdout, /^ok: \d+ files, 6 intents, \d+ keyword phrases, \d+ patterns, \d+ statements\n$/);
      const evaluated = auton('eval', '--set', 'paraphrase', '--json');
      assert.equal(evaluated.status, 0, evaluated.stderr);
      assert.ok((JSON.parse(evaluated.stdout) as { accuracy: number }).accuracy >= 0.9);
      const compiled = auton('compile', '--out', join(scratch, 'c'));
      assert.equal(compiled.status, 0, compiled.stderr);
      assert.equal(readFileSync(join(scratch, 'c', 'rules_table.c'), 'utf8'), readFileSync(join(root, 'kernels', 'slm', 'rules_table.c'), 'utf8'));
      mkdirSync(join(scratch, 'broken'));
      writeFileSync(join(scratch, 'broken', 'a.rules'), 'intent DRIVER_SELECT\n  keyword "driver" weight\nend\n');
      const broken = auton('check', '--rules', join(scratch, 'broken'));
      assert.equal(broken.status, 1);
      assert.match(broken.stderr, /broken\/a\.rules:2:26: expected a number after "weight", found the end of the line/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
