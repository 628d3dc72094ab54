/**
 * The fault suite: terraform and the dhcpagent provider against a two-node isolated lab, while
 * DHCP probers (lab VMs doing full exchanges in a bounded loop) count what fails. Each fault
 * happens during probing: port add/change/remove, network add, network option change, node
 * update, one of two agents lost, dnsmasq killed, apply interrupted by SIGINT and by SIGKILL of
 * terraform, sshd killed mid-apply, two applies at once. After each, the next `plan` must be
 * honest (exit 0 only when the nodes really have what is declared) and the next `apply` must
 * converge, with exactly the declared networks and ports on the nodes; a plan after it shows
 * no changes. One terraform directory and one `init` serve every fault.
 *
 * Network A is served by node 0 alone (prober on node 0's bridge), so any outage there counts;
 * network B by both nodes on the lab switch (prober on the switch) for the lost agent.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { DhcpProber, labDown, labUnavailableReason, labUp, type Lab, type LabVm, type ProbeReport } from '../../src/lab';
import { installProvider } from '../../src/provider/packaging';
import { pidAlive, readPid, waitFor } from '../support/host-probe';
import { TERRAFORM, TfDir, terraformUnavailableReason } from '../support/terraform';

const LAB = 'flfault';
const skip = labUnavailableReason() ?? terraformUnavailableReason();
const NET_A = 'fa000000-0000-4000-8000-00000000000a';
const NET_B = 'fa000000-0000-4000-8000-00000000000b';
const NET_C = 'fa000000-0000-4000-8000-00000000000c';
const PB = { id: 'fb000000-0000-4000-8000-000000000001', mac: 'fa:16:3e:b0:00:01', ip: '172.16.50.10' };

interface PortDecl {
  readonly id: string;
  readonly mac: string;
  readonly ip: string;
}
const port = (n: number, ip = `172.16.40.${10 + n}`): PortDecl => ({ id: `fc000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`, mac: `fa:16:3e:a0:00:${String(n).padStart(2, '0')}`, ip });

/** What the configuration declares; written to terraform.tfvars.json before every command. */
interface Config {
  ports: Record<string, PortDecl>;
  dns: string[];
  extra_network: boolean;
  interval: number;
  /** Ports of network A that workspace "b" (a second state) declares. */
  b_ports: Record<string, PortDecl>;
}

const MAIN_TF = `
terraform {
  required_providers {
    dhcpagent = { source = "dhcp-agent.local/cdktf/dhcpagent", version = "0.1.0" }
  }
}
variable "n0" { type = object({ host = string, user = string, private_key_path = string, known_hosts_path = string, state_path = string }) }
variable "n1" { type = object({ host = string, user = string, private_key_path = string, known_hosts_path = string, state_path = string }) }
variable "bridge" { type = string }
variable "ports" { type = map(object({ id = string, mac = string, ip = string })) }
variable "b_ports" { type = map(object({ id = string, mac = string, ip = string })) }
variable "dns" { type = list(string) }
variable "extra_network" { type = bool }
variable "interval" { type = number }

# Workspace "default" holds the nodes, the networks and most ports; workspace "b" only more
# ports of network A (a second state, as a second team's stack would be).
locals { main = terraform.workspace == "default" }

resource "dhcpagent_node" "n0" {
  count                    = local.main ? 1 : 0
  node                     = var.n0
  monitor_interval_seconds = var.interval
}
resource "dhcpagent_node" "n1" {
  count                    = local.main ? 1 : 0
  node                     = var.n1
  monitor_interval_seconds = var.interval
}
resource "dhcpagent_network" "a" {
  count      = local.main ? 1 : 0
  node       = var.n0
  network_id = "${NET_A}"
  bridge     = var.bridge
  mtu        = 1500
  subnets    = [{ cidr = "172.16.40.0/24", gateway_ip = "172.16.40.1", dns_nameservers = var.dns }]
  depends_on = [dhcpagent_node.n0]
}
resource "dhcpagent_port" "a" {
  for_each    = local.main ? var.ports : var.b_ports
  node        = var.n0
  network_id  = "${NET_A}"
  port_id     = each.value.id
  mac_address = each.value.mac
  fixed_ips   = [{ ip_address = each.value.ip }]
  depends_on  = [dhcpagent_network.a]
}
# Network B on both nodes (high availability), each node with its own DHCP address.
locals {
  b_agents = local.main ? { n0 = { node = var.n0, dhcp_ip = "172.16.50.2" }, n1 = { node = var.n1, dhcp_ip = "172.16.50.3" } } : {}
}
resource "dhcpagent_network" "b" {
  for_each           = local.b_agents
  node               = each.value.node
  network_id         = "${NET_B}"
  physical_interface = "eth1"
  dhcp_ip_addresses  = [each.value.dhcp_ip]
  subnets            = [{ cidr = "172.16.50.0/24", gateway_ip = "172.16.50.1", dns_nameservers = ["172.16.50.1"] }]
  depends_on         = [dhcpagent_node.n0, dhcpagent_node.n1]
}
resource "dhcpagent_port" "b" {
  for_each    = local.b_agents
  node        = each.value.node
  network_id  = dhcpagent_network.b[each.key].network_id
  port_id     = "${PB.id}"
  mac_address = "${PB.mac}"
  fixed_ips   = [{ ip_address = "${PB.ip}" }]
}
resource "dhcpagent_network" "c" {
  count      = local.main && var.extra_network ? 1 : 0
  node       = var.n0
  network_id = "${NET_C}"
  bridge     = var.bridge
  subnets    = [{ cidr = "172.16.60.0/24", gateway_ip = "172.16.60.1" }]
  depends_on = [dhcpagent_node.n0]
}
`;

interface TfRun {
  readonly code: number | null;
  readonly out: string;
  readonly ms: number;
}

/** One row of the figures table. */
interface Row {
  readonly fault: string;
  readonly report?: ProbeReport;
  readonly plan: string;
  readonly note: string;
}

let lab: Lab;
let tf: TfDir;
let work: string;
let vmA: LabVm;
let vmB: LabVm;
const rows: Row[] = [];

describe('fault suite: DHCP keeps working through faults; plan stays honest; apply converges', { skip }, () => {
  const config: Config = {
    ports: { p1: port(1), p2: port(2) },
    dns: ['172.16.40.1'],
    extra_network: false,
    interval: 2,
    b_ports: {},
  };
  const statePath = (n: number) => lab.node(n).statePath;
  const netDir = (n: number, id: string) => `${statePath(n)}/dhcp/${id}`;

  function writeVars(): void {
    const n = (i: number) => {
      const x = lab.node(i);
      return { host: x.address, user: x.user, private_key_path: x.privateKeyPath, known_hosts_path: x.knownHostsPath, state_path: x.statePath };
    };
    writeFileSync(join(work, 'terraform.tfvars.json'), JSON.stringify({ n0: n(0), n1: n(1), bridge: lab.node(0).bridge, ...config }, null, 2));
  }

  /**
   * Runs terraform without blocking the event loop (the probers run meanwhile). `interrupt`
   * sends a signal to terraform (or runs an action) as soon as a line of its output matches.
   */
  function terraform(args: string[], opts: { workspace?: string; interrupt?: { when: RegExp; act: (child: ReturnType<typeof spawn>) => void } } = {}): Promise<TfRun> {
    writeVars();
    const t0 = performance.now();
    const env = { ...tf.env, ...(opts.workspace ? { TF_WORKSPACE: opts.workspace } : {}) };
    return new Promise((resolve, reject) => {
      const child = spawn(TERRAFORM, [...args, '-no-color', '-input=false'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let fired = false;
      const onData = (d: Buffer) => {
        out += d.toString();
        if (opts.interrupt && !fired && opts.interrupt.when.test(out)) {
          fired = true;
          opts.interrupt.act(child);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out, ms: performance.now() - t0 });
      });
    });
  }
  const apply = (opts?: Parameters<typeof terraform>[1]) => terraform(['apply', '-auto-approve'], opts);
  const plan = (opts?: Parameters<typeof terraform>[1]) => terraform(['plan', '-detailed-exitcode'], opts);
  async function mustApply(what: string, opts?: Parameters<typeof terraform>[1]): Promise<TfRun> {
    const r = await apply(opts);
    assert.equal(r.code, 0, `${what}: terraform apply exited ${r.code}\n${r.out}`);
    return r;
  }

  /** Ids of the client ports a node keeps for a network, and the MACs in its host file. */
  function onNode(n: number, net: string): { ports: string[]; macs: string[] } {
    const dir = netDir(n, net);
    const ports = readdirSync(`${dir}/ports`).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
    const macs = readFileSync(`${dir}/host`, 'utf8').split('\n').filter(Boolean).map((l) => l.split(',')[0]).sort();
    return { ports, macs };
  }
  /** What differs between the nodes and the declaration (networks, live dnsmasq, ports), in short words; empty when converged. */
  function converged(): string[] {
    const problems: string[] = [];
    const name = new Map<string, string>([[NET_A, 'A'], [NET_B, 'B'], [NET_C, 'C']]);
    const diff = (what: string, have: string[], want: string[], label: (x: string) => string = (x) => x) => {
      const missing = want.filter((x) => !have.includes(x)).map(label);
      const extra = have.filter((x) => !want.includes(x)).map(label);
      if (missing.length) problems.push(`${what}: missing ${missing.join(' ')}`);
      if (extra.length) problems.push(`${what}: extra ${extra.join(' ')}`);
    };
    const declaredA = { ...config.ports, ...config.b_ports };
    // Port n's id and MAC both end in n (see port()).
    const portLabel = (x: string) => `p${Number(x.slice(-2))}`;
    diff('node 0 networks', readdirSync(`${statePath(0)}/dhcp`).filter((d) => !d.startsWith('.')), [NET_A, NET_B, ...(config.extra_network ? [NET_C] : [])], (x) => name.get(x) ?? x);
    for (const [n, net] of [[0, NET_A], [0, NET_B], [1, NET_B], [0, NET_C]] as const) {
      if (!existsSync(netDir(n, net))) continue;
      if (!pidAlive(readPid(`${netDir(n, net)}/pid`))) problems.push(`node ${n} network ${name.get(net)}: dnsmasq not running`);
      if (existsSync(`${netDir(n, net)}/ports/.txn`)) problems.push(`node ${n} network ${name.get(net)}: interrupted port batch left`);
    }
    const a = onNode(0, NET_A);
    diff('network A ports', a.ports, Object.values(declaredA).map((p) => p.id), portLabel);
    diff('network A host file', a.macs, Object.values(declaredA).map((p) => p.mac), portLabel);
    for (const n of [0, 1]) diff(`node ${n} network B ports`, onNode(n, NET_B).ports, [PB.id], () => 'pb');
    return problems;
  }

  /**
   * Probes while `fault` happens, then: the plan is honest, apply converges, a plan after it is
   * empty. Returns the prober's report.
   */
  async function underFault(
    t: TestContext,
    name: string,
    opts: { vm?: LabVm; expectIp?: string; fault: () => Promise<string | void>; concernsProber?: boolean },
  ): Promise<ProbeReport> {
    const prober = DhcpProber.start(opts.vm ?? vmA, { expectIp: opts.expectIp ?? config.ports.p1.ip, exchangeTimeoutMs: 2000, pauseMs: 100 });
    let report: ProbeReport;
    let note: string | void;
    try {
      await prober.waitForAttempts(2, 20_000);
      note = await opts.fault();
      await prober.waitForAttempts(2, 20_000);
    } finally {
      report = await prober.stop();
    }
    // Honest plan: "no changes" only when the nodes really are as declared.
    const p = await plan();
    assert.ok(p.code === 0 || p.code === 2, `${name}: plan after the fault failed (exit ${p.code})\n${p.out}`);
    const left = converged();
    if (p.code === 0) assert.deepEqual(left, [], `${name}: plan says no changes, but the nodes differ`);
    const summary = p.code === 0 ? 'no changes' : (/Plan: [^\n]*/.exec(p.out)?.[0] ?? 'changes');
    await mustApply(`${name}: converging apply`);
    assert.deepEqual(converged(), [], `${name}: the nodes after the converging apply`);
    const again = await plan();
    assert.equal(again.code, 0, `${name}: plan after the converging apply\n${again.out}`);
    rows.push({ fault: name, report, plan: summary, note: [note, left.length ? `left: ${left.join('; ')}` : ''].filter(Boolean).join('; ') });
    t.diagnostic(`${name}: ${report.attempts} exchanges, ${report.failures} failed, longest gap ${report.longestGapMs} ms; next plan: ${summary}${note ? `; ${note}` : ''}`);
    if (!opts.concernsProber) assert.equal(report.failures, 0, `${name}: DHCP exchanges failed: ${report.log.filter((a) => !a.ok).map((a) => a.error).join(' | ')}`);
    return report;
  }

  before(async () => {
    lab = await labUp({ name: LAB, nodes: 2, isolatedNetns: true, switch: true });
    work = mkdtempSync(join(tmpdir(), 'dhcpagent-faults-'));
    tf = new TfDir(work);
    writeFileSync(join(work, 'main.tf'), MAIN_TF);
    installProvider({ dir: join(work, 'terraform.d', 'plugins') });
  });
  let printed = false;
  function figures(): string {
    const cell = (r: Row) => (r.report ? [r.report.attempts, r.report.failures, `${r.report.longestGapMs} ms`] : ['-', '-', '-']);
    return [
      '| fault | exchanges | failures | longest gap | next plan | notes |',
      '|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.fault} | ${cell(r).join(' | ')} | ${r.plan} | ${r.note} |`),
      // Node reboot (restore without Terraform, leases kept) runs on the systemd lab node: its row goes here.
      '| node reboot | (systemd lab nodes: test/integration/agent-systemd.test.ts, test/e2e/multi-agent.test.ts) | | | | |',
    ].join('\n');
  }
  after(async () => {
    // The figures of whatever ran, when a failure kept the last test from printing them.
    if (!printed) console.log(`# fault suite figures\n${figures().replace(/^/gm, '# ')}`);
    await labDown(LAB);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('initialises once and applies the baseline: probers get their leases', async (t) => {
    const init = tf.must([0], 'init', '-no-color', '-input=false');
    assert.match(init.stdout, /Terraform has been successfully initialized/);
    const r = await mustApply('baseline');
    t.diagnostic(`baseline apply (2 nodes, 3 networks, 4 ports): ${r.ms.toFixed(0)} ms`);
    assert.deepEqual(converged(), []);
    vmA = await lab.addVm({ node: 0, name: 'proberA', mac: config.ports.p1.mac });
    vmB = await lab.addVm({ onSwitch: true, name: 'proberB', mac: PB.mac });
    assert.equal((await vmA.dhcp({ timeoutMs: 5000 })).ip, config.ports.p1.ip);
    const b = await vmB.dhcp({ timeoutMs: 5000 });
    assert.equal(b.ip, PB.ip);
  });

  it('port add', async (t) => {
    await underFault(t, 'port add', { fault: async () => void (config.ports.p3 = port(3), await mustApply('port add')) });
  });
  it('port change', async (t) => {
    await underFault(t, 'port change', { fault: async () => void (config.ports.p2 = port(2, '172.16.40.32'), await mustApply('port change')) });
  });
  it('port remove', async (t) => {
    await underFault(t, 'port remove', { fault: async () => void (delete config.ports.p3, await mustApply('port remove')) });
  });
  it('network add', async (t) => {
    await underFault(t, 'network add', { fault: async () => void ((config.extra_network = true), await mustApply('network add')) });
  });
  it('network option change (DNS servers)', async (t) => {
    await underFault(t, 'network option change (dns servers)', {
      fault: async () => void ((config.dns = ['172.16.40.1', '172.16.40.53']), await mustApply('dns change')),
    });
    const l = await vmA.dhcp({ timeoutMs: 5000 });
    assert.deepEqual(l.dns, ['172.16.40.1', '172.16.40.53'], 'clients get the new DNS servers');
  });
  it('node update (monitor interval)', async (t) => {
    await underFault(t, 'node update (monitor interval 2 → 1 s)', { fault: async () => void ((config.interval = 1), await mustApply('node update')) });
  });

  it('dnsmasq killed: the process monitor respawns it', async (t) => {
    let respawnMs = 0;
    const r = await underFault(t, 'dnsmasq killed (prober’s own; monitor interval 1 s)', {
      concernsProber: true,
      fault: async () => {
        const pidFile = `${netDir(0, NET_A)}/pid`;
        const old = readPid(pidFile)!;
        const t0 = Date.now();
        process.kill(old, 'SIGKILL');
        await waitFor('the monitor to respawn dnsmasq', () => {
          const p = readPid(pidFile);
          return p !== null && p !== old && pidAlive(p);
        }, 10_000, 50);
        respawnMs = Date.now() - t0;
        return `respawned in ${(respawnMs / 1000).toFixed(1)} s`;
      },
    });
    t.diagnostic(`dnsmasq respawn: ${respawnMs} ms; the prober's outage (longest gap): ${r.longestGapMs} ms`);
    // One interval until the next check, the check and the setup, on a loaded 2-core machine.
    assert.ok(respawnMs <= 1000 * config.interval + 5000, `respawned within the monitor interval and the setup time: ${respawnMs} ms`);
  });

  it('one of two agents lost: the other serves', async (t) => {
    await underFault(t, 'one of two agents lost', {
      vm: vmB,
      expectIp: PB.ip,
      fault: async () => {
        // Node 1's whole DHCP service goes: its process monitor, then its dnsmasq.
        const stop = await lab.inNode(1, `sh ${statePath(1)}/monitor.sh stop`);
        assert.equal(stop.code, 0, stop.stderr);
        const pid = readPid(`${netDir(1, NET_B)}/pid`)!;
        process.kill(pid, 'SIGKILL');
        await waitFor('node 1 dnsmasq to exit', () => !pidAlive(pid));
        // Some exchanges with node 1 gone.
        await new Promise((r) => setTimeout(r, 1500));
        return 'node 1: monitor stopped, dnsmasq killed';
      },
    });
  });

  it('apply interrupted by SIGINT', async (t) => {
    await underFault(t, 'apply interrupted by SIGINT', {
      fault: async () => {
        config.ports.p4 = port(4);
        config.ports.p5 = port(5);
        config.dns = ['172.16.40.1'];
        const r = await apply({ interrupt: { when: /Modifying\.\.\.|Creating\.\.\./, act: (c) => c.kill('SIGINT') } });
        return `terraform exited ${r.code}`;
      },
    });
  });

  it('apply interrupted by SIGKILL of terraform', async (t) => {
    await underFault(t, 'apply interrupted by SIGKILL', {
      fault: async () => {
        delete config.ports.p4;
        config.ports.p2 = port(2);
        config.extra_network = false;
        const r = await apply({ interrupt: { when: /Destroying\.\.\.|Modifying\.\.\./, act: (c) => c.kill('SIGKILL') } });
        // The provider processes notice that their terraform is gone, and exit.
        const t0 = Date.now();
        await waitFor('the killed terraform\'s provider processes to exit', () => providersIn(work).length === 0, 10_000);
        return `terraform killed (${r.code ?? 'signal'}); its providers exited ${Date.now() - t0} ms later`;
      },
    });
  });

  it('sshd killed mid-apply', async (t) => {
    await underFault(t, 'sshd killed mid-apply', {
      fault: async () => {
        config.ports.p6 = port(6);
        config.ports.p7 = port(7);
        config.dns = ['172.16.40.1', '172.16.40.54'];
        // From the first change on, every sshd process serving a connection to node 0 is
        // killed as soon as it appears (the listener stays, so a later command connects again).
        const killed = new Set<number>();
        let killer: NodeJS.Timeout | undefined;
        const r = await apply({
          interrupt: {
            when: /Modifying\.\.\.|Creating\.\.\./,
            act: () => {
              const started = Date.now();
              killer = setInterval(() => {
                for (const pid of sshdSessions(lab.node(0).sshdPid)) {
                  try {
                    process.kill(pid, 'SIGKILL');
                    killed.add(pid);
                  } catch {
                    // gone already
                  }
                }
                if (Date.now() - started > 1500) clearInterval(killer);
              }, 20);
            },
          },
        });
        clearInterval(killer);
        assert.ok(killed.size > 0, 'an SSH connection was cut mid-apply');
        return `${killed.size} sshd process(es) killed; terraform exited ${r.code}`;
      },
    });
  });

  it('two applies at once (two states, one network)', async (t) => {
    await underFault(t, 'two applies at once', {
      fault: async () => {
        const ws = tf.run('workspace', 'new', '-no-color', 'b');
        assert.equal(ws.code, 0, ws.stderr);
        tf.must([0], 'workspace', 'select', '-no-color', 'default');
        config.b_ports = { p9: port(9), p10: port(10, '172.16.40.40') };
        delete config.ports.p5;
        config.ports.p8 = port(8);
        const [a, b] = await Promise.all([apply(), apply({ workspace: 'b' })]);
        assert.equal(a.code, 0, a.out);
        assert.equal(b.code, 0, b.out);
        return 'both exited 0';
      },
    });
    const pb = await plan({ workspace: 'b' });
    assert.equal(pb.code, 0, `workspace b plan: ${pb.out}`);
  });

  it('prints the figures', (t) => {
    for (const line of ['fault suite figures:', ...figures().split('\n')]) t.diagnostic(line);
    printed = true;
    assert.ok(rows.length >= 12, `${rows.length} faults measured`);
  });
});

/** Provider processes started in terraform directory `dir`. */
function providersIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readlinkSync(`/proc/${e}/cwd`) === dir && readFileSync(`/proc/${e}/cmdline`, 'utf8').includes('provider.cjs');
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** sshd processes below an sshd listener (the servers of its connections), from /proc. */
function sshdSessions(listener: number): number[] {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      comm.set(Number(e), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
    } catch {
      // gone meanwhile
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === listener) return true;
    return false;
  };
  return [...parent.keys()].filter((pid) => pid !== listener && comm.get(pid)?.startsWith('sshd') && below(pid));
}
