import { ApiProperty } from '../../../docs/openapi-decorators';
import { TextField } from '../../../common/validation/text-field';

/** A TOTP code as an authenticator app shows it. */
const SIX_DIGITS = { maxLength: 6, pattern: { regex: /^\d{6}$/, message: 'code must be 6 digits' } };

/** A second factor: a current TOTP code, or one of the recovery codes. */
export class SecondFactorDto {
  @TextField({ ...SIX_DIGITS, optional: true, description: 'The 6-digit code the authenticator app shows', example: '123456' })
  code?: string;

  @TextField({ maxLength: 64, optional: true, description: 'One of the recovery codes shown at enrolment (single use)', example: 'ABCDE-FGHJK' })
  recoveryCode?: string;
}

export class MfaLoginDto extends SecondFactorDto {
  @TextField({ maxLength: 256, description: 'The `mfaTicket` of the login answer' })
  ticket: string;
}

export class ConfirmTotpDto {
  @TextField({ ...SIX_DIGITS, description: 'The current code of the app the secret was added to', example: '123456' })
  code: string;
}

/** Disabling the factor or regenerating recovery codes: the password and a second factor. */
export class ConfirmedChangeDto extends SecondFactorDto {
  @TextField({ maxLength: 1024 })
  password: string;
}

export class TotpEnrolmentDto {
  @ApiProperty({ description: 'The shared secret, base32, for typing into an app' })
  secret: string;

  @ApiProperty({ description: '`otpauth://totp/...` URI (what the QR code holds)' })
  otpauthUri: string;

  @ApiProperty({ description: 'The URI as a QR code: `data:image/png;base64,...`' })
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
