-- CreateEnum
CREATE TYPE "GalleryArchiveStatus" AS ENUM ('pending', 'processing', 'completed', 'failed', 'outdated');

-- CreateTable
CREATE TABLE "galleries" (
    "id" UUID NOT NULL,
    "owner_id" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "password_hash" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "galleries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gallery_images" (
    "id" UUID NOT NULL,
    "gallery_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "storage_key" TEXT NOT NULL,
    "thumb_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gallery_images_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gallery_clients" (
    "id" UUID NOT NULL,
    "gallery_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "notify_on_archive" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gallery_clients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gallery_archives" (
    "id" UUID NOT NULL,
    "gallery_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "images_hash" TEXT NOT NULL,
    "image_ids" JSONB NOT NULL,
    "storage_path" TEXT NOT NULL,
    "file_size_bytes" BIGINT,
    "checksum" TEXT,
    "image_count" INTEGER NOT NULL,
    "status" "GalleryArchiveStatus" NOT NULL DEFAULT 'pending',
    "error_message" TEXT,
    "operation_id" UUID,
    "email_sent" BOOLEAN NOT NULL DEFAULT false,
    "email_sent_at" TIMESTAMPTZ(3),
    "email_recipient" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "gallery_archives_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gallery_archive_emails" (
    "id" UUID NOT NULL,
    "archive_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "transport" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gallery_archive_emails_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "galleries_owner_id_created_at_idx" ON "galleries"("owner_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "gallery_images_gallery_id_name_key" ON "gallery_images"("gallery_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "gallery_clients_gallery_id_email_key" ON "gallery_clients"("gallery_id", "email");

-- CreateIndex
CREATE INDEX "gallery_archives_status_idx" ON "gallery_archives"("status");

-- CreateIndex
CREATE UNIQUE INDEX "gallery_archives_gallery_id_version_key" ON "gallery_archives"("gallery_id", "version");

-- CreateIndex
CREATE INDEX "gallery_archive_emails_archive_id_email_idx" ON "gallery_archive_emails"("archive_id", "email");

-- AddForeignKey
ALTER TABLE "galleries" ADD CONSTRAINT "galleries_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gallery_images" ADD CONSTRAINT "gallery_images_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gallery_clients" ADD CONSTRAINT "gallery_clients_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gallery_archives" ADD CONSTRAINT "gallery_archives_gallery_id_fkey" FOREIGN KEY ("gallery_id") REFERENCES "galleries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gallery_archive_emails" ADD CONSTRAINT "gallery_archive_emails_archive_id_fkey" FOREIGN KEY ("archive_id") REFERENCES "gallery_archives"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One live archive per image set of a gallery: the same set reuses its pending, processing or
-- completed archive, never a second one (a failed or outdated one does not count).
CREATE UNIQUE INDEX "gallery_archives_one_live_per_image_set"
  ON "gallery_archives" ("gallery_id", "images_hash")
  WHERE "status" IN ('pending', 'processing', 'completed');
