/**
 * The corpus generator: for each split and intent, picks frames by weight, a template of that
 * split, an entity of that split and plain values, fills the template and computes the answer.
 * Templates are split per frame (about 70/15/15), entities per kind (about 80/10/10); the
 * paraphrase set uses only paraphrase templates and test entities. Requests are unique across
 * the whole dataset (case and punctuation aside). Everything is driven by one seed.
 */
import { type Example, type Intent, INTENTS } from '../types';
import { augmentTemplate, DEFAULT_AUGMENT } from './augment';
import { ipValues, VALUES } from './entities';
import { fillTemplate, type Frame, type IntentFrames, type Slots, slotsOf } from './frames';
import { type Entity, HOLDOUT, type Pools, type Split, SPLITS } from './pools';
import { NONCE_RATE, nonceSlots } from './nonce';
import { hash32, Rng } from './random';

export interface CorpusOptions {
  size: number; // train + validation + test examples
  paraphraseSize: number;
  seed: number;
}

/** An example plus the entity it is about (for leakage checks; not written to the files). */
export interface Generated {
  example: Example;
  entity: string | null; // "<kind>:<key>"
}

export interface Corpus {
  splits: Record<Split, Generated[]>;
  paraphrase: Generated[];
  templateSplits: Map<string, Split | 'paraphrase'>; // template id -> where it is used
}

export const SPLIT_SHARES: Readonly<Record<Split, number>> = { train: 1 - HOLDOUT.validation - HOLDOUT.test, ...HOLDOUT };

interface Template {
  id: string; // "DRIVER_SELECT/by-id/3", "DRIVER_SELECT/by-id/p1" for paraphrases
  text: string;
  frame: Frame;
}

/** Splits one frame's templates: ~15% test, ~15% validation (none for frames with few templates). */
function splitTemplates(intent: Intent, frame: Frame, seed: number): Record<Split, Template[]> {
  const all = frame.templates.map((text, i) => ({ id: `${intent}/${frame.name}/${i}`, text, frame }));
  const shuffled = new Rng(seed ^ hash32(`templates:${intent}/${frame.name}`)).shuffle(all);
  const n = shuffled.length;
  const test = n >= 4 ? Math.max(1, Math.round(n * 0.15)) : 0;
  const validation = n >= 5 ? Math.max(1, Math.round(n * 0.15)) : 0;
  return { test: shuffled.slice(0, test), validation: shuffled.slice(test, test + validation), train: shuffled.slice(test + validation) };
}

function valueSlots(rng: Rng): Record<string, string> {
  const slots: Record<string, string> = {};
  for (const [name, values] of Object.entries(VALUES)) slots[name] = rng.pick(values);
  return { ...slots, ...ipValues((n) => rng.below(n)) };
}

/**
 * Light surface variation shared by every split: a capital first letter (only on a plain word,
 * never on an identifier such as "i915" or "redis-server") and a dropped final question mark.
 */
function surface(text: string, rng: Rng): string {
  let out = text;
  if (/^[a-z]+(\s|'|,|$)/.test(out) && rng.next() < 0.5) out = out.charAt(0).toUpperCase() + out.slice(1);
  if (out.endsWith('?') && rng.next() < 0.2) out = out.slice(0, -1);
  return out;
}

/** Slots that name a catalogue entity, which nonce.ts may make up. */
const NAME_SLOT = /\{(app|pkg|service|unit|user)\}/;

const dedupeKey = (request: string) => request.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

class Sampler {
  /** `seen` is shared by the samplers of one corpus: requests are unique across all files. */
  constructor(private readonly pools: Pools, private readonly rng: Rng, private readonly seen: Set<string>) {}

  /**
   * Up to `count` new examples of one intent from `templates` (grouped by frame) and the
   * entities of `pool`; frames that run out of distinct requests drop out.
   */
  sample(intent: Intent, templates: Map<Frame, Template[]>, pool: Split, split: Split, count: number, out: Generated[]): void {
    const live = [...templates].filter(([, list]) => list.length > 0);
    const failures = new Map<Frame, number>();
    let made = 0;
    while (made < count && live.length > 0) {
      const total = live.reduce((sum, [frame]) => sum + frame.weight, 0);
      let r = this.rng.next() * total;
      let index = 0;
      while (index < live.length - 1 && (r -= (live[index] as [Frame, Template[]])[0].weight) >= 0) index++;
      const [frame, list] = live[index] as [Frame, Template[]];
      const generated = this.one(intent, frame, this.rng.pick(list), pool, split);
      if (generated === null) {
        const fails = (failures.get(frame) ?? 0) + 1;
        failures.set(frame, fails);
        if (fails > 200) live.splice(index, 1);
        continue;
      }
      failures.set(frame, 0);
      out.push(generated);
      made++;
    }
  }

  private one(intent: Intent, frame: Frame, template: Template, pool: Split, split: Split): Generated | null {
    let entity: Entity | undefined;
    if (frame.entity !== 'none') {
      const entities = this.pools[frame.entity][pool];
      if (entities.length === 0) return null;
      entity = this.rng.pick(entities);
    }
    const training = split === 'train' && pool === 'train';
    let slots: Slots = { ...valueSlots(this.rng), ...entity?.slots };
    let entityKey = entity === undefined ? null : `${frame.entity}:${entity.key}`;
    // Some training requests name a made-up application, service or user (nonce.ts).
    if (training && entity !== undefined && NAME_SLOT.test(template.text) && this.rng.next() < NONCE_RATE) {
      const made = nonceSlots(frame.entity, slots, this.rng);
      if (made !== null) {
        slots = made.slots;
        entityKey = `nonce:${made.name}`;
      }
    }
    // Only training requests are varied: evaluation keeps its templates' own wording.
    const vary = training ? (text: string) => augmentTemplate(text, this.rng, DEFAULT_AUGMENT, intent) : undefined;
    const request = surface(fillTemplate(template.text, slots, (n) => this.rng.below(n), vary), this.rng);
    const key = dedupeKey(request);
    if (this.seen.has(key)) return null;
    this.seen.add(key);
    const example: Example = {
      id: '', intent, request, answer: frame.answer(slots), source: frame.source, template: template.id, split,
    };
    if (entity?.device !== undefined) example.device = entity.device;
    return { example, entity: entityKey };
  }
}

/** Checks the templates against their frames (every slot provided) before generating. */
function checkFrames(frames: readonly IntentFrames[], pools: Pools): void {
  const values = new Set([...Object.keys(VALUES), 'ip', 'gw', 'prefix']);
  for (const { intent, frames: list } of frames) {
    for (const frame of list) {
      const provided = new Set(values);
      if (frame.entity !== 'none') {
        const sample = pools[frame.entity].train[0] ?? pools[frame.entity].test[0];
        for (const name of Object.keys(sample?.slots ?? {})) provided.add(name);
      }
      for (const text of [...frame.templates, ...frame.paraphrases]) {
        for (const slot of slotsOf(text)) {
          if (!provided.has(slot)) throw new Error(`${intent}/${frame.name}: template "${text}" uses {${slot}}, which a ${frame.entity} does not provide`);
        }
      }
    }
  }
}

export function generateCorpus(frames: readonly IntentFrames[], pools: Pools, options: CorpusOptions): Corpus {
  checkFrames(frames, pools);
  const rng = new Rng(options.seed);
  const seen = new Set<string>();
  // The paraphrase set comes first, from its own random stream: it depends only on the seed, the
  // paraphrase templates and the test entities, never on the training templates, so changing
  // those leaves the evaluation set as it was.
  const paraphraseRng = new Rng(options.seed ^ hash32('paraphrase'));
  const paraphraseSampler = new Sampler(pools, paraphraseRng, seen);
  const sampler = new Sampler(pools, rng, seen);
  const templateSplits = new Map<string, Split | 'paraphrase'>();
  const splits: Record<Split, Generated[]> = { train: [], validation: [], test: [] };
  const paraphrase: Generated[] = [];
  const perIntent = (total: number, i: number) => Math.floor(total / INTENTS.length) + (i < total % INTENTS.length ? 1 : 0);

  frames.forEach(({ intent, frames: list }, i) => {
    const paraphrases = new Map<Frame, Template[]>();
    for (const frame of list) {
      const ps = frame.paraphrases.map((text, k) => ({ id: `${intent}/${frame.name}/p${k}`, text, frame }));
      paraphrases.set(frame, ps);
      for (const t of ps) templateSplits.set(t.id, 'paraphrase');
    }
    paraphraseSampler.sample(intent, paraphrases, 'test', 'test', perIntent(options.paraphraseSize, i), paraphrase);
  });
  frames.forEach(({ intent, frames: list }, i) => {
    const bySplit: Record<Split, Map<Frame, Template[]>> = { train: new Map(), validation: new Map(), test: new Map() };
    for (const frame of list) {
      const parts = splitTemplates(intent, frame, options.seed);
      for (const split of SPLITS) {
        bySplit[split].set(frame, parts[split]);
        for (const t of parts[split]) templateSplits.set(t.id, split);
      }
    }
    for (const split of SPLITS) {
      const target = perIntent(Math.round(options.size * SPLIT_SHARES[split]), i);
      sampler.sample(intent, bySplit[split], split, split, target, splits[split]);
    }
  });

  // Shuffle each file so intents interleave, then number the examples.
  const finish = (list: Generated[], prefix: string, by: Rng = rng): Generated[] => {
    const shuffled = by.shuffle(list);
    shuffled.forEach((g, k) => (g.example.id = `${prefix}-${String(k).padStart(5, '0')}`));
    return shuffled;
  };
  return {
    splits: { train: finish(splits.train, 'train'), validation: finish(splits.validation, 'validation'), test: finish(splits.test, 'test') },
    paraphrase: finish(paraphrase, 'paraphrase', paraphraseRng),
    templateSplits,
  };
}
