/**
 * examples/multi-agent end to end with the real cdktf CLI: two isolated lab nodes (each with a
 * private /run/netns, as two hosts) serve one network on their `eth1` (VLAN 120 where the
 * kernel has 802.1Q, else untagged); a VM on the lab switch gets its address and both DHCP
 * servers as DNS servers, keeps getting it with node 1's DHCP service down, `cdktf diff` shows
 * that drift on node 1 only, `cdktf deploy` repairs it and `cdktf destroy` leaves both nodes
 * clean. The example runs from a copy in a temp dir, so nothing is written into the repo.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DhcpProber, formatReport, labDown, labUnavailableReason, labUp, systemdNodeUnavailableReason, vlanUnavailableReason, type DhcpLease, type Lab } from '../../src/lab';
import { processesWithTmpfs } from '../../src/lab/mountns';
import { isolatedNetnsTmpfsPattern } from '../../src/lab/naming';
import { waitFor } from '../support/host-probe';
import { providerBundle, repoRoot, terraformUnavailableReason } from '../support/terraform';

const CDKTF = join(repoRoot, 'node_modules', '.bin', 'cdktf');
const TSX = join(repoRoot, 'node_modules', '.bin', 'tsx');
const EXAMPLE = join(repoRoot, 'examples', 'multi-agent');
const NET = '5d3b6f2a-9c41-4e8b-a0d7-3f6e2c1b9a84';
const NS = `qdhcp-${NET}`;
const BRQ = `brq${NET.slice(0, 11)}`;
const VM1 = { mac: 'fa:16:3e:20:00:0a', ip: '172.16.20.10', hostname: 'vm1' };

const skip =
  labUnavailableReason() ??
  terraformUnavailableReason() ??
  (existsSync(CDKTF) && existsSync(TSX) ? undefined : `cdktf-cli or tsx is not installed in ${repoRoot}/node_modules (npm install)`);
const noVlan = vlanUnavailableReason();

interface CliResult {
  readonly code: number | null;
  readonly out: string;
  readonly ms: number;
}

/** Lays the example into a temp dir: its own tsconfig and cdktf.json pointing back at the repo. */
function copyExample(work: string): string {
  const dir = join(work, 'examples', 'multi-agent');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(EXAMPLE, 'main.ts'), join(dir, 'main.ts'));
  copyFileSync(join(repoRoot, 'examples', 'lab-node.ts'), join(work, 'examples', 'lab-node.ts'));
  // The example imports cdktf and constructs: resolved through this link, to the repo's copies.
  symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'), 'dir');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(repoRoot, 'tsconfig.json'),
      compilerOptions: { paths: { 'cdktf-dhcp-agent': [join(repoRoot, 'index.ts')] } },
      include: ['*.ts', '../lab-node.ts'],
    }),
  );
  // tsx by path rather than `npx tsx`: npx must never go looking on the network.
  const cdktfJson = JSON.parse(readFileSync(join(EXAMPLE, 'cdktf.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ ...cdktfJson, app: `${TSX} main.ts` }, null, 2));
  writeFileSync(join(work, 'terraformrc'), '');
  return dir;
}

function scenario(title: string, opts: { lab: string; vlanId: number | undefined; skip: string | undefined; init?: 'systemd' }): void {
  describe(title, { skip: opts.skip }, () => {
    let lab: Lab;
    let work: string;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let deployed = false;
    const uplink = opts.vlanId === undefined ? 'eth1' : `eth1.${opts.vlanId}`;

    function cdktf(...args: string[]): Promise<CliResult> {
      const t0 = performance.now();
      return new Promise((resolve, reject) => {
        const child = spawn(CDKTF, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
        child.once('error', reject);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out, ms: performance.now() - t0 });
        });
      });
    }
    async function mustCdktf(...args: string[]): Promise<CliResult> {
      const r = await cdktf(...args);
      assert.equal(r.code, 0, `cdktf ${args.join(' ')} exited ${r.code}:\n${r.out}`);
      return r;
    }
    async function inNode(node: number, command: string): Promise<string> {
      const r = await lab.inNode(node, command);
      assert.equal(r.code, 0, `in node n${node}: ${command}\n${r.stderr}`);
      return r.stdout;
    }
    /** The DHCP servers' addresses, from the stack's outputs, in the order of the agents. */
    function dhcpAddresses(): string[] {
      const state = JSON.parse(readFileSync(join(dir, 'terraform.multi-agent.tfstate'), 'utf8')) as { outputs: { dhcp_addresses: { value: string[][] } } };
      return state.outputs.dhcp_addresses.value.map((a) => a[0].split('/')[0]);
    }
    const statePath = (node: number): string => lab.node(node).statePath;
    /** Whether the node's dnsmasq for the network runs (asked inside the node: a systemd node has its own pids). */
    async function dnsmasqRuns(node: number): Promise<boolean> {
      return (await lab.inNode(node, `kill -0 "$(cat ${statePath(node)}/dhcp/${NET}/pid)"`)).code === 0;
    }
    let vmCount = 0;
    /** A VM on the switch (tagged when the network is) runs its DHCP client once and goes away. */
    async function lease(mac: string, { tagged = true, timeoutMs = 8000 } = {}): Promise<DhcpLease> {
      const vm = await lab.addVm({ onSwitch: true, name: `vm${++vmCount}`, mac, ...(tagged && opts.vlanId !== undefined ? { vlanId: opts.vlanId } : {}) });
      try {
        return await vm.dhcp({ timeoutMs });
      } finally {
        // Gone before the next VM with the same MAC joins the switch.
        await vm.remove();
      }
    }

    before(async () => {
      lab = await labUp({ name: opts.lab, nodes: 2, switch: true, ...(opts.init ? { init: opts.init } : { isolatedNetns: true }) });
      work = mkdtempSync(join(tmpdir(), 'dhcpagent-multi-'));
      dir = copyExample(work);
      const { DHCP_AGENT_LAB_DIR: _dir, ...rest } = process.env;
      env = {
        ...rest,
        DHCP_AGENT_LAB: opts.lab,
        MULTI_AGENT_VLAN_ID: opts.vlanId === undefined ? 'none' : String(opts.vlanId),
        TF_CLI_CONFIG_FILE: join(work, 'terraformrc'),
        CHECKPOINT_DISABLE: '1',
        DISABLE_VERSION_CHECK: '1',
        CI: '1',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        // The copy lives outside the package, where the provider launcher would not find it.
        DHCP_AGENT_PROVIDER_JS: providerBundle(),
      };
    });
    after(async () => {
      if (deployed && dir) await cdktf('destroy', '--auto-approve').catch(() => undefined);
      await labDown(opts.lab);
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('deploys: each node serves the network in its own qdhcp namespace, bridged to its uplink', async (t) => {
      const r = await mustCdktf('deploy', '--auto-approve');
      deployed = true;
      t.diagnostic(`cdktf deploy of 2 nodes + 2 networks + 4 ports: ${r.ms.toFixed(0)} ms`);
      assert.match(r.out, /Apply complete! Resources: 8 added, 0 changed, 0 destroyed/);
      for (const n of [0, 1]) {
        assert.match(await inNode(n, 'ip netns list'), new RegExp(`^${NS}`, 'm'));
        const links = JSON.parse(await inNode(n, 'ip -d -j link show')) as Array<{ ifname: string; master?: string; linkinfo?: { info_kind?: string; info_data?: { id?: number } } }>;
        const brq = links.find((l) => l.ifname === BRQ);
        assert.equal(brq?.linkinfo?.info_kind, 'bridge', `n${n}: ${BRQ} is a bridge`);
        const up = links.find((l) => l.ifname === uplink);
        assert.equal(up?.master, BRQ, `n${n}: ${uplink} is enslaved to ${BRQ}`);
        if (opts.vlanId !== undefined) assert.equal(up?.linkinfo?.info_data?.id, opts.vlanId, `n${n}: ${uplink} is VLAN ${opts.vlanId}`);
        assert.ok(await dnsmasqRuns(n), `n${n}: dnsmasq runs`);
      }
      assert.ok(!existsSync(`/run/netns/${NS}`), 'the namespaces are the nodes’ own, not this machine’s');
    });

    it('gives a VM its port’s address and both DHCP servers as DNS servers', async () => {
      const servers = dhcpAddresses();
      assert.equal(new Set(servers).size, 2, `two DHCP servers: ${servers.join(' ')}`);
      const l = await lease(VM1.mac);
      assert.equal(l.ip, VM1.ip);
      assert.equal(l.hostname, VM1.hostname);
      assert.equal(l.router, '172.16.20.1');
      assert.deepEqual([...(l.dns ?? [])].sort(), [...servers].sort());
      assert.ok(servers.includes(l.serverId ?? ''), `served by one of the agents: ${l.serverId}`);
      if (opts.vlanId !== undefined) {
        await assert.rejects(lease(VM1.mac, { tagged: false, timeoutMs: 2000 }), /no DHCP lease/, 'untagged frames reach no agent');
      }
    });

    it('keeps serving from node 2 while node 1’s DHCP service is down', async () => {
      // The README's recipe: node 1's whole DHCP service goes down, monitor included.
      await inNode(0, `sh ${statePath(0)}/monitor.sh down`);
      await waitFor('dnsmasq on node 1 to exit', async () => !(await dnsmasqRuns(0)));
      const l = await lease(VM1.mac);
      assert.equal(l.ip, VM1.ip);
      assert.equal(l.serverId, dhcpAddresses()[1], 'node 2 answered');
    });

    it('cdktf diff shows the drift on node 1 only', async (t) => {
      const r = await mustCdktf('diff');
      t.diagnostic(`cdktf diff: ${r.ms.toFixed(0)} ms`);
      assert.match(r.out, /# dhcpagent_network\.tenant-b_on-node1_\w+ \(tenant-b\/on-node1\) will be updated in-place/);
      assert.match(r.out, /dnsmasq is not running/);
      assert.match(r.out, /# dhcpagent_node\.node1_\w+ \(node1\/Resource\) will be updated in-place/);
      assert.match(r.out, /the process monitor is not running/);
      assert.doesNotMatch(r.out, /node2\S* \([^)]*\) will be/);
      assert.match(r.out, /Plan: 0 to add, 2 to change, 0 to destroy/);
    });

    it('cdktf deploy repairs node 1', async (t) => {
      const r = await mustCdktf('deploy', '--auto-approve');
      t.diagnostic(`cdktf deploy (repair): ${r.ms.toFixed(0)} ms`);
      assert.match(r.out, /Apply complete! Resources: 0 added, 2 changed, 0 destroyed/);
      assert.ok(await dnsmasqRuns(0), 'dnsmasq runs again on node 1');
      assert.match(await inNode(0, `cat ${statePath(0)}/monitor.pid`), /^\d+/);
      const again = await mustCdktf('diff');
      assert.match(again.out, /No changes/);
    });

    if (opts.init === 'systemd') {
      it('after node 1 reboots, its network comes back without Terraform and cdktf diff is clean', async (t) => {
        const leases = await inNode(0, `cat ${statePath(0)}/dhcp/${NET}/leases`);
        // A client of the network keeps doing full exchanges through the reboot: node 2 serves it.
        const vm = await lab.addVm({ onSwitch: true, name: 'prober', mac: VM1.mac, ...(opts.vlanId !== undefined ? { vlanId: opts.vlanId } : {}) });
        const prober = DhcpProber.start(vm, { expectIp: VM1.ip, exchangeTimeoutMs: 3000 });
        const t0 = performance.now();
        try {
          await prober.waitForAttempts(1);
          await lab.reboot(0);
          await waitFor('dnsmasq on node 1 after the reboot', () => dnsmasqRuns(0), 30_000, 200);
          t.diagnostic(`node 1 reboot to dnsmasq running: ${(performance.now() - t0).toFixed(0)} ms`);
          await prober.waitForAttempts(2);
        } finally {
          const report = await prober.stop();
          await vm.remove();
          t.diagnostic(`client through node 1's reboot: ${formatReport(report)}`);
          assert.equal(report.failures, 0, formatReport(report));
        }
        const kept = await inNode(0, `cat ${statePath(0)}/dhcp/${NET}/leases`);
        for (const line of leases.trim().split('\n').filter(Boolean)) {
          const [, mac, ip] = line.split(' ');
          assert.ok(kept.includes(`${mac} ${ip}`), `lease ${mac} ${ip} kept through the reboot`);
        }
        const l = await lease(VM1.mac);
        assert.equal(l.ip, VM1.ip);
        const r = await mustCdktf('diff');
        assert.match(r.out, /No changes/);
      });
    }

    it('cdktf destroy leaves both nodes clean', async (t) => {
      const r = await mustCdktf('destroy', '--auto-approve');
      deployed = false;
      t.diagnostic(`cdktf destroy: ${r.ms.toFixed(0)} ms`);
      assert.match(r.out, /Destroy complete! Resources: 8 destroyed/);
      for (const n of [0, 1]) {
        assert.equal((await inNode(n, 'ip netns list')).trim(), '', `n${n}: no namespace left`);
        const links = (await inNode(n, 'ip -o link show')).split('\n').map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1]).filter((d) => d !== undefined);
        assert.ok(!links.includes(BRQ), `n${n}: ${BRQ} removed`);
        assert.ok(!links.some((d) => d.startsWith('tap')), `n${n}: no tap left`);
        if (opts.vlanId !== undefined) assert.ok(!links.includes(uplink), `n${n}: ${uplink} removed`);
        assert.ok(links.includes('eth1'), `n${n}: eth1 itself stays`);
        assert.equal((await lab.inNode(n, `test -e ${statePath(n)}/dhcp/${NET}`)).code, 1, `n${n}: the network's directory removed`);
        if (opts.init === 'systemd') assert.equal((await lab.inNode(n, 'pgrep -x dnsmasq')).stdout.trim(), '', `n${n}: no dnsmasq left`);
      }
      if (opts.init === 'systemd') return;
      // Nothing of the agent runs in the nodes' mount namespaces (or copies of them) any more.
      const agentProcesses = (await processesWithTmpfs(isolatedNetnsTmpfsPattern(opts.lab))).filter((p) => {
        try {
          const cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'dnsmasq' || cmdline.includes('monitor.sh');
        } catch {
          return false; // gone meanwhile
        }
      });
      assert.deepEqual(agentProcesses, [], 'no dnsmasq or process monitor left');
    });
  });
}

scenario('multi-agent example: two isolated nodes serve one network over VLAN 120', { lab: 'tmulti', vlanId: 120, skip: skip ?? noVlan });
// Where the kernel has no 802.1Q (so the VLAN run above is skipped), the same high-availability
// story runs untagged on eth1; where it has, the VLAN run covers it.
scenario('multi-agent example, untagged (kernel without 802.1Q VLAN support)', {
  lab: 'tmultiu',
  vlanId: undefined,
  skip: skip ?? (noVlan ? undefined : 'covered by the VLAN 120 run'),
});
// The same failover on nodes that boot systemd (where each network is a unit of its own), and
// a reboot of node 1 that brings its network back without Terraform.
scenario('multi-agent example on two systemd nodes', {
  lab: 'tmultis',
  vlanId: noVlan ? undefined : 120,
  init: 'systemd',
  skip: skip ?? systemdNodeUnavailableReason(),
});
