/**
 * A lab "VM": a network namespace whose `eth0` (with the VM's MAC) is a veth plugged into a
 * node's bridge or into the lab switch, and a real DHCP client (busybox udhcpc) run in it on
 * demand, on `eth0` or on a VLAN sub-interface `eth0.<vlan>` (which carries eth0's MAC).
 */
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { shq } from '../host/quote';
import { parseRecord } from './client-record';
import { LabError, killPids, mustRun, runCommand, type CommandResult } from './exec';
import { vmNetns, vmNodeVeth } from './naming';
import { dhcpClientCommand, vlanUnavailableReason } from './tools';
import type { DhcpLease, LabNode, LabSwitch } from './types';

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const VM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** A VM of a lab. */
export class LabVm {
  constructor(
    /** Name given by the caller. */
    readonly name: string,
    readonly index: number,
    /** `<lab>-v<index>`. */
    readonly netns: string,
    /** MAC of the VM's `eth0`. */
    readonly mac: string,
    /** The node whose bridge the VM is plugged into; undefined for a VM on the lab switch. */
    readonly node: LabNode | undefined,
    /** The VM's directory in the lab dir (DHCP client script, lease, log). */
    readonly dir: string,
    /** The interface the DHCP client runs on: `eth0`, or `eth0.<vlanId>`. */
    readonly interfaceName: string = 'eth0',
    /** The VLAN the VM's traffic is tagged with, if any. */
    readonly vlanId?: number,
  ) {}

  /**
   * Runs udhcpc once on {@link interfaceName}: it asks for subnet, router, dns, domain, hostname, mtu, lease
   * time, classless static routes, TFTP server and boot file, configures the address it gets,
   * and exits.
   * @throws {LabError} when no lease arrived within `timeoutMs` (default 10000).
   */
  async dhcp(opts: { timeoutMs?: number } = {}): Promise<DhcpLease> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const leaseFile = `${this.dir}/lease.env`;
    const script = `${this.dir}/udhcpc.script`;
    await rm(leaseFile, { force: true });
    await writeFile(script, udhcpcScript(leaseFile));
    await chmod(script, 0o755);
    // udhcpc sends a DISCOVER per second; the hard limit below only catches a stuck client.
    const tries = Math.max(1, Math.ceil(timeoutMs / 1000));
    const client = dhcpClientCommand();
    const args = [`--net=/run/netns/${this.netns}`, ...client, '-i', this.interfaceName, '-f', '-q', '-n', '-t', String(tries), '-T', '1', '-s', script];
    for (const o of ['subnet', 'router', 'dns', 'domain', 'hostname', 'mtu', 'lease', 'staticroutes', 'tftp', 'bootfile']) args.push('-O', o);
    // A clean environment: `raw` then holds only what the client set.
    const r = await runCommand('nsenter', args, {
      timeoutMs: timeoutMs + 2000,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    await writeFile(`${this.dir}/udhcpc.log`, r.stdout + r.stderr).catch(() => undefined);
    let text: string;
    try {
      text = await readFile(leaseFile, 'utf8');
    } catch {
      const said = (r.stderr + r.stdout).trim().split('\n').slice(-3).join(' | ');
      throw new LabError(`VM ${this.name} (${this.netns}, ${this.mac}): no DHCP lease within ${timeoutMs} ms; udhcpc exited ${r.code}: ${said}`);
    }
    return parseLease(text);
  }

  /**
   * `busybox wget -q -O - <url>` in the VM's namespace, as a small image fetches (metadata, say):
   * exit status 0 and the body on stdout, or wget's status (1 for an HTTP error) and its words on
   * stderr. No `-T <seconds>`: Debian 12's busybox 1.35 wget dies of SIGSEGV with it; `timeoutMs`
   * (default 15000) bounds the fetch instead (status 137 when it strikes).
   * @example const r = await vm.httpGet('http://169.254.169.254/latest/meta-data/instance-id');
   */
  httpGet(url: string, opts: { headers?: readonly string[]; timeoutMs?: number } = {}): Promise<CommandResult> {
    const headers = (opts.headers ?? []).flatMap((h) => ['--header', h]);
    return runCommand('nsenter', [`--net=/run/netns/${this.netns}`, 'busybox', 'wget', '-q', '-O', '-', ...headers, url], { timeoutMs: opts.timeoutMs ?? 15_000 });
  }

  /** Stops anything running in the VM and deletes its namespace (its veth goes with it). */
  async remove(): Promise<void> {
    await removeVmNetns(this.netns);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Checks a VM's VLAN id: undefined (untagged) or 1..4094. */
export function checkVmVlan(vlanId: number | undefined): void {
  if (vlanId !== undefined && !(Number.isInteger(vlanId) && vlanId >= 1 && vlanId <= 4094)) {
    throw new RangeError(`VM vlanId: got ${JSON.stringify(vlanId)}; unset (untagged) or a whole number 1..4094 is allowed`);
  }
}

/** Checks `addVm` input; returns the MAC in lower case. */
export function checkVmInput(name: string, mac: string): string {
  if (typeof name !== 'string' || !VM_NAME_RE.test(name)) {
    throw new RangeError(`VM name: got ${JSON.stringify(name)}; 1-32 characters of letters, digits, ".", "_", "-" are allowed`);
  }
  const m = typeof mac === 'string' ? mac.toLowerCase() : '';
  if (!MAC_RE.test(m) || (parseInt(m.slice(0, 2), 16) & 1) === 1) {
    throw new RangeError(`VM mac: got ${JSON.stringify(mac)}; a unicast MAC like 02:00:00:00:00:01 is allowed`);
  }
  return m;
}

/** Where a VM is plugged in: a node's bridge, or the lab switch. */
export type VmAttachment = { readonly node: LabNode } | { readonly switch: LabSwitch };

/** Creates VM `index` of lab `lab`, plugged in at `at`, its DHCP client tagging with `vlanId` when set. */
export async function createVm(
  lab: string,
  labDir: string,
  at: VmAttachment,
  index: number,
  name: string,
  mac: string,
  vlanId?: number,
): Promise<LabVm> {
  checkVmVlan(vlanId);
  const noVlan = vlanId === undefined ? undefined : vlanUnavailableReason();
  if (noVlan) throw new LabError(`VM ${name}: cannot tag with VLAN ${vlanId}: ${noVlan}`);
  const netns = vmNetns(lab, index);
  const dir = `${labDir}/vms/v${index}`;
  const { netns: peerNetns, bridge } = 'node' in at ? at.node : at.switch;
  const ifName = vlanId === undefined ? 'eth0' : `eth0.${vlanId}`;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  try {
    await mustRun(`VM ${name}: create namespace`, 'ip', ['netns', 'add', netns]);
    await mustRun(`VM ${name}: loopback up`, 'ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    // Both ends are created from here straight into their namespaces.
    const port = vmNodeVeth(lab, index);
    await mustRun(`VM ${name}: create veth`, 'ip', [
      'link', 'add', 'name', port, 'netns', peerNetns, 'type', 'veth',
      'peer', 'name', 'eth0', 'address', mac, 'netns', netns,
    ]);
    await mustRun(`VM ${name}: plug into ${bridge}`, 'ip', ['-n', peerNetns, 'link', 'set', port, 'master', bridge, 'up']);
    await mustRun(`VM ${name}: eth0 up`, 'ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    if (vlanId !== undefined) {
      await mustRun(`VM ${name}: create ${ifName}`, 'ip', ['-n', netns, 'link', 'add', 'link', 'eth0', 'name', ifName, 'type', 'vlan', 'id', String(vlanId)]);
      await mustRun(`VM ${name}: ${ifName} up`, 'ip', ['-n', netns, 'link', 'set', ifName, 'up']);
    }
  } catch (err) {
    await removeVmNetns(netns);
    throw err;
  }
  return new LabVm(name, index, netns, mac, 'node' in at ? at.node : undefined, dir, ifName, vlanId);
}

async function removeVmNetns(netns: string): Promise<void> {
  const pids = await runCommand('ip', ['netns', 'pids', netns]);
  await killPids(pids.stdout.split('\n').map(Number).filter((p) => p > 0));
  // The kernel cleans up a deleted namespace later, off a work queue: its veth could stay on the
  // bridge for a while and answer for its MAC (a next VM of that MAC then fails DAD). Deleting the
  // links first takes them off the bridge now.
  const links = await runCommand('ip', ['-n', netns, '-o', 'link', 'show']);
  for (const name of links.stdout.split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1]).filter((n): n is string => n !== undefined && n !== 'lo')) {
    await runCommand('ip', ['-n', netns, 'link', 'del', name]);
  }
  await runCommand('ip', ['netns', 'del', netns]);
}

/** udhcpc hook: on a lease, record its variables and put the address on the interface. */
function udhcpcScript(leaseFile: string): string {
  const f = shq(leaseFile);
  const tmp = shq(`${leaseFile}.tmp`);
  return [
    '#!/bin/sh',
    '# dhcp-agent lab: records the lease udhcpc got, then configures the interface with it.',
    'case "$1" in',
    'bound|renew)',
    `  env > ${tmp} && mv ${tmp} ${f}`,
    // IPv4 only: a DHCPv6 client may be using the interface's IPv6 link-local address.
    '  ip -4 addr flush dev "$interface"',
    '  ip addr add "$ip/${mask:-24}" dev "$interface"',
    '  ;;',
    'esac',
    'exit 0',
    '',
  ].join('\n');
}

/** Turns the recorded `env` output into a lease. */
export function parseLease(text: string): DhcpLease {
  const raw = parseRecord(text);
  if (!raw.ip) throw new LabError(`DHCP lease record has no ip: ${JSON.stringify(raw)}`);
  const num = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const words = (v: string | undefined): string[] | undefined => (v ? v.trim().split(/\s+/) : undefined);
  return {
    ip: raw.ip,
    prefixLength: num(raw.mask),
    router: words(raw.router)?.[0],
    dns: words(raw.dns),
    domain: raw.domain || undefined,
    hostname: raw.hostname || undefined,
    mtu: num(raw.mtu),
    leaseSeconds: num(raw.lease),
    staticRoutes: raw.staticroutes || undefined,
    serverId: raw.serverid || undefined,
    raw,
  };
}
