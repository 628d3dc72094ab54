import { TerraformStack, type TerraformProviderGeneratorMetadata } from 'cdktf';
import type { Construct } from 'constructs';
import { PROVIDER_TYPE_NAME, providerVersion } from '../../src/provider/version';
import { installProviderIntoStack } from '../provider-install';
import * as generated from './generated/provider';

/** Configuration of the `dhcpagent` provider: the generated one, and how the provider gets installed. */
export interface DhcpagentProviderConfig extends generated.DhcpagentProviderConfig {
  /**
   * Lay the provider package (bundle and launcher) and a matching lock file into the synthesized stack directory,
   * so that `cdktf deploy` works offline with no Terraform CLI configuration.
   * @default true
   */
  readonly installIntoStack?: boolean;
}

/**
 * The `dhcpagent` Terraform provider (L1): the generated class, which also installs the
 * provider into the synthesized stack and pins its version. The L2 constructs add one per
 * stack on their own; use this class to set an alias or to turn off the automatic installation.
 *
 * @example
 * new DhcpagentProvider(stack, 'dhcpagent');
 */
export class DhcpagentProvider extends generated.DhcpagentProvider {
  /** The provider of `stack`, created on first use. */
  static of(stack: TerraformStack): DhcpagentProvider {
    const existing = stack.node.children.find((c): c is DhcpagentProvider => c instanceof DhcpagentProvider);
    return existing ?? new DhcpagentProvider(stack, 'dhcpagent');
  }

  /**
   * `required_providers` gets the version of the provider this package bundles (the generated
   * class names none): the lock file laid into the stack has it as its constraint, and cdktf
   * skips its online `terraform providers lock` only when the two match.
   */
  override readonly terraformGeneratorMetadata: TerraformProviderGeneratorMetadata = {
    providerName: PROVIDER_TYPE_NAME,
    providerVersion: providerVersion(),
    providerVersionConstraint: providerVersion(),
  };

  constructor(scope: Construct, id: string, config: DhcpagentProviderConfig = {}) {
    const { installIntoStack = true, ...generatedConfig } = config;
    super(scope, id, { ...generatedConfig, goneNodes: [...(config.goneNodes ?? [])] });
    if (installIntoStack) installProviderIntoStack(this);
  }

  /**
   * `host:port` of the nodes declared gone for good (`gone_nodes`): a `DhcpAgentNode` with
   * `goneForGood: true` adds itself. Never undefined, so that nodes can push to it; left out of
   * the configuration while empty.
   */
  override get goneNodes(): string[] {
    if (super.goneNodes === undefined) super.goneNodes = [];
    return super.goneNodes;
  }

  override set goneNodes(value: string[] | undefined) {
    super.goneNodes = value;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const { gone_nodes: goneNodes, ...attributes } = super.synthesizeAttributes();
    return this.goneNodes.length ? { ...attributes, gone_nodes: goneNodes } : attributes;
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    const { gone_nodes: goneNodes, ...attributes } = super.synthesizeHclAttributes();
    return this.goneNodes.length ? { ...attributes, gone_nodes: goneNodes } : attributes;
  }
}
