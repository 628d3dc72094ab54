/**
 * CPU-seconds per side of a benchmark — terraform, the provider, the node — from the kernel's
 * own accounting: one cgroup per side (cgroup v1 `cpuacct`, or v2 `cpu.stat`), which every
 * process started there, and its children, is counted in. terraform is started inside its group;
 * the provider moves itself into its own as it starts (a `DHCP_AGENT_NODE` wrapper); the lab
 * node's sshd is moved into the node's group, so every script a session runs there is counted.
 * CPU time is what a machine shared with other work measures least noisily (wall time grows
 * with everyone else's load; CPU-seconds barely do).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Side = 'terraform' | 'provider' | 'node';
export const SIDES: readonly Side[] = ['terraform', 'provider', 'node'];

const V1 = '/sys/fs/cgroup/cpuacct';
const V2 = '/sys/fs/cgroup';

export class CpuAccounting {
  private constructor(private readonly base: string, private readonly v2: boolean) {}

  /** The groups under `<cgroup root>/<name>`, or null (with the reason) where cgroups cannot be made. */
  static create(name: string): CpuAccounting | string {
    const v2 = !existsSync(join(V1, 'cpuacct.usage')) && existsSync(join(V2, 'cgroup.controllers'));
    const base = join(v2 ? V2 : V1, name);
    try {
      for (const side of SIDES) mkdirSync(join(base, side), { recursive: true });
      return new CpuAccounting(base, v2);
    } catch (err) {
      return `no CPU accounting: cannot make cgroups under ${base} (${err instanceof Error ? err.message : String(err)})`;
    }
  }

  /** The file a process writes its pid to, to join the side's group. */
  procs(side: Side): string {
    return join(this.base, side, 'cgroup.procs');
  }

  join(side: Side, pid: number): void {
    writeFileSync(this.procs(side), String(pid));
  }

  /** CPU-seconds each side used since its group was made. */
  read(): Record<Side, number> {
    const out = {} as Record<Side, number>;
    for (const side of SIDES) {
      if (this.v2) {
        const m = /usage_usec (\d+)/.exec(readFileSync(join(this.base, side, 'cpu.stat'), 'utf8'));
        out[side] = Number(m?.[1] ?? 0) / 1e6;
      } else {
        out[side] = Number(readFileSync(join(this.base, side, 'cpuacct.usage'), 'utf8')) / 1e9;
      }
    }
    return out;
  }

  /** A `DHCP_AGENT_NODE` for the provider launcher: joins the provider's group, then runs node. */
  providerNode(dir: string): string {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'node-in-provider-cgroup.sh');
    writeFileSync(path, `#!/bin/sh\necho $$ > '${this.procs('provider')}'\nexec '${process.execPath}' "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** Removes the groups (their processes must have ended; left ones go back to the root group). */
  remove(): void {
    const root = this.v2 ? V2 : V1;
    for (const side of SIDES) {
      try {
        for (const pid of readFileSync(this.procs(side), 'utf8').split('\n').filter(Boolean)) writeFileSync(join(root, 'cgroup.procs'), pid);
        rmdirSync(join(this.base, side));
      } catch {
        // already gone
      }
    }
    try {
      rmdirSync(this.base);
    } catch {
      // not empty or gone
    }
  }
}

/** Differences of two readings. */
export function spent(before: Record<Side, number>, after: Record<Side, number>): Record<Side, number> {
  return { terraform: after.terraform - before.terraform, provider: after.provider - before.provider, node: after.node - before.node };
}
