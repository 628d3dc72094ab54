/**
 * Opening one SSH connection for the pool (ssh-pool.ts): connect time bounded per attempt and
 * overall, retries of what may pass, the host-key check (a pinned fingerprint or a known_hosts
 * file) and authentication (a private key or an ssh-agent). Failures are HostErrors whose kind
 * says which of those failed.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { errorMessage, isError } from '../model/errors';
import { checkKnownHosts, fingerprintSha256, keyTypeOfBlob, knownHostsLookupName, knownKeyTypes, parseKnownHosts } from './known-hosts';
import { KEY_MATERIAL_SHOWN_AS, keyMaterialIn, type ResolvedSshHostConfig } from './ssh-config';
import { HostError } from './types';

/** A connect failure, and whether trying again may help. */
class ConnectFailure extends Error {
  constructor(
    readonly error: HostError,
    readonly retryable: boolean,
  ) {
    super(error.message);
    this.name = 'ConnectFailure';
  }
}

/**
 * Opens an SSH session to `config`'s host: each attempt bounded by connectTimeoutMs, retryable
 * failures (no answer, connection dropped during the handshake) tried again after
 * connectRetryDelaysMs while connectDeadlineMs allows. Rejects with a HostError whose kind says
 * what failed (connect, host-key, auth); its message starts with `label`. `ready` wraps the
 * client as soon as the session is ready, before any later event of it can be missed.
 */
export async function connectSsh<T>(config: ResolvedSshHostConfig, label: string, ready: (client: Client) => T): Promise<T> {
  const { connectTimeoutMs, connectDeadlineMs, connectRetryDelaysMs: delays } = config;
  const deadline = connectDeadlineMs === undefined ? Infinity : Date.now() + connectDeadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectOnce(config, label, ready, Math.max(1, Math.min(connectTimeoutMs, deadline - Date.now())));
    } catch (err) {
      if (!isError(err, ConnectFailure)) throw err;
      const failure = err;
      // A retry that could not even start before the deadline is not made.
      const outOfTime = attempt < delays.length && Date.now() + delays[attempt] >= deadline;
      if (!failure.retryable || attempt >= delays.length || outOfTime) {
        if (attempt === 0) throw failure.error;
        const e = failure.error;
        throw new HostError(label, `${stripLabel(e.message, label)} (after ${attempt + 1} attempts)`, e.kind, { cause: e.cause });
      }
      await sleep(delays[attempt]);
    }
  }
}

/** One connect attempt; rejects with a {@link ConnectFailure}. */
async function connectOnce<T>(c: ResolvedSshHostConfig, label: string, ready: (client: Client) => T, timeoutMs: number): Promise<T> {
  const fail = (message: string, kind: HostError['kind'], retryable: boolean, cause?: unknown): ConnectFailure =>
    new ConnectFailure(new HostError(label, message, kind, { cause }), retryable);

  const connectConfig: ConnectConfig = {
    host: c.host,
    port: c.port,
    username: c.user,
    readyTimeout: timeoutMs,
    keepaliveInterval: c.keepaliveIntervalMs,
    keepaliveCountMax: 3,
  };
  let credentials: string;
  if (c.privateKeyPath !== undefined) {
    try {
      connectConfig.privateKey = await readFile(c.privateKeyPath);
    } catch (err) {
      // Never echo key material given as a path (a validation step may have been skipped).
      const shown = keyMaterialIn(c.privateKeyPath) ? KEY_MATERIAL_SHOWN_AS : c.privateKeyPath;
      throw fail(`cannot read private key ${shown} (privateKeyPath): ${shown === c.privateKeyPath ? errorMessage(err) : 'not a path'}`, 'auth', false, shown === c.privateKeyPath ? err : undefined);
    }
    credentials = `private key ${c.privateKeyPath}`;
  } else if (process.env.SSH_AUTH_SOCK) {
    connectConfig.agent = process.env.SSH_AUTH_SOCK;
    credentials = `ssh-agent at ${process.env.SSH_AUTH_SOCK}`;
  } else {
    throw fail('no SSH credentials: set privateKeyPath, or run an ssh-agent and export SSH_AUTH_SOCK', 'auth', false);
  }

  let refusal: HostError | undefined;
  const refuse = (message: string): false => {
    refusal = new HostError(label, message, 'host-key');
    return false;
  };
  if (c.trust.kind === 'pin') {
    const pinned = c.trust.fingerprint;
    connectConfig.hostVerifier = (key: Buffer): boolean => {
      const seen = fingerprintSha256(key);
      if (seen === pinned) return true;
      return refuse(`host key refused: the server presented ${keyTypeOfBlob(key)} key ${seen}, but hostKeySha256 pins ${pinned}`);
    };
  } else if (c.trust.kind === 'known-hosts') {
    const path = c.trust.path;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw fail(`cannot read known_hosts file ${path} (knownHostsPath): ${errorMessage(err)}`, 'host-key', false, err);
    }
    const entries = parseKnownHosts(text);
    const algorithms = hostKeyAlgorithmsFor(knownKeyTypes(entries, c.host, c.port));
    if (algorithms.length > 0) {
      // Offer the key types the file knows first, as OpenSSH does; others stay after them so
      // a changed key type shows up as a clear mismatch rather than a failed negotiation.
      connectConfig.algorithms = { serverHostKey: { remove: algorithms, prepend: algorithms, append: [] } };
    }
    const name = knownHostsLookupName(c.host, c.port);
    connectConfig.hostVerifier = (key: Buffer): boolean => {
      const verdict = checkKnownHosts(entries, c.host, c.port, key);
      if (verdict.ok) return true;
      const seen = `${keyTypeOfBlob(key)} key ${fingerprintSha256(key)}`;
      if (verdict.reason === 'revoked') {
        return refuse(`host key refused: the server presented ${seen}, which ${path} marks @revoked (line ${verdict.line})`);
      }
      if (verdict.reason === 'unknown') {
        return refuse(`host key refused: the server presented ${seen}, and ${path} has no entry for ${name}`);
      }
      return refuse(
        `host key refused: the server presented ${seen}, but ${path} lists ${name} with ${verdict.expected.join(', ')} ` +
          '(the host key changed, or this is not the host you meant)',
      );
    };
  }

  return new Promise<T>((resolve, reject) => {
    const client = new Client();
    let settled = false;
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) return;
      settled = true;
      client.destroy();
      if (refusal) return reject(new ConnectFailure(refusal, false));
      switch (err.level) {
        case 'client-authentication':
          return reject(fail(`authentication failed for user ${c.user} with ${credentials}: ${err.message}`, 'auth', false, err));
        case 'client-timeout':
          return reject(fail(`no SSH session within ${timeoutMs} ms (connect timeout): ${err.message}`, 'connect', true, err));
        case 'client-socket':
        case 'protocol':
          return reject(fail(`cannot connect: ${err.message}`, 'connect', true, err));
        default:
          return reject(fail(`SSH handshake failed: ${err.message}`, 'connect', false, err));
      }
    });
    client.once('close', () => {
      if (settled) return;
      settled = true;
      reject(fail('connection closed before the SSH session was ready', 'connect', true));
    });
    client.once('ready', () => {
      if (settled) {
        client.end();
        return;
      }
      settled = true;
      // Without this, Nagle holds a channel's EOF behind its data until the server's delayed
      // ACK (~40 ms), which made each run take ~85 ms instead of ~3 ms.
      client.setNoDelay(true);
      resolve(ready(client));
    });
    try {
      client.connect(connectConfig);
    } catch (err) {
      // ssh2 refuses here, e.g. an encrypted key without passphrase or a malformed key.
      settled = true;
      reject(fail(`cannot start the SSH connection with ${credentials}: ${errorMessage(err)}`, 'auth', false, err));
    }
  });
}

/** ssh2 host-key algorithm names for OpenSSH key types (RSA keys sign with SHA-2 too). */
function hostKeyAlgorithmsFor(keyTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const out: ServerHostKeyAlgorithm[] = [];
  for (const t of keyTypes) {
    if (t === 'ssh-rsa') out.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (t === 'ssh-ed25519' || t === 'ssh-dss' || /^ecdsa-sha2-nistp(256|384|521)$/.test(t)) out.push(t as ServerHostKeyAlgorithm);
  }
  return [...new Set(out)];
}

function stripLabel(message: string, label: string): string {
  return message.startsWith(`${label}: `) ? message.slice(label.length + 2) : message;
}
