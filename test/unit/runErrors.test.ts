import { strict as assert } from 'node:assert';
import { checkToolchain } from '../../src/kernel/toolchain';
import { LlmError } from '../../src/llm/types';
import { classifyRunProblem, toolchainText } from '../../src/vscode/runErrors';

describe('run problems, by what fixes them', () => {
  it('a missing key (before the run) or a refused one (during it) asks for a key', () => {
    const missing = new LlmError('no API key for anthropic: set ANTHROPIC_API_KEY or run "AUTON: Set API Key"', 'auth', { provider: 'anthropic' });
    assert.deepEqual(classifyRunProblem(missing), { kind: 'no-key', message: missing.message, provider: 'anthropic' });
    const refused = classifyRunProblem('run 1 failed: manager: openai: HTTP 401 invalid_api_key');
    assert.equal(refused.kind, 'no-key');
    assert.equal(refused.provider, 'openai');
  });

  it('a model that cannot be reached points at the settings', () => {
    assert.equal(classifyRunProblem(new LlmError('connect ECONNREFUSED 127.0.0.1:9', 'network', { provider: 'ollama' })).kind, 'unreachable');
    assert.equal(classifyRunProblem('run 2 failed: manager: anthropic: Connection error. (after 5 attempts)').kind, 'unreachable');
  });

  it('anything else is just the message', () => {
    assert.deepEqual(classifyRunProblem(new Error('t1: developer: never produced a valid result')), {
      kind: 'other',
      message: 't1: developer: never produced a valid result',
    });
  });

  it('says what is missing and the command that installs it', () => {
    const report = checkToolchain(['riscv64'], ['build', 'boot'], '/nonexistent');
    const text = toolchainText(report);
    assert.match(text, /^missing clang\s+\(Debian package: clang\)$/m);
    assert.match(text, /^missing qemu-system-riscv64\s+\(Debian package: qemu-system-misc\)$/m);
    assert.ok(text.includes(report.installCommand) && report.installCommand.startsWith('sudo apt-get install'));
    assert.match(text, /bash scripts\/setup\.sh/);
  });
});
