/**
 * Migration 2: the two hottest writes as server-side functions, so that each costs one round trip
 * instead of five to nine. Before, an append held its conversation's row lock across nine round
 * trips (lock, duplicate check, membership check, insert, counter, message id, own cursor,
 * COMMIT) and sends to a busy room queued on that lock; an ack was a five-round-trip transaction.
 * The logic is the same statement for statement as the TypeScript it replaces (conversations.ts
 * commitInTransaction still runs in TypeScript: commits are rare and have many outcomes).
 *
 * Called as a single statement outside an explicit transaction, each call is its own
 * transaction: the lock is taken and released within one statement and the COMMIT that makes the
 * result durable is the statement's own.
 */
export const HOT_PATH_FUNCTIONS_SQL = `
-- Appends one application message: the same outcomes as PostgresConversations.appendApplication.
-- out_kind is ok, duplicate (out_seq = the first append's seq), messageIdTaken, notMember or
-- conversationNotFound.
CREATE FUNCTION parley_append_application(
  p_conversation TEXT, p_message_id TEXT, p_username TEXT, p_device TEXT,
  p_epoch BIGINT, p_now BIGINT, p_data TEXT,
  OUT out_kind TEXT, OUT out_seq BIGINT
) LANGUAGE plpgsql AS $fn$
DECLARE
  v_last BIGINT;
  v_prior_device TEXT;
  v_prior_seq BIGINT;
BEGIN
  -- The conversation row lock orders appends to one conversation from every instance: seqs stay
  -- gap-free and commit in order.
  SELECT c.last_seq INTO v_last FROM conversations c WHERE c.conversation_id = p_conversation FOR UPDATE;
  IF NOT FOUND THEN
    out_kind := 'conversationNotFound';
    RETURN;
  END IF;
  SELECT i.sender_device, i.seq INTO v_prior_device, v_prior_seq
    FROM message_ids i WHERE i.conversation_id = p_conversation AND i.message_id = p_message_id;
  IF FOUND THEN
    IF v_prior_device = p_device THEN
      out_kind := 'duplicate';
      out_seq := v_prior_seq;
    ELSE
      out_kind := 'messageIdTaken';
    END IF;
    RETURN;
  END IF;
  PERFORM 1 FROM members m
    WHERE m.conversation_id = p_conversation AND m.device_id = p_device AND m.removed_seq IS NULL;
  IF NOT FOUND THEN
    out_kind := 'notMember';
    RETURN;
  END IF;
  out_seq := v_last + 1;
  INSERT INTO entries (conversation_id, seq, kind, epoch, message_id, sender_username, sender_device, sent_at, data, meta)
    VALUES (p_conversation, out_seq, 'application', p_epoch, p_message_id, p_username, p_device, p_now, p_data, NULL);
  UPDATE conversations SET last_seq = out_seq WHERE conversation_id = p_conversation;
  INSERT INTO message_ids (conversation_id, message_id, sender_device, seq, epoch, created_at)
    VALUES (p_conversation, p_message_id, p_device, out_seq, p_epoch, p_now);
  -- The sender is never sent its own entry: if it had acked everything before, pass over it now.
  UPDATE members SET cursor = out_seq
    WHERE conversation_id = p_conversation AND device_id = p_device AND cursor = out_seq - 1 AND removed_seq IS NULL;
  out_kind := 'ok';
END
$fn$;

-- Appends many application messages in one transaction (one COMMIT, one WAL flush for all),
-- each by parley_append_application. Conversation rows are locked in conversation order, so two
-- instances' batches cannot deadlock each other; appends to one conversation keep their call
-- order. Returns one row per input, out_index being its 1-based position.
CREATE FUNCTION parley_append_application_batch(
  p_conversations TEXT[], p_message_ids TEXT[], p_usernames TEXT[], p_devices TEXT[],
  p_epochs BIGINT[], p_nows BIGINT[], p_data TEXT[]
) RETURNS TABLE (out_index INT, out_kind TEXT, out_seq BIGINT) LANGUAGE plpgsql AS $fn$
DECLARE
  r RECORD;
  v_kind TEXT;
  v_seq BIGINT;
BEGIN
  FOR r IN
    SELECT a.conversation_id, a.message_id, a.username, a.device_id, a.epoch, a.now, a.data, a.i::INT AS i
      FROM unnest(p_conversations, p_message_ids, p_usernames, p_devices, p_epochs, p_nows, p_data)
        WITH ORDINALITY AS a(conversation_id, message_id, username, device_id, epoch, now, data, i)
      ORDER BY a.conversation_id, a.i
  LOOP
    SELECT f.out_kind, f.out_seq INTO v_kind, v_seq
      FROM parley_append_application(r.conversation_id, r.message_id, r.username, r.device_id, r.epoch, r.now, r.data) f;
    out_index := r.i;
    out_kind := v_kind;
    out_seq := v_seq;
    RETURN NEXT;
  END LOOP;
END
$fn$;

-- Acks many (conversation, device, seq) at once, in one transaction: the same rule as
-- PostgresDelivery's single ack. Returns one row per input, out_index being its 1-based position;
-- out_cursor is the cursor after the ack, or NULL if the device is not a member. Member rows are
-- locked in (conversation, device) order, so two instances' batches cannot deadlock each other.
CREATE FUNCTION parley_ack_batch(p_conversations TEXT[], p_devices TEXT[], p_seqs BIGINT[])
RETURNS TABLE (out_index INT, out_cursor BIGINT) LANGUAGE plpgsql AS $fn$
DECLARE
  r RECORD;
  v_cursor BIGINT;
  v_limit BIGINT;
  v_target BIGINT;
  v_next BIGINT;
  v_reach BIGINT;
BEGIN
  FOR r IN
    SELECT a.conversation_id, a.device_id, a.seq, a.i::INT AS i
      FROM unnest(p_conversations, p_devices, p_seqs) WITH ORDINALITY AS a(conversation_id, device_id, seq, i)
      ORDER BY a.conversation_id, a.device_id, a.i
  LOOP
    out_index := r.i;
    SELECT m.cursor, COALESCE(m.removed_seq, c.last_seq) INTO v_cursor, v_limit
      FROM members m JOIN conversations c ON c.conversation_id = m.conversation_id
      WHERE m.conversation_id = r.conversation_id AND m.device_id = r.device_id
      FOR UPDATE OF m;
    IF NOT FOUND THEN
      out_cursor := NULL;
      RETURN NEXT;
      CONTINUE;
    END IF;
    v_target := LEAST(r.seq, v_limit);
    IF v_target >= v_cursor THEN
      -- Pass on over the device's own entries that follow: they are never delivered to it.
      SELECT MIN(e.seq) INTO v_next FROM entries e
        WHERE e.conversation_id = r.conversation_id AND e.seq > v_target AND e.seq <= v_limit
          AND (e.sender_device IS NULL OR e.sender_device <> r.device_id);
      v_reach := COALESCE(v_next - 1, v_limit);
      IF v_reach > v_cursor THEN
        UPDATE members SET cursor = v_reach WHERE conversation_id = r.conversation_id AND device_id = r.device_id;
        v_cursor := v_reach;
      END IF;
    END IF;
    out_cursor := v_cursor;
    RETURN NEXT;
  END LOOP;
END
$fn$;
`;
