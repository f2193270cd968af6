/** The app layer's public face for the other workspace packages (docs/architecture.md, "Packages"). */
export * from './audit-account';
export * from './build-digest';
export * from './collect-account';
export * from './plan-run';
export * from './ports';
export * from './publish-digest';
export * from './reconcile';
export * from './telemetry';
