/**
 * The systemd lab node: a container booted by systemd-nspawn on a disk of its own, in the
 * node's network namespace. It boots to `running`, takes the lab's logins over SSH, lets an
 * agent do its work in namespaces it makes (veth, CHECKSUM rule, /proc/sys/net, dnsmasq
 * serving a VM on the lab bridge), survives a reboot with its disk but nothing else, and
 * `labDown` leaves nothing of it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SshPool } from '../../src/host';
import { join } from 'node:path';
import { Lab, LabError, defaultLabDir, ensureRootImage, labDown, labStatus, labUp, loadLab, systemdNodeUnavailableReason } from '../../src/lab';

const LAB = 'sysd';
const skip = systemdNodeUnavailableReason();

const repoRoot = join(__dirname, '..', '..');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8' });
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Host pids of every process in the pid namespace of `pid`. */
function pidNamespaceMembers(pid: number): number[] {
  const ns = readlinkSync(`/proc/${pid}/ns/pid`);
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readlinkSync(`/proc/${e}/ns/pid`) === ns;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether any process is in network namespace `netNs` (`net:[inode]`) or has it mounted. */
function netnsReachable(netNs: string): boolean {
  for (const e of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (readlinkSync(`/proc/${e}/ns/net`) === netNs) return true;
      const inode = /\[(\d+)\]/.exec(netNs)?.[1];
      if (readFileSync(`/proc/${e}/mountinfo`, 'utf8').split('\n').some((l) => / - nsfs /.test(l) && l.split(' ')[3] === `net:[${inode}]`)) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

function mountsBelow(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

describe('systemd lab node', { skip }, () => {
  let lab: Lab;
  const pool = new SshPool();

  after(async () => {
    await pool.closeAll();
    await labDown(LAB);
  });

  before(async () => {
    await labDown(LAB);
  });

  it('builds the root image once and finds it cached afterwards', async (t) => {
    // Two callers at once (as two labs coming up together): one build at most.
    const [a, b] = await Promise.all([ensureRootImage(), ensureRootImage()]);
    assert.equal(a.root, b.root);
    assert.ok(!(a.built && b.built), 'built twice');
    const cached = await ensureRootImage();
    assert.equal(cached.built, false);
    assert.ok(existsSync(`${cached.root}/usr/bin/systemctl`));
    assert.deepEqual(readdirSync(`${cached.root}/etc/ssh`).filter((f) => f.startsWith('ssh_host_')), [], 'no host key in the image');
    const first = a.built ? a : b.built ? b : undefined;
    t.diagnostic(`root image ${cached.name}: ${first ? `built in ${first.ms} ms` : 'was cached'}; cached lookup ${cached.ms} ms`);
  });

  it('comes up as two containers running systemd with 0 failed units, reachable over SSH', async (t) => {
    const t0 = Date.now();
    lab = await labUp({ name: LAB, nodes: 2, init: 'systemd' });
    const upMs = Date.now() - t0;
    assert.equal(lab.init, 'systemd');
    const [n0, n1] = lab.nodes;
    assert.notEqual(n0.hostKeySha256, n1.hostKeySha256);
    for (const n of lab.nodes) {
      assert.equal(n.init, 'systemd');
      assert.equal(n.statePath, '/var/lib/dhcp-agent');
      assert.equal(n.bridge, `br-${LAB}`);
      assert.ok(n.rootDir && existsSync(`${n.rootDir}/etc/os-release`));
      const state = await lab.inNode(n, 'systemctl is-system-running; systemctl list-units --failed --plain --no-legend | wc -l');
      assert.deepEqual(state.stdout.trim().split('\n'), ['running', '0'], state.stderr);
      // sshd is the container's own ssh.service, in the container's pid namespace
      assert.equal((await lab.inNode(n, 'systemctl is-active ssh.service')).stdout.trim(), 'active');
      const pids = await lab.containerPids(n);
      assert.ok(pids && pidNamespaceMembers(pids.init).includes(n.sshdPid), 'sshd runs inside the container');
      // no cron: the agent's systemd path is what runs; the container's PATH
      const env = await lab.inNode(n, 'command -v crontab || echo no-cron; [ -d /run/systemd/system ] && echo systemd; echo "$PATH"; hostname');
      assert.deepEqual(env.stdout.trim().split('\n'), ['no-cron', 'systemd', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', n.netns]);
    }
    assert.notEqual(
      (await lab.inNode(0, 'cat /etc/machine-id')).stdout,
      (await lab.inNode(1, 'cat /etc/machine-id')).stdout,
      'each node has its own machine id',
    );

    // The lab's logins: uid 0 with the pinned host key, sudo without password, known_hosts.
    const root = pool.get(lab.sshHostConfig(0));
    const who = await root.run('id -u; ip -br addr show dev br-' + LAB);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /^0\n/);
    const sudo = pool.get(lab.sshHostConfig(0, { user: n0.sudoUser, become: 'sudo', trust: 'known-hosts' }));
    assert.equal((await sudo.run('id -u')).stdout.trim(), '0');
    const plainUser = pool.get(lab.sshHostConfig(1, { user: n1.sudoUser }));
    assert.equal((await plainUser.run('id -un; sudo -n id -u')).stdout.trim(), 'dalab\n0');

    const status = await labStatus(LAB);
    assert.deepEqual(status.nodes.map((n) => [n.name, n.container?.state, n.sshdRunning]), [['n0', 'running', true], ['n1', 'running', true]]);
    // What another process sees (the CLI, a test helper).
    assert.equal((await loadLab(LAB)).node(1).init, 'systemd');
    t.diagnostic(`systemd lab up (2 nodes, image cached): ${upMs} ms`);
  });

  it('lets the agent make a namespace over SSH with a veth, the CHECKSUM rule and writable /proc/sys/net, and serve a VM on the bridge', async () => {
    const h = pool.get(lab.sshHostConfig(0));
    const ns = 'qdhcp-sytest';
    const made = await h.run(
      [
        'set -e',
        `ip netns add ${ns}`,
        `ip link add tapsytest type veth peer name ns-sytest netns ${ns}`,
        `ip link set tapsytest master br-${LAB} up`,
        `ip netns exec ${ns} ip link set lo up`,
        `ip netns exec ${ns} ip link set ns-sytest up`,
        `ip netns exec ${ns} ip addr add 198.51.100.1/24 dev ns-sytest`,
        `ip netns exec ${ns} iptables -w -t mangle -A POSTROUTING -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill`,
        `ip netns exec ${ns} iptables -w -t mangle -S POSTROUTING | grep -c CHECKSUM`,
        `ip netns exec ${ns} sh -c 'echo 0 > /proc/sys/net/ipv6/conf/ns-sytest/accept_ra && cat /proc/sys/net/ipv6/conf/ns-sytest/accept_ra'`,
        'mkdir -p /run/sytest',
        `ip netns exec ${ns} dnsmasq --conf-file=/dev/null --no-hosts --no-resolv --port=0 --interface=ns-sytest --bind-interfaces --dhcp-range=198.51.100.10,198.51.100.50,255.255.255.0,600 --dhcp-leasefile=/run/sytest/leases --pid-file=/run/sytest/pid`,
      ].join('\n'),
    );
    assert.equal(made.code, 0, made.stderr);
    assert.deepEqual(made.stdout.trim().split('\n'), ['1', '0']);
    // The node's namespaces are its own, as on a separate machine.
    assert.ok(!ip('netns', 'list').includes(ns), 'a namespace made in the container is not visible on this machine');
    assert.match(ip('-n', lab.node(0).netns, '-br', 'link', 'show', 'tapsytest'), /tapsytest/);

    const vm = await lab.addVm({ node: 0, name: 'vm1', mac: '02:00:5e:00:53:11' });
    const lease = await vm.dhcp();
    assert.match(lease.ip, /^198\.51\.100\.(1\d|[2-4]\d|50)$/);
    assert.equal(lease.serverId, '198.51.100.1');
    assert.match((await h.run('cat /run/sytest/leases')).stdout, /02:00:5e:00:53:11/);
  });

  it('reboots: every process and namespace made inside is gone, the disk stays, the other node is untouched', async (t) => {
    const h = pool.get(lab.sshHostConfig(0));
    const w = await h.run('mkdir -p /var/lib/dhcp-agent && echo kept > /var/lib/dhcp-agent/marker && setsid ip netns exec qdhcp-sytest sleep 600 </dev/null >/dev/null 2>&1 & echo started');
    assert.equal(w.code, 0, w.stderr);
    const before0 = await lab.containerPids(0);
    const before1 = await lab.containerPids(1);
    assert.ok(before0 && before1);
    const members = pidNamespaceMembers(before0.init);
    const dnsmasqNetNs = (await lab.inNode(0, 'ip netns exec qdhcp-sytest readlink /proc/self/ns/net')).stdout.trim();
    assert.match(dnsmasqNetNs, /^net:\[\d+\]$/);
    assert.ok(netnsReachable(dnsmasqNetNs));
    assert.ok(members.length > 5, `container processes: ${members.length}`);

    const report = await lab.reboot(0);
    assert.equal(report.state, 'running');
    assert.deepEqual(report.failedUnits, []);
    assert.deepEqual(members.filter(alive), [], 'no process of the old boot is left');
    assert.equal(netnsReachable(dnsmasqNetNs), false, 'the namespace made inside is gone');
    assert.equal(ip('-n', lab.node(0).netns, '-br', 'link', 'show').includes('tapsytest'), false, 'its veth is gone');
    const after0 = await lab.containerPids(0);
    assert.ok(after0 && after0.nspawn !== before0.nspawn);
    assert.deepEqual(await lab.containerPids(1), before1, 'node 1 kept running');

    // Same disk, same address and host key; nothing of the old boot's runtime state.
    const fresh = new SshPool();
    try {
      const h2 = fresh.get(lab.sshHostConfig(0));
      const r = await h2.run('cat /var/lib/dhcp-agent/marker; ip netns list | wc -l; ls /run/sytest 2>/dev/null | wc -l; pgrep -c dnsmasq || true');
      assert.deepEqual(r.stdout.trim().split('\n'), ['kept', '0', '0', '0']);
    } finally {
      await fresh.closeAll();
    }
    assert.equal((await loadLab(LAB)).node(0).nspawnPid, after0.nspawn, 'lab.json names the new nspawn');
    t.diagnostic(`reboot: power off ${report.powerOffMs} ms, boot to running + sshd ${report.bootMs} ms, total ${report.totalMs} ms`);
  });

  it('powers a node off and on', async () => {
    await lab.powerOff(1, { link: 'down' });
    assert.equal(await lab.containerPids(1), undefined);
    assert.match(ip('-n', lab.node(1).netns, '-br', 'link', 'show', `${LAB}-p1`), /DOWN/);
    await assert.rejects(lab.inNode(1, 'true'), (e: unknown) => e instanceof LabError && /powered off/.test(e.message));
    assert.equal((await labStatus(LAB)).nodes[1].container?.state, 'off');
    const on = await lab.powerOn(1);
    assert.equal(on.state, 'running');
    assert.doesNotMatch(ip('-n', lab.node(1).netns, '-br', 'link', 'show', `${LAB}-p1`), /DOWN/);
    assert.equal((await lab.inNode(1, 'systemctl is-system-running')).stdout.trim(), 'running');
    await assert.rejects(lab.powerOn(1), /already running/);
  });

  it('reboots and shows the containers from the CLI', async () => {
    const before1 = await lab.containerPids(1);
    const reboot = cli('lab', 'reboot', '--name', LAB, '--node', 'n1');
    assert.equal(reboot.status, 0, reboot.stderr);
    assert.equal((JSON.parse(reboot.stdout) as { state: string }).state, 'running');
    assert.notDeepEqual(await lab.containerPids(1), before1);
    const status = cli('lab', 'status', '--name', LAB);
    assert.equal(status.status, 0, status.stderr);
    assert.deepEqual(
      (JSON.parse(status.stdout) as { nodes: { name: string; init: string; container: { state: string } }[] }).nodes.map((n) => [n.name, n.init, n.container.state]),
      [['n0', 'systemd', 'running'], ['n1', 'systemd', 'running']],
    );
  });

  it('refuses a bad init; a plain node has no container', async () => {
    await assert.rejects(labUp({ name: 'syx', init: 'upstart' as 'plain' }), /lab init: got "upstart"; 'plain' or 'systemd' is allowed/);
    const bad = cli('lab', 'up', '--name', 'syx', '--init', 'upstart');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--init "upstart"; plain or systemd is allowed/);
    assert.equal(existsSync(defaultLabDir('syx')), false, 'nothing was created');
    const plain = new Lab({ version: 1, name: 'syx', dir: defaultLabDir('syx'), state: 'up', createdAt: '', nodes: [{ ...lab.node(0), init: 'plain' }] });
    await assert.rejects(plain.containerPids(0), /only a systemd node has a container/);
  });

  it('goes down leaving nothing, also when the lab lost its records', async () => {
    const dir = defaultLabDir(LAB);
    const pids = (await Promise.all([0, 1].map((i) => lab.containerPids(i)))).flatMap((p) => (p ? [p.nspawn, ...pidNamespaceMembers(p.init)] : []));
    assert.ok(pids.length > 10);
    // An interrupted run: no lab.json, no pid files.
    execFileSync('sh', ['-c', `rm -f ${dir}/lab.json ${dir}/n*/nspawn.pid`]);
    await labDown(LAB);
    assert.deepEqual(pids.filter(alive), [], 'no process left');
    assert.deepEqual(ip('netns', 'list').split('\n').filter((l) => l.startsWith(`${LAB}-`)), []);
    assert.deepEqual(ip('-o', 'link', 'show').split('\n').filter((l) => new RegExp(`^\\d+: ${LAB}-`).test(l)), []);
    assert.deepEqual(mountsBelow(dir), []);
    assert.equal(existsSync(dir), false);
    for (const h of ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']) {
      assert.deepEqual(existsSync(`${h}/dhcp-agent-lab`) ? readdirSync(`${h}/dhcp-agent-lab`).filter((e) => e.startsWith(`${LAB}-`)) : [], [], `no cgroup left in ${h}`);
    }
    assert.ok((await ensureRootImage()).built === false, 'the image stays cached');
  });
});
