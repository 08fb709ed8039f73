/**
 * llama.cpp through node-llama-cpp 3.21.1, loaded lazily (a native addon kept out of the
 * extension bundle). Every file is validated by AUTON's own GGUF reader first: llama.cpp aborts
 * the whole process on some malformed files instead of returning an error.
 *
 * The context is configured to compute like AUTON's forward pass where llama.cpp lets it: F32 KV
 * cache (its default F16 cache rounds keys and values), no flash attention, CPU only, and an
 * explicit thread count.
 *
 * Install: package.json `overrides` alias node-llama-cpp's CUDA, Vulkan and ARM prebuilt packages
 * (whose os/cpu fields would match a Linux x64 machine) to a Windows-only package, which npm then
 * skips: only the CPU binary @node-llama-cpp/linux-x64 installs (~30 MB instead of ~730 MB).
 */
import type { Llama, LlamaContext, LlamaModel } from 'node-llama-cpp';
import { GgufError } from '../gguf/format';
import { readGgufFile } from '../gguf/reader';
import { type LlamaGgufInfo, validateLlamaGguf } from '../gguf/validate';

export interface LlamaCppOptions {
  /** CPU threads for evaluation (default 1: on a busy two-core machine more threads are slower). */
  threads?: number;
  /** Longest sequence (prompt + generated) in tokens (default: the model's context length). */
  contextSize?: number;
  /** Load only the vocabulary (enough to tokenize). */
  vocabOnly?: boolean;
}

export interface LlamaCppSession {
  info: LlamaGgufInfo;
  /** Token ids llama.cpp's tokenizer gives for `text` (no BOS/EOS added). */
  tokenize(text: string): number[];
  detokenize(ids: readonly number[]): string;
  /** Greedy continuation of `prompt` (ids, BOS included if wanted): up to `maxTokens` new ids, stopping before EOS. */
  generate(prompt: readonly number[], maxTokens: number): Promise<number[]>;
  dispose(): Promise<void>;
}

let llamaPromise: Promise<Llama> | undefined;

async function llamaInstance(): Promise<Llama> {
  llamaPromise ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) =>
    getLlama({ gpu: false, build: 'never', usePrebuiltBinaries: true, progressLogs: false, logLevel: LlamaLogLevel.error, logger: () => undefined }));
  return llamaPromise;
}

/** Validates `path` (a GgufError if unusable), then loads it into llama.cpp. */
export async function openLlamaCpp(path: string, options: LlamaCppOptions = {}): Promise<LlamaCppSession> {
  const file = readGgufFile(path);
  let info: LlamaGgufInfo;
  try {
    info = validateLlamaGguf(file);
  } catch (error) {
    if (error instanceof GgufError) throw new GgufError(`${path}: ${error.message}`);
    throw error;
  }
  const llama = await llamaInstance();
  const model: LlamaModel = await llama.loadModel({ modelPath: path, gpuLayers: 0, vocabOnly: options.vocabOnly ?? false, useMmap: false });
  const threads = options.threads ?? 1;
  let context: LlamaContext | undefined;
  const eos = info.tokenizer.eos;

  return {
    info,
    tokenize: (text) => [...model.tokenize(text, false)],
    detokenize: (ids) => model.detokenize(ids as Parameters<LlamaModel['detokenize']>[0], false),
    async generate(prompt, maxTokens) {
      // One slot more than the model's context: node-llama-cpp shifts a context that is full,
      // which would change the last logits of a sequence filling the model's whole context.
      context ??= await model.createContext({
        contextSize: (options.contextSize ?? info.config.contextLength) + 1, sequences: 1, threads, batchSize: info.config.contextLength,
        flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
      });
      const sequence = context.getSequence();
      try {
        const out: number[] = [];
        // Like model/generate.ts: the last token may be sampled from a full context, never fed.
        const limit = Math.min(maxTokens, (options.contextSize ?? info.config.contextLength) - prompt.length + 1);
        if (limit <= 0) return out;
        const input = [...prompt] as Parameters<typeof sequence.evaluate>[0];
        // node-llama-cpp ends the stream at EOS without yielding it; the check keeps that explicit.
        for await (const token of sequence.evaluate(input, { temperature: 0 })) {
          if (token === eos) break;
          out.push(token);
          if (out.length >= limit) break;
        }
        return out;
      } finally {
        await sequence.dispose();
      }
    },
    async dispose() {
      await context?.dispose();
      await model.dispose();
    },
  };
}
