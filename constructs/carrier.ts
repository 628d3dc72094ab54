/**
 * Portable mode: instead of dhcpagent_* resources, "carriers" whose local-exec provisioners run
 * the same handlers through the CLI (`dhcp-agent handler <kind> create|delete`), for teams that
 * cannot install a custom provider. The handler payload sits in the carrier (so destroy works
 * from state alone: destroy-time provisioners only see `self`) and reaches the CLI through the
 * environment, never through a shell word. A change is a replacement; create_before_destroy
 * plus the generation marker on the node (the carrier's id) keep the old carrier's destroy from
 * undoing what its successor made.
 */
import { createHash } from 'node:crypto';
import { DataResource, Lazy, TerraformStack, type ITerraformDependable, type TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';
import type { NullProvider } from '@cdktf/provider-null/lib/provider';
import type { Resource as NullResource } from '@cdktf/provider-null/lib/resource';
import { canonicalJson } from '../src/agent/canonical-json';
import { cliCommand } from '../src/provider/packaging';

/** The Terraform resource that carries a handler in portable mode. */
export type CarrierType = 'terraform_data' | 'null_resource';

export type CarrierKind = 'node' | 'network' | 'port';

export interface CarrierProps {
  readonly kind: CarrierKind;
  readonly type: CarrierType;
  /** The handler payload (the provider resource's attributes, snake_case), produced at synthesis. */
  readonly payload: () => Record<string, unknown>;
  readonly dependsOn?: ITerraformDependable[];
}

/** Keeps `${` and `%{` in user values from being read as Terraform templates. */
function escapeTemplates(text: string): string {
  // Replacement functions: in a replacement string "$$" would stand for a single "$".
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

export function createCarrier(scope: Construct, id: string, props: CarrierProps): TerraformResource {
  const json = () => canonicalJson(props.payload());
  const payload = Lazy.stringValue({ produce: () => escapeTemplates(json()) });
  const digest = Lazy.stringValue({ produce: () => createHash('sha256').update(json()).digest('hex') });
  const field = props.type === 'terraform_data' ? 'input' : 'triggers';
  const environment = { DHCP_AGENT_SPEC: `\${self.${field}.payload}`, DHCP_AGENT_GENERATION: '${self.id}' };
  const provisioners = [
    { type: 'local-exec' as const, command: cliCommand(`handler ${props.kind} create`), environment },
    { type: 'local-exec' as const, when: 'destroy' as const, command: cliCommand(`handler ${props.kind} delete`), environment },
  ];
  const lifecycle = { createBeforeDestroy: true };
  if (props.type === 'terraform_data') {
    return new DataResource(scope, id, {
      input: { dhcp_agent: props.kind, payload },
      triggersReplace: { digest },
      lifecycle,
      provisioners,
      dependsOn: props.dependsOn,
    });
  }
  const { Resource } = loadNullProvider();
  return new Resource(scope, id, {
    triggers: { dhcp_agent: props.kind, payload },
    lifecycle,
    provisioners,
    dependsOn: props.dependsOn,
    provider: nullProviderOf(TerraformStack.of(scope)),
  });
}

function nullProviderOf(stack: TerraformStack): NullProvider {
  const { NullProvider } = loadNullProvider();
  return stack.node.children.find((c): c is NullProvider => c instanceof NullProvider) ?? new NullProvider(stack, 'null');
}

/**
 * @cdktf/provider-null is an optional peer dependency: only `carrier: 'null_resource'` needs it,
 * and a required one would make npm install cdktf for everyone, plain-Terraform users included.
 */
function loadNullProvider(): { NullProvider: typeof NullProvider; Resource: typeof NullResource } {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when a null_resource carrier is made */
    return {
      NullProvider: (require('@cdktf/provider-null/lib/provider') as typeof import('@cdktf/provider-null/lib/provider')).NullProvider,
      Resource: (require('@cdktf/provider-null/lib/resource') as typeof import('@cdktf/provider-null/lib/resource')).Resource,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch (err) {
    throw new Error(
      `carrier: "null_resource" needs the npm package @cdktf/provider-null (npm install @cdktf/provider-null@^11), which is not installed (${(err as Error).message.split('\n')[0]}); or leave carrier at its default, "terraform_data"`,
    );
  }
}
