/**
 * The provider process: checks it was started by Terraform, serves tfplugin6 over gRPC with
 * mutual TLS on a unix socket, announces itself with the go-plugin handshake line, and exits
 * when Terraform says so.
 *
 * Lifecycle, as go-plugin does it:
 * - `plugin.GRPCController/Shutdown` ends the process (Terraform waits 2 s for it, then kills).
 * - SIGINT is ignored: Ctrl-C in a terminal reaches the whole process group, and Terraform turns
 *   it into StopProvider and waits for running applies; dying mid-apply would lose state.
 * - SIGTERM, SIGHUP and the death of the parent Terraform end the process. Stdin is not watched:
 *   it is Terraform's own stdin (often /dev/null), not a channel to the provider.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { checkPluginEnvironment, handshakeLine } from './handshake';
import { createLogger, logLevelFromEnv, type Logger } from './log';
import { loadProtocol } from './proto';
import type { ProviderDefinition } from './resource';
import { ProviderRpc } from './rpc';
import type { ProviderRpcName, RequestOf, ResponseOf } from './tfplugin6';
import { generateCertificate } from './tls';

/** gRPC message size limit both ways (states of large networks can be big). */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export interface ServeOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Receives the handshake line. @default writes to process.stdout */
  readonly announce?: (line: string) => void;
  /** Called instead of process.exit when the server has shut down (tests). */
  readonly exit?: (code: number) => void;
}

/** A running provider server. */
export interface RunningServer {
  readonly network: 'unix' | 'tcp';
  readonly address: string;
  /** Stops serving, removes the socket, then calls `exit`. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Keeps stray `console.log` calls (ours or a dependency's) off stdout, which belongs to the
 * handshake: go-plugin takes the first stdout line as the handshake.
 */
function protectStdout(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

type Handlers = { [K in ProviderRpcName]: (request: RequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>> };

function unary<K extends ProviderRpcName>(log: Logger, name: K, handler: Handlers[K]): grpc.handleUnaryCall<RequestOf<K>, ResponseOf<K>> {
  return (call, callback) => {
    const started = Date.now();
    const typeName = 'type_name' in call.request ? call.request.type_name : undefined;
    log.trace('rpc start', { tf_rpc: name, tf_resource_type: typeName });
    Promise.resolve()
      .then(() => handler(call.request))
      .then(
        (response) => {
          log.debug('rpc done', { tf_rpc: name, tf_resource_type: typeName, duration_ms: Date.now() - started });
          callback(null, response);
        },
        (err: unknown) => {
          // ProviderRpc turns provider failures into diagnostics; reaching here is a server bug.
          log.error('rpc failed', { tf_rpc: name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
          callback({ code: grpc.status.INTERNAL, details: `${name}: ${err instanceof Error ? err.message : String(err)}` });
        },
      );
  };
}

function bind(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port))));
}

/**
 * Runs the provider until Terraform shuts it down. Prints a human-readable explanation and
 * exits with status 1 when not started by Terraform.
 */
export async function serve<P>(definition: ProviderDefinition<P>, options: ServeOptions = {}): Promise<RunningServer | undefined> {
  const env = options.env ?? process.env;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const announce = options.announce ?? ((line: string) => void process.stdout.write(line));
  const pluginEnv = checkPluginEnvironment(env, definition.typeName);
  if (!pluginEnv.ok) {
    process.stderr.write(pluginEnv.message);
    exit(1);
    return undefined;
  }
  protectStdout();
  const log = createLogger({ level: logLevelFromEnv(env), module: `provider.terraform-provider-${definition.typeName}` });
  const rpc = new ProviderRpc(definition, log);
  const protocol = loadProtocol();
  const certificate = generateCertificate();

  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  let socketDir: string | undefined;
  let stopping = false;
  const cleanup = () => {
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
  };
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.debug('provider shutting down', { reason });
    rpc.cancel(`provider shutting down: ${reason}`);
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 1000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    cleanup();
    exit(0);
  };
  const handlers: Handlers = {
    GetMetadata: () => rpc.getMetadata(),
    GetProviderSchema: () => rpc.getProviderSchema(),
    ValidateProviderConfig: (r) => rpc.validateProviderConfig(r),
    ValidateResourceConfig: (r) => rpc.validateResourceConfig(r),
    UpgradeResourceState: (r) => rpc.upgradeResourceState(r),
    ConfigureProvider: (r) => rpc.configureProvider(r),
    ReadResource: (r) => rpc.readResource(r),
    PlanResourceChange: (r) => rpc.planResourceChange(r),
    ApplyResourceChange: (r) => rpc.applyResourceChange(r),
    ImportResourceState: (r) => rpc.importResourceState(r),
    StopProvider: () => rpc.stopProvider(),
  };
  server.addService(
    protocol.provider,
    Object.fromEntries((Object.keys(handlers) as ProviderRpcName[]).map((name) => [name, unary(log, name, handlers[name])])),
  );
  server.addService(protocol.controller, {
    Shutdown: ((_call, callback) => {
      callback(null, {});
      // Let the response leave before the server goes away.
      setImmediate(() => void shutdown('GRPCController.Shutdown'));
    }) as grpc.handleUnaryCall<Record<string, never>, Record<string, never>>,
  });

  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(pluginEnv.clientCertPem),
    [{ private_key: Buffer.from(certificate.keyPem), cert_chain: Buffer.from(certificate.certPem) }],
    true,
  );

  let network: 'unix' | 'tcp';
  let address: string;
  if (process.platform === 'win32') {
    network = 'tcp';
    const port = await bindTcp(server, credentials, pluginEnv.minPort, pluginEnv.maxPort);
    address = `127.0.0.1:${port}`;
  } else {
    network = 'unix';
    socketDir = mkdtempSync(join(pluginEnv.socketDir ?? tmpdir(), 'plugin'));
    address = join(socketDir, 'provider.sock');
    await bind(server, `unix:${address}`, credentials);
  }

  process.on('SIGINT', () => log.trace('SIGINT ignored: Terraform stops providers through StopProvider and Shutdown'));
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
  process.on('exit', cleanup);
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('parent process exited');
  }, 1000).unref();

  announce(handshakeLine(network, address, certificate.der));
  log.info('provider serving', { network, address, version: definition.version });
  return { network, address, shutdown };
}

async function bindTcp(server: grpc.Server, credentials: grpc.ServerCredentials, minPort: number, maxPort: number): Promise<number> {
  if (minPort === 0 && maxPort === 0) return bind(server, '127.0.0.1:0', credentials);
  for (let port = minPort; port <= maxPort; port++) {
    try {
      return await bind(server, `127.0.0.1:${port}`, credentials);
    } catch {
      // port taken: try the next one, as go-plugin does
    }
  }
  throw new Error(`no free TCP port in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT (${minPort}..${maxPort})`);
}
