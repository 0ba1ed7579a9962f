-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "dpop_jkt" VARCHAR(64);

