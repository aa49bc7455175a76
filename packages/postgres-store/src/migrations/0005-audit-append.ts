import { genesisHash } from '@swiftacare/audit';
import { appRole } from '../tables.js';

/**
 * Appending a batch of audit records in one statement: the function enters the tenant, locks
 * its head, chains the records and moves the head, so a batch costs one round trip and one
 * commit instead of five round trips. Every request waits for its batch, so this is on the
 * path of every answer. The hash is the one `chainHashOfJson` computes (SHA-256, hex, of the
 * previous hash followed by the record's canonical JSON, as UTF-8), so `ChainVerifier`
 * checks what this writes; the audit store tests hold the two to each other.
 */
export const auditAppend = {
  version: 5,
  name: 'audit-append',
  sql: () => `
CREATE FUNCTION audit_append(p_tenant text, p_recorded timestamptz[], p_records text[])
RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  head_seq bigint;
  head_hash text;
  seqs bigint[] := '{}';
  previous text[] := '{}';
  hashes text[] := '{}';
  h text;
  i integer;
BEGIN
  PERFORM set_config('app.tenant', p_tenant, true);
  INSERT INTO audit_head (tenant, seq, hash) VALUES (p_tenant, 0, '${genesisHash}')
    ON CONFLICT (tenant) DO NOTHING;
  -- Appenders of one tenant, from any process, queue on this row lock.
  SELECT seq, hash INTO head_seq, head_hash FROM audit_head WHERE tenant = p_tenant FOR UPDATE;
  FOR i IN 1 .. coalesce(array_length(p_records, 1), 0) LOOP
    head_seq := head_seq + 1;
    h := encode(sha256(convert_to(head_hash || p_records[i], 'UTF8')), 'hex');
    seqs := seqs || head_seq;
    previous := previous || head_hash;
    hashes := hashes || h;
    head_hash := h;
  END LOOP;
  INSERT INTO audit_event (tenant, seq, recorded, record, previous_hash, hash)
    SELECT p_tenant, s, r, j::json, p, x
    FROM unnest(seqs, p_recorded, p_records, previous, hashes) AS t (s, r, j, p, x);
  UPDATE audit_head SET seq = head_seq, hash = head_hash WHERE tenant = p_tenant;
  RETURN head_seq;
END
$fn$;
GRANT EXECUTE ON FUNCTION audit_append(text, timestamptz[], text[]) TO ${appRole};
`,
};
