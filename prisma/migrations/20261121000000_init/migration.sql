-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "OperationStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired');

-- CreateEnum
CREATE TYPE "ScopeType" AS ENUM ('run', 'folder', 'gallery', 'host', 'system');

-- CreateEnum
CREATE TYPE "RunRole" AS ENUM ('owner', 'collaborator', 'viewer');

-- CreateEnum
CREATE TYPE "LogLevel" AS ENUM ('DEBUG', 'INFO', 'WARNING', 'ERROR');

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "is_admin" BOOLEAN NOT NULL DEFAULT false,
    "must_change_password" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_login" TIMESTAMPTZ(3),

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runs" (
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT,

    CONSTRAINT "runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run_members" (
    "run_id" TEXT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "role" "RunRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "run_members_pkey" PRIMARY KEY ("run_id","user_id")
);

-- CreateTable
CREATE TABLE "operations" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "queue" TEXT NOT NULL,
    "scope_type" "ScopeType" NOT NULL,
    "scope_id" TEXT NOT NULL,
    "status" "OperationStatus" NOT NULL DEFAULT 'queued',
    "stage" TEXT,
    "progress_percent" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "current_operation" TEXT,
    "input" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "error" TEXT,
    "error_code" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 1,
    "heartbeat_at" TIMESTAMPTZ(3),
    "cancel_requested_at" TIMESTAMPTZ(3),
    "exclusive_key" TEXT,
    "dedupe_key" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "parent_id" UUID,

    CONSTRAINT "operations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operation_logs" (
    "id" BIGSERIAL NOT NULL,
    "operation_id" UUID NOT NULL,
    "ts" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "level" "LogLevel" NOT NULL DEFAULT 'INFO',
    "message" TEXT NOT NULL,

    CONSTRAINT "operation_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "archives" (
    "id" UUID NOT NULL,
    "run_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "label" TEXT,
    "size" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "file_count" INTEGER NOT NULL,
    "local_path" TEXT,
    "bucket_key" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'snapshot',
    "operation_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "verified_at" TIMESTAMPTZ(3),

    CONSTRAINT "archives_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");

-- CreateIndex
CREATE INDEX "run_members_user_id_idx" ON "run_members"("user_id");

-- CreateIndex
CREATE INDEX "operations_scope_type_scope_id_created_at_idx" ON "operations"("scope_type", "scope_id", "created_at");

-- CreateIndex
CREATE INDEX "operations_status_created_at_idx" ON "operations"("status", "created_at");

-- CreateIndex
CREATE INDEX "operations_kind_status_idx" ON "operations"("kind", "status");

-- CreateIndex
CREATE INDEX "operation_logs_operation_id_id_idx" ON "operation_logs"("operation_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "archives_run_id_name_key" ON "archives"("run_id", "name");

-- AddForeignKey
ALTER TABLE "run_members" ADD CONSTRAINT "run_members_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_members" ADD CONSTRAINT "run_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operations" ADD CONSTRAINT "operations_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "operations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operation_logs" ADD CONSTRAINT "operation_logs_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "operations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "archives" ADD CONSTRAINT "archives_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- One active (queued or running) operation per exclusive key, e.g. one mutating operation
-- per run ("run:<runid>") or one archive job per source folder. Enforced by the database,
-- not only by application code. Prisma's schema language cannot express partial indexes.
CREATE UNIQUE INDEX "operations_one_active_per_exclusive_key"
  ON "operations" ("exclusive_key")
  WHERE "exclusive_key" IS NOT NULL AND "status" IN ('queued', 'running');
