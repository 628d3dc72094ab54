/**
 * A DHCPv6 exchange in a lab VM with ISC `dhclient -6` (Debian isc-dhcp-client): one run,
 * its lease, pid, DUID and config files in a fresh directory under the VM's, so nothing of the
 * host's own DHCP client state is read or written. The client's script only records what it
 * got (src/lab/sh/dhcp-client-record.sh, shared with dhcpcd.ts); it configures no address.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { parseRecord, words, writeRecordScript } from './client-record';
import { LabError, mustRun, runCommand } from './exec';
import type { LabVm } from './vm';

/** What one DHCPv6 exchange gave. */
export interface Dhcp6Result {
  /** `stateful` asked for an address (IA_NA); `stateless` sent an Information-request (`-S`). */
  readonly mode: 'stateful' | 'stateless';
  /** The address of the IA_NA, if any. */
  readonly address?: string;
  readonly dns: string[];
  readonly domainSearch: string[];
  /** The reason dhclient's script was called with (BOUND6, …). */
  readonly reason: string;
  /** Milliseconds from start to the recorded answer. */
  readonly ms: number;
  /** Every variable the script got. */
  readonly raw: Record<string, string>;
}

/** The installed dhclient's version line, e.g. `isc-dhclient-4.4.3-P1`. */
export async function dhclientVersion(): Promise<string> {
  const r = await runCommand('dhclient', ['--version']);
  return (r.stdout + r.stderr).trim();
}

/**
 * Lets the VM's interface use its link-local address at once: DAD (about a second on a fresh
 * veth) would otherwise hold the address dhclient must send from as tentative.
 */
export async function disableDad(vm: LabVm): Promise<void> {
  const ifName = vm.interfaceName;
  await mustRun(`VM ${vm.name}: accept_dad=0`, 'ip', ['netns', 'exec', vm.netns, 'sysctl', '-q', '-w', `net.ipv6.conf.${ifName}.accept_dad=0`]);
  // An address already tentative stays so: bounce the link so it is made again without DAD.
  await mustRun(`VM ${vm.name}: ${ifName} down`, 'ip', ['-n', vm.netns, 'link', 'set', ifName, 'down']);
  await mustRun(`VM ${vm.name}: ${ifName} up`, 'ip', ['-n', vm.netns, 'link', 'set', ifName, 'up']);
  await waitForLinkLocal(vm, 5000);
}

/**
 * Waits until the VM's interface has a usable (not tentative) link-local address: dhclient -6
 * sends from it and exits at once when it cannot bind to it.
 * @throws {LabError} naming a failed DAD (another interface on the bridge has the address) or the wait
 */
export async function waitForLinkLocal(vm: LabVm, timeoutMs: number): Promise<void> {
  const ifName = vm.interfaceName;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await runCommand('ip', ['-n', vm.netns, '-6', 'addr', 'show', 'dev', ifName, 'scope', 'link']);
    if (/inet6 fe80/.test(r.stdout) && !/tentative/.test(r.stdout)) return;
    if (/dadfailed/.test(r.stdout)) throw new LabError(`VM ${vm.name}: the link-local address on ${ifName} failed DAD (another interface answers for it): ${r.stdout.trim()}`);
    if (Date.now() >= deadline) throw new LabError(`VM ${vm.name}: no usable link-local address on ${ifName} after ${timeoutMs} ms: ${r.stdout.trim() || 'none'}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/**
 * Runs `dhclient -6 -1` once in the VM: stateful asks for an address, stateless sends an
 * Information-request. It requests the DNS servers, the domain search list and `extra`
 * (dhclient option names, e.g. `dhcp6.sntp-servers`), then is stopped.
 * @throws {LabError} when no answer was recorded within `timeoutMs` (default 10000).
 */
export async function dhclient6(vm: LabVm, opts: { mode: 'stateful' | 'stateless'; extra?: string[]; timeoutMs?: number }): Promise<Dhcp6Result> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  for (const name of opts.extra ?? []) {
    // The names go into dhclient's config file.
    if (!/^dhcp6\.[a-z0-9-]{1,64}$/.test(name)) throw new RangeError(`dhclient6 extra: got ${JSON.stringify(name)}; a dhclient DHCPv6 option name like dhcp6.sntp-servers is allowed`);
  }
  const dir = await mkdtemp(`${vm.dir}/dhclient6-`);
  const record = `${dir}/record.env`;
  const script = await writeRecordScript(dir);
  const wanted = ['dhcp6.name-servers', 'dhcp6.domain-search', ...(opts.extra ?? [])];
  await writeFile(`${dir}/dhclient.conf`, `request ${wanted.join(', ')};\n`);
  const args = [
    'netns', 'exec', vm.netns, 'dhclient', '-6', '-1', '-v',
    ...(opts.mode === 'stateless' ? ['-S'] : []),
    '-cf', `${dir}/dhclient.conf`, '-lf', `${dir}/leases`, '-pf', `${dir}/pid`, '-df', `${dir}/duid`,
    '-sf', script, '-e', `DHCP_RECORD=${record}`, '--dad-wait-time', '0', vm.interfaceName,
  ];
  await waitForLinkLocal(vm, 5000);
  const start = Date.now();
  // dhclient forks into the background once it has its answer; `-1` makes it exit when none came.
  const r = await runCommand('ip', args, { timeoutMs, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  const ms = Date.now() - start;
  await writeFile(`${dir}/dhclient.log`, r.stdout + r.stderr).catch(() => undefined);
  const pid = Number((await readFile(`${dir}/pid`, 'utf8').catch(() => '')).trim());
  if (pid > 0) {
    try {
      process.kill(pid);
    } catch {
      // already gone
    }
  }
  let text: string;
  try {
    text = await readFile(record, 'utf8');
  } catch {
    // dhclient follows a fatal error with paragraphs of advice: keep the lines before them.
    const out = (r.stderr + r.stdout).split(/Please make sure|If you think/)[0].trim();
    const said = out.split('\n').slice(-4).join(' | ');
    throw new LabError(`VM ${vm.name}: dhclient -6 (${opts.mode}) recorded no answer within ${timeoutMs} ms; exited ${r.code}: ${said}`);
  }
  await rm(dir, { recursive: true, force: true });
  return parseDhclient6(text, opts.mode, ms);
}

/** Turns the variables dhclient -6 gave its script into a result. */
export function parseDhclient6(text: string, mode: 'stateful' | 'stateless', ms: number): Dhcp6Result {
  const raw = parseRecord(text);
  return {
    mode,
    address: raw.new_ip6_address || undefined,
    dns: words(raw.new_dhcp6_name_servers),
    domainSearch: words(raw.new_dhcp6_domain_search),
    reason: raw.reason ?? '',
    ms,
    raw,
  };
}
