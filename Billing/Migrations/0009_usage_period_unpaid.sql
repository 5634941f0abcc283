-- Rule 4 of docs/billing-rules.md: a period whose invoice is not paid (past_due, unpaid, incomplete, or the
-- subscription ended on it) or that was cut short and credited back rolls nothing over. The ledger marks the period
-- in force; UsageAccount reads it when it renews.
ALTER TABLE billing.usage_accounts ADD COLUMN period_unpaid boolean NOT NULL DEFAULT false;
