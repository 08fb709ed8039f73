// Bundles the extension, the CLI, the debug adapter and the clangd client into dist/, and
// (with --tests) the extension test suites into out/ for the extension host. `--production`
// minifies and drops source maps (the .vsix). The tree-sitter WebAssembly files (repo_map's C
// parser) are copied next to the bundles, where src/tools/repoMap.ts looks for them first.
import { chmod, copyFile, mkdir, readdir } from 'node:fs/promises';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
};

// Native runtimes (and onnx-proto's protobufjs) load from node_modules at run time, lazily: they
// stay out of the bundles and of the .vsix.
const runtimes = ['node-llama-cpp', 'onnxruntime-node', 'onnx-proto'];

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', ...runtimes] },
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: runtimes },
  // The kernel debug adapter, a program of its own that VS Code starts per debug session.
  { ...common, entryPoints: ['src/debug/adapter.ts'], outfile: 'dist/debugAdapter.js' },
  // The orchestration engine, required by the extension when a run starts (activation stays light).
  { ...common, entryPoints: ['src/vscode/engineBundle.ts'], outfile: 'dist/engine.js', external: runtimes },
  // The clangd language client, required by the extension only when clangd starts.
  { ...common, entryPoints: ['src/vscode/clangdClient.ts'], outfile: 'dist/clangd.js', external: ['vscode'] },
  // The SLM training worker thread (slm/src/train/pool.ts starts it next to dist/cli.js).
  { ...common, entryPoints: ['slm/src/train/worker.ts'], outfile: 'dist/slm-worker.js' },
];

if (tests) {
  const suites = (await readdir('test/extension/suite')).filter((f) => f.endsWith('.ts'));
  builds.push({
    ...common,
    minify: false,
    entryPoints: suites.map((f) => `test/extension/suite/${f}`),
    outdir: 'out/test/extension/suite',
    // mocha stays a normal require so it resolves from node_modules in the extension host.
    external: ['vscode', 'mocha'],
  });
}

const wasm = [
  'node_modules/web-tree-sitter/web-tree-sitter.wasm',
  'node_modules/tree-sitter-c/tree-sitter-c.wasm',
];

await Promise.all(builds.map((options) => esbuild.build(options)));
await chmod('dist/cli.js', 0o755);
await mkdir('dist', { recursive: true });
await Promise.all(wasm.map((file) => copyFile(file, `dist/${file.split('/').pop()}`)));
