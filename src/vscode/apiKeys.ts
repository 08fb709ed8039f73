/**
 * API keys, one per hosted provider, kept in VS Code's SecretStorage (the OS keychain where
 * there is one) and never in settings, logs or run files. The provider's environment variable
 * is the fallback, as in the CLI.
 */
import * as vscode from 'vscode';
import { KEYED_PROVIDERS, type ProviderInfo } from '../llm/providers';

const secretName = (provider: string): string => `auton.apiKey.${provider}`;

export async function getApiKey(secrets: vscode.SecretStorage, provider: string): Promise<string | undefined> {
  const stored = await secrets.get(secretName(provider));
  const env = KEYED_PROVIDERS.find((p) => p.id === provider)?.apiKeyEnv;
  return stored ?? (env === undefined ? undefined : process.env[env]);
}

/**
 * "AUTON: Set API Key": pick a provider, type the key in a password box. An empty key deletes
 * the stored one. `providerId` and `key` may be passed by callers that already know them.
 */
export async function setApiKey(
  secrets: vscode.SecretStorage,
  log: vscode.LogOutputChannel,
  providerId?: string,
  key?: string,
): Promise<void> {
  const provider = providerId === undefined ? await pickProvider() : KEYED_PROVIDERS.find((p) => p.id === providerId);
  if (provider === undefined) {
    if (providerId !== undefined) {
      const known = KEYED_PROVIDERS.map((p) => p.id).join(', ');
      void vscode.window.showErrorMessage(`AUTON: "${providerId}" takes no API key here; providers with keys: ${known}.`);
    }
    return;
  }
  const value = key ?? (await askKey(provider));
  if (value === undefined) {
    return;
  }
  if (value.trim() === '') {
    await secrets.delete(secretName(provider.id));
    log.info(`API key for ${provider.id} deleted from secret storage`);
    void vscode.window.showInformationMessage(`AUTON: the ${provider.label} API key was deleted.`);
    return;
  }
  await secrets.store(secretName(provider.id), value.trim());
  log.info(`API key for ${provider.id} stored in secret storage`);
  void vscode.window.showInformationMessage(`AUTON: ${provider.label} API key stored in VS Code secret storage.`);
}

async function pickProvider(): Promise<ProviderInfo | undefined> {
  const picked = await vscode.window.showQuickPick(
    KEYED_PROVIDERS.map((provider) => ({
      label: provider.label,
      description: `${provider.id}/…`,
      detail: `The CLI reads ${provider.apiKeyEnv} instead.`,
      provider,
    })),
    { title: 'AUTON: Set API Key', placeHolder: 'Which provider is the key for?' },
  );
  return picked?.provider;
}

function askKey(provider: ProviderInfo): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: `AUTON: ${provider.label} API key`,
    prompt: 'Kept in VS Code secret storage, never in settings or logs. Leave empty to delete the stored key.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (text) => (/\s/.test(text.trim()) ? 'An API key has no spaces inside it.' : undefined),
  });
}
