import { ApiProperty, ApiPropertyOptional } from '../../../docs/openapi-decorators';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** A second factor: a current TOTP code, or one of the recovery codes. */
export class SecondFactorDto {
  @ApiPropertyOptional({ description: 'The 6-digit code the authenticator app shows', example: '123456' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  @ApiPropertyOptional({ description: 'One of the recovery codes shown at enrolment (single use)', example: 'ABCDE-FGHJK' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  recoveryCode?: string;
}

export class MfaLoginDto extends SecondFactorDto {
  @ApiProperty({ description: 'The `mfaTicket` of the login answer' })
  @IsString()
  @MaxLength(256)
  ticket: string;
}

export class ConfirmTotpDto {
  @ApiProperty({ description: 'The current code of the app the secret was added to', example: '123456' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code: string;
}

/** Disabling the factor or regenerating recovery codes: the password and a second factor. */
export class ConfirmedChangeDto extends SecondFactorDto {
  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  password: string;
}

export class TotpEnrolmentDto {
  @ApiProperty({ description: 'The shared secret, base32, for typing into an app' })
  secret: string;

  @ApiProperty({ description: '`otpauth://totp/…` URI (what the QR code holds)' })
  otpauthUri: string;

  @ApiProperty({ description: 'The URI as a QR code: `data:image/png;base64,…`' })
  qrCode: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], description: 'Ten single-use codes, shown this once', example: ['ABCDE-FGHJK'] })
  recoveryCodes: string[];
}

export class MfaChallengeDto {
  @ApiProperty({ enum: [true] })
  mfaRequired: true;

  @ApiProperty({ description: 'Single use; send it with a code to POST /auth/mfa/verify' })
  mfaTicket: string;

  @ApiProperty({ description: 'Seconds the ticket stays valid', example: 300 })
  expiresIn: number;
}
