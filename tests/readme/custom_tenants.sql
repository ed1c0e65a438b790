-- A tenant table of another name, key and slug column, with one more
-- NOT NULL column (README.md: "Another tenants table").
CREATE TABLE IF NOT EXISTS accounts (
    account_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handle text NOT NULL UNIQUE,
    plan text NOT NULL
);
CREATE TABLE IF NOT EXISTS invoices (
    id bigserial PRIMARY KEY,
    account_no bigint NOT NULL REFERENCES accounts (account_no),
    slug text NOT NULL,
    UNIQUE (account_no, slug)
);
