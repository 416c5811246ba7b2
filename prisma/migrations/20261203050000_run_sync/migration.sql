-- CreateTable
CREATE TABLE "sync_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "runs" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "use_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "sync_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run_syncs" (
    "id" UUID NOT NULL,
    "operation_id" UUID,
    "runid" TEXT NOT NULL,
    "source_host" TEXT NOT NULL,
    "target_path" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "bytes" BIGINT,
    "sha256" TEXT,
    "owner_email" TEXT,
    "owner" TEXT,
    "auth_token" TEXT,
    "origin" TEXT NOT NULL DEFAULT 'pull',
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "run_syncs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sync_tokens_token_hash_key" ON "sync_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "run_syncs_operation_id_key" ON "run_syncs"("operation_id");

-- CreateIndex
CREATE INDEX "run_syncs_runid_created_at_idx" ON "run_syncs"("runid", "created_at");

-- CreateIndex
CREATE INDEX "run_syncs_status_created_at_idx" ON "run_syncs"("status", "created_at");

-- CreateIndex
CREATE INDEX "run_syncs_created_at_idx" ON "run_syncs"("created_at");
