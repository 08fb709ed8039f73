/**
 * `auton slm eval`: perplexity, intent accuracy with its confusion table, and answer accuracy
 * for device and driver questions, on the test split and the paraphrase set.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Example } from '../../../slm/src/types';
import { readJsonl } from '../../../slm/src/data/jsonl';
import { evaluateSet, formatSetReport, type SetReport } from '../../../slm/src/eval/evaluate';
import { loadForEval } from '../../../slm/src/eval/load';
import { readSet, readTokenizer, SET_NAMES, type SetName } from '../../../slm/src/train/inputs';
import { UsageError } from '../kernel';
import { positiveWhole, repoRoot } from './common';

interface EvalOpts {
  model: string;
  data: string;
  sets: string;
  file: string[];
  limit?: string;
  json?: boolean;
}

export function registerSlmEvalCommands(slm: Command): void {
  slm
    .command('eval')
    .description('evaluate a model (GGUF or checkpoint): perplexity, intent accuracy and confusion table, device/driver answer accuracy')
    .option('-m, --model <file>', 'model to evaluate: a .gguf file or a training checkpoint', 'slm/models/auton-slm.gguf')
    .option('-d, --data <dir>', 'dataset folder written by "auton slm data"', 'slm/data')
    .option('-s, --sets <names>', `comma-separated sets to evaluate (${SET_NAMES.join(', ')})`, 'test,paraphrase')
    .option('-f, --file <jsonl>', 'also evaluate this file of examples or labelled requests ({"request", "intent"} per line, e.g. slm/dev/wild.jsonl); repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('-n, --limit <n>', 'at most this many examples per set, spread over the set')
    .option('--json', 'print the reports as JSON')
    .action((o: EvalOpts) => {
      const root = repoRoot();
      const dataDir = resolve(root, o.data);
      const sets = o.sets.split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of sets) if (!SET_NAMES.includes(s as SetName)) throw new UsageError(`unknown set "${s}" (sets: ${SET_NAMES.join(', ')})`);
      if (sets.length === 0 && o.file.length === 0) throw new UsageError('nothing to evaluate: give --sets, --file or both');
      for (const f of o.file) if (!existsSync(resolve(f))) throw new UsageError(`--file ${f}: no such file (a JSONL file of examples or of {"request", "intent"} lines)`);
      const limit = o.limit !== undefined ? positiveWhole(o.limit, '--limit') : undefined;
      const { model, tokenizer } = loadForEval(resolve(root, o.model), () => readTokenizer(dataDir));
      const reports: SetReport[] = [];
      const inputs: [string, () => Example[]][] = [
        ...(sets as SetName[]).map((set): [string, () => Example[]] => [set, () => readSet(dataDir, set)]),
        ...o.file.map((f): [string, () => Example[]] => [basename(f, '.jsonl'), () => readJsonl(resolve(f))]),
      ];
      for (const [set, read] of inputs) {
        const examples = read();
        const report = evaluateSet(model, tokenizer, set, examples, {
          limit,
          onProgress: o.json || !process.stderr.isTTY ? undefined : (name, done, total) => process.stderr.write(`\r${name}: ${done}/${total}\x1b[K${done === total ? '\r\x1b[K' : ''}`),
        });
        reports.push(report);
        if (!o.json) process.stdout.write(`${formatSetReport(report)}\n\n`);
      }
      if (o.json) process.stdout.write(`${JSON.stringify({ model: o.model, reports }, null, 2)}\n`);
    });
}
