-- Rule 1 of docs/billing-rules.md: when the ledger leaves a paid period for the free tier because the stored
-- subscription ended, the paid period is kept here. If that same period's subscription is restored (the end was a
-- wrong write: a stale replay under older code, a hand edit), the interlude is undone: the period comes back and
-- the records and credit packs since started_at are charged again at its tier. A paid plan taking over otherwise
-- deletes the row.
CREATE TABLE billing.usage_interludes (
    user_id     text        PRIMARY KEY REFERENCES billing.usage_accounts (user_id),
    started_at  timestamptz NOT NULL,
    snapshot    jsonb       NOT NULL
);
