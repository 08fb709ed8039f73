/**
 * Tiny llama models for the quant/gguf/onnx/runtime/parity tests: a seeded random model (no
 * training needed) and a small SPM vocabulary with all 256 byte-fallback tokens.
 */
import type { ModelConfig, TokenizerData, Weights } from '../../../slm/src/types';
import { Rng } from '../../../slm/src/model/rng';
import { tensorSpecs } from '../../../slm/src/model/weights';

/** A vocabulary of <unk> <s> </s>, the 256 byte tokens, then `words` (scored so earlier wins). */
export function tinyTokenizer(words: readonly string[] = DEFAULT_WORDS): TokenizerData {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  const scores = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
    scores.push(0);
  }
  words.forEach((w, i) => {
    tokens.push(w);
    types.push(1);
    scores.push(-i);
  });
  return { tokens, scores, types, bos: 1, eos: 2, unk: 0, pad: -1, addSpacePrefix: true };
}

const DEFAULT_WORDS = [
  '▁', 'e', 't', 'a', 'o', 'i', 'n', 's', 'r', 'l', 'd', 'c', 'u', 'p', 'm', 'h', 'v', 'g', 'w', 'k', 'b', 'f', 'y', 'x',
  '▁t', '▁th', '▁the', 'in', '▁in', 'er', 'on', 're', 'st', '▁a', 'en', 'at', 'er', 'ic', '▁dr', '▁driver', 'iv',
  '▁install', '▁net', 'work', '▁network', '▁card', '▁pci', '▁usb', '▁wifi', '▁intel', '.', ',', '?', ':', '#', '▁#',
  '▁request', '▁intent', '▁answer', '\n', '_', 'A', 'E', 'I', 'R', 'T',
].filter((w, i, all) => all.indexOf(w) === i);

export function tinyConfig(vocabSize: number, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    name: 'auton-test-tiny', vocabSize, dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 96,
    contextLength: 64, normEps: 1e-5, ropeTheta: 10000, ...overrides,
  };
}

/**
 * Random weights: matrices ~ U(-1,1)/sqrt(fan_in), norms near 1, and the output projection scaled
 * up so that the next-token distribution is peaked (greedy choices are then clear-cut, as in a
 * trained model, and rounding differences between runtimes do not flip them).
 */
export function randomWeights(config: ModelConfig, seed: number, outputScale = 6): Weights {
  const rng = new Rng(seed);
  const rand = (): number => rng.next();
  const weights: Weights = new Map();
  for (const { name, shape } of tensorSpecs(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (shape.length === 1) for (let i = 0; i < n; i++) data[i] = 0.8 + 0.4 * rand();
    else {
      const scale = (name === 'output.weight' ? outputScale : 1) / Math.sqrt(shape[1] ?? 1);
      const embedding = name === 'token_embd.weight';
      for (let i = 0; i < n; i++) data[i] = (rand() * 2 - 1) * (embedding ? 1 : scale * Math.sqrt(3));
    }
    weights.set(name, { shape, data });
  }
  return weights;
}
