/**
 * The extension suites in desktop VS Code, for developers with internet access:
 * @vscode/test-electron downloads VS Code 1.100.3 into `.vscode-test/`. CI uses
 * runInCodeServer.ts instead, which needs nothing but the npm registry.
 */
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { ROOT, scratch } from './codeServer';

async function main(): Promise<void> {
  const workspace = scratch('electron-workspace');
  await runTests({
    version: '1.100.3',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: join(ROOT, 'out', 'test', 'extension', 'suite', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((error: Error) => {
  process.stderr.write(`test:electron failed: ${error.message}\n`);
  process.exit(1);
});
