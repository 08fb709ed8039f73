/**
 * A model from either file AUTON writes: a GGUF (validated, dequantized) or a training
 * checkpoint ("AUTONCKP", which carries the tokenizer too).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { LlamaModel } from '../gguf/llamaModel';
import { loadLlamaGguf } from '../gguf/llamaModel';
import type { GgmlTypeName } from '../quant/tensorTypes';
import { checkpointWeights, loadCheckpoint } from '../train/checkpoint';

export interface ModelFile {
  model: LlamaModel;
  /** Storage types of a GGUF's tensors; a checkpoint is all F32. */
  types: Map<string, GgmlTypeName>;
  kind: 'gguf' | 'checkpoint';
}

function magic(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new Error(`${path}: no such file`);
  }
  try {
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    return head.toString('latin1', 0, n);
  } finally {
    closeSync(fd);
  }
}

export function readModelFile(path: string): ModelFile {
  const head = magic(path);
  if (head.startsWith('AUTONCKP')) {
    const { config, weights, tokenizer } = checkpointWeights(loadCheckpoint(path));
    if (tokenizer === undefined) throw new Error(`${path}: the checkpoint holds no tokenizer, so it cannot be exported; train with a tokenizer`);
    return { model: { config, weights, tokenizer }, types: new Map([...weights.keys()].map((name) => [name, 'F32'])), kind: 'checkpoint' };
  }
  // Anything else goes to the GGUF reader, whose error names a bad magic.
  const loaded = loadLlamaGguf(path);
  return { model: { config: loaded.config, weights: loaded.weights, tokenizer: loaded.tokenizer }, types: loaded.types, kind: 'gguf' };
}
