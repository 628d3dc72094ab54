/**
 * What the node keeps for a network (`network.json`, `ports/<id>.json`, `serial`) read in one
 * round trip, and cached per process so that steady-state port operations cost one round trip.
 */
import type { ExecResult, Host } from '../host/types';
import { sh } from '../host/quote';
import type { Port } from '../model/types';
import { checkResult } from './errors';
import { EXIT_RETRY, lockedRunTimeoutMs, Script } from './script';
import { parseSections, sectionText } from './sections';
import type { NetworkSpec } from './spec';
import { networkPaths } from '../dnsmasq';

export interface NetworkContext {
  /** Bumped by every write; network writers check it under the network lock. */
  readonly serial: number;
  /** Bumped by network writes only; port writers check it (their fragments depend on the network alone). */
  readonly netSerial: number;
  /** `null` when the network is not on the node. */
  readonly spec: NetworkSpec | null;
  /** Client ports kept on the node, by id. */
  readonly ports: ReadonlyMap<string, Port>;
}

export function networkDir(statePath: string, networkId: string): string {
  return networkPaths(statePath, networkId).confDir;
}

export function portsDir(statePath: string, networkId: string): string {
  return `${networkDir(statePath, networkId)}/ports`;
}

/**
 * A network's lock file is `<prefix><network id><suffix>`: outside the network directory, so
 * that deleting the directory happens under it. The process monitor (monitor.sh), which finds
 * the networks itself, gets the two parts.
 */
export function lockFileParts(statePath: string): { readonly prefix: string; readonly suffix: string } {
  return { prefix: `${statePath}/dhcp/.`, suffix: '.lock' };
}

/** The lock file every writer of the network holds (flock). */
export function lockFile(statePath: string, networkId: string): string {
  const { prefix, suffix } = lockFileParts(statePath);
  return `${prefix}${networkId}${suffix}`;
}

export function queueKey(host: Host, statePath: string, networkId: string): string {
  return `${host.label}|${statePath}|${networkId}`;
}

export async function readContext(host: Host, statePath: string, networkId: string): Promise<NetworkContext> {
  const dir = networkDir(statePath, networkId);
  const script = new Script()
    .step('read network state')
    .add(
      sh`echo @@serial; cat ${dir}/serial 2>/dev/null || echo 0`,
      sh`echo @@netserial; cat ${dir}/netserial 2>/dev/null || echo 0`,
      sh`echo @@network; cat ${dir}/network.json 2>/dev/null || true; echo`,
      // One JSON document per line (JSON.stringify never emits raw newlines; the echo ends a file
      // written without a final newline). Read without the lock: a port another writer removes
      // between the glob and cat is simply gone.
      sh`echo @@ports; for f in ${dir}/ports/*.json; do if [ -e "$f" ]; then cat "$f" 2>/dev/null || true; echo; fi; done`,
      'echo @@end',
    );
  const result = checkResult(host.label, `network ${networkId}`, await host.run(script.toString()), 'read network state');
  return parseContext(result.stdout, `${host.label}:${dir}`);
}

export function parseContext(stdout: string, where: string): NetworkContext {
  const sections = parseSections(stdout);
  const counter = (name: string) => {
    const n = Number(sectionText(sections, name) || '0');
    return Number.isFinite(n) ? n : 0;
  };
  const networkText = sectionText(sections, 'network');
  let spec: NetworkSpec | null = null;
  if (networkText) {
    try {
      spec = JSON.parse(networkText) as NetworkSpec;
    } catch {
      throw new Error(`${where}/network.json is not valid JSON (edited outside the agent?); re-apply the network to rewrite it`);
    }
  }
  const ports = new Map<string, Port>();
  for (const line of sections.get('ports') ?? []) {
    if (!line.trim()) continue;
    try {
      const p = JSON.parse(line) as Port;
      if (p && typeof p.id === 'string') ports.set(p.id, p);
    } catch {
      // A damaged port file is reported by that port's read as drift and rewritten by its update.
    }
  }
  return { serial: counter('serial'), netSerial: counter('netserial'), spec, ports };
}

/** Per-process cache of the last context this process wrote or read, by queue key. */
export const contextCache = new Map<string, NetworkContext>();

/** Writers in other processes can win the lock race this often before we give up. */
const MAX_ATTEMPTS = 8;

/**
 * Runs a writer's script rendered against what the node keeps for the network (cached, else
 * read), rendering it again on a fresh read when the node reports that another writer changed
 * it meanwhile (EXIT_RETRY). `render` returns a null script when there is nothing to run.
 */
export async function writeAgainstContext<T extends { readonly script: string | null }>(
  host: Host,
  key: string,
  statePath: string,
  networkId: string,
  render: (ctx: NetworkContext) => T,
): Promise<{ ctx: NetworkContext; rendered: T; result: ExecResult | null }> {
  let ctx = contextCache.get(key);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (!ctx) ctx = await readContext(host, statePath, networkId);
    const rendered = render(ctx);
    if (rendered.script === null) return { ctx, rendered, result: null };
    const result = await host.run(rendered.script, { timeoutMs: lockedRunTimeoutMs() });
    if (result.code !== EXIT_RETRY) return { ctx, rendered, result };
    contextCache.delete(key);
    ctx = undefined;
  }
  throw new Error(`${host.label}: network ${networkId}: gave up after ${MAX_ATTEMPTS} attempts; other writers keep changing it`);
}
