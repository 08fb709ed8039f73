/**
 * `auton slm data` (build the corpus, tokenizer and dataset card from pci.ids and a kernel's
 * modules.alias) and `auton slm tokenize` (ids of a text under the trained tokenizer).
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  buildDataset, DEFAULT_PARAPHRASE_SIZE, DEFAULT_SEED, DEFAULT_SIZE, DEFAULT_VOCAB_SIZE,
} from '../../../slm/src/data/build';
import { loadTokenizer } from '../../../slm/src/tokenizer/store';
import { MIN_VOCAB } from '../../../slm/src/tokenizer/train';
import { findRoot, UsageError } from '../kernel';

const out = (s: string) => process.stdout.write(`${s}\n`);

/** A whole number within [min, max] from an option value, or a usage error naming the option. */
export function intOption(value: string | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${value}"`);
  }
  return n;
}

/** The repository's slm/ folder (from --root or the current folder). */
export function slmDir(root?: string): string {
  return join(findRoot(process.cwd(), root), 'slm');
}

interface DataOpts {
  size?: string;
  paraphraseSize?: string;
  seed?: string;
  vocabSize?: string;
  out?: string;
  pciIds?: string;
  modulesAlias?: string;
  kernelPackage?: string;
  root?: string;
  json?: boolean;
}

interface TokenizeOpts {
  tokenizer?: string;
  bos?: boolean;
  eos?: boolean;
  special?: boolean;
  root?: string;
  json?: boolean;
}

export function registerSlmDataCommands(slm: Command): void {
  slm
    .command('data')
    .description('build the intent corpus (train/validation/test/paraphrase JSONL), the BPE tokenizer and the dataset card from pci.ids and a Debian kernel\'s modules.alias')
    .option('--size <n>', 'train + validation + test examples', String(DEFAULT_SIZE))
    .option('--paraphrase-size <n>', 'examples in the paraphrase evaluation set', String(DEFAULT_PARAPHRASE_SIZE))
    .option('--seed <n>', 'seed of every random choice (same seed, same files)', String(DEFAULT_SEED))
    .option('--vocab-size <n>', `tokenizer vocabulary size (${MIN_VOCAB}..65536)`, String(DEFAULT_VOCAB_SIZE))
    .option('--out <dir>', 'output folder (default: slm/data)')
    .option('--pci-ids <file>', 'pci.ids to read (default: /usr/share/misc/pci.ids from the Debian package pci.ids)')
    .option('--modules-alias <file>', 'a modules.alias to read instead of extracting one from a kernel package')
    .option('--kernel-package <name>', 'Debian kernel package to extract modules.alias from (default: the cached one, else the newest linux-image-*-amd64-unsigned)')
    .option('--root <dir>', 'repository root (default: found from the current folder)')
    .option('--json', 'print a JSON summary')
    .action(async (o: DataOpts) => {
      const slmRoot = slmDir(o.root);
      const result = await buildDataset({
        outDir: o.out ? resolve(o.out) : join(slmRoot, 'data'),
        size: intOption(o.size, '--size', 60) as number,
        paraphraseSize: intOption(o.paraphraseSize, '--paraphrase-size', 0) as number,
        seed: intOption(o.seed, '--seed', 0, 0xffffffff) as number,
        vocabSize: intOption(o.vocabSize, '--vocab-size', MIN_VOCAB, 65536) as number,
        sources: { pciIds: o.pciIds, modulesAlias: o.modulesAlias, kernelPackage: o.kernelPackage, cacheDir: join(slmRoot, '.cache', 'kernel') },
        log: o.json ? () => undefined : (line) => process.stderr.write(`${line}\n`),
      });
      if (o.json) {
        out(JSON.stringify({ counts: result.counts, vocabSize: result.tokenizer.tokens.length, meanTokens: result.meanTokens, files: result.files }, null, 2));
        return;
      }
      const c = result.counts;
      out(`train ${c.train}, validation ${c.validation}, test ${c.test}, paraphrase ${c.paraphrase} examples; tokenizer ${result.tokenizer.tokens.length} tokens, ${result.meanTokens.toFixed(1)} tokens per training example`);
      for (const f of result.files) out(`wrote ${f}`);
    });

  slm
    .command('tokenize')
    .description('print the token ids of a text under the trained tokenizer (llama.cpp SPM rules)')
    .argument('<text...>', 'the text (words are joined by single spaces)')
    .option('--tokenizer <file>', 'tokenizer JSON (default: slm/data/tokenizer.json)')
    .option('--bos', 'start with the BOS id')
    .option('--eos', 'end with the EOS id')
    .option('--special', 'recognise control token texts such as </s> in the text')
    .option('--root <dir>', 'repository root (default: found from the current folder)')
    .option('--json', 'print {ids, pieces} as JSON')
    .action((words: string[], o: TokenizeOpts) => {
      const tokenizer = loadTokenizer(o.tokenizer ? resolve(o.tokenizer) : join(slmDir(o.root), 'data', 'tokenizer.json'));
      const ids = tokenizer.encode(words.join(' '), { bos: o.bos, eos: o.eos, parseSpecial: o.special });
      if (o.json) out(JSON.stringify({ ids, pieces: ids.map((id) => tokenizer.data.tokens[id]) }));
      else out(ids.join(' '));
    });
}
