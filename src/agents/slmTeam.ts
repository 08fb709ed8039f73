/**
 * The SLM team: Data Scientist, Model Architect, Training (one agent per variant), Evaluation,
 * Quantization, Export. Each runs its stage of the pipeline with the slm_* tools in an SLM run's
 * workspace (src/core/slmFlow.ts runs them in order); what they hand in is checked by the flow
 * against what the tools measured.
 */
import { z } from 'zod';
import { VariantSchema } from '../tools/slm';
import type { AgentDefinition } from './agentLoop';

const SLM_CONTEXT = `You are part of AUTON's SLM team, which builds the small language model embedded in the kernel: it classifies requests into
the intents HARDWARE_IDENTIFY, DRIVER_SELECT, INSTALL_CONFIGURE, APP_INSTALL, SYSTEM_MANAGE and TROUBLESHOOT and answers them.
The pipeline (slm/ in the repository: data, tokenizer, llama-architecture model, training, evaluation, Q8_0/Q4_0 quantization,
GGUF/ONNX export) is run by your slm_* tools in this run's workspace: data/ holds the run's dataset, variants/<name>/ each trained
variant, quantized/ and export/ the files made from the winner. Paths are relative to the workspace. Model selection uses the
validation split only; the paraphrase set is never used to choose. Work only through your tools; be precise and brief.`;

export const DatasetPlanSchema = z.object({
  summary: z.string().min(1).describe('what dataset you built in data/ and why it fits the goal'),
  action: z.enum(['slice', 'build']).describe('how data/ was made with slm_data'),
  intents: z.array(z.object({ intent: z.string(), examples: z.number().int().nonnegative() })).min(1).describe('training examples per intent in data/'),
  leakageControls: z.array(z.string()).describe('how train, validation and test are kept apart'),
});
export type DatasetPlan = z.infer<typeof DatasetPlanSchema>;

/** A change to the base configuration; any field of the base may be overridden. */
const VariantChangesSchema = VariantSchema.partial();

export const SlmDesignSchema = z.object({
  base: VariantSchema.describe('the configuration every variant starts from (model shape + hyperparameters)'),
  variants: z.array(z.object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/).describe('short kebab-case name, unique'),
    changes: VariantChangesSchema.describe('fields that differ from base (may be empty for the base itself)'),
    hypothesis: z.string().min(1).describe('what this variant tests'),
  })).min(1).max(8),
  rationale: z.string().min(1).describe('why this shape fits the kernel (memory, speed) and the task'),
});
export type SlmDesign = z.infer<typeof SlmDesignSchema>;

export const TrainingReportSchema = z.object({
  variant: z.string(),
  trained: z.boolean().describe('slm_train succeeded for your variant'),
  finalLoss: z.number().optional(),
  validationAccuracy: z.number().min(0).max(1).optional(),
  notes: z.string().describe('what happened, including errors you met and how you fixed them'),
});
export type TrainingReport = z.infer<typeof TrainingReportSchema>;

export const EvaluationReportSchema = z.object({
  winner: z.string().describe('name of the variant to ship'),
  metrics: z.array(z.object({
    variant: z.string(),
    intentAccuracy: z.number().min(0).max(1).describe('validation intent accuracy, as measured'),
    perplexity: z.number().positive().optional().describe('validation perplexity, as measured'),
  })).min(1),
  reasons: z.string().min(1).describe('why the winner: the figures that decided it'),
});
export type EvaluationReport = z.infer<typeof EvaluationReportSchema>;

export const QuantizationReportSchema = z.object({
  formats: z.array(z.object({
    type: z.enum(['Q8_0', 'Q4_0']),
    file: z.string().describe('the .gguf slm_quantize wrote'),
    accuracyDelta: z.number().describe('validation intent accuracy change from F32 (fraction, negative = worse)'),
  })),
  recommendation: z.enum(['F32', 'Q8_0', 'Q4_0']).describe('the storage type to ship'),
  notes: z.string(),
});
export type QuantizationReport = z.infer<typeof QuantizationReportSchema>;

export const ExportReportSchema = z.object({
  files: z.array(z.object({ format: z.enum(['gguf', 'onnx']), path: z.string(), validated: z.boolean() })).min(1),
  notes: z.string(),
});
export type ExportReport = z.infer<typeof ExportReportSchema>;

function slmRole<T>(role: string, job: string, output: z.ZodType<T>, outputDescription: string, maxTurns = 16): AgentDefinition<T> {
  return { role, maxTurns, output, outputDescription, system: `${SLM_CONTEXT}\n\nYou are the ${job}` };
}

export const dataScientist = slmRole('dataScientist',
  'Data Scientist: make the run\'s dataset in data/ with slm_data. Inspect the source dataset first; "slice" it (examples per intent and split) ' +
  'when the goal asks for a quick or small run, "build" a fresh corpus from pci.ids and modules.alias when it needs more or different data. ' +
  'Keep every intent represented and the splits apart. Then hand in the dataset plan.',
  DatasetPlanSchema, 'the dataset plan');
export const modelArchitect = slmRole('modelArchitect',
  'Model Architect: choose a llama-style configuration that fits the kernel (memory, speed) and the task, and the hyperparameter variants ' +
  'the training agents will run in parallel (exactly as many as the prompt asks for). Each variant should test one idea (learning rate, ' +
  'depth, width, steps); keep dim and hiddenDim multiples of 32 so the winner can be quantized.',
  SlmDesignSchema, 'the base configuration and the variants');
export const training = slmRole('training',
  'Training agent: train exactly your variant with slm_train, using the configuration in the prompt. If the tool refuses it, read the error, ' +
  'fix only what it names, and try again; then report the outcome.',
  TrainingReportSchema, 'the training report');
export const evaluation = slmRole('evaluation',
  'Evaluation agent: compare the trained variants on the validation split (their measured figures are in the prompt; slm_eval gives more, ' +
  'e.g. the confusion table) and pick the winner: the best intent accuracy, perplexity to break ties. Quote the measured figures.',
  EvaluationReportSchema, 'the evaluation report: winner, figures and reasons');
export const quantization = slmRole('quantization',
  'Quantization agent: quantize the winner to Q8_0 and Q4_0 with slm_quantize, read the accuracy change of each, and recommend the type to ship.',
  QuantizationReportSchema, 'the quantization report');
export const exporter = slmRole('export',
  'Export agent: export the winner with slm_export as GGUF in the recommended type (the tool validates it and loads it in llama.cpp), ' +
  'plus ONNX if the prompt asks for it; report the files.',
  ExportReportSchema, 'the export report');
