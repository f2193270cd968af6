import type { Command } from 'commander';

/**
 * Every `keyaudit` sub-command registers itself here. Add one line per command module;
 * each module exports `register(program: Command): void`.
 */
export function registerCommands(program: Command): void {
  void program;
}
