/**
 * Launch configurations of type `auton-kernel`: fills in the kernel ELF, gdb and the
 * architecture from settings. The QEMU + gdb debug adapter itself is not part of this version,
 * so resolution stops with a message instead of failing inside VS Code.
 */
import * as vscode from 'vscode';
import { ARCHES, type Arch, type ArchChoice } from '../core/config';
import { DEBUG_TYPE } from './contributions';

export function kernelLaunchConfig(arch: Arch): vscode.DebugConfiguration {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `Debug AUTON kernel (${arch})`,
    arch,
    kernel: `\${workspaceFolder}/kernels/build/${arch}/kernel.elf`,
    gdbPath: 'gdb-multiarch',
    qemuArgs: [],
    stopAtEntry: true,
  };
}

export class KernelDebugConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly defaultArch: () => ArchChoice) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return ARCHES.map(kernelLaunchConfig);
  }

  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    given: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration {
    const setting = this.defaultArch();
    const arch = (ARCHES as readonly unknown[]).includes(given.arch) ? (given.arch as Arch) : setting === 'all' ? 'x86_64' : setting;
    return { ...kernelLaunchConfig(arch), ...given, type: DEBUG_TYPE, request: 'launch', arch };
  }

  resolveDebugConfigurationWithSubstitutedVariables(): undefined {
    void vscode.window.showInformationMessage(
      'AUTON: the QEMU + gdb kernel debugger is not available in this version. "AUTON: Build Kernel" and "AUTON: Boot Kernel" work through tasks.',
    );
    return undefined;
  }
}
