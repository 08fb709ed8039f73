/**
 * What model calls cost. Prices are US dollars per million tokens, per provider/model, taken
 * from the providers' pricing pages (checked 2026-11); `auton.prices` overrides or extends them.
 * A model missing from the table costs 0 and is reported as not priced, so the UI can say the
 * figure is unknown rather than show a wrong one. Models on the user's machine cost nothing.
 */
import { parseModelRef } from './providers';
import type { Usage } from './types';

export interface Rates {
  /** Prompt tokens billed at the plain rate (Usage.inputTokens). */
  readonly input: number;
  readonly output: number;
  /** Prompt tokens served from the cache. */
  readonly cacheRead: number;
  /** Prompt tokens written to the cache (Anthropic's 5-minute cache; OpenAI and Gemini charge none). */
  readonly cacheWrite: number;
}

export interface ModelPrice extends Rates {
  /** A request whose prompt has more tokens than `aboveTokens` is billed at these rates throughout. */
  readonly longPrompt?: Rates & { readonly aboveTokens: number };
}

/** `provider/model-prefix` -> price; a partial entry is merged over the built-in one of that key. */
export type PriceOverrides = Readonly<Record<string, Partial<ModelPrice>>>;

export interface PriceLookup {
  readonly price: ModelPrice;
  /** False when no entry matched: the price is all zeros and costs are unknown. */
  readonly priced: boolean;
  /** The table entry that matched. */
  readonly key?: string;
}

const rates = (input: number, output: number, cacheRead: number, cacheWrite = 0): Rates => ({ input, output, cacheRead, cacheWrite });

const OPUS_4_5 = rates(5, 25, 0.5, 6.25);
const OPUS_4 = rates(15, 75, 1.5, 18.75);
const SONNET_4: ModelPrice = { ...rates(3, 15, 0.3, 3.75), longPrompt: { ...rates(6, 22.5, 0.6, 7.5), aboveTokens: 200_000 } };
const FABLE_5 = rates(10, 50, 1, 12.5);
const FABLE_5_1 = rates(10, 50, 0.25, 12.5);

export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'anthropic/claude-fable-5-1': FABLE_5_1,
  'anthropic/claude-mythos-5-1': FABLE_5_1,
  'anthropic/claude-fable-5': FABLE_5,
  'anthropic/claude-mythos-5': FABLE_5,
  'anthropic/claude-opus-5-5': rates(4, 20, 0.2, 5),
  'anthropic/claude-opus-5': OPUS_4_5,
  'anthropic/claude-opus-4-8': OPUS_4_5,
  'anthropic/claude-opus-4-7': OPUS_4_5,
  'anthropic/claude-opus-4-6': OPUS_4_5,
  'anthropic/claude-opus-4-5': OPUS_4_5,
  'anthropic/claude-opus-4-1': OPUS_4,
  'anthropic/claude-opus-4': OPUS_4,
  'anthropic/claude-sonnet-5-5': rates(2, 10, 0.1, 2.5),
  'anthropic/claude-sonnet-5': rates(2, 10, 0.2, 2.5),
  'anthropic/claude-sonnet-4-6': SONNET_4,
  'anthropic/claude-sonnet-4-5': SONNET_4,
  'anthropic/claude-sonnet-4': SONNET_4,
  'anthropic/claude-3-7-sonnet': rates(3, 15, 0.3, 3.75),
  'anthropic/claude-haiku-5-5': { ...rates(0.1, 0.5, 0.01, 0.125), longPrompt: { ...rates(0.5, 2.5, 0.05, 0.625), aboveTokens: 100_000 } },
  'anthropic/claude-haiku-4-5': rates(1, 5, 0.1, 1.25),
  'anthropic/claude-3-5-haiku': rates(0.8, 4, 0.08, 1),
  'anthropic/claude-3-haiku': rates(0.25, 1.25, 0.03, 0.3),

  'openai/gpt-5.2': rates(1.75, 14, 0.175),
  'openai/gpt-5.1': rates(1.25, 10, 0.125),
  'openai/gpt-5': rates(1.25, 10, 0.125),
  'openai/gpt-5-mini': rates(0.25, 2, 0.025),
  'openai/gpt-5-nano': rates(0.05, 0.4, 0.005),
  'openai/gpt-5-pro': rates(15, 120, 15),
  'openai/gpt-4.1': rates(2, 8, 0.5),
  'openai/gpt-4.1-mini': rates(0.4, 1.6, 0.1),
  'openai/gpt-4.1-nano': rates(0.1, 0.4, 0.025),
  'openai/gpt-4o': rates(2.5, 10, 1.25),
  'openai/gpt-4o-mini': rates(0.15, 0.6, 0.075),
  'openai/o3': rates(2, 8, 0.5),
  'openai/o3-pro': rates(20, 80, 20),
  'openai/o3-mini': rates(1.1, 4.4, 0.55),
  'openai/o4-mini': rates(1.1, 4.4, 0.275),
  'openai/o1': rates(15, 60, 7.5),

  'gemini/gemini-3-pro': { ...rates(2, 12, 0.2), longPrompt: { ...rates(4, 18, 0.4), aboveTokens: 200_000 } },
  'gemini/gemini-2.5-pro': { ...rates(1.25, 10, 0.125), longPrompt: { ...rates(2.5, 15, 0.25), aboveTokens: 200_000 } },
  'gemini/gemini-2.5-flash': rates(0.3, 2.5, 0.03),
  'gemini/gemini-2.5-flash-lite': rates(0.1, 0.4, 0.01),
  'gemini/gemini-2.0-flash': rates(0.1, 0.4, 0.025),
  'gemini/gemini-2.0-flash-lite': rates(0.075, 0.3, 0.075),
};

const FREE: ModelPrice = rates(0, 0, 0, 0);
const FREE_PROVIDERS = new Set(['ollama', 'local']);

/** Dated snapshots and aliases price as their family: claude-opus-4-20250514 -> claude-opus-4. */
function baseName(model: string): string {
  return model
    .toLowerCase()
    .replace(/[-@]\d{8}$/, '')
    .replace(/-\d{4}-\d{2}-\d{2}$/, '')
    .replace(/-latest$/, '');
}

/** Built-in prices with the user's entries merged on top (a partial entry keeps the rest). */
export function priceTable(overrides: PriceOverrides = {}): Record<string, ModelPrice> {
  const table: Record<string, ModelPrice> = { ...DEFAULT_PRICES };
  for (const [key, entry] of Object.entries(overrides)) {
    const base = table[key];
    if (base !== undefined) {
      table[key] = { ...base, ...entry };
    } else {
      // A new entry without cache prices bills cached tokens like plain input: never less than they cost.
      const input = entry.input ?? 0;
      table[key] = { input, output: entry.output ?? 0, cacheRead: entry.cacheRead ?? input, cacheWrite: entry.cacheWrite ?? input, ...entry };
    }
  }
  return table;
}

/**
 * Other names a model is priced under: an OpenRouter model as its maker's model
 * (`openrouter/anthropic/claude-sonnet-4.5` -> `anthropic/claude-sonnet-4-5`), an Azure
 * deployment as the OpenAI model it is usually named after.
 */
function aliases(provider: string, model: string): string[] {
  if (provider === 'openrouter') {
    const [maker, ...rest] = model.split('/');
    const name = rest.join('/');
    if (maker === 'anthropic') {
      return [`anthropic/${name.replace(/\./g, '-')}`];
    }
    if (maker === 'google') {
      return [`gemini/${name}`];
    }
    return maker === undefined || name === '' ? [] : [`${maker}/${name}`];
  }
  if (provider === 'azure') {
    return [`openai/${model}`];
  }
  return [];
}

function longestMatch(table: Record<string, ModelPrice>, id: string): string | undefined {
  const slash = id.indexOf('/');
  const provider = id.slice(0, slash);
  const name = baseName(id.slice(slash + 1));
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (!key.startsWith(`${provider}/`)) {
      continue;
    }
    const prefix = key.slice(provider.length + 1).toLowerCase();
    const fits = name === prefix || [`${prefix}-`, `${prefix}:`, `${prefix}@`].some((p) => name.startsWith(p));
    if (fits && (best === undefined || key.length > best.length)) {
      best = key;
    }
  }
  return best;
}

/** The price of `provider/model` (longest matching table prefix, on a `-`, `:` or `@` boundary). */
export function lookupPrice(modelId: string, overrides: PriceOverrides = {}): PriceLookup {
  const ref = parseModelRef(modelId);
  if ('error' in ref) {
    return { price: FREE, priced: false };
  }
  const table = priceTable(overrides);
  for (const id of [`${ref.provider}/${ref.model}`, ...aliases(ref.provider, ref.model)]) {
    const key = longestMatch(table, id);
    const price = key === undefined ? undefined : table[key];
    if (key !== undefined && price !== undefined) {
      return { price, priced: true, key };
    }
  }
  if (FREE_PROVIDERS.has(ref.provider)) {
    return { price: FREE, priced: true, key: `${ref.provider}/*` };
  }
  return { price: FREE, priced: false };
}

/** Dollars for one reply's usage. */
export function costOf(usage: Usage, price: ModelPrice): number {
  const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  const r: Rates = price.longPrompt !== undefined && prompt > price.longPrompt.aboveTokens ? price.longPrompt : price;
  const micro =
    usage.inputTokens * r.input + usage.outputTokens * r.output + usage.cacheReadTokens * r.cacheRead + usage.cacheWriteTokens * r.cacheWrite;
  return micro / 1_000_000;
}

const RATE_FIELDS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;

/**
 * Checks a user's `auton.prices` value, e.g. `{ "openai/gpt-5": { "input": 1.25, "output": 10 } }`.
 * Entries with problems are left out and each problem is described.
 */
export function parsePriceOverrides(value: unknown): { prices: PriceOverrides; problems: string[] } {
  const prices: Record<string, Partial<ModelPrice>> = {};
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { prices, problems: ['must be an object of "provider/model": { input, output, cacheRead, cacheWrite } in US dollars per million tokens'] };
  }
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    const ref = parseModelRef(key);
    if ('error' in ref) {
      problems.push(`${key}: ${ref.error}`);
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${key}: must be an object like { "input": 3, "output": 15 } (US dollars per million tokens)`);
      continue;
    }
    const parsed: Record<string, number> = {};
    let ok = true;
    for (const [field, amount] of Object.entries(entry as Record<string, unknown>)) {
      if (!(RATE_FIELDS as readonly string[]).includes(field)) {
        problems.push(`${key}: unknown field "${field}"; use ${RATE_FIELDS.join(', ')}`);
        ok = false;
      } else if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
        problems.push(`${key}.${field}: must be a number >= 0 (US dollars per million tokens), got ${JSON.stringify(amount)}`);
        ok = false;
      } else {
        parsed[field] = amount;
      }
    }
    if (ok) {
      prices[key] = parsed;
    }
  }
  return { prices, problems };
}
