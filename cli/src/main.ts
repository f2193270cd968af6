#!/usr/bin/env node
import { Command } from 'commander';
import { registerCommands } from './commands/index';

const program = new Command()
  .name('keyaudit')
  .description('org-key-audit: find IAM access keys due for rotation across an AWS Organization')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { exitCode?: number }).exitCode;
  if (typeof code === 'number') process.exit(code === 0 ? 0 : 1);
  throw error;
}
