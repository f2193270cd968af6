import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';

// Proves the check is live: if the plugin were not wired the way lib/app.ts wires it, the
// auditor test's "no violations" would pass vacuously.
describe('cdk-nag liveness', () => {
  function appWithBareQueue(acknowledge: boolean): App {
    const app = new App();
    const stack = new Stack(app, 'NagProbe');
    // Deliberately non-compliant: unencrypted, no TLS-only policy, no DLQ.
    const queue = new Queue(stack, 'BareQueue', { encryption: QueueEncryption.UNENCRYPTED });
    if (acknowledge) {
      for (const id of ['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']) {
        Validations.of(queue).acknowledge({ id, reason: 'test: proving acknowledgements are honoured' });
      }
    }
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return app;
  }

  it('fails synthesis on a deliberately non-compliant queue, naming the rules and the resource', () => {
    const app = appWithBareQueue(false);
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('AwsSolutions-SQS2');
    expect(message).toContain('AwsSolutions-SQS4');
    expect(message).toContain('NagProbe/BareQueue');
  }, 120_000);

  it('lets the same queue through once each rule is acknowledged with a reason', () => {
    expect(() => appWithBareQueue(true).synth()).not.toThrow();
  }, 120_000);
});
