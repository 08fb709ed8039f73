import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, parseRawGrammar, Registry, type IGrammar } from 'vscode-textmate';

const root = resolve(__dirname, '../..');
const grammarFiles: Record<string, string> = {
  'source.auton-rules': 'syntaxes/auton-rules.tmLanguage.json',
  'text.auton-log': 'syntaxes/auton-log.tmLanguage.json',
};

const registry = new Registry({
  onigLib: (async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return { createOnigScanner: (p: string[]) => oniguruma.createOnigScanner(p), createOnigString: (s: string) => oniguruma.createOnigString(s) };
  })(),
  loadGrammar: (scopeName) => {
    const file = grammarFiles[scopeName];
    return Promise.resolve(file === undefined ? null : parseRawGrammar(readFileSync(resolve(root, file), 'utf8'), file));
  },
});

/** The scopes of the first token covering `fragment` on a one-line document. */
async function scopesOf(scopeName: string, line: string, fragment: string): Promise<string[]> {
  const grammar = (await registry.loadGrammar(scopeName)) as IGrammar;
  const at = line.indexOf(fragment);
  assert.ok(at >= 0, `"${fragment}" is in "${line}"`);
  const token = grammar.tokenizeLine(line, INITIAL).tokens.find((t) => t.startIndex <= at && at < t.endIndex);
  return token?.scopes ?? [];
}

const has = (scopes: string[], prefix: string) =>
  assert.ok(scopes.some((s) => s.startsWith(prefix)), `${prefix} in [${scopes.join(', ')}]`);

describe('TextMate grammars', () => {
  describe('auton-rules', () => {
    const rules = 'source.auton-rules';
    it('colours comments, intents, settings, keywords with weights, patterns and decision trees', async () => {
      has(await scopesOf(rules, '# route driver questions', 'route'), 'comment.line.number-sign');
      has(await scopesOf(rules, 'intent DRIVER_SELECT', 'intent'), 'storage.type.intent');
      has(await scopesOf(rules, 'intent DRIVER_SELECT', 'DRIVER_SELECT'), 'entity.name.type.intent');
      has(await scopesOf(rules, 'settings', 'settings'), 'storage.type.settings');
      has(await scopesOf(rules, '  fallback SYSTEM_MANAGE', 'fallback'), 'support.type.setting');
      has(await scopesOf(rules, '  fallback SYSTEM_MANAGE', 'SYSTEM_MANAGE'), 'entity.name.type.intent');
      has(await scopesOf(rules, '  temperature 1.5', '1.5'), 'constant.numeric');
      has(await scopesOf(rules, '  keyword "driver", "instal*" weight 3', 'keyword'), 'keyword.other.statement');
      has(await scopesOf(rules, '  keyword "driver", "instal*" weight 3', 'driver'), 'string.quoted.double');
      has(await scopesOf(rules, '  keyword "driver", "instal*" weight 3', '*'), 'keyword.operator.wildcard');
      has(await scopesOf(rules, '  keyword "driver", "instal*" weight 3', 'weight'), 'keyword.other.weight');
      has(await scopesOf(rules, '  keyword "driver", "instal*" weight 3', '3'), 'constant.numeric');
      has(await scopesOf(rules, '  pattern /\\b[0-9a-f]{4}:[0-9a-f]{4}\\b/ weight -1.5', 'pattern'), 'keyword.other.pattern');
      has(await scopesOf(rules, '  pattern /\\b[0-9a-f]{4}:[0-9a-f]{4}\\b/ weight -1.5', '\\b'), 'constant.character.class');
      has(await scopesOf(rules, '  pattern /\\b[0-9a-f]{4}:[0-9a-f]{4}\\b/ weight -1.5', '[0-9a-f]'), 'constant.other.character-class.set');
      has(await scopesOf(rules, '  pattern /\\b[0-9a-f]{4}:[0-9a-f]{4}\\b/ weight -1.5', '{4}'), 'keyword.operator.quantifier');
      has(await scopesOf(rules, '  pattern /\\b[0-9a-f]{4}:[0-9a-f]{4}\\b/ weight -1.5', ':'), 'string.regexp');
      has(await scopesOf(rules, '  pattern /\\b[0-9a-f]{4}:[0-9a-f]{4}\\b/ weight -1.5', '-1.5'), 'constant.numeric');
      has(await scopesOf(rules, '  if has "fails", "error" or not matches /crash(ed)?/ then', 'if'), 'keyword.control');
      has(await scopesOf(rules, '  if has "fails", "error" or not matches /crash(ed)?/ then', 'has'), 'keyword.operator');
      has(await scopesOf(rules, '  if has "fails", "error" or not matches /crash(ed)?/ then', 'or not'), 'keyword.operator');
      has(await scopesOf(rules, '  if has "fails", "error" or not matches /crash(ed)?/ then', 'not matches'), 'keyword.operator');
      has(await scopesOf(rules, '  if has "fails", "error" or not matches /crash(ed)?/ then', 'matches'), 'keyword.other.pattern');
      has(await scopesOf(rules, '  if has "fails", "error" or not matches /crash(ed)?/ then', 'crash'), 'string.regexp');
      has(await scopesOf(rules, '  if has "fails", "error" or not matches /crash(ed)?/ then', 'then'), 'keyword.control');
      has(await scopesOf(rules, '  elif has "slow" then', 'elif'), 'keyword.control');
      has(await scopesOf(rules, '    add -3', 'add'), 'keyword.other.statement');
      has(await scopesOf(rules, '  prior 0.5', 'prior'), 'keyword.other.statement');
      has(await scopesOf(rules, 'end', 'end'), 'keyword.control');
    });

    it('keeps a pattern or string that is not closed to its own line', async () => {
      const grammar = (await registry.loadGrammar(rules)) as IGrammar;
      const first = grammar.tokenizeLine('  pattern /unclosed', INITIAL);
      const next = grammar.tokenizeLine('  keyword "x" weight 1', first.ruleStack).tokens;
      const kw = next.find((t) => t.startIndex === 2);
      has(kw?.scopes ?? [], 'keyword.other.statement');
    });
  });

  describe('auton-log', () => {
    const log = 'text.auton-log';
    it('colours KTAP headers, results and diagnostics', async () => {
      has(await scopesOf(log, 'KTAP version 1', 'KTAP'), 'keyword.control.ktap');
      has(await scopesOf(log, '1..12', '12'), 'constant.numeric');
      has(await scopesOf(log, 'ok 3 mm_alloc_free', 'ok'), 'markup.inserted.ok');
      has(await scopesOf(log, 'not ok 4 sched_yield # timeout', 'not ok'), 'markup.deleted.not-ok');
      has(await scopesOf(log, 'not ok 4 sched_yield # timeout', 'sched_yield'), 'entity.name.function.test');
      has(await scopesOf(log, '# expected 3, got 4', 'expected'), 'comment.line.diagnostic');
    });

    it('colours the banner and subsystem prefixes, panics loudest', async () => {
      has(await scopesOf(log, 'AUTON 0.1.0 riscv64', 'riscv64'), 'support.type.arch');
      has(await scopesOf(log, '[BOOT] cmdline: ktest', '[BOOT]'), 'keyword.other.boot');
      has(await scopesOf(log, '[MM] 255 MiB free', '[MM]'), 'entity.name.tag.mm');
      has(await scopesOf(log, '[HW] virtio-net at 00:02.0', '[HW]'), 'support.type.hw');
      has(await scopesOf(log, '[SLM] intent=mm.query', '[SLM]'), 'entity.name.function.slm');
      has(await scopesOf(log, '[TRAP] page fault at 0x0', '[TRAP]'), 'markup.deleted.trap');
      has(await scopesOf(log, '[PANIC] out of memory', 'out of memory'), 'invalid.illegal.panic');
      assert.deepEqual(await scopesOf(log, 'OpenSBI v1.1', 'OpenSBI'), ['text.auton-log']);
    });
  });
});
