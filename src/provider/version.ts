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

let cachedVersion: string | undefined;

/**
 * The package version. Embedded in the bundle at build time; from sources it is read from the
 * nearest package.json named cdktf-dhcp-agent above this file.
 */
export function providerVersion(): string {
  if (typeof __PACKAGE_VERSION__ === 'string') return __PACKAGE_VERSION__;
  if (cachedVersion) return cachedVersion;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // no package.json here: keep walking up
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package.json above ${__dirname}`);
  }
}
