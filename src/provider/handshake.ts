/**
 * go-plugin's start-up contract, as Terraform's plugin client expects it:
 *
 * - Terraform sets `TF_PLUGIN_MAGIC_COOKIE` (proof the process was started as a plugin),
 *   `PLUGIN_PROTOCOL_VERSIONS` (e.g. `5,6`) and `PLUGIN_CLIENT_CERT` (PEM of its own certificate
 *   for mutual TLS); `PLUGIN_UNIX_SOCKET_DIR` may name where to put the socket.
 * - The plugin answers with ONE line on stdout, before anything else is written there:
 *   `1|6|unix|/path/to.sock|grpc|<base64 DER of the server certificate without padding>`.
 */

export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
/** go-plugin core protocol version. */
export const CORE_PROTOCOL_VERSION = 1;
/** Terraform plugin protocol major version this server speaks. */
export const APP_PROTOCOL_VERSION = 6;

export type PluginEnvironment =
  | { readonly ok: true; readonly clientCertPem: string; readonly socketDir: string | undefined; readonly minPort: number; readonly maxPort: number }
  | { readonly ok: false; readonly message: string };

/**
 * Checks that the process was started by Terraform and extracts what the handshake needs.
 * `message` is written for a human who ran the launcher by hand.
 */
export function checkPluginEnvironment(env: NodeJS.ProcessEnv, providerName: string): PluginEnvironment {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    return {
      ok: false,
      message:
        `This is the Terraform provider "${providerName}" (a plugin). Terraform starts it by itself;\n` +
        'it is not meant to be run by hand.\n\n' +
        'To use it, install it where Terraform looks for providers (e.g. `dhcp-agent provider install`,\n' +
        'or let cdktf synthesize a stack that contains it) and run `terraform init` / `cdktf deploy`.\n',
    };
  }
  const versions = (env.PLUGIN_PROTOCOL_VERSIONS ?? '').split(',').map((v) => v.trim());
  if (env.PLUGIN_PROTOCOL_VERSIONS && !versions.includes(String(APP_PROTOCOL_VERSION))) {
    return {
      ok: false,
      message:
        `The provider "${providerName}" speaks Terraform plugin protocol ${APP_PROTOCOL_VERSION}, but this Terraform ` +
        `offers only ${env.PLUGIN_PROTOCOL_VERSIONS}. Use Terraform 1.0 or newer.\n`,
    };
  }
  const clientCertPem = env.PLUGIN_CLIENT_CERT ?? '';
  if (!clientCertPem.includes('-----BEGIN CERTIFICATE-----')) {
    return {
      ok: false,
      message:
        `The provider "${providerName}" requires mutual TLS, but PLUGIN_CLIENT_CERT holds no PEM certificate. ` +
        'Terraform sets it automatically; a very old Terraform or a custom plugin host without AutoMTLS is not supported.\n',
    };
  }
  const port = (name: string) => {
    const n = Number(env[name] ?? 0);
    return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : 0;
  };
  return {
    ok: true,
    clientCertPem,
    socketDir: env.PLUGIN_UNIX_SOCKET_DIR || undefined,
    minPort: port('PLUGIN_MIN_PORT'),
    maxPort: port('PLUGIN_MAX_PORT'),
  };
}

/** The handshake line (with its newline). */
export function handshakeLine(network: 'unix' | 'tcp', address: string, serverCertDer: Uint8Array): string {
  const cert = Buffer.from(serverCertDer).toString('base64').replace(/=+$/, '');
  return `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|${network}|${address}|grpc|${cert}\n`;
}
