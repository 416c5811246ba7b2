-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "backup_retention" JSONB;
