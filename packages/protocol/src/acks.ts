/**
 * How often, at most, a client sends its delivery acks (docs/protocol.md, "Delivery"). Acks are
 * cumulative per conversation, so a client that waits loses nothing: it then acks the newest seq
 * it has persisted in each conversation. A quiet conversation's entries are acked as soon as they
 * are processed; under load, one ack per pushed frame (each a request, a reply and a durable cursor
 * write on the server) becomes a few per second. The price: a client that crashes may be sent up to
 * this long's worth of entries again, which it recognises by seq and drops.
 */
export const ACK_INTERVAL_MS = 250;
