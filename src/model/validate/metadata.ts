/** The network's metadata service (NetworkMetadata): its backend, and what it needs of the network. */
import type { ValidationIssue } from '../errors';
import { ipVersionOf } from '../ip';
import { isList, type AgentOptions, type Network, type NetworkMetadata } from '../types';
import { issue, pathJoin } from './issues';

// host:port as haproxy's `server` line takes it: an IPv4 address, a bracketed IPv6 one, or a
// DNS name, and a port. Nothing else reaches the config file (no space, quote, newline or #).
const URL_RE = /^http:\/\/(\[[0-9A-Fa-f:.]+\]|[0-9.]+|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*):(\d{1,5})\/?$/;
const SOCKET_RE = /^\/[A-Za-z0-9._/-]{1,106}$/;
const URL_ALLOWED = 'http://<host>:<port>, the host an IPv4 address, a bracketed IPv6 address or a DNS name, the port 1–65535, nothing after it';
const SOCKET_ALLOWED = 'an absolute path of at most 107 characters made of letters, digits, ".", "_", "-" and "/", without "." or ".." segments';

export function checkMetadataBackendUrl(value: unknown, path: string): ValidationIssue | null {
  if (typeof value !== 'string') return issue(path, value, URL_ALLOWED);
  const m = URL_RE.exec(value);
  if (!m) return issue(path, value, URL_ALLOWED);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return issue(path, value, URL_ALLOWED);
  const host = m[1];
  if (host.startsWith('[') ? ipVersionOf(host.slice(1, -1)) !== 6 : /^[0-9.]+$/.test(host) && ipVersionOf(host) !== 4) return issue(path, value, URL_ALLOWED);
  return null;
}

export function checkMetadataBackendSocket(value: unknown, path: string): ValidationIssue | null {
  if (typeof value !== 'string' || !SOCKET_RE.test(value)) return issue(path, value, SOCKET_ALLOWED);
  if (value.slice(1).split('/').some((s) => s === '' || s === '.' || s === '..')) return issue(path, value, SOCKET_ALLOWED);
  return null;
}

/**
 * The metadata settings of a network served with `options`: one backend, and the options that
 * put 169.254.169.254 on the DHCP device and route clients to it.
 */
export function validateMetadata(m: NetworkMetadata | undefined, options: Pick<AgentOptions, 'enableIsolatedMetadata' | 'forceMetadata'>, network: Pick<Network, 'subnets'>, path: string): ValidationIssue[] {
  if (m === undefined) return [];
  if (m === null || typeof m !== 'object') return [issue(path, m, 'an object with backendUrl or backendSocket, or builtin: true')];
  const issues: ValidationIssue[] = [];
  const url = m.backendUrl;
  const socket = m.backendSocket;
  const builtin = m.builtin;
  if (builtin !== undefined) {
    // The built-in server: no backend beside it (both would listen on 169.254.169.254:80).
    if (builtin !== true) issues.push(issue(pathJoin(path, 'builtin'), builtin, 'true (the built-in metadata server), or unset'));
    else if (url !== undefined || socket !== undefined) {
      issues.push(issue(pathJoin(path, 'builtin'), builtin, `builtin alone: not with ${url !== undefined ? 'backendUrl' : 'backendSocket'} (one metadata service listens on 169.254.169.254: the built-in server or a proxy to a backend)`));
    }
  } else if ((url === undefined) === (socket === undefined)) {
    issues.push(issue(pathJoin(path, 'backendUrl'), url ?? null, `exactly one of backendUrl and backendSocket (${url === undefined ? 'neither' : 'both'} given)`));
  } else if (url !== undefined) {
    const i = checkMetadataBackendUrl(url, pathJoin(path, 'backendUrl'));
    if (i) issues.push(i);
  } else {
    const i = checkMetadataBackendSocket(socket, pathJoin(path, 'backendSocket'));
    if (i) issues.push(i);
  }
  // Named by the backend that was given: the field the user wrote (HCL has no `metadata` of its own).
  const given = pathJoin(path, builtin !== undefined ? 'builtin' : url !== undefined ? 'backendUrl' : 'backendSocket');
  if (!options.enableIsolatedMetadata && !options.forceMetadata) {
    issues.push(issue(given, builtin ?? url ?? socket, 'a metadata backend only with enableIsolatedMetadata or forceMetadata, which put 169.254.169.254 on the DHCP device and route clients to it'));
  } else if (isList(network.subnets) && !network.subnets.some((s) => s.enableDhcp && s.ipVersion === 4)) {
    issues.push(issue(given, builtin ?? url ?? socket, 'a metadata backend only on a network with a DHCP-enabled IPv4 subnet (the proxy listens on 169.254.169.254)'));
  }
  return issues;
}
