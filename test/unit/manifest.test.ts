import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ARCH_CHOICES, ARCHES, REVIEW_MODES, SETTINGS } from '../../src/core/config';
import { ROLES } from '../../src/core/roles';
import { kernelLaunchTemplate, type KernelLaunchArguments } from '../../src/debug/launchConfig';
import {
  ALL_COMMAND_IDS,
  AUTON_TASK_TYPE,
  COMMANDS,
  DEBUG_TYPE,
  KERNEL_ACTIONS,
  roleCommandId,
  TASKS_VIEW,
} from '../../src/vscode/contributions';

const root = resolve(__dirname, '../..');
const read = (path: string): string => readFileSync(resolve(root, path), 'utf8');

interface Manifest {
  name: string;
  publisher: string;
  version: string;
  license: string;
  main: string;
  bin: Record<string, string>;
  engines: { vscode: string };
  activationEvents: string[];
  devDependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    viewsContainers: { activitybar: { id: string; icon: string }[] };
    views: Record<string, { id: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    taskDefinitions: { type: string; properties: Record<string, { enum?: string[] }> }[];
    problemMatchers: { name: string; pattern: { regexp: string; file: number; line: number; column: number; severity: number; message: number } }[];
    debuggers: {
      type: string;
      label: string;
      configurationAttributes: { launch: { properties: Record<string, unknown> } };
      initialConfigurations: unknown[];
    }[];
    configuration: { properties: Record<string, { default: unknown; enum?: string[] }> };
    languages: { id: string; extensions?: string[]; filenamePatterns?: string[]; configuration?: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
  };
}

const manifest = JSON.parse(read('package.json')) as Manifest;
const contributes = manifest.contributes;

describe('package.json manifest', () => {
  it('identifies the extension and targets VS Code 1.100 with matching typings', () => {
    assert.equal(manifest.name, 'auton');
    assert.equal(manifest.publisher, 'auton-dev');
    assert.equal(manifest.license, 'MIT');
    assert.equal(manifest.main, './dist/extension.js');
    assert.deepEqual(manifest.bin, { auton: 'dist/cli.js' });
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.match(manifest.devDependencies['@types/vscode'] ?? '', /^1\.100\.\d+$/);
  });

  it('pins every dependency to an exact version', () => {
    for (const [name, range] of Object.entries(manifest.devDependencies)) {
      assert.match(range, /^\d+\.\d+\.\d+$/, `${name}@${range}`);
    }
  });

  it('activates only on use, never on "*"', () => {
    assert.ok(!manifest.activationEvents.some((event) => event.includes('*')), manifest.activationEvents.join());
    assert.deepEqual([...manifest.activationEvents].sort(), [
      `onDebugDynamicConfigurations:${DEBUG_TYPE}`,
      `onDebugResolve:${DEBUG_TYPE}`,
      `onTaskType:${AUTON_TASK_TYPE}`,
      `onView:${TASKS_VIEW}`,
      // The AUTON repository itself: the task tree and clangd for kernels/.
      'workspaceContains:kernels/Makefile',
    ]);
  });

  it('contributes exactly the commands the extension registers, all in category AUTON', () => {
    const contributed = contributes.commands.map((c) => c.command);
    assert.deepEqual([...contributed].sort(), [...ALL_COMMAND_IDS].sort());
    assert.equal(new Set(contributed).size, contributed.length, 'no command twice');
    for (const command of contributes.commands) {
      assert.equal(command.category, 'AUTON', command.command);
      assert.ok(command.title.length > 0, command.command);
    }
    for (const id of ['auton.runGoal', 'auton.stopRun', 'auton.resumeRun', 'auton.setApiKey', 'auton.showRunLog']) {
      assert.ok(contributed.includes(id), id);
    }
    for (const action of ['build', 'boot', 'test', 'debug']) {
      assert.ok(contributed.includes(`auton.kernel.${action}`), action);
    }
  });

  it('registers a handler for every command in the extension source', () => {
    const source = read('src/vscode/commands.ts');
    for (const key of Object.keys(COMMANDS)) {
      assert.match(source, new RegExp(`\\[COMMANDS\\.${key}\\]:`), key);
    }
    assert.match(source, /ROLES\.map\(\(role\) => \[roleCommandId\(role\.id\)/);
  });

  it('has one model setting and one command per agent role', () => {
    const titles = new Map(contributes.commands.map((c) => [c.command, c.title]));
    for (const role of ROLES) {
      assert.match(titles.get(roleCommandId(role.id)) ?? '', new RegExp(`^Run ${role.label} Alone`), role.id);
      assert.ok(`auton.models.${role.id}` in contributes.configuration.properties, role.id);
    }
    assert.equal(ROLES.length, 12);
  });

  it('declares exactly the core settings, with the same defaults and choices', () => {
    const properties = contributes.configuration.properties;
    assert.deepEqual(Object.keys(properties).sort(), SETTINGS.map((s) => `auton.${s.key}`).sort());
    for (const setting of SETTINGS) {
      const declared = properties[`auton.${setting.key}`];
      assert.deepEqual(declared?.default, setting.default, setting.key);
      assert.deepEqual(declared?.enum, setting.choices, setting.key);
      assert.ok(setting.check(setting.default).ok, `default of ${setting.key} is valid`);
    }
    assert.deepEqual(properties['auton.reviewMode']?.enum, [...REVIEW_MODES]);
  });

  it('has the AUTON view container with its SVG icon, the task tree and a welcome offering Run Goal', () => {
    const [container] = contributes.viewsContainers.activitybar;
    assert.equal(container?.id, 'auton');
    assert.match(read(container?.icon ?? ''), /^<svg [^>]*viewBox="0 0 24 24"/);
    assert.deepEqual(contributes.views.auton?.map((v) => v.id), [TASKS_VIEW]);
    const welcome = contributes.viewsWelcome.find((w) => w.view === TASKS_VIEW);
    assert.match(welcome?.contents ?? '', /\[Run Goal\]\(command:auton\.runGoal\)/);
  });

  it('defines the auton task type with the CLI actions and architectures', () => {
    const definition = contributes.taskDefinitions.find((d) => d.type === AUTON_TASK_TYPE);
    assert.deepEqual(definition?.properties.action?.enum, [...KERNEL_ACTIONS]);
    assert.deepEqual(definition?.properties.arch?.enum, [...ARCH_CHOICES]);
  });

  it('has a clang problem matcher that reads compiler diagnostics', () => {
    const matcher = contributes.problemMatchers.find((m) => m.name === 'auton-clang');
    assert.ok(matcher);
    const regexp = new RegExp(matcher.pattern.regexp);
    const parts = (line: string) => {
      const m = regexp.exec(line);
      const p = matcher.pattern;
      return m && [m[p.file], m[p.line], m[p.column], m[p.severity], m[p.message]];
    };
    assert.deepEqual(parts("core/main.c:42:7: error: use of undeclared identifier 'x'"), [
      'core/main.c', '42', '7', 'error', "use of undeclared identifier 'x'",
    ]);
    assert.deepEqual(parts('arch/x86_64/boot.c:3:10: fatal error: \'hal.h\' file not found'), [
      'arch/x86_64/boot.c', '3', '10', 'error', "'hal.h' file not found",
    ]);
    assert.equal(parts('lib/printk.c:9:1: warning: unused variable')?.[3], 'warning');
    assert.equal(parts('ld.lld: error: undefined symbol: kmain'), null);
  });

  it('declares the kernel debugger with its launch attributes', () => {
    const debuggerDecl = contributes.debuggers.find((d) => d.type === DEBUG_TYPE);
    assert.equal(debuggerDecl?.label, 'AUTON Kernel (QEMU + gdb)');
    // Every attribute the adapter reads, and no other.
    const attributes: Record<keyof KernelLaunchArguments, true> = {
      arch: true, root: true, build: true, kernel: true, image: true, gdbPath: true, qemuArgs: true,
      cmdline: true, memory: true, cpus: true, stopAtEntry: true, entry: true, trace: true,
    };
    assert.deepEqual(Object.keys(debuggerDecl?.configurationAttributes.launch.properties ?? {}).sort(), Object.keys(attributes).sort());
    const arch = debuggerDecl?.configurationAttributes.launch.properties.arch as { enum: string[] };
    assert.deepEqual(arch.enum, [...ARCHES]);
    assert.deepEqual(debuggerDecl?.initialConfigurations, ARCHES.map(kernelLaunchTemplate));
  });

  it('ships the rules and serial-log languages with grammars that exist', () => {
    const languages = new Map(contributes.languages.map((l) => [l.id, l]));
    assert.deepEqual(languages.get('auton-rules')?.extensions, ['.rules']);
    assert.deepEqual(languages.get('auton-log')?.filenamePatterns, ['*.serial.log']);
    for (const language of contributes.languages) {
      if (language.configuration !== undefined) {
        JSON.parse(read(language.configuration));
      }
    }
    for (const grammar of contributes.grammars) {
      assert.ok(languages.has(grammar.language), grammar.language);
      const parsed = JSON.parse(read(grammar.path)) as { scopeName: string };
      assert.equal(parsed.scopeName, grammar.scopeName);
    }
  });

  it('keeps the .vsix to the bundle, media, grammars and documents', () => {
    assert.ok(existsSync(resolve(root, '.vscodeignore')));
    const lines = read('.vscodeignore').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    assert.equal(lines[0], '**', 'everything is excluded first');
  });
});
