-- CreateEnum
CREATE TYPE "GlobalRole" AS ENUM ('admin', 'operator', 'user');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "role" "GlobalRole" NOT NULL DEFAULT 'user';

-- AlterTable
ALTER TABLE "operations" ADD COLUMN     "hidden_at" TIMESTAMPTZ(3);

-- Existing administrators keep their rights under the new role.
UPDATE "users" SET "role" = 'admin' WHERE "is_admin" = true;
