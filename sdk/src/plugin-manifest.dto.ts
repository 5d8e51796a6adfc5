import { ArrayUnique, IsArray, IsDefined, IsIn, IsObject, IsOptional, IsString, Matches, ValidateBy } from 'class-validator';
import type { ValidationArguments } from 'class-validator';
import type { JsonSchema, PluginBootFailurePolicy, PluginModule, PluginOptions } from '@rvoip/contracts';

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
// semver 2.0.0's own grammar, so the SDK needs no semver dependency for a format check.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function isModuleLike(value: unknown): boolean {
  return typeof value === 'function' || (typeof value === 'object' && value !== null && typeof (value as { load?: unknown }).load === 'function');
}

/**
 * The shape `definePlugin` accepts from user code, guarded by class-validator so a plugin
 * author learns about a bad id or range when the module is imported, not at boot.
 */
export class PluginManifestDto {
  @IsString()
  @Matches(KEBAB, { message: 'id must be kebab-case (e.g. "call-billing"), got $value' })
  id!: string;

  @IsString()
  @Matches(SEMVER, { message: 'version must be a semver version (e.g. "1.2.0"), got $value' })
  version!: string;

  @IsString()
  @Matches(/\S/, { message: 'rvoip must be a semver range of supported rvoip versions (e.g. "^0.1.0")' })
  rvoip!: string;

  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @Matches(KEBAB, { each: true, message: 'dependsOn entries must be kebab-case plugin ids, got $value' })
  dependsOn?: string[];

  @IsOptional()
  @IsObject({ message: 'configSchema must be a JSON Schema object' })
  configSchema?: JsonSchema;

  @IsDefined({ message: 'module is required: a ContainerModule or (context) => ContainerModule' })
  @ValidateBy({
    name: 'isContainerModule',
    validator: {
      validate: (value: unknown) => isModuleLike(value),
      defaultMessage: (args?: ValidationArguments) => `module must be a ContainerModule or a factory function, got ${typeof args?.value}`,
    },
  })
  module!: PluginModule<PluginOptions>;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsIn(['abort', 'continue'])
  onBootFailure?: PluginBootFailurePolicy;
}
