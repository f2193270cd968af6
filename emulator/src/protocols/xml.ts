/** Minimal XML writing for AWS query-protocol responses: element trees from plain values. */

export type XmlValue = string | number | boolean | null | undefined | XmlMap | XmlNode | readonly XmlValue[];

/** The query protocol's map shape: `<entry><key>…</key><value>…</value></entry>`. */
export class XmlMap {
  constructor(readonly entries: Readonly<Record<string, string | number>>) {}
}
export interface XmlNode {
  readonly [name: string]: XmlValue;
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Arrays become `<member>` lists (the query protocol's default list shape); null and
 * undefined members are left out, as AWS omits absent fields.
 */
export function toXml(node: XmlNode): string {
  let out = '';
  for (const [name, value] of Object.entries(node)) {
    if (value === null || value === undefined) continue;
    out += `<${name}>${valueXml(value)}</${name}>`;
  }
  return out;
}

function valueXml(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof XmlMap) {
    return Object.entries(value.entries)
      .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${escapeXml(String(v))}</value></entry>`)
      .join('');
  }
  if (Array.isArray(value)) return value.map((item) => `<member>${valueXml(item)}</member>`).join('');
  if (typeof value === 'object') return toXml(value as XmlNode);
  return escapeXml(String(value));
}

/** AWS query protocol timestamps: ISO-8601 UTC. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
