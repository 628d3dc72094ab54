/**
 * Loads the tfplugin6 protocol definition and turns it into grpc-js service definitions.
 *
 * The `.proto` text is parsed at start-up with protobufjs (about 5 ms). In the esbuild bundle the
 * text is embedded (`__TFPLUGIN6_PROTO__`, see scripts/bundle-provider.mjs), so the bundle is one
 * self-contained file; from TypeScript sources and from tsc's output (dist/src/provider, where
 * the build copies it: scripts/bundle-provider.mjs) it is read next to this module.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';

declare const __TFPLUGIN6_PROTO__: string | undefined;

function protoText(): string {
  if (typeof __TFPLUGIN6_PROTO__ === 'string') return __TFPLUGIN6_PROTO__;
  const file = join(__dirname, 'proto', 'tfplugin6.proto');
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`tfplugin6.proto not found at ${file} (${(err as Error).message}); build the package (npm run build) or run the provider from its bundle`);
  }
}

export interface Protocol {
  readonly root: protobuf.Root;
  /** `tfplugin6.Provider`, methods keyed by their proto name (e.g. `GetProviderSchema`). */
  readonly provider: ServiceDefinition;
  /** go-plugin's `plugin.GRPCController` (Shutdown). */
  readonly controller: ServiceDefinition;
}

let cached: Protocol | undefined;

export function loadProtocol(): Protocol {
  if (cached) return cached;
  // Without this, protobufjs would pick up the optional `long` package if one happens to be
  // resolvable from the bundle's location, and int64 fields would decode differently per machine.
  protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
  protobuf.configure();
  const root = protobuf.parse(protoText(), { keepCase: true }).root;
  const service = root.lookupService('tfplugin6.Provider');
  const provider: Record<string, ServiceDefinition[string]> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const requestType = method.resolvedRequestType!;
    const responseType = method.resolvedResponseType!;
    provider[method.name] = {
      path: `/tfplugin6.Provider/${method.name}`,
      requestStream: false,
      responseStream: false,
      // The messages' TypeScript shapes are in tfplugin6.ts; here they are plain objects.
      requestSerialize: (value: object) => Buffer.from(requestType.encode(value).finish()),
      requestDeserialize: (bytes: Buffer): object => requestType.decode(bytes),
      responseSerialize: (value: object) => Buffer.from(responseType.encode(value).finish()),
      responseDeserialize: (bytes: Buffer): object => responseType.decode(bytes),
      originalName: method.name,
    };
  }
  // plugin.Empty has no fields: its encoding is zero bytes.
  const empty = {
    requestSerialize: () => Buffer.alloc(0),
    requestDeserialize: () => ({}),
    responseSerialize: () => Buffer.alloc(0),
    responseDeserialize: () => ({}),
  };
  const controller: ServiceDefinition = {
    Shutdown: { path: '/plugin.GRPCController/Shutdown', requestStream: false, responseStream: false, originalName: 'Shutdown', ...empty },
  };
  cached = { root, provider: provider as ServiceDefinition, controller };
  return cached;
}
