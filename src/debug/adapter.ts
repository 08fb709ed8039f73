/**
 * `dist/debugAdapter.js`: the kernel debug adapter as a program speaking DAP on stdin and
 * stdout. VS Code starts it for `auton-kernel` sessions; any DAP client can.
 */
import { DebugSession } from '@vscode/debugadapter';
import { KernelDebugSession } from './session';

DebugSession.run(KernelDebugSession);
