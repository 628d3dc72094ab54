/**
 * neutron's isolated metadata proxy (neutron/agent/metadata/driver*.py) as a sidecar: one
 * haproxy per network in `qdhcp-<id>`, listening on 169.254.169.254:80 (and on
 * `[fe80::a9fe:a9fe]:80` on the DHCP device when the network has an IPv6 subnet that this agent
 * alone serves), adding `X-Forwarded-For` (the client's address) and `X-Neutron-Network-ID` (the
 * network), dropping any `X-Neutron-Router-ID` / `X-Neutron-Network-ID` a client sent, and
 * forwarding to the metadata service: a unix socket on the node (neutron's metadata agent) or an
 * HTTP address reached from the namespace.
 *
 * The config lives with the network's other files (`<state>/dhcp/<id>/sidecars/metadata-proxy.conf`)
 * rather than neutron's `<state>/ns-metadata-proxy/<id>.conf`: the network's delete removes it
 * with the directory, the process monitor finds it where it looks, and the network lock covers it.
 */
import { METADATA_CIDR, METADATA_V6_CIDR, DEVICE_OWNER_DHCP, type NetworkMetadata } from '../model/types';
import type { DerivedNetwork } from './network-script';
import { sidecarPaths, type Sidecar } from './sidecar';
import type { NetworkSpec } from './spec';

export const METADATA_PROXY = 'metadata-proxy';
/** The port the proxy listens on (neutron's METADATA_PORT: clients ask http://169.254.169.254/). */
export const METADATA_PORT = 80;
/** The user haproxy drops to once it listens: the Debian package's own. A unix socket backend must let it connect. */
export const METADATA_PROXY_USER = 'haproxy';

export interface ProxyConfigInput {
  readonly networkId: string;
  readonly backend: NetworkMetadata;
  /** The DHCP device, when the proxy also listens on the IPv6 metadata address (on that link). */
  readonly ipv6Interface?: string;
}

/**
 * haproxy's `server` address: the socket path, or `host:port` of the URL. Derivation does not
 * judge (the provider's plan derives before it validates): a value validateMetadata refuses is
 * rendered as it is, and never reaches a node, whose handlers validate first.
 */
function serverAddress(b: NetworkMetadata): string {
  if (b.backendSocket !== undefined) return b.backendSocket;
  const m = /^http:\/\/(.+):(\d+)\/?$/.exec(b.backendUrl ?? '');
  return m ? `${m[1]}:${m[2]}` : String(b.backendUrl);
}

/** The haproxy config of one network's metadata proxy (values validated by validateMetadata and the id check). */
export function renderProxyConfig(i: ProxyConfigInput): string {
  const v4 = METADATA_CIDR.split('/')[0];
  const v6 = METADATA_V6_CIDR.split('/')[0];
  return [
    `# cdktf-dhcp-agent: metadata proxy of network ${i.networkId}; generated, do not edit.`,
    'global',
    `    user ${METADATA_PROXY_USER}`,
    `    group ${METADATA_PROXY_USER}`,
    '    maxconn 1024',
    '',
    'defaults',
    '    mode http',
    '    option http-server-close',
    // X-Forwarded-For: the client's address, how the metadata service tells instances apart.
    '    option forwardfor',
    '    retries 3',
    '    timeout http-request 30s',
    '    timeout connect 30s',
    '    timeout client 32s',
    '    timeout server 32s',
    '    timeout http-keep-alive 30s',
    '',
    'listen listener',
    `    bind ${v4}:${METADATA_PORT}`,
    ...(i.ipv6Interface ? [`    bind [${v6}]:${METADATA_PORT} interface ${i.ipv6Interface}`] : []),
    `    server metadata ${serverAddress(i.backend)}`,
    // A client's own headers never reach the service: they would name another network or router.
    '    http-request del-header X-Neutron-Router-ID',
    '    http-request del-header X-Neutron-Network-ID',
    `    http-request add-header X-Neutron-Network-ID ${i.networkId}`,
    '',
  ].join('\n');
}

/**
 * Whether the proxy also serves IPv6: the network has a DHCP-enabled IPv6 subnet and no other
 * agent's DHCP port (they would all put fe80::a9fe:a9fe on one link), as neutron decides.
 */
export function servesMetadataV6(spec: NetworkSpec): boolean {
  // The built-in server identifies clients by their fixed IPv4 address; a link-local client names no port.
  if (!spec.metadata || spec.metadata.builtin) return false;
  const peers = spec.network.ports.some((p) => p.deviceOwner === DEVICE_OWNER_DHCP && p.id !== spec.dhcpPortId);
  return !peers && spec.network.subnets.some((s) => s.enableDhcp && s.ipVersion === 6);
}

/** The network's metadata proxy, when it has a metadata backend. */
export function metadataProxySidecar(spec: NetworkSpec, d: Pick<DerivedNetwork, 'paths' | 'interfaceName'>): Sidecar | null {
  // Built-in metadata has no backend: metadata-server.ts serves it.
  if (!spec.metadata || spec.metadata.builtin) return null;
  const p = sidecarPaths(d.paths.confDir, METADATA_PROXY);
  return {
    name: METADATA_PROXY,
    label: 'metadata proxy (haproxy)',
    // -D: to the background once listening; -p: the pid of the process that stays.
    argv: ['haproxy', '-f', p.conf, '-D', '-p', p.pid],
    config: renderProxyConfig({ networkId: spec.network.id, backend: spec.metadata, ...(servesMetadataV6(spec) ? { ipv6Interface: d.interfaceName } : {}) }),
    package: 'haproxy',
  };
}
