/**
 * `auton slm classify --backend rules|neural`: one request per line on stdin, one JSON object per
 * line on stdout with at least `intent` and `confidence`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { classify } from '../../../slm/src/rules/interpreter';
import { loadRules } from '../../../slm/src/rules/load';
import { classifyNeural } from '../../../slm/src/runtime/classify';
import { UsageError } from '../kernel';
import { repoRoot } from './common';

interface ClassifyOpts {
  backend: string;
  model: string;
  rules: string;
  json?: boolean;
}

export function registerSlmClassifyCommands(slm: Command): void {
  slm
    .command('classify')
    .description('classify requests read from stdin (one per line) with the rules or the neural backend')
    .option('-b, --backend <backend>', 'rules (slm/rules/*.rules) or neural (a GGUF model)', 'neural')
    .option('-m, --model <file>', 'GGUF model for the neural backend', 'slm/models/auton-slm.gguf')
    .option('-r, --rules <dir>', 'rules folder for the rules backend', 'slm/rules')
    .option('--json', 'one JSON object per line (the only output format; the flag states it)')
    .action(async (o: ClassifyOpts) => {
      if (o.backend !== 'rules' && o.backend !== 'neural') throw new UsageError(`--backend must be rules or neural, got "${o.backend}"`);
      const root = repoRoot();
      const requests = readFileSync(0, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
      const lines: object[] = [];
      if (o.backend === 'rules') {
        const rules = loadRules(resolve(root, o.rules), root);
        for (const request of requests) {
          const c = classify(rules, request);
          lines.push({ request, intent: c.intent, confidence: c.confidence, scores: c.scores });
        }
      } else {
        const results = await classifyNeural(resolve(root, o.model), requests);
        results.forEach((c, i) => lines.push({ request: requests[i], intent: c.intent ?? null, confidence: c.confidence, text: c.text }));
      }
      process.stdout.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    });
}
