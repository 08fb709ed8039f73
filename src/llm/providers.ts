/**
 * The model providers AUTON knows, as named in `provider/model` strings.
 * Keys for hosted providers come from VS Code's secret storage or from the environment variable
 * named here; `ollama` and `local` run on the user's machine and need none.
 */
export interface ProviderInfo {
  readonly id: string;
  readonly label: string;
  /** Environment variable holding the API key; absent for providers that need no key. */
  readonly apiKeyEnv?: string;
  /**
   * Environment variable that overrides where the API lives. For azure it names the resource
   * endpoint (`https://NAME.openai.azure.com`), for ollama the server's host (OLLAMA_HOST, e.g.
   * `127.0.0.1:11434`; `/v1` is added).
   */
  readonly baseUrlEnv?: string;
  /** Where the API lives when nothing overrides it; azure has none (each resource has its own). */
  readonly defaultBaseUrl?: string;
  readonly example: string;
}

export const PROVIDERS = [
  {
    id: 'anthropic',
    label: 'Anthropic',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
    defaultBaseUrl: 'https://api.anthropic.com',
    example: 'anthropic/claude-sonnet-4-6',
  },
  {
    id: 'openai',
    label: 'OpenAI',
    apiKeyEnv: 'OPENAI_API_KEY',
    baseUrlEnv: 'OPENAI_BASE_URL',
    defaultBaseUrl: 'https://api.openai.com/v1',
    example: 'openai/gpt-4.1',
  },
  {
    id: 'ollama',
    label: 'Ollama (local server)',
    baseUrlEnv: 'OLLAMA_HOST',
    defaultBaseUrl: 'http://127.0.0.1:11434/v1',
    example: 'ollama/qwen2.5-coder:7b',
  },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    apiKeyEnv: 'OPENROUTER_API_KEY',
    baseUrlEnv: 'OPENROUTER_BASE_URL',
    defaultBaseUrl: 'https://openrouter.ai/api/v1',
    example: 'openrouter/anthropic/claude-sonnet-4.5',
  },
  {
    id: 'azure',
    label: 'Azure OpenAI',
    apiKeyEnv: 'AZURE_OPENAI_API_KEY',
    baseUrlEnv: 'AZURE_OPENAI_ENDPOINT',
    example: 'azure/my-gpt-4.1-deployment',
  },
  {
    id: 'gemini',
    label: 'Google Gemini',
    apiKeyEnv: 'GEMINI_API_KEY',
    baseUrlEnv: 'GEMINI_BASE_URL',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai/',
    example: 'gemini/gemini-2.5-pro',
  },
  { id: 'local', label: 'Local GGUF model', example: 'local/auton-slm-q8_0.gguf' },
] as const satisfies readonly ProviderInfo[];

export type ProviderId = (typeof PROVIDERS)[number]['id'];

export const PROVIDER_IDS: readonly ProviderId[] = PROVIDERS.map((p) => p.id);

export function providerInfo(id: ProviderId): ProviderInfo {
  const info: ProviderInfo | undefined = PROVIDERS.find((p) => p.id === id);
  if (info === undefined) {
    throw new Error(`internal: no provider "${id}"`);
  }
  return info;
}

export function isProviderId(value: string): value is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value);
}

/** Providers whose API needs a key (the ones "AUTON: Set API Key" offers). */
export const KEYED_PROVIDERS: readonly (ProviderInfo & { apiKeyEnv: string })[] = PROVIDERS.filter(
  (p): p is Extract<(typeof PROVIDERS)[number], { apiKeyEnv: string }> => 'apiKeyEnv' in p,
);

/** A parsed `provider/model` string. The model part may itself contain slashes (OpenRouter). */
export interface ModelRef {
  readonly provider: ProviderId;
  readonly model: string;
}

export function formatModelRef(ref: ModelRef): string {
  return `${ref.provider}/${ref.model}`;
}

/** Parses `provider/model`; returns an error sentence that says what to write instead. */
export function parseModelRef(text: string): ModelRef | { error: string } {
  const slash = text.indexOf('/');
  const provider = slash < 0 ? '' : text.slice(0, slash);
  const model = slash < 0 ? '' : text.slice(slash + 1);
  const known = PROVIDER_IDS.join(', ');
  if (slash < 0 || model.trim() === '') {
    return { error: `"${text}" is not a "provider/model" string; write e.g. "${PROVIDERS[0].example}" (providers: ${known})` };
  }
  if (!isProviderId(provider)) {
    return { error: `"${text}" names the unknown provider "${provider}"; use one of: ${known}` };
  }
  if (/\s/.test(text)) {
    return { error: `"${text}" contains white space; a model string is "provider/model" with no spaces` };
  }
  return { provider, model };
}
