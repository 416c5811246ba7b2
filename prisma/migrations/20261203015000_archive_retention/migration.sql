-- CreateTable
CREATE TABLE "run_retention" (
    "run_id" TEXT NOT NULL,
    "keep_last" INTEGER,
    "keep_days" INTEGER,
    "pre_restore_days" INTEGER,
    "updated_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "run_retention_pkey" PRIMARY KEY ("run_id")
);

-- CreateTable
CREATE TABLE "archive_deletions" (
    "id" BIGSERIAL NOT NULL,
    "run_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "archive_deletions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "archive_deletions_run_id_created_at_idx" ON "archive_deletions"("run_id", "created_at");
