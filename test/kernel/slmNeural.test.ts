/**
 * The neural SLM backend inside the kernel (kernels/tests/test_slm_neural.c) on every arch, and
 * the freshness of what those tests compare with: kernels/slm/neural/testdata/tiny_model.h must
 * be what the TypeScript reference computes today (test/kernel/slmNeuralFixture.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ARCHES, testKernel } from '../../src/kernel';
import { HEADER_PATH, tinyModelHeader } from './slmNeuralFixture';

const root = resolve(__dirname, '../..');

describe('kernel neural SLM backend (KTAP in QEMU)', function () {
  this.timeout(300_000);

  it('the tiny model and its expected tokens are what the TypeScript reference computes now', () => {
    assert.ok(readFileSync(HEADER_PATH, 'utf8') === tinyModelHeader(),
      `${HEADER_PATH} is stale: run "npx tsx test/kernel/slmNeuralFixture.ts" and commit the result`);
  });

  for (const arch of ARCHES) {
    it(`${arch}: fp16, Q8_0/Q4_0 dot products, loader refusals, tokenizer and generation`, async () => {
      const r = await testKernel({ root, arch, filter: 'slm_neural_' });
      assert.ok(r.ok, `${r.message}\n${r.boot?.serial.slice(-3000) ?? ''}`);
      const names = r.ktap!.tests.map((t) => t.name);
      for (const name of ['slm_neural_q4_0_dot_is_exact', 'slm_neural_refuses_corrupted_images', 'slm_neural_generates_like_the_reference']) {
        assert.ok(names.includes(name), `${name} ran`);
      }
    });
  }
});
