/**
 * `auton slm ...`: the small-language-model pipeline. Each stage registers its own subcommands
 * from `src/cli/slm/<stage>.ts`; this file only assembles the group.
 *   data, tokenizer, rules (`./slm/data`, `./slm/rules`), train (`./slm/train`),
 *   eval (`./slm/eval`), quantize, export, generate (`./slm/export`), classify (`./slm/classify`),
 *   run and resume (`./slm/team`: the SLM agent team).
 */
import type { Command } from 'commander';
import { registerSlmClassifyCommands } from './slm/classify';
import { registerSlmDataCommands } from './slm/data';
import { registerSlmEvalCommands } from './slm/eval';
import { registerSlmExportCommands } from './slm/export';
import { registerSlmRulesCommands } from './slm/rules';
import { registerSlmTeamCommands } from './slm/team';
import { registerSlmTrainCommands } from './slm/train';

export function registerSlmCommands(program: Command): void {
  const slm = program
    .command('slm')
    .description('build the small language model: data, tokenizer, training, evaluation, quantization, GGUF/ONNX export, rules');
  registerSlmDataCommands(slm);
  registerSlmRulesCommands(slm);
  registerSlmTrainCommands(slm);
  registerSlmEvalCommands(slm);
  registerSlmExportCommands(slm);
  registerSlmClassifyCommands(slm);
  registerSlmTeamCommands(slm);
}
