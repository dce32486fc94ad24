// A server started through npm (`npx sortie serve`, an npm script) runs under npm's `sh -c`, and a SIGTERM to npm
// reaches that shell, which exits without passing it on: the server would keep running, adopted by init. Such a
// server watches its parent and stops as on SIGTERM once it is gone. Outside npm nothing is watched, so a server
// started with nohup or from a shell that exits keeps running as asked.

/** How often the parent is checked, in ms (the timer never keeps the process alive). */
const CHECK_MS = 500;

/**
 * Calls `onGone` once, when the process that started this one under npm exits. Returns the function that stops
 * watching. `env` is the process environment: npm marks the commands it runs with npm_lifecycle_event.
 */
export function whenLauncherExits(onGone: () => void, env: NodeJS.ProcessEnv = process.env): () => void {
  if (!env.npm_lifecycle_event) return () => {};
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
