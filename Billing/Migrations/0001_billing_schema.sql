-- Every Yapit billing table lives in the "billing" schema; the migration history stays in public.
CREATE SCHEMA IF NOT EXISTS billing;
COMMENT ON SCHEMA billing IS 'Yapit billing: plans, subscriptions, usage and the Stripe event inbox.';
