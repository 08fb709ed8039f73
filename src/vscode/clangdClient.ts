/**
 * clangd as a language client. Bundled on its own (`dist/clangd.js`) and loaded by
 * `clangd.ts` only when clangd is wanted, so vscode-languageclient costs nothing otherwise.
 */
import { LanguageClient, type ServerOptions } from 'vscode-languageclient/node';

export interface ClangdOptions {
  /** The clangd binary. */
  readonly clangd: string;
  /** Absolute path of kernels/: the documents clangd serves. */
  readonly kernelsDir: string;
  /** Where compile_commands.json is (one arch's); clangd searches upward from each file without it. */
  readonly compileCommandsDir?: string;
}

export interface ClangdClient {
  stop(): Promise<void>;
}

export async function startClangd(options: ClangdOptions): Promise<ClangdClient> {
  const args = ['--log=error', '--header-insertion=never'];
  if (options.compileCommandsDir !== undefined) {
    args.push(`--compile-commands-dir=${options.compileCommandsDir}`);
  }
  const server: ServerOptions = { command: options.clangd, args, options: { cwd: options.kernelsDir } };
  // VS Code calls .h files C++: both languages, only under kernels/.
  const pattern = `${options.kernelsDir}/**/*`;
  const client = new LanguageClient('auton.clangd', 'AUTON clangd', server, {
    documentSelector: [
      { scheme: 'file', language: 'c', pattern },
      { scheme: 'file', language: 'cpp', pattern },
    ],
  });
  await client.start();
  return { stop: () => client.stop() };
}
