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
  readonly example: string;
}

export const PROVIDERS = [
  { id: 'anthropic', label: 'Anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', example: 'anthropic/claude-sonnet-4-5' },
  { id: 'openai', label: 'OpenAI', apiKeyEnv: 'OPENAI_API_KEY', example: 'openai/gpt-4.1' },
  { id: 'ollama', label: 'Ollama (local server)', example: 'ollama/qwen2.5-coder:7b' },
  { id: 'openrouter', label: 'OpenRouter', apiKeyEnv: 'OPENROUTER_API_KEY', example: 'openrouter/anthropic/claude-sonnet-4.5' },
  { id: 'azure', label: 'Azure OpenAI', apiKeyEnv: 'AZURE_OPENAI_API_KEY', example: 'azure/my-gpt-4.1-deployment' },
  { id: 'gemini', label: 'Google Gemini', apiKeyEnv: 'GEMINI_API_KEY', example: 'gemini/gemini-2.5-pro' },
  { id: 'local', label: 'Local GGUF model', example: 'local/auton-slm-q8_0.gguf' },
] as const satisfies readonly ProviderInfo[];

export type ProviderId = (typeof PROVIDERS)[number]['id'];

export const PROVIDER_IDS: readonly ProviderId[] = PROVIDERS.map((p) => p.id);

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
