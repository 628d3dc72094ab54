/**
 * The hashicorp/null provider block the `null_resource` carrier needs, written with cdktf's core
 * classes only: no prebuilt provider package, whose own `cdktf` dependency would put a second
 * CDK (cdktf next to cdktn) into a CDK Terrain app.
 */
import { TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';

/** Terraform reads the short source `null` as registry.terraform.io/hashicorp/null; pinned as @cdktf/provider-null 11 pinned it. */
export const NULL_PROVIDER_METADATA = { providerName: 'null', providerVersion: '3.2.4', providerVersionConstraint: '~> 3.0' } as const;

/**
 * The `null` provider of a stack (it has no settings).
 *
 * @example
 * const provider = new NullProvider(stack, 'null');
 */
export class NullProvider extends TerraformProvider {
  constructor(scope: Construct, id: string) {
    super(scope, id, { terraformResourceType: 'null', terraformGeneratorMetadata: NULL_PROVIDER_METADATA, terraformProviderSource: 'null' });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {};
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return {};
  }
}
