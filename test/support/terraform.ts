/** Runs the real terraform binary in a working directory, offline, with the project's provider. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const TERRAFORM = process.env.TERRAFORM_BIN ?? '/usr/local/bin/terraform';
export const repoRoot = resolve(__dirname, '..', '..');

/**
 * The start of a plain-HCL test configuration: the provider from the local mirror, the lab
 * node (passed as `-var node=…`) and the bridge its networks use.
 */
export const LAB_NODE_HCL = `terraform {
  required_providers {
    dhcpagent = { source = "dhcp-agent.local/cdktf/dhcpagent", version = "0.1.0" }
  }
}
variable "node" { type = object({ host = string, user = string, private_key_path = string, known_hosts_path = string, state_path = string }) }
variable "bridge" { type = string }
`;

/** Why terraform tests cannot run here, or undefined. */
export function terraformUnavailableReason(): string | undefined {
  if (!existsSync(TERRAFORM)) return `terraform not found at ${TERRAFORM} (install Terraform 1.11.x there, or set TERRAFORM_BIN)`;
  return undefined;
}

/** The provider bundle, built if missing (npm test builds it first). */
export function providerBundle(): string {
  const bundle = join(repoRoot, 'dist', 'provider.cjs');
  if (!existsSync(bundle)) {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'bundle-provider.mjs')], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the provider bundle failed: ${r.stderr}`);
  }
  return bundle;
}

export interface TfResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** A Terraform working directory with an empty CLI configuration and no network access needed. */
export class TfDir {
  readonly env: NodeJS.ProcessEnv;
  constructor(readonly dir: string, extraEnv: NodeJS.ProcessEnv = {}) {
    mkdirSync(dir, { recursive: true });
    const cliConfig = join(dir, '.terraformrc-empty');
    writeFileSync(cliConfig, '');
    this.env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: cliConfig,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      DHCP_AGENT_PROVIDER_JS: providerBundle(),
      ...extraEnv,
    };
  }

  run(...args: string[]): TfResult {
    const start = performance.now();
    const r = spawnSync(TERRAFORM, [...args], { cwd: this.dir, env: this.env, encoding: 'utf8', timeout: 600_000, maxBuffer: 256 * 1024 * 1024 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: performance.now() - start };
  }

  /** Like {@link run}, without blocking the event loop (a prober in the same process keeps going meanwhile). */
  runAsync(...args: string[]): Promise<TfResult> {
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(TERRAFORM, args, { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - start }));
    });
  }

  /** Runs and throws with terraform's output unless it exits with one of `codes`. */
  must(codes: number[], ...args: string[]): TfResult {
    const r = this.run(...args);
    if (!codes.includes(r.code)) throw new Error(`terraform ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  }
}
