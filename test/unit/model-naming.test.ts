import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEV_NAME_LEN,
  bridgeName,
  defaultHostname,
  deterministicMac,
  dhcpPortId,
  dhcpPortMac,
  fqdn,
  namespaceName,
  nsDeviceName,
  tapDeviceName,
  uuidV5,
} from '../../src/model/naming';
import { checkHostname, checkId, checkInterfaceName, checkMac } from '../../src/model/validate';

const NET = '5a2f0d8e-3c41-4b6f-9e0a-7d1c2b3a4f50';
const PORT = 'd9a5c1e4-3f6b-4a0c-9d8e-2b4a5f6e7d83';

describe('neutron device and namespace names', () => {
  it('namespace: qdhcp-<network id>, uncut', () => {
    assert.equal(namespaceName(NET), `qdhcp-${NET}`);
  });

  it('veth ends and bridge: prefix + id cut to 14 characters', () => {
    assert.equal(DEV_NAME_LEN, 14);
    assert.equal(nsDeviceName(PORT), 'ns-d9a5c1e4-3f');
    assert.equal(tapDeviceName(PORT), 'tapd9a5c1e4-3f');
    assert.equal(bridgeName(NET), 'brq5a2f0d8e-3c');
    assert.equal(nsDeviceName('p1'), 'ns-p1');
  });

  it('ids that lose characters to the cut get a hash of the whole id instead (issue 10: tenant-a-net1/2 shared one bridge)', () => {
    assert.notEqual(bridgeName('tenant-a-net1'), bridgeName('tenant-a-net2'));
    assert.notEqual(tapDeviceName('dhcp-port-tenant-1'), tapDeviceName('dhcp-port-tenant-2'));
    assert.match(bridgeName('tenant-a-net1'), /^brqten_[a-z2-7]{7}$/);
    assert.equal(bridgeName('tenant-a-net1'), bridgeName('tenant-a-net1'), 'stable');
    // Ids that fit keep neutron's name; a UUID keeps neutron's cut even though it loses characters.
    assert.equal(bridgeName('net-1'), 'brqnet-1');
    assert.equal(bridgeName('abcdefghijk'), 'brqabcdefghijk');
    assert.equal(tapDeviceName(PORT), 'tapd9a5c1e4-3f');
  });

  it('every device name is a valid Linux name and distinct across 20,000 long ids', () => {
    const seen = new Map<string, string>();
    for (let i = 0; i < 20000; i++) {
      const id = `tenant-network-${i}`;
      const name = bridgeName(id);
      assert.ok(name.length <= 15 && checkInterfaceName(name, 'n') === null, name);
      assert.equal(seen.get(name), undefined, `${id} and ${seen.get(name)} share ${name}`);
      seen.set(name, id);
      // A hashed name holds "_", which no id (nor neutron's cut of one) can.
      assert.equal(checkId(name.slice(3), 'id') === null, false);
    }
  });
});

describe('hostnames', () => {
  it("defaultHostname: neutron's host-<ip with . and : as ->", () => {
    assert.equal(defaultHostname('10.0.0.5'), 'host-10-0-0-5');
    assert.equal(defaultHostname('fd00::5'), 'host-fd00--5');
    assert.equal(checkHostname(defaultHostname('fd00:1::a:5'), 'h'), null);
  });

  it('fqdn: hostname.domain without the trailing dot, or the bare hostname', () => {
    assert.equal(fqdn('vm1', 'openstacklocal'), 'vm1.openstacklocal');
    assert.equal(fqdn('vm1', 'example.org.'), 'vm1.example.org');
    assert.equal(fqdn('vm1', ''), 'vm1');
    assert.equal(fqdn('vm1', undefined), 'vm1');
  });
});

describe('name-based ids', () => {
  it('uuidV5 matches the RFC 4122 / Python uuid.uuid5 results', () => {
    // python3: uuid.uuid5(uuid.NAMESPACE_DNS, 'www.example.com')
    assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
    // python3: uuid.uuid5(uuid.UUID(PROJECT_UUID_NAMESPACE), 'dhcp-port/node-1/net-1')
    assert.equal(dhcpPortId('node-1', 'net-1'), '5718669f-e978-5719-bdd8-cad6858ef1c6');
  });

  it('uuidV5 refuses a namespace that is not a UUID', () => {
    assert.throws(() => uuidV5('x', 'not-a-uuid'), /uuidV5: namespace must be a UUID, got "not-a-uuid"/);
  });

  it('dhcpPortId is stable, differs per node and network, and is a valid id', () => {
    assert.equal(dhcpPortId('node-1', NET), dhcpPortId('node-1', NET));
    assert.notEqual(dhcpPortId('node-1', NET), dhcpPortId('node-2', NET));
    assert.notEqual(dhcpPortId('node-1', NET), dhcpPortId('node-1', 'net-2'));
    assert.equal(checkId(dhcpPortId('node-1', NET), 'id'), null);
  });

  it("deterministic MACs: OpenStack's fa:16:3e prefix, stable, valid unicast", () => {
    const mac = dhcpPortMac('node-1', NET);
    assert.match(mac, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.equal(mac, dhcpPortMac('node-1', NET));
    assert.notEqual(mac, dhcpPortMac('node-2', NET));
    assert.equal(deterministicMac('seed'), deterministicMac('seed'));
    assert.equal(checkMac(mac, 'mac'), null);
  });
});
