/**
 * The tokenizer of a model file as AUTON's Tokenizer contract. It runs llama.cpp's tokenizer
 * (a vocabulary-only load, no weights), which the parity tests hold equal to AUTON's own;
 * AUTON's SPM tokenizer (slm/src/tokenizer) takes over here once it is part of the build.
 */
import type { Tokenizer } from '../types';
import { openLlamaCpp } from './llamacpp';

export interface OpenTokenizer extends Tokenizer {
  dispose(): Promise<void>;
}

export async function openTokenizer(path: string): Promise<OpenTokenizer> {
  const vocab = await openLlamaCpp(path, { vocabOnly: true });
  const { bos, eos } = vocab.info.tokenizer;
  return {
    data: vocab.info.tokenizer,
    encode: (text, o) => [...(o?.bos ? [bos] : []), ...vocab.tokenize(text), ...(o?.eos ? [eos] : [])],
    decode: (ids) => vocab.detokenize(ids),
    dispose: () => vocab.dispose(),
  };
}
