-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "backup_repo_id" TEXT,
ADD COLUMN     "last_backup_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_edited_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "backup_repos" (
    "id" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "bucket" TEXT,
    "endpoint" TEXT,
    "prefix" TEXT,
    "status" TEXT NOT NULL DEFAULT 'ready',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "backup_repos_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "backups" (
    "id" UUID NOT NULL,
    "run_id" TEXT NOT NULL,
    "repo_id" TEXT NOT NULL,
    "snapshot_id" TEXT NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,
    "purpose" TEXT NOT NULL DEFAULT 'manual',
    "files" INTEGER NOT NULL,
    "bytes" BIGINT NOT NULL,
    "bytes_added" BIGINT NOT NULL,
    "operation_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "backups_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "backups_run_id_time_idx" ON "backups"("run_id", "time");

-- CreateIndex
CREATE UNIQUE INDEX "backups_repo_id_snapshot_id_key" ON "backups"("repo_id", "snapshot_id");

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_backup_repo_id_fkey" FOREIGN KEY ("backup_repo_id") REFERENCES "backup_repos"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "backups" ADD CONSTRAINT "backups_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "backups" ADD CONSTRAINT "backups_repo_id_fkey" FOREIGN KEY ("repo_id") REFERENCES "backup_repos"("id") ON DELETE CASCADE ON UPDATE CASCADE;
