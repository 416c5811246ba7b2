-- CreateEnum
CREATE TYPE "HostStatus" AS ENUM ('online', 'offline', 'draining', 'off');

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "host_id" TEXT NOT NULL DEFAULT 'local';

-- AlterTable
ALTER TABLE "operations" ADD COLUMN     "host_id" TEXT;

-- CreateTable
CREATE TABLE "hosts" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "region" TEXT NOT NULL DEFAULT 'local',
    "status" "HostStatus" NOT NULL DEFAULT 'online',
    "runs_root" TEXT NOT NULL,
    "free_bytes" BIGINT,
    "total_bytes" BIGINT,
    "version" TEXT,
    "last_heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hosts_pkey" PRIMARY KEY ("id")
);
