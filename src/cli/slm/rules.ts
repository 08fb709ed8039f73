/**
 * `auton slm rules check|compile|eval`: the intent rule language (validate the rules, generate
 * the kernel's C tables, measure intent accuracy on a dataset file). Classifying requests is
 * `auton slm classify --backend rules` (src/cli/slm/classify.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { readJsonl } from '../../../slm/src/data/jsonl';
import { INTENTS } from '../../../slm/src/types';
import { generateC } from '../../../slm/src/rules/cgen';
import { evaluateRules } from '../../../slm/src/rules/evaluate';
import { loadRules, ruleFiles } from '../../../slm/src/rules/load';
import { slmDir } from './data';

const out = (s: string) => process.stdout.write(`${s}\n`);

function rulesDir(o: { rules?: string; root?: string }): string {
  return o.rules ? resolve(o.rules) : join(slmDir(o.root), 'rules');
}

export function registerSlmRulesCommands(slm: Command): void {
  const rules = slm.command('rules').description('the intent rule language: check the rules, compile them to C tables, measure their accuracy');

  rules
    .command('check')
    .description('parse and compile the rules; errors are printed as file:line:col: message')
    .option('--rules <dir>', 'rules folder (default: slm/rules)')
    .option('--root <dir>', 'repository root (default: found from the current folder)')
    .action((o: { rules?: string; root?: string }) => {
      const dir = rulesDir(o);
      const set = loadRules(dir);
      const declared = set.intents.filter((i) => i.declared).map((i) => i.intent);
      const missing = INTENTS.filter((i) => !declared.includes(i));
      out(`ok: ${ruleFiles(dir).length} files, ${declared.length} intents, ${set.keywords.length} keyword phrases, ${set.patterns.length} patterns, ${set.stmts.length} statements`);
      if (missing.length > 0) out(`note: no rules for ${missing.join(', ')} (never chosen)`);
    });

  rules
    .command('compile')
    .description('generate the kernel\'s C tables (rules_table.h and rules_table.c) from the rules')
    .option('--rules <dir>', 'rules folder (default: slm/rules)')
    .option('--out <dir>', 'output folder (default: kernels/slm)')
    .option('--root <dir>', 'repository root (default: found from the current folder)')
    .action((o: { rules?: string; out?: string; root?: string }) => {
      const root = dirname(slmDir(o.root));
      const dir = rulesDir(o);
      const set = loadRules(dir, root);
      const outDir = o.out ? resolve(o.out) : join(root, 'kernels', 'slm');
      const c = generateC(set, ruleFiles(dir).map((f) => relative(root, f)));
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'rules_table.h'), c.header);
      writeFileSync(join(outDir, 'rules_table.c'), c.source);
      out(`wrote ${join(outDir, 'rules_table.h')} and rules_table.c (${set.stmts.length} statements, ${set.keywords.length} keywords, ${set.patterns.length} patterns)`);
    });

  rules
    .command('eval')
    .description('intent accuracy of the rules on a dataset file, per intent, with the confusion table')
    .option('--set <name>', 'train, validation, test or paraphrase (slm/data/<name>.jsonl)', 'paraphrase')
    .option('--file <jsonl>', 'a dataset file instead of --set')
    .option('--rules <dir>', 'rules folder (default: slm/rules)')
    .option('--errors <n>', 'print up to n misclassified requests', '10')
    .option('--root <dir>', 'repository root (default: found from the current folder)')
    .option('--json', 'print the result as JSON')
    .action((o: { set: string; file?: string; rules?: string; errors: string; root?: string; json?: boolean }) => {
      const file = o.file ? resolve(o.file) : join(slmDir(o.root), 'data', `${o.set}.jsonl`);
      const result = evaluateRules(loadRules(rulesDir(o)), readJsonl(file));
      if (o.json) {
        out(JSON.stringify(result, null, 2));
        return;
      }
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      out(`${relative(process.cwd(), file) || file}: ${pct(result.accuracy)} (${result.correct}/${result.total})`);
      const short = (i: string) => i.slice(0, 12);
      out(`\n${'expected \\ predicted'.padEnd(20)} ${INTENTS.map((i) => short(i).padStart(12)).join(' ')}   accuracy`);
      for (const e of INTENTS) {
        const p = result.perIntent[e];
        out(`${short(e).padEnd(20)} ${INTENTS.map((i) => String(result.confusion[e][i]).padStart(12)).join(' ')}   ${pct(p.accuracy)} (${p.correct}/${p.total})`);
      }
      const n = Number(o.errors);
      if (result.errors.length > 0 && n > 0) {
        out('\nmisclassified:');
        for (const e of result.errors.slice(0, n)) out(`  ${e.expected} -> ${e.predicted}: ${e.request}`);
      }
    });
}
