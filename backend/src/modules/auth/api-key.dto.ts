import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { IsZonedDateTime } from '../../http/zoned-date-time';
import { ROLES, type Role } from './roles';

export class CreateApiKeyDto {
  @ApiProperty({ description: 'What the key is for, e.g. "ci-pipeline" or "grafana".', example: 'ci-pipeline' })
  @IsString()
  @Length(1, 100)
  @Matches(/^[\w .:@()-]+$/, { message: 'name may contain letters, digits, spaces and . : @ ( ) - _' })
  name!: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['viewer'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(ROLES.length)
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @ApiPropertyOptional({ description: 'ISO 8601 time after which the key stops working.', format: 'date-time' })
  @IsOptional()
  @IsZonedDateTime()
  expiresAt?: string;
}

export type ApiKeyStatus = 'active' | 'revoked' | 'expired';

/** An API key as the API shows it: never the secret or its hash. */
export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Public part of the key (`dwk_<keyId>_…`).' }) keyId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty({ enum: ['active', 'revoked', 'expired'] }) status!: ApiKeyStatus;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedBy!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt!: string | null;
}

export class CreatedApiKey {
  @ApiProperty({ description: 'The key. Shown only in this response; store it now.' }) key!: string;
  @ApiProperty({ type: ApiKeyView }) apiKey!: ApiKeyView;
}

export class ApiKeyList {
  @ApiProperty({ type: ApiKeyView, isArray: true }) items!: ApiKeyView[];
}
