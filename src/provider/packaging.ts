/**
 * Installing the provider where Terraform finds it without a registry.
 *
 * What Terraform installs is a tiny launcher script, not the bundle: Terraform hashes the
 * installed files into `.terraform.lock.hcl`, so the launcher's bytes must be the same on every
 * machine (no absolute paths in it). At start it finds the package's `dist/provider.cjs` and runs
 * it with Node.js. Layout (an "unpacked" filesystem mirror):
 *
 *   <dir>/<host>/<namespace>/<type>/<version>/<os>_<arch>/terraform-provider-<type>_v<version>
 *
 * With `<dir>` = `terraform.d/plugins` inside Terraform's working directory no CLI
 * configuration is needed; elsewhere use {@link cliConfigSnippet}.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PACKAGE_NAME, PROVIDER_SOURCE, providerVersion } from './version';

/**
 * A `node -e` program that finds one of the package's bundles and runs it: at `envVar` if set,
 * else from the working directory and from the launcher's own directory (node_modules, or the
 * package's own checkout). One program, so finding it costs no extra process start. It must
 * hold no single quote (it sits in a single-quoted shell word) and no "${" or "%{" (Terraform
 * would read those as templates in a local-exec command).
 */
function finderProgram(o: { rel: string; envVar: string; who: string; run: string }): string {
  const js = [
    'const fs=require("fs"),path=require("path");',
    `const pkg="${PACKAGE_NAME}",rel="${o.rel}",tried=[];`,
    'function isFile(f){try{return fs.statSync(f).isFile()}catch(e){return false}}',
    'function fromDir(start){',
    ' try{return require.resolve(pkg+"/"+rel,{paths:[start]})}catch(e){}',
    ' for(let d=path.resolve(start);;d=path.dirname(d)){',
    '  const m=path.join(d,"node_modules",pkg,rel);if(isFile(m))return m;',
    '  try{if(JSON.parse(fs.readFileSync(path.join(d,"package.json"),"utf8")).name===pkg){const f=path.join(d,rel);tried.push(f);if(isFile(f))return f}}catch(e){}',
    '  if(path.dirname(d)===d)return null}}',
    'function find(){',
    ` const env=process.env.${o.envVar};`,
    ` if(env){if(isFile(env))return path.resolve(env);tried.push(env+" (from ${o.envVar})");return null}`,
    ' const self=process.argv[1]||"",dirs=[process.cwd()];',
    ' if(self){dirs.push(path.dirname(path.resolve(self)));try{dirs.push(path.dirname(fs.realpathSync(self)))}catch(e){}}',
    ' for(const d of dirs){const f=fromDir(d);if(f)return f;tried.push(path.join(d,"node_modules",pkg,rel)+" and above")}',
    ' return null}',
    'const found=find();',
    `if(!found){process.stderr.write("${o.who}: cannot find "+pkg+"/"+rel+"\\nLooked at:\\n  "+tried.join("\\n  ")+`,
    `"\\nInstall "+pkg+" in the project that runs Terraform (npm install "+pkg+"), build it (npm run build) when working on the package itself, or set ${o.envVar} to the path of the bundle.\\n");process.exit(1)}`,
    o.run,
  ].join('\n');
  if (/'|\$\{|%\{/.test(js)) throw new Error(`packaging: the ${o.who} finder must hold no single quote, "\${" or "%{"`);
  return js;
}

const LAUNCHER_JS = finderProgram({ rel: 'dist/provider.cjs', envVar: 'DHCP_AGENT_PROVIDER_JS', who: 'terraform-provider-dhcpagent', run: 'require(found);' });

/**
 * A shell command running the `dhcp-agent` CLI bundle (`dist/cli.cjs`) with `args`, found like
 * the provider (env `DHCP_AGENT_CLI_JS`, else from the working directory). Free of
 * machine-specific paths, so it can sit in Terraform state (portable mode's provisioners).
 */
export function cliCommand(args: string): string {
  const js = finderProgram({
    rel: 'dist/cli.cjs',
    envVar: 'DHCP_AGENT_CLI_JS',
    who: 'dhcp-agent',
    run: 'require(found).main(process.argv.slice(1)).then(function(c){process.exitCode=c},function(e){process.stderr.write(String(e&&e.stack||e)+"\\n");process.exitCode=1});',
  });
  return `node -e '${js}' ${args}`;
}

/** The launcher script: identical bytes everywhere, so one lock-file hash fits all machines. */
export const LAUNCHER_SCRIPT = `#!/bin/sh
# Terraform provider "dhcpagent" from the npm package ${PACKAGE_NAME}.
# Starts Node.js ("node" from PATH, or $DHCP_AGENT_NODE) on the package's dist/provider.cjs,
# found at $DHCP_AGENT_PROVIDER_JS if set, else from Terraform's working directory, else from
# this file's directory (node_modules/${PACKAGE_NAME}, or the package's own checkout).
# Terraform hashes this file into .terraform.lock.hcl: keep it free of machine-specific content.
exec "\${DHCP_AGENT_NODE:-node}" -e '${LAUNCHER_JS}' "$0"
`;


/** Terraform's name for a platform, e.g. `linux_amd64`. */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const os = platform === 'win32' ? 'windows' : platform;
  const cpu = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[arch] ?? arch;
  return `${os}_${cpu}`;
}

/** File name Terraform expects for a provider executable. */
export function launcherFileName(type: string, version: string): string {
  return `terraform-provider-${type}_v${version}`;
}

function splitSource(source: string): { host: string; namespace: string; type: string } {
  const parts = source.split('/');
  if (parts.length !== 3 || parts.some((p) => !/^[a-z0-9][a-z0-9._-]*$/i.test(p))) {
    throw new Error(`provider source ${JSON.stringify(source)}: expected <host>/<namespace>/<type>, e.g. ${PROVIDER_SOURCE}`);
  }
  return { host: parts[0], namespace: parts[1], type: parts[2] };
}

function checkVersion(version: string): void {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new Error(`provider version ${JSON.stringify(version)}: expected a semantic version like 1.2.3`);
  }
}

/**
 * Terraform's `h1:` hash of a provider package that is one file: base64 of the SHA-256 of the
 * line `<hex sha256 of the file>  <file name>\n` (the "dirhash" of the unpacked package).
 */
export function lockFileHash(content: string | Uint8Array, fileName: string): string {
  const fileHash = createHash('sha256').update(content).digest('hex');
  return `h1:${createHash('sha256').update(`${fileHash}  ${fileName}\n`).digest('base64')}`;
}

export interface InstallProviderOptions {
  /** Mirror root, e.g. `<working dir>/terraform.d/plugins`. */
  readonly dir: string;
  /** @default 'dhcp-agent.local/cdktf/dhcpagent' */
  readonly source?: string;
  /** @default the package version */
  readonly version?: string;
  /** @default the current platform, e.g. `linux_amd64` */
  readonly platform?: string;
}

export interface InstalledProvider {
  /** Path of the launcher written. */
  readonly path: string;
  readonly source: string;
  readonly version: string;
  readonly platform: string;
  /** Its `h1:` lock-file hash. */
  readonly hash: string;
}

/** Writes the launcher into a filesystem-mirror layout under `dir` (mode 0755). */
export function installProvider(options: InstallProviderOptions): InstalledProvider {
  const source = options.source ?? PROVIDER_SOURCE;
  const version = options.version ?? providerVersion();
  const platform = options.platform ?? terraformPlatform();
  const { host, namespace, type } = splitSource(source);
  checkVersion(version);
  if (!/^[a-z0-9]+_[a-z0-9]+$/.test(platform)) throw new Error(`platform ${JSON.stringify(platform)}: expected <os>_<arch>, e.g. linux_amd64`);
  const fileName = launcherFileName(type, version);
  const packageDir = join(options.dir, host, namespace, type, version, platform);
  mkdirSync(packageDir, { recursive: true });
  const file = join(packageDir, fileName);
  writeFileAtomic(file, LAUNCHER_SCRIPT, 0o755);
  return { path: file, source, version, platform, hash: lockFileHash(LAUNCHER_SCRIPT, fileName) };
}

/**
 * Writes a file so that a reader sees either the old or the new content, never a part: the
 * content goes to a temporary file in the same directory (same file system), gets its mode,
 * then replaces `path` by rename. cdktf rewrites the launcher and the lock file at every synth,
 * possibly while a Terraform started by an earlier synth reads them.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    writeFileSync(temp, content, { mode, flag: 'wx' });
    chmodSync(temp, mode); // writeFileSync's mode honours the umask
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

export interface LockBlockOptions {
  /** @default 'dhcp-agent.local/cdktf/dhcpagent' */
  readonly source?: string;
  /** @default the package version */
  readonly version?: string;
  /**
   * The version constraint of `required_providers` (cdktf skips `terraform providers lock`, which
   * needs the network, only when this matches). @default the exact version
   */
  readonly constraints?: string;
}

/**
 * The `.terraform.lock.hcl` block for the provider. The hash is the same on every platform and
 * machine because the installed package is the same launcher script everywhere.
 */
export function providerLockBlock(options: LockBlockOptions = {}): string {
  const source = options.source ?? PROVIDER_SOURCE;
  const version = options.version ?? providerVersion();
  const { type } = splitSource(source);
  checkVersion(version);
  const hash = lockFileHash(LAUNCHER_SCRIPT, launcherFileName(type, version));
  return [
    `provider ${JSON.stringify(source)} {`,
    `  version     = ${JSON.stringify(version)}`,
    `  constraints = ${JSON.stringify(options.constraints ?? version)}`,
    '  hashes = [',
    `    ${JSON.stringify(hash)},`,
    '  ]',
    '}',
    '',
  ].join('\n');
}

/**
 * A CLI configuration `provider_installation` block that takes this provider from the mirror at
 * `dir` and every other provider from its registry as usual.
 */
export function cliConfigSnippet(dir: string, source: string = PROVIDER_SOURCE): string {
  splitSource(source);
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(dir)}`,
    `    include = [${JSON.stringify(source)}]`,
    '  }',
    '  direct {',
    `    exclude = [${JSON.stringify(source)}]`,
    '  }',
    '}',
    '',
  ].join('\n');
}
