import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BLOCK_COUNT,
  blockOfAddress,
  blockPrefix,
  checkLabName,
  hostVeth,
  labBridge,
  labNetnsPattern,
  nodeLinkAddresses,
  nodeNetns,
  preferredBlock,
  vmNetns,
  vmNodeVeth,
} from '../../src/lab/naming';
import { checkVmInput, parseLease } from '../../src/lab/vm';

describe('lab names', () => {
  it('accept [a-z0-9]{1,8} only', () => {
    for (const ok of ['a', 'lab1', '12345678']) assert.doesNotThrow(() => checkLabName(ok));
    for (const bad of ['', 'Lab', 'a-b', '123456789', 'a b', 'é']) assert.throws(() => checkLabName(bad), /lab name/);
  });

  it('keep every device name within 15 characters for the longest lab name and large indexes', () => {
    const lab = 'abcdefgh';
    for (const dev of [hostVeth(lab, 63), vmNodeVeth(lab, 9999), labBridge(lab), 'eth0']) assert.ok(dev.length <= 15, dev);
  });

  it('never let one lab match another lab’s namespaces', () => {
    const p = labNetnsPattern('ab');
    assert.ok(p.test(nodeNetns('ab', 0)));
    assert.ok(p.test(vmNetns('ab', 12)));
    assert.ok(!p.test(nodeNetns('abc', 0)));
    assert.ok(!p.test('ab-x0'));
    assert.ok(!p.test('qdhcp-ab'));
  });
});

describe('lab addresses', () => {
  it('stay inside 198.18.0.0/15', () => {
    assert.equal(blockPrefix(0), '198.18.0');
    assert.equal(blockPrefix(511), '198.19.255');
    for (let b = 0; b < BLOCK_COUNT; b += 37) assert.equal(blockOfAddress(`${blockPrefix(b)}.9`), b);
    assert.equal(blockOfAddress('198.20.0.1'), undefined);
    assert.equal(blockOfAddress('10.0.0.1'), undefined);
  });

  it('derive a stable block from the name', () => {
    assert.equal(preferredBlock('lab1'), preferredBlock('lab1'));
    const blocks = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(preferredBlock));
    assert.ok(blocks.size >= 6);
    for (const b of blocks) assert.ok(b >= 0 && b < BLOCK_COUNT);
  });

  it('give each node its own /30', () => {
    assert.deepEqual(nodeLinkAddresses(3, 0), { host: '198.18.3.1', node: '198.18.3.2', prefixLength: 30 });
    assert.deepEqual(nodeLinkAddresses(256, 63), { host: '198.19.0.253', node: '198.19.0.254', prefixLength: 30 });
  });
});

describe('lab VMs', () => {
  it('check names and MACs', () => {
    assert.equal(checkVmInput('vm-1', '02:AA:bb:00:00:01'), '02:aa:bb:00:00:01');
    assert.throws(() => checkVmInput('', '02:00:00:00:00:01'), /VM name/);
    assert.throws(() => checkVmInput('a b', '02:00:00:00:00:01'), /VM name/);
    assert.throws(() => checkVmInput('vm', '03:00:00:00:00:01'), /unicast MAC/);
    assert.throws(() => checkVmInput('vm', '02-00-00-00-00-01'), /unicast MAC/);
  });

  it('parse what udhcpc hands its script', () => {
    const lease = parseLease(
      [
        'interface=eth0',
        'ip=198.51.100.20',
        'mask=24',
        'subnet=255.255.255.0',
        'router=198.51.100.1 198.51.100.2',
        'dns=198.51.100.53 198.51.100.54',
        'domain=lab.test',
        'hostname=vm-a',
        'mtu=1400',
        'lease=600',
        'staticroutes=169.254.169.254/32 198.51.100.1 0.0.0.0/0 198.51.100.1',
        'serverid=198.51.100.1',
        'opt1=ffffff00',
        '',
      ].join('\n'),
    );
    assert.deepEqual({ ...lease, raw: undefined }, {
      ip: '198.51.100.20',
      prefixLength: 24,
      router: '198.51.100.1',
      dns: ['198.51.100.53', '198.51.100.54'],
      domain: 'lab.test',
      hostname: 'vm-a',
      mtu: 1400,
      leaseSeconds: 600,
      staticRoutes: '169.254.169.254/32 198.51.100.1 0.0.0.0/0 198.51.100.1',
      serverId: '198.51.100.1',
      raw: undefined,
    });
    assert.equal(lease.raw.opt1, 'ffffff00');
    const bare = parseLease('ip=198.51.100.30\n');
    assert.equal(bare.router, undefined);
    assert.equal(bare.dns, undefined);
    assert.throws(() => parseLease('router=1.2.3.4\n'), /no ip/);
  });
});
