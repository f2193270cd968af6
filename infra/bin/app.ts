/**
 * The CDK app: reads the config, builds the three stacks, and runs cdk-nag on all of them.
 * Deploy order: AuditorStack (audit account), then ManagementRoleStack and RoleRolloutStack.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { loadConfig } from '../lib/config';

const app = new App();
const { config, source } = loadConfig({
  contextConfig: app.node.tryGetContext('config'),
  contextConfigFile: app.node.tryGetContext('configFile'),
});
if (config.example) {
  console.error(
    `org-key-audit: synthesizing from ${source} (example account ids); the templates refuse to deploy until you create org-key-audit.config.json`,
  );
}
buildApp(app, config);
