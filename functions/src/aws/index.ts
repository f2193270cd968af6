/** The aws layer's public face for the other workspace packages (docs/architecture.md, "Packages"). */
export * from './api-calls';
export * from './assume-role';
export * from './backoff';
export * from './clients';
export * from './iam-credential-source';
export * from './member-accounts';
export * from './organization';
export * from './per-user-collector';
export * from './report-fetcher';
export * from './run-store';
export * from './run-store-schemas';
export * from './sns-digest-publisher';
