/**
 * A DHCP exchange in a lab VM with dhcpcd (Debian dhcpcd-base): one run (`-1`, in the
 * foreground) for DHCPv6 with an address (IA_NA), a DHCPv6 Information-request, or DHCPv4.
 * dhcpcd keeps its DUID and leases in /var/lib/dhcpcd and its pid file and socket in
 * /run/dhcpcd, paths it cannot be told otherwise: it runs in a private mount namespace with a
 * tmpfs on both (src/lab/sh/dhcpcd-private.sh), so every run starts from a DUID of its own (or
 * the one given) and nothing of the host's is read or written. Its script only records what it
 * got (src/lab/sh/dhcp-client-record.sh, shared with dhcp6.ts).
 *
 * Without router advertisements dhcpcd would wait for one before DHCPv6: the config forces it
 * (`noipv6rs` with `ia_na`, or `--inform6`).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { shellFile } from '../host/shell-files';
import { parseRecord, words, writeRecordScript } from './client-record';
import { runCommand } from './exec';
import { killProcessesWithTmpfs } from './mountns';
import type { LabVm } from './vm';

const PRIVATE_SCRIPT = shellFile('lab/sh/dhcpcd-private.sh');

const HEX_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){1,129}$/;
const OPTION_RE = /^[a-z0-9_]{1,64}$/;

/** `stateful`: DHCPv6 Solicit for an address; `stateless`: DHCPv6 Information-request; `ipv4`: DHCPv4. */
export type DhcpcdMode = 'stateful' | 'stateless' | 'ipv4';

export interface DhcpcdOptions {
  readonly mode: DhcpcdMode;
  /** DUID to use (`xx:xx:…`), e.g. `00:03:00:01:<mac>` (DUID-LL). @default dhcpcd makes one (DUID-UUID where the machine has a UUID, else DUID-LLT) */
  readonly duid?: string;
  /** DHCPv4 client identifier to send (`xx:xx:…`). @default dhcpcd's: hardware type and MAC */
  readonly clientId?: string;
  /** Options to request besides DNS servers and domain search, as dhcpcd names them (`dhcp6_sntp_servers`). */
  readonly extra?: string[];
  /** Wall-clock limit of the run: dhcpcd is stopped (SIGTERM) after it. @default 10000 */
  readonly timeoutMs?: number;
}

/** What one dhcpcd run gave. */
export interface DhcpcdResult {
  readonly mode: DhcpcdMode;
  /** The reason dhcpcd's script was called with for its answer (BOUND6, INFORM6, BOUND); undefined: no answer. */
  readonly reason?: string;
  /** The address it got (IA_NA's first, or the DHCPv4 address). */
  readonly address?: string;
  readonly dns: string[];
  readonly domainSearch: string[];
  /** The DUID dhcpcd used, as it logged it. */
  readonly duid?: string;
  /** Milliseconds from start to exit. */
  readonly ms: number;
  /** Every variable the script got for the answer. */
  readonly raw: Record<string, string>;
  /** dhcpcd's own log lines (`-d`). */
  readonly log: string;
}

/** The installed dhcpcd's version line, e.g. `dhcpcd 9.4.1`. */
export async function dhcpcdVersion(): Promise<string> {
  const r = await runCommand('dhcpcd', ['--version']);
  return r.stdout.split('\n')[0].trim();
}

/** dhcpcd.conf for one run; the values are checked by {@link dhcpcd}. */
export function dhcpcdConfig(opts: DhcpcdOptions, record: string): string {
  const v4 = opts.mode === 'ipv4';
  const wanted = v4 ? ['domain_name_servers', 'domain_name', 'domain_search'] : ['dhcp6_name_servers', 'dhcp6_domain_search'];
  const lines = [
    `env DHCP_RECORD=${record}`,
    v4 ? 'ipv4only' : 'ipv6only',
    // No router advertisements here: without this dhcpcd waits for one before any DHCPv6.
    ...(v4 ? ['noarp', 'noipv4ll'] : ['noipv6rs']),
    ...(opts.mode === 'stateful' ? ['ia_na'] : []),
    ...(opts.clientId ? [`clientid ${opts.clientId}`] : []),
    `option ${[...wanted, ...(opts.extra ?? [])].join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Runs dhcpcd once in the VM (see the module comment) and returns what it recorded; a run that
 * got no answer within `timeoutMs` returns no reason and dhcpcd's log (why, in its words).
 */
export async function dhcpcd(vm: LabVm, opts: DhcpcdOptions): Promise<DhcpcdResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  for (const [field, value] of [['duid', opts.duid], ['clientId', opts.clientId]] as const) {
    if (value !== undefined && !HEX_RE.test(value)) throw new RangeError(`dhcpcd ${field}: got ${JSON.stringify(value)}; 2 to 130 lower-case hex bytes like 00:03:00:01:fa:16:3e:00:00:01 are allowed`);
  }
  for (const name of opts.extra ?? []) {
    // The names go into dhcpcd.conf.
    if (!OPTION_RE.test(name)) throw new RangeError(`dhcpcd extra: got ${JSON.stringify(name)}; a dhcpcd option name like dhcp6_sntp_servers is allowed`);
  }
  const dir = await mkdtemp(`${vm.dir}/dhcpcd-`);
  const record = `${dir}/record.env`;
  const script = await writeRecordScript(dir);
  await writeFile(`${dir}/dhcpcd.conf`, dhcpcdConfig(opts, record));
  // One name per run: two runs may share the VM (DHCPv4 and DHCPv6 side by side).
  const tmpfs = `dhcpcd-${vm.netns}-${dir.slice(dir.lastIndexOf('-') + 1)}`;
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const args = [
    'netns', 'exec', vm.netns, 'unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', PRIVATE_SCRIPT, 'sh', tmpfs, opts.duid ?? '',
    // `timeout` stops it with SIGTERM (it then runs its STOPPED hook and exits) when no answer came.
    'timeout', seconds, 'dhcpcd', '-f', `${dir}/dhcpcd.conf`, '-c', script, '-1', '-B', '-d', '-t', seconds,
    ...(opts.mode === 'stateless' ? ['--inform6'] : []),
    vm.interfaceName,
  ];
  const start = Date.now();
  const r = await runCommand('ip', args, { timeoutMs: timeoutMs + 5000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  const ms = Date.now() - start;
  // The privilege-separated helpers go with dhcpcd; this catches one left by a killed run.
  await killProcessesWithTmpfs(new RegExp(`^${tmpfs.replace(/[^A-Za-z0-9-]/g, '\\$&')}$`));
  const log = (r.stderr + r.stdout).trim();
  const text = await readFile(record, 'utf8').catch(() => '');
  await rm(dir, { recursive: true, force: true });
  return parseDhcpcd(text, opts.mode, ms, log);
}

/** Turns the variables dhcpcd gave its script, and its log, into a result. */
export function parseDhcpcd(text: string, mode: DhcpcdMode, ms: number, log: string): DhcpcdResult {
  const raw = parseRecord(text);
  const v4 = mode === 'ipv4';
  return {
    mode,
    reason: raw.reason || undefined,
    address: (v4 ? raw.new_ip_address : raw.new_dhcp6_ia_na1_ia_addr1) || undefined,
    dns: words(v4 ? raw.new_domain_name_servers : raw.new_dhcp6_name_servers),
    domainSearch: words(v4 ? raw.new_domain_search || raw.new_domain_name : raw.new_dhcp6_domain_search),
    duid: /^DUID (\S+)$/m.exec(log)?.[1],
    ms,
    raw,
    log,
  };
}
