-- CreateTable
CREATE TABLE "signed_links" (
    "id" UUID NOT NULL,
    "run_id" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "archive_name" TEXT,
    "minted_by" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "use_count" INTEGER NOT NULL DEFAULT 0,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "signed_links_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "signed_links_run_id_created_at_idx" ON "signed_links"("run_id", "created_at");

-- CreateIndex
CREATE INDEX "signed_links_minted_by_idx" ON "signed_links"("minted_by");

-- AddForeignKey
ALTER TABLE "signed_links" ADD CONSTRAINT "signed_links_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signed_links" ADD CONSTRAINT "signed_links_minted_by_fkey" FOREIGN KEY ("minted_by") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
