/**
 * Installing the provider where Terraform finds it without a registry.
 *
 * The provider package Terraform installs is self-contained: the esbuild bundle
 * (`provider.cjs`, everything the provider needs in one file) and a small launcher script that
 * starts it with Node.js. Nothing outside the package is looked up, so the installed provider
 * works from every directory, and Terraform's lock-file hash covers the bundle. Both files are
 * the same bytes on every machine for a given package version (no paths in them), so one lock
 * hash fits all machines.
 *
 * Layout: a "packed" filesystem mirror, one zip per version and platform:
 *
 *   <dir>/<host>/<namespace>/<type>/terraform-provider-<type>_<version>_<os>_<arch>.zip
 *
 * Terraform extracts a zip into its plugin cache and working directory (an unpacked mirror
 * directory it would symlink instead, so a plugin cache would depend on the mirror staying
 * where it is — e.g. in one app's `cdktf.out`). With `<dir>` = `terraform.d/plugins` inside
 * Terraform's working directory no CLI configuration is needed; elsewhere use
 * {@link cliConfigSnippet}.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { storedZip, type ZipEntry } from './zip';
import { ownPackage, PACKAGE_NAME, PROVIDER_SOURCE, PROVIDER_TYPE_NAME, providerVersion, requiredNodeVersion } from './version';

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

/** Name of the bundle inside the provider package, next to the launcher. */
export const BUNDLE_FILE_NAME = 'provider.cjs';

/**
 * The launcher: a POSIX shell script that runs the bundle next to it with Node.js. When it
 * cannot start the provider it writes ONE line to stdout, naming the cause and the fix:
 * Terraform reads the plugin's first stdout line as the handshake and shows any other line as
 * "Unrecognized remote plugin message: <line>" (what it writes to stderr shows only with
 * TF_LOG). It then waits a moment before exiting, so that Terraform reads the line before it
 * notices the exit. The version check is plain ES5: it must run on any old Node.js.
 */
export function launcherScript(): string {
  const [major, minor] = requiredNodeVersion();
  const who = `terraform-provider-${PROVIDER_TYPE_NAME} (npm package ${PACKAGE_NAME})`;
  const check = [
    'var fs=require("fs"),f=require("path").resolve(process.argv[1]),v=process.versions.node.split(".").map(Number);',
    `function fail(m){process.stdout.write("${who} cannot start: "+m+"\\n");setTimeout(function(){process.exit(1)},1000)}`,
    `if(v[0]<${major}||(v[0]===${major}&&v[1]<${minor}))fail("Node.js "+process.version+" ("+process.execPath+") is too old. Fix: install Node.js >= ${major}.${minor}, or set DHCP_AGENT_NODE to its node binary.");`,
    'else if(!fs.existsSync(f))fail("its bundle "+f+" is missing. Fix: install the provider again (npx dhcp-agent provider install --dir <mirror>, or cdktf synth), or set DHCP_AGENT_PROVIDER_JS to a provider.cjs.");',
    // A bundle that throws while loading (a truncated copy, say) is reported the same way.
    'else try{require(f)}catch(e){fail("its bundle "+f+" does not load ("+String(e&&e.message||e).split("\\n")[0]+"). Fix: install the provider again.")}',
  ].join('\n');
  if (/'/.test(check)) throw new Error('packaging: the launcher check must hold no single quote');
  return `#!/bin/sh
# Terraform provider "${PROVIDER_TYPE_NAME}" from the npm package ${PACKAGE_NAME}: runs ${BUNDLE_FILE_NAME}, next to
# this file, with Node.js ("node" from PATH, or $DHCP_AGENT_NODE); $DHCP_AGENT_PROVIDER_JS names
# another bundle. Terraform hashes this file into .terraform.lock.hcl: nothing machine-specific.
node=\${DHCP_AGENT_NODE:-node}
if ! command -v "$node" >/dev/null 2>&1; then
  echo "${who} cannot start: Node.js ($node) is not installed or not in PATH. Fix: install Node.js >= ${major}.${minor}, or set DHCP_AGENT_NODE to its node binary."
  sleep 1
  exit 1
fi
exec "$node" -e '${check}' "\${DHCP_AGENT_PROVIDER_JS:-\${0%/*}/${BUNDLE_FILE_NAME}}"
`;
}

/** Path of this package's provider bundle (`dist/provider.cjs`), or an error saying how to get it. */
export function providerBundlePath(): string {
  const file = join(ownPackage().root, 'dist', BUNDLE_FILE_NAME);
  if (!existsSync(file)) throw new Error(`the provider bundle ${file} is missing: build the package (npm run build), or install ${PACKAGE_NAME} from npm`);
  return file;
}

/** The files of the provider package: the bundle and the launcher, in the order Terraform hashes them. */
export function providerPackageFiles(type: string, version: string, bundle: string = providerBundlePath()): ZipEntry[] {
  return [
    { name: BUNDLE_FILE_NAME, data: readFileSync(bundle), mode: 0o644 },
    { name: launcherFileName(type, version), data: Buffer.from(launcherScript()), mode: 0o755 },
  ].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

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

/** File name of the packed package in a filesystem mirror. */
export function packedFileName(type: string, version: string, platform: string): string {
  return `terraform-provider-${type}_${version}_${platform}.zip`;
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
 * Terraform's `h1:` hash of a provider package: base64 of the SHA-256 of the lines
 * `<hex sha256 of the file>  <file name>\n`, one per file sorted by name (Go's "dirhash" of the
 * unpacked package; for a zip, of what it extracts to).
 */
export function packageHash(files: readonly { name: string; data: string | Uint8Array }[]): string {
  const lines = [...files]
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
    .map((f) => `${createHash('sha256').update(f.data).digest('hex')}  ${f.name}\n`)
    .join('');
  return `h1:${createHash('sha256').update(lines).digest('base64')}`;
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
  /** The provider bundle to package. @default this package's `dist/provider.cjs` */
  readonly bundle?: string;
}

export interface InstalledProvider {
  /** Path of the package written (the zip). */
  readonly path: string;
  readonly source: string;
  readonly version: string;
  readonly platform: string;
  /** Its `h1:` lock-file hash. */
  readonly hash: string;
}

/** Writes the provider package (bundle + launcher, zipped) into a packed filesystem-mirror layout under `dir`. */
export function installProvider(options: InstallProviderOptions): InstalledProvider {
  const source = options.source ?? PROVIDER_SOURCE;
  const version = options.version ?? providerVersion();
  const platform = options.platform ?? terraformPlatform();
  const { host, namespace, type } = splitSource(source);
  checkVersion(version);
  if (!/^[a-z0-9]+_[a-z0-9]+$/.test(platform)) throw new Error(`platform ${JSON.stringify(platform)}: expected <os>_<arch>, e.g. linux_amd64`);
  const files = providerPackageFiles(type, version, options.bundle);
  const typeDir = join(options.dir, host, namespace, type);
  mkdirSync(typeDir, { recursive: true });
  // An unpacked package of the same version (what earlier releases installed) would compete
  // with the zip, with another hash.
  rmSync(join(typeDir, version, platform), { recursive: true, force: true });
  const file = join(typeDir, packedFileName(type, version, platform));
  writeFileAtomic(file, storedZip(files));
  return { path: file, source, version, platform, hash: packageHash(files) };
}

/** The plugin cache cdktf-cli gives Terraform: $TF_PLUGIN_CACHE_DIR, else ~/.terraform.d/plugin-cache. */
export function pluginCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TF_PLUGIN_CACHE_DIR || join(homedir(), '.terraform.d', 'plugin-cache');
}

/**
 * Removes this provider's entry from a Terraform plugin cache when it is a dangling symlink into
 * a deleted mirror directory: what earlier releases (an unpacked mirror in an app's
 * `cdktf.out`) left once that app was cleaned. Terraform neither uses nor replaces such an entry
 * ("mkdir …: file exists"); without it, it extracts the zip there. Anything else is left alone.
 * Returns the path removed, if any.
 */
export function removeDanglingCacheEntry(cacheDir: string, options: { source?: string; version?: string; platform?: string } = {}): string | undefined {
  const { host, namespace, type } = splitSource(options.source ?? PROVIDER_SOURCE);
  const entry = join(cacheDir, host, namespace, type, options.version ?? providerVersion(), options.platform ?? terraformPlatform());
  try {
    if (!lstatSync(entry).isSymbolicLink() || existsSync(entry)) return undefined;
    const target = resolve(dirname(entry), readlinkSync(entry));
    if (!target.includes(`${join('terraform.d', 'plugins', host, namespace, type)}/`)) return undefined;
    unlinkSync(entry);
    return entry;
  } catch {
    return undefined;
  }
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
  /** The provider bundle the package holds. @default this package's `dist/provider.cjs` */
  readonly bundle?: string;
  /**
   * The version constraint of `required_providers` (cdktf skips `terraform providers lock`, which
   * needs the network, only when this matches). @default the exact version
   */
  readonly constraints?: string;
}

/**
 * The `.terraform.lock.hcl` block for the provider. The hash is the same on every platform and
 * machine for a package version: the package holds the same bundle and launcher everywhere.
 */
export function providerLockBlock(options: LockBlockOptions = {}): string {
  const source = options.source ?? PROVIDER_SOURCE;
  const version = options.version ?? providerVersion();
  const { type } = splitSource(source);
  checkVersion(version);
  const hash = packageHash(providerPackageFiles(type, version, options.bundle));
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
