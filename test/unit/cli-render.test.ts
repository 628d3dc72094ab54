/**
 * `dhcp-agent render` run for real, as a child process (`node --import tsx src/cli/main.ts`):
 * exit codes, stdout/stderr separation, the JSON it prints (equal to calling the renderers
 * directly), options, and the messages for refused input.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { networkPaths, renderAddnHosts, renderArgv, renderHostFile, renderLeases, renderOpts } from '../../src/dnsmasq/index';
import { agentOptionsFromJson } from '../../src/model/agent-options';
import { nsDeviceName } from '../../src/model/naming';
import { networkFromNeutronJson } from '../../src/model/neutron-json';
import { DEVICE_OWNER_DHCP } from '../../src/model/types';

const REPO = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cli-render-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let files = 0;
/** A JSON file (or raw text) in the test's temporary directory. */
function file(content: unknown, raw = false): string {
  const path = join(dir, `input-${++files}.json`);
  writeFileSync(path, raw ? String(content) : JSON.stringify(content, null, 2));
  return path;
}

const NET = '8165bc3d-400a-48a0-9186-bf59f7f94b05';
const SUB4 = 'b7e3a9c2-1d4f-4e8a-9b6c-0f2e3d4c5b61';
const SUB6 = 'c8f4b0d3-2e5a-4f9b-8c7d-1a3f4e5d6c72';
const DHCP = 'f1c7e3a6-5b8d-4c2e-9f0a-4d6c7b8a9f05';
const VM1 = 'd9a5c1e4-3f6b-4a0c-9d8e-2b4a5f6e7d83';
const PXE = 'e0b6d2f5-4a7c-4b1d-8e9f-3c5b6a7f8e94';

/** Dual-stack (IPv4 + DHCPv6-stateful), a DHCP port, a VM with a DNS name and a PXE client. */
const network = {
  id: NET,
  name: 'private',
  mtu: 1450,
  subnets: [
    {
      id: SUB4,
      cidr: '10.0.0.0/24',
      ip_version: 4,
      gateway_ip: '10.0.0.1',
      enable_dhcp: true,
      dns_nameservers: ['8.8.8.8'],
      host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }],
      allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
      ipv6_address_mode: null,
      ipv6_ra_mode: null,
    },
    { id: SUB6, cidr: 'fd00:1::/64', ip_version: 6, gateway_ip: 'fd00:1::1', enable_dhcp: true, ipv6_address_mode: 'dhcpv6-stateful', ipv6_ra_mode: 'dhcpv6-stateful' },
  ],
  ports: [
    { id: DHCP, mac_address: 'fa:16:3e:00:00:02', device_owner: 'network:dhcp', fixed_ips: [{ subnet_id: SUB4, ip_address: '10.0.0.2' }, { subnet_id: SUB6, ip_address: 'fd00:1::2' }] },
    {
      id: VM1,
      mac_address: 'fa:16:3e:65:29:6d',
      device_owner: 'compute:nova',
      fixed_ips: [{ subnet_id: SUB4, ip_address: '10.0.0.10' }, { subnet_id: SUB6, ip_address: 'fd00:1::10' }],
      dns_assignment: [
        { hostname: 'vm1', ip_address: '10.0.0.10', fqdn: 'vm1.example.org.' },
        { hostname: 'vm1', ip_address: 'fd00:1::10', fqdn: 'vm1.example.org.' },
      ],
    },
    {
      id: PXE,
      mac_address: 'fa:16:3e:7a:00:01',
      device_owner: 'baremetal:none',
      fixed_ips: [{ subnet_id: SUB4, ip_address: '10.0.0.20' }],
      extra_dhcp_opts: [
        { opt_name: 'tftp-server', opt_value: '10.0.0.5', ip_version: 4 },
        { opt_name: 'tag:!ipxe,bootfile-name', opt_value: 'undionly.kpxe', ip_version: 4 },
        { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://10.0.0.5/boot.ipxe', ip_version: 4 },
      ],
    },
  ],
};

/** What the CLI must print: the renderers called directly on the same input. */
function expected(networkJson: unknown, optionsJson: unknown = {}, dhcpPortId?: string) {
  const net = networkFromNeutronJson(networkJson);
  const opt = agentOptionsFromJson(optionsJson);
  assert.deepEqual([...net.issues, ...opt.issues], []);
  const ctx = { network: net.value!, options: opt.options, selfDhcpPortId: dhcpPortId ?? net.value!.ports.find((p) => p.deviceOwner === DEVICE_OWNER_DHCP)?.id };
  const iface = opt.options.interfaceName ?? (ctx.selfDhcpPortId ? nsDeviceName(ctx.selfDhcpPortId) : 'ns-dhcp');
  return {
    host: renderHostFile(ctx),
    addn_hosts: renderAddnHosts(ctx),
    opts: renderOpts(ctx),
    // Initial leases carry timestamp 0 (neutron ≥ 28): the same whenever the CLI runs.
    leases: renderLeases(ctx, 0),
    argv: renderArgv(ctx, networkPaths(opt.options.statePath, ctx.network.id), iface),
  };
}

/** Exit code 0, nothing on stderr, one JSON object with exactly the five keys. */
function printed(run: Run): Record<string, unknown> {
  assert.equal(run.stderr, '', 'nothing on stderr');
  assert.equal(run.code, 0);
  const out = JSON.parse(run.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(out), ['host', 'addn_hosts', 'opts', 'leases', 'argv']);
  return out;
}

/** Exit code 2, nothing on stdout, and stderr holding every given fragment. */
function refused(run: Run, ...fragments: string[]): void {
  assert.equal(run.code, 2, `exit code 2; stderr: ${run.stderr}`);
  assert.equal(run.stdout, '', 'nothing on stdout');
  for (const f of fragments) assert.ok(run.stderr.includes(f), `stderr names ${JSON.stringify(f)}; got:\n${run.stderr}`);
}

describe('dhcp-agent render', { concurrency: 4 }, () => {
  it('prints the five files of a neutron-JSON network, equal to the renderers called directly', async () => {
    const out = printed(await cli('render', file(network)));
    assert.deepEqual(out, expected(network));
    // A few lines spelled out, so the comparison is not only with itself.
    const host = out.host.split('\n');
    assert.ok(host.includes(`fa:16:3e:65:29:6d,vm1.example.org.,10.0.0.10`));
    assert.ok(host.includes(`fa:16:3e:65:29:6d,tag:dhcpv6,vm1.example.org.,[fd00:1::10]`));
    assert.ok(host.includes(`fa:16:3e:7a:00:01,host-10-0-0-20.openstacklocal,10.0.0.20,set:port-${PXE}`));
    assert.ok(out.addn_hosts.includes('fd00:1::10\tvm1.example.org. vm1\n'));
    assert.ok(out.opts.split('\n').includes(`tag:port-${PXE},tag:ipxe,option:bootfile-name,http://10.0.0.5/boot.ipxe`));
    assert.ok(out.opts.split('\n').includes(`tag:subnet-${SUB4},option:router,10.0.0.1`));
    assert.ok(!out.opts.endsWith('\n'), 'opts has no trailing newline, as neutron writes it');
    assert.equal(out.leases, '0 fa:16:3e:65:29:6d 10.0.0.10 * *\n0 fa:16:3e:7a:00:01 10.0.0.20 * *\n');
    const argv = out.argv;
    assert.equal(argv[0], 'dnsmasq');
    assert.ok(argv.includes(`--dhcp-range=set:subnet-${SUB4},10.0.0.0,static,255.255.255.0,86400s`));
    assert.ok(argv.includes(`--dhcp-range=set:subnet-${SUB6},fd00:1::,static,64,86400s`));
    assert.ok(argv.includes('--dhcp-option-force=option:mtu,1450'));
    assert.ok(argv.includes(`--dhcp-hostsfile=/var/lib/dhcp-agent/dhcp/${NET}/host`));
  });

  it("takes ports as `openstack port list -f json` prints them (Title Case rows)", async () => {
    const rows = [
      { ID: DHCP, Name: '', 'MAC Address': 'fa:16:3e:00:00:02', 'Fixed IP Addresses': [{ subnet_id: SUB4, ip_address: '10.0.0.2' }], Status: 'ACTIVE', 'Device Owner': 'network:dhcp' },
      { ID: VM1, Name: 'vm1', 'MAC Address': 'fa:16:3e:65:29:6d', 'Fixed IP Addresses': [{ subnet_id: SUB4, ip_address: '10.0.0.10' }], Status: 'ACTIVE' },
      // python-openstackclient < 4.0 printed the list as text.
      { ID: PXE, Name: '', 'MAC Address': 'fa:16:3e:7a:00:01', 'Fixed IP Addresses': `ip_address='10.0.0.20', subnet_id='${SUB4}'`, Status: 'DOWN' },
    ];
    const listed = { ...network, subnets: [network.subnets[0]], ports: rows };
    const out = printed(await cli('render', file(listed)));
    assert.deepEqual(out, expected(listed));
    assert.equal(
      out.host,
      'fa:16:3e:65:29:6d,host-10-0-0-10.openstacklocal,10.0.0.10\nfa:16:3e:7a:00:01,host-10-0-0-20.openstacklocal,10.0.0.20\n',
      'the DHCP port gets no host entry; the others get neutron default names',
    );
  });

  it('applies an options file written with dhcp_agent.ini names', async () => {
    const options = {
      dns_domain: 'example.org',
      dhcp_lease_duration: -1,
      dnsmasq_dns_servers: ['9.9.9.9'],
      enable_isolated_metadata: true,
      state_path: '/srv/dhcp',
    };
    const out = printed(await cli('render', file(network), '--options', file(options)));
    assert.deepEqual(out, expected(network, options));
    const argv = out.argv;
    assert.ok(argv.includes(`--dhcp-range=set:subnet-${SUB4},10.0.0.0,static,255.255.255.0,infinite`), 'lease -1 is "infinite"');
    assert.ok(argv.includes('--domain=example.org'));
    assert.ok(argv.includes('--server=9.9.9.9'));
    assert.ok(argv.includes(`--pid-file=/srv/dhcp/dhcp/${NET}/pid`));
    assert.ok(out.host.includes('fa:16:3e:7a:00:01,host-10-0-0-20.example.org,10.0.0.20,'), 'dns_domain in the default fqdn');
    assert.ok(out.opts.includes(`tag:subnet-${SUB6},option6:domain-search,example.org`));
  });

  it('uses --dhcp-port for the isolated-metadata route', async () => {
    const second = { id: 'dhcp-2', mac_address: 'fa:16:3e:00:00:03', device_owner: 'network:dhcp', fixed_ips: [{ subnet_id: SUB4, ip_address: '10.0.0.3' }] };
    const twoDhcp = { ...network, ports: [...network.ports, second] };
    const options = { enable_isolated_metadata: true };
    const out = printed(await cli('render', file(twoDhcp), '--options', file(options), '--dhcp-port', 'dhcp-2'));
    assert.deepEqual(out, expected(twoDhcp, options, 'dhcp-2'));
    assert.ok(out.opts.includes('169.254.169.254/32,10.0.0.3'));
    refused(await cli('render', file(twoDhcp), '--dhcp-port', 'no-such-port'), '--dhcp-port', '"no-such-port"', "the id of one of the network's ports");
  });

  it('refuses a hostname with a newline: exit 2, the snake_case path, the value and the rule', async () => {
    const bad = structuredClone(network);
    bad.ports[1].dns_assignment![0].hostname = 'vm1\nfa:16:3e:66:66:66,evil,10.0.0.66';
    const run = await cli('render', file(bad));
    refused(run, 'ports[1].dns_assignment[0].hostname', JSON.stringify('vm1\nfa:16:3e:66:66:66,evil,10.0.0.66'), 'one DNS label');
    assert.ok(!run.stderr.includes('dnsAssignment'), 'paths use the JSON names');
  });

  it('refuses an address outside its subnet', async () => {
    const bad = structuredClone(network);
    bad.ports[1].fixed_ips[0].ip_address = '10.9.9.9';
    refused(await cli('render', file(bad)), 'ports[1].fixed_ips[0].ip_address', '"10.9.9.9"', 'an address inside 10.0.0.0/24');
  });

  it('refuses a MAC address used by two ports (in any case)', async () => {
    const bad = structuredClone(network);
    bad.ports[2].mac_address = 'FA:16:3E:65:29:6D';
    refused(await cli('render', file(bad)), 'ports[2].mac_address', '"FA:16:3E:65:29:6D"', `not used by another port of the network (port ${VM1} has it)`);
  });

  it('refuses unknown option keys, naming the known ones', async () => {
    const run = await cli('render', file(network), '--options', file({ dhcp_lease_time: 600, dnsDomain: 'example.org' }));
    refused(run, 'dhcp_lease_time: got 600', 'one of the known options dns_domain, dhcp_lease_duration', 'did you mean "dns_domain"?');
  });

  it('reports the problems of both files at once', async () => {
    const bad = structuredClone(network);
    bad.ports[1].fixed_ips[0].ip_address = '10.9.9.9';
    const run = await cli('render', file(bad), '--options', file({ dhcp_lease_duration: 60 }));
    refused(run, 'dhcp_lease_duration: got 60', 'from 120', 'ports[1].fixed_ips[0].ip_address');
  });

  it('refuses a file that is not JSON, and a missing file', async () => {
    const notJson = file('{"id": ', true);
    refused(await cli('render', notJson), notJson, 'is not valid JSON');
    const missing = join(dir, 'missing.json');
    refused(await cli('render', missing), `cannot read ${missing}`);
    refused(await cli('render', file(network), '--options', missing), `options: cannot read ${missing}`);
  });

  it('refuses a wrong number of arguments and unknown flags', async () => {
    refused(await cli('render'), 'expected one <network.json> argument, got 0');
    refused(await cli('render', file(network), '--frobnicate'), "Unknown option '--frobnicate'");
  });

  it('documents both JSON shapes in --help', async () => {
    for (const args of [['render', '--help'], ['help', 'render']]) {
      const run = await cli(...args);
      assert.equal(run.code, 0);
      assert.equal(run.stderr, '');
      for (const word of ['network.json', 'options.json', 'fixed_ips', 'extra_dhcp_opts', 'dns_assignment', 'MAC Address', 'dhcp_lease_duration', 'dns_domain', 'exit code 2']) {
        assert.ok(run.stdout.includes(word), `${args.join(' ')} mentions ${word}`);
      }
    }
    const top = await cli('--help');
    assert.equal(top.code, 0);
    assert.ok(top.stdout.includes('render <network.json> [--options <options.json>]'));
  });

  it('refuses an unknown command with exit code 2', async () => {
    const run = await cli('frobnicate');
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.ok(run.stderr.includes('unknown command "frobnicate"'));
  });
});
