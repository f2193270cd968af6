/**
 * Part 4: each Lambda handler bundled as CDK's NodejsFunction would (esbuild, minified, ESM,
 * node22, `@aws-sdk/*` bundled in, a `require` shim for CommonJS dependencies), its size, and
 * the time to import it in a fresh `node` process, a proxy for the cold start's init phase.
 * esbuild emits the same JavaScript for arm64 and x86_64: the architecture only changes the runtime.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_NAMES } from '@org-key-audit/infra/lib/names';
import { build } from 'esbuild';

/** One bundle per Lambda, named as infra names them. */
export const HANDLERS = FUNCTION_NAMES;

export interface BundleRow {
  readonly handler: string;
  readonly bytes: number;
  readonly importMsMedian: number;
  readonly importMsSamples: readonly number[];
  /** The largest contributors to the bundle, by package, in bytes of output. */
  readonly topPackages: readonly { readonly name: string; readonly bytes: number }[];
}

/** `node_modules/.pnpm/x@1/node_modules/@scope/pkg/...` -> `@scope/pkg`; workspace files by folder. */
export function packageOf(inputPath: string): string {
  const at = inputPath.lastIndexOf('node_modules/');
  if (at < 0) return inputPath.split('/').find((part) => part !== '..' && part !== '.') ?? inputPath;
  const parts = inputPath.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? inputPath);
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Milliseconds to import `file` in a new node process, measured inside it. */
function importTime(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});process.stdout.write(String(performance.now()-t));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      REPORT_BUCKET: 'bench-bucket',
      AUDIT_ROLE_NAME: 'OrgKeyAuditRole',
      DIGEST_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:bench',
    },
  });
  const ms = Number(run.stdout);
  if (run.status !== 0 || !Number.isFinite(ms)) {
    throw new Error(`importing ${file} failed (exit ${run.status}): ${run.stderr.slice(-2000)}`);
  }
  return ms;
}

export async function measureBundles(outDir: string, samples: number): Promise<BundleRow[]> {
  mkdirSync(outDir, { recursive: true });
  const rows: BundleRow[] = [];
  for (const handler of HANDLERS) {
    const outfile = join(outDir, `${handler}.mjs`);
    const built = await build({
      metafile: true,
      entryPoints: [join(REPO, 'functions/src/handlers', `${handler}.ts`)],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      // What NodejsFunction's ESM docs prescribe: CommonJS dependencies still call require().
      banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
      logLevel: 'error',
    });
    const times = Array.from({ length: samples }, () => importTime(outfile));
    const byPackage = new Map<string, number>();
    for (const output of Object.values(built.metafile.outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        const name = packageOf(input);
        byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
      }
    }
    const topPackages = [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([name, bytes]) => ({ name, bytes }));
    rows.push({
      handler,
      bytes: statSync(outfile).size,
      importMsMedian: median(times),
      importMsSamples: times,
      topPackages,
    });
  }
  return rows;
}
