-- Call-control webhooks answer the platform: they are reached only through
-- POST /v2/accounts/{A}/events/invoke, never by the asynchronous fan-out.
ALTER TABLE "webhooks" ADD COLUMN "call_control" BOOLEAN NOT NULL DEFAULT false;
