/**
 * One round trip per node per refresh: everything the reads of a node's networks and ports
 * compare, gathered by one script (sh/gather.sh: a compressed tar of the agent's files, the
 * live state of every network's namespace, dnsmasq and sidecars, the built-in metadata trees'
 * digests), then, per network or port, turned into exactly what the single-resource
 * observation prints, so that drift is judged by the same code (`stateFromObservation` in
 * network.ts, `portStateFrom` in port.ts) and says the same words. Digests of the tar'd files
 * are computed here; those of the metadata trees on the node (user-data may be secret: like
 * the port's own read, the gathering carries their digests, never their content).
 * {@link Gatherings} keeps a node's gathering for the rest of one Terraform operation, shared
 * by concurrent reads.
 */
import { gunzipSync } from 'node:zlib';
import { shellFile, shellVars } from '../host/shell-files';
import type { Host } from '../host/types';
import { checkResult } from './errors';
import { inOurNetns, sidecarLines } from './gather-sidecars';
import { CHECKSUM_CHAIN, type DerivedNetwork } from './network-script';
import { METADATA_SERVER_GROUP, PORT_METADATA_LIB, metadataAddresses } from './port-metadata';
import { COMMON_LIB } from './shell';
import { Script, sha256 } from './script';
import { lockFileParts } from './stored-network';
import { SYSTEMD_UNIT_DIR, networkUnitName, networkUnitTemplateName, sidecarUnitName } from './systemd-units';
import { untar } from './tar';
import type { Port } from '../model/types';

/** One network directory's live state, as gathered. */
export interface GatheredNetwork {
  /** `key value` lines: leases, txn, pid, cmdline, inodes, ns, dnsmasqs. */
  readonly facts: Map<string, string>;
  /** Processes in the namespace whose command line names a file of the network's sidecars, in `ip netns pids` order. */
  readonly sidecarProcs: string[];
  /** Sections printed inside the namespace (addr, route4, route6, accept_ra, mangle4, mangle6); none when it is missing. */
  readonly inside: Map<string, string[]>;
  /** Sidecars whose pid file names a live process, by name: `key value` facts (pid, cmdline, inodes). */
  readonly sidecars: Map<string, Map<string, string>>;
  /** The built-in metadata's links, by address (`metadata/by-ip/<address>` → its target). */
  readonly metadataLinks: Map<string, string>;
  /** What `md_observe_tree` printed for each tree a link names, by the link's target. */
  readonly metadataTrees: Map<string, string[]>;
}

/** What one gathering saw on a node, under one state path. */
export interface NodeGathering {
  readonly statePath: string;
  /** The agent's files, by path under `<statePath>/dhcp` (`<network>/network.json`, `<network>/ports/<port>.json`…). */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Networks whose directory exists, by id. */
  readonly networks: ReadonlyMap<string, GatheredNetwork>;
  /** `ip -j -d link show` of the node's own namespace. */
  readonly links: readonly IpLink[];
  /** Whether systemd supervises the networks' dnsmasq (the agent installed the unit template). */
  readonly supervised: boolean;
  /** `systemctl show` of every network's and sidecar's unit, by unit name (`Key=Value` lines). */
  readonly units: ReadonlyMap<string, readonly string[]>;
  /** Sidecars whose unit template is installed where systemd runs (sidecar.sh's `sc_supervised`), by name. */
  readonly sidecarTemplates: ReadonlySet<string>;
}

interface IpLink {
  ifname?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}

const GATHER_SH = shellFile('agent/sh/gather.sh');

/** The script that gathers a node (exported for the shell lint). */
export function gatherScript(statePath: string): string {
  const locks = lockFileParts(statePath);
  const [unitPrefix, unitSuffix] = networkUnitName(statePath, '\0').split('\0');
  const scUnitPrefix = sidecarUnitName(statePath, '\0', '').split('\0')[0];
  const vars = shellVars({
    STATE: statePath,
    LOCK_PREFIX: locks.prefix,
    LOCK_SUFFIX: locks.suffix,
    UNIT_PREFIX: unitPrefix,
    UNIT_SUFFIX: unitSuffix,
    UNIT_DIR: SYSTEMD_UNIT_DIR,
    UNIT_TEMPLATE: networkUnitTemplateName(statePath),
    SC_UNIT_PREFIX: scUnitPrefix,
    MD_GROUP: METADATA_SERVER_GROUP,
  });
  return new Script().step('gather').add(vars + COMMON_LIB + PORT_METADATA_LIB, GATHER_SH).toString();
}

/** Runs the gathering on `host` (one round trip). */
export async function gatherNode(host: Host, statePath: string): Promise<NodeGathering> {
  const result = checkResult(host.label, 'node', await host.run(gatherScript(statePath)), 'gather');
  return parseGathering(result.stdout, statePath);
}

function parseJsonArray<T>(text: string): T[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

function pairs(lines: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of lines) {
    const i = line.indexOf(' ');
    if (line) m.set(i < 0 ? line : line.slice(0, i), i < 0 ? '' : line.slice(i + 1));
  }
  return m;
}

/** Sections of gather.sh's output that stand for the whole node; any other after `@@net <id>` is that network's. */
const NODE_SECTIONS = new Set(['files', 'links', 'supervised', 'sctemplates', 'nsinodes', 'units', 'end']);

/** Namespace sections a network's `@@in` introduces (IN_NS in gather.sh). */
const INSIDE_SECTIONS = new Set(['addr', 'route4', 'route6', 'accept_ra', 'mangle4', 'mangle6']);

/** Parses gather.sh's output. */
export function parseGathering(stdout: string, statePath: string): NodeGathering {
  const top = new Map<string, string[]>();
  const nets = new Map<string, Map<string, string[]>>();
  let current: string[] | null = null;
  let net: Map<string, string[]> | null = null;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('@@')) {
      current?.push(line);
      continue;
    }
    const header = line.slice(2);
    const space = header.indexOf(' ');
    const [name, arg] = space < 0 ? [header, ''] : [header.slice(0, space), header.slice(space + 1)];
    current = [];
    if (name === 'net') {
      net = new Map([['', current]]);
      nets.set(arg, net);
    } else if (net && !NODE_SECTIONS.has(name)) {
      net.set(name === 'in' ? name : header, current);
    } else {
      net = null;
      top.set(name, current);
    }
  }
  const tarText = (top.get('files') ?? []).join('');
  const files = tarText ? untar(gunzipSync(Buffer.from(tarText, 'base64'))) : new Map<string, Buffer>();
  const units = new Map<string, string[]>();
  let block: string[] = [];
  for (const line of [...(top.get('units') ?? []), '']) {
    if (line.trim()) block.push(line.trim());
    else if (block.length) {
      const id = block.find((l) => l.startsWith('Id='))?.slice(3);
      if (id) units.set(id, block.filter((l) => !l.startsWith('Id=')));
      block = [];
    }
  }
  const inodes = new Map<string, string>();
  for (const line of top.get('nsinodes') ?? []) {
    const space = line.indexOf(' ');
    if (space > 0) inodes.set(line.slice(space + 1), line.slice(0, space));
  }
  return {
    statePath,
    files,
    networks: new Map([...nets].map(([id, sections]) => [id, gatheredNetwork(sections, inodes)])),
    links: parseJsonArray<IpLink>((top.get('links') ?? []).join('\n').trim()),
    supervised: (top.get('supervised') ?? []).join('').trim() === '1',
    units,
    sidecarTemplates: new Set((top.get('sctemplates') ?? []).map((l) => l.trim()).filter(Boolean)),
  };
}

/**
 * A process's `key value` facts, its `inodes-of <files>` resolved to `inodes <inode>…` through
 * the node's `@@nsinodes` table (the files' inodes, in the order named; a vanished file has none).
 */
function processFacts(lines: readonly string[], inodes: ReadonlyMap<string, string>): Map<string, string> {
  const facts = pairs(lines);
  const of = facts.get('inodes-of');
  if (of !== undefined) {
    facts.delete('inodes-of');
    facts.set('inodes', of.split(' ').flatMap((f) => inodes.get(f) ?? []).join(' '));
  }
  return facts;
}

/** One network's sections (`''`: the facts right after `@@net`) as a {@link GatheredNetwork}. */
function gatheredNetwork(sections: Map<string, string[]>, inodes: ReadonlyMap<string, string>): GatheredNetwork {
  const inside = new Map<string, string[]>();
  const sidecars = new Map<string, Map<string, string>>();
  const metadataTrees = new Map<string, string[]>();
  for (const [header, lines] of sections) {
    if (INSIDE_SECTIONS.has(header)) inside.set(header, lines);
    else if (header.startsWith('sidecar ')) sidecars.set(header.slice('sidecar '.length), processFacts(lines, inodes));
    else if (header.startsWith('mdtree ')) metadataTrees.set(header.slice('mdtree '.length), lines.filter((l) => l !== ''));
  }
  const sidecarProcs = (sections.get('sidecar_procs') ?? []).flatMap((l) => /^\/proc\/(\d+)\/cmdline$/.exec(l)?.slice(1) ?? []);
  return { facts: processFacts(sections.get('') ?? [], inodes), inside, sidecars, sidecarProcs, metadataLinks: pairs(sections.get('mdlinks') ?? []), metadataTrees };
}

function flag(b: boolean): string[] {
  return [b ? '1' : '0'];
}

function joined(lines: readonly string[] | undefined): string {
  return (lines ?? []).join('\n').trim();
}

/** Files of a network, by path under its directory. */
function fileOf(g: NodeGathering, networkId: string, path: string): Buffer | undefined {
  return g.files.get(`${networkId}/${path}`);
}

/** The names of a network's port files of one kind (`<port>.json`…), in the order the node's `assemble` concatenates them (the C locale's glob order). */
export function portFileNames(g: NodeGathering, networkId: string, kind: string): string[] {
  const prefix = `${networkId}/ports/`;
  const names: string[] = [];
  for (const path of g.files.keys()) {
    if (!path.startsWith(prefix)) continue;
    const name = path.slice(prefix.length);
    if (!name.includes('/') && !name.startsWith('.') && name.endsWith(`.${kind}`)) names.push(name);
  }
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** A network's port files of one kind, in `assemble`'s order. */
function portFragments(g: NodeGathering, networkId: string, kind: string): Buffer[] {
  return portFileNames(g, networkId, kind).map((n) => g.files.get(`${networkId}/ports/${n}`)!);
}

/** What network-lib.sh's `assemble` prints for a kind: the fragments, the opts framed by head and tail without trailing newlines. */
function assembled(g: NodeGathering, networkId: string, kind: 'host' | 'addn' | 'opts'): Buffer {
  const parts = portFragments(g, networkId, kind);
  if (kind !== 'opts') return Buffer.concat(parts);
  const all = Buffer.concat([fileOf(g, networkId, 'parts/opts.head') ?? Buffer.alloc(0), ...parts, fileOf(g, networkId, 'parts/opts.tail') ?? Buffer.alloc(0)]);
  let end = all.length;
  while (end > 0 && all[end - 1] === 0x0a) end--;
  return all.subarray(0, end);
}

/** The iptables-save lines that `iptables -C` finds for the network's CHECKSUM rule (see observe_rules in network-lib.sh). */
function rulePresent(save: readonly string[] | undefined, chain: string, port: number): boolean {
  const lines = new Set((save ?? []).map((l) => l.trim()));
  return lines.has(`-A POSTROUTING -j ${chain}`) && lines.has(`-A ${chain} -p udp -m udp --dport ${port} -j CHECKSUM --checksum-fill`);
}

/**
 * The `@@section` map that network-lib.sh's `observe` prints for network `d`, built from the
 * gathering; `undefined` when the network's directory is not on the node (then only the
 * single-network observation can tell what is left of it).
 */
export function networkObservation(g: NodeGathering, d: DerivedNetwork): Map<string, string[]> | undefined {
  const net = g.networks.get(d.networkId);
  if (!net) return undefined;
  const sec = new Map<string, string[]>();
  const id = d.networkId;
  sec.set('dir', ['1']);
  sec.set(
    'sha',
    ['network.json', 'setup.sh', 'parts/opts.head', 'parts/opts.tail', 'host', 'addn_hosts', 'opts'].flatMap((f) => {
      const content = fileOf(g, id, f);
      return content ? [`${sha256(content)}  ${f}`] : [];
    }),
  );
  sec.set('assembled', (['host', 'addn', 'opts'] as const).map((k) => `${k} ${sha256(assembled(g, id, k))}`));
  sec.set('ports', [String(portFragments(g, id, 'json').length)]);
  sec.set('leases', flag(net.facts.get('leases') === '1'));
  sec.set('txn', flag(net.facts.get('txn') === '1'));
  sec.set('interface', (fileOf(g, id, 'interface') ?? Buffer.alloc(0)).toString('utf8').split('\n'));
  const ns = net.facts.get('ns') === '1';
  sec.set('ns', flag(ns));
  if (ns) {
    const addrs = parseJsonArray<IpLink>(joined(net.inside.get('addr')));
    sec.set('nsaddr', [JSON.stringify(addrs.filter((l) => l.ifname === d.interfaceName))]);
    sec.set('route4', [joined(net.inside.get('route4'))]);
    sec.set('route6', [joined(net.inside.get('route6'))]);
    const ra = (net.inside.get('accept_ra') ?? []).find((l) => l.startsWith(`${d.interfaceName}/accept_ra:`));
    sec.set('accept_ra', [ra ? ra.slice(ra.indexOf(':') + 1) : '']);
    const rules = [`v4 ${rulePresent(net.inside.get('mangle4'), CHECKSUM_CHAIN, 68) ? 1 : 0}`];
    if (d.ipv6Rule) rules.push(`v6 ${rulePresent(net.inside.get('mangle6'), CHECKSUM_CHAIN, 546) ? 1 : 0}`);
    sec.set('rules', rules);
  } else {
    for (const s of ['nsaddr', 'route4', 'route6', 'accept_ra', 'rules']) sec.set(s, []);
  }
  const link = (name: string) => g.links.find((l) => l.ifname === name);
  const tap = link(d.tapName);
  sec.set('taplink', [tap ? JSON.stringify([tap]) : '']);
  sec.set('bridge', flag(link(d.bridge)?.linkinfo?.info_kind === 'bridge'));
  sec.set('uplink_master', [d.uplink ? (link(d.uplink)?.master ?? '') : '']);

  // network-lib.sh's dnsmasq_pid: a live dnsmasq named by the pid file whose command line holds this network's --pid-file.
  const argv = Buffer.from(net.facts.get('cmdline') ?? '', 'base64');
  const args = argv.toString('utf8').split('\0');
  const named = net.facts.get('pid') ?? '';
  const pid = named && args.includes(`--pid-file=${d.paths.pidFile}`) ? named : '';
  const dns = [`pid ${pid}`];
  if (pid) {
    dns.push(`netns ${inOurNetns(net.facts) ? 1 : 0}`);
    const wanted = Buffer.from(d.argv.map((a) => `${a}\0`).join(''), 'utf8');
    dns.push(`cmdline ${argv.equals(wanted) ? 1 : 0}`);
  }
  dns.push(`stray ${(net.facts.get('dnsmasqs') ?? '').split(' ').filter((p) => p && p !== pid).join(' ')}`);
  sec.set('dnsmasq', dns);
  sec.set('sidecars', sidecarLines(g, net, d));
  sec.set('unit', g.supervised ? [`Name=${d.unit}`, ...(g.units.get(d.unit) ?? [])] : []);
  return sec;
}

/** The lines `md_observe` prints for a port with these addresses (port-metadata.sh), from the gathering. */
export function metadataLines(g: NodeGathering, networkId: string, addresses: readonly string[]): string[] {
  const net = g.networks.get(networkId);
  const lines: string[] = [];
  let first = '';
  for (const ip of addresses) {
    const target = net?.metadataLinks.get(ip) ?? 'missing';
    lines.push(`link ${ip} ${target}`);
    first ||= target;
  }
  if (first.startsWith('../trees/')) lines.push(...(net?.metadataTrees.get(first) ?? ['tree missing']));
  return lines;
}

/** What a port's read compares, from the gathering: the network's and the port's JSON, and the fragments' digests. */
export interface PortObservation {
  readonly networkText: string;
  readonly portText: string;
  /** By fragment kind (`host`, `addn`, `opts`): its digest, or `missing`. */
  readonly shas: ReadonlyMap<string, string>;
  /** What `md_observe` printed of the port's metadata; undefined: not looked at. */
  readonly metadata?: readonly string[];
}

/**
 * What a port's read compares, from the gathering. `port`: the port whose addresses
 * `md_observe` is asked about (the spec's, as the port's own read asks); without it the
 * metadata is not looked at.
 */
export function portObservation(g: NodeGathering, networkId: string, portId: string, port?: Pick<Port, 'fixedIps'>): PortObservation {
  const text = (path: string) => (g.files.get(`${networkId}/${path}`)?.toString('utf8') ?? '').trim();
  const shas = new Map<string, string>();
  for (const kind of ['host', 'addn', 'opts']) {
    const content = g.files.get(`${networkId}/ports/${portId}.${kind}`);
    shas.set(kind, content ? sha256(content) : 'missing');
  }
  return {
    networkText: text('network.json'),
    portText: text(`ports/${portId}.json`),
    shas,
    ...(port ? { metadata: metadataLines(g, networkId, metadataAddresses(port)) } : {}),
  };
}

/**
 * Gatherings of the nodes one Terraform operation reads: the first read of a node gathers it,
 * concurrent reads wait for that same gathering, later reads use it; a write to the node
 * forgets it (the next read gathers again). One instance per operation (the provider makes one
 * at ConfigureProvider), so that a change made on a node between two commands is always seen.
 */
export class Gatherings {
  private readonly entries = new Map<string, Promise<NodeGathering>>();

  constructor(private readonly gather: (host: Host, statePath: string) => Promise<NodeGathering> = gatherNode) {}

  private static key(label: string, statePath: string): string {
    return `${label}|${statePath}`;
  }

  of(host: Host, statePath: string): Promise<NodeGathering> {
    const key = Gatherings.key(host.label, statePath);
    let entry = this.entries.get(key);
    if (!entry) {
      const started = this.gather(host, statePath);
      entry = started;
      this.entries.set(key, started);
      // A failed gathering is not kept: the next read tries again.
      started.catch(() => {
        if (this.entries.get(key) === started) this.entries.delete(key);
      });
    }
    return entry;
  }

  /** Forgets what was gathered on the node (`label` as its Host names it) under `statePath`. */
  forget(label: string, statePath: string): void {
    this.entries.delete(Gatherings.key(label, statePath));
  }
}
