/** The blocking warning when a contact's account key changed: nothing is sent until the user acts. */
export function KeyChangeWarning({ username, onShow, onAccept }: { username: string; onShow: () => void; onAccept: () => void }) {
  return (
    <div class="warning" role="alert">
      <strong>{username}'s security key changed.</strong> This can mean a new installation, or someone impersonating
      them. Sending is blocked until you compare safety numbers with {username} (in person or on a call you trust).
      <div class="row">
        <button type="button" onClick={onShow}>
          Show safety number
        </button>
        <button type="button" onClick={onAccept}>
          I verified it: accept the new key
        </button>
      </div>
    </div>
  );
}
