/** `npm run bench -- <name>`: runs one benchmark and prints its figures. */
import { resolve } from 'node:path';
import { benchBoot } from './boot';
import { benchClangd } from './clangd';
import { benchKernel } from './kernel';
import { benchOrchestrator } from './orchestrator';
import { benchSlm } from './slm';
import { benchSlmHost } from './slmHost';
import { benchSlmKernel } from './slmKernel';

const benches: Record<string, (root: string) => Promise<void>> = {
  boot: benchBoot,
  clangd: benchClangd,
  kernel: benchKernel,
  orchestrator: benchOrchestrator,
  slm: benchSlm,
  'slm-host': benchSlmHost,
  'slm-kernel': benchSlmKernel,
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const root = resolve(__dirname, '..');
  const bench = name ? benches[name] : undefined;
  if (!bench) {
    console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}>${name ? ` (unknown benchmark "${name}")` : ''}`);
    process.exit(2);
  }
  await bench(root);
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
