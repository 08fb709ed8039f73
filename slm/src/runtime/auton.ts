/**
 * AUTON's own TypeScript forward pass (model/forward.ts) over a GGUF file: the file is
 * validated, every tensor dequantized to float32, and each matrix's input rounded as llama.cpp
 * rounds it for that storage type (quant/activations.ts), so the same file decodes the same here
 * and in llama.cpp.
 */
import { buildModel, createRunState, forward, type Model, setInputRounding } from '../model/forward';
import { generateIds } from '../model/generate';
import { type LoadedLlamaModel, loadLlamaGguf } from '../gguf/llamaModel';
import { activationRounding } from '../quant/activations';

export interface AutonSession {
  loaded: LoadedLlamaModel;
  model: Model;
  /** Logits after each position of `ids` (copies; row t predicts token t + 1). */
  logits(ids: readonly number[]): Float32Array[];
  /** Greedy continuation of `prompt`: up to `maxTokens` new ids, stopping before EOS. */
  generate(prompt: readonly number[], maxTokens: number): number[];
}

export interface AutonOptions {
  /** Round matmul inputs as llama.cpp does (default true); false computes in plain float32. */
  llamaCppRounding?: boolean;
}

export function openAuton(path: string, options: AutonOptions = {}): AutonSession {
  const loaded = loadLlamaGguf(path);
  if (options.llamaCppRounding ?? true) {
    for (const [name, type] of loaded.types) {
      const round = activationRounding(type);
      const weight = loaded.weights.get(name);
      if (round !== undefined && weight !== undefined) setInputRounding(weight.data, round);
    }
  }
  const model = buildModel(loaded.config, loaded.weights);
  return {
    loaded,
    model,
    logits(ids) {
      const state = createRunState(model.config);
      return ids.map((id, pos) => Float32Array.from(forward(model, state, id, pos)));
    },
    generate: (prompt, maxTokens) => generateIds(model, [...prompt], { maxTokens, stop: [loaded.tokenizer.eos] }),
  };
}
