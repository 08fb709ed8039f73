/** Shared set-up of the LLM tests: a mock server per test and clients pointed at it. */
import { strict as assert } from 'node:assert';
import { createLlmClient, LlmError, type CreateLlmClientOptions, type LlmErrorKind } from '../../../src/llm/index';
import { MockLlmServer, type ScriptedReply } from '../../support/mockLlmServer';

/** Looks like a real key so the redaction patterns are exercised too. */
export const ANTHROPIC_KEY = 'sk-ant-api03-TESTKEY-abcdefghijklmnopqrstuvwxyz0123456789';
export const OPENAI_KEY = 'sk-proj-TESTKEY-abcdefghijklmnopqrstuvwxyz0123456789';

export interface Harness {
  server: MockLlmServer;
  /** Every wait the retry loop asked for, in milliseconds (nothing really waits). */
  sleeps: number[];
}

/** Starts a fresh server before each test of the suite and closes it after. */
export function useMockServer(): Harness {
  const harness = { sleeps: [] } as unknown as Harness;
  beforeEach(async () => {
    harness.server = await MockLlmServer.start([]);
    harness.sleeps = [];
  });
  afterEach(async () => {
    await harness.server.close();
  });
  return harness;
}

export function clientOptions(h: Harness, extra: CreateLlmClientOptions = {}): CreateLlmClientOptions {
  return {
    env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY, OPENAI_API_KEY: OPENAI_KEY },
    baseUrls: { anthropic: h.server.url, openai: h.server.openaiUrl },
    sleep: (ms) => {
      h.sleeps.push(ms);
      return Promise.resolve();
    },
    retry: { random: () => 0.5 },
    ...extra,
  };
}

export async function scripted(h: Harness, model: string, replies: ScriptedReply[], extra: CreateLlmClientOptions = {}) {
  h.server.setScript(replies);
  return createLlmClient(model, clientOptions(h, extra));
}

/** Asserts `promise` rejects with an LlmError of `kind` and returns it. */
export async function rejectsWith(promise: Promise<unknown>, kind: LlmErrorKind): Promise<LlmError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LlmError, `expected an LlmError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`expected an LlmError of kind ${kind}, but the call succeeded`);
}

export const user = (text: string) => ({ role: 'user' as const, content: [{ type: 'text' as const, text }] });
