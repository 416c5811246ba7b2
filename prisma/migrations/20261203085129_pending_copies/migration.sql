-- CreateEnum
CREATE TYPE "CopyStatus" AS ENUM ('pending', 'applying', 'done', 'failed', 'cancelled', 'expired');

-- CreateTable
CREATE TABLE "pending_copies" (
    "id" UUID NOT NULL,
    "operation_id" UUID NOT NULL,
    "apply_operation_id" UUID,
    "src_run_id" TEXT NOT NULL,
    "paths" JSONB NOT NULL,
    "snapshot_id" TEXT,
    "repo_id" TEXT,
    "snapshot_owned" BOOLEAN NOT NULL DEFAULT false,
    "snapshot_forgotten_at" TIMESTAMPTZ(3),
    "dest_run_id" TEXT NOT NULL,
    "dest_path" TEXT NOT NULL,
    "error_on_exist" BOOLEAN NOT NULL DEFAULT false,
    "force" BOOLEAN NOT NULL DEFAULT false,
    "status" "CopyStatus" NOT NULL DEFAULT 'pending',
    "error" TEXT,
    "error_code" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_by" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "pending_copies_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "pending_copies_operation_id_idx" ON "pending_copies"("operation_id");

-- CreateIndex
CREATE INDEX "pending_copies_src_run_id_created_at_idx" ON "pending_copies"("src_run_id", "created_at");

-- CreateIndex
CREATE INDEX "pending_copies_dest_run_id_status_idx" ON "pending_copies"("dest_run_id", "status");

-- CreateIndex
CREATE INDEX "pending_copies_status_expires_at_idx" ON "pending_copies"("status", "expires_at");
