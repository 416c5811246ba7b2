-- AlterTable
ALTER TABLE "backup_repos" ADD COLUMN     "last_scrub_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_scrub_message" TEXT,
ADD COLUMN     "last_scrub_ok" BOOLEAN,
ADD COLUMN     "last_scrub_subset" TEXT,
ADD COLUMN     "scrub_next_subset" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "backup_zips" (
    "id" UUID NOT NULL,
    "run_id" TEXT NOT NULL,
    "backup_id" UUID NOT NULL,
    "snapshot_id" TEXT NOT NULL,
    "paths" JSONB,
    "size" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "file_count" INTEGER NOT NULL,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "expired_at" TIMESTAMPTZ(3),

    CONSTRAINT "backup_zips_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "backup_zips_run_id_created_at_idx" ON "backup_zips"("run_id", "created_at");

-- CreateIndex
CREATE INDEX "backup_zips_expires_at_idx" ON "backup_zips"("expires_at");

-- AddForeignKey
ALTER TABLE "backup_zips" ADD CONSTRAINT "backup_zips_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
