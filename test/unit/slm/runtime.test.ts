import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GgufError } from '../../../slm/src/gguf/format';
import { llamaMetadata } from '../../../slm/src/gguf/llamaLayout';
import { encodeLlamaGguf } from '../../../slm/src/gguf/llamaModel';
import { parseGguf } from '../../../slm/src/gguf/reader';
import { writeGguf } from '../../../slm/src/gguf/writer';
import { openLlamaCpp } from '../../../slm/src/runtime/llamacpp';
import { classifyNeural } from '../../../slm/src/runtime/classify';
import { SpmTokenizer } from '../../../slm/src/tokenizer/spm';
import { trainBpe } from '../../../slm/src/tokenizer/train';
import { encodeExample, formatExample } from '../../../slm/src/model/prompt';
import { tensorSpecs, viewWeights } from '../../../slm/src/model/weights';
import { buildModel } from '../../../slm/src/model/forward';
import { evaluateSet } from '../../../slm/src/eval/evaluate';
import { measureQuantization } from '../../../slm/src/quant/accuracy';
import { DEFAULT_TRAIN } from '../../../slm/src/train/config';
import { trainModel } from '../../../slm/src/train/trainer';
import { type Intent, INTENTS, type ModelConfig, type Weights } from '../../../slm/src/types';
import { randomWeights, tinyConfig, tinyTokenizer } from './ggufFixtures';

describe('slm runtime: node-llama-cpp wrapper', function () {
  this.timeout(60_000);
  let dir: string;
  const tokenizer = tinyTokenizer();
  const config = tinyConfig(tokenizer.tokens.length);
  const good = encodeLlamaGguf({ config, tokenizer, weights: randomWeights(config, 9) }, 'Q8_0');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-runtime-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a validated file, reports its config and tokenizes with its vocabulary', async () => {
    const path = join(dir, 'good.gguf');
    writeFileSync(path, good);
    const session = await openLlamaCpp(path, { vocabOnly: true });
    try {
      assert.deepEqual(session.info.config, { ...config, normEps: Math.fround(config.normEps) });
      // "▁the" is a vocabulary entry; "é" falls back to its two UTF-8 byte tokens.
      const ids = session.tokenize('the é');
      assert.deepEqual(ids.map((id) => tokenizer.tokens[id]), ['▁the', '▁', '<0xC3>', '<0xA9>']);
      assert.equal(session.detokenize(ids).trim(), 'the é');
    } finally {
      await session.dispose();
    }
  });

  it('refuses a file llama.cpp would abort on (no llama.feed_forward_length) before llama.cpp sees it', async () => {
    const file = parseGguf(good);
    const metadata = llamaMetadata(config, tokenizer, 'Q8_0');
    metadata.delete('llama.feed_forward_length');
    const path = join(dir, 'no-ffn.gguf');
    writeFileSync(path, writeGguf(metadata, file.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type, data: good.subarray(t.offset, t.offset + t.bytes) }))));
    await assert.rejects(openLlamaCpp(path), (e: unknown) => e instanceof GgufError && e.message === `${path}: not a llama model llama.cpp can load: missing key llama.feed_forward_length`);
  });

  it('refuses a truncated file with the reason', async () => {
    const path = join(dir, 'cut.gguf');
    writeFileSync(path, good.subarray(0, good.length - 100));
    await assert.rejects(openLlamaCpp(path), /cut\.gguf: file is truncated: tensor output\.weight/);
  });
});

describe('slm runtime: classifyNeural on a trained toy GGUF', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-classify-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each request\'s intent from what the model writes, with a confidence in (0, 1]', async () => {
    const cue: Record<Intent, string> = {
      HARDWARE_IDENTIFY: 'what card', DRIVER_SELECT: 'which driver', INSTALL_CONFIGURE: 'set up',
      APP_INSTALL: 'get app', SYSTEM_MANAGE: 'stop svc', TROUBLESHOOT: 'fix it',
    };
    const examples = (n: number, offset: number) => Array.from({ length: n }, (_, j) => {
      const intent = INTENTS[j % 6] as Intent;
      return { request: `${cue[intent]} ${(Math.floor(j / 6) + offset) % 4}`, intent, answer: 'ok' };
    });
    const train = examples(96, 0);
    const tokenizer = trainBpe(train.map(formatExample), { vocabSize: 320 });
    const config: ModelConfig = { ...tinyConfig(tokenizer.tokens.length), dim: 32, nHeads: 2, nKvHeads: 1, hiddenDim: 64, nLayers: 2, contextLength: 64 };
    const path = join(dir, 'toy.gguf');
    const spm = new SpmTokenizer(tokenizer);
    const data = train.map((e) => encodeExample(spm, e));
    const run = await trainModel({
      model: config,
      train: { ...DEFAULT_TRAIN, steps: 60, batchSize: 12, lr: 1e-2, minLr: 1e-3, warmupSteps: 6, checkpointEvery: 0, evalEvery: 0 },
      data: { train: data },
      threads: 2,
    });
    writeFileSync(path, encodeLlamaGguf({ config, tokenizer, weights: viewWeights(config, run.checkpoint.params) }, 'Q8_0'));

    const heldOut = examples(12, 2);
    const results = await classifyNeural(path, heldOut.map((e) => e.request));
    const correct = results.filter((r, i) => r.intent === heldOut[i]?.intent).length;
    assert.ok(correct >= 11, JSON.stringify(results));
    for (const r of results) assert.ok(r.confidence > 0 && r.confidence <= 1, String(r.confidence));

    // The accuracy change from F32 for each quantized type, through the evaluation stage.
    const held = heldOut.map((e, i) => ({ ...e, id: `h${i}`, source: 'test', template: 't', split: 'test' as const }));
    const accuracy = (w: Weights): number => evaluateSet(buildModel(config, w), spm, 'held-out', held).intent.accuracy;
    const reports = await measureQuantization(viewWeights(config, run.checkpoint.params), ['Q8_0', 'Q4_0'], accuracy);
    assert.deepEqual(reports.map((r) => r.type), ['Q8_0', 'Q4_0']);
    for (const r of reports) {
      assert.ok(r.f32 >= 11 / 12 && Math.abs(r.delta) <= 1 / 12, `${r.type}: F32 ${r.f32}, delta ${r.delta}`);
      assert.equal(r.tensors.length, tensorSpecs(config).length);
    }
  });
});
