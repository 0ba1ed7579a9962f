import { ApiProperty } from '@nestjs/swagger';

/** What anyone may see of an account: never its password hash. */
export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;
}
