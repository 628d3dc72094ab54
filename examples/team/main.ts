/**
 * Team: state in PostgreSQL (Terraform's `pg` backend, with locking), one network on each of two
 * nodes. Every operator and CI job runs the same app from its own checkout; the state and its
 * lock are shared through the database.
 *
 *   export PG_CONN_STR='postgres://terraform@db.example.org:5432/tfstate?sslmode=verify-full'
 *   export PGPASSFILE=~/.pgpass        # db.example.org:5432:tfstate:terraform:<password>, mode 0600
 *   DHCP_AGENT_LAB=demo npx cdktf deploy
 *
 * The connection string comes from PG_CONN_STR in each operator's environment and is not
 * written into the synthesized stack; the password is read by Terraform's PostgreSQL driver from
 * the pgpass file, so it is in no code, no cdktf.out, no .terraform directory and no state.
 */
import { App, PgBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DhcpAgentNode, DhcpNetwork, DhcpPort } from 'cdktf-dhcp-agent';
import { exampleNodes } from '../lab-node';

/** A pg backend block without conn_str: Terraform takes it from PG_CONN_STR at init/plan/apply. */
class PgBackendFromEnvironment extends PgBackend {
  constructor(scope: Construct, schemaName: string) {
    super(scope, { connStr: '', schemaName });
  }
  protected override synthesizeAttributes(): Record<string, unknown> {
    const { conn_str: _unused, ...rest } = super.synthesizeAttributes();
    return rest;
  }
}

function checkConnectionString(): void {
  const conn = process.env.PG_CONN_STR;
  if (!conn) throw new Error('PG_CONN_STR: not set; a postgres:// URL without a password is allowed (the password goes in a pgpass file, see PGPASSFILE)');
  let url: URL;
  try {
    url = new URL(conn);
  } catch {
    throw new Error('PG_CONN_STR: not a URL; a postgres://user@host:port/database URL is allowed');
  }
  if (url.password !== '' || url.searchParams.has('password')) {
    throw new Error('PG_CONN_STR: holds a password; only a URL without one is allowed here (put the password in a pgpass file, see PGPASSFILE)');
  }
}

/** TEAM_EXTRA_PORTS=n adds n more ports to each network (the tests use it for a longer apply). */
function extraPorts(): number {
  const v = process.env.TEAM_EXTRA_PORTS ?? '0';
  if (!/^[0-9]{1,2}$/.test(v) || Number(v) > 40) throw new Error(`TEAM_EXTRA_PORTS: got ${JSON.stringify(v)}; a number 0..40 is allowed`);
  return Number(v);
}

class Team extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    checkConnectionString();
    new PgBackendFromEnvironment(this, 'dhcp_agent_team');
    const where = exampleNodes(2);
    const extra = extraPorts();
    const networks = [
      { id: 'net-a', networkId: '3f2a9c1e-5b7d-4e8f-a1c3-6d9e0b2f4a71', prefix: '172.16.30', mac: 'fa:16:3e:30:00' },
      { id: 'net-b', networkId: '7c4e1a2b-8d3f-4b6a-9e5c-1f0a2d3b4c82', prefix: '172.16.31', mac: 'fa:16:3e:31:00' },
    ];
    networks.forEach((n, i) => {
      const node = new DhcpAgentNode(this, `node${i + 1}`, where[i].props);
      const net = new DhcpNetwork(this, n.id, {
        agents: [node],
        networkId: n.networkId,
        bridge: where[i].bridge,
        subnets: [{ cidr: `${n.prefix}.0/24`, gatewayIp: `${n.prefix}.1`, dnsNameservers: [`${n.prefix}.1`] }],
        dnsDomain: 'openstacklocal',
      });
      for (let p = 0; p < 2 + extra; p++) {
        const host = p + 10;
        new DhcpPort(this, `${n.id}-vm${p + 1}`, {
          network: net,
          macAddress: `${n.mac}:${host.toString(16).padStart(2, '0')}`,
          fixedIps: [{ ipAddress: `${n.prefix}.${host}` }],
          hostname: `${n.id}-vm${p + 1}`,
        });
      }
      new TerraformOutput(this, `${n.id}-namespace`, { value: net.namespace });
    });
  }
}

const app = new App();
new Team(app, 'team');
app.synth();
