/** The daily run: an EventBridge Scheduler schedule that starts the workflow, with retries and a DLQ. */
import { Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { TimeZone } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';

export interface AuditScheduleProps {
  readonly stateMachine: IStateMachine;
  /** Where Scheduler puts a start it could not deliver after its retries. */
  readonly deadLetterQueue: IQueue;
  /** Encrypts the dead-letter queue: the scheduler role may use it for that. */
  readonly key: IKey;
  /** A six-field EventBridge Scheduler expression, e.g. `cron(0 8 * * ? *)` (config `schedule.expression`). */
  readonly expression: string;
  /** IANA time zone of the expression (config `schedule.timeZone`). @default 'UTC' */
  readonly timeZone?: string;
  /** @default true */
  readonly enabled?: boolean;
}

export class AuditSchedule extends Construct {
  /** Assumed by Scheduler, only for this account (`aws:SourceAccount`). */
  readonly role: Role;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: AuditScheduleProps) {
    super(scope, id);
    this.role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'org-key-audit daily schedule',
    });
    // The target grants StartExecution and sqs:SendMessage, but not the DLQ's KMS key.
    props.key.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.schedule = new Schedule(this, 'DailySchedule', {
      description: 'Runs the organization access-key audit',
      schedule: ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone ?? 'UTC')),
      enabled: props.enabled ?? true,
      target: new StepFunctionsStartExecution(props.stateMachine, {
        input: ScheduleTargetInput.fromObject({}),
        role: this.role,
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 10,
        maxEventAge: Duration.hours(6),
      }),
    });
  }
}
