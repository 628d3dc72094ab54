/**
 * Everything a lab node holds that bad input must not change, as comparable text: namespaces,
 * devices (name, master, MAC, MTU, alias), iptables rules (node and every qdhcp namespace),
 * digests of every file under the state path, processes in the node's namespaces, root's crontab.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inNetns } from './host-probe';

function run(cmd: string): string {
  try {
    return execFileSync('sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return `failed: ${(err as { stderr?: string }).stderr ?? String(err)}`;
  }
}

function digests(root: string, skip: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      if (skip.test(path)) continue;
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) {
        out.push(`${path}/ ${st.mode.toString(8)}`);
        walk(path);
      } else out.push(`${path} ${st.mode.toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    }
  };
  walk(root);
  return out;
}

interface LinkJson {
  ifname: string;
  master?: string;
  address?: string;
  mtu?: number;
  ifalias?: string;
}

/** What `nodeNetns` holds (the agent's root namespace) and the qdhcp namespaces it made. */
export function snapshotNodeState(nodeNetns: string, statePath: string): Record<string, string> {
  const namespaces = readdirSync('/run/netns').sort();
  const qdhcp = namespaces.filter((n) => n.startsWith('qdhcp-'));
  const links = (JSON.parse(inNetns(nodeNetns, 'ip -j link show')) as LinkJson[])
    .map((l) => `${l.ifname} master=${l.master ?? '-'} mac=${l.address ?? '-'} mtu=${l.mtu} alias=${l.ifalias ?? '-'}`)
    .sort();
  const rules = [`node: ${inNetns(nodeNetns, 'iptables -w -S; iptables -w -t mangle -S')}`];
  for (const ns of qdhcp) rules.push(`${ns}: ${run(`ip netns exec ${ns} iptables -w -t mangle -S`)}`);
  const processes: string[] = [];
  for (const ns of [nodeNetns, ...qdhcp]) {
    for (const pid of run(`ip netns pids ${ns}`).split('\n').filter(Boolean)) {
      const cmdline = run(`tr '\\0' ' ' < /proc/${pid}/cmdline`).trim();
      // sshd's per-connection processes come and go with the test's SSH sessions.
      if (!cmdline || /^sshd: |sshd-session|^sleep /.test(cmdline) || cmdline.startsWith('failed:')) continue;
      processes.push(`${ns} ${pid} ${cmdline}`);
    }
  }
  return {
    namespaces: namespaces.join('\n'),
    links: links.join('\n'),
    rules: rules.join('\n'),
    // Logs grow with every monitor round; what the agent keeps is everything else.
    files: digests(statePath, /\.log$|\/monitor\.(?:state|heartbeat)$/).join('\n'),
    processes: processes.sort().join('\n'),
    crontab: run('crontab -l 2>&1'),
  };
}

/** The keys whose values differ, with both values, for a failure message. */
export function diffSnapshots(before: Record<string, string>, after: Record<string, string>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(before)) {
    if (before[key] !== after[key]) {
      const a = new Set(before[key].split('\n'));
      const b = new Set(after[key].split('\n'));
      const gone = [...a].filter((l) => !b.has(l));
      const added = [...b].filter((l) => !a.has(l));
      out.push(`${key}: -${JSON.stringify(gone)} +${JSON.stringify(added)}`);
    }
  }
  return out;
}
