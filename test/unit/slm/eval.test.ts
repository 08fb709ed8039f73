import { strict as assert } from 'node:assert';
import { PRESETS } from '../../../slm/src/model/config';
import { buildModel } from '../../../slm/src/model/forward';
import { encodeExample, formatExample, formatPrompt, parseCompletion, toIntent } from '../../../slm/src/model/prompt';
import { initWeights, viewWeights } from '../../../slm/src/model/weights';
import { evaluateSet, formatSetReport } from '../../../slm/src/eval/evaluate';
import { answerF1, answerMatches, confusionAccuracy, emptyConfusion, formatConfusion } from '../../../slm/src/eval/metrics';
import { DEFAULT_TRAIN } from '../../../slm/src/train/config';
import { trainModel } from '../../../slm/src/train/trainer';
import type { Example, Intent, ModelConfig } from '../../../slm/src/types';
import { charTokenizer } from './charTokenizer';

const ex = (request: string, intent: Intent, answer: string, i = 0): Example => ({ id: `t${i}`, intent, request, answer, source: 'test', template: 't', split: 'test' });

describe('slm evaluation: prompt format and metrics', () => {
  it('formats the training text and reads completions back', () => {
    const e = ex('which driver for 8086:10d3', 'DRIVER_SELECT', 'e1000e');
    assert.equal(formatExample(e), '### request: which driver for 8086:10d3\n### intent: DRIVER_SELECT\n### answer: e1000e');
    assert.ok(formatExample(e).startsWith(formatPrompt(e.request)));
    assert.deepEqual(parseCompletion(' DRIVER_SELECT\n### answer: e1000e'), { intent: 'DRIVER_SELECT', intentText: 'DRIVER_SELECT', answer: 'e1000e' });
    assert.equal(parseCompletion(' TROUBLESH').intent, 'TROUBLESHOOT');
    assert.equal(toIntent('banana'), undefined);
  });

  it('scores the answer part only: the loss starts right after the prompt', () => {
    const e = ex('hi', 'APP_INSTALL', 'apt install x');
    const tok = charTokenizer(formatExample(e));
    const enc = encodeExample(tok, e);
    assert.equal(tok.decode(enc.ids.slice(enc.lossFrom)), ' APP_INSTALL\n### answer: apt install x');
  });

  it('counts a confusion table and answer matches', () => {
    const c = emptyConfusion();
    c.DRIVER_SELECT.DRIVER_SELECT = 3;
    c.DRIVER_SELECT.HARDWARE_IDENTIFY = 1;
    c.TROUBLESHOOT.none = 1;
    assert.deepEqual(confusionAccuracy(c), { correct: 3, total: 5, accuracy: 0.6 });
    assert.match(formatConfusion(c), /DRIVER_SELECT\s+1\s+3\s+0\s+0\s+0\s+0\s+0\s+75\.0%/);
    assert.ok(answerMatches('Intel  Corporation 82574L.', 'intel corporation 82574l'));
    assert.equal(answerF1('intel 82574L gigabit', 'Intel 82574L Gigabit Network Connection'), 2 * (1 * 0.6) / 1.6);
  });
});

describe('slm evaluation: a trained toy model', function () {
  this.timeout(120_000);
  it('reports intent accuracy, confusion, answer accuracy and perplexity', async () => {
    const words: Record<Intent, string[]> = {
      HARDWARE_IDENTIFY: ['what is card', 'name device'], DRIVER_SELECT: ['driver for', 'module for'],
      INSTALL_CONFIGURE: ['set up', 'configure'], APP_INSTALL: ['install app', 'get app'],
      SYSTEM_MANAGE: ['restart svc', 'stop svc'], TROUBLESHOOT: ['fix broken', 'why fail'],
    };
    const answer = (i: Intent, k: number): string => (i === 'DRIVER_SELECT' ? `drv${k}` : i === 'HARDWARE_IDENTIFY' ? `dev${k}` : 'ok');
    const make = (n: number, offset: number): Example[] => Array.from({ length: n }, (_, j) => {
      const i = Object.keys(words)[j % 6] as Intent;
      const k = (Math.floor(j / 6) + offset) % 3;
      return ex(`${words[i][(j >> 1) % 2]} ${k}`, i, answer(i, k), j);
    });
    const train = make(120, 0);
    const tok = charTokenizer(train.map(formatExample).join(''));
    const config: ModelConfig = { ...PRESETS.micro, dim: 32, hiddenDim: 64, vocabSize: tok.data.tokens.length, contextLength: 48 };
    const r = await trainModel({
      model: config,
      train: { ...DEFAULT_TRAIN, steps: 80, batchSize: 12, lr: 1e-2, minLr: 1e-3, warmupSteps: 10, checkpointEvery: 0, evalEvery: 0 },
      data: { train: train.map((e) => encodeExample(tok, e)) },
      threads: 2,
    });
    const model = buildModel(config, viewWeights(config, r.checkpoint.params));
    const report = evaluateSet(model, tok, 'toy', make(24, 1));
    assert.equal(report.examples, 24);
    assert.ok(report.intent.accuracy >= 0.9, formatSetReport(report));
    assert.ok(report.answers.DRIVER_SELECT && report.answers.DRIVER_SELECT.total === 4);
    assert.ok(report.perplexity && report.perplexity.perplexity < 2, formatSetReport(report));
    assert.match(formatSetReport(report), /intent accuracy .*\n.*perplexity .*\n.*answer accuracy {3}HARDWARE_IDENTIFY/);

    const untrained = buildModel(config, viewWeights(config, initWeights(config, 1) as Float32Array));
    const chance = evaluateSet(untrained, tok, 'untrained', make(12, 1), { limit: 6 });
    assert.equal(chance.examples, 6);
    assert.ok(chance.intent.accuracy < 0.5);
  });
});
