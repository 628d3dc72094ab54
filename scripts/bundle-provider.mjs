#!/usr/bin/env node
/**
 * Bundles a provider entry into one self-contained CommonJS file with esbuild.
 *
 *   node scripts/bundle-provider.mjs [--entry src/provider/main.ts] [--outfile dist/provider.cjs] [--no-minify]
 * Without --entry/--outfile it also bundles the CLI (src/cli/bundle-entry.ts → dist/cli.cjs).
 *
 * Terraform starts the provider 3–4 times per command, so start-up time matters: one minified
 * file with the tfplugin6 .proto text, the node-side shell files and the package version embedded
 * loads in ~100 ms, where resolving hundreds of modules from node_modules (or compiling
 * TypeScript with tsx) takes 3x that.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { readShellFiles } from './shell-files.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @param {{ entry?: string, outfile?: string, minify?: boolean }} [options]
 * @returns {Promise<string>} the absolute path of the written bundle
 */
export async function bundleProvider(options = {}) {
  const entry = resolve(root, options.entry ?? 'src/provider/main.ts');
  const outfile = resolve(root, options.outfile ?? 'dist/provider.cjs');
  const proto = readFileSync(join(root, 'src/provider/proto/tfplugin6.proto'), 'utf8');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: options.minify ?? true,
    // Error classes are recognised by `name`; keep class and function names readable in traces.
    keepNames: true,
    legalComments: 'none',
    define: {
      __TFPLUGIN6_PROTO__: JSON.stringify(proto),
      __PACKAGE_VERSION__: JSON.stringify(version),
      __NODE_SHELL_FILES__: JSON.stringify(readShellFiles()),
    },
    // ssh2's optional native addons: it falls back to pure JavaScript when they cannot load
    // (the cipher addon is copied beside the bundle, see copySshCrypto).
    external: ['cpu-features', '*.node'],
    logLevel: 'warning',
    // protobufjs probes for optional modules through eval("require"); nothing to bundle there.
    logOverride: { 'direct-eval': 'silent' },
  });
  copySshCrypto(outfile);
  return outfile;
}

/**
 * ssh2's native cipher addon (built by npm install where a compiler was there), where the bundled
 * ssh2 looks for it: `require('./crypto/build/Release/sshcrypto.node')` beside the bundle. Without
 * it ssh2 ciphers in pure JavaScript, which was the provider's main CPU cost on big refreshes.
 */
function copySshCrypto(outfile) {
  const addon = join(root, 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node');
  if (!existsSync(addon)) return;
  const target = join(dirname(outfile), 'crypto/build/Release/sshcrypto.node');
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(addon, target);
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--entry' || arg === '--outfile') {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs a path`);
      options[arg.slice(2)] = value;
    } else if (arg === '--no-minify') {
      options.minify = false;
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)}; allowed: --entry <file>, --outfile <file>, --no-minify`);
    }
  }
  return options;
}

/**
 * tsc does not copy the .proto: put it next to tsc's proto.js, so dist is self-sufficient
 * without the sources (the npm tarball holds dist only).
 */
export function copyProtoIntoDist() {
  const target = join(root, 'dist', 'src', 'provider', 'proto', 'tfplugin6.proto');
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(root, 'src', 'provider', 'proto', 'tfplugin6.proto'), target);
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const args = parseArgs(process.argv.slice(2));
    const out = await bundleProvider(args);
    console.log(`provider bundle: ${out}`);
    if (!args.entry && !args.outfile) {
      // The CLI bundle portable mode's provisioners start for every resource: small start-up.
      const cli = await bundleProvider({ ...args, entry: 'src/cli/bundle-entry.ts', outfile: 'dist/cli.cjs' });
      console.log(`cli bundle: ${cli}`);
      console.log(`tfplugin6.proto: ${copyProtoIntoDist()}`);
    }
  } catch (err) {
    console.error(`bundle-provider: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
