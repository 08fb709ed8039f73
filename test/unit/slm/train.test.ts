import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRESETS } from '../../../slm/src/model/config';
import { buildModel } from '../../../slm/src/model/forward';
import { generateIds } from '../../../slm/src/model/generate';
import type { EncodedExample } from '../../../slm/src/model/prompt';
import { Rng } from '../../../slm/src/model/rng';
import { viewWeights } from '../../../slm/src/model/weights';
import { adamwUpdate, createAdamW } from '../../../slm/src/train/adamw';
import { checkpointWeights, loadCheckpoint, saveCheckpoint } from '../../../slm/src/train/checkpoint';
import { clipGradNorm } from '../../../slm/src/train/clip';
import { DEFAULT_TRAIN, type TrainConfig, trainProblems } from '../../../slm/src/train/config';
import { Sampler } from '../../../slm/src/train/sampler';
import { learningRate } from '../../../slm/src/train/schedule';
import { dropRequestTokens, trainModel, updateAverage } from '../../../slm/src/train/trainer';
import type { ModelConfig } from '../../../slm/src/types';

/**
 * A toy version of the real task: a "request" of words drawn from a class's own word list
 * (plus shared filler), a separator, then the class token and an "answer" token that depends
 * on the class. Scoring starts after the separator, as for the real prompts.
 */
const BOS = 0, EOS = 1, SEP = 2, CLASS0 = 3, ANSWER0 = 7, WORD0 = 11;
const micro: ModelConfig = { ...PRESETS.micro, vocabSize: 40, contextLength: 16 };

function toyData(n: number, seed: number): EncodedExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const cls = rng.int(4);
    const words = Array.from({ length: 2 + rng.int(5) }, () => (rng.next() < 0.5 ? WORD0 + cls * 5 + rng.int(5) : WORD0 + 20 + rng.int(9)));
    const ids = [BOS, ...words, SEP, CLASS0 + cls, ANSWER0 + cls, EOS];
    return { ids, lossFrom: words.length + 2 };
  });
}

const quick: TrainConfig = { ...DEFAULT_TRAIN, steps: 12, batchSize: 8, warmupSteps: 3, lr: 1e-2, minLr: 1e-3, shards: 2, checkpointEvery: 0, evalEvery: 0, requestDropout: 0.1, intentWeight: 2 };

describe('slm training: optimizer pieces', () => {
  it('warms up linearly, then follows a cosine down to minLr', () => {
    const s = { lr: 1, minLr: 0.1, warmupSteps: 4, steps: 14 };
    assert.deepEqual([0, 1, 2, 3].map((i) => learningRate(s, i)), [0.25, 0.5, 0.75, 1]);
    assert.ok(Math.abs(learningRate(s, 9) - 0.55) < 1e-12);
    assert.equal(learningRate(s, 14), 0.1);
  });

  it('clips the global gradient norm', () => {
    const g = new Float32Array([3, 4]);
    assert.equal(clipGradNorm(g, 1), 5);
    assert.ok(Math.abs(g[0]! - 0.6) < 1e-6 && Math.abs(g[1]! - 0.8) < 1e-6);
    assert.ok(Math.abs(clipGradNorm(g, 0) - 1) < 1e-6);
  });

  it('AdamW moves against the gradient by about lr at first and decays only what it is told to', () => {
    const p = new Float32Array([1, 1]);
    const s = createAdamW(2);
    adamwUpdate({ beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.5 }, s, p, new Float32Array([2, -2]), 1, 0.1, 0, 1, true);
    adamwUpdate({ beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.5 }, s, p, new Float32Array([2, -2]), 1, 0.1, 1, 2, false);
    assert.ok(Math.abs(p[0]! - (1 * 0.95 - 0.1)) < 1e-6, `decayed and stepped: ${p[0]}`);
    assert.ok(Math.abs(p[1]! - 1.1) < 1e-6, `stepped only: ${p[1]}`);
  });

  it('draws every example once per epoch and resumes the same order from its state', () => {
    const a = new Sampler(10, 3);
    const first = a.next(10);
    assert.deepEqual([...first].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    a.next(4);
    const b = new Sampler(10, a.state());
    assert.deepEqual(b.next(13), a.next(13));
  });

  it('request-token dropout is seeded by the step, keeps BOS and the prompt end, and leaves the answer alone', () => {
    const e: EncodedExample = { ids: [0, 11, 12, 13, 14, 15, 2, 3, 7, 1], lossFrom: 7 };
    const a = dropRequestTokens([e], 0.5, 40, 1, 9)[0]!;
    assert.deepEqual(dropRequestTokens([e], 0.5, 40, 1, 9)[0], a);
    assert.notDeepEqual(a.ids, e.ids);
    assert.deepEqual([a.ids[0], ...a.ids.slice(6)], [0, 2, 3, 7, 1]);
    assert.equal(dropRequestTokens([e], 0, 40, 1, 9)[0], e);
  });

  it('rejects bad hyperparameters with the field name', () => {
    assert.match(trainProblems({ ...quick, lr: -1, shards: 0 }).join('; '), /train\.shards .*train\.lr/s);
    assert.match(trainProblems({ ...quick, ema: 1 }).join('; '), /train\.ema must be in \[0, 1\)/);
  });

  it('moves the weight average a (1 - decay) share of the way to the weights', () => {
    const avg = new Float32Array([0, 10]);
    updateAverage(avg, new Float32Array([1, 0]), 0.75);
    assert.deepEqual([...avg], [0.25, 7.5]);
  });
});

describe('slm training: runs (micro model, toy task)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-slm-train-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('learns the toy task: loss falls and the class token is predicted', async () => {
    const data = toyData(400, 1);
    const r = await trainModel({ model: micro, train: { ...quick, steps: 150, batchSize: 16, lr: 2e-2, minLr: 2e-3, warmupSteps: 10, intentWeight: 2, requestDropout: 0.1 }, data: { train: data, validation: toyData(64, 2) } });
    const first = r.checkpoint.header.history[0]!.loss;
    assert.ok(r.finalLoss < first / 3, `loss went from ${first} to ${r.finalLoss}`);
    const model = buildModel(micro, viewWeights(micro, r.checkpoint.params));
    const heldOut = toyData(100, 9);
    const right = heldOut.filter((e) => generateIds(model, e.ids.slice(0, e.lossFrom), { maxTokens: 2 }).join() === e.ids.slice(e.lossFrom, e.lossFrom + 2).join());
    assert.ok(right.length >= 90, `${right.length}/100 held-out toy requests get their class and answer tokens`);
  });

  it('gives the same bits with 1 and 2 threads, and twice in a row', async () => {
    const data = { train: toyData(64, 3) };
    const one = await trainModel({ model: micro, train: quick, data, threads: 1 });
    const again = await trainModel({ model: micro, train: quick, data, threads: 1 });
    const two = await trainModel({ model: micro, train: quick, data, threads: 2 });
    assert.deepEqual(Buffer.from(again.checkpoint.params.buffer), Buffer.from(one.checkpoint.params.buffer));
    assert.deepEqual(Buffer.from(two.checkpoint.params.buffer), Buffer.from(one.checkpoint.params.buffer));
    assert.deepEqual(Buffer.from(two.checkpoint.v.buffer), Buffer.from(one.checkpoint.v.buffer));
  });

  it('resumes from a checkpoint bit for bit', async () => {
    const data = { train: toyData(40, 4) };
    const straight = await trainModel({ model: micro, train: quick, data });
    const file = join(dir, 'half.ckpt');
    await trainModel({ model: micro, train: quick, data, checkpointFile: file, stopAtStep: 5 });
    const half = loadCheckpoint(file);
    assert.equal(half.header.step, 5);
    const resumed = await trainModel({ model: micro, train: quick, data, resume: half, threads: 2 });
    assert.equal(resumed.steps, 12);
    for (const k of ['params', 'm', 'v'] as const) {
      assert.deepEqual(Buffer.from(resumed.checkpoint[k].buffer), Buffer.from(straight.checkpoint[k].buffer), `${k} differ after resume`);
    }
    assert.deepEqual(resumed.checkpoint.header.sampler, straight.checkpoint.header.sampler);
  });

  it('keeps a moving average of the weights that exports, saves and resumes bit for bit', async () => {
    const data = { train: toyData(40, 4) };
    const withEma: TrainConfig = { ...quick, ema: 0.9 };
    const plain = await trainModel({ model: micro, train: quick, data });
    const straight = await trainModel({ model: micro, train: withEma, data });
    // The average only watches: the trained weights are those of the run without it.
    assert.deepEqual(Buffer.from(straight.checkpoint.params.buffer), Buffer.from(plain.checkpoint.params.buffer));
    const avg = straight.checkpoint.ema!;
    assert.ok(avg && avg.length === plain.checkpoint.params.length);
    assert.notDeepEqual(Buffer.from(avg.buffer), Buffer.from(straight.checkpoint.params.buffer));
    // With a decay near 0 the average is the last weights; with 0.9 it lies between the last and earlier ones.
    const follow = (await trainModel({ model: micro, train: { ...quick, ema: 1e-9 }, data })).checkpoint.ema!;
    assert.ok(follow.every((x, i) => Math.abs(x - plain.checkpoint.params[i]!) < 1e-6), 'decay ~0: the average is the weights');
    // Before step 1 / (1 - decay) it is the plain mean of the weights after each step so far.
    const mean = new Float64Array(avg.length);
    for (let k = 1; k <= quick.steps; k++) {
      const p = (await trainModel({ model: micro, train: quick, data, stopAtStep: k })).checkpoint.params;
      for (let j = 0; j < p.length; j++) mean[j]! += p[j]! / quick.steps;
    }
    const uniform = (await trainModel({ model: micro, train: { ...quick, ema: 0.99 }, data })).checkpoint.ema!;
    assert.ok(uniform.every((x, j) => Math.abs(x - mean[j]!) < 1e-5), 'decay 0.99 over 12 steps: the mean of the 12 steps');
    // Export and evaluation read the average; without one, the weights.
    assert.equal(checkpointWeights(straight.checkpoint).weights.get('token_embd.weight')!.data[0], avg[0]);
    assert.equal(checkpointWeights(plain.checkpoint).weights.get('token_embd.weight')!.data[0], plain.checkpoint.params[0]);
    const file = join(dir, 'ema-half.ckpt');
    await trainModel({ model: micro, train: withEma, data, checkpointFile: file, stopAtStep: 5 });
    const half = loadCheckpoint(file);
    assert.equal(half.header.ema, true);
    const resumed = await trainModel({ model: micro, train: withEma, data, resume: half });
    assert.deepEqual(Buffer.from(resumed.checkpoint.ema!.buffer), Buffer.from(avg.buffer));
    const whole = join(dir, 'ema-whole.ckpt');
    saveCheckpoint(whole, straight.checkpoint);
    assert.deepEqual(Buffer.from(loadCheckpoint(whole).ema!.buffer), Buffer.from(avg.buffer));
    // A checkpoint without an average cannot continue a run that keeps one.
    const plainFile = join(dir, 'plain-half.ckpt');
    await trainModel({ model: micro, train: quick, data, checkpointFile: plainFile, stopAtStep: 5 });
    assert.equal(loadCheckpoint(plainFile).ema, undefined);
    await assert.rejects(trainModel({ model: micro, train: withEma, data, resume: loadCheckpoint(plainFile) }), /kept no weight average/);
  });

  it('still reads version 1 checkpoints (no average)', async () => {
    const r = await trainModel({ model: micro, train: { ...quick, steps: 1 }, data: { train: toyData(8, 5) } });
    const file = join(dir, 'v1.ckpt');
    saveCheckpoint(file, r.checkpoint);
    const bytes = Buffer.from(readFileSync(file));
    bytes.writeUInt32LE(1, 8);
    writeFileSync(file, bytes);
    const back = loadCheckpoint(file);
    assert.equal(back.ema, undefined);
    assert.deepEqual(Buffer.from(back.params.buffer), Buffer.from(r.checkpoint.params.buffer));
  });

  it('refuses a truncated or foreign checkpoint with a clear message', async () => {
    const file = join(dir, 'small.ckpt');
    const r = await trainModel({ model: micro, train: { ...quick, steps: 1 }, data: { train: toyData(8, 5) } });
    saveCheckpoint(file, r.checkpoint);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    assert.throws(() => loadCheckpoint(file), /not a usable AUTON checkpoint: expected \d+ bytes/);
    writeFileSync(file, 'GGUF....');
    assert.throws(() => loadCheckpoint(file), /does not start with "AUTONCKP"/);
  });

  it('says which example is too long for the context', async () => {
    const long: EncodedExample = { ids: Array.from({ length: 20 }, (_, i) => i), lossFrom: 1 };
    await assert.rejects(trainModel({ model: micro, train: quick, data: { train: [long] } }), /example 0 has 20 tokens, more than the context length 16/);
  });
});
