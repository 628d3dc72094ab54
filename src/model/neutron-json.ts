/**
 * Converters from neutron JSON (snake_case) to the model, for the shapes real tools print:
 *
 * - the neutron API (`GET /v2.0/ports/<id>` → `{"port": {…}}`, or the bare object);
 * - `openstack … show -f json`: the API names (`enable_dhcp`, `fixed_ips`, …). Since
 *   python-openstackclient 4.0 list/dict fields are JSON lists/objects; before that, cliff
 *   printed them through osc-lib's formatters as strings: `fixed_ips`, `extra_dhcp_opts`,
 *   `dns_assignment` and `host_routes` as `key='value', key='value'` lines joined by "\n"
 *   (host routes with `gateway=` for the next hop), `allocation_pools` as
 *   `start-end,start-end`, `dns_nameservers` and a network's `subnets` as `a, b` (sorted);
 * - `openstack port list -f json`: Title Case columns `ID`, `Name`, `MAC Address`,
 *   `Fixed IP Addresses` (list of objects, or the string form above), `Status`, and with
 *   `--long` `Device Owner`.
 *
 * Converters check shapes and types only, never semantics (that is `validate.ts`); they
 * return every problem as an issue with a snake_case JSON path instead of throwing, and a
 * value only when there was no issue.
 */
import type { ValidationIssue } from './errors';
import { ipVersionOf, parseCidr } from './ip';
import {
  IPV6_MODES,
  type AllocationPool,
  type DnsAssignment,
  type ExtraDhcpOpt,
  type FixedIp,
  type HostRoute,
  type IpVersion,
  type Ipv6Mode,
  type Network,
  type Port,
  type Subnet,
} from './types';

/** A converted value (only when `issues` is empty) and every shape/type problem found. */
export interface ConversionResult<T> {
  readonly value: T | undefined;
  readonly issues: ValidationIssue[];
}

type Obj = Record<string, unknown>;

const ROOT = '(root)';

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `base.key`, or `base["Title Case"]` for keys that are not identifiers. */
function keyPath(base: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return base && base !== ROOT ? `${base}.${key}` : key;
  return `${base === ROOT ? '' : base}[${JSON.stringify(key)}]`;
}

function indexPath(base: string, i: number): string {
  return `${base === ROOT ? '' : base}[${i}]`;
}

function has(obj: Obj, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined;
}

/** Collects issues while reading one JSON document. */
class Reader {
  readonly issues: ValidationIssue[] = [];

  fail(path: string, value: unknown, allowed: string): undefined {
    this.issues.push({ path, value, allowed });
    return undefined;
  }

  /** `{"port": {...}}` → `{...}`: the API wraps single resources in their singular name. */
  unwrap(json: unknown, wrapper: string): unknown {
    if (isObj(json) && !has(json, 'id') && !has(json, 'ID') && isObj(json[wrapper]) && Object.keys(json).length === 1) {
      return json[wrapper];
    }
    return json;
  }

  object(json: unknown, path: string, what: string): Obj | undefined {
    return isObj(json) ? json : this.fail(path, json, `a JSON object (${what})`);
  }

  requiredString(obj: Obj, key: string, path: string): string | undefined {
    const value = obj[key];
    if (typeof value === 'string') return value;
    return this.fail(keyPath(path, key), value, 'a string');
  }

  /** Absent or null → `fallback`. */
  optionalString<F>(obj: Obj, key: string, path: string, fallback: F): string | F {
    const value = obj[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'string') return value;
    this.fail(keyPath(path, key), value, 'a string or null');
    return fallback;
  }

  optionalNumber(obj: Obj, key: string, path: string): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    return this.fail(keyPath(path, key), value, 'a number or null');
  }

  /** A list given as a JSON array or (older openstackclient) as a formatted string. */
  list<T>(
    obj: Obj,
    key: string,
    path: string,
    what: string,
    item: (value: unknown, path: string, fromText: boolean) => T | undefined,
    fromString?: (text: string) => unknown[] | undefined,
  ): T[] {
    const value = obj[key];
    const here = keyPath(path, key);
    if (value === undefined || value === null) return [];
    let items: unknown[] | undefined;
    if (Array.isArray(value)) items = value;
    else if (typeof value === 'string' && fromString) items = fromString(value);
    if (!items) {
      this.fail(here, value, fromString ? `${what}, as a JSON list or in openstackclient's string form` : what);
      return [];
    }
    const out: T[] = [];
    items.forEach((v, i) => {
      const converted = item(v, indexPath(here, i), typeof value === 'string');
      if (converted !== undefined) out.push(converted);
    });
    return out;
  }

  string(value: unknown, path: string, allowed = 'a string'): string | undefined {
    return typeof value === 'string' ? value : this.fail(path, value, allowed);
  }

  ipVersion(value: unknown, path: string, fallback: IpVersion | undefined, fallbackWhy: string): IpVersion | undefined {
    if (value === undefined || value === null) {
      return fallback ?? this.fail(path, value, `4 or 6 (${fallbackWhy})`);
    }
    if (value === 4 || value === 6) return value;
    return this.fail(path, value, '4 or 6 (a number)');
  }

  ipv6Mode(obj: Obj, key: string, path: string): Ipv6Mode | null {
    const value = obj[key];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' && (IPV6_MODES as readonly string[]).includes(value)) return value as Ipv6Mode;
    this.fail(keyPath(path, key), value, `null or one of ${IPV6_MODES.join(', ')}`);
    return null;
  }

  result<T>(value: T | undefined): ConversionResult<T> {
    return { value: this.issues.length === 0 ? value : undefined, issues: this.issues };
  }
}

// ---------------------------------------------------------------------------------------------
// openstackclient < 4.0 string forms (osc-lib format_dict / format_list_of_dicts / format_list)

/** `a='1', b='2', c=` (None is written without quotes) → `{a: '1', b: '2', c: null}`. */
export function parseOscDict(text: string): Record<string, string | null> | undefined {
  const out: Record<string, string | null> = {};
  const pair = /^([A-Za-z0-9_.:-]+)=(?:'([\s\S]*?)'|)(?=, [A-Za-z0-9_.:-]+=|$)/;
  let rest = text.trim();
  while (rest !== '') {
    const m = pair.exec(rest);
    if (!m) return undefined;
    out[m[1]] = m[2] ?? null;
    rest = rest.slice(m[0].length);
    if (rest.startsWith(', ')) rest = rest.slice(2);
    else if (rest !== '') return undefined;
  }
  return out;
}

/** One `key='value', …` dict per line. */
export function parseOscListOfDicts(text: string): Record<string, string | null>[] | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const dicts = lines.map(parseOscDict);
  return dicts.every((d) => d !== undefined) ? dicts : undefined;
}

/** `a, b` or `a,b` → `['a', 'b']`. */
export function parseOscList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

// ---------------------------------------------------------------------------------------------
// Subnets

function readSubnet(r: Reader, json: unknown, path: string): Subnet | undefined {
  const obj = r.object(r.unwrap(json, 'subnet'), path, 'a subnet as `openstack subnet show -f json` or the API prints it');
  if (!obj) return undefined;
  const id = r.requiredString(obj, 'id', path);
  const cidr = r.requiredString(obj, 'cidr', path);
  const derived = cidr === undefined ? undefined : (parseCidr(cidr)?.version ?? ipVersionOf(cidr.split('/')[0]) ?? undefined);
  const ipVersion = r.ipVersion(obj.ip_version, keyPath(path, 'ip_version'), derived, 'needed when cidr does not show the version');
  const gatewayIp = r.optionalString(obj, 'gateway_ip', path, null);
  const dhcpKey = has(obj, 'enable_dhcp') || !has(obj, 'is_dhcp_enabled') ? 'enable_dhcp' : 'is_dhcp_enabled';
  let enableDhcp = true;
  if (has(obj, dhcpKey) && obj[dhcpKey] !== null) {
    if (typeof obj[dhcpKey] === 'boolean') enableDhcp = obj[dhcpKey];
    else r.fail(keyPath(path, dhcpKey), obj[dhcpKey], 'true or false');
  }
  const dnsNameservers = r.list(obj, 'dns_nameservers', path, 'a list of address strings', (v, p) => r.string(v, p), (text) => parseOscList(text));
  const hostRoutes = r.list(obj, 'host_routes', path, 'a list of {destination, nexthop}', (v, p) => readHostRoute(r, v, p), parseOscListOfDicts);
  const allocationPools = r.list(obj, 'allocation_pools', path, 'a list of {start, end}', (v, p) => readPool(r, v, p), parseOscPools);
  const ipv6AddressMode = r.ipv6Mode(obj, 'ipv6_address_mode', path);
  const ipv6RaMode = r.ipv6Mode(obj, 'ipv6_ra_mode', path);
  const name = r.optionalString(obj, 'name', path, undefined);
  if (id === undefined || cidr === undefined || ipVersion === undefined) return undefined;
  return {
    id,
    ...(name !== undefined ? { name } : {}),
    cidr,
    ipVersion,
    gatewayIp,
    enableDhcp,
    dnsNameservers,
    hostRoutes,
    allocationPools,
    ipv6AddressMode,
    ipv6RaMode,
  };
}

function readHostRoute(r: Reader, json: unknown, path: string): HostRoute | undefined {
  const obj = r.object(json, path, 'a host route {destination, nexthop}');
  if (!obj) return undefined;
  const destination = r.requiredString(obj, 'destination', path);
  // openstackclient prints the next hop as `gateway` (the name of its --host-route option).
  const hopKey = has(obj, 'nexthop') || !has(obj, 'gateway') ? 'nexthop' : 'gateway';
  const nexthop = r.requiredString(obj, hopKey, path);
  return destination !== undefined && nexthop !== undefined ? { destination, nexthop } : undefined;
}

function readPool(r: Reader, json: unknown, path: string): AllocationPool | undefined {
  const obj = r.object(json, path, 'an allocation pool {start, end}');
  if (!obj) return undefined;
  const start = r.requiredString(obj, 'start', path);
  const end = r.requiredString(obj, 'end', path);
  return start !== undefined && end !== undefined ? { start, end } : undefined;
}

/** `10.0.0.2-10.0.0.99,10.0.0.110-10.0.0.254` → pools (IPv6 addresses hold no "-"). */
export function parseOscPools(text: string): AllocationPool[] | undefined {
  const pools: AllocationPool[] = [];
  for (const range of parseOscList(text)) {
    const parts = range.split('-');
    if (parts.length !== 2) return undefined;
    pools.push({ start: parts[0].trim(), end: parts[1].trim() });
  }
  return pools;
}

/** One subnet from `openstack subnet show -f json` / the API (`{"subnet": {...}}` or bare). */
export function subnetFromNeutronJson(json: unknown): ConversionResult<Subnet> {
  const r = new Reader();
  const value = readSubnet(r, json, ROOT);
  return r.result(value);
}

// ---------------------------------------------------------------------------------------------
// Ports

const LIST_ROW_KEYS = ['ID', 'MAC Address', 'Fixed IP Addresses'];

function readPort(r: Reader, json: unknown, path: string): Port | undefined {
  const obj = r.object(r.unwrap(json, 'port'), path, 'a port as `openstack port show/list -f json` or the API prints it');
  if (!obj) return undefined;
  return LIST_ROW_KEYS.some((k) => has(obj, k)) ? readPortListRow(r, obj, path) : readPortShow(r, obj, path);
}

function readPortShow(r: Reader, obj: Obj, path: string): Port | undefined {
  const id = r.requiredString(obj, 'id', path);
  const macAddress = r.requiredString(obj, 'mac_address', path);
  const fixedIps = r.list(obj, 'fixed_ips', path, 'a list of {subnet_id, ip_address}', (v, p) => readFixedIp(r, v, p), parseOscListOfDicts);
  const deviceOwner = r.optionalString(obj, 'device_owner', path, '');
  const extraDhcpOpts = r.list(
    obj,
    'extra_dhcp_opts',
    path,
    'a list of {opt_name, opt_value, ip_version}',
    (v, p, fromText) => readExtraOpt(r, v, p, fromText),
    parseOscListOfDicts,
  );
  const dnsAssignment =
    obj.dns_assignment === undefined || obj.dns_assignment === null
      ? undefined
      : r.list(obj, 'dns_assignment', path, 'a list of {hostname, ip_address, fqdn}', (v, p) => readDnsAssignment(r, v, p), parseOscListOfDicts);
  if (id === undefined || macAddress === undefined) return undefined;
  return { id, macAddress, fixedIps, deviceOwner, extraDhcpOpts, ...(dnsAssignment !== undefined ? { dnsAssignment } : {}) };
}

function readPortListRow(r: Reader, obj: Obj, path: string): Port | undefined {
  const id = r.requiredString(obj, 'ID', path);
  const macAddress = r.requiredString(obj, 'MAC Address', path);
  const fixedIps = r.list(obj, 'Fixed IP Addresses', path, 'a list of {subnet_id, ip_address}', (v, p) => readFixedIp(r, v, p), parseOscListOfDicts);
  const deviceOwner = r.optionalString(obj, 'Device Owner', path, '');
  if (id === undefined || macAddress === undefined) return undefined;
  return { id, macAddress, fixedIps, deviceOwner, extraDhcpOpts: [] };
}

function readFixedIp(r: Reader, json: unknown, path: string): FixedIp | undefined {
  const obj = r.object(json, path, 'a fixed IP {subnet_id, ip_address}');
  if (!obj) return undefined;
  const subnetId = r.requiredString(obj, 'subnet_id', path);
  const ipAddress = r.requiredString(obj, 'ip_address', path);
  return subnetId !== undefined && ipAddress !== undefined ? { subnetId, ipAddress } : undefined;
}

function readExtraOpt(r: Reader, json: unknown, path: string, fromText: boolean): ExtraDhcpOpt | undefined {
  const obj = r.object(json, path, 'an extra DHCP option {opt_name, opt_value, ip_version}');
  if (!obj) return undefined;
  const optName = r.requiredString(obj, 'opt_name', path);
  const optValue = r.requiredString(obj, 'opt_value', path);
  // The string form prints every value quoted: ip_version='4'.
  const rawVersion = fromText && (obj.ip_version === '4' || obj.ip_version === '6') ? Number(obj.ip_version) : obj.ip_version;
  const ipVersion = r.ipVersion(rawVersion, keyPath(path, 'ip_version'), 4, 'neutron default 4');
  if (optName === undefined || optValue === undefined || ipVersion === undefined) return undefined;
  return { optName, optValue, ipVersion };
}

function readDnsAssignment(r: Reader, json: unknown, path: string): DnsAssignment | undefined {
  const obj = r.object(json, path, 'a DNS assignment {hostname, ip_address, fqdn}');
  if (!obj) return undefined;
  const hostname = r.requiredString(obj, 'hostname', path);
  const ipAddress = r.requiredString(obj, 'ip_address', path);
  const fqdn = r.requiredString(obj, 'fqdn', path);
  return hostname !== undefined && ipAddress !== undefined && fqdn !== undefined ? { hostname, ipAddress, fqdn } : undefined;
}

/** One port from `openstack port show -f json`, a row of `openstack port list -f json`, or the API. */
export function portFromNeutronJson(json: unknown): ConversionResult<Port> {
  const r = new Reader();
  const value = readPort(r, json, ROOT);
  return r.result(value);
}

function listOf(r: Reader, json: unknown, wrapper: string, path: string, what: string): unknown[] | undefined {
  if (Array.isArray(json)) return json as unknown[];
  if (isObj(json) && Array.isArray(json[wrapper])) return json[wrapper] as unknown[];
  return r.fail(path, json, `a JSON list of ${what} (or {"${wrapper}": [...]})`);
}

/** Ports from `openstack port list -f json` (Title Case rows), a list of port objects, or `{"ports": [...]}`. */
export function portsFromNeutronJson(list: unknown): ConversionResult<Port[]> {
  const r = new Reader();
  const items = listOf(r, list, 'ports', ROOT, 'ports') ?? [];
  const ports = items.map((item, i) => readPort(r, item, indexPath(ROOT, i)));
  return r.result(ports as Port[]);
}

// ---------------------------------------------------------------------------------------------
// Networks

function readNetworkFields(r: Reader, obj: Obj, path: string): Omit<Network, 'subnets' | 'ports'> | undefined {
  const id = r.requiredString(obj, 'id', path);
  const name = r.optionalString(obj, 'name', path, undefined);
  const mtu = r.optionalNumber(obj, 'mtu', path);
  const dnsDomain = r.optionalString(obj, 'dns_domain', path, undefined);
  if (id === undefined) return undefined;
  return {
    id,
    ...(name !== undefined ? { name } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
    ...(dnsDomain !== undefined ? { dnsDomain } : {}),
  };
}

/**
 * The render input: `{ id, name?, mtu?, dns_domain?, subnets: [subnet objects], ports: [port
 * objects] }` (also wrapped as `{"network": {...}}`). Subnets and ports take every shape
 * `subnetFromNeutronJson` / `portFromNeutronJson` take; absent lists are empty.
 */
export function networkFromNeutronJson(json: unknown): ConversionResult<Network> {
  const r = new Reader();
  const obj = r.object(r.unwrap(json, 'network'), ROOT, 'a network {id, subnets: [...], ports: [...]}');
  if (!obj) return r.result<Network>(undefined);
  const fields = readNetworkFields(r, obj, ROOT);
  const subnets = r.list(obj, 'subnets', ROOT, 'a list of subnet objects', (v, p) =>
    typeof v === 'string'
      ? r.fail(p, v, 'a subnet object as `openstack subnet show -f json` prints it (for a network whose subnets are ids, use networkFromOpenstackCli with the subnets\' details)')
      : readSubnet(r, v, p),
  );
  const ports = r.list(obj, 'ports', ROOT, 'a list of port objects', (v, p) => readPort(r, v, p));
  return r.result({ ...fields, subnets, ports } as Network);
}

/**
 * A network from three `openstack … -f json` outputs: `network show` (whose `subnets` is a
 * list of ids, or `"a, b"` before openstackclient 4.0), the subnets' `subnet show` objects and
 * the ports (`port show` objects or `port list` rows). The network's subnet list decides which
 * subnets belong, in its order; when it is empty, every given subnet does. Subnets or ports
 * whose `network_id` names another network are refused. Paths start with `network`,
 * `subnets[i]` or `ports[i]`.
 */
export function networkFromOpenstackCli(networkShowJson: unknown, subnetsJson: unknown, portsJson: unknown): ConversionResult<Network> {
  const r = new Reader();
  const net = r.object(r.unwrap(networkShowJson, 'network'), 'network', 'the output of `openstack network show -f json`');
  const fields = net ? readNetworkFields(r, net, 'network') : undefined;
  const networkId = fields?.id;
  const subnetIds = net
    ? r.list(net, 'subnets', 'network', 'a list of subnet ids', (v, p) => r.string(v, p, 'a subnet id'), (text) => parseOscList(text))
    : [];

  const subnetItems = listOf(r, subnetsJson, 'subnets', 'subnets', 'subnet objects') ?? [];
  const given: { subnet: Subnet; path: string }[] = [];
  subnetItems.forEach((item, i) => {
    const path = indexPath('subnets', i);
    checkNetworkId(r, r.unwrap(item, 'subnet'), path, networkId);
    const subnet = readSubnet(r, item, path);
    if (subnet) given.push({ subnet, path });
  });

  let subnets: Subnet[];
  if (subnetIds.length === 0) subnets = given.map((g) => g.subnet);
  else {
    subnets = [];
    subnetIds.forEach((id, k) => {
      const found = given.find((g) => g.subnet.id === id);
      if (found) subnets.push(found.subnet);
      else {
        r.fail(indexPath(keyPath('network', 'subnets'), k), id, `the id of a subnet whose details are given (got ${given.map((g) => g.subnet.id).join(', ') || 'none'})`);
      }
    });
    for (const g of given) {
      if (!subnetIds.includes(g.subnet.id)) r.fail(keyPath(g.path, 'id'), g.subnet.id, `one of the network's subnets: ${subnetIds.join(', ')}`);
    }
  }

  const portItems = listOf(r, portsJson, 'ports', 'ports', 'ports') ?? [];
  const ports: Port[] = [];
  portItems.forEach((item, i) => {
    const path = indexPath('ports', i);
    checkNetworkId(r, r.unwrap(item, 'port'), path, networkId);
    const port = readPort(r, item, path);
    if (port) ports.push(port);
  });
  return r.result({ ...fields, subnets, ports } as Network);
}

function checkNetworkId(r: Reader, item: unknown, path: string, networkId: string | undefined): void {
  if (!isObj(item) || networkId === undefined) return;
  const key = has(item, 'network_id') ? 'network_id' : has(item, 'Network') ? 'Network' : undefined;
  if (key === undefined || item[key] === null) return;
  if (item[key] !== networkId) r.fail(keyPath(path, key), item[key], `${JSON.stringify(networkId)}, the id of the network shown`);
}
