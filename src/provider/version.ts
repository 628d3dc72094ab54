/**
 * Identity of the provider: type name, source address and version (= the npm package version).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

declare const __PACKAGE_VERSION__: string | undefined;

/** npm package that ships the provider bundle. */
export const PACKAGE_NAME = 'cdktf-dhcp-agent';
/** Provider type name: `provider "dhcpagent"`, resource types `dhcpagent_*`. */
export const PROVIDER_TYPE_NAME = 'dhcpagent';
/** Source address in `required_providers` (a private host name: never looked up online). */
export const PROVIDER_SOURCE = 'dhcp-agent.local/cdktf/dhcpagent';

interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly engines?: { readonly node?: string };
}

let cachedPackage: { root: string; json: PackageJson } | undefined;

/** The directory of the cdktf-dhcp-agent package this module belongs to, and its package.json. */
export function ownPackage(): { root: string; json: PackageJson } {
  if (cachedPackage) return cachedPackage;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    try {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
      if (json.name === PACKAGE_NAME) return (cachedPackage = { root: dir, json });
    } catch {
      // no package.json here: keep walking up
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package.json above ${__dirname}`);
  }
}

/**
 * The package version. Embedded in the bundle at build time; from sources it is read from the
 * nearest package.json named cdktf-dhcp-agent above this file.
 */
export function providerVersion(): string {
  if (typeof __PACKAGE_VERSION__ === 'string') return __PACKAGE_VERSION__;
  const { version } = ownPackage().json;
  if (!version) throw new Error(`the ${PACKAGE_NAME} package.json has no version`);
  return version;
}

/** The oldest Node.js the package runs on, `[major, minor]`, from package.json's `engines.node` (">=20.19"). */
export function requiredNodeVersion(): [number, number] {
  const range = ownPackage().json.engines?.node ?? '';
  const m = /^>=\s*(\d+)\.(\d+)/.exec(range);
  if (!m) throw new Error(`package.json engines.node ${JSON.stringify(range)}: expected ">=<major>.<minor>"`);
  return [Number(m[1]), Number(m[2])];
}
