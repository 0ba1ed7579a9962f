import { ApiProperty } from '../../docs/openapi-decorators';

/** What anyone may see of an account: never its password hash. */
export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty({ description: 'The owner followed the verification link mailed at registration' })
  emailVerified: boolean;

  @ApiProperty({ description: 'A TOTP second factor is enrolled: logins need a code' })
  mfaEnabled: boolean;
}
