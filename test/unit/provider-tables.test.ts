import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOST_KEY_RULE, SSH_CONNECTION_FIELDS, renderDoc } from '../../src/host/ssh-connection';
import { AGENT_OPTIONS, AGENT_OPTION_JSON_KEYS, NETWORK_AGENT_OPTIONS } from '../../src/model/agent-options';
import { DEFAULT_AGENT_OPTIONS } from '../../src/model/types';
import { UNKNOWN, t } from '../../src/provider/cty';
import { providerTable } from '../../src/provider/definition';
import { attributePathFor, importHint } from '../../src/provider/resources/errors';
import { parseImportId } from '../../src/provider/resources/import-id';
import { networkTable } from '../../src/provider/resources/network';
import { nodeTable } from '../../src/provider/resources/node';
import { portTable } from '../../src/provider/resources/port';
import { renamesOf, rowIssues, schemaOf, withRowDefaults, type Row, type Table } from '../../src/provider/table';

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const table: Table = {
  description: 'A thing.',
  version: 1,
  rows: [
    { name: 'id', type: t.string, presence: 'computed', description: 'Its id.' },
    {
      name: 'conn',
      presence: 'required',
      nested: {
        nesting: 'single',
        rows: [
          { name: 'host', type: t.string, presence: 'required', replace: true, spec: ['hostName'] },
          { name: 'port', type: t.number, presence: 'optional+computed', default: 22, validate: (x, p) => (x === 0 ? { path: p, value: x, allowed: 'not 0' } : null) },
        ],
      },
    },
    { name: 'items', presence: 'optional', spec: ['spec.items'], nested: { nesting: 'list', rows: [{ name: 'x', type: t.string, presence: 'required', spec: ['never'] }] } },
    { name: 'secret_path', type: t.string, presence: 'optional', sensitive: true, spec: ['spec.secretPath', 'secretAlias'] },
    { name: 'token', type: t.string, presence: 'optional', writeOnly: true },
  ],
};

describe('schema tables', () => {
  it('derive the schema: presence as flags, replace, sensitive, write-only, nesting, rows in order, no description where none is given', () => {
    const s = schemaOf(table);
    assert.equal(s.version, 1);
    assert.deepEqual(Object.keys(s.attributes), ['id', 'conn', 'items', 'secret_path', 'token']);
    assert.deepEqual(s.attributes.id, { computed: true, description: 'Its id.', type: t.string });
    const conn = s.attributes.conn;
    assert.equal(conn.required, true);
    assert.deepEqual(conn.nested!.attributes.host, { required: true, requiresReplace: true, type: t.string });
    assert.deepEqual(conn.nested!.attributes.port, { optional: true, computed: true, type: t.number });
    assert.equal(s.attributes.items.nested!.nesting, 'list');
    assert.deepEqual(s.attributes.secret_path, { optional: true, sensitive: true, type: t.string });
    assert.deepEqual(s.attributes.token, { optional: true, writeOnly: true, type: t.string });
    assert.equal('version' in schemaOf({ description: 'p', rows: [] }), false);
  });

  it('derive the renames: every spec path to its row, into single nested rows but not into lists', () => {
    assert.deepEqual(renamesOf(table.rows), [
      ['hostName', ['conn', 'host']],
      ['spec.items', ['items']],
      ['spec.secretPath', ['secret_path']],
      ['secretAlias', ['secret_path']],
    ]);
    const renames = renamesOf(table.rows);
    assert.deepEqual(attributePathFor('spec.items[2].someField', renames), ['items', 2, 'some_field']);
    assert.deepEqual(attributePathFor('hostName', renames), ['conn', 'host']);
  });

  it('fill defaults of optional+computed rows only where unset, and check known values only', () => {
    const rows = (table.rows[1].nested!.rows as Row[]);
    assert.deepEqual(withRowDefaults(rows, { host: 'h', port: null }), { host: 'h', port: 22 });
    assert.deepEqual(withRowDefaults(rows, { host: 'h', port: 2222 }), { host: 'h', port: 2222 });
    assert.deepEqual(withRowDefaults(rows, { host: 'h', port: UNKNOWN }), { host: 'h', port: UNKNOWN });
    assert.deepEqual(rowIssues(rows, { host: 'h', port: 0 }, 'conn.'), [{ path: 'conn.port', value: 0, allowed: 'not 0' }]);
    assert.deepEqual(rowIssues(rows, { host: 'h', port: UNKNOWN }, 'conn.'), []);
    assert.deepEqual(rowIssues(rows, { host: 'h', port: null }, 'conn.'), []);
  });

  it('map every spec path the hand-kept RENAMES tables mapped to the same attribute path', () => {
    // The tables node.ts, network.ts and port.ts held before the schema became tables.
    const before: [Table, [string, (string | number)[]][]][] = [
      [nodeTable, [['statePath', ['node', 'state_path']], ['monitorIntervalSeconds', ['monitor_interval_seconds']]]],
      [
        networkTable,
        [
          ['network.subnets', ['subnets']],
          ['network.ports', ['dhcp_ip_addresses']],
          ['network.ports[0].macAddress', ['dhcp_mac_address']],
          ['network.ports[0].id', ['dhcp_port_id']],
          ['network.id', ['network_id']],
          ['network.mtu', ['mtu']],
          ['network.name', ['name']],
          ['dhcpPortId', ['dhcp_port_id']],
          ['attachment.bridge', ['bridge']],
          ['attachment.physicalInterface', ['physical_interface']],
          ['attachment.vlanId', ['vlan_id']],
          ['attachment.takeOver', ['take_over_physical_interface']],
          ['options.dnsDomain', ['dns_domain']],
          ['options.dhcpLeaseDuration', ['lease_duration_seconds']],
          ['options.dnsmasqLeaseMax', ['lease_max']],
          ['options.dnsmasqDnsServers', ['dns_servers']],
          ['options.dnsmasqLocalResolv', ['local_resolv']],
          ['options.enableIsolatedMetadata', ['enable_isolated_metadata']],
          ['options.forceMetadata', ['force_metadata']],
          ['options.dhcpBroadcastReply', ['broadcast_reply']],
          ['options.dhcpRenewalTime', ['renewal_time_seconds']],
          ['options.dhcpRebindingTime', ['rebinding_time_seconds']],
          ['options.statePath', ['node', 'state_path']],
        ],
      ],
      [
        portTable,
        [
          ['port.fixedIps', ['fixed_ips']],
          ['port.macAddress', ['mac_address']],
          ['port.id', ['port_id']],
          ['port.dnsAssignment', ['hostname']],
          ['port.extraDhcpOpts', ['extra_dhcp_opts']],
          ['port.deviceOwner', ['device_owner']],
          ['hostname', ['hostname']],
          ['networkId', ['network_id']],
          ['statePath', ['node', 'state_path']],
        ],
      ],
    ];
    for (const [tbl, pairs] of before) {
      const renames = renamesOf(tbl.rows);
      for (const [specPath, attribute] of pairs) {
        assert.deepEqual(attributePathFor(specPath, renames), attribute, specPath);
        assert.deepEqual(attributePathFor(`${specPath}[1].subField`, renames), [...attribute, 1, 'sub_field'], specPath);
      }
    }
  });

  it('say in each description the default their default column holds', () => {
    const literal = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
    const check = (rows: readonly Row[], where: string): void => {
      for (const r of rows) {
        const said = /Default: `([^`]*)`/.exec(r.description ?? '')?.[1];
        if (said !== undefined && r.default !== undefined) assert.equal(said, literal(r.default), `${where}${r.name}`);
        if (said !== undefined && /^[\d-]|^(true|false)$/.test(said)) assert.notEqual(r.default, undefined, `${where}${r.name}: says Default: ${said} but has no default`);
        if (r.nested) check(r.nested.rows, `${where}${r.name}.`);
      }
    };
    for (const [name, tbl] of [['provider', providerTable], ['node', nodeTable], ['network', networkTable], ['port', portTable]] as const) check(tbl.rows, `${name}: `);
  });
});

describe('agent option table', () => {
  it('names each option four ways that follow one rule: neutron = snake(field), attribute = snake(prop)', () => {
    for (const o of AGENT_OPTIONS) {
      assert.equal(o.neutron, snake(o.field));
      if (o.prop !== undefined) assert.equal(o.attribute, snake(o.prop));
      assert.equal(o.attribute === undefined, o.prop === undefined, o.field);
    }
    assert.deepEqual(Object.keys(AGENT_OPTION_JSON_KEYS), AGENT_OPTIONS.map((o) => o.neutron));
    assert.deepEqual(
      NETWORK_AGENT_OPTIONS.map((o) => o.attribute),
      ['dns_domain', 'lease_duration_seconds', 'lease_max', 'dns_servers', 'local_resolv', 'enable_isolated_metadata', 'force_metadata', 'broadcast_reply', 'renewal_time_seconds', 'rebinding_time_seconds', 'log_dir', 'enable_addr6_list'],
    );
  });

  it('gives each network option attribute its type, the model default and its description', () => {
    const attrs = schemaOf(networkTable).attributes;
    const cty = { string: t.string, integer: t.number, boolean: t.bool, ipList: t.list(t.string) };
    for (const o of NETWORK_AGENT_OPTIONS) {
      assert.deepEqual(attrs[o.attribute].type, cty[o.kind], o.attribute);
      assert.equal(attrs[o.attribute].description, o.description);
      assert.deepEqual(networkTable.rows.find((r) => r.name === o.attribute)!.default, DEFAULT_AGENT_OPTIONS[o.field]);
    }
  });
});

describe('SSH connection fields', () => {
  it('are the node attribute of every resource, with Terraform names in the descriptions', () => {
    for (const tbl of [nodeTable, networkTable, portTable]) {
      const node = schemaOf(tbl).attributes.node.nested!.attributes;
      assert.deepEqual(Object.keys(node), [...SSH_CONNECTION_FIELDS.map((f) => f.attribute), 'state_path']);
      assert.match(node.host_key_sha256.description!, /Exactly one of `host_key_sha256`, `known_hosts_path` and `insecure_ignore_host_key = true` must be set/);
      assert.equal(node.user.description, 'Login user. Default: `root`; other users need `become = "sudo"`.');
    }
  });

  it('render the host-key rule in the names each reader writes', () => {
    assert.equal(
      renderDoc(HOST_KEY_RULE, 'typescript'),
      "Exactly one of `hostKeySha256`, `knownHostsPath` and `insecureIgnoreHostKey: true` must be set (the `DhcpAgentNode` construct and import ids use `knownHostsPath: '~/.ssh/known_hosts'` when none is).",
    );
    assert.throws(() => renderDoc('{hostKey}', 'terraform'), /no SSH connection field hostKey/);
  });

  it('are the query keys of import ids, and the hint a failed create gives reads back as the same connection', () => {
    const c = { host: '192.0.2.1', port: 2222, user: 'ops', privateKeyPath: '~/.ssh/id', hostKeySha256: undefined, knownHostsPath: '~/.ssh/known_hosts', insecureIgnoreHostKey: undefined, become: 'sudo', statePath: '/srv/agent' } as const;
    const hint = importHint(c, 'net-1');
    assert.equal(hint, "terraform import <resource address> 'ops@192.0.2.1:2222/net-1?private_key_path=~/.ssh/id&known_hosts_path=~/.ssh/known_hosts&become=sudo&state_path=/srv/agent'");
    assert.deepEqual(parseImportId(/'(.*)'/.exec(hint)![1], 1).connection, c);
    assert.throws(() => parseImportId('h/n?port=1', 1), /unknown key "port" \(known: private_key_path, host_key_sha256, known_hosts_path, insecure_ignore_host_key, become, state_path, neutron_state_path\)/);
  });
});
