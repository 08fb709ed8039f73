/**
 * Keeps API keys out of error messages and the run log. Two nets: every key the LLM layer has
 * looked up is remembered (in memory only) and replaced wherever it appears, and text shaped
 * like a provider key or an auth header is replaced even when the key was never seen here (a
 * provider echoing part of a key, a key pasted into a goal).
 */

const REDACTED = '[redacted]';

/** Keys seen by this process, longest first so a key containing another is replaced whole. */
const known: string[] = [];

/** Shorter values are too likely to occur in ordinary text to be replaced blindly. */
const MIN_SECRET_LENGTH = 8;

export function registerSecret(value: string | undefined): void {
  const secret = value?.trim();
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH || known.includes(secret)) {
    return;
  }
  known.push(secret);
  known.sort((a, b) => b.length - a.length);
}

const KEY_SHAPES: readonly RegExp[] = [
  // Anthropic, OpenAI (sk-, sk-proj-, sk-svcacct-), OpenRouter (sk-or-v1-).
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  // Google API keys (Gemini).
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  // Authorization: Bearer <token>
  /\b(Bearer\s+)[A-Za-z0-9._~+/-]{12,}=*/gi,
  // Header or field names followed by their value: x-api-key: ..., "api_key": "...", key=... in a URL.
  /\b((?:x-)?api[-_]?key["']?\s*[:=]\s*["']?)[^\s"',&]{8,}/gi,
  /([?&](?:key|api[-_]?key|access_token)=)[^\s&#"']{8,}/gi,
];

/** Replaces every known key and anything shaped like a key or credential in `text`. */
export function redactSecrets(text: string, extraSecrets: readonly (string | undefined)[] = []): string {
  let out = text;
  const secrets = [...extraSecrets.filter((s): s is string => s !== undefined && s.length >= MIN_SECRET_LENGTH), ...known];
  for (const secret of secrets.sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(REDACTED);
  }
  for (const shape of KEY_SHAPES) {
    out = out.replace(shape, (match: string, prefix: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}${REDACTED}` : REDACTED,
    );
  }
  return out;
}
