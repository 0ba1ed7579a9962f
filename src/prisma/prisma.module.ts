import { Global, Module } from '@nestjs/common';
import { PreparedStatements } from './prepared-statements';
import { PrismaService } from './prisma.service';

@Global()
@Module({ providers: [PreparedStatements, PrismaService], exports: [PreparedStatements, PrismaService] })
export class PrismaModule {}
