/**
 * A model to evaluate, from a GGUF file (what ships: dequantized, with llama.cpp's activation
 * rounding so scores are those of the file as llama.cpp runs it) or from a training checkpoint.
 */
import type { Tokenizer } from '../types';
import { buildModel, type Model } from '../model/forward';
import { openAuton } from '../runtime/auton';
import { SpmTokenizer } from '../tokenizer/spm';
import { checkpointWeights, loadCheckpoint } from '../train/checkpoint';

export interface LoadedForEval {
  model: Model;
  tokenizer: Tokenizer;
  kind: 'gguf' | 'checkpoint';
}

export function loadForEval(file: string, fallbackTokenizer?: () => Tokenizer): LoadedForEval {
  if (file.endsWith('.gguf')) {
    const session = openAuton(file);
    return { model: session.model, tokenizer: new SpmTokenizer(session.loaded.tokenizer), kind: 'gguf' };
  }
  const { config, weights, tokenizer } = checkpointWeights(loadCheckpoint(file));
  const tok = tokenizer ? new SpmTokenizer(tokenizer) : fallbackTokenizer?.();
  if (!tok) throw new Error(`${file} holds no tokenizer: pass the dataset folder that has its tokenizer.json`);
  return { model: buildModel(config, weights), tokenizer: tok, kind: 'checkpoint' };
}
