/**
 * The seam between the emulator's HTTP server (routing, auth, faults, stats) and the
 * per-service protocol handlers. The server parses the SigV4 credential scope to pick the
 * service and resolves the access key id to a caller before a handler runs.
 */

export interface EmulatorRequest {
  readonly method: string;
  /** Decoded path, without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** From the SigV4 credential scope: iam, sts, organizations, sns, sqs, s3. */
  readonly service: string;
  readonly region: string;
}

export interface EmulatorResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Not sent: marks an answer an injected fault decided, for the recorded call's outcome. */
  readonly injectedFault?: boolean;
}

/** The principal behind a request's access key. */
export interface Caller {
  readonly accountId: string;
  /** e.g. arn:aws:iam::111111111111:role/org-key-audit-auditor or an assumed-role session ARN. */
  readonly arn: string;
  readonly accessKeyId: string;
}

export type ServiceHandler = (
  request: EmulatorRequest,
  caller: Caller,
) => EmulatorResponse | Promise<EmulatorResponse>;
