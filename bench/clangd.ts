/**
 * `npm run bench -- clangd`: what clangd's diagnostics cost an agent's edit, on a copy of the
 * kernel in a scratch folder (a fresh worktree: no compile database yet). Figures: writing the
 * compile database (`make compile-db`), clangd's start (database included), the first edit
 * (start included: what the first edit of a task waits), then the time from an edit of a real
 * kernel source to its diagnostics, per file and over rounds, as the median.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClangdPool, ensureCompileCommands, which } from '../src/kernel';
import { runTool } from '../src/tools/registry';
import type { ToolContext } from '../src/tools/types';
import { median } from './stats';

const FILES = ['kernels/core/main.c', 'kernels/mm/slab.c', 'kernels/sched/sched.c', 'kernels/lib/string.c', 'kernels/include/sched.h'];
const ROUNDS = 5;

export async function benchClangd(root: string): Promise<void> {
  if (!which('clangd')) throw new Error('clangd is not installed (Debian package "clangd")');
  const scratch = mkdtempSync(join(tmpdir(), 'auton-bench-clangd-'));
  try {
    cpSync(join(root, 'kernels'), join(scratch, 'kernels'), { recursive: true, filter: (src) => !src.startsWith(join(root, 'kernels', 'build')) });
    const arch = 'x86_64';
    let t = performance.now();
    await ensureCompileCommands(scratch, arch);
    const dbMs = performance.now() - t;
    const pool = new ClangdPool({ waitMs: 60_000 });
    const ctx: ToolContext = { root: scratch, runId: 'bench', taskId: 'bench', role: 'developer', arches: [arch], cDiagnostics: pool };
    const files = FILES.filter((f) => {
      try {
        readFileSync(join(scratch, f));
        return true;
      } catch {
        return false;
      }
    });
    const edit = async (file: string, round: number) => {
      const text = readFileSync(join(scratch, file), 'utf8');
      const started = performance.now();
      const r = await runTool('write_file', { path: file, content: `${text}/* bench ${round} */\n` }, ctx);
      const ms = performance.now() - started;
      if (!/\nclangd: /.test(r.output)) throw new Error(`no clangd answer for ${file}: ${r.output}`);
      return ms;
    };
    const first = await edit(files[0]!, 0);
    const startMs = pool.startupMs[0] ?? NaN;
    const perFile: Record<string, number[]> = {};
    for (let round = 1; round <= ROUNDS; round++) {
      for (const file of files) (perFile[file] ??= []).push(await edit(file, round));
    }
    t = performance.now();
    await pool.close();
    const closeMs = performance.now() - t;
    const all = Object.values(perFile).flat();
    const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
    console.log(`clangd ${arch}, ${files.length} files x ${ROUNDS} rounds`);
    console.log(`  make compile-db (fresh worktree)   ${fmt(dbMs)}`);
    console.log(`  clangd start (to initialized)      ${fmt(startMs)}`);
    console.log(`  first edit -> diagnostics (cold)   ${fmt(first)}`);
    for (const [file, xs] of Object.entries(perFile)) console.log(`  edit -> diagnostics ${file.padEnd(24)} median ${fmt(median(xs))} (min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))})`);
    console.log(`  edit -> diagnostics, all files     median ${fmt(median(all))}`);
    console.log(`  stop clangd                        ${fmt(closeMs)}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
