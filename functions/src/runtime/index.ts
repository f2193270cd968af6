/** The runtime layer's public face for the other workspace packages (docs/architecture.md, "Packages"). */
export * from './collect-account';
export * from './config';
export * from './telemetry';
