-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN     "include_internal_legs" BOOLEAN NOT NULL DEFAULT true;
