-- `accounts` exists since the previous migration: each sub-command is judged against it.
ALTER TABLE accounts
    ALTER COLUMN email TYPE varchar(200),
    ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid(),
    ALTER COLUMN nickname SET NOT NULL,
    ALTER COLUMN code TYPE text;
