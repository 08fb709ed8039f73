/**
 * `auton slm quantize|export|generate`: turning a trained model into files real runtimes load
 * (GGUF for llama.cpp, ONNX for onnxruntime) and running them. `classifyNeural` is the neural
 * backend of `auton slm classify`.
 */
import { statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { encodeLlamaGguf } from '../../../slm/src/gguf/llamaModel';
import { exportLlamaOnnx } from '../../../slm/src/onnx/llamaGraph';
import { readJsonl } from '../../../slm/src/data/jsonl';
import { evaluateSet } from '../../../slm/src/eval/evaluate';
import { buildModel } from '../../../slm/src/model/forward';
import { measureQuantization, tensorErrors } from '../../../slm/src/quant/accuracy';
import { roundTripWeights } from '../../../slm/src/quant/quantize';
import { type GgmlTypeName, parseGgmlType } from '../../../slm/src/quant/tensorTypes';
import { openAuton } from '../../../slm/src/runtime/auton';
import { openLlamaCpp } from '../../../slm/src/runtime/llamacpp';
import { readModelFile } from '../../../slm/src/runtime/modelFile';
import { SpmTokenizer } from '../../../slm/src/tokenizer/spm';
import { UsageError } from '../kernel';

export { classifyNeural } from '../../../slm/src/runtime/classify';

const out = (s: string) => process.stdout.write(`${s}\n`);

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

function typeOption(value: string, allowed: readonly GgmlTypeName[], flag: string): GgmlTypeName {
  const type = parseGgmlType(value);
  if (type === undefined || !allowed.includes(type)) {
    throw new UsageError(`${flag} must be one of ${allowed.map((t) => t.toLowerCase()).join(', ')}, got "${value}"`);
  }
  return type;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return n;
}

/** model.gguf -> model-q8_0.gguf (beside the input). */
function defaultOut(input: string, suffix: string): string {
  const stem = basename(input, extname(input)).replace(/-(f32|f16|q8_0|q4_0)$/i, '');
  return join(dirname(input), `${stem}${suffix}`);
}

interface QuantizeOpts { in: string; type: string; out?: string; eval?: string; evalLimit: string; json?: boolean }
interface ExportOpts { format: string; in: string; out?: string; type: string; json?: boolean }
interface GenerateOpts { model: string; greedy?: boolean; maxTokens: string; engine: string; threads: string }

export function registerSlmExportCommands(slm: Command): void {
  slm
    .command('quantize')
    .description('store a model\'s matrices as Q8_0 or Q4_0 (GGUF block layouts; norms stay F32) and report the weight error')
    .requiredOption('--in <file>', 'an F32/F16 GGUF or a training checkpoint')
    .requiredOption('--type <type>', 'q8_0 or q4_0')
    .option('--out <file>', 'output GGUF (default: beside the input, <name>-<type>.gguf)')
    .option('--eval <examples.jsonl>', 'also report the intent accuracy change from F32 on these examples')
    .option('--eval-limit <n>', 'examples to evaluate, spread over the file', '60')
    .option('--json', 'print the report as JSON')
    .action(async (o: QuantizeOpts) => {
      const type = typeOption(o.type, ['Q8_0', 'Q4_0'], '--type');
      const evalLimit = positiveInt(o.evalLimit, '--eval-limit');
      const source = readModelFile(o.in);
      const quantized = [...source.types].find(([, t]) => t === 'Q8_0' || t === 'Q4_0');
      if (quantized !== undefined) {
        throw new Error(`${o.in} is already quantized (${quantized[0]} is ${quantized[1]}); quantize from the F32 GGUF or the checkpoint`);
      }
      const target = o.out ?? defaultOut(o.in, `-${type.toLowerCase()}.gguf`);
      const image = encodeLlamaGguf(source.model, type);
      writeFileSync(target, image);
      const f32Bytes = encodeLlamaGguf(source.model, 'F32').length;
      const errors = tensorErrors(source.model.weights, roundTripWeights(source.model.weights, type), type);
      const counts = new Map<GgmlTypeName, number>();
      for (const e of errors) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
      const worst = errors.reduce((a, b) => (b.rmse > a.rmse ? b : a));
      let accuracy: { examples: number; f32: number; quantized: number; delta: number } | undefined;
      if (o.eval !== undefined) {
        const examples = readJsonl(o.eval);
        const { config, tokenizer } = source.model;
        const spm = new SpmTokenizer(tokenizer);
        const [r] = await measureQuantization(source.model.weights, [type], (w) =>
          evaluateSet(buildModel(config, w), spm, o.eval ?? '', examples, { limit: evalLimit, perplexity: false }).intent.accuracy);
        if (r !== undefined) accuracy = { examples: Math.min(evalLimit, examples.length), f32: r.f32, quantized: r.quantized, delta: r.delta };
      }
      const report = { out: target, type, bytes: image.length, f32Bytes, tensors: Object.fromEntries(counts), worstTensor: worst, ...(accuracy ? { accuracy } : {}) };
      if (o.json) out(JSON.stringify(report, null, 2));
      else {
        out(`wrote ${target}: ${type}, ${mib(image.length)} (F32 would be ${mib(f32Bytes)})`);
        out(`tensors: ${[...counts].map(([t, n]) => `${n} ${t}`).join(', ')}`);
        out(`largest weight error: ${worst.name} RMSE ${worst.rmse.toExponential(2)}, max ${worst.maxAbs.toExponential(2)}`);
        if (accuracy) {
          const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
          out(`intent accuracy on ${accuracy.examples} examples of ${o.eval}: F32 ${pct(accuracy.f32)} -> ${type} ${pct(accuracy.quantized)} (${accuracy.delta >= 0 ? '+' : ''}${(accuracy.delta * 100).toFixed(1)} points)`);
        }
      }
    });

  slm
    .command('export')
    .description('export a checkpoint or GGUF as GGUF v3 (llama, with tokenizer) or ONNX')
    .requiredOption('--format <format>', 'gguf or onnx')
    .requiredOption('--in <file>', 'a training checkpoint or a GGUF')
    .option('--out <file>', 'output file (default: beside the input)')
    .option('--type <type>', 'GGUF storage type: f32, f16, q8_0 or q4_0', 'f32')
    .option('--json', 'print the result as JSON')
    .action(async (o: ExportOpts) => {
      if (o.format !== 'gguf' && o.format !== 'onnx') throw new UsageError(`--format must be gguf or onnx, got "${o.format}"`);
      const type = typeOption(o.type, ['F32', 'F16', 'Q8_0', 'Q4_0'], '--type');
      const source = readModelFile(o.in);
      let target: string;
      let bytes: Uint8Array;
      if (o.format === 'gguf') {
        target = o.out ?? defaultOut(o.in, `-${type.toLowerCase()}.gguf`);
        bytes = encodeLlamaGguf(source.model, type);
      } else {
        target = o.out ?? defaultOut(o.in, '.onnx');
        bytes = await exportLlamaOnnx(source.model.config, source.model.weights);
      }
      writeFileSync(target, bytes);
      const size = statSync(target).size;
      if (o.json) out(JSON.stringify({ out: target, format: o.format, ...(o.format === 'gguf' ? { type } : {}), bytes: size }));
      else out(`wrote ${target}: ${o.format === 'gguf' ? `GGUF v3 ${type}` : 'ONNX (opset 17, input_ids -> logits)'}, ${mib(size)}`);
    });

  slm
    .command('generate')
    .description('continue a prompt with a GGUF model and print only the generated text')
    .argument('<prompt>', 'the text to continue (BOS is added)')
    .requiredOption('--model <file>', 'a llama GGUF written by AUTON')
    .option('--greedy', 'always take the most likely token (the only decoding offered; the flag states it)')
    .option('--max-tokens <n>', 'most tokens to generate', '64')
    .option('--engine <engine>', 'auton (AUTON\'s TypeScript forward pass) or llamacpp (node-llama-cpp)', 'auton')
    .option('--threads <n>', 'CPU threads for llama.cpp', '1')
    .action(async (prompt: string, o: GenerateOpts) => {
      const maxTokens = positiveInt(o.maxTokens, '--max-tokens');
      const threads = positiveInt(o.threads, '--threads');
      if (o.engine !== 'auton' && o.engine !== 'llamacpp') throw new UsageError(`--engine must be auton or llamacpp, got "${o.engine}"`);
      let text: string;
      if (o.engine === 'llamacpp') {
        const llama = await openLlamaCpp(o.model, { threads });
        try {
          text = llama.detokenize(await llama.generate([llama.info.tokenizer.bos, ...llama.tokenize(prompt)], maxTokens));
        } finally {
          await llama.dispose();
        }
      } else {
        const session = openAuton(o.model);
        const tokenizer = new SpmTokenizer(session.loaded.tokenizer);
        text = tokenizer.decode(session.generate(tokenizer.encode(prompt, { bos: true }), maxTokens));
      }
      out(text);
    });
}

