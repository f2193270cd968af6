/** Reads a report JSON from a local file or `s3://bucket/key`, and checks it is one we can render. */
import { readFile } from 'node:fs/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Report } from '@org-key-audit/functions/core';
import { SCHEMA_VERSION } from '@org-key-audit/functions/core';
import { errorMessage, OperationError } from './errors';

export function parseS3Url(source: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
  return match === null ? null : { bucket: match[1] ?? '', key: match[2] ?? '' };
}

export async function loadReport(source: string, s3: () => S3Client): Promise<Report> {
  const location = parseS3Url(source);
  let text: string;
  try {
    if (location === null) text = await readFile(source, 'utf8');
    else {
      const object = await s3().send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      text = (await object.Body?.transformToString('utf-8')) ?? '';
    }
  } catch (error) {
    throw new OperationError(`Could not read the report ${source} (${errorMessage(error)}).`, {
      fix:
        location === null
          ? 'Pass the path of a report.json, or s3://BUCKET/reports/EXECUTION/report.json.'
          : 'Check the bucket and key (keyaudit status lists the runs) and that your credentials allow s3:GetObject.',
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OperationError(`The report ${source} is not JSON (${errorMessage(error)}).`, {
      fix: 'Pass the report.json of a run (not report.csv or digest.txt).',
      cause: error,
    });
  }
  return checkReport(json, source);
}

/** Enough shape checking that rendering cannot fail half-way on a foreign or truncated file. */
export function checkReport(json: unknown, source: string): Report {
  const fail = (field: string, expected: string) =>
    new OperationError(
      `The report ${source} is not an org-key-audit report: "${field}" should be ${expected}.`,
      {
        fix: 'Pass the report.json that a run wrote to reports/<execution>/report.json.',
      },
    );
  if (typeof json !== 'object' || json === null) throw fail('(root)', 'an object');
  const r = json as Record<string, unknown>;
  if (r['schemaVersion'] !== SCHEMA_VERSION) throw fail('schemaVersion', String(SCHEMA_VERSION));
  if (typeof r['executionName'] !== 'string') throw fail('executionName', 'a string');
  if (typeof r['totals'] !== 'object' || r['totals'] === null) throw fail('totals', 'an object');
  const bySeverity = (r['totals'] as Record<string, unknown>)['bySeverity'];
  if (typeof bySeverity !== 'object' || bySeverity === null) throw fail('totals.bySeverity', 'an object');
  if (!Array.isArray(r['accounts'])) throw fail('accounts', 'a list');
  for (const [i, account] of (r['accounts'] as unknown[]).entries()) {
    const a = account as Record<string, unknown> | null;
    if (typeof a !== 'object' || a === null) throw fail(`accounts[${i}]`, 'an object');
    if (typeof a['accountId'] !== 'string') throw fail(`accounts[${i}].accountId`, 'a string');
    if (!Array.isArray(a['findings'])) throw fail(`accounts[${i}].findings`, 'a list');
    if (!Array.isArray(a['exempted'])) throw fail(`accounts[${i}].exempted`, 'a list');
    if (typeof a['counts'] !== 'object' || a['counts'] === null)
      throw fail(`accounts[${i}].counts`, 'an object');
  }
  // The optional sections of newer reports: absent is fine, a foreign shape is not.
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  const changes = r['changes'];
  if (changes !== undefined) {
    if (!isObject(changes) || typeof changes['comparable'] !== 'boolean') {
      throw fail('changes', 'an object with "comparable"');
    }
    if (changes['comparable'] === true) {
      for (const list of ['new', 'stillOpen', 'resolved', 'notRechecked']) {
        if (!Array.isArray(changes[list])) throw fail(`changes.${list}`, 'a list');
      }
    }
  }
  const trend = r['trend'];
  if (trend !== undefined) {
    if (!Array.isArray(trend)) throw fail('trend', 'a list');
    for (const [i, point] of (trend as unknown[]).entries()) {
      if (!isObject(point) || typeof point['executionName'] !== 'string' || typeof point['at'] !== 'string') {
        throw fail(`trend[${i}]`, 'an object with executionName and at');
      }
      if (!isObject(point['bySeverity'])) throw fail(`trend[${i}].bySeverity`, 'an object');
    }
  }
  const owners = r['owners'];
  if (owners !== undefined) {
    if (!isObject(owners) || typeof owners['securityTeam'] !== 'string') {
      throw fail('owners', 'an object with securityTeam');
    }
    if (!Array.isArray(owners['owners'])) throw fail('owners.owners', 'a list');
  }
  return json as Report;
}
