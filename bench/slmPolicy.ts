/**
 * `npm run bench -- slm-policy [model.gguf]`: the kernel's intent policy with the model loaded
 * (kernels/slm/policy.c: the model decides at confidence >= threshold, else the rule engine when
 * a rule matched, else the model), with the model alone and the rule engine alone for reference,
 * measured on the host with slm-host (the kernel's C sources) on the validation, test and
 * paraphrase splits, at every threshold worth looking at. The threshold the kernel compiles in
 * (SLM_NEURAL_MIN_MILLI) is chosen on the test split, the only one held out from both the model
 * (trained on train + validation) and the rules (written against train + validation);
 * paraphrase and the hand-written development set slm/dev/wild.jsonl are reported, never used to
 * choose. Prints figures; asserts nothing.
 */
import { join } from 'node:path';
import { readJsonl } from '../slm/src/data/jsonl';
import { buildSlmHost, compiledThreshold, runPolicy, sweep } from '../src/kernel/slmPolicy';

/** The sets measured: the dataset's splits and the development set. */
const SETS: readonly (readonly [string, string])[] = [
  ['validation', 'slm/data/validation.jsonl'], ['test', 'slm/data/test.jsonl'], ['paraphrase', 'slm/data/paraphrase.jsonl'], ['wild', 'slm/dev/wild.jsonl'],
];

export function benchSlmPolicy(root: string): Promise<void> {
  const model = process.argv[3] ?? join(root, 'slm', 'models', 'auton-slm.gguf');
  const host = buildSlmHost(root);
  const compiled = compiledThreshold(root);
  const thresholds = [...new Set([0, 300, 400, 500, 600, 700, 800, 850, 900, 920, 940, 950, 960, 970, 980, 990, 995, 1000, 1001, compiled])]
    .sort((a, b) => a - b);
  const results = SETS.map(([set, file]) => {
    const data = readJsonl(join(root, file));
    const rows = runPolicy(host, model, data.map((d) => d.request));
    const gold = data.map((d) => d.intent);
    return { set, n: data.length, rows, gold, points: sweep(rows, gold, thresholds) };
  });
  console.log(`model ${model}; the kernel compiles in SLM_NEURAL_MIN_MILLI ${compiled}`);
  console.log(`threshold  ${results.map((r) => `${r.set} (${r.n})`.padStart(26)).join('')}`);
  console.log(`           ${results.map(() => 'accuracy  model decides'.padStart(26)).join('')}`);
  thresholds.forEach((t, i) => {
    const label = t === 0 ? 'model only' : t === 1001 ? 'never' : String(t);
    const cells = results.map((r) => {
      const p = r.points[i]!;
      return `${(p.accuracy * 100).toFixed(1).padStart(10)}%${(p.neuralShare * 100).toFixed(1).padStart(14)}%`;
    });
    console.log(`${(label + (t === compiled ? ' *' : '')).padEnd(11)}${cells.join('')}`);
  });
  for (const r of results) {
    const { rows, gold } = r;
    const alone = (pick: (row: (typeof rows)[number]) => string | null) => rows.filter((row, i) => pick(row) === gold[i]).length / rows.length;
    console.log(`${r.set}: the model alone ${(alone((row) => row.neural.intent) * 100).toFixed(1)}%, the rule engine alone ${(alone((row) => row.rules.intent) * 100).toFixed(1)}%`);
  }
  const test = results.find((r) => r.set === 'test')!;
  const best = Math.max(...test.points.filter((p) => p.threshold <= 1000).map((p) => p.accuracy));
  const chosen = test.points.find((p) => p.threshold <= 1000 && p.accuracy === best)!;
  console.log(`best on test: ${(best * 100).toFixed(1)}% from threshold ${chosen.threshold} (the lowest reaching it); * = compiled in`);
  return Promise.resolve();
}
