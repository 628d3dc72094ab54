import { TerraformProvider, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { PROVIDER_SOURCE, PROVIDER_TYPE_NAME, providerVersion } from '../../src/provider/version';
import { installProviderIntoStack } from '../provider-install';

/** Configuration of the `dhcpagent` provider. */
export interface DhcpagentProviderConfig {
  /**
   * Alias, for a second provider configuration in the same stack.
   * @default - none
   */
  readonly alias?: string;
  /**
   * Lay the provider launcher and a matching lock file into the synthesized stack directory,
   * so that `cdktf deploy` works offline with no Terraform CLI configuration.
   * @default true
   */
  readonly installIntoStack?: boolean;
  /**
   * Nodes that are gone for good, as `host` or `host:port` (`gone_nodes`): their networks and
   * ports are never contacted, and deleting them only drops them from state. A
   * `DhcpAgentNode` with `goneForGood: true` adds itself here.
   * @default - none
   */
  readonly goneNodes?: string[];
}

/**
 * The `dhcpagent` Terraform provider (L1). The L2 constructs add one per stack on their own;
 * use this class to set an alias or to turn off the automatic installation.
 *
 * @example
 * new DhcpagentProvider(stack, 'dhcpagent');
 */
export class DhcpagentProvider extends TerraformProvider {
  /** The Terraform provider type name, `dhcpagent`. */
  static readonly tfResourceType = PROVIDER_TYPE_NAME;

  /** The provider of `stack`, created on first use. */
  static of(stack: TerraformStack): DhcpagentProvider {
    const existing = stack.node.children.find((c): c is DhcpagentProvider => c instanceof DhcpagentProvider);
    return existing ?? new DhcpagentProvider(stack, 'dhcpagent');
  }

  private _alias?: string;

  constructor(scope: Construct, id: string, config: DhcpagentProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: PROVIDER_TYPE_NAME,
      terraformGeneratorMetadata: { providerName: PROVIDER_TYPE_NAME, providerVersion: providerVersion(), providerVersionConstraint: providerVersion() },
      terraformProviderSource: PROVIDER_SOURCE,
    });
    this._alias = config.alias;
    this.goneNodes.push(...(config.goneNodes ?? []));
    if (config.installIntoStack ?? true) installProviderIntoStack(this);
  }

  /** `host:port` of the nodes declared gone for good (`gone_nodes`); nodes add themselves. */
  readonly goneNodes: string[] = [];

  override get alias(): string | undefined {
    return this._alias;
  }

  override set alias(value: string | undefined) {
    this._alias = value;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return this.goneNodes.length ? { gone_nodes: [...this.goneNodes] } : {};
  }
}
