-- AlterTable
ALTER TABLE "operations" ADD COLUMN     "channel" TEXT NOT NULL DEFAULT 'operations',
ADD COLUMN     "checkpoint" JSONB,
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateIndex
CREATE INDEX "operations_parent_id_idx" ON "operations"("parent_id");

-- Data (by hand): the channel of existing operations, as their kinds derived it before it was stored.
UPDATE "operations" SET "channel" = CASE
  WHEN "scope_type" = 'run' THEN "scope_id" || ':archive'
  WHEN "scope_type" = 'folder' THEN 'folder:' || "id"::text
  ELSE 'operations' END;

-- Data (by hand): folder jobs whose first stage finished carry the tested archive in the checkpoint
-- (it was kept in result.upload), so a retry resumes at the upload.
UPDATE "operations" SET "checkpoint" = jsonb_build_object('archive', jsonb_build_object(
    'size', "result"->'upload'->'archiveSize',
    'sha256', "result"->'upload'->'archiveSha256',
    'folderSize', "result"->'upload'->'folderSize',
    'fileCount', "result"->'upload'->'fileCount'))
  WHERE "kind" = 'folder-archive' AND "result" ? 'upload';
