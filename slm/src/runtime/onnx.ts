/**
 * onnxruntime-node 1.30.0 (CPU), loaded lazily: runs a model written by onnx/llamaGraph.ts and
 * returns its logits, or continues a prompt greedily.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { argmax } from '../model/generate';

export interface OnnxOptions {
  /** Intra-op threads (default 1). */
  threads?: number;
  /** The model's context length: generation stops when the sequence fills it. */
  contextLength?: number;
}

export interface OnnxSession {
  /** Logits for every position of `ids`: row t (vocabSize floats) predicts token t + 1. */
  logits(ids: readonly number[]): Promise<Float32Array[]>;
  /** Greedy continuation: up to `maxTokens` new ids, stopping before `eos`. */
  generate(prompt: readonly number[], maxTokens: number, eos: number): Promise<number[]>;
  dispose(): Promise<void>;
}

/** Opens an ONNX model file (or its bytes). */
export async function openOnnx(model: string | Uint8Array, options: OnnxOptions = {}): Promise<OnnxSession> {
  const ort = await import('onnxruntime-node');
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'], intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  };
  const session = typeof model === 'string'
    ? await ort.InferenceSession.create(model, sessionOptions)
    : await ort.InferenceSession.create(model, sessionOptions);
  const outputName = session.outputNames[0] ?? 'logits';

  const logits = async (ids: readonly number[]): Promise<Float32Array[]> => {
    const input = new ort.Tensor('int64', BigInt64Array.from(ids, (id) => BigInt(id)), [1, ids.length]);
    const result = await session.run({ [session.inputNames[0] ?? 'input_ids']: input });
    const out = result[outputName];
    if (out === undefined) throw new Error(`the ONNX model has no output ${outputName}`);
    const data = out.data as Float32Array;
    const vocabSize = out.dims[2] ?? 0;
    return ids.map((_, t) => data.slice(t * vocabSize, (t + 1) * vocabSize));
  };

  return {
    logits,
    async generate(prompt, maxTokens, eos) {
      const ids = [...prompt];
      const out: number[] = [];
      while (out.length < maxTokens) {
        const rows = await logits(ids);
        const next = argmax(rows[rows.length - 1] ?? new Float32Array());
        if (next === eos) break;
        out.push(next);
        if (ids.length >= (options.contextLength ?? Infinity)) break;
        ids.push(next);
      }
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
}
