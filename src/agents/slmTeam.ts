/**
 * The SLM team: Data Scientist, Model Architect, Training, Evaluation,
 * Quantization, Export. Their pipeline tools arrive with the SLM pipeline
 * (slm/); today they plan and report over the repository with read tools.
 */
import { z } from 'zod';
import type { AgentDefinition } from './agentLoop';

const SLM_CONTEXT = `You are part of AUTON's SLM team, which builds the small language model embedded in the kernel: it classifies requests into
the intents HARDWARE_IDENTIFY, DRIVER_SELECT, INSTALL_CONFIGURE, APP_INSTALL, SYSTEM_MANAGE and TROUBLESHOOT and answers them.
The pipeline lives in slm/ (TypeScript): data, tokenizer, llama-architecture model, training, evaluation, Q8_0/Q4_0 quantization,
GGUF/ONNX export. Work only through your tools; be precise and brief.`;

export const DatasetPlanSchema = z.object({
  sources: z.array(z.object({ name: z.string(), use: z.string() })).min(1),
  intents: z.array(z.object({ intent: z.string(), examples: z.number().int().nonnegative() })).min(1),
  splits: z.object({ train: z.number().min(0).max(1), validation: z.number().min(0).max(1), test: z.number().min(0).max(1) }),
  leakageControls: z.array(z.string()),
});

export const ModelConfigSchema = z.object({
  name: z.string(),
  vocabSize: z.number().int().positive(),
  dim: z.number().int().positive(),
  layers: z.number().int().positive(),
  heads: z.number().int().positive(),
  kvHeads: z.number().int().positive(),
  hiddenDim: z.number().int().positive(),
  contextLength: z.number().int().positive(),
  parameters: z.number().int().positive(),
  rationale: z.string(),
});

export const TrainingReportSchema = z.object({
  variant: z.string(),
  hyperparameters: z.record(z.string(), z.union([z.number(), z.string()])),
  steps: z.number().int().nonnegative(),
  finalLoss: z.number(),
  checkpoint: z.string(),
});

export const EvaluationReportSchema = z.object({
  winner: z.string(),
  metrics: z.array(z.object({ variant: z.string(), perplexity: z.number(), intentAccuracy: z.number().min(0).max(1) })),
  notes: z.string(),
});

export const QuantizationReportSchema = z.object({
  formats: z.array(z.object({ type: z.enum(['Q8_0', 'Q4_0', 'F32']), file: z.string(), accuracyDelta: z.number() })),
});

export const ExportReportSchema = z.object({
  files: z.array(z.object({ format: z.enum(['gguf', 'onnx']), path: z.string(), validated: z.boolean() })),
  notes: z.string(),
});

function slmRole<T>(role: string, job: string, output: z.ZodType<T>, outputDescription: string): AgentDefinition<T> {
  return { role, maxTurns: 20, output, outputDescription, system: `${SLM_CONTEXT}\n\nYou are the ${job}` };
}

export const dataScientist = slmRole('dataScientist', 'Data Scientist: plan the corpus from real sources (pci.ids, modules.alias, hand-written templates), its intents and leak-free splits.', DatasetPlanSchema, 'the dataset plan');
export const modelArchitect = slmRole('modelArchitect', 'Model Architect: choose a llama-style configuration that fits the kernel (memory, speed) and the task.', ModelConfigSchema, 'the model configuration');
export const training = slmRole('training', 'Training agent: run one hyperparameter variant and report its outcome.', TrainingReportSchema, 'the training report');
export const evaluation = slmRole('evaluation', 'Evaluation agent: compare the trained variants on held-out data and pick the winner.', EvaluationReportSchema, 'the evaluation report');
export const quantization = slmRole('quantization', 'Quantization agent: produce Q8_0 and Q4_0 versions and measure the accuracy change.', QuantizationReportSchema, 'the quantization report');
export const exporter = slmRole('export', 'Export agent: write GGUF and ONNX files that real runtimes load, and validate them.', ExportReportSchema, 'the export report');
