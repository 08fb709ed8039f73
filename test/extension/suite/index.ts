/**
 * Entry point the extension host loads as `extensionTestsPath`: runs every `*.test.js` next
 * to it (or those AUTON_EXTENSION_SUITE names) with mocha and settles with the result.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // Reporters print through Base.consoleLog with printf-style arguments; the extension host
  // forwards console output to the page unformatted, so format it here.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000 });
  // AUTON_EXTENSION_SUITE=review runs only the suites whose file name contains "review".
  const only = process.env.AUTON_EXTENSION_SUITE ?? '';
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js') && f.includes(only))) {
    mocha.addFile(join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension test(s) failed`)) : resolve()));
  });
}
