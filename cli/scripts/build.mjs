#!/usr/bin/env node
/**
 * Builds the installable `keyaudit`: cli/src/main.ts and everything it imports (the workspace
 * packages, the AWS SDK, commander, zod, aws-local-stepfunctions) bundled by esbuild into one
 * file, dist/keyaudit.mjs, plus the ASL definition it reads at run time next to it.
 *
 *   node scripts/build.mjs                 # dist/keyaudit.mjs, dist/audit-organization.asl.json
 *   node scripts/build.mjs --pack          # also dist/org-key-audit-cli-<version>.tgz (its path on stdout)
 *   node scripts/build.mjs --dist DIR ...  # into DIR instead of cli/dist (the install test does)
 *
 * The workspace package stays a source package (exports ./src/*.ts for test/ and bench/, the tsx
 * bin for a clone). The tarball is packed from a staging directory with a generated manifest:
 * bin → the bundle, no dependencies, no scripts, so installing it needs nothing from a registry.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(CLI, '..');
const BUNDLE_NAME = 'keyaudit.mjs';
const ASL_NAME = 'audit-organization.asl.json';
const TARBALL = /^org-key-audit-cli-.+\.tgz$/;

/** statemachine/src/definition.ts finds the ASL one directory up from itself; the bundle keeps it beside itself. */
const DEFINITION_MODULE = join(REPO, 'statemachine/src/definition.ts');
const DEFINITION_URL = `new URL('../${ASL_NAME}', import.meta.url)`;
const BUNDLED_DEFINITION_URL = `new URL('./${ASL_NAME}', import.meta.url)`;

/**
 * Dev-only packages (name, optionally @major): if one ends up in the bundle, something imports it at
 * run time. asl-validator 3 is aws-local-stepfunctions' own dependency (imported, unused with
 * noValidate); 4 is the one the tests check the definition with.
 */
const FORBIDDEN = [
  'playwright-core',
  'tsx',
  'vitest',
  'fast-check',
  'aws-sdk-client-mock',
  'asl-validator@4',
  'aws-cdk-lib',
  'aws-cdk',
  'cdk-nag',
  'esbuild',
  '@org-key-audit/infra',
];

/** Rewrites the ASL location in definition.ts, and fails the build if the source no longer matches. */
const aslBesideBundle = {
  name: 'asl-beside-bundle',
  setup(builder) {
    builder.onLoad({ filter: /statemachine[\\/]src[\\/]definition\.ts$/ }, async (args) => {
      if (args.path !== DEFINITION_MODULE) return undefined;
      const source = await readFile(args.path, 'utf8');
      const count = source.split(DEFINITION_URL).length - 1;
      if (count !== 1) {
        throw new Error(
          `${relative(REPO, args.path)} should contain ${DEFINITION_URL} exactly once (found ${count}): ` +
            'update cli/scripts/build.mjs to match how it locates the ASL file',
        );
      }
      return { contents: source.replace(DEFINITION_URL, BUNDLED_DEFINITION_URL), loader: 'ts' };
    });
  },
};

/** `name@version` of a bundled input: pnpm keeps ../node_modules/.pnpm/<name>@<version>/node_modules/<name>/. */
function packageOf(input) {
  const match = /^(?:.*\/\.pnpm\/([^/]+)\/)?.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) {
    const [, id = '', name] = match;
    const version = id.startsWith(`${name.replace('/', '+')}@`)
      ? id.slice(name.length + 1).split('_')[0]
      : '';
    return `${name}@${version}`;
  }
  const workspace = /^\.\.\/(functions|emulator|statemachine|infra|bench|test)\//.exec(input);
  return `@org-key-audit/${workspace ? workspace[1] : 'cli'}@workspace`;
}

function isForbidden(pkg, entry) {
  const [, name, major] = /^(@?[^@]+)(?:@(\d+))?$/.exec(entry);
  const at = pkg.lastIndexOf('@');
  if (pkg.slice(0, at) !== name) return false;
  return major === undefined || pkg.slice(at + 1).split('.')[0] === major;
}

export async function buildCli(dist = join(CLI, 'dist')) {
  const bundle = join(dist, BUNDLE_NAME);
  await mkdir(dist, { recursive: true });
  // Only what this script writes: --dist may name a directory that holds other things.
  for (const name of await readdir(dist)) {
    if (name === BUNDLE_NAME || name === ASL_NAME || TARBALL.test(name)) await rm(join(dist, name));
  }
  const result = await build({
    absWorkingDir: CLI,
    entryPoints: [join(CLI, 'src/main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // ESM builds of the SDK where a package has one: smaller, and tree-shaken.
    mainFields: ['module', 'main'],
    minify: true,
    keepNames: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [aslBesideBundle],
    banner: {
      // src/main.ts's `#!/usr/bin/env node` comes first; esbuild keeps it above the banner.
      js: [
        // CommonJS dependencies call require(); ESM output has none unless we make one.
        "import { createRequire as __keyauditRequire } from 'node:module';",
        'const require = __keyauditRequire(import.meta.url);',
        // The SDK warns on every run that Node 20 support ends in 2027 (as bin/keyaudit.js does).
        "process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';",
      ].join('\n'),
    },
  });

  const packages = new Set(Object.keys(result.metafile.inputs).map(packageOf));
  const forbidden = [...packages].filter((pkg) => FORBIDDEN.some((entry) => isForbidden(pkg, entry)));
  if (forbidden.length > 0) {
    throw new Error(
      `dev-only package(s) bundled, so something imports them at run time: ${forbidden.join(', ')}`,
    );
  }
  const text = await readFile(bundle, 'utf8');
  if (!text.startsWith('#!/usr/bin/env node\n')) throw new Error(`${bundle} does not start with a shebang`);
  await copyFile(join(REPO, 'statemachine', ASL_NAME), join(dist, ASL_NAME));
  const { size } = await stat(bundle);
  console.error(`built ${relative(process.cwd(), bundle)} (${(size / 1024).toFixed(0)} KiB)`);
  return { bundle, size, packages: [...packages].sort() };
}

/** Packs dist/ with a generated manifest from a staging directory; returns the tarball's path. */
export async function packCli(dist = join(CLI, 'dist')) {
  const manifest = JSON.parse(await readFile(join(CLI, 'package.json'), 'utf8'));
  const root = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8'));
  const staged = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    private: true,
    type: 'module',
    bin: { keyaudit: 'dist/keyaudit.mjs' },
    files: ['dist/'],
    engines: root.engines,
  };
  const stage = await mkdtemp(join(tmpdir(), 'keyaudit-pack-'));
  try {
    await mkdir(join(stage, 'dist'));
    await writeFile(join(stage, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
    await copyFile(join(CLI, 'README.md'), join(stage, 'README.md'));
    for (const name of [BUNDLE_NAME, ASL_NAME]) await copyFile(join(dist, name), join(stage, 'dist', name));
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dist], {
      cwd: stage,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    });
    const [{ filename }] = JSON.parse(out);
    const tarball = join(dist, filename);
    console.error(`packed ${relative(process.cwd(), tarball)}`);
    return tarball;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { pack: { type: 'boolean' }, dist: { type: 'string' } } });
  const dist = values.dist === undefined ? undefined : resolve(values.dist);
  await buildCli(dist);
  if (values.pack) console.log(await packCli(dist));
}
