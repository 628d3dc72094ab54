/**
 * The built-in metadata service (issue 13 items 2–3) to real clients: lab VMs fetch
 * http://169.254.169.254 with busybox wget, each gets its own instance id and user-data, an
 * address that is no port's gets 404, a change of one port's metadata leaves dnsmasq and the
 * server running (same pids) while another VM's fetches never fail, and cloud-init's own
 * datasource code (Debian package cloud-init) reads the tree from a VM namespace.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import type { NetworkSpec, PortSpec } from '../../src/agent';
import { METADATA_SERVER_GROUP, metadataDir } from '../../src/agent/port-metadata';
import type { SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, type Lab, type LabNode, type LabVm } from '../../src/lab';
import { killPids } from '../../src/lab/exec';
import type { PortMetadata } from '../../src/model/types';
import { inNetns, pidAlive, readPid, waitFor } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec, portSpec } from '../support/specs';

const LAB = 'mdb';
const NET = 'a1b00000-0000-4000-8000-000000000001';
const P1 = 'a1b00000-0000-4000-8000-0000000000a1';
const P2 = 'a1b00000-0000-4000-8000-0000000000a2';
const MAC1 = 'fa:16:3e:ab:00:01';
const MAC2 = 'fa:16:3e:ab:00:02';
const MAC_OTHER = 'fa:16:3e:ab:00:99';
const DHCP_IP = '172.16.0.2';
const VM1_IP = '172.16.0.10';
const VM2_IP = '172.16.0.11';
/** In the subnet, but no port's. */
const OTHER_IP = '172.16.0.99';
const MD = 'http://169.254.169.254';
const KEY1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqZ1pXlY0m7oGz9mYQ3sVq2b5r8m9cFhWZ3v2Rk0x1A vm1@lab';
const UD1 = '#cloud-config\nhostname: vm1\n# secret: vm1-token-4711\n';
const UD2 = '#!/bin/sh\necho vm2-token-0815\n';
const NETWORK_DATA = JSON.stringify({ links: [{ id: 'eth0', type: 'phy', ethernet_mac_address: MAC1 }], networks: [{ id: 'net0', link: 'eth0', type: 'ipv4_dhcp' }], services: [] });

const nginxMissing = existsSync('/usr/sbin/nginx') ? undefined : 'nginx is not installed (Debian package nginx-light; scripts/install-system-deps.sh)';
const skip = labUnavailableReason() ?? nginxMissing;

interface Fetch {
  readonly code: number;
  readonly out: string;
}

/** `GET <MD><path>` from a VM (busybox wget): exit status 0 and the body, or the error text. */
async function wget(vm: LabVm, path: string): Promise<Fetch> {
  const r = await vm.httpGet(`${MD}${path}`);
  return { code: r.code, out: r.code === 0 ? r.stdout : r.stderr };
}

/** What the python script below prints: what cloud-init's helpers returned. */
interface CloudInitRead {
  readonly os_uuid: string;
  readonly os_hostname: string;
  readonly os_keys: unknown;
  readonly os_userdata: string;
  readonly os_network: unknown;
  readonly ec2: Record<string, unknown>;
  readonly ec2_userdata: string;
}

describe('built-in metadata at 169.254.169.254 to lab VMs', { skip }, () => {
  let lab: Lab;
  let node: LabNode;
  let pool: SshPool;
  let host: SshHost;
  let vm1: LabVm;
  let vm2: LabVm;
  let other: LabVm;

  const net = (): NetworkSpec => ({ ...networkSpec(node, { networkId: NET, dhcpIp: DHCP_IP, options: { enableIsolatedMetadata: true } }), metadata: { builtin: true } });
  const port = (id: string, macAddress: string, ip: string, hostname: string, metadata?: PortMetadata): PortSpec => ({ ...portSpec(net(), { id, macAddress, ip, hostname }), ...(metadata ? { metadata } : {}) });
  const MD1: PortMetadata = { instanceId: 'i-vm1', userData: UD1, publicKeys: [KEY1], networkConfig: NETWORK_DATA };
  const port1 = (md: Partial<PortMetadata> = {}) => port(P1, MAC1, VM1_IP, 'vm1', { ...MD1, ...md });
  const port2 = () => port(P2, MAC2, VM2_IP, 'vm2', { userData: UD2 });
  const serverPidFile = () => `${node.statePath}/dhcp/${NET}/sidecars/metadata-server.pid`;
  const dnsmasqPid = () => readPid(`${node.statePath}/dhcp/${NET}/pid`);

  async function vmOnNetwork(name: string, mac: string): Promise<LabVm> {
    const vm = await lab.addVm({ node: 0, name, mac });
    const lease = await vm.dhcp({ timeoutMs: 5000 });
    // The agent's opts route the metadata address through the DHCP port (enableIsolatedMetadata); udhcpc's hook sets no routes.
    assert.match(lease.staticRoutes ?? '', /169\.254\.169\.254\/32 172\.16\.0\.2/);
    inNetns(vm.netns, `ip route replace 169.254.169.254/32 via ${DHCP_IP}`);
    return vm;
  }

  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 60 });
    await agent.applyNetwork(host, net());
    await agent.applyPort(host, port1());
    await agent.applyPort(host, port2());
    vm1 = await vmOnNetwork('vm1', MAC1);
    vm2 = await vmOnNetwork('vm2', MAC2);
    // A client with an address of the subnet that no port holds (set by hand, not by DHCP).
    other = await lab.addVm({ node: 0, name: 'other', mac: MAC_OTHER });
    inNetns(other.netns, `ip addr add ${OTHER_IP}/24 dev eth0 && ip route replace 169.254.169.254/32 via ${DHCP_IP}`);
  });
  after(async () => {
    await closeLabSession(LAB, pool);
  });

  it('each VM gets its own instance id, user-data, keys and OpenStack metadata', async (t) => {
    const t0 = performance.now();
    const id1 = await wget(vm1, '/latest/meta-data/instance-id');
    t.diagnostic(`first fetch of instance-id from vm1: ${(performance.now() - t0).toFixed(1)} ms (nsenter + busybox wget)`);
    assert.deepEqual(id1, { code: 0, out: 'i-vm1' });
    assert.deepEqual(await wget(vm1, '/latest/user-data'), { code: 0, out: UD1 });
    assert.deepEqual(await wget(vm1, '/latest/meta-data/public-keys/0/openssh-key'), { code: 0, out: KEY1 });
    assert.deepEqual(await wget(vm1, '/latest/meta-data/local-ipv4'), { code: 0, out: VM1_IP });
    assert.deepEqual(await wget(vm1, '/openstack/latest/network_data.json'), { code: 0, out: NETWORK_DATA });
    const os1 = JSON.parse((await wget(vm1, '/openstack/latest/meta_data.json')).out) as { uuid: string; hostname: string };
    assert.equal(os1.uuid, 'i-vm1');
    assert.equal(os1.hostname, 'vm1');
    // VM2: the instance id defaults to the port id; its user-data is its own.
    assert.deepEqual(await wget(vm2, '/latest/meta-data/instance-id'), { code: 0, out: P2 });
    assert.deepEqual(await wget(vm2, '/openstack/latest/user_data'), { code: 0, out: UD2 });
    assert.equal((await wget(vm2, '/openstack/latest/network_data.json')).code, 1, 'no network config given for vm2');
  });

  it('an address that is no port\'s gets 404, for every path', async () => {
    for (const path of ['/', '/latest/meta-data/instance-id', '/latest/user-data', '/openstack/latest/meta_data.json']) {
      const f = await wget(other, path);
      assert.equal(f.code, 1, `${path}: ${f.out}`);
      assert.match(f.out, /404 Not Found/, path);
    }
  });

  it('the files on the node are readable by root and the server\'s group only', () => {
    const dir = metadataDir(node.statePath, NET);
    const out = execFileSync('find', [dir, '-mindepth', '1', '!', '-type', 'l', '-printf', '%m %u %g %p\n'], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(out.length > 10, out.join('\n'));
    for (const line of out) {
      const [mode, user, group] = line.split(' ');
      assert.equal(user, 'root', line);
      assert.equal(group, METADATA_SERVER_GROUP, line);
      assert.match(mode, /^(750|640)$/, line);
    }
    assert.equal(statSync(dir).mode & 0o007, 0);
  });

  it('changing vm1\'s metadata: dnsmasq and the server keep their pids, vm2\'s fetches never fail', async (t) => {
    const dnsmasqBefore = dnsmasqPid();
    const serverBefore = readPid(serverPidFile());
    assert.ok(dnsmasqBefore && serverBefore);
    // vm2 fetches its instance id in a loop (busybox wget, one after another) while vm1's metadata changes.
    const loop = spawn('nsenter', [`--net=/run/netns/${vm2.netns}`, 'sh', '-c',
      `n=0; bad=0; while [ ! -e /tmp/mdb-stop ]; do n=$((n+1)); [ "$(busybox wget -q -O - ${MD}/latest/meta-data/instance-id)" = ${P2} ] || bad=$((bad+1)); done; echo "$n $bad"`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let loopOut = '';
    loop.stdout.setEncoding('utf8').on('data', (s: string) => (loopOut += s));
    const done = new Promise<void>((resolve) => loop.on('exit', () => resolve()));
    try {
      const changes = 5;
      const t0 = performance.now();
      const applyMs: number[] = [];
      for (let i = 0; i < changes; i++) {
        const a0 = performance.now();
        const st = await agent.applyPort(host, port1({ instanceId: `i-vm1-v${i}`, userData: `${UD1}# v${i}\n` }));
        applyMs.push(performance.now() - a0);
        t.diagnostic(`change ${i}: applyPort ${applyMs[i].toFixed(0)} ms (script on the node ${st.nodeMs ?? '?'} ms), dnsmasq ${st.dnsmasqAction}`);
        assert.deepEqual(await wget(vm1, '/latest/meta-data/instance-id'), { code: 0, out: `i-vm1-v${i}` });
      }
      t.diagnostic(`${changes} changes of vm1's metadata: ${((performance.now() - t0) / changes).toFixed(0)} ms per change with vm1's fetch; applyPort median ${[...applyMs].sort((a, b) => a - b)[2].toFixed(0)} ms`);
    } finally {
      writeFileSync('/tmp/mdb-stop', '');
      await done;
      execFileSync('rm', ['-f', '/tmp/mdb-stop']);
    }
    const [fetches, failures] = loopOut.trim().split(' ').map(Number);
    t.diagnostic(`vm2 fetched ${fetches} times during the changes, ${failures} failed`);
    assert.ok(fetches > 0, loopOut);
    assert.equal(failures, 0);
    assert.equal(dnsmasqPid(), dnsmasqBefore, 'dnsmasq was not restarted');
    assert.equal(readPid(serverPidFile()), serverBefore, 'the metadata server was not restarted');
    assert.deepEqual(await wget(vm1, '/latest/user-data'), { code: 0, out: `${UD1}# v4\n` });
  });

  it('Read names a changed or opened file; apply repairs it', async () => {
    const spec = port1({ instanceId: 'i-vm1-v4', userData: `${UD1}# v4\n` });
    assert.deepEqual((await agent.readPort(host, spec))?.drift, []);
    const tree = readlinkTree();
    writeFileSync(`${tree}/latest/meta-data/instance-id`, 'i-forged');
    chmodSync(`${tree}/latest/user-data`, 0o644);
    const drift = (await agent.readPort(host, spec))!.drift;
    assert.ok(drift.includes('metadata file latest/meta-data/instance-id differs from the spec'), drift.join('\n'));
    assert.ok(drift.some((d) => /1 of the port's metadata files can be read by users other than root/.test(d)), drift.join('\n'));
    assert.ok(!drift.join('\n').includes('vm1-token'), 'no user-data in drift');
    // Apply checks the tree it would write (same content, same directory) and replaces a damaged one.
    await agent.applyPort(host, spec);
    assert.deepEqual((await agent.readPort(host, spec))?.drift, []);
    assert.deepEqual(await wget(vm1, '/latest/meta-data/instance-id'), { code: 0, out: 'i-vm1-v4' });
  });

  it('the network is converged with nginx running (its title is its command line); a dead nginx is drift, the monitor brings it back', async (t) => {
    assert.deepEqual((await agent.readNetwork(host, net()))?.drift, []);
    const pid = readPid(serverPidFile())!;
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual((await agent.readNetwork(host, net()))?.drift, [`metadata server (nginx) is not running (no live process named by ${serverPidFile()})`]);
    const dns = dnsmasqPid();
    const t0 = performance.now();
    const r = await host.run(`sh ${agent.monitorPaths(node.statePath).script} once`);
    assert.equal(r.code, 0, r.stderr);
    t.diagnostic(`monitor pass that restarted nginx: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.notEqual(readPid(serverPidFile()), pid);
    assert.equal(dnsmasqPid(), dns, 'dnsmasq untouched');
    assert.deepEqual((await agent.readNetwork(host, net()))?.drift, []);
    assert.deepEqual(await wget(vm2, '/latest/meta-data/instance-id'), { code: 0, out: P2 });
  });

  it('a node whose Debian nginx serves its default site on :80: that site and the agent\'s server both answer, neither is touched', async () => {
    // The package's own site file, as nginx.service loads it on a real host (nginx-light starts it there); here in the node's namespace.
    const conf = `${lab.dir}/debian-nginx.conf`;
    const tmp = `${lab.dir}/debian-nginx-tmp`;
    writeFileSync(conf, [
      'daemon off;', `pid ${lab.dir}/debian-nginx.pid;`, `error_log ${lab.dir}/debian-nginx.log;`, 'events {}',
      'http {', '  access_log off;', ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${tmp};`),
      '  include /etc/nginx/sites-available/default;', '}', ''].join('\n'));
    const debian = spawn('nsenter', [`--net=/run/netns/${node.netns}`, 'nginx', '-c', conf], { stdio: 'ignore' });
    try {
      const welcome = () => inNetns(node.netns, 'busybox wget -q -O - http://127.0.0.1/ || true');
      await waitFor('the default site on the node\'s :80', () => /Welcome to nginx/.test(welcome()), 10_000);
      const server = readPid(serverPidFile());
      assert.deepEqual((await agent.applyNetwork(host, net())).sidecarActions, { 'metadata-server': 'unchanged' });
      const r = await host.run(`sh ${agent.monitorPaths(node.statePath).script} once`);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual((await agent.readNetwork(host, net()))?.drift, []);
      assert.equal(readPid(serverPidFile()), server, 'the agent\'s server kept its pid');
      assert.deepEqual(await wget(vm1, '/latest/meta-data/instance-id'), { code: 0, out: 'i-vm1-v4' });
      assert.ok(pidAlive(debian.pid), 'the node\'s own nginx still runs');
      assert.match(welcome(), /Welcome to nginx/);
    } finally {
      await killPids([debian.pid!], 5000);
    }
  });

  it('cloud-init\'s own datasource code reads the tree from vm1', (t) => {
    const script = [
      'import json',
      'from cloudinit.sources.helpers import openstack, ec2',
      `r = openstack.MetadataReader("${MD}", retries=0, timeout=5)`,
      'os = r.read_v2()',
      `md = ec2.get_instance_metadata("2009-04-04", "${MD}", retries=0, timeout=5)`,
      `ud = ec2.get_instance_userdata("2009-04-04", "${MD}", retries=0, timeout=5)`,
      'print(json.dumps({"os_uuid": os["metadata"]["instance-id"], "os_hostname": os["metadata"].get("local-hostname"), "os_keys": os["metadata"].get("public_keys"), "os_userdata": os["userdata"].decode(), "os_network": os.get("networkdata"), "ec2": md, "ec2_userdata": ud.decode()}))',
    ].join('\n');
    if (!existsSync('/usr/lib/python3/dist-packages/cloudinit/sources/helpers/openstack.py')) {
      t.skip('cloud-init is not installed (Debian package cloud-init)');
      return;
    }
    const out = execFileSync('nsenter', [`--net=/run/netns/${vm1.netns}`, '/usr/bin/python3', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    const got = JSON.parse(out) as CloudInitRead;
    t.diagnostic(`cloud-init read: ${JSON.stringify({ ...got, os_userdata: `(${got.os_userdata.length} chars)`, ec2_userdata: `(${got.ec2_userdata.length} chars)` })}`);
    assert.equal(got.os_uuid, 'i-vm1-v4');
    assert.equal(got.os_hostname, 'vm1');
    assert.deepEqual(got.os_keys, { 'key-0': KEY1 });
    assert.equal(got.os_userdata, `${UD1}# v4\n`);
    assert.equal(got.ec2['instance-id'], 'i-vm1-v4');
    assert.equal(got.ec2['local-ipv4'], VM1_IP);
    assert.deepEqual(got.ec2['public-keys'], { 'key-0': KEY1 });
    assert.equal(got.ec2_userdata, `${UD1}# v4\n`);
  });

  it('removing vm1\'s port: vm1 gets 404, vm2 still its own, the server keeps its pid', async () => {
    const serverBefore = readPid(serverPidFile());
    await agent.deletePort(host, port1());
    assert.match((await wget(vm1, '/latest/meta-data/instance-id')).out, /404 Not Found/);
    assert.deepEqual(await wget(vm2, '/latest/meta-data/instance-id'), { code: 0, out: P2 });
    assert.equal(readPid(serverPidFile()), serverBefore);
    assert.equal(execFileSync('sh', ['-c', `ls ${metadataDir(node.statePath, NET)}/trees | grep -c ${P1} || true`], { encoding: 'utf8' }).trim(), '0');
  });

  /** The directory vm1's address is linked to. */
  function readlinkTree(): string {
    return execFileSync('readlink', ['-f', `${metadataDir(node.statePath, NET)}/by-ip/${VM1_IP}`], { encoding: 'utf8' }).trim();
  }
});
