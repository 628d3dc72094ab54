/**
 * What a read of a network shows the user: `stateFromObservation` fed the `@@section` text that
 * the node's `observe` (src/agent/network-lib.sh.ts) prints, here canned — the node's part is
 * played by the fixture, the agent's part is the code under test. Every drift sentence a user
 * can see is asserted word for word, alone and together (their order is what users read).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/agent/canonical-json';
import { deriveNetwork, setupScript } from '../../src/agent/network-script';
import { stateFromObservation, unitDrift } from '../../src/agent/network';
import { sha256 } from '../../src/agent/script';
import { parseSections } from '../../src/agent/sections';
import type { NetworkSpec } from '../../src/agent/spec';
import { networkSpec, SUBNET_ID } from '../support/specs';

const NODE = { name: 'n0', bridge: 'brunit0', statePath: '/var/lib/dhcp-agent' };
const SPEC = networkSpec(NODE, { networkId: 'net-unit' });
// What deriveNetwork names for SPEC (asserted below, so that the sentences can be spelt out).
const DIR = '/var/lib/dhcp-agent/dhcp/net-unit';
const NS = 'qdhcp-net-unit';
const DEV = 'ns-bf1bef19-3e';
const TAP = 'tapbf1bef19-3e';
const MAC = 'fa:16:3e:74:b8:ea';
const UNIT = 'dhcp-agent-net-98067313@net-unit.service';

const HOST_SHA = 'a'.repeat(64);
const ADDN_SHA = 'b'.repeat(64);
const OPTS_SHA = 'c'.repeat(64);

/** `ip -j` output as iproute2 prints it (one line). */
function ipJson(value: unknown): string {
  return JSON.stringify(value);
}

function nsAddr(o: { mac?: string; mtu?: number; flags?: string[]; addrs?: { family: string; local: string; prefixlen: number; scope: string }[] } = {}): string {
  return ipJson([
    {
      ifindex: 2,
      ifname: DEV,
      flags: o.flags ?? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
      mtu: o.mtu ?? 1500,
      qdisc: 'noqueue',
      operstate: 'UP',
      group: 'default',
      txqlen: 1000,
      link_type: 'ether',
      address: o.mac ?? MAC,
      broadcast: 'ff:ff:ff:ff:ff:ff',
      addr_info: o.addrs ?? [
        { family: 'inet', local: '172.16.0.2', prefixlen: 24, scope: 'global' },
        { family: 'inet6', local: 'fe80::f816:3eff:fe74:b8ea', prefixlen: 64, scope: 'link' },
      ],
    },
  ]);
}

function tapLink(o: { master?: string | null; flags?: string[] } = {}): string {
  const link: Record<string, unknown> = { ifindex: 7, ifname: TAP, flags: o.flags ?? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', address: 'be:ef:00:00:00:01' };
  if (o.master !== null) link.master = o.master ?? 'brunit0';
  return ipJson([link]);
}

function route(gateway: string, dev = DEV): string {
  return ipJson([{ dst: 'default', gateway, dev, flags: [] }]);
}

/** The sections of a converged network, as `observe` prints them for `spec`. */
function converged(spec: NetworkSpec): Record<string, string> {
  const d = deriveNetwork(spec);
  return {
    dir: '1',
    sha: [
      `${sha256(canonicalJson(spec) + '\n')}  network.json`,
      `${sha256(setupScript(d))}  setup.sh`,
      `${sha256(d.optsHead)}  parts/opts.head`,
      `${sha256(d.optsTail)}  parts/opts.tail`,
      `${HOST_SHA}  host`,
      `${ADDN_SHA}  addn_hosts`,
      `${OPTS_SHA}  opts`,
    ].join('\n'),
    assembled: [`host ${HOST_SHA}  -`, `addn ${ADDN_SHA}  -`, `opts ${OPTS_SHA}  -`].join('\n'),
    ports: '0',
    leases: '1',
    txn: '0',
    interface: `${d.interfaceName}\n`,
    ns: '1',
    nsaddr: nsAddr() + '\n',
    taplink: tapLink() + '\n',
    bridge: '1',
    uplink_master: '',
    route4: route('172.16.0.1') + '\n',
    route6: '',
    accept_ra: '0\n',
    rules: 'v4 1',
    dnsmasq: 'pid 4242\nnetns 1\ncmdline 1\nstray ',
    unit: '',
  };
}

/** The observe output: sections in the order the shell prints them, then `@@end`. */
function observeOutput(sections: Record<string, string>): string {
  return Object.entries(sections).map(([name, body]) => `@@${name}\n${body}\n`).join('') + '@@end\n';
}

function observe(changes: Record<string, string> = {}, spec: NetworkSpec = SPEC) {
  const text = observeOutput({ ...converged(spec), ...changes });
  return stateFromObservation(deriveNetwork(spec), spec, parseSections(text));
}

function drift(changes: Record<string, string>, spec: NetworkSpec = SPEC): readonly string[] {
  const state = observe(changes, spec);
  assert.ok(state, 'a network with something left on the node is observed');
  return state.drift;
}

describe('stateFromObservation', () => {
  it('the fixture names what deriveNetwork names', () => {
    const d = deriveNetwork(SPEC);
    assert.deepEqual(
      { dir: d.paths.confDir, ns: d.namespace, dev: d.interfaceName, tap: d.tapName, mac: d.macAddress, unit: d.unit },
      { dir: DIR, ns: NS, dev: DEV, tap: TAP, mac: MAC, unit: UNIT },
    );
  });

  it('a converged network: the state as observed, no drift', () => {
    assert.deepEqual(observe(), {
      networkId: 'net-unit',
      namespace: NS,
      interfaceName: DEV,
      tapName: TAP,
      bridge: 'brunit0',
      addresses: ['172.16.0.2/24'],
      portCount: 0,
      dnsmasqPid: 4242,
      drift: [],
    });
  });

  it('null when neither the directory, the namespace nor dnsmasq is left', () => {
    assert.equal(observe({ dir: '0', ns: '0', dnsmasq: 'pid \nstray ' }), null);
  });

  it('the port count comes from @@ports', () => {
    assert.equal(observe({ ports: '3' })?.portCount, 3);
  });

  describe('state directory and files', () => {
    it('a missing directory is one sentence (its files are not looked at)', () => {
      assert.deepEqual(drift({ dir: '0', sha: '', assembled: '', leases: '0', interface: '' }), [`state directory ${DIR} is missing`]);
    });

    it('files the agent wrote: missing, or changed', () => {
      const sha = converged(SPEC).sha.split('\n');
      const edited = [sha[0], `${'0'.repeat(64)}  setup.sh`, sha[3], ...sha.slice(4)].join('\n');
      assert.deepEqual(drift({ sha: edited }), [
        `file setup.sh in ${DIR} differs from what the agent wrote`,
        `file parts/opts.head is missing from ${DIR}`,
      ]);
    });

    it('network.json of another spec reads as changed', () => {
      const other = networkSpec(NODE, { networkId: 'net-unit', mtu: 1400 });
      const sha = converged(other).sha;
      assert.deepEqual(drift({ sha }), [`file network.json in ${DIR} differs from what the agent wrote`, `file setup.sh in ${DIR} differs from what the agent wrote`]);
    });

    it('assembled files: missing, or not what the kept ports assemble to', () => {
      const sha = converged(SPEC).sha.replace(`${HOST_SHA}  host`, `${'d'.repeat(64)}  host`).replace(`\n${OPTS_SHA}  opts`, '');
      assert.deepEqual(drift({ sha, ports: '2' }), [
        'file host differs from the 2 port(s) kept on the node (edited outside the agent?)',
        `file opts is missing from ${DIR}`,
      ]);
    });

    it('an assembled file is not compared when the node could not assemble it', () => {
      assert.deepEqual(drift({ assembled: `host ${HOST_SHA}  -` }), []);
    });

    it('sha lines that are not sha256sum output are ignored (the file reads as missing)', () => {
      const sha = converged(SPEC).sha.replace(`${ADDN_SHA}  addn_hosts`, `${ADDN_SHA} addn_hosts`);
      assert.deepEqual(drift({ sha }), [`file addn_hosts is missing from ${DIR}`]);
    });

    it('leases file missing', () => {
      assert.deepEqual(drift({ leases: '0' }), [`file leases is missing from ${DIR}`]);
    });

    it('an interrupted batch of port changes', () => {
      assert.deepEqual(drift({ txn: '1' }), [`a batch of port changes was interrupted (${DIR}/ports/.txn); apply, or the process monitor, undoes it`]);
    });

    it('the interface file names another device, or none', () => {
      assert.deepEqual(drift({ interface: 'ns-other\n' }), [`file interface names "ns-other", want ${DEV}`]);
      assert.deepEqual(drift({ interface: '' }), [`file interface names "", want ${DEV}`]);
    });
  });

  describe('namespace and DHCP device', () => {
    it('a missing namespace is one sentence; its device, routes and rules are not looked at', () => {
      const state = observe({ ns: '0', nsaddr: '', route4: '', accept_ra: '', rules: '' });
      assert.deepEqual(state?.drift, [`namespace ${NS} is missing`]);
      assert.deepEqual(state?.addresses, []);
    });

    it('the device missing from the namespace', () => {
      assert.deepEqual(drift({ nsaddr: '' }), [`device ${DEV} is missing from namespace ${NS}`]);
    });

    it('output that is not JSON reads as no device', () => {
      assert.deepEqual(drift({ nsaddr: 'Device "ns-bf1bef19-3e" does not exist.' }), [`device ${DEV} is missing from namespace ${NS}`]);
    });

    it('MAC, MTU and link state', () => {
      assert.deepEqual(drift({ nsaddr: nsAddr({ mac: 'fa:16:3e:00:00:01', mtu: 1400, flags: ['BROADCAST', 'MULTICAST'] }) }), [
        `device ${DEV} has MAC fa:16:3e:00:00:01, want ${MAC}`,
        `device ${DEV} has MTU 1400, want 1500`,
        `device ${DEV} is down`,
      ]);
    });

    it('the MAC compares without regard to case', () => {
      assert.deepEqual(drift({ nsaddr: nsAddr({ mac: MAC.toUpperCase() }) }), []);
    });

    it('the MTU is not compared when the network has none', () => {
      const spec = networkSpec(NODE, { networkId: 'net-unit', mtu: 0 });
      assert.deepEqual(drift({ nsaddr: nsAddr({ mtu: 9000 }) }, spec), []);
    });

    it('addresses: missing and unexpected; link and host scope are not the agent\'s', () => {
      const state = observe({
        nsaddr: nsAddr({
          addrs: [
            { family: 'inet', local: '172.16.0.9', prefixlen: 24, scope: 'global' },
            { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
            { family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' },
          ],
        }),
      });
      assert.deepEqual(state?.addresses, ['172.16.0.9/24']);
      assert.deepEqual(state?.drift, [`address 172.16.0.2/24 is missing on ${DEV}`, `unexpected address 172.16.0.9/24 on ${DEV}`]);
    });

    it('the metadata address is wanted with isolated metadata', () => {
      const spec = networkSpec(NODE, { networkId: 'net-unit', options: { enableIsolatedMetadata: true } });
      assert.deepEqual(drift({}, spec), [`address 169.254.169.254/32 is missing on ${DEV}`]);
    });

    it('default routes: absent, another gateway, one where none is wanted', () => {
      assert.deepEqual(drift({ route4: '' }), [`IPv4 default route in ${NS} is absent, want via 172.16.0.1`]);
      assert.deepEqual(drift({ route4: route('172.16.0.254') }), [`IPv4 default route in ${NS} is via 172.16.0.254, want via 172.16.0.1`]);
      assert.deepEqual(drift({ route6: route('fd00::1') }), [`IPv6 default route in ${NS} is via fd00::1, want none`]);
    });

    it('no gateway: no route wanted', () => {
      const spec = networkSpec(NODE, { networkId: 'net-unit', gateway: null });
      assert.deepEqual(drift({ route4: '' }, spec), []);
      assert.deepEqual(drift({}, spec), [`IPv4 default route in ${NS} is via 172.16.0.1, want none`]);
    });

    it('accept_ra other than 0; none read is no drift', () => {
      assert.deepEqual(drift({ accept_ra: '1' }), [`accept_ra on ${DEV} is 1, want 0`]);
      assert.deepEqual(drift({ accept_ra: '' }), []);
    });

    it('the IPv4 CHECKSUM rule', () => {
      assert.deepEqual(drift({ rules: 'v4 0' }), [`iptables mangle CHECKSUM rule for udp/68 is missing in ${NS}`]);
      assert.deepEqual(drift({ rules: '' }), [`iptables mangle CHECKSUM rule for udp/68 is missing in ${NS}`]);
    });
  });

  describe('a dual-stack network', () => {
    const base = networkSpec(NODE, { networkId: 'net-unit' });
    const spec: NetworkSpec = {
      ...base,
      network: {
        ...base.network,
        subnets: [
          ...base.network.subnets,
          {
            id: 'b0000000-0000-4000-8000-000000000006',
            cidr: 'fd00::/64',
            ipVersion: 6,
            gatewayIp: 'fd00::1',
            enableDhcp: true,
            dnsNameservers: [],
            hostRoutes: [],
            allocationPools: [{ start: 'fd00::2', end: 'fd00::ffff' }],
            ipv6AddressMode: 'dhcpv6-stateful',
            ipv6RaMode: null,
          },
        ],
        ports: [
          {
            ...base.network.ports[0],
            // Spelt unlike `ip` prints it: compared canonically.
            fixedIps: [
              { subnetId: SUBNET_ID, ipAddress: '172.16.0.2' },
              { subnetId: 'b0000000-0000-4000-8000-000000000006', ipAddress: 'FD00:0:0::2' },
            ],
          },
        ],
      },
    };
    const addrs = [
      { family: 'inet', local: '172.16.0.2', prefixlen: 24, scope: 'global' },
      { family: 'inet6', local: 'fd00::2', prefixlen: 64, scope: 'global' },
    ];
    const dual = { nsaddr: nsAddr({ addrs }), route6: route('fd00::1'), rules: 'v4 1\nv6 1' };

    it('converged, with addresses compared canonically', () => {
      const state = observe(dual, spec);
      assert.deepEqual(state?.addresses, ['172.16.0.2/24', 'fd00::2/64']);
      assert.deepEqual(state?.drift, []);
    });

    it('the IPv6 CHECKSUM rule and the IPv6 default route', () => {
      assert.deepEqual(drift({ ...dual, rules: 'v4 1\nv6 0', route6: '' }, spec), [
        `IPv6 default route in ${NS} is absent, want via fd00::1`,
        `ip6tables mangle CHECKSUM rule for udp/546 is missing in ${NS}`,
      ]);
    });
  });

  describe('tap device and bridge', () => {
    it('the tap device missing', () => {
      assert.deepEqual(drift({ taplink: '' }), [`device ${TAP} is missing`]);
    });

    it('attached elsewhere, to nothing, or down', () => {
      assert.deepEqual(drift({ taplink: tapLink({ master: 'brother' }) }), [`device ${TAP} is attached to brother, want brunit0`]);
      assert.deepEqual(drift({ taplink: tapLink({ master: null, flags: ['BROADCAST'] }) }), [`device ${TAP} is attached to no bridge, want brunit0`, `device ${TAP} is down`]);
    });

    it('the bridge missing', () => {
      assert.deepEqual(drift({ bridge: '0' }), ['bridge brunit0 is missing']);
    });

    it('an agent-made bridge: its uplink must be enslaved to it', () => {
      const spec: NetworkSpec = { ...SPEC, attachment: { physicalInterface: 'eth1', vlanId: 100 } };
      const ok = { taplink: tapLink({ master: 'brqnet-unit' }), uplink_master: 'brqnet-unit' };
      assert.deepEqual(drift(ok, spec), []);
      assert.deepEqual(drift({ ...ok, uplink_master: '' }, spec), ['uplink eth1.100 is not attached to bridge brqnet-unit']);
      // With the bridge gone, that is the one sentence about it.
      assert.deepEqual(drift({ ...ok, uplink_master: '', bridge: '0' }, spec), ['bridge brqnet-unit is missing']);
    });

    it("an existing bridge: the uplink is not the agent's business", () => {
      assert.deepEqual(drift({ uplink_master: 'elsewhere' }), []);
    });
  });

  describe('dnsmasq', () => {
    it('not running', () => {
      const state = observe({ dnsmasq: 'pid \nstray ' });
      assert.equal(state?.dnsmasqPid, null);
      assert.deepEqual(state?.drift, [`dnsmasq is not running (no live process named by ${DIR}/pid)`]);
    });

    it('in another namespace, with another command line', () => {
      assert.deepEqual(drift({ dnsmasq: 'pid 4242\nnetns 0\ncmdline 0\nstray ' }), [
        `dnsmasq (pid 4242) runs in a namespace that is no longer ${NS}`,
        'dnsmasq (pid 4242) runs with a command line other than the one wanted',
      ]);
    });

    it('stray dnsmasq processes in the namespace', () => {
      assert.deepEqual(drift({ dnsmasq: 'pid 4242\nnetns 1\ncmdline 1\nstray 77 78 ' }), [`other dnsmasq processes run in ${NS}: pid 77, 78`]);
      assert.deepEqual(drift({ dnsmasq: 'pid \nstray 77 ' }), [`dnsmasq is not running (no live process named by ${DIR}/pid)`, `other dnsmasq processes run in ${NS}: pid 77`]);
    });

    it('a dnsmasq alone still counts as something left on the node', () => {
      const state = observe({ dir: '0', sha: '', assembled: '', leases: '0', interface: '', ns: '0', nsaddr: '', route4: '', accept_ra: '', rules: '', taplink: '', bridge: '0' });
      assert.deepEqual(state?.drift, [
        `state directory ${DIR} is missing`,
        `namespace ${NS} is missing`,
        `device ${TAP} is missing`,
        'bridge brunit0 is missing',
      ]);
    });
  });

  describe('systemd unit (@@unit)', () => {
    const unit = (kv: Record<string, string>) => Object.entries({ Name: UNIT, ActiveState: 'active', Result: 'success', UnitFileState: 'enabled', MainPID: '4242', ...kv }).map(([k, v]) => `${k}=${v}`).join('\n');

    it('a supervised, enabled unit whose main process is dnsmasq: no drift', () => {
      assert.deepEqual(drift({ unit: unit({}) }), []);
    });

    it('the sentences, in the order a user reads them', () => {
      assert.deepEqual(drift({ unit: unit({ UnitFileState: 'disabled', MainPID: '99' }) }), [
        `systemd unit ${UNIT} is disabled, want enabled (the network would not come back after a reboot)`,
        `dnsmasq (pid 4242) runs outside its systemd unit ${UNIT} (main pid 99)`,
      ]);
    });

    it('after the other drift', () => {
      assert.deepEqual(drift({ txn: '1', unit: unit({ ActiveState: 'inactive', MainPID: '0' }) }), [
        `a batch of port changes was interrupted (${DIR}/ports/.txn); apply, or the process monitor, undoes it`,
        `systemd unit ${UNIT} is inactive, want active`,
      ]);
    });
  });
});

describe('unitDrift (network unit)', () => {
  const lines = (kv: Record<string, string>) => Object.entries(kv).map(([k, v]) => `${k}=${v}`);
  const all = { Name: UNIT, ActiveState: 'active', Result: 'success', UnitFileState: 'enabled', MainPID: '4242' };

  it('no unit named: systemd does not supervise it, nothing to say', () => {
    assert.deepEqual(unitDrift([], 4242), []);
    assert.deepEqual(unitDrift(['ActiveState=failed', 'garbage', '=x'], 4242), []);
  });

  it('not installed, or not enabled', () => {
    assert.deepEqual(unitDrift(lines({ ...all, UnitFileState: '' }), 4242), [`systemd unit ${UNIT} is not installed, want enabled (the network would not come back after a reboot)`]);
    assert.deepEqual(unitDrift(lines({ ...all, UnitFileState: 'masked' }), 4242), [`systemd unit ${UNIT} is masked, want enabled (the network would not come back after a reboot)`]);
  });

  it('failed, with its result and where to look', () => {
    assert.deepEqual(unitDrift(lines({ ...all, ActiveState: 'failed', Result: 'exit-code' }), null), [`systemd unit ${UNIT} has failed (exit-code); see journalctl -u ${UNIT}`]);
    assert.deepEqual(unitDrift(lines({ ...all, ActiveState: 'failed', Result: '' }), null), [`systemd unit ${UNIT} has failed (no result); see journalctl -u ${UNIT}`]);
  });

  it('inactive or unknown; starting, reloading are fine', () => {
    assert.deepEqual(unitDrift(lines({ ...all, ActiveState: 'inactive' }), null), [`systemd unit ${UNIT} is inactive, want active`]);
    assert.deepEqual(unitDrift(lines({ Name: UNIT, UnitFileState: 'enabled' }), null), [`systemd unit ${UNIT} is unknown, want active`]);
    assert.deepEqual(unitDrift(lines({ ...all, ActiveState: 'activating', MainPID: '0' }), 4242), []);
    assert.deepEqual(unitDrift(lines({ ...all, ActiveState: 'reloading' }), 4242), []);
  });

  it('dnsmasq outside its unit: another main pid, or none', () => {
    assert.deepEqual(unitDrift(lines({ ...all, MainPID: '99' }), 4242), [`dnsmasq (pid 4242) runs outside its systemd unit ${UNIT} (main pid 99)`]);
    assert.deepEqual(unitDrift(lines({ ...all, MainPID: '0' }), 4242), [`dnsmasq (pid 4242) runs outside its systemd unit ${UNIT} (main pid none)`]);
    // No dnsmasq at all is said once, by the dnsmasq check.
    assert.deepEqual(unitDrift(lines({ ...all, MainPID: '0' }), null), []);
  });

  it('values are trimmed, and split at the first "="', () => {
    assert.deepEqual(unitDrift([` Name = ${UNIT} `, 'ActiveState=active', 'UnitFileState=enabled', 'MainPID=4242', 'Result=a=b'], 4242), []);
  });
});
