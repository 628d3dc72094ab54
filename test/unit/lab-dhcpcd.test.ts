/** The lab's dhcpcd runs: the config each mode gets, what a recorded answer means, bad input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dhcpcd, dhcpcdConfig, parseDhcpcd } from '../../src/lab/dhcpcd';
import type { LabVm } from '../../src/lab/vm';

describe('lab dhcpcd', () => {
  it('forces DHCPv6 without router advertisements: ia_na for an address, nothing more for an Information-request', () => {
    const stateful = dhcpcdConfig({ mode: 'stateful', extra: ['dhcp6_sntp_servers'] }, '/tmp/r');
    assert.deepEqual(stateful.trim().split('\n'), ['env DHCP_RECORD=/tmp/r', 'ipv6only', 'noipv6rs', 'ia_na', 'option dhcp6_name_servers, dhcp6_domain_search, dhcp6_sntp_servers']);
    assert.doesNotMatch(dhcpcdConfig({ mode: 'stateless' }, '/tmp/r'), /ia_na/);
    assert.match(dhcpcdConfig({ mode: 'ipv4', clientId: '01:02' }, '/tmp/r'), /^ipv4only\nnoarp\nnoipv4ll\nclientid 01:02\n/m);
  });

  it('reads the address, DNS and search list of each family, the DUID from the log, and no answer as no reason', () => {
    const v6 = parseDhcpcd('reason=BOUND6\nnew_dhcp6_ia_na1_ia_addr1=fd00::10\nnew_dhcp6_name_servers=fd00::53 fd00::54\nnew_dhcp6_domain_search=a.example\n', 'stateful', 5, 'DUID 00:03:00:01:fa:16:3e:00:00:01\n');
    assert.equal(v6.address, 'fd00::10');
    assert.deepEqual(v6.dns, ['fd00::53', 'fd00::54']);
    assert.deepEqual(v6.domainSearch, ['a.example']);
    assert.equal(v6.duid, '00:03:00:01:fa:16:3e:00:00:01');
    const v4 = parseDhcpcd('reason=BOUND\nnew_ip_address=172.16.0.20\nnew_domain_name_servers=172.16.0.2\nnew_domain_name=b.example\n', 'ipv4', 5, '');
    assert.deepEqual([v4.address, v4.dns, v4.domainSearch], ['172.16.0.20', ['172.16.0.2'], ['b.example']]);
    const none = parseDhcpcd('', 'stateless', 3000, 'eth0: broadcasting INFORM6');
    assert.deepEqual([none.reason, none.address, none.dns], [undefined, undefined, []]);
  });

  it('refuses a DUID, client id or option name that would not be one, naming the field and the value', async () => {
    const vm = { dir: '/nonexistent', netns: 'x-v0', interfaceName: 'eth0' } as LabVm;
    await assert.rejects(dhcpcd(vm, { mode: 'stateful', duid: '00:03\nia_pd' }), /dhcpcd duid: got "00:03\\nia_pd"; 2 to 130 lower-case hex bytes/);
    await assert.rejects(dhcpcd(vm, { mode: 'ipv4', clientId: 'abc' }), /dhcpcd clientId: got "abc"/);
    await assert.rejects(dhcpcd(vm, { mode: 'stateless', extra: ['x, y'] }), /dhcpcd extra: got "x, y"; a dhcpcd option name/);
  });
});
