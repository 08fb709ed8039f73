/**
 * The headless `auton` command. Each command group lives in `src/cli/<group>.ts` and exports
 * `register<Group>Commands(program)`; this file only assembles them and turns failures into a
 * one-line message and an exit status (2 for usage errors, 1 for failed commands).
 */
import { Command, CommanderError } from 'commander';
import { version } from '../package.json';
import { registerConfigCommands } from './cli/config';
import { registerKernelCommands } from './cli/kernel';
import { registerRunCommands } from './cli/run';
import { registerSlmCommands } from './cli/slm';

const program = new Command('auton')
  .description('AUTON: LLM agents that build an SLM-driven operating system kernel (headless CLI)')
  .version(version, '-V, --version', 'print the version')
  .helpOption('-h, --help', 'print help for a command')
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: () => undefined });

// ---- Command groups: register every group here, and only here. ----
registerConfigCommands(program);
registerKernelCommands(program);
registerRunCommands(program);
registerSlmCommands(program);
// ---- end of command groups ----

const USAGE_ERROR = 2;

/** "auton config --help" for `auton config sho`, "auton --help" for `auton nope`. */
function helpHint(args: readonly string[]): string {
  const path = ['auton'];
  let command: Command = program;
  for (const arg of args) {
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub === undefined) {
      break;
    }
    path.push(sub.name());
    command = sub;
  }
  return `Run "${path.join(' ')} --help" for usage.`;
}

async function main(args: readonly string[]): Promise<void> {
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
        return;
      }
      if (error.code !== 'commander.help') {
        const message = error.message.replace(/^error: /, '').replace(/\n\((.*)\)$/, (_m, hint: string) => ` (${hint.toLowerCase()})`);
        process.stderr.write(`auton: ${message}\n${helpHint(args)}\n`);
      }
      process.exitCode = USAGE_ERROR;
      return;
    }
    process.stderr.write(`auton: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof Error && error.name === 'UsageError' ? USAGE_ERROR : 1;
  }
}

// A reader that stops early (`auton slm eval ... | head`) closes the pipe: stop quietly, as
// other command-line tools do, instead of dying on an unhandled EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

void main(process.argv.slice(2));
