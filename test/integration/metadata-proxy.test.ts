/**
 * neutron's isolated metadata proxy on a lab node: a real haproxy, run by the agent as a managed
 * sidecar (src/agent/sidecar.ts) in `qdhcp-<id>`, answers a lab VM at 169.254.169.254 and
 * forwards to a small metadata backend this test runs (node http on a unix socket, as neutron's
 * metadata agent listens), which sees the headers neutron's proxy adds. Then the sidecar's life:
 * drift when it dies, the monitor bringing it back, changes that restart it and nothing else,
 * DHCP uninterrupted meanwhile, and nothing left after the delete.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import type { NetworkSpec } from '../../src/agent';
import { sidecarPaths } from '../../src/agent/sidecar';
import type { SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, type Lab, type LabNode, type LabVm } from '../../src/lab';
import { processAlive, runCommand } from '../../src/lab/exec';
import { ValidationError } from '../../src/model/errors';
import { inNetns, readPid } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { probeDuring } from '../support/probe-change';
import { networkSpec, portSpec } from '../support/specs';

const LAB = 'mdp';
const NET = 'a7000000-0000-4000-8000-000000000001';
const NS = `qdhcp-${NET}`;
const MAC1 = 'fa:16:3e:70:00:01';
const MAC2 = 'fa:16:3e:70:00:02';
const IP1 = '172.16.0.10';
const IP2 = '172.16.0.11';

function haproxyMissing(): string | false {
  return existsSync('/usr/sbin/haproxy') ? false : 'needs haproxy (Debian package haproxy; scripts/install-system-deps.sh installs it)';
}
const skip = labUnavailableReason() || haproxyMissing();

interface Seen {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: readonly string[];
}

/** neutron's metadata agent, played by node http on a unix socket: answers the path, records the request. */
class Backend {
  readonly seen: Seen[] = [];
  private server: Server | undefined;
  constructor(readonly socket: string, readonly tag: string) {}
  async start(): Promise<void> {
    rmSync(this.socket, { force: true });
    this.server = createServer((req, res) => {
      this.seen.push({ url: req.url ?? '', headers: req.headers, raw: req.rawHeaders });
      res.end(`${this.tag} ${req.url}`);
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(this.socket, resolve));
    // haproxy connects as its own user (METADATA_PROXY_USER), as neutron's as neutron.
    await runCommand('chmod', ['666', this.socket]);
  }
  async stop(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
    rmSync(this.socket, { force: true });
  }
}

let lab: Lab;
let node: LabNode;
let pool: SshPool;
let host: SshHost;
let vm1: LabVm;
let vm2: LabVm;
const backends: Backend[] = [];

describe('metadata proxy (haproxy in the namespace) on a lab node', { skip }, () => {
  const base = (o: Partial<NetworkSpec> = {}): NetworkSpec => ({ ...networkSpec(node, { networkId: NET, options: { enableIsolatedMetadata: true } }), ...o });
  const withSocket = (socket: string) => base({ metadata: { backendSocket: socket } });
  const proxyPid = () => readPid(sidecarPaths(`${node.statePath}/dhcp/${NET}`, 'metadata-proxy').pid);
  const dnsmasqPid = () => readPid(`${node.statePath}/dhcp/${NET}/pid`);
  const socket = (n: number) => `${lab.dir}/metadata-${n}.sock`;
  const monitorOnce = async () => {
    const r = await host.run(`sh ${agent.monitorPaths(node.statePath).script} once`);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
    backends.push(new Backend(socket(1), 'one'), new Backend(socket(2), 'two'));
    for (const b of backends) await b.start();
  });
  after(async () => {
    for (const b of backends) await b.stop();
    await closeLabSession(LAB, pool);
  });

  it('runs haproxy in qdhcp-<id>: a VM fetches http://169.254.169.254/ and the backend sees neutron’s headers', async (t) => {
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 3600 });
    const net = withSocket(socket(1));
    const st = await agent.applyNetwork(host, net);
    assert.deepEqual(st.sidecarActions, { 'metadata-proxy': 'started' });
    assert.deepEqual(st.drift, []);
    assert.ok(st.addresses.includes('169.254.169.254/32'), `addresses: ${st.addresses.join(' ')}`);
    const pid = proxyPid()!;
    assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'haproxy');
    assert.equal(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1] !== '0', true, 'haproxy runs as its own user, not root');
    assert.match(inNetns(NS, 'ss -ltnH'), /169\.254\.169\.254:80\b/);
    await agent.applyPort(host, portSpec(net, { id: 'c7000000-0000-4000-8000-000000000001', macAddress: MAC1, ip: IP1, hostname: 'vm1' }));
    await agent.applyPort(host, portSpec(net, { id: 'c7000000-0000-4000-8000-000000000002', macAddress: MAC2, ip: IP2, hostname: 'vm2' }));

    vm1 = await lab.addVm({ node: 0, name: 'v1', mac: MAC1 });
    const lease = await vm1.dhcp({ timeoutMs: 5000 });
    assert.equal(lease.ip, IP1);
    // The route neutron's opts give an isolated subnet's clients (what cloud-init's DHCP client applies).
    assert.match(lease.staticRoutes ?? '', /169\.254\.169\.254\/32 172\.16\.0\.2/);
    inNetns(vm1.netns, 'ip route replace 169.254.169.254/32 via 172.16.0.2');

    const spoof = ['X-Neutron-Network-ID: someone-elses', 'X-Neutron-Router-ID: r-1', 'X-Forwarded-For: 10.9.9.9'];
    const r = await vm1.httpGet('http://169.254.169.254/latest/meta-data/instance-id', { headers: spoof });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'one /latest/meta-data/instance-id');
    const seen = backends[0].seen.at(-1)!;
    assert.equal(seen.headers['x-neutron-network-id'], NET, 'the network id, and only the one haproxy added');
    assert.equal(seen.raw.filter((h) => h.toLowerCase() === 'x-neutron-network-id').length, 1);
    assert.equal(seen.headers['x-neutron-router-id'], undefined, 'a client-sent router id is dropped');
    // option forwardfor appends the client's address to whatever the client claimed.
    assert.equal(String(seen.headers['x-forwarded-for']).split(',').at(-1)!.trim(), IP1);
    t.diagnostic(`backend saw X-Forwarded-For: ${String(seen.headers['x-forwarded-for'])}, X-Neutron-Network-ID: ${String(seen.headers['x-neutron-network-id'])}`);
  });

  it('an apply of the same spec leaves haproxy and dnsmasq alone', async () => {
    const [proxy, dns] = [proxyPid(), dnsmasqPid()];
    const st = await agent.applyNetwork(host, withSocket(socket(1)));
    assert.deepEqual(st.sidecarActions, { 'metadata-proxy': 'unchanged' });
    assert.equal(st.dnsmasqAction, 'unchanged');
    assert.deepEqual([proxyPid(), dnsmasqPid()], [proxy, dns]);
  });

  it('a dead haproxy is drift in Read; the process monitor brings it back', async (t) => {
    const net = withSocket(socket(1));
    const pid = proxyPid()!;
    process.kill(pid, 'SIGKILL');
    await waitGone(pid);
    const st = await agent.readNetwork(host, net);
    assert.deepEqual(st?.drift, [`metadata proxy (haproxy) is not running (no live process named by ${node.statePath}/dhcp/${NET}/sidecars/metadata-proxy.pid)`]);
    const dns = dnsmasqPid();
    const t0 = Date.now();
    await monitorOnce();
    t.diagnostic(`monitor pass that restarted haproxy: ${Date.now() - t0} ms`);
    assert.notEqual(proxyPid(), pid);
    assert.equal(dnsmasqPid(), dns, 'dnsmasq untouched');
    assert.deepEqual((await agent.readNetwork(host, net))?.drift, []);
    assert.match(readFileSync(agent.monitorPaths(node.statePath).log, 'utf8'), new RegExp(`network ${NET}: repaired: .*sidecar_metadata_proxy=started`));
    const r = await vm1.httpGet('http://169.254.169.254/openstack/latest/meta_data.json');
    assert.equal(r.stdout, 'one /openstack/latest/meta_data.json', r.stderr);
  });

  it('an edited config file is drift; a proxy that loaded it is misconfigured drift; apply restarts it with the agent’s', async () => {
    const net = withSocket(socket(1));
    const conf = sidecarPaths(`${node.statePath}/dhcp/${NET}`, 'metadata-proxy').conf;
    const pid = proxyPid()!;
    inNetns(NS, `sed -i 's/maxconn 1024/maxconn 1000/' ${conf}`);
    const fileDrift = `metadata proxy (haproxy): config file ${conf} differs from what the agent wrote`;
    assert.deepEqual((await agent.readNetwork(host, net))?.drift, [fileDrift]);
    await monitorOnce();
    assert.equal(proxyPid(), pid, 'the monitor leaves a proxy that runs the agent’s config alone');
    // Restarted by hand from the edited file: now the process itself is misconfigured.
    process.kill(pid, 'SIGKILL');
    await waitGone(pid);
    await monitorOnce();
    const misconfigured = proxyPid()!;
    assert.deepEqual((await agent.readNetwork(host, net))?.drift, [
      fileDrift,
      `metadata proxy (haproxy) (pid ${misconfigured}) runs with a configuration other than the one wanted (it loaded another ${conf})`,
    ]);
    const st = await agent.applyNetwork(host, net);
    assert.deepEqual(st.sidecarActions, { 'metadata-proxy': 'restarted' });
    assert.deepEqual(st.drift, []);
  });

  it('adding, changing and removing the proxy: DHCP goes on (0 failures) and dnsmasq keeps its pid', async (t) => {
    vm2 = await lab.addVm({ node: 0, name: 'v2', mac: MAC2 });
    await agent.applyNetwork(host, base());
    assert.equal(proxyPid(), null, 'no metadata: no proxy');
    const dns = dnsmasqPid();
    const steps: string[] = [];
    const { report } = await probeDuring(vm2, IP2, async () => {
      for (const [what, spec] of [['add', withSocket(socket(1))], ['change backend', withSocket(socket(2))], ['remove', base()], ['add again', withSocket(socket(2))]] as const) {
        const t0 = Date.now();
        const st = await agent.applyNetwork(host, spec);
        steps.push(`${what}: ${st.sidecarActions?.['metadata-proxy']} in ${Date.now() - t0} ms`);
        assert.equal(st.dnsmasqAction, 'unchanged', what);
        assert.deepEqual(st.drift, [], what);
      }
    });
    t.diagnostic(`${steps.join('; ')}; DHCP exchanges meanwhile: ${report.attempts}, failures ${report.failures}, longest gap ${report.longestGapMs} ms`);
    assert.deepEqual(steps.map((s) => s.split(' in ')[0]), ['add: started', 'change backend: restarted', 'remove: removed', 'add again: started']);
    assert.equal(report.failures, 0);
    assert.equal(dnsmasqPid(), dns);
    const r = await vm1.httpGet('http://169.254.169.254/latest/user-data');
    assert.equal(r.stdout, 'two /latest/user-data', 'the new backend answers');
  });

  it('refuses a bad backend, naming the field, the value and what is allowed; nothing on the node changes', async () => {
    const pid = proxyPid();
    await assert.rejects(
      agent.applyNetwork(host, base({ metadata: { backendUrl: 'http://10.0.0.5:8775\n    server evil 1.2.3.4:80' } })),
      (err: unknown) => err instanceof ValidationError && /metadata\.backendUrl/.test(err.message) && /http:\/\/<host>:<port>/.test(err.message),
    );
    await assert.rejects(agent.applyNetwork(host, { ...networkSpec(node, { networkId: NET }), metadata: { backendSocket: socket(1) } }), (err: unknown) =>
      err instanceof ValidationError && /enableIsolatedMetadata or forceMetadata/.test(err.message),
    );
    await agent.applyNetwork(host, withSocket(socket(2)));
    assert.equal(proxyPid(), pid);
  });

  it('a backend URL: the metadata service on the network itself (here a third VM at 172.16.0.20:8775)', async (t) => {
    const vm3 = await lab.addVm({ node: 0, name: 'v3', mac: 'fa:16:3e:70:00:03' });
    inNetns(vm3.netns, 'ip addr add 172.16.0.20/24 dev eth0');
    // node http in the VM's namespace, printing each request's headers as a JSON line.
    const code = "require('http').createServer((q,s)=>{console.log(JSON.stringify(q.headers));s.end('url '+q.url)}).listen(8775,'172.16.0.20',()=>console.log('ready'))";
    const server = spawn('nsenter', [`--net=/run/netns/${vm3.netns}`, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: server.stdout });
    const heard: Record<string, string>[] = [];
    let ready = (): void => undefined;
    const listening = new Promise<void>((resolve) => (ready = resolve));
    lines.on('line', (l) => (l === 'ready' ? ready() : heard.push(JSON.parse(l) as Record<string, string>)));
    try {
      await listening;
      const st = await agent.applyNetwork(host, base({ metadata: { backendUrl: 'http://172.16.0.20:8775' } }));
      assert.deepEqual(st.sidecarActions, { 'metadata-proxy': 'restarted' });
      const r = await vm1.httpGet('http://169.254.169.254/latest/meta-data/local-ipv4');
      assert.equal(r.stdout, 'url /latest/meta-data/local-ipv4', r.stderr);
      const h = heard.at(-1)!;
      assert.equal(h['x-forwarded-for'], IP1);
      assert.equal(h['x-neutron-network-id'], NET);
      t.diagnostic(`service at 172.16.0.20:8775 saw X-Forwarded-For: ${h['x-forwarded-for']}, X-Neutron-Network-ID: ${h['x-neutron-network-id']}`);
    } finally {
      server.kill('SIGTERM');
      await vm3.remove();
    }
  });

  it('IPv6 (item 4): with an IPv6 subnet, fe80::a9fe:a9fe/64 on the device and haproxy on [fe80::a9fe:a9fe]:80 of that link', async (t) => {
    const v6 = withV6(withSocket(socket(2)));
    const st = await agent.applyNetwork(host, v6);
    assert.deepEqual(st.drift, []);
    assert.ok(st.addresses.includes('fe80::a9fe:a9fe/64'), st.addresses.join(' '));
    const dev = st.interfaceName;
    assert.match(inNetns(NS, 'ss -ltnH'), new RegExp(`\\[fe80::a9fe:a9fe\\]%${dev}:80\\b`));
    // The VM's own link-local address must be past duplicate address detection first.
    for (let i = 0; i < 50 && /tentative/.test(inNetns(vm1.netns, 'ip -6 addr show dev eth0')); i++) await new Promise((r) => setTimeout(r, 100));
    const r = await runCommand('nsenter', [`--net=/run/netns/${vm1.netns}`, 'curl', '-sS', '-g', '--max-time', '5', '-H', 'X-Neutron-Network-ID: spoofed', 'http://[fe80::a9fe:a9fe%25eth0]/latest/meta-data/instance-id']);
    assert.equal(r.stdout, 'two /latest/meta-data/instance-id', r.stderr);
    const seen = backends[1].seen.at(-1)!;
    const vmLinkLocal = inNetns(vm1.netns, 'ip -6 -o addr show dev eth0 scope link').split(/\s+/)[3].split('/')[0];
    assert.equal(seen.headers['x-forwarded-for'], vmLinkLocal);
    assert.equal(seen.headers['x-neutron-network-id'], NET);
    t.diagnostic(`over IPv6 the backend saw X-Forwarded-For: ${String(seen.headers['x-forwarded-for'])}`);

    // Without metadata the link-local metadata address goes with the proxy.
    const off = await agent.applyNetwork(host, withV6(base()));
    assert.deepEqual(off.sidecarActions, { 'metadata-proxy': 'removed' });
    assert.ok(!off.addresses.includes('fe80::a9fe:a9fe/64'));
    assert.doesNotMatch(inNetns(NS, 'ip -6 addr show'), /fe80::a9fe:a9fe/);
    assert.deepEqual(off.drift, []);
    assert.deepEqual((await agent.applyNetwork(host, v6)).sidecarActions, { 'metadata-proxy': 'started' });
  });

  it('the delete leaves no haproxy, no namespace and no metadata address', async () => {
    const pid = proxyPid()!;
    await agent.deleteNetwork(host, withV6(withSocket(socket(2))));
    await waitGone(pid);
    assert.ok(!existsSync(`/run/netns/${NS}`));
    const left = await runCommand('pgrep', ['-f', `${node.statePath}/dhcp/${NET}/`]);
    assert.equal(left.stdout.trim(), '', 'no process started from the network directory');
    assert.ok(!existsSync(`${node.statePath}/dhcp/${NET}`));
  });
});

/** `spec` with a DHCPv6 subnet next to its IPv4 one. */
function withV6(spec: NetworkSpec): NetworkSpec {
  const v4 = spec.network.subnets[0];
  const v6 = { ...v4, id: 'b0000000-0000-4000-8000-000000000006', cidr: 'fd00:70::/64', ipVersion: 6 as const, gatewayIp: null, allocationPools: [], ipv6AddressMode: 'dhcpv6-stateful' as const };
  const [dhcp] = spec.network.ports;
  const port = { ...dhcp, fixedIps: [...dhcp.fixedIps, { subnetId: v6.id, ipAddress: 'fd00:70::2' }] };
  return { ...spec, network: { ...spec.network, subnets: [v4, v6], ports: [port] } };
}

/** Waits until `pid` has exited (a zombie not yet reaped by this machine's init counts as exited). */
async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 50 && (await processAlive(pid)); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(!(await processAlive(pid)), `pid ${pid} still runs`);
}
