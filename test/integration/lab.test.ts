/**
 * The lab itself: nodes come up reachable and go away without a trace; a VM gets a real DHCP
 * lease from a dnsmasq running in a node.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { SshPool } from '../../src/host';
import { LabError, defaultLabDir, labDown, labStatus, labUnavailableReason, labUp, loadLab, type Lab } from '../../src/lab';
import { ipJson } from '../support/ip-json';

const skip = labUnavailableReason();

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

function netnsWithPrefix(prefix: string): string[] {
  return ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(prefix));
}

function rootDevicesWithPrefix(prefix: string): string[] {
  return ip('-o', 'link', 'show')
    .split('\n')
    .map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter((d) => d.startsWith(prefix));
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

/** Asserts nothing of lab `name` is left: namespaces, root devices, processes, directory. */
function assertGone(name: string, pids: number[]): void {
  assert.deepEqual(netnsWithPrefix(`${name}-`), [], 'no namespace left');
  assert.deepEqual(rootDevicesWithPrefix(`${name}-`), [], 'no root-namespace device left');
  assert.deepEqual(pids.filter(alive), [], 'no process left');
  assert.equal(existsSync(defaultLabDir(name)), false, 'no state directory left');
}

describe('lab', { skip }, () => {
  const labs: string[] = [];
  after(async () => {
    for (const name of labs) await labDown(name);
  });

  it('comes up with reachable nodes and goes down leaving nothing', async (t) => {
    const name = 'tlabud';
    labs.push(name);
    // Leftovers of an "interrupted earlier run": labUp removes them first.
    await labDown(name);
    ip('netns', 'add', `${name}-n5`);
    ip('link', 'add', `${name}-h5`, 'type', 'veth', 'peer', 'name', `${name}-x5`);

    let t0 = Date.now();
    const lab = await labUp({ name, nodes: 2 });
    const upMs = Date.now() - t0;
    assert.deepEqual(netnsWithPrefix(`${name}-`).sort(), [`${name}-n0`, `${name}-n1`]);
    assert.deepEqual(rootDevicesWithPrefix(`${name}-`).sort(), [`${name}-h0`, `${name}-h1`]);
    assert.match(lab.subnet ?? '', /^198\.1[89]\.\d+\.0\/24$/);

    const [n0, n1] = lab.nodes;
    assert.notEqual(n0.address, n1.address);
    assert.notEqual(n0.statePath, n1.statePath);
    assert.notEqual(n0.hostKeySha256, n1.hostKeySha256);
    assert.equal(n0.bridge, `br-${name}`);
    for (const n of lab.nodes) {
      assert.ok(alive(n.sshdPid));
      // the bridge lives in the node, is up and has no address
      const br = ipJson(ip('-n', n.netns, '-j', 'addr', 'show', 'dev', n.bridge))[0];
      assert.ok(br.flags.includes('UP'));
      assert.deepEqual(br.addr_info.filter((a: { family: string }) => a.family === 'inet'), []);
      // only the link's own route: no default route, no forwarding
      assert.equal(ip('-n', n.netns, 'route', 'show').trim().split('\n').length, 1);
      assert.equal(execFileSync('nsenter', [`--net=/run/netns/${n.netns}`, 'cat', '/proc/sys/net/ipv4/ip_forward'], { encoding: 'utf8' }).trim(), '0');
      // the sshd was started in the node's network namespace only, sharing our mount namespace
      assert.equal(execFileSync('readlink', [`/proc/${n.sshdPid}/ns/mnt`], { encoding: 'utf8' }), execFileSync('readlink', ['/proc/self/ns/mnt'], { encoding: 'utf8' }));
    }

    // Another process finds the lab through lab.json.
    const script = `require('./src/lab').loadLab(${JSON.stringify(name)}).then(l => console.log(JSON.stringify(l.nodes.map(n => n.address))))`;
    const fromOther = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', cwd: `${__dirname}/../..` });
    assert.deepEqual(JSON.parse(fromOther), [n0.address, n1.address]);
    assert.equal((await labStatus(name)).state, 'up');

    // Each node answers over SSH in its own namespace; an agent namespace made over SSH is
    // visible from here (sshd shares our mount namespace) and is removed by labDown.
    const pool = new SshPool();
    const agentNs = `qdhcp-${name}`;
    const pids: number[] = lab.nodes.map((n) => n.sshdPid);
    try {
      for (const n of lab.nodes) {
        const h = pool.get(lab.sshHostConfig(n.index));
        assert.match((await h.run('ip -br addr')).stdout, new RegExp(`${name}-p${n.index}`));
      }
      const h0 = pool.get(lab.sshHostConfig(0));
      const made = await h0.run(
        [
          `ip netns add ${agentNs}`,
          `ip link add tap${name} type veth peer name ns-${name} netns ${agentNs}`,
          `ip link set tap${name} master br-${name} up`,
          `setsid nsenter --net=/run/netns/${agentNs} sleep 600 </dev/null >/dev/null 2>&1 &`,
          'echo $!',
        ].join('\n'),
      );
      assert.equal(made.code, 0, made.stderr);
      assert.ok(netnsWithPrefix(agentNs).length === 1, 'namespace made over SSH is visible here');
      await new Promise((r) => setTimeout(r, 200));
      pids.push(...ip('netns', 'pids', agentNs).split('\n').map(Number).filter((p) => p > 0));
      pids.push(...lab.nodes.flatMap((n) => ip('netns', 'pids', n.netns).split('\n').map(Number).filter((p) => p > 0)));
    } finally {
      await pool.closeAll();
    }
    assert.ok(pids.length > 2);

    t0 = Date.now();
    await labDown(name);
    const downMs = Date.now() - t0;
    assertGone(name, pids);
    assert.deepEqual(netnsWithPrefix(agentNs), [], 'namespace wired to a node removed');
    assert.equal((await labStatus(name)).state, 'absent');
    await assert.rejects(loadLab(name), LabError);
    // idempotent
    await labDown(name);
    t.diagnostic(`labUp (2 nodes) ${upMs} ms, labDown ${downMs} ms`);
  });

  it('gives parallel labs their own blocks', async () => {
    const names = ['tlabp1', 'tlabp2', 'tlabp3'];
    labs.push(...names);
    const made = await Promise.all(names.map((name) => labUp({ name })));
    const subnets = made.map((l) => l.subnet);
    assert.equal(new Set(subnets).size, 3, subnets.join(' '));
    await Promise.all(names.map((n) => labDown(n)));
    for (const n of names) assertGone(n, made.find((l) => l.name === n)!.nodes.map((x) => x.sshdPid));
  });

  it('refuses bad names', async () => {
    await assert.rejects(labUp({ name: 'Bad-Name' }), /lab name: got "Bad-Name"; 1 to 8 characters of a-z and 0-9/);
    await assert.rejects(labUp({ name: 'toolongname' }), /lab name/);
    await assert.rejects(labUp({ name: 'ok', nodes: 0 }), /lab nodes/);
  });

  describe('VMs', () => {
    const name = 'tlabvm';
    let lab: Lab;
    let dnsmasqPid: number | undefined;

    after(async () => {
      if (dnsmasqPid && alive(dnsmasqPid)) process.kill(dnsmasqPid, 'SIGTERM');
      await labDown(name);
    });

    /** Starts dnsmasq by hand in the node (the agent does this for real), returns its pid. */
    async function startDnsmasq(macA: string): Promise<number> {
      const node = lab.node(0);
      ip('-n', node.netns, 'addr', 'add', '198.51.100.1/24', 'dev', node.bridge);
      const dir = `${lab.dir}/dnsmasq`;
      execFileSync('mkdir', ['-p', '-m', '0755', dir]);
      const child = spawn(
        'nsenter',
        [
          `--net=/run/netns/${node.netns}`,
          'dnsmasq',
          '--conf-file=/dev/null',
          '--no-hosts',
          '--no-resolv',
          '--port=0',
          `--interface=${node.bridge}`,
          '--bind-interfaces',
          '--dhcp-authoritative',
          '--dhcp-range=198.51.100.10,198.51.100.50,255.255.255.0,600',
          `--dhcp-host=${macA},198.51.100.20,vm-a`,
          '--dhcp-option=option:router,198.51.100.1',
          '--dhcp-option=option:dns-server,198.51.100.53,198.51.100.54',
          '--dhcp-option-force=option:mtu,1400',
          '--domain=lab.test',
          `--dhcp-leasefile=${dir}/leases`,
          `--pid-file=${dir}/pid`,
          `--log-facility=${dir}/log`,
          '--log-dhcp',
        ],
        { stdio: 'ignore' },
      );
      const code = await new Promise((r) => child.once('exit', r));
      assert.equal(code, 0, 'dnsmasq started');
      return Number(readFileSync(`${dir}/pid`, 'utf8').trim());
    }

    it('a VM on the node bridge gets a lease with the options served', async (t) => {
      lab = await labUp({ name });
      const macA = '02:00:5e:00:53:0a';
      const a = await lab.addVm({ node: 0, name: 'vm-a', mac: macA });
      const b = await lab.addVm({ node: lab.node(0), name: 'vm-b', mac: '02:00:5E:00:53:0B' });
      assert.equal(a.netns, `${name}-v0`);
      assert.equal(b.netns, `${name}-v1`);
      assert.equal(b.mac, '02:00:5e:00:53:0b');
      const eth0 = ipJson(ip('-n', a.netns, '-j', 'link', 'show', 'dev', 'eth0'))[0];
      assert.equal(eth0.address, macA);
      assert.equal(ipJson(ip('-n', lab.node(0).netns, '-j', 'link', 'show', 'dev', `${name}-t0`))[0].master, lab.node(0).bridge);

      dnsmasqPid = await startDnsmasq(macA);
      const t0 = Date.now();
      const lease = await a.dhcp({ timeoutMs: 10_000 });
      t.diagnostic(`DHCP lease in ${Date.now() - t0} ms`);
      assert.equal(lease.ip, '198.51.100.20');
      assert.equal(lease.prefixLength, 24);
      assert.equal(lease.router, '198.51.100.1');
      assert.deepEqual(lease.dns, ['198.51.100.53', '198.51.100.54']);
      assert.equal(lease.domain, 'lab.test');
      assert.equal(lease.hostname, 'vm-a');
      assert.equal(lease.mtu, 1400);
      assert.equal(lease.leaseSeconds, 600);
      assert.equal(lease.serverId, '198.51.100.1');
      assert.equal(lease.raw.interface, 'eth0');
      // the client configured the address
      assert.match(ip('-n', a.netns, '-br', 'addr', 'show', 'dev', 'eth0'), /198\.51\.100\.20\/24/);

      // a VM without a reservation gets one from the range
      const leaseB = await b.dhcp({ timeoutMs: 10_000 });
      const last = Number(leaseB.ip.split('.')[3]);
      assert.ok(leaseB.ip.startsWith('198.51.100.') && last >= 10 && last <= 50, leaseB.ip);
      assert.equal(leaseB.hostname, undefined);

      await b.remove();
      assert.deepEqual(netnsWithPrefix(`${name}-v1`), []);
    });

    it('reports a clear error when no lease comes', async () => {
      assert.ok(dnsmasqPid);
      process.kill(dnsmasqPid, 'SIGTERM');
      const deadline = Date.now() + 3000;
      while (alive(dnsmasqPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const c = await lab.addVm({ name: 'vm-c', mac: '02:00:5e:00:53:0c' });
      const started = Date.now();
      await assert.rejects(c.dhcp({ timeoutMs: 2000 }), (err: Error) => {
        assert.ok(err instanceof LabError);
        assert.match(err.message, new RegExp(`^VM vm-c \\(${name}-v\\d+, 02:00:5e:00:53:0c\\): no DHCP lease within 2000 ms`));
        return true;
      });
      assert.ok(Date.now() - started < 6000);
      assert.throws(() => lab.node(3), /no node 3; nodes are n0/);
      await assert.rejects(lab.addVm({ name: 'x', mac: '01:00:5e:00:00:01' }), /unicast MAC/);
    });
  });
});
