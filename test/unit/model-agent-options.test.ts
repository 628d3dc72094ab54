import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_OPTION_JSON_KEYS, agentOptionsFromJson, withDefaults } from '../../src/model/agent-options';
import { DEFAULT_AGENT_OPTIONS } from '../../src/model/types';

describe('agentOptionsFromJson', () => {
  it('gives the defaults for null, undefined and {}', () => {
    for (const json of [null, undefined, {}]) {
      assert.deepEqual(agentOptionsFromJson(json), { options: DEFAULT_AGENT_OPTIONS, issues: [] });
    }
  });

  it('reads every neutron option name onto the defaults', () => {
    const { options, issues } = agentOptionsFromJson({
      dns_domain: 'example.org',
      dhcp_lease_duration: -1,
      dnsmasq_lease_max: 1000,
      dnsmasq_dns_servers: ['8.8.8.8', '2001:4860:4860::8888'],
      dnsmasq_local_resolv: true,
      enable_isolated_metadata: true,
      force_metadata: true,
      dhcp_broadcast_reply: true,
      dhcp_renewal_time: 600,
      dhcp_rebinding_time: 900,
      dnsmasq_base_log_dir: '/var/log/neutron',
      dnsmasq_enable_addr6_list: true,
      state_path: '/srv/dhcp-agent',
      interface_name: 'ns-abc',
    });
    assert.deepEqual(issues, []);
    assert.deepEqual(options, {
      dnsDomain: 'example.org',
      dhcpLeaseDuration: -1,
      dnsmasqLeaseMax: 1000,
      dnsmasqDnsServers: ['8.8.8.8', '2001:4860:4860::8888'],
      dnsmasqLocalResolv: true,
      enableIsolatedMetadata: true,
      forceMetadata: true,
      dhcpBroadcastReply: true,
      dhcpRenewalTime: 600,
      dhcpRebindingTime: 900,
      dnsmasqBaseLogDir: '/var/log/neutron',
      dnsmasqEnableAddr6List: true,
      statePath: '/srv/dhcp-agent',
      interfaceName: 'ns-abc',
    });
    assert.equal(Object.keys(AGENT_OPTION_JSON_KEYS).length, 14);
  });

  it('takes dnsmasq_dns_servers as a comma-separated string, as in dhcp_agent.ini', () => {
    const { options, issues } = agentOptionsFromJson({ dnsmasq_dns_servers: '8.8.8.8, 1.1.1.1' });
    assert.deepEqual(issues, []);
    assert.deepEqual(options.dnsmasqDnsServers, ['8.8.8.8', '1.1.1.1']);
  });

  it('treats interface_name null as "derive it"', () => {
    const { options, issues } = agentOptionsFromJson({ interface_name: null });
    assert.deepEqual(issues, []);
    assert.equal(options.interfaceName, undefined);
  });

  it('reports unknown keys, naming the known ones, with a hint for camelCase', () => {
    const { options, issues } = agentOptionsFromJson({ dnsDomain: 'x.org', dhcp_domain: 'y.org' });
    assert.deepEqual(options, DEFAULT_AGENT_OPTIONS);
    assert.deepEqual(issues.map((i) => [i.path, i.value]), [
      ['dnsDomain', 'x.org'],
      ['dhcp_domain', 'y.org'],
    ]);
    assert.match(issues[0].allowed, /^one of the known options dns_domain, dhcp_lease_duration, .*interface_name \(did you mean "dns_domain"\?\)$/);
    assert.doesNotMatch(issues[1].allowed, /did you mean/);
    assert.deepEqual(agentOptionsFromJson({ toString: 1 }).issues.map((i) => i.path), ['toString']);
  });

  it('reports wrong types and keeps the default for them', () => {
    const { options, issues } = agentOptionsFromJson({
      dhcp_lease_duration: '86400',
      dnsmasq_lease_max: 10.5,
      force_metadata: 'yes',
      dnsmasq_dns_servers: [8, 8, 8, 8],
      state_path: 7,
    });
    assert.deepEqual(options, DEFAULT_AGENT_OPTIONS);
    assert.deepEqual(issues, [
      { path: 'dhcp_lease_duration', value: '86400', allowed: 'an integer' },
      { path: 'dnsmasq_lease_max', value: 10.5, allowed: 'an integer' },
      { path: 'force_metadata', value: 'yes', allowed: 'true or false' },
      {
        path: 'dnsmasq_dns_servers',
        value: [8, 8, 8, 8],
        allowed: 'a list of IP address strings, or one string of comma-separated addresses (as in dhcp_agent.ini)',
      },
      { path: 'state_path', value: 7, allowed: 'a string' },
    ]);
  });

  it('includes validation issues of the given values, with snake_case paths', () => {
    const { options, issues } = agentOptionsFromJson({
      state_path: 'relative/dir',
      dhcp_lease_duration: 60,
      dnsmasq_dns_servers: ['8.8.8.8', 'dns.google'],
      interface_name: 'a-very-long-interface',
    });
    assert.equal(options.statePath, 'relative/dir');
    assert.deepEqual(issues.map((i) => [i.path, i.value]), [
      ['dhcp_lease_duration', 60],
      ['dnsmasq_dns_servers[1]', 'dns.google'],
      ['state_path', 'relative/dir'],
      ['interface_name', 'a-very-long-interface'],
    ]);
    assert.match(issues[0].allowed, /dnsmasq raises shorter leases to 120 s/);
    assert.match(issues[2].allowed, /^an absolute path/);
  });

  it('dnsmasq_base_log_dir: "" (off) or an absolute path of safe characters', () => {
    assert.equal(DEFAULT_AGENT_OPTIONS.dnsmasqBaseLogDir, '');
    const ok = agentOptionsFromJson({ dnsmasq_base_log_dir: '/var/log/neutron/dnsmasq' });
    assert.deepEqual(ok.issues, []);
    assert.equal(ok.options.dnsmasqBaseLogDir, '/var/log/neutron/dnsmasq');
    assert.deepEqual(agentOptionsFromJson({ dnsmasq_base_log_dir: '' }).issues, []);
    for (const bad of ['relative/log', '/var/log/$(reboot)', '/var/log dir', '/var/../etc', '/', '/var/log/', "/x'y", '/a\nb']) {
      const { issues } = agentOptionsFromJson({ dnsmasq_base_log_dir: bad });
      assert.equal(issues.length, 1, bad);
      assert.equal(issues[0].path, 'dnsmasq_base_log_dir');
      assert.equal(issues[0].value, bad);
      assert.match(issues[0].allowed, /^"" \(no per-network log\) or an absolute path .*letters, digits, "\.", "_", "-" and "\/"/);
    }
  });

  it('refuses a document that is not an object', () => {
    for (const json of [[], 'dns_domain=x', 42]) {
      const { options, issues } = agentOptionsFromJson(json);
      assert.deepEqual(options, DEFAULT_AGENT_OPTIONS);
      assert.equal(issues.length, 1);
      assert.equal(issues[0].path, '(root)');
      assert.match(issues[0].allowed, /^a JSON object with some of the keys dns_domain, /);
    }
  });
});

describe('withDefaults', () => {
  it('merges, ignoring undefined fields, without touching the defaults', () => {
    const o = withDefaults({ dnsDomain: 'lab.example', dhcpLeaseDuration: undefined, interfaceName: 'ns-1' });
    assert.equal(o.dnsDomain, 'lab.example');
    assert.equal(o.dhcpLeaseDuration, 86400);
    assert.equal(o.interfaceName, 'ns-1');
    assert.equal(DEFAULT_AGENT_OPTIONS.dnsDomain, 'openstacklocal');
    assert.deepEqual(withDefaults(), DEFAULT_AGENT_OPTIONS);
  });
});
