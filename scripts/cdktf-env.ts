/**
 * The environment cdktf needs to run offline, shared by the demo and the tests: no checkpoint
 * or version calls, no crash reports, no TTY prompts, and a Terraform CLI configuration file
 * that exists (cdktf-cli stops on a TF_CLI_CONFIG_FILE that names a missing file).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function cdktfEnv(scratchDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1', CI: '1', FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
  const configured = env.TF_CLI_CONFIG_FILE;
  if (!configured || !existsSync(configured)) {
    mkdirSync(scratchDir, { recursive: true });
    const empty = join(scratchDir, 'terraformrc');
    if (!existsSync(empty)) writeFileSync(empty, '# empty: Terraform finds the dhcpagent provider in each stack\'s terraform.d/plugins\n');
    env.TF_CLI_CONFIG_FILE = empty;
  }
  return env;
}
