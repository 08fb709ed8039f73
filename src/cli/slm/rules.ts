/** Placeholder until the rules stage lands. */
import type { Command } from 'commander';

export function registerSlmRulesCommands(_slm: Command): void {
  // the rules backend adds its subcommands here
}
