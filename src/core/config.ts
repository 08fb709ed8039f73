/**
 * AUTON's settings: what each one accepts, its default, and how layers of values (defaults,
 * `.auton/config.json`, the environment, VS Code settings) resolve to one validated
 * configuration. The CLI and the extension both go through `resolveConfig`, so a value is
 * accepted or refused with the same message everywhere.
 *
 * Keys are written without the `auton.` prefix (`budget.maxUsd`); VS Code shows them with it.
 */
import { parseModelRef, type ModelRef } from '../llm/providers';
import { ROLES, type RoleId } from './roles';

export const ARCHES = ['x86_64', 'aarch64', 'riscv64'] as const;
export type Arch = (typeof ARCHES)[number];
export const ARCH_CHOICES = [...ARCHES, 'all'] as const;
export type ArchChoice = (typeof ARCH_CHOICES)[number];

export const REVIEW_MODES = ['automatic', 'human'] as const;
export type ReviewMode = (typeof REVIEW_MODES)[number];

export interface AutonConfig {
  readonly models: {
    readonly default: ModelRef;
    /** Every role's model, with roles that set none inheriting `default`. */
    readonly roles: Readonly<Record<RoleId, ModelRef>>;
  };
  readonly kernel: { readonly arch: ArchChoice };
  /** Limits that stop a run cleanly; 0 means no limit. */
  readonly budget: {
    readonly maxUsd: number;
    readonly maxTokens: number;
    readonly maxMinutes: number;
    readonly maxIterations: number;
  };
  readonly reviewMode: ReviewMode;
  readonly maxParallelDevelopers: number;
  /** Start clangd (where it is installed) for the kernel's C sources: in VS Code, and for agents' edits. */
  readonly clangd: { readonly enabled: boolean };
}

type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export interface Setting<T> {
  readonly key: string;
  readonly default: T;
  readonly choices?: readonly string[];
  check(value: unknown): Checked<T>;
  /** Turns an environment variable's text into the value to check. */
  fromText(text: string): unknown;
}

const quote = (value: unknown): string => JSON.stringify(value) ?? String(value);

function modelSetting(key: string, fallback: string): Setting<string> {
  const inherits = fallback === '';
  const expects = inherits ? 'a "provider/model" string, or "" to use models.default' : 'a "provider/model" string';
  return {
    key,
    default: fallback,
    check(value) {
      if (typeof value !== 'string') {
        return { ok: false, message: `must be ${expects}, got ${quote(value)}` };
      }
      if (inherits && value === '') {
        return { ok: true, value };
      }
      const ref = parseModelRef(value);
      return 'error' in ref ? { ok: false, message: ref.error } : { ok: true, value };
    },
    fromText: (text) => text,
  };
}

function choiceSetting<T extends string>(key: string, choices: readonly T[], fallback: T): Setting<T> {
  const expects = `one of ${choices.map((c) => `"${c}"`).join(', ')}`;
  return {
    key,
    default: fallback,
    choices,
    check(value) {
      return typeof value === 'string' && (choices as readonly string[]).includes(value)
        ? { ok: true, value: value as T }
        : { ok: false, message: `must be ${expects}, got ${quote(value)}` };
    },
    fromText: (text) => text,
  };
}

function booleanSetting(key: string, fallback: boolean): Setting<boolean> {
  return {
    key,
    default: fallback,
    check(value) {
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false, message: `must be true or false, got ${quote(value)}` };
    },
    fromText: (text) => (text === 'true' ? true : text === 'false' ? false : text),
  };
}

interface NumberRule {
  readonly integer?: boolean;
  readonly min: number;
  readonly max?: number;
  /** What the number counts, e.g. "US dollars". */
  readonly unit: string;
}

function numberSetting(key: string, fallback: number, rule: NumberRule): Setting<number> {
  const kind = rule.integer ? 'a whole number' : 'a number';
  const range = rule.max === undefined ? `>= ${rule.min}` : `from ${rule.min} to ${rule.max}`;
  const noLimit = rule.min === 0 ? ' (0 means no limit)' : '';
  const expects = `${kind} of ${rule.unit} ${range}${noLimit}`;
  return {
    key,
    default: fallback,
    check(value) {
      const fits =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (!rule.integer || Number.isInteger(value)) &&
        value >= rule.min &&
        (rule.max === undefined || value <= rule.max);
      return fits
        ? { ok: true, value }
        : { ok: false, message: `must be ${expects}, got ${quote(value)}` };
    },
    fromText: (text) => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text),
  };
}

const roleModelSettings = Object.fromEntries(
  ROLES.map((role) => [role.id, modelSetting(`models.${role.id}`, '')]),
) as Record<RoleId, Setting<string>>;

/** The settings the resolver reads by name; role models are in `roleModelSettings`. */
const NAMED = {
  defaultModel: modelSetting('models.default', 'anthropic/claude-sonnet-4-6'),
  arch: choiceSetting('kernel.arch', ARCH_CHOICES, 'x86_64'),
  maxUsd: numberSetting('budget.maxUsd', 10, { min: 0, unit: 'US dollars' }),
  maxTokens: numberSetting('budget.maxTokens', 2_000_000, { integer: true, min: 0, unit: 'tokens' }),
  maxMinutes: numberSetting('budget.maxMinutes', 120, { min: 0, unit: 'minutes of wall time' }),
  maxIterations: numberSetting('budget.maxIterations', 200, { integer: true, min: 0, unit: 'agent iterations' }),
  reviewMode: choiceSetting('reviewMode', REVIEW_MODES, 'automatic'),
  maxParallelDevelopers: numberSetting('maxParallelDevelopers', 4, {
    integer: true,
    min: 1,
    max: 16,
    unit: 'Developer agents working at once',
  }),
  clangd: booleanSetting('clangd.enabled', true),
};

/** Every setting, in the order `auton config show` prints them. */
export const SETTINGS: readonly Setting<unknown>[] = [
  NAMED.defaultModel,
  ...Object.values(roleModelSettings),
  NAMED.arch,
  NAMED.maxUsd,
  NAMED.maxTokens,
  NAMED.maxMinutes,
  NAMED.maxIterations,
  NAMED.reviewMode,
  NAMED.maxParallelDevelopers,
  NAMED.clangd,
];

/** One source of values, e.g. `{ source: "env", values: { "budget.maxUsd": 5 } }`. */
export interface ConfigLayer {
  readonly source: string;
  readonly values: Readonly<Record<string, unknown>>;
}

export interface ConfigProblem {
  /** The setting at fault, or '' when the whole source is (a file that is not JSON). */
  readonly key: string;
  readonly source: string;
  readonly message: string;
}

export interface EffectiveSetting {
  readonly key: string;
  readonly value: unknown;
  readonly source: string;
}

export interface ConfigResult {
  /** Valid settings as given; refused ones fall back to their defaults. */
  readonly config: AutonConfig;
  readonly settings: readonly EffectiveSetting[];
  readonly problems: readonly ConfigProblem[];
}

export function formatProblem(problem: ConfigProblem): string {
  if (problem.key === '') {
    return `${problem.source} ${problem.message}`;
  }
  return `auton.${problem.key} (from ${problem.source}): ${problem.message}`;
}

/** `budget.maxUsd` -> `AUTON_BUDGET_MAX_USD`. */
export function envVarFor(key: string): string {
  return `AUTON_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase()}`;
}

/** The layer of values set through `AUTON_*` environment variables. */
export function envLayer(env: Readonly<Record<string, string | undefined>>): ConfigLayer {
  const values: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const text = env[envVarFor(setting.key)];
    if (text !== undefined) {
      values[setting.key] = setting.fromText(text);
    }
  }
  return { source: 'env', values };
}

/** `{ budget: { maxUsd: 5 } }` -> `{ "budget.maxUsd": 5 }`. */
export function flattenSettings(tree: Readonly<Record<string, unknown>>, prefix = ''): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(tree)) {
    const key = prefix + name;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      Object.assign(flat, flattenSettings(value as Record<string, unknown>, `${key}.`));
    } else {
      flat[key] = value;
    }
  }
  return flat;
}

const KNOWN_KEYS = new Set(SETTINGS.map((s) => s.key));

function unknownKeyMessage(key: string): string {
  if (key.startsWith('auton.') && KNOWN_KEYS.has(key.slice('auton.'.length))) {
    return `is written with the "auton." prefix; write "${key.slice('auton.'.length)}" here`;
  }
  const group = key.split('.')[0];
  const near = [...KNOWN_KEYS].filter((k) => k.split('.')[0] === group);
  const offer = near.length > 0 ? near : [...new Set([...KNOWN_KEYS].map((k) => k.split('.')[0]))];
  return `is not an AUTON setting; known ${near.length > 0 ? 'settings' : 'groups'}: ${offer.join(', ')}`;
}

/** Resolves layers (later ones win) over the defaults and validates every value. */
export function resolveConfig(layers: readonly ConfigLayer[]): ConfigResult {
  const problems: ConfigProblem[] = [];
  for (const layer of layers) {
    for (const key of Object.keys(layer.values)) {
      if (!KNOWN_KEYS.has(key)) {
        problems.push({ key, source: layer.source, message: unknownKeyMessage(key) });
      }
    }
  }

  const settings: EffectiveSetting[] = [];
  const read = <T>(setting: Setting<T>): T => {
    const layer = layers.findLast((l) => l.values[setting.key] !== undefined);
    if (layer === undefined) {
      settings.push({ key: setting.key, value: setting.default, source: 'default' });
      return setting.default;
    }
    const given = layer.values[setting.key];
    settings.push({ key: setting.key, value: given, source: layer.source });
    const checked = setting.check(given);
    if (!checked.ok) {
      problems.push({ key: setting.key, source: layer.source, message: checked.message });
      return setting.default;
    }
    return checked.value;
  };

  const defaultModel = toModelRef(read(NAMED.defaultModel));
  const roleModels = Object.fromEntries(
    ROLES.map((role) => {
      const own = read(roleModelSettings[role.id]);
      return [role.id, own === '' ? defaultModel : toModelRef(own)];
    }),
  ) as Record<RoleId, ModelRef>;

  const config: AutonConfig = {
    models: { default: defaultModel, roles: roleModels },
    kernel: { arch: read(NAMED.arch) },
    budget: {
      maxUsd: read(NAMED.maxUsd),
      maxTokens: read(NAMED.maxTokens),
      maxMinutes: read(NAMED.maxMinutes),
      maxIterations: read(NAMED.maxIterations),
    },
    reviewMode: read(NAMED.reviewMode),
    maxParallelDevelopers: read(NAMED.maxParallelDevelopers),
    clangd: { enabled: read(NAMED.clangd) },
  };
  return { config, settings, problems };
}

/** Only called on strings that passed `check`, so a parse failure is a bug here. */
function toModelRef(text: string): ModelRef {
  const ref = parseModelRef(text);
  if ('error' in ref) {
    throw new Error(`internal: validated model string failed to parse: ${ref.error}`);
  }
  return ref;
}

