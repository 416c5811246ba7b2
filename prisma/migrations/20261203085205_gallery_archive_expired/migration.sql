-- AlterEnum
ALTER TYPE "GalleryArchiveStatus" ADD VALUE 'expired';
