/**
 * Desktop notifications, only while the tab is hidden and only with the user's permission. They
 * name the sender but never show message text: the OS keeps notification history outside the
 * encrypted store.
 */
export function notificationsSupported(): boolean {
  return typeof Notification !== "undefined";
}

export function notificationPermission(): NotificationPermission | "unsupported" {
  return notificationsSupported() ? Notification.permission : "unsupported";
}

export async function askNotificationPermission(): Promise<NotificationPermission | "unsupported"> {
  if (!notificationsSupported()) return "unsupported";
  return Notification.requestPermission();
}

export function notifyIfHidden(title: string, body: string, onClick: () => void): void {
  if (!notificationsSupported() || Notification.permission !== "granted" || !document.hidden) return;
  const n = new Notification(title, { body, tag: title });
  n.onclick = () => {
    window.focus();
    onClick();
    n.close();
  };
}
