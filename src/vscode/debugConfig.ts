/**
 * The `auton-kernel` debugger in VS Code: "Debug kernel (<arch>)" configurations for
 * launch.json and the Run and Debug list, their defaults (the arch from settings, the
 * workspace folder as the repository root), and the adapter: `dist/debugAdapter.js` (the
 * vscode-free session in src/debug/), run by the Node that runs the extension host.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ARCHES, type Arch, type ArchChoice } from '../core/config';
import { kernelLaunchTemplate } from '../debug/launchConfig';
import { DEBUG_TYPE } from './contributions';

/** The arch a kernel command targets: the setting, or x86_64 when it says "all". */
export function debugArch(setting: ArchChoice): Arch {
  return setting === 'all' ? 'x86_64' : setting;
}

export function kernelLaunchConfig(arch: Arch): vscode.DebugConfiguration {
  return { ...kernelLaunchTemplate(arch) };
}

/** Offers one configuration per arch: in a new launch.json, and in the Run and Debug list. */
export class KernelDebugConfigurations implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return ARCHES.map(kernelLaunchConfig);
  }
}

export class KernelDebugConfigurationResolver implements vscode.DebugConfigurationProvider {
  constructor(private readonly defaultArch: () => ArchChoice) {}

  /** Fills in what launch.json leaves out; F5 without a launch.json gives an empty configuration. */
  resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, given: vscode.DebugConfiguration): vscode.DebugConfiguration {
    const arch = typeof given.arch === 'string' ? (given.arch as Arch) : debugArch(this.defaultArch());
    const defaults = kernelLaunchTemplate(arch);
    return {
      ...defaults,
      ...(given as Record<string, unknown>),
      type: DEBUG_TYPE,
      request: 'launch',
      name: typeof given.name === 'string' && given.name !== '' ? given.name : defaults.name,
      arch,
      root: typeof given.root === 'string' ? given.root : (folder?.uri.fsPath ?? defaults.root),
    };
  }

  /** Stops early, with a message, when the root holds no kernel and no ELF was named. */
  resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined {
    const root = typeof config.root === 'string' ? config.root : '';
    if (config.kernel === undefined && !existsSync(join(root, 'kernels', 'Makefile'))) {
      void vscode.window.showErrorMessage(
        `AUTON: no kernel to debug in ${root === '' || root.includes('${') ? 'this window' : root}: open the AUTON repository (the folder holding kernels/), or set "root" or "kernel" in the launch configuration.`,
      );
      return undefined;
    }
    return config;
  }
}

/** Runs the adapter as its own process: a crash there never takes the extension host along. */
export class KernelDebugAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly adapterPath: string) {}

  createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
    // The extension host's own binary; under Electron it must be told to act as plain Node.
    return new vscode.DebugAdapterExecutable(process.execPath, [this.adapterPath], { env: { ELECTRON_RUN_AS_NODE: '1' } });
  }
}
