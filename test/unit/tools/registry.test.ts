import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLE_IDS } from '../../../src/core/roles';
import type { BuildResult } from '../../../src/kernel';
import { writeFileTool } from '../../../src/tools/files';
import type { KernelHarness } from '../../../src/tools/kernel';
import { EDIT_TOOLS, KERNEL_TOOLS } from '../../../src/tools/permissions';
import { defaultRegistry, runTool, toolsFor, ToolRegistry } from '../../../src/tools/registry';
import { context, makeRepo, removeDir } from './helpers';

const names = (role: string, shellAllowlist?: string[]) => toolsFor(role, { shellAllowlist }).map((t) => t.spec.name);

describe('tool registry and role permissions', () => {
  let root: string;
  before(() => {
    root = makeRepo('registry', {
      'kernels/include/hal.h': '#pragma once\n',
      'kernels/hal/console.h': '#pragma once\n',
      'kernels/core/main.c': 'int x;\n',
    });
  });
  after(() => removeDir(root));

  it('offers every role a valid JSON Schema object per tool', () => {
    for (const role of ROLE_IDS) {
      for (const tool of toolsFor(role, { shellAllowlist: ['make'] })) {
        const schema = tool.spec.inputSchema;
        assert.equal(schema.type, 'object', tool.spec.name);
        assert.equal(schema.additionalProperties, false, tool.spec.name);
        assert.ok(!('$schema' in schema), tool.spec.name);
        assert.ok(tool.spec.description.length > 20, tool.spec.name);
        assert.ok(tool.timeoutMs > 0, tool.spec.name);
      }
    }
    assert.deepEqual(readFileToolSchema(), {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'path relative to the worktree root, e.g. "kernels/core/main.c"' },
        start_line: { type: 'integer', minimum: 1, description: 'first line to show (default 1)' },
        end_line: { type: 'integer', minimum: 1, description: 'last line to show (default: the end, or start_line + 599)' },
      },
      required: ['path'],
      additionalProperties: false,
    });
  });

  it('gives each role its tools', () => {
    const developer = names('developer');
    for (const tool of ['read_file', 'search', 'list_dir', 'repo_map', ...EDIT_TOOLS, ...KERNEL_TOOLS, 'git_diff', 'read_spec', 'send_message', 'read_messages']) {
      assert.ok(developer.includes(tool), tool);
    }
    assert.deepEqual(names('reviewer').sort(), ['git_diff', 'list_dir', 'read_file', 'read_messages', 'read_spec', 'repo_map', 'search', 'send_message']);
    assert.ok(!names('reviewer').some((n) => (EDIT_TOOLS as readonly string[]).includes(n) || n.startsWith('kernel_')));
    assert.ok(names('tester').includes('kernel_test') && !names('tester').includes('write_file'));
    assert.ok(names('integrator').includes('kernel_build') && !names('integrator').includes('replace_in_file'));
    assert.ok(names('architect').includes('write_file') && !names('architect').includes('kernel_build') && !names('architect').includes('delete_file'));
    assert.ok(names('manager').includes('repo_map') && !names('manager').includes('write_file'));
    // The SLM team: read tools plus its own stage of the pipeline, never edits or the kernel.
    const slmTools = (role: string) => names(role).filter((n) => n.startsWith('slm_'));
    assert.deepEqual(slmTools('dataScientist'), ['slm_data']);
    assert.deepEqual(slmTools('modelArchitect'), []);
    assert.deepEqual(slmTools('training'), ['slm_train', 'slm_eval']);
    assert.deepEqual(slmTools('evaluation'), ['slm_eval']);
    assert.deepEqual(slmTools('quantization'), ['slm_quantize', 'slm_eval']);
    assert.deepEqual(slmTools('export'), ['slm_export']);
    for (const role of ['dataScientist', 'modelArchitect', 'training', 'evaluation', 'quantization', 'export']) {
      assert.deepEqual(toolsFor(role).filter((t) => !t.spec.name.startsWith('slm_')).map((t) => t.effect), toolsFor(role).filter((t) => !t.spec.name.startsWith('slm_')).map(() => 'read'), role);
      assert.ok(!names(role).some((n) => (EDIT_TOOLS as readonly string[]).includes(n) || n.startsWith('kernel_')), role);
    }
    assert.ok(!names('developer').some((n) => n.startsWith('slm_')));
    assert.throws(() => toolsFor('wizard'), /unknown role "wizard": use one of manager, architect/);
  });

  it('offers the shell only to running roles and only with an allowlist', () => {
    assert.ok(!names('developer').includes('shell'));
    assert.ok(!names('developer', ['  ']).includes('shell'));
    assert.ok(names('developer', ['make']).includes('shell'));
    assert.ok(!names('reviewer', ['make']).includes('shell'));
  });

  it('answers an unknown tool with the tools the role can use', async () => {
    const result = await runTool('rm_rf', {}, context(root, 'reviewer'));
    assert.equal(result.ok, false);
    assert.equal(result.output, `there is no tool "rm_rf"; the tools you can use are: ${names('reviewer').join(', ')}`);
  });

  it('keeps the reviewer from writing, both through runTool and by calling the tool directly', async () => {
    const ctx = context(root, 'reviewer');
    const viaRegistry = await runTool('write_file', { path: 'kernels/core/main.c', content: 'pwned' }, ctx);
    assert.equal(viaRegistry.ok, false);
    assert.match(viaRegistry.output, /^the reviewer role cannot use write_file; its tools are: read_file/);
    const direct = await writeFileTool.run({ path: 'kernels/core/main.c', content: 'pwned' }, ctx);
    assert.equal(direct.ok, false);
    assert.match(direct.output, /the reviewer role may not change files: report what should change \(send_message\) instead/);
    assert.equal(readFileSync(join(root, 'kernels/core/main.c'), 'utf8'), 'int x;\n');
    assert.deepEqual(ctx.edits, []);
  });

  it('lets the architect write only under kernels/include/ and kernels/hal/', async () => {
    const ctx = context(root, 'architect');
    assert.equal((await runTool('write_file', { path: 'kernels/include/mm.h', content: '#pragma once\n' }, ctx)).ok, true);
    assert.equal((await runTool('replace_in_file', { path: 'kernels/hal/console.h', search: '#pragma once', replace: '#pragma once\n// hal' }, ctx)).ok, true);
    for (const path of ['kernels/core/main.c', 'kernels/includes/x.h', 'kernels/hal.h', 'README.md']) {
      const result = await runTool('write_file', { path, content: 'x' }, ctx);
      assert.equal(result.ok, false, path);
      assert.match(result.output, /the architect role may only change files under kernels\/include\/ and kernels\/hal\/; .* is outside/);
    }
    const sneaky = await runTool('write_file', { path: 'kernels/include/../core/main.c', content: 'x' }, ctx);
    assert.equal(sneaky.ok, false);
    assert.equal(readFileSync(join(root, 'kernels/core/main.c'), 'utf8'), 'int x;\n');
    assert.ok(!existsSync(join(root, 'README.md')));
    assert.deepEqual(ctx.edits.map((e) => e.path), ['kernels/include/mm.h', 'kernels/hal/console.h']);
  });

  it('explains invalid input with the expected call', async () => {
    const ctx = context(root);
    const wrongType = await runTool('read_file', { path: 42 }, ctx);
    assert.equal(wrongType.ok, false);
    assert.match(wrongType.output, /^invalid input for read_file:\n.*expected string, received number\n {2}→ at path\ncall it as read_file\(\{ path: string, start_line\?: integer, end_line\?: integer \}\)$/);
    const missing = await runTool('write_file', { path: 'a.c' }, ctx);
    assert.match(missing.output, /invalid input for write_file:[\s\S]*→ at content/);
    const extra = await runTool('read_file', { path: 'a.c', lines: 3 }, ctx);
    assert.match(extra.output, /Unrecognized key: "lines"/);
    const notObject = await runTool('read_file', 'kernels/core/main.c', ctx);
    assert.match(notObject.output, /invalid input for read_file/);
    const badJson = await runTool('read_file', { __invalid_json: '{"path": "a.c"' }, ctx);
    assert.match(badJson.output, /^the arguments for read_file were not valid JSON \(\{"path": "a\.c"\): call it as read_file\(/);
  });

  it('stops a call at its timeout and tells the tool to stop', async () => {
    let stopped = false;
    const hanging: KernelHarness = {
      build: (options) => new Promise<BuildResult>((_, reject) => {
        options.signal?.addEventListener('abort', () => { stopped = true; reject(new Error('aborted')); });
      }),
      boot: () => Promise.reject(new Error('unused')),
      test: () => Promise.reject(new Error('unused')),
    };
    const registry = new ToolRegistry({ kernel: hanging, timeoutsMs: { kernel_build: 20 } });
    const result = await registry.runTool('kernel_build', { arch: 'riscv64' }, context(root));
    assert.equal(result.ok, false);
    assert.equal(result.output, 'kernel_build timed out after 20 ms and was stopped: ask for less, or narrow the request');
    assert.equal(stopped, true);
  });

  it('answers a cancelled run without running the tool', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runTool('read_file', { path: 'kernels/core/main.c' }, context(root, 'developer', { signal: controller.signal }));
    assert.deepEqual(result, { ok: false, output: 'read_file was not run: the run was cancelled' });
  });

  it('turns an error thrown inside a tool into a result', async () => {
    const throwing: KernelHarness = {
      build: () => Promise.reject(new Error('missing clang: install with `sudo apt-get install -y clang`')),
      boot: () => Promise.reject(new Error('unused')),
      test: () => Promise.reject(new Error('unused')),
    };
    const result = await new ToolRegistry({ kernel: throwing }).runTool('kernel_build', { arch: 'riscv64' }, context(root));
    assert.deepEqual(result, { ok: false, output: 'kernel_build failed: missing clang: install with `sudo apt-get install -y clang`' });
  });

  it('answers an unknown role instead of throwing', async () => {
    const result = await runTool('read_file', { path: 'x' }, context(root, 'wizard'));
    assert.equal(result.ok, false);
    assert.match(result.output, /unknown role "wizard"/);
  });
});

function readFileToolSchema(): Record<string, unknown> {
  return defaultRegistry.get('read_file')?.spec.inputSchema ?? {};
}
