/**
 * Issue 7: each Lambda bundle stays under 1 MiB minified. Built as infra's NodejsFunction builds
 * it (esbuild, minified, ESM, node22, the SDK bundled in), so a new import that drags in every
 * SDK client or classic zod fails here rather than in a deployment.
 */
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const HANDLERS_DIR = fileURLToPath(new URL('../../src/handlers/', import.meta.url));
const MIB = 1024 * 1024;

/** The AWS services each Lambda calls (docs/contracts.md, "Lambda events and results"). */
const CLIENTS_BY_HANDLER: Readonly<Record<string, readonly string[]>> = {
  'validate-input': [],
  'list-accounts': ['client-organizations', 'client-s3', 'client-sts'],
  'audit-account': ['client-iam', 'client-s3', 'client-sts'],
  'build-digest': ['client-s3'],
  'publish-digest': ['client-s3', 'client-sns'],
};

async function bundle(handler: string): Promise<{ readonly bytes: number; readonly metafile: Metafile }> {
  const result = await build({
    entryPoints: [`${HANDLERS_DIR}${handler}.ts`],
    bundle: true,
    write: false,
    outfile: `${handler}.mjs`,
    metafile: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
    logLevel: 'silent',
  });
  const output = result.outputFiles.find((file) => file.path.endsWith('.mjs'));
  if (output === undefined) throw new Error(`esbuild wrote no .mjs for ${handler}`);
  return { bytes: output.contents.byteLength, metafile: result.metafile };
}

/** `@aws-sdk/client-*` packages whose code reached the output (not merely resolved). */
function sdkClientsIn(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
      if (match?.[1] !== undefined && bytesInOutput > 0) found.add(match[1]);
    }
  }
  return [...found].sort();
}

describe('Lambda bundles', () => {
  it.each(Object.entries(CLIENTS_BY_HANDLER))(
    '%s is under 1 MiB and bundles only the SDK clients it calls (%j)',
    async (handler, clients) => {
      const { bytes, metafile } = await bundle(handler);

      expect(bytes).toBeLessThan(MIB);
      expect(sdkClientsIn(metafile)).toEqual(clients);
      // Classic zod alone is about 448 KiB: the schemas must stay on zod/mini.
      const inputs = Object.keys(metafile.inputs);
      expect(inputs.filter((input) => /node_modules\/zod\/v4\/classic\//.test(input))).toEqual([]);
    },
  );
});
