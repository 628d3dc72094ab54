/**
 * Import ids: `[user@]host[:port][/<network-id>[/<port-id>]][?key=value&…]`, e.g.
 * `root@192.0.2.10:22/8165bc3d-400a-48a0-9186-bf59f7f94b05?known_hosts_path=~/.ssh/known_hosts`.
 * IPv6 hosts in brackets. Query keys are the `node` attribute's names (private_key_path,
 * host_key_sha256, known_hosts_path, insecure_ignore_host_key, become, state_path) plus, for
 * networks, `neutron_state_path` (where neutron's agent kept its files; default /var/lib/neutron).
 * Without a host-key setting, `~/.ssh/known_hosts` is used.
 */
import { IMPORT_QUERY_KEYS, type NodeConnection } from './connection';
import { DEFAULT_AGENT_OPTIONS } from '../../model/types';

export interface ImportId {
  readonly connection: NodeConnection;
  readonly path: readonly string[];
  readonly neutronStatePath: string;
}

const NODE_KEYS = [...IMPORT_QUERY_KEYS, 'neutron_state_path'];

export const IMPORT_ID_FORMAT = '[user@]host[:port][/<network-id>[/<port-id>]][?private_key_path=…&known_hosts_path=…|host_key_sha256=…&state_path=…]';

export function parseImportId(id: string, segments: number): ImportId {
  const fail = (why: string): never => {
    throw new Error(`import id ${JSON.stringify(id)}: ${why}. Expected ${IMPORT_ID_FORMAT} with ${segments} path segment(s) after the host`);
  };
  const q = id.indexOf('?');
  const main = q < 0 ? id : id.slice(0, q);
  // URLSearchParams reads "+" as a space (form encoding); base64 fingerprints hold "+" literally.
  const query = new URLSearchParams(q < 0 ? '' : id.slice(q + 1).replace(/\+/g, '%2B'));
  for (const key of query.keys()) if (!NODE_KEYS.includes(key)) fail(`unknown key ${JSON.stringify(key)} (known: ${NODE_KEYS.join(', ')})`);
  const m = /^(?:([^@/]+)@)?(\[[0-9a-fA-F:.]+\]|[^:/@[\]]+)(?::(\d+))?((?:\/[^/]+)*)$/.exec(main);
  if (!m) return fail('cannot read it');
  const path = m[4] ? m[4].slice(1).split('/') : [];
  if (path.length !== segments) fail(`got ${path.length} path segment(s)`);
  const host = m[2].replace(/^\[|\]$/g, '');
  const pin = query.get('host_key_sha256') ?? undefined;
  const knownHosts = query.get('known_hosts_path') ?? undefined;
  const insecure = query.get('insecure_ignore_host_key') === 'true';
  const become = query.get('become') ?? undefined;
  if (become !== undefined && become !== 'sudo') fail('become must be "sudo"');
  return {
    connection: {
      host,
      port: m[3] ? Number(m[3]) : 22,
      user: m[1] ?? 'root',
      privateKeyPath: query.get('private_key_path') ?? undefined,
      hostKeySha256: pin,
      knownHostsPath: knownHosts ?? (pin || insecure ? undefined : '~/.ssh/known_hosts'),
      insecureIgnoreHostKey: insecure || undefined,
      become: become as 'sudo' | undefined,
      statePath: query.get('state_path') ?? DEFAULT_AGENT_OPTIONS.statePath,
    },
    path,
    neutronStatePath: query.get('neutron_state_path') ?? '/var/lib/neutron',
  };
}
