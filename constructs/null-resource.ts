/**
 * A `null_resource` (hashicorp/null) with `triggers`: the portable mode's second carrier type,
 * written with cdktf's core classes only (see null-provider.ts for why).
 */
import { TerraformResource, type TerraformResourceConfig } from 'cdktf';
import type { Construct } from 'constructs';
import { NULL_PROVIDER_METADATA } from './null-provider';

export interface NullResourceProps extends Pick<TerraformResourceConfig, 'provider' | 'dependsOn' | 'lifecycle' | 'provisioners'> {
  /** Values whose change replaces the resource (strings or tokens). */
  readonly triggers: Record<string, string>;
}

/**
 * @example
 * new NullResource(stack, 'carrier', { triggers: { payload }, provider: new NullProvider(stack, 'null') });
 */
export class NullResource extends TerraformResource {
  private readonly triggers: Record<string, string>;

  constructor(scope: Construct, id: string, props: NullResourceProps) {
    super(scope, id, {
      terraformResourceType: 'null_resource',
      terraformGeneratorMetadata: NULL_PROVIDER_METADATA,
      provider: props.provider,
      dependsOn: props.dependsOn,
      lifecycle: props.lifecycle,
      provisioners: props.provisioners,
    });
    this.triggers = props.triggers;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { triggers: this.triggers };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return { triggers: { value: this.triggers, isBlock: false, type: 'map', storageClassType: 'stringMap' } };
  }
}
