/**
 * Text <-> token ids for a model file, as the CLI and classification need them.
 * It uses llama.cpp's tokenizer (vocabulary-only load, no weights), which the parity tests
 * prove equal to AUTON's; AUTON's own SPM tokenizer (slm/src/tokenizer) takes over here once
 * it is part of the build.
 */
import { openLlamaCpp } from './llamacpp';

export interface TextCodec {
  /** Ids of `text`, without BOS/EOS. */
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  dispose(): Promise<void>;
}

export async function openCodec(path: string): Promise<TextCodec> {
  const vocab = await openLlamaCpp(path, { vocabOnly: true });
  return { encode: vocab.tokenize, decode: vocab.detokenize, dispose: vocab.dispose };
}
