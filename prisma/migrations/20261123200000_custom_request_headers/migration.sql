-- Kazoo 4.3+'s custom_request_headers: extra headers sent with every delivery of a webhook.
ALTER TABLE "webhooks" ADD COLUMN "custom_request_headers" JSONB;
