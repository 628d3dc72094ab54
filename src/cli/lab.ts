/**
 * `dhcp-agent lab up|down|status|vm|reboot`: real test hosts on this machine, inside network
 * namespaces (root only). The demo and the tests run against it.
 */
import { parseArgs } from 'node:util';
import { labDown, labStatus, labUp, loadLab } from '../lab';
import { labNodeTfvars } from '../lab/stack-node';
import { CliError, EXIT_INVALID } from './io';

export const LAB_HELP = `Usage: dhcp-agent lab <up|down|status|vm|reboot|tfvars> [options]   (needs root)

  --name defaults to $DHCP_AGENT_LAB, else demo.

  lab up     [--name demo] [--nodes 1] [--isolated] [--switch] [--init plain|systemd]
                                         create a lab: per node a network namespace running its own
                                         sshd (generated keys) and a bridge; prints the nodes as JSON
             --init systemd              each node is a container booted by systemd (systemd-nspawn)
                                         on a disk of its own, from a Debian root image built once by
                                         debootstrap (cached in /var/cache/dhcp-agent-lab/images);
                                         sshd is its ssh.service, the agent's state is in
                                         /var/lib/dhcp-agent on that disk
             --isolated                  each node gets a private /run/netns (its own mount
                                         namespace), so several nodes can serve the same network;
                                         what a node creates is then visible only inside it
             --switch                    a lab switch, and on each node an interface eth1 plugged
                                         into it (a trunk: VLAN sub-interfaces like eth1.120 work
                                         where the kernel has 802.1Q, CONFIG_VLAN_8021Q)
  lab down   [--name demo]               stop every process of the lab and delete its namespaces,
                                         devices and files
  lab status [--name demo]               what exists of the lab (systemd nodes: their containers)
  lab reboot [--name demo] [--node n0]   power a node off (every process and namespace made in it
                                         ends) and boot it again (a systemd node: on the same disk);
                                         prints how long it took as JSON
  lab vm     [--name demo] [--node n0 | --switch] [--vlan <id>] --vm <name> --mac <mac> [--timeout 5000]
                                         a "VM" namespace on the node's bridge (or on the lab switch)
                                         with that MAC runs a real DHCP client once, on eth0.<id>
                                         with --vlan; prints the lease as JSON
  lab tfvars [--name demo] [--node n0]   the node's connection as Terraform variables for
                                         examples/hcl/main.tf (> terraform.tfvars); a cdktf stack
                                         takes it with labNode('<name>') from cdktf-dhcp-agent

The lab lives in /var/lib/dhcp-agent-lab/<name>; nodes listen on addresses in 198.18.0.0/15
that exist only inside this machine. Traffic stays inside the lab's namespaces.
`;

export async function labCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string', default: process.env.DHCP_AGENT_LAB || 'demo' },
      nodes: { type: 'string', default: '1' },
      node: { type: 'string' },
      isolated: { type: 'boolean', default: false },
      switch: { type: 'boolean', default: false },
      vlan: { type: 'string' },
      vm: { type: 'string' },
      mac: { type: 'string' },
      timeout: { type: 'string', default: '5000' },
      init: { type: 'string', default: 'plain' },
    },
  });
  const name = values.name;
  switch (action) {
    case 'up': {
      const nodes = Number(values.nodes);
      const init = values.init;
      if (init !== 'plain' && init !== 'systemd') throw new CliError(`lab up: --init ${JSON.stringify(init)}; plain or systemd is allowed`, EXIT_INVALID);
      const lab = await labUp({ name, nodes, isolatedNetns: values.isolated, switch: values.switch, init });
      const extra = {
        ...(lab.isolatedNetns ? { isolatedNetns: true } : {}),
        ...(lab.switch ? { switch: lab.switch } : {}),
        ...(lab.image ? { init: lab.init, image: lab.image } : {}),
      };
      process.stdout.write(JSON.stringify({ name: lab.name, dir: lab.dir, ...extra, nodes: lab.nodes }, null, 2) + '\n');
      // What a stack needs is above (host, user, key, host key, state path); the host key is new at every lab up.
      process.stderr.write(
        `lab ${lab.name} is up. A stack takes its node by name, so a new host key never goes stale: labNode('${lab.name}') from cdktf-dhcp-agent (cdktf), or: dhcp-agent lab tfvars --name ${lab.name} > terraform.tfvars (HCL, examples/hcl/main.tf).\n`,
      );
      return 0;
    }
    case 'tfvars': {
      const node = values.node ?? 'n0';
      if (!/^n[0-9]{1,2}$/.test(node)) throw new CliError(`lab tfvars: --node ${JSON.stringify(node)}; a node name like n0 is allowed`, EXIT_INVALID);
      process.stdout.write(labNodeTfvars(name, { node: Number(node.slice(1)) }));
      return 0;
    }
    case 'down':
      await labDown(name);
      process.stdout.write(`lab ${name}: down\n`);
      return 0;
    case 'status':
      process.stdout.write(JSON.stringify(await labStatus(name), null, 2) + '\n');
      return 0;
    case 'vm': {
      if (!values.vm || !values.mac) throw new CliError(`lab vm: --vm <name> and --mac <mac> are required\n\n${LAB_HELP}`, EXIT_INVALID);
      if (values.switch && values.node !== undefined) throw new CliError(`lab vm: give --node or --switch, not both\n\n${LAB_HELP}`, EXIT_INVALID);
      if (values.vlan !== undefined && !/^[0-9]{1,4}$/.test(values.vlan)) throw new CliError(`lab vm: --vlan ${JSON.stringify(values.vlan)}; a VLAN id 1..4094 is allowed`, EXIT_INVALID);
      const vlanId = values.vlan === undefined ? undefined : Number(values.vlan);
      const lab = await loadLab(name);
      const vm = await lab.addVm({
        ...(values.switch ? { onSwitch: true } : { node: values.node ?? 'n0' }),
        name: values.vm,
        mac: values.mac,
        ...(vlanId === undefined ? {} : { vlanId }),
      });
      const lease = await vm.dhcp({ timeoutMs: Number(values.timeout) });
      process.stdout.write(JSON.stringify(lease, null, 2) + '\n');
      return 0;
    }
    case 'reboot': {
      const lab = await loadLab(name);
      const report = await lab.reboot(values.node ?? 'n0');
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    default:
      throw new CliError(`lab: unknown action ${JSON.stringify(action ?? '')}\n\n${LAB_HELP}`, EXIT_INVALID);
  }
}
