-- The holder of a seal is reminded once before the seal's signing certificate expires.
ALTER TABLE seals ADD COLUMN reminded_at INTEGER;
