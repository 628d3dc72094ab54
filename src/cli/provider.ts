/**
 * `dhcp-agent provider install [--dir D]`: lays the provider launcher into a Terraform
 * filesystem mirror, for plain Terraform (HCL) users, and says how Terraform finds it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cliConfigSnippet, installProvider, providerLockBlock } from '../provider/packaging';
import { PROVIDER_SOURCE, providerVersion } from '../provider/version';
import { CliError, EXIT_INVALID } from './io';

export const PROVIDER_HELP = `Usage: dhcp-agent provider install [--dir <dir>] [--lock]

Installs the dhcpagent Terraform provider (${PROVIDER_SOURCE}) into a filesystem mirror:
<dir>/<host>/<namespace>/dhcpagent/terraform-provider-dhcpagent_<version>_<os_arch>.zip, holding
the self-contained provider bundle and a launcher that runs it with Node.js (>= the version this
package needs). Once installed it needs nothing else: it works from any directory.

  --dir <dir>   default ./terraform.d/plugins: Terraform searches that directory of its working
                directory on its own (offline, no CLI configuration), as long as your CLI
                configuration has no provider_installation block of its own.
  --lock        also print the .terraform.lock.hcl provider block (terraform init writes it too).

Use in Terraform:
  terraform {
    required_providers {
      dhcpagent = { source = "${PROVIDER_SOURCE}", version = "${providerVersion()}" }
    }
  }
`;

/** The CLI configuration file Terraform reads, and whether it sets provider_installation itself. */
export function cliConfigInUse(env: NodeJS.ProcessEnv = process.env): { path: string; exists: boolean; hasProviderInstallation: boolean } {
  const path = env.TF_CLI_CONFIG_FILE || resolve(homedir(), '.terraformrc');
  const exists = existsSync(path);
  const hasProviderInstallation = exists && /^\s*provider_installation\s*\{/m.test(readFileSync(path, 'utf8'));
  return { path, exists, hasProviderInstallation };
}

export function providerCommand(argv: string[]): number {
  const [action, ...rest] = argv;
  if (action !== 'install') throw new CliError(`provider: unknown action ${JSON.stringify(action ?? '')}\n\n${PROVIDER_HELP}`, EXIT_INVALID);
  const { values } = parseArgs({ args: rest, options: { dir: { type: 'string', default: 'terraform.d/plugins' }, lock: { type: 'boolean', default: false } } });
  const dir = resolve(values.dir);
  const installed = installProvider({ dir });
  const lines = [`installed ${installed.source} ${installed.version} (${installed.platform}) at ${installed.path}`];
  const cli = cliConfigInUse();
  const implied = dir === resolve('terraform.d/plugins');
  if (!implied || cli.hasProviderInstallation) {
    lines.push(
      '',
      cli.hasProviderInstallation
        ? `Your Terraform CLI configuration (${cli.path}) has its own provider_installation block, so Terraform looks only where it says. Add this filesystem_mirror to it:`
        : `Terraform does not search ${dir} on its own. Add this to your Terraform CLI configuration (${cli.path}):`,
      '',
      cliConfigSnippet(dir),
    );
  } else {
    lines.push('', 'Terraform finds it from this directory without any CLI configuration: run terraform init here.');
  }
  if (values.lock) lines.push('', providerLockBlock());
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
