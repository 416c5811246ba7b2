-- CreateTable
CREATE TABLE "migrations" (
    "id" UUID NOT NULL,
    "runid" TEXT NOT NULL,
    "config" TEXT,
    "local_path" TEXT,
    "source_host" TEXT,
    "original_url" TEXT,
    "pulled_at" TIMESTAMPTZ(3),
    "owner_email" TEXT,
    "version_at_pull" INTEGER,
    "traits_detected" JSONB,
    "last_migration_version" INTEGER,
    "last_status" TEXT,
    "last_operation_id" UUID,
    "last_message" TEXT,
    "archive_before" TEXT,
    "archive_after" TEXT,
    "is_fixture" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "migrations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "migrations_runid_key" ON "migrations"("runid");
