/**
 * `auton slm data`: real sources -> device catalogue -> entity pools -> corpus -> JSONL files,
 * tokenizer and dataset card. `buildCorpus` is pure (texts in, examples out) so tests can run
 * it on small fixtures; `buildDataset` adds the sources and the files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Example, TokenizerData } from '../types';
import { saveTokenizer } from '../tokenizer/store';
import { SpmTokenizer } from '../tokenizer/spm';
import { trainBpe } from '../tokenizer/train';
import { type CardInputs, datasetCard, type SetName } from './card';
import { type Corpus, generateCorpus } from './corpus';
import { buildCatalogue } from './devices';
import { toJsonl } from './jsonl';
import { checkLeakage, type LeakageReport } from './leakage';
import { parseModulesAlias } from './modulesAlias';
import { parsePciIds } from './pciIds';
import { buildPools } from './pools';
import { exampleText } from './prompt';
import { loadSources, type SourceOptions } from './sources';
import { ALL_FRAMES } from './templates';

export const DEFAULT_SIZE = 30_000;
export const DEFAULT_PARAPHRASE_SIZE = 600;
export const DEFAULT_SEED = 8;
export const DEFAULT_VOCAB_SIZE = 1024;

export interface CorpusInputs {
  pciIds: string; // pci.ids text
  modulesAlias: string; // modules.alias text
  modulesOrder: string; // modules.order text ("" if unknown)
}

export interface CorpusBuild {
  corpus: Corpus;
  stats: CardInputs['catalogue'];
  leakage: LeakageReport;
}

export function buildCorpus(inputs: CorpusInputs, options: { size: number; paraphraseSize: number; seed: number }): CorpusBuild {
  const pci = parsePciIds(inputs.pciIds);
  const aliases = parseModulesAlias(inputs.modulesAlias);
  const catalogue = buildCatalogue(pci, aliases, inputs.modulesOrder);
  const pools = buildPools(pci, catalogue, options.seed);
  const corpus = generateCorpus(ALL_FRAMES, pools, options);
  const examples = (list: Corpus['paraphrase']) => list.map((g) => g.example);
  const entities = (list: Corpus['paraphrase']) => list.map((g) => g.entity);
  const { train, validation, test } = corpus.splits;
  const among = checkLeakage(
    { train: examples(train), validation: examples(validation), test: examples(test) },
    { train: entities(train), validation: entities(validation), test: entities(test) },
  );
  const paraphrase = checkLeakage(
    { train: examples(train), validation: examples(validation), paraphrase: examples(corpus.paraphrase) },
    { train: entities(train), validation: entities(validation), paraphrase: entities(corpus.paraphrase) },
  );
  return {
    corpus,
    stats: {
      pciIdsVersion: pci.version,
      vendors: pci.vendors.size,
      devices: catalogue.devices.length,
      devicesWithDriver: catalogue.devices.filter((d) => d.drivers.length > 0).length,
      pciAliases: aliases.length,
      classes: catalogue.classes.length,
      classDrivers: catalogue.classDrivers.length,
      pooled: Object.fromEntries(Object.entries(pools).map(([kind, p]) => [kind, { train: p.train.length, validation: p.validation.length, test: p.test.length }])),
    },
    leakage: { problems: [...among.problems, ...paraphrase.problems] },
  };
}

export interface BuildOptions {
  outDir: string;
  size: number;
  paraphraseSize: number;
  seed: number;
  vocabSize: number;
  sources: SourceOptions;
  log: (line: string) => void;
}

export interface BuildResult {
  files: string[];
  counts: Record<SetName, number>;
  tokenizer: TokenizerData;
  meanTokens: number;
}

export async function buildDataset(options: BuildOptions): Promise<BuildResult> {
  const sources = await loadSources({ ...options.sources, log: options.log });
  options.log(`slm data: pci.ids ${sources.pciIds.path}, modules.alias from ${sources.modulesAlias.origin}`);
  const built = buildCorpus(
    { pciIds: sources.pciIds.text, modulesAlias: sources.modulesAlias.text, modulesOrder: sources.modulesOrder },
    options,
  );
  if (built.leakage.problems.length > 0) throw new Error(`slm data: the splits leak: ${built.leakage.problems.join('; ')}`);
  const { corpus } = built;
  const train = corpus.splits.train.map((g) => g.example);

  options.log(`slm data: training a ${options.vocabSize}-token BPE tokenizer on ${train.length} training examples`);
  const tokenizer = trainBpe(train.map(exampleText), { vocabSize: options.vocabSize });
  const spm = new SpmTokenizer(tokenizer);
  const meanTokens = train.reduce((sum, e) => sum + spm.encode(exampleText(e), { bos: true, eos: true }).length, 0) / Math.max(1, train.length);

  mkdirSync(options.outDir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const path = join(options.outDir, name);
    writeFileSync(path, text);
    files.push(path);
  };
  const sets: Record<SetName, Example[]> = {
    train, validation: corpus.splits.validation.map((g) => g.example), test: corpus.splits.test.map((g) => g.example),
    paraphrase: corpus.paraphrase.map((g) => g.example),
  };
  for (const [name, list] of Object.entries(sets)) write(`${name}.jsonl`, toJsonl(list));
  const tokenizerPath = join(options.outDir, 'tokenizer.json');
  saveTokenizer(tokenizerPath, tokenizer);
  files.push(tokenizerPath);
  write('README.md', datasetCard({
    options: { size: options.size, paraphraseSize: options.paraphraseSize, seed: options.seed, vocabSize: options.vocabSize },
    sources: { pciIds: sources.pciIds.path, modulesAlias: sources.modulesAlias.origin, kernelPackage: sources.modulesAlias.kernelPackage },
    catalogue: built.stats,
    corpus,
    leakage: built.leakage,
    tokenizer: { vocab: tokenizer.tokens.length, meanTokens, maxTokens: Math.max(...train.map((e) => spm.encode(exampleText(e), { bos: true, eos: true }).length)) },
  }));
  return {
    files,
    counts: { train: sets.train.length, validation: sets.validation.length, test: sets.test.length, paraphrase: sets.paraphrase.length },
    tokenizer,
    meanTokens,
  };
}
