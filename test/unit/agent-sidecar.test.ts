/**
 * The managed-sidecar mechanism's pure parts (src/agent/sidecar.ts): what the node header gets,
 * the unit template, the refusals, and every drift sentence Read can show, from canned
 * `@@sidecars` lines (the node's part, sh/sidecar.sh observe_sidecars, runs in the lab test).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/agent/script';
import { checkSidecar, sidecarDrift, sidecarHeader, sidecarLayout, sidecarPaths, sidecarUnitTemplate, type Sidecar } from '../../src/agent/sidecar';

const STATE = '/var/lib/dhcp-agent';
const NET = 'net-unit';
const DIR = `${STATE}/dhcp/${NET}/sidecars`;
const SC: Sidecar = {
  name: 'web',
  label: 'test server (busybox httpd)',
  argv: ['busybox', 'httpd', '-c', `${DIR}/web.conf`, '-p', '80'],
  config: 'A:*\n',
  reloadSignal: 'HUP',
  package: 'busybox',
};
const SHA = sha256(SC.config);

function drift(lines: string[], sidecars: readonly Sidecar[] = [SC]): string[] {
  return sidecarDrift(STATE, NET, sidecars, lines);
}
const running = (o: Partial<Record<'pid' | 'netns' | 'cmdline' | 'loaded' | 'conf', string>> = {}) =>
  `want web pid=${o.pid ?? '4242'} netns=${o.netns ?? '1'} cmdline=${o.cmdline ?? '1'} loaded=${o.loaded ?? SHA} conf=${o.conf ?? SHA}`;

describe('sidecar layout and header', () => {
  it('files live in the network directory, the unit is per state path, sidecar and network', () => {
    assert.deepEqual(sidecarLayout(STATE, NET, SC), {
      dir: DIR,
      conf: `${DIR}/web.conf`,
      pid: `${DIR}/web.pid`,
      loaded: `${DIR}/web.loaded`,
      log: `${DIR}/web.log`,
      unit: 'dhcp-agent-sc-98067313-web@net-unit.service',
      unitTemplate: 'dhcp-agent-sc-98067313-web@.service',
    });
  });

  it('the header names the wanted sidecars and quotes every value', () => {
    const h = sidecarHeader(STATE, NET, [{ ...SC, label: "it's" }]);
    assert.match(h, /^SIDECARS=web$/m);
    assert.match(h, new RegExp(`^SIDECAR_DIR=${DIR}$`, 'm'));
    assert.match(h, /SC_LABEL='it'\\''s'/);
    assert.match(h, /SC_SIG=HUP/);
    assert.match(h, new RegExp(`SC_SHA=${SHA}`));
    assert.match(h, new RegExp(`sc_spawn\\(\\) \\{ ip netns exec "\\$NS" busybox httpd -c ${DIR}/web.conf -p 80; \\}`));
  });

  it('no sidecars: an empty list, and sidecar_select fails for any name', () => {
    assert.equal(sidecarHeader(STATE, NET, []), [`SIDECARS=''`, `SIDECAR_DIR=${DIR}`, 'sidecar_select() {', '  case "$1" in', '    *) return 1 ;;', '  esac', '}'].join('\n'));
  });

  it('refuses a name the shell could not use, a bad signal, and an argv that does not name the config', () => {
    const p = sidecarPaths(`${STATE}/dhcp/${NET}`, 'web');
    assert.throws(() => checkSidecar({ ...SC, name: 'Web;rm' }, p), /sidecar name "Web;rm": allowed are \[a-z\]\[a-z0-9-\]\{0,23\}/);
    assert.throws(() => checkSidecar({ ...SC, reloadSignal: 'HUP; x' }, p), /reload signal "HUP; x": a signal name such as HUP/);
    assert.throws(() => checkSidecar({ ...SC, argv: ['busybox', 'httpd'] }, p), /must name its config file .*web\.conf as one argument/);
  });

  it('the unit template: forking, the pid file, after the network unit, the reload signal', () => {
    const u = sidecarUnitTemplate(STATE, SC);
    assert.match(u, /^After=network\.target dhcp-agent-net-98067313@%i\.service$/m);
    assert.match(u, /^PIDFile=\/var\/lib\/dhcp-agent\/dhcp\/%i\/sidecars\/web\.pid$/m);
    assert.match(u, /^ExecStart=\/bin\/sh \/var\/lib\/dhcp-agent\/dhcp\/%i\/setup\.sh sidecar-start web$/m);
    assert.match(u, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    assert.doesNotMatch(sidecarUnitTemplate(STATE, { ...SC, reloadSignal: undefined }), /ExecReload/);
  });
});

describe('sidecarDrift', () => {
  it('none when it runs as wanted', () => {
    assert.deepEqual(drift([running(), 'stray ']), []);
  });

  it('not running; config missing', () => {
    assert.deepEqual(drift([`want web pid= loaded=${SHA} conf=`, 'stray ']), [`test server (busybox httpd): config file ${DIR}/web.conf is missing`, `test server (busybox httpd) is not running (no live process named by ${DIR}/web.pid)`]);
  });

  it('an old namespace, another command line, another config loaded, an edited file', () => {
    assert.deepEqual(drift([running({ netns: '0', cmdline: '0', loaded: 'f'.repeat(64), conf: 'e'.repeat(64) })]), [
      `test server (busybox httpd): config file ${DIR}/web.conf differs from what the agent wrote`,
      'test server (busybox httpd) (pid 4242) runs in a namespace that is no longer qdhcp-net-unit',
      'test server (busybox httpd) (pid 4242) runs with a command line other than the one wanted',
      `test server (busybox httpd) (pid 4242) runs with a configuration other than the one wanted (it loaded another ${DIR}/web.conf)`,
    ]);
  });

  it('unwanted and stray processes', () => {
    assert.deepEqual(drift(['unwanted old 77', 'stray 88 99'], []), ['sidecar processes run that the network no longer wants: old (pid 77)', 'other sidecar processes run in qdhcp-net-unit: pid 88, 99']);
  });

  it('its systemd unit where systemd supervises it', () => {
    const unit = 'dhcp-agent-sc-98067313-web@net-unit.service';
    assert.deepEqual(drift([running(), 'unit web ActiveState=active', 'unit web UnitFileState=enabled', 'unit web MainPID=4242']), []);
    assert.deepEqual(drift([running(), 'unit web ActiveState=failed', 'unit web UnitFileState=disabled', 'unit web MainPID=0']), [
      `systemd unit ${unit} is disabled, want enabled`,
      `systemd unit ${unit} is failed, want active`,
    ]);
    assert.deepEqual(drift([running(), 'unit web ActiveState=active', 'unit web UnitFileState=enabled', 'unit web MainPID=5']), [`test server (busybox httpd) (pid 4242) runs outside its systemd unit ${unit} (main pid 5)`]);
  });
});
