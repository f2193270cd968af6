import type { Command } from 'commander';
import { register as registerApprove } from './approve';
import { register as registerDemo } from './demo';
import { register as registerDlq } from './dlq';
import { register as registerReactivate } from './reactivate';
import { register as registerRedrive } from './redrive';
import { register as registerReject } from './reject';
import { register as registerReport } from './report';
import { register as registerRequests } from './requests';
import { register as registerRerun } from './rerun';
import { register as registerRotate } from './rotate';
import { register as registerRun } from './run';
import { register as registerStatus } from './status';

/**
 * Every `keyaudit` sub-command registers itself here. Add one line per command module;
 * each module exports `register(program: Command): void`.
 */
export function registerCommands(program: Command): void {
  void program;
  registerDemo(program);
  registerRun(program);
  registerRerun(program);
  registerRedrive(program);
  registerDlq(program);
  registerStatus(program);
  registerReport(program);
  registerRotate(program);
  registerRequests(program);
  registerApprove(program);
  registerReject(program);
  registerReactivate(program);
}
