/**
 * The bundled provider as a process: handshake on stdout, certificate, mutual TLS, gRPC calls,
 * shutdown and signals — everything Terraform relies on, without Terraform.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeMsgpack, encodeMsgpack, UNKNOWN } from '../../src/provider/cty';
import { MAGIC_COOKIE_VALUE } from '../../src/provider/handshake';
import { blockType } from '../../src/provider/schema';
import { generateCertificate } from '../../src/provider/tls';
import { fileSchema } from '../fixtures/test-provider/file-resource';
import { bundleTestProvider, connect, startProvider, type StartedProvider } from '../fixtures/test-provider/harness';

const scratch = mkdtempSync(join(tmpdir(), 'provider-server-'));
let bundle = '';
const running: StartedProvider[] = [];

before(() => {
  bundle = bundleTestProvider(join(scratch, 'provider.cjs'));
});

after(() => {
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

function start(env: Record<string, string | undefined> = {}, clientCert?: ReturnType<typeof generateCertificate>): StartedProvider {
  const p = startProvider(bundle, { PLUGIN_UNIX_SOCKET_DIR: scratch, ...env }, clientCert);
  running.push(p);
  return p;
}

describe('provider process', () => {
  it('prints exactly one handshake line on stdout and serves tfplugin6 over mutual TLS', async () => {
    const p = start();
    const hs = await p.handshake;
    assert.match(hs.line, /^1\|6\|unix\|\/[^|]+\.sock\|grpc\|[A-Za-z0-9+/]+$/, 'core 1, protocol 6, unix socket, grpc, unpadded base64');
    assert.ok(hs.address.startsWith(scratch), 'socket in PLUGIN_UNIX_SOCKET_DIR');

    const client = connect(hs, p.clientCert);
    const schema = await client.call('GetProviderSchema', {});
    assert.deepEqual(Object.keys(schema.resource_schemas), ['dhcpagent_file']);
    const type = blockType(fileSchema);
    const proposed = { ...Object.fromEntries(Object.keys(fileSchema.attributes).map((k) => [k, null])), path: '/tmp/x', content: 'c' };
    const plan = await client.call('PlanResourceChange', {
      type_name: 'dhcpagent_file',
      prior_state: { msgpack: Buffer.from(encodeMsgpack(null, type)) },
      proposed_new_state: { msgpack: Buffer.from(encodeMsgpack(proposed, type)) },
      config: { msgpack: Buffer.from(encodeMsgpack(proposed, type)) },
    });
    const planned = decodeMsgpack(plan.planned_state!.msgpack, type) as Record<string, unknown>;
    assert.equal(planned.sha256, UNKNOWN);
    assert.equal(planned.content, 'c');

    await client.shutdown();
    client.close();
    assert.equal(await p.exited, 0, 'GRPCController.Shutdown ends the process with status 0');
    assert.equal(p.stdout(), hs.line + '\n', 'nothing but the handshake ever reached stdout');
    assert.ok(!existsSync(dirname(hs.address)), 'socket directory removed');
  });

  it('announces a self-signed certificate for localhost with serverAuth', async () => {
    const p = start();
    const hs = await p.handshake;
    const cert = new X509Certificate(hs.certDer);
    assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
    assert.ok(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), `EKU serverAuth in ${cert.keyUsage?.join(', ')}`);
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.ok(cert.checkHost('localhost'));
    assert.ok(new Date(cert.validFrom) <= new Date() && new Date() < new Date(cert.validTo));
    assert.ok(!hs.certBase64.includes('='), 'no base64 padding');
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, 'SIGTERM ends the process cleanly');
  });

  it('refuses a client whose certificate is not the one in PLUGIN_CLIENT_CERT', async () => {
    const p = start();
    const hs = await p.handshake;
    const stranger = connect(hs, generateCertificate({ extKeyUsage: ['clientAuth'] }));
    await assert.rejects(stranger.call('GetProviderSchema', {}), (err: { code?: number }) => err.code === 14 /* UNAVAILABLE */);
    stranger.close();
    const client = connect(hs, p.clientCert);
    await client.call('GetProviderSchema', {});
    await client.shutdown();
    client.close();
    assert.equal(await p.exited, 0);
  });

  it('ignores SIGINT (Terraform handles Ctrl-C) and answers unimplemented RPCs with UNIMPLEMENTED', async () => {
    const p = start();
    const hs = await p.handshake;
    p.child.kill('SIGINT');
    await sleep(200);
    assert.equal(p.child.exitCode, null, 'still running after SIGINT');
    const client = connect(hs, p.clientCert);
    await assert.rejects(client.callPath('/tfplugin6.Provider/ReadDataSource'), (err: { code?: number }) => err.code === 12 /* UNIMPLEMENTED */);
    await assert.rejects(client.callPath('/plugin.GRPCStdio/StreamStdio'), (err: { code?: number }) => err.code === 12);
    const stopped = await client.call('StopProvider', {});
    assert.equal(stopped.Error ?? '', '');
    await client.shutdown();
    client.close();
    assert.equal(await p.exited, 0);
  });

  it('writes JSON log lines go-plugin understands when TF_LOG asks for them', async () => {
    const p = start({ TF_LOG: 'debug' });
    const hs = await p.handshake;
    const client = connect(hs, p.clientCert);
    await client.call('GetProviderSchema', {});
    await client.shutdown();
    client.close();
    await p.exited;
    const lines = p.stderr().trim().split('\n');
    assert.ok(lines.length >= 2, p.stderr());
    for (const line of lines) {
      const record = JSON.parse(line) as Record<string, string>;
      assert.ok(['debug', 'info', 'warn', 'error'].includes(record['@level']), line);
      assert.equal(typeof record['@message'], 'string');
      assert.match(record['@timestamp'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'hclog layout 2006-01-02T15:04:05.000000Z07:00');
    }
    assert.ok(lines.some((l) => l.includes('"tf_rpc":"GetProviderSchema"')));
  });

  it('logs nothing without TF_LOG', async () => {
    const p = start({ TF_LOG: undefined, TF_LOG_PROVIDER: undefined });
    const hs = await p.handshake;
    const client = connect(hs, p.clientCert);
    await client.shutdown();
    client.close();
    await p.exited;
    assert.equal(p.stderr(), '');
  });

  it('exits by itself when the Terraform that started it is gone', async () => {
    const out = join(scratch, 'orphan.out');
    const client = generateCertificate({ extKeyUsage: ['clientAuth'] });
    const parent = spawnSync('sh', ['-c', `"${process.execPath}" "${bundle}" >"${out}" 2>/dev/null & echo $!; i=0; while [ ! -s "${out}" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done`], {
      env: { PATH: process.env.PATH, TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_CLIENT_CERT: client.certPem, PLUGIN_UNIX_SOCKET_DIR: scratch },
      encoding: 'utf8',
    });
    // The parent leaves once the provider has announced itself, as Terraform would die after the
    // handshake; leaving earlier races the provider's start-up (it would take PID 1 for its parent).
    const pid = Number(parent.stdout.trim());
    assert.ok(pid > 0, parent.stderr);
    // A zombie has exited: this machine's PID 1 can be slow to reap the orphan.
    const alive = () => {
      try {
        return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let waited = 0; alive() && waited < 5000; waited += 100) await sleep(100);
    assert.ok(!alive(), 'provider exited after its parent');
    const socket = readFileSync(out, 'utf8').split('|')[3];
    assert.ok(!existsSync(socket), 'and removed its socket');
  });

  it('explains itself to a human who runs it by hand, with nothing on stdout', async () => {
    const p = start({ TF_PLUGIN_MAGIC_COOKIE: undefined });
    assert.equal(await p.exited, 1);
    assert.equal(p.stdout(), '');
    assert.match(p.stderr(), /This is the Terraform provider "dhcpagent" \(a plugin\)/);
    assert.match(p.stderr(), /terraform init/);
  });

  it('refuses to run without mutual TLS or without protocol 6', async () => {
    const noCert = start({ PLUGIN_CLIENT_CERT: undefined });
    assert.equal(await noCert.exited, 1);
    assert.match(noCert.stderr(), /requires mutual TLS/);
    const old = start({ PLUGIN_PROTOCOL_VERSIONS: '4,5' });
    assert.equal(await old.exited, 1);
    assert.match(old.stderr(), /speaks Terraform plugin protocol 6, but this Terraform offers only 4,5/);
  });
});
